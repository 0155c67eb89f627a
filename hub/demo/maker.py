"""The shared base of the demo generators: rows, seeded randomness, the build time, schedules."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from hub.demo import hours
from hub.demo.rows import Rows
from providers.models import Schedule, ScheduleFrequency, Weekday


class Maker:
    """Adds rows with plausible timestamps drawn from one seeded generator."""

    def __init__(self, rows: Rows, rng: random.Random, now: datetime) -> None:
        self.rows = rows
        self.rng = rng
        self.now = now

    def ago(self, low: int, high: int) -> datetime:
        """A random moment `low` to `high` days before now."""
        return self.now - timedelta(
            days=self.rng.randint(low, high), minutes=self.rng.randint(0, 1439)
        )

    def stamps(self) -> dict[str, datetime]:
        """Created and updated times of a row that has been around a while."""
        created = self.ago(400, 1200)
        return {"created_at": created, "updated_at": self.ago(1, 120)}

    def schedule(self, slots: list[hours.Slot], tz: str, **owner: str) -> None:
        """Add weekly schedule rows for a location or service."""
        start = date(self.now.year - 1, 1, 1)
        for slot in slots:
            days, opens, closes = slot
            self.rows.add(
                Schedule,
                freq=ScheduleFrequency.WEEKLY,
                wkst=Weekday.MO,
                byday=days,
                opens_at=opens,
                closes_at=closes,
                timezone_name=tz,
                dtstart=start,
                description=hours.describe(slot),
                **owner,
                **self.stamps(),
            )
