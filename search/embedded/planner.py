"""The embedded backend's planner: which way a search within a radius reads the index.

A search within a radius can start from the radius's places (the R*Tree box plus the served
areas, then probing the rest on each) or from its words' matches or needs' rows (checking the
box on each); and the words of a place-first search can be scored by FTS5's bm25 or by the
same bm25 computed in Python (`textscore.py`). Each way gives the same pages; the planner picks
the cheaper from counts it keeps per index generation (the phrases' and needs' documents, the
table's totals) and a count of the box's documents that stops once it is large enough to
decide, so that deciding never costs what the dearer way would.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from search.embedded import textscore
from search.embedded.compiler import CompiledSearch
from search.embedded.textscore import Totals, phrase_count

# Scoring a row in Python (five highlights and a snippet) costs about what FTS5 spends walking
# this many postings to count a phrase's documents for bm25.
ROW_COST_IN_POSTINGS = 500
# Starting from the words costs bm25 on each of their matches in the country, about this many
# times what starting from the place costs per document in its box.
WORDS_FIRST_FACTOR = 4
NEED_COUNT_SQL = "SELECT count(*) FROM doc_need WHERE code = :code"


class Stats:
    """Phrase and need document counts and the table totals of one index generation."""

    def __init__(self, generation: int, totals: Totals) -> None:
        self.generation = generation
        self.totals = totals
        self.counts: dict[str, int] = {}
        self.need_counts: dict[str, int] = {}

    def count(self, connection: sqlite3.Connection, phrase: str) -> int:
        """The phrase's document count (counted on first use in this generation)."""
        found = self.counts.get(phrase)
        if found is None:
            found = self.counts[phrase] = phrase_count(connection, phrase)
        return found

    def need_count(self, connection: sqlite3.Connection, code: str) -> int:
        """How many documents are tagged with the need code or one below it (counted once)."""
        found = self.need_counts.get(code)
        if found is None:
            row = connection.execute(NEED_COUNT_SQL, {"code": code}).fetchone()
            found = self.need_counts[code] = int(row[0])
        return found


def set_first(
    connection: sqlite3.Connection,
    stats: Stats,
    expression: str | None,
    needs: Sequence[str],
    params: dict[str, object],
    box_count_sql: str,
) -> bool:
    """Whether to start from the words' matches (else the needs' rows) rather than the place:
    when the radius's box holds more documents than they (words: the rarest phrase's documents,
    weighted by WORDS_FIRST_FACTOR). The box is counted only up to that number."""
    if expression is not None:
        rows = min(stats.count(connection, p) for p in expression.split(" "))
        cap = rows * WORDS_FIRST_FACTOR
    else:
        rows = cap = sum(stats.need_count(connection, code) for code in needs)
    if rows == 0:
        return True
    box = connection.execute(box_count_sql, {**params, "cap": cap}).fetchone()[0]
    return int(box) >= cap


def score_in_python(
    connection: sqlite3.Connection,
    stats: Stats,
    expression: str,
    params: dict[str, object],
    text_rows_sql: str,
    candidates: int,
) -> bool:
    """Score the candidates' text matches into temp.scored if that is the cheaper way: the
    expected matches (the radius's candidates times each phrase's share of the index) cost
    less to score here than FTS5's counting of every phrase's documents. False: nothing was
    stored; FTS5's bm25 must score (too many rows, or see `textscore.score_rows`)."""
    phrases = expression.split(" ")
    nrow = stats.totals.rows
    if nrow <= 0:
        return False
    counts = [stats.count(connection, p) for p in phrases]
    expected = float(candidates)
    for count in counts:
        expected *= count / nrow
    if expected * ROW_COST_IN_POSTINGS > sum(counts):
        return False
    rows = connection.execute(text_rows_sql, params).fetchall()
    scored = textscore.score_rows(connection, phrases, counts, stats.totals, rows) if rows else []
    if scored is None:
        return False
    connection.execute("DELETE FROM temp.scored")
    connection.executemany(
        "INSERT INTO temp.scored (rowid, score, marks) VALUES (?, ?, ?)",
        [(s.rowid, s.score, json.dumps(s.marks)) for s in scored],
    )
    return True


def run_match(
    connection: sqlite3.Connection,
    stats: Stats,
    compiled: CompiledSearch,
    needs: Sequence[str],
) -> bool:
    """Fill temp.hit the cheaper way; True if the hits carry their highlights (temp.hit.marks)."""
    match_sql, marked = compiled.match_sql, False
    expression = compiled.match_expression
    box_sql = compiled.box_count_sql
    if (
        compiled.set_sql is not None
        and box_sql is not None
        and set_first(connection, stats, expression, needs, compiled.params, box_sql)
    ):
        connection.execute(compiled.set_sql, compiled.params)
        return False
    if compiled.candidates_sql is not None:
        connection.execute("DELETE FROM temp.cand")
        filled = connection.execute(compiled.candidates_sql, compiled.params).rowcount
        if compiled.text_rows_sql is not None and compiled.scored_sql and expression:
            marked = score_in_python(
                connection, stats, expression, compiled.params, compiled.text_rows_sql, filled
            )
            if marked:
                match_sql = compiled.scored_sql
    connection.execute(match_sql, compiled.params)
    return marked
