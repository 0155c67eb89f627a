"""Highlights every backend shares: which of a document's needs the request asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from search.models import Highlight

MARK = ("<mark>", "</mark>")


def need_highlight(needs: Iterable[Mapping[str, Any]], wanted: Sequence[str]) -> Highlight | None:
    """Mark the document's needs that match a requested code or sit below one."""
    return needs_marked(((n["code"], n["name"], n.get("ancestors", ())) for n in needs), wanted)


def needs_marked(needs: Iterable[Sequence[Any]], wanted: Sequence[str]) -> Highlight | None:
    """`need_highlight` of (code, name, ancestor codes) triples."""
    if not wanted:
        return None
    asked = set(wanted)
    fragments = [
        f"{MARK[0]}{name}{MARK[1]}"
        for code, name, ancestors in needs
        if code in asked or asked.intersection(ancestors)
    ]
    return Highlight("needs", tuple(fragments)) if fragments else None


def marked(field: str, values: Iterable[str | None]) -> Highlight | None:
    """A highlight from engine fragments, kept only when something was actually marked."""
    fragments = tuple(v for v in values if v and MARK[0] in v)
    return Highlight(field, fragments) if fragments else None
