"""What an import did and what was wrong with the input: counts per entity and located problems."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: the file and its row (CSV line, or position in a JSON list)."""

    file: str
    row: int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input, located precisely enough to fix it."""

    file: str
    row: int
    field: str
    reason: str


@dataclass(slots=True)
class EntityCounts:
    """Outcome counts of one entity type."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    deactivated: int = 0
    # Kept aside: a required reference is missing; written when a later import brings it.
    deferred: int = 0


@dataclass
class ImportReport:
    """Summary and validation report of one import (or dry run)."""

    source: str
    dry_run: bool = False
    skip_invalid: bool = False
    # The input is the whole source: records of earlier imports missing from it are deactivated.
    complete: bool = False
    counts: dict[str, EntityCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    # Located notices that never fail an import: a value dropped or defaulted, a link deferred.
    warnings: list[Problem] = field(default_factory=list)
    warning_count: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    # "entity.field" -> records whose empty value of a NOT NULL column got the documented default.
    defaulted: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    notes_seen: set[str] = field(default_factory=set)  # notes given once per import
    geocoded: int = 0
    geocode_failed: int = 0
    committed: bool = False
    aborted: bool = False

    def problem(self, origin: Origin | None, field_name: str, reason: str) -> None:
        """Record a problem with the input; in strict mode any problem fails the import."""
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            file, row = (origin.file, origin.row) if origin else ("", 0)
            self.problems.append(Problem(file, row, field_name, reason))

    def warn(self, origin: Origin | None, field_name: str, reason: str) -> None:
        """Record a located notice about the input that does not fail the import."""
        self.warning_count += 1
        if len(self.warnings) < MAX_PROBLEMS:
            file, row = (origin.file, origin.row) if origin else ("", 0)
            self.warnings.append(Problem(file, row, field_name, reason))

    def fatal(self, origin: Origin | None, field_name: str, reason: str) -> None:
        """Record a problem that stops the import even when invalid records may be skipped."""
        self.problem(origin, field_name, reason)
        self.aborted = True

    def entity(self, name: str) -> EntityCounts:
        """The counters of one entity type."""
        return self.counts.setdefault(name, EntityCounts())

    def skip(self, entity: str, reason: str) -> None:
        """Count a record left out, with the reason."""
        self.entity(entity).skipped += 1
        self.skip_reasons[f"{entity}: {reason}"] += 1

    @property
    def failed(self) -> bool:
        """True when the import must not be committed."""
        return self.aborted or (self.problem_count > 0 and not self.skip_invalid)

    @property
    def changed(self) -> int:
        """Records created, updated or deactivated."""
        return sum(c.created + c.updated + c.deactivated for c in self.counts.values())

    def totals(self) -> EntityCounts:
        """Counts summed over every entity."""
        total = EntityCounts()
        for c in self.counts.values():
            total.created += c.created
            total.updated += c.updated
            total.unchanged += c.unchanged
            total.skipped += c.skipped
            total.deactivated += c.deactivated
            total.deferred += c.deferred
        return total

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (CLI `--json`, tests)."""
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "complete": self.complete,
            "committed": self.committed,
            "failed": self.failed,
            "counts": {
                name: {
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "skipped": c.skipped,
                    "deactivated": c.deactivated,
                    "deferred": c.deferred,
                }
                for name, c in sorted(self.counts.items())
            },
            "problem_count": self.problem_count,
            "problems": [
                {"file": p.file, "row": p.row, "field": p.field, "reason": p.reason}
                for p in self.problems
            ],
            "warning_count": self.warning_count,
            "warnings": [
                {"file": p.file, "row": p.row, "field": p.field, "reason": p.reason}
                for p in self.warnings
            ],
            "skip_reasons": dict(self.skip_reasons),
            "defaulted": dict(self.defaulted),
            "geocoded": self.geocoded,
            "geocode_failed": self.geocode_failed,
            "notes": list(self.notes),
        }
