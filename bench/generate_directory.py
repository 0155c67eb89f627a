"""Generate a synthetic national directory over real ZIP centroids into a migrated SQLite DB.

    .venv/bin/python bench/generate_directory.py --services 100000 --db /tmp/hub-bench/hub.sqlite3

About 1.5 service-at-locations per service (5% of services have no place: area-served or
online), a realistic need mix (food, housing, employment and training most common), Spanish at
about 45% of services, 60% free, most open weekdays and a quarter into the evening.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub import migrate
from hub.tables import metadata
from providers.geocoding.gazetteer import ZipPlace, load_gazetteer
from providers.needs_taxonomy import need_id, shipped_needs

# Share of services per top-level need (the rest spread evenly over the other needs).
NEED_WEIGHTS = {
    "food": 14,
    "housing": 12,
    "employment": 11,
    "training": 9,
    "health": 7,
    "childcare": 6,
    "transportation": 6,
    "mental_health": 5,
    "benefits": 5,
    "adult_education": 5,
    "legal": 4,
    "financial": 3,
    "utilities": 3,
}
OTHER_WEIGHT = 1.5
LANGUAGES = (("zh", 0.08), ("vi", 0.06), ("tl", 0.05), ("ko", 0.03), ("ar", 0.03), ("ru", 0.02))
WORDS = [
    "free",
    "confidential",
    "walk-in",
    "appointments",
    "bilingual",
    "staff",
    "families",
    "youth",
    "seniors",
    "veterans",
    "job",
    "seekers",
    "low-income",
    "residents",
    "help",
    "apply",
    "benefits",
    "classes",
    "evening",
    "weekend",
    "case",
    "management",
    "referral",
    "intake",
    "eligibility",
    "documents",
    "required",
    "open",
    "to",
    "all",
    "county",
    "residents",
]
ORG_KINDS = (
    "Community Action Agency",
    "Family Resource Center",
    "Career Center",
    "Food Bank",
    "Housing Services",
    "Community College",
    "Legal Aid Society",
    "Health Clinic",
)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class Generator:
    """Accumulates rows per table and flushes them in large executemany batches."""

    def __init__(self, connection: sa.Connection, rng: random.Random, now: datetime) -> None:
        self.connection = connection
        self.rng = rng
        self.now = now
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.counts: dict[str, int] = {}
        needs = shipped_needs().needs
        self.children: dict[str, list[tuple[str, str]]] = {}
        for need in needs:
            top = need.code.split(".")[0]
            self.children.setdefault(top, []).append((need.code, need.name))
        tops = list(self.children)
        self.tops = tops
        self.top_weights = [NEED_WEIGHTS.get(t, OTHER_WEIGHT) for t in tops]
        places = [p for p in load_gazetteer().places() if p.standard]
        self.places: list[ZipPlace] = places

    def add(self, table: str, **values: Any) -> str:
        values.setdefault("created_at", self.now)
        values.setdefault("updated_at", self.now)
        self.rows.setdefault(table, []).append(values)
        if len(self.rows[table]) >= 20_000:
            self.flush(table)
        return str(values.get("id", ""))

    def flush(self, only: str | None = None) -> None:
        # Parents before children, so foreign keys hold within each flush.
        for table in metadata.sorted_tables:
            if only is not None and table.name != only:
                continue
            batch = self.rows.pop(table.name, [])
            if batch:
                self.connection.execute(table.insert(), batch)
                self.counts[table.name] = self.counts.get(table.name, 0) + len(batch)

    def _need(self) -> tuple[str, str]:
        top = self.rng.choices(self.tops, self.top_weights)[0]
        return self.rng.choice(self.children[top])

    def organization(self) -> tuple[str, ZipPlace]:
        home = self.rng.choice(self.places)
        kind = self.rng.choice(ORG_KINDS)
        org_id = self.add(
            "organization",
            id=_id(self.rng),
            name=f"{home.city} {kind}",
            description=f"{kind} serving {home.city}, {home.state}.",
        )
        return org_id, home

    def service(self, org_id: str, home: ZipPlace) -> None:
        rng = self.rng
        needs = {self._need() for _ in range(rng.choice((1, 1, 2, 2, 3)))}
        _code, name = next(iter(needs))
        sid = _id(rng)
        delivery = rng.choices(("in_person", "hybrid", "phone", "online"), (80, 8, 7, 5))[0]
        capacity = rng.choices(("capacity", "waitlist", "no-capacity", None), (60, 15, 5, 20))[0]
        self.add(
            "service",
            id=sid,
            organization_id=org_id,
            name=f"{name} {rng.choice(('Program', 'Services', 'Help', 'Center', 'Assistance'))}",
            description=f"{name}: " + " ".join(rng.sample(WORDS, 12)) + ".",
            status="active",
            delivery_mode=delivery,
            accepts_referrals=rng.random() < 0.6,
            capacity_status=capacity,
            last_verified_at=self.now - timedelta(days=rng.randint(1, 900)),
            version=1,
        )
        for need_code, _ in needs:
            self.add(
                "attribute",
                id=_id(rng),
                link_id=sid,
                taxonomy_term_id=need_id(need_code),
                link_type="need",
                link_entity="service",
            )
        self.add("language", id=_id(rng), service_id=sid, code="en", name="English")
        if rng.random() < 0.45:
            self.add("language", id=_id(rng), service_id=sid, code="es", name="Spanish")
        for lang, share in LANGUAGES:
            if rng.random() < share:
                self.add("language", id=_id(rng), service_id=sid, code=lang, name=lang)
        amount = (
            Decimal(0) if rng.random() < 0.6 else Decimal(rng.choice((10, 25, 50, 120, 900, 3500)))
        )
        self.add("cost_option", id=_id(rng), service_id=sid, amount=amount, currency="USD")
        closes = clock_time(20) if rng.random() < 0.25 else clock_time(17)
        byday = "MO,TU,WE,TH,FR,SA" if rng.random() < 0.1 else "MO,TU,WE,TH,FR"
        self.add(
            "schedule",
            id=_id(rng),
            service_id=sid,
            freq="WEEKLY",
            byday=byday,
            opens_at=clock_time(9),
            closes_at=closes,
            timezone_name=home.timezone_name,
        )
        if rng.random() < 0.05:
            self.add(
                "service_area",
                id=_id(rng),
                service_id=sid,
                extent_type="county",
                extent=f"{home.county}, {home.state}",
                name=home.county,
            )
            return
        for _ in range(1 if rng.random() < 0.55 else rng.choice((2, 2, 3))):
            place = home if rng.random() < 0.5 else self._nearby(home)
            lat = place.latitude + rng.uniform(-0.01, 0.01)
            lon = place.longitude + rng.uniform(-0.01, 0.01)
            lid = self.add(
                "location",
                id=_id(rng),
                organization_id=org_id,
                name=f"{place.city} site",
                latitude=lat,
                longitude=lon,
                location_type="physical",
                geocode_status="ok",
                geocode_precision="zip",
                timezone_name=place.timezone_name,
                is_private=False,
            )
            self.add(
                "address",
                id=_id(rng),
                location_id=lid,
                address_1=f"{rng.randint(1, 9999)} Main St",
                city=place.city,
                state_province=place.state,
                postal_code=place.zip_code,
                country="US",
                address_type="physical",
                is_private=False,
            )
            self.add("service_at_location", id=_id(rng), service_id=sid, location_id=lid)

    def _nearby(self, home: ZipPlace) -> ZipPlace:
        near = load_gazetteer().nearest(
            home.latitude + self.rng.uniform(-0.2, 0.2),
            home.longitude + self.rng.uniform(-0.2, 0.2),
        )
        return near or home


def generate(db: Path, services: int, seed: int = 7) -> dict[str, int]:
    """Create and fill the database; returns row counts per table."""
    if db.exists():
        db.unlink()
    url = f"sqlite+aiosqlite:///{db}"
    migrate.upgrade(url)
    engine = sa.create_engine(f"sqlite:///{db}")
    rng = random.Random(seed)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        gen = Generator(connection, rng, datetime(2026, 11, 1, tzinfo=UTC))
        made = 0
        while made < services:
            org_id, home = gen.organization()
            for _ in range(min(services - made, rng.randint(1, 9))):
                gen.service(org_id, home)
                made += 1
        gen.flush()
    engine.dispose()
    return gen.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/hub-bench/hub.sqlite3"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = generate(args.db, args.services, args.seed)
    print(f"generated in {time.perf_counter() - started:.1f} s:")
    for table, count in sorted(counts.items()):
        print(f"  {table:<22} {count:>9,}")


if __name__ == "__main__":
    main()
