"""Need categories: the top-level needs of the taxonomy, and how a need code rolls up to one.

The shipped taxonomy's codes are dotted and a child's code starts with its parent's code
(providers/data/needs.yaml), so a need's category is the code's first segment: `food.pantry`
rolls up to `food`. The rollup refresh (Python) and the partial-month queries (SQL) both use
this rule, so the two halves of a report agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from hub.core.errors import ErrorCode, ValidationFailed
from providers.needs_taxonomy import shipped_needs
from referrals.analytics.models import ReferralFact
from referrals.models import ReferralNeed

_f: sa.Table = ReferralFact.__table__  # type: ignore[attr-defined]
_n: sa.Table = ReferralNeed.__table__  # type: ignore[attr-defined]


def category_of(code: str) -> str:
    """The top-level need a need code rolls up to (itself when it is top-level)."""
    return code.split(".", 1)[0]


@cache
def categories() -> dict[str, str]:
    """Top-level need codes of the shipped taxonomy and their names, in taxonomy order."""
    return {n.code: n.name for n in shipped_needs().top_level}


def check_category(code: str) -> str:
    """`code` when it names a top-level need; otherwise a ValidationFailed on `needCategory`."""
    if code not in categories():
        raise ValidationFailed.single(
            "needCategory", ErrorCode.UNKNOWN_NEED, "Choose a top-level need such as `food`."
        )
    return code


class first_segment(FunctionElement[str]):  # noqa: N801 (a SQL function's name)
    """SQL: the text before the first `.` (all of it when there is none)."""

    type = sa.String()
    inherit_cache = True


@compiles(first_segment)
def _first_segment_sqlite(element: first_segment, compiler: SQLCompiler, **kw: Any) -> str:
    code = compiler.process(element.clauses, **kw)
    return f"substr({code}, 1, instr({code} || '.', '.') - 1)"


@compiles(first_segment, "postgresql")
def _first_segment_postgresql(element: first_segment, compiler: SQLCompiler, **kw: Any) -> str:
    return f"split_part({compiler.process(element.clauses, **kw)}, '.', 1)"


def in_subtree(column: ColumnElement[Any], category: str) -> ColumnElement[bool]:
    """SQL condition: the need code in `column` is `category` or one of its descendants."""
    return sa.or_(column == category, column.startswith(category + ".", autoescape=True))


def referral_categories(
    facts: Sequence[ColumnElement[bool]], category: str | None = None
) -> sa.Subquery:
    """(referral_id, category) once per referral and category, for the facts matching `facts`;
    only `category` when given."""
    # Restricted to the facts asked for: otherwise the database makes the distinct pairs of
    # every referral ever sent before joining them to a few days of facts.
    select = (
        sa.select(_n.c.referral_id, first_segment(_n.c.need_code).label("category"))
        .select_from(_n.join(_f, _f.c.referral_id == _n.c.referral_id))
        .where(*facts)
        .distinct()
    )
    if category is not None:
        select = select.where(in_subtree(_n.c.need_code, category))
    return select.subquery("referral_category")
