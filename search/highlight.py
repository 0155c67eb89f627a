"""Highlights every backend shares: which of a document's needs the request asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from search.models import Highlight

MARK = ("<mark>", "</mark>")


def need_highlight(needs: Iterable[Mapping[str, Any]], wanted: Sequence[str]) -> Highlight | None:
    """Mark the document's needs that match a requested code or sit below one."""
    if not wanted:
        return None
    asked = set(wanted)
    fragments = [
        f"{MARK[0]}{need['name']}{MARK[1]}"
        for need in needs
        if need["code"] in asked or asked.intersection(need.get("ancestors", ()))
    ]
    return Highlight("needs", tuple(fragments)) if fragments else None


def marked(field: str, values: Iterable[str | None]) -> Highlight | None:
    """A highlight from engine fragments, kept only when something was actually marked."""
    fragments = tuple(v for v in values if v and MARK[0] in v)
    return Highlight(field, fragments) if fragments else None
