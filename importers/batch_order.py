"""Shaping a batch before it is written: duplicates merged, parents before their children."""

from __future__ import annotations

from importers.prepare import PendingRow
from importers.report import ImportReport


def merge_duplicates(rows: list[PendingRow]) -> list[PendingRow]:
    """One row per record: the same object nested under several parents, merged."""
    # The same object nested in several JSON parents arrives once per parent (a phone under
    # the service, its organization and its location): merge them, so it keeps every link.
    seen: dict[str, PendingRow] = {}
    for row in rows:
        first = seen.get(row.external_id)
        if first is None:
            seen[row.external_id] = row
            continue
        for name, value in row.values.items():
            if value is not None or name not in first.values:
                first.values[name] = value
        first.refs = [*first.refs, *(ref for ref in row.refs if ref not in first.refs)]
    return list(seen.values()) if len(seen) != len(rows) else rows


def _parent(row: PendingRow, by_id: dict[str, PendingRow]) -> PendingRow | None:
    """The row's parent of its own entity in the same batch (a parent term or organization)."""
    for _col, target, ref_id, _ext in row.refs:
        if target == row.entity and ref_id != row.id:
            return by_id.get(ref_id)
    return None


def parents_first(rows: list[PendingRow], report: ImportReport) -> list[PendingRow]:
    """Rows ordered so each parent is inserted before its children (foreign keys hold).

    A parent chain that loops back on itself cannot be inserted in any order: the link that
    closes the loop is left out and reported as a problem.
    """
    by_id = {row.id: row for row in rows}
    ordered: list[PendingRow] = []
    placed: set[str] = set()
    for row in rows:
        chain: list[PendingRow] = []
        on_chain: set[str] = set()
        node: PendingRow | None = row
        while node is not None and node.id not in placed and node.id not in on_chain:
            chain.append(node)
            on_chain.add(node.id)
            node = _parent(node, by_id)
        if node is not None and node.id in on_chain:
            closing = chain[-1]
            for col, target, ref_id, ext in closing.refs:
                if target == closing.entity and ref_id == node.id:
                    closing.values[col] = None
                    report.problem(
                        closing.origin, col, f"{target} {ext!r} is its own ancestor; link left out"
                    )
            closing.refs = [ref for ref in closing.refs if ref[2] != node.id]
        for item in reversed(chain):
            placed.add(item.id)
            ordered.append(item)
    return ordered
