"""WHERE clauses of the embedded index for a request's filters (pure, named parameters)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from search.models import SearchRequest
from search.schedules import minute_of_week

Params = dict[str, Any]


class Clauses:
    """Collects SQL conditions and their named parameters."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: Params = {}
        # What the match reads when a need or language set drives it (else plain doc).
        self.source = "doc d"

    def param(self, name: str, value: Any) -> str:
        """Bind a value and return its placeholder."""
        key = f"{name}{len(self.params)}"
        self.params[key] = value
        return f":{key}"

    def any_of(self, name: str, values: Sequence[Any]) -> str:
        """A parenthesised list of placeholders for an IN (...)."""
        return "(" + ", ".join(self.param(name, v) for v in values) + ")"

    def add(self, condition: str) -> None:
        """Add a condition (ANDed with the others)."""
        self.conditions.append(condition)

    def where(self) -> str:
        """The WHERE body (always true when empty)."""
        return " AND ".join(self.conditions) or "1"


def _like_list(clauses: Clauses, column: str, name: str, values: Sequence[str]) -> None:
    # Stored as ",a,b," so any value matches with one LIKE per wanted value.
    checks = [f"d.{column} LIKE {clauses.param(name, f'%,{v},%')}" for v in values]
    clauses.add("(" + " OR ".join(checks) + ")")


def open_now_clause(clauses: Clauses, request: SearchRequest, timezones: Sequence[str]) -> None:
    """Open at `request.now` in each document's own zone (one local minute per known zone)."""
    if request.now is None:
        raise ValueError("open_now needs request.now")
    cases = []
    for tz in timezones:
        minute = minute_of_week(request.now, tz)
        if minute is not None:
            cases.append(f"WHEN {clauses.param('tz', tz)} THEN {clauses.param('m', minute)}")
    if not cases:
        clauses.add("0")
        return
    local = f"(CASE d.timezone_name {' '.join(cases)} ELSE -1 END)"
    clauses.add(
        f"EXISTS (SELECT 1 FROM doc_open o WHERE o.doc = d.rowid AND o.start <= {local}"
        f' AND o."end" > {local})'
    )


def _probe(clauses: Clauses, table: str, name: str, values: Sequence[str], key: str) -> str:
    codes = clauses.any_of(name, values)
    return f"EXISTS (SELECT 1 FROM {table} s WHERE s.code IN {codes} AND s.doc = {key})"


def _language_mask(languages: Sequence[str], bits: Mapping[str, int] | None) -> int | None:
    """The mask of the wanted languages, or None when one of them has no bit of its own."""
    if bits is None or any(language not in bits for language in languages):
        return None
    mask = 0
    for language in languages:
        mask |= 1 << bits[language]
    return mask


def filter_clauses(
    clauses: Clauses,
    request: SearchRequest,
    timezones: Sequence[str],
    *,
    key: str | None,
    language_bits: Mapping[str, int] | None = None,
) -> None:
    """Add every non-geographic, non-text filter.

    `key` is the rowid of what drives (places, words): need and language sets are probed on it
    by their (code, doc) keys. With nothing driving (None), the need set (or else the language
    set) drives, the other intersected before any doc row is read: languages by the mask on
    the need rows when every wanted language has a bit, else by probing doc_language.
    """
    sets = [
        (table, name, values)
        for table, name, values in (
            ("doc_need", "need", request.needs),
            ("doc_language", "lang", request.languages),
        )
        if values
    ]
    if key is None and sets:
        (table, name, values), rest = sets[0], sets[1:]
        mask = _language_mask(request.languages, language_bits)
        if table == "doc_need" and rest and mask is not None:
            rest = []
            probes = f" AND n.langs & {clauses.param('langs', mask)}"
        else:
            probes = "".join(f" AND {_probe(clauses, *other, 'n.doc')}" for other in rest)
        if len(values) == 1:
            # One code: its rows join doc directly (no duplicates, no IN list to build first).
            clauses.source = f"{table} n CROSS JOIN doc d ON d.rowid = n.doc"
            clauses.add(f"n.code = {clauses.param(name, values[0])}{probes}")
        else:
            codes = clauses.any_of(name, values)
            clauses.add(f"d.rowid IN (SELECT n.doc FROM {table} n WHERE n.code IN {codes}{probes})")
    elif key is not None:
        for table, name, values in sets:
            clauses.add(_probe(clauses, table, name, values, key))
    if request.free:
        clauses.add("d.free = 1")
    if request.max_cost is not None:
        clauses.add(f"d.min_cost <= {clauses.param('max_cost', request.max_cost)}")
    if request.age is not None:
        age = clauses.param("age", request.age)
        clauses.add(f"(d.min_age IS NULL OR d.min_age <= {age})")
        clauses.add(f"(d.max_age IS NULL OR d.max_age >= {age})")
    if request.delivery_modes:
        clauses.add(f"d.delivery_mode IN {clauses.any_of('mode', request.delivery_modes)}")
    if request.accepting_referrals:
        clauses.add("d.accepts_referrals = 1")
    if request.capacity:
        clauses.add(f"d.capacity_status IN {clauses.any_of('cap', request.capacity)}")
    if request.open_evenings:
        clauses.add("d.open_evenings = 1")
    if request.open_now:
        open_now_clause(clauses, request, timezones)
    program = request.program
    if program is not None:
        if program.credential:
            clauses.add(f"d.credential LIKE {clauses.param('cred', f'%{program.credential}%')}")
        if program.occupation_code:
            clauses.add(
                f"d.occupation_code LIKE {clauses.param('soc', program.occupation_code + '%')}"
            )
        if program.schedule_fit:
            _like_list(clauses, "schedule_fit", "fit", program.schedule_fit)
        if program.aid_accepted:
            _like_list(clauses, "aid_accepted", "aid", program.aid_accepted)
        if program.earn_and_learn is not None:
            clauses.add(f"d.earn_and_learn = {clauses.param('earn', int(program.earn_and_learn))}")
        if program.max_total_cost is not None:
            clauses.add(f"d.total_cost <= {clauses.param('total', program.max_total_cost)}")
