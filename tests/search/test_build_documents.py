"""The fast document builder (column reads by id range, memoized parts) builds exactly the
documents the row-by-row builder it replaced did, on a directory with every case it handles:
private and virtual places, area-served and online services, schedules at service, place and
service-at-location level, languages at both levels, programs with facts, shared places,
inactive services. The replaced builder is kept below as the reference."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.db import SessionFactory
from providers import models as m
from providers.geocoding.gazetteer import Gazetteer, load_gazetteer
from providers.needs_taxonomy import need_id
from search.areas import area_keys
from search.document import ServiceDocument, document_id
from search.documents import build_documents, iter_documents
from search.languages import normalize_language
from search.needs import NeedTree, load_tree
from search.schedules import WeeklyHours, intervals, open_evenings

# The reference: the builder as it was before the fast one (whole ORM-typed rows by id lists).


async def _rows_of(session: AsyncSession, model: type[SQLModel], column: Any, keys: Any) -> Any:
    wanted = list({k for k in keys if k})
    if not wanted:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    result = await session.exec(sa.select(table).where(col(column).in_(wanted)))  # type: ignore[call-overload]
    return result.all()


def _group(rows: Iterable[Any], attribute: str) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        key = getattr(row, attribute)
        if key is not None:
            grouped[key].append(row)
    return grouped


def _hours(rows: Sequence[Any]) -> tuple[tuple[int, int], ...]:
    return intervals(
        WeeklyHours(r.byday, r.opens_at, r.closes_at, r.freq.value if r.freq else None)
        for r in rows
    )


def _version_of(rows: Iterable[Any]) -> int:
    latest: datetime = max(r.updated_at for r in rows if getattr(r, "updated_at", None))
    return int(latest.timestamp() * 1_000_000)


def _costs(options: Sequence[Any], facts: Any) -> tuple[bool, float | None]:
    amounts = [float(o.amount) for o in options if o.amount is not None]
    if facts is not None and facts.tuition is not None and not amounts:
        amounts.append(float(facts.tuition + (facts.other_costs or Decimal(0))))
    if not amounts:
        return False, None
    low = min(amounts)
    return low == 0.0, low


class _Reference:
    def __init__(self, tree: NeedTree, gazetteer: Gazetteer) -> None:
        self.tree = tree
        self.gazetteer = gazetteer

    async def load(self, session: AsyncSession, service_ids: Sequence[str]) -> None:
        self.services = [
            s
            for s in await _rows_of(session, m.Service, m.Service.id, service_ids)
            if s.status == m.ServiceStatus.ACTIVE
        ]
        ids = [s.id for s in self.services]
        orgs = await _rows_of(
            session, m.Organization, m.Organization.id, (s.organization_id for s in self.services)
        )
        self.orgs = {o.id: o for o in orgs}
        programs = await _rows_of(
            session, m.Program, m.Program.id, (s.program_id or "" for s in self.services)
        )
        self.programs = {p.id: p for p in programs}
        facts = await _rows_of(session, m.ProgramFacts, m.ProgramFacts.service_id, ids)
        self.facts = {f.service_id: f for f in facts}
        self.sals = _group(
            await _rows_of(session, m.ServiceAtLocation, m.ServiceAtLocation.service_id, ids),
            "service_id",
        )
        location_ids = [sal.location_id for group in self.sals.values() for sal in group]
        locations = await _rows_of(session, m.Location, m.Location.id, location_ids)
        self.locations = {loc.id: loc for loc in locations}
        self.addresses = _group(
            await _rows_of(session, m.Address, m.Address.location_id, location_ids), "location_id"
        )
        schedules = list(await _rows_of(session, m.Schedule, m.Schedule.service_id, ids))
        schedules += await _rows_of(session, m.Schedule, m.Schedule.location_id, location_ids)
        self.schedules_by_service = _group(
            (s for s in schedules if s.service_at_location_id is None), "service_id"
        )
        self.schedules_by_location = _group(
            (s for s in schedules if s.service_id is None), "location_id"
        )
        sal_ids = [sal.id for group in self.sals.values() for sal in group]
        self.schedules_by_sal = _group(
            await _rows_of(session, m.Schedule, m.Schedule.service_at_location_id, sal_ids),
            "service_at_location_id",
        )
        self.languages = _group(
            await _rows_of(session, m.Language, m.Language.service_id, ids), "service_id"
        )
        self.location_languages = _group(
            await _rows_of(session, m.Language, m.Language.location_id, location_ids),
            "location_id",
        )
        self.costs = _group(
            await _rows_of(session, m.CostOption, m.CostOption.service_id, ids), "service_id"
        )
        self.areas = _group(
            await _rows_of(session, m.ServiceArea, m.ServiceArea.service_id, ids), "service_id"
        )
        attributes = await _rows_of(session, m.Attribute, m.Attribute.link_id, ids)
        self.term_ids = _group((a for a in attributes if a.link_entity == "service"), "link_id")

    def documents(self) -> list[ServiceDocument]:
        return [d for s in self.services for d in self._service_documents(s)]

    def _service_documents(self, service: Any) -> list[ServiceDocument]:
        org = self.orgs[service.organization_id]
        program = self.programs.get(service.program_id or "")
        facts = self.facts.get(service.id)
        free, min_cost = _costs(self.costs.get(service.id, []), facts)
        languages = {normalize_language(x.code, x.name) for x in self.languages.get(service.id, [])}
        common: dict[str, Any] = {
            "service_id": service.id,
            "organization_id": org.id,
            "service_name": service.name,
            "organization_name": org.name,
            "program_id": program.id if program else None,
            "program_name": program.name if program else "",
            "service_description": service.description or "",
            "organization_description": org.description or "",
            "program_description": program.description if program else "",
            "needs": self.tree.refs(a.taxonomy_term_id for a in self.term_ids.get(service.id, [])),
            "free": free,
            "min_cost": min_cost,
            "min_age": service.minimum_age,
            "max_age": service.maximum_age,
            "delivery_mode": service.delivery_mode.value,
            "accepts_referrals": service.accepts_referrals,
            "capacity_status": service.capacity_status.value if service.capacity_status else None,
            "last_verified_at": service.last_verified_at,
        }
        if facts is not None:
            common.update(
                credential=facts.credential,
                occupation_code=facts.occupation_code,
                schedule_fit=tuple(sorted(f for f in facts.schedule_fit.split(",") if f)),
                aid_accepted=tuple(sorted(a for a in facts.aid_accepted.split(",") if a)),
                earn_and_learn=facts.earn_and_learn,
                total_cost=float((facts.tuition or 0) + (facts.other_costs or 0))
                if facts.tuition is not None
                else None,
            )
        stamped = [service, org, *([program] if program else []), *([facts] if facts else [])]
        sals = [s for s in self.sals.get(service.id, []) if s.location_id in self.locations]
        placed = [
            s for s in sals if self.locations[s.location_id].location_type != m.LocationType.VIRTUAL
        ]
        docs = [self._at_location(service, sal, common, languages, stamped) for sal in placed]
        if not placed:
            rows = self.schedules_by_service.get(service.id, [])
            spans = _hours(rows)
            keys = [
                k
                for a in self.areas.get(service.id, [])
                for k in area_keys(a.extent_type, a.extent, a.name)
            ]
            if not keys and service.delivery_mode.value in ("online", "phone"):
                keys = ["nation"]
            docs.append(
                ServiceDocument(
                    id=document_id(service_id=service.id, service_at_location_id=None),
                    version=_version_of([*stamped, *self.areas.get(service.id, [])]),
                    languages=tuple(sorted(x for x in languages if x)),
                    open_spans=spans,
                    timezone_name=next((s.timezone_name for s in rows if s.timezone_name), None),
                    open_evenings=open_evenings(spans)
                    or "evening" in common.get("schedule_fit", ()),
                    areas=tuple(sorted(set(keys))),
                    **common,
                )
            )
        return docs

    def _at_location(
        self, service: Any, sal: Any, common: dict[str, Any], languages: set[Any], stamped: Any
    ) -> ServiceDocument:
        location = self.locations[sal.location_id]
        address = next(iter(self.addresses.get(location.id, [])), None)
        rows = (
            self.schedules_by_sal.get(sal.id)
            or self.schedules_by_service.get(service.id)
            or self.schedules_by_location.get(location.id)
            or []
        )
        spans = _hours(rows)
        has_point = (
            location.latitude is not None
            and location.longitude is not None
            and location.geocode_status != m.GeocodeStatus.FAILED
            and not location.is_private
        )
        public = address is not None and not (location.is_private or address.is_private)
        postal = address.postal_code[:5] if public and address and address.postal_code else None
        tz = location.timezone_name or next(
            (r.timezone_name for r in rows if r.timezone_name), None
        )
        if tz is None:
            place = self.gazetteer.zip(postal) if postal else None
            if place is None and has_point:
                place = self.gazetteer.nearest(
                    float(location.latitude or 0), float(location.longitude or 0)
                )
            tz = place.timezone_name if place else None
        langs = languages | {
            normalize_language(x.code, x.name) for x in self.location_languages.get(location.id, [])
        }
        return ServiceDocument(
            id=document_id(service_id=service.id, service_at_location_id=sal.id),
            version=_version_of([*stamped, sal, location, *rows]),
            location_id=None if location.is_private else location.id,
            service_at_location_id=sal.id,
            location_name=location.name or "",
            languages=tuple(sorted(x for x in langs if x)),
            open_spans=spans,
            timezone_name=tz,
            open_evenings=open_evenings(spans) or "evening" in common.get("schedule_fit", ()),
            latitude=location.latitude if has_point else None,
            longitude=location.longitude if has_point else None,
            postal_code=postal,
            areas=() if has_point or postal is None else (f"zip:{postal}",),
            **common,
        )


async def _reference(session: AsyncSession, service_ids: Sequence[str]) -> list[ServiceDocument]:
    built = _Reference(await load_tree(session), load_gazetteer())
    await built.load(session, service_ids)
    return built.documents()


# The directory.

LATER = datetime(2026, 11, 2, 8, 30, 15, 123457, tzinfo=UTC)


def _place(org: m.Organization, name: str | None, **values: Any) -> m.Location:
    values.setdefault("geocode_status", m.GeocodeStatus.OK)
    return m.Location(organization_id=org.id, name=name, **values)


def _address(location: m.Location, postal_code: str, *, private: bool = False) -> m.Address:
    return m.Address(
        location_id=location.id,
        address_1="1 Main St",
        city="Oakland",
        state_province="CA",
        postal_code=postal_code,
        is_private=private,
    )


def _weekly(byday: str | None, opens: time | None, closes: time | None, **owner: Any) -> Any:
    return m.Schedule(
        freq=owner.pop("freq", m.ScheduleFrequency.WEEKLY),
        byday=byday,
        opens_at=opens,
        closes_at=closes,
        **owner,
    )


async def _directory(session: AsyncSession) -> list[str]:
    """Services covering every case the builder handles; returns their ids."""
    unity = m.Organization(name="Unity Council", description="Fruitvale services.")
    college = m.Organization(name="Laney College", description="")
    session.add_all([unity, college])
    await session.flush()
    program = m.Program(organization_id=college.id, name="Welding", description="A trade.")
    session.add(program)
    await session.flush()
    pantry = m.Service(
        organization_id=unity.id, name="Pantry", description="Food.", accepts_referrals=True
    )
    welding = m.Service(
        organization_id=college.id,
        program_id=program.id,
        name="Welding certificate",
        capacity_status=m.CapacityStatus.WAITLIST,
        last_verified_at=LATER,
        minimum_age=18,
        accepts_referrals=True,
    )
    online = m.Service(
        organization_id=unity.id, name="Benefits line", delivery_mode=m.DeliveryMode.ONLINE
    )
    county = m.Service(
        organization_id=unity.id, name="County vouchers", delivery_mode=m.DeliveryMode.PHONE
    )
    virtual = m.Service(organization_id=college.id, name="Online tutoring")
    closed = m.Service(
        organization_id=unity.id,
        name="Closed",
        status=m.ServiceStatus.INACTIVE,
        accepts_referrals=True,
    )
    shared = m.Service(organization_id=unity.id, name="Diapers", description=None)
    services = [pantry, welding, online, county, virtual, closed, shared]
    session.add_all(services)
    await session.flush()
    public = _place(unity, "Fruitvale", latitude=37.7806, longitude=-122.2166)
    shelter = _place(unity, "Shelter", latitude=37.7833, longitude=-122.2169, is_private=True)
    failed = _place(
        college, "Campus", latitude=0.0, longitude=0.0, geocode_status=m.GeocodeStatus.FAILED
    )
    hidden_address = _place(college, "Annex", latitude=37.8, longitude=-122.27)
    pointless = _place(unity, None)
    zoned = _place(
        unity, "Zoned", latitude=40.75, longitude=-73.99, timezone_name="America/New_York"
    )
    remote = _place(college, "Zoom", location_type=m.LocationType.VIRTUAL)
    places = [public, shelter, failed, hidden_address, pointless, zoned, remote]
    session.add_all(places)
    await session.flush()
    session.add_all(
        [
            _address(public, "94601-1234"),
            # A second address: the first one counts (PostgreSQL returns them in no set order,
            # so it differs only past the ZIP's five digits).
            _address(public, "94601-5678"),
            _address(shelter, "94601", private=True),
            _address(failed, "94607"),
            _address(hidden_address, "94612", private=True),
            _address(pointless, "10001"),
        ]
    )
    sal = {
        (s.id, loc.id): m.ServiceAtLocation(service_id=s.id, location_id=loc.id)
        for s, loc in [
            (pantry, public),
            (pantry, shelter),
            (pantry, zoned),
            (welding, failed),
            (welding, hidden_address),
            (welding, remote),
            (virtual, remote),
            (shared, public),
            (shared, pointless),
            (closed, public),
        ]
    }
    session.add_all(sal.values())
    await session.flush()
    session.add_all(
        [
            # Service level, with a zone; and a monthly row that never counts.
            _weekly(
                "MO,TU", time(9), time(17), service_id=pantry.id, timezone_name="America/Denver"
            ),
            _weekly(
                "FR", time(9), time(12), service_id=pantry.id, freq=m.ScheduleFrequency.MONTHLY
            ),
            # Service-at-location level beats service level.
            _weekly(
                "SA", time(18), time(23, 59), service_at_location_id=sal[(pantry.id, zoned.id)].id
            ),
            # Place level, for services without their own; past midnight on Sunday.
            _weekly("SU", time(22), time(2), location_id=public.id),
            _weekly(None, time(8), time(8), location_id=pointless.id),
            # A row of both a service and a place: service level.
            _weekly("WE", time(7), time(19), service_id=shared.id, location_id=public.id),
            _weekly("TH", None, time(10), service_id=county.id),
        ]
    )
    session.add_all(
        [
            m.Language(service_id=pantry.id, code="es"),
            m.Language(service_id=pantry.id, code="spa"),
            m.Language(service_id=pantry.id, name="Vietnamese"),
            m.Language(service_id=welding.id, code="en-US"),
            m.Language(location_id=public.id, code="zh"),
            m.Language(location_id=zoned.id, name="Tagalog"),
            m.Language(service_id=shared.id, code=None, name=None),
        ]
    )
    session.add_all(
        [
            m.CostOption(service_id=pantry.id, amount=Decimal(0), currency="USD"),
            m.CostOption(service_id=pantry.id, amount=Decimal("12.50"), currency="USD"),
            m.CostOption(service_id=shared.id, amount=None, currency="USD"),
            m.ProgramFacts(
                service_id=welding.id,
                credential="certificate",
                occupation_code="51-4121",
                schedule_fit="weekend,evening",
                tuition=Decimal("1200.10"),
                other_costs=Decimal("0.20"),
                aid_accepted="pell,wioa",
                earn_and_learn=True,
            ),
            m.ProgramFacts(service_id=virtual.id, schedule_fit="", tuition=None),
            m.ServiceArea(service_id=county.id, extent_type="county", extent="Alameda County, CA"),
            m.ServiceArea(service_id=county.id, extent_type="zip_codes", extent="94601;94602"),
            m.ServiceArea(service_id=virtual.id, extent_type="state", extent="CA"),
        ]
    )
    tags = [
        (pantry, "food.pantry"),
        (pantry, "food"),
        (welding, "training"),
        (online, "benefits"),
        (county, "transportation.transit_pass"),
        (shared, "food.pantry"),
        (closed, "food"),
    ]
    session.add_all(
        m.Attribute(link_id=s.id, taxonomy_term_id=need_id(code), link_entity="service")
        for s, code in tags
    )
    # Tags of other entities are not the service's needs.
    session.add(
        m.Attribute(link_id=pantry.id, taxonomy_term_id=need_id("housing"), link_entity="location")
    )
    await session.commit()
    # Later changes of some rows: the versions are the latest among a document's rows.
    public.name = "Fruitvale Plaza"
    session.add(public)
    college.name = "Laney College (Peralta)"
    session.add(college)
    await session.commit()
    return [s.id for s in services]


def _by_id(docs: list[ServiceDocument]) -> list[ServiceDocument]:
    # In id order: PostgreSQL returns the reference's rows in no set order.
    return sorted(docs, key=lambda d: d.id)


async def test_documents_equal_the_reference_builder(session_factory: SessionFactory) -> None:
    async with session_factory() as session:
        ids = await _directory(session)
    async with session_factory() as session:
        everything = (await session.exec(select(m.Service.id))).all()
        expected = await _reference(session, sorted(everything))
        for batch_size in (1, 2, 3, 500):
            built = [
                d async for batch in iter_documents(session, batch_size=batch_size) for d in batch
            ]
            assert _by_id(built) == _by_id(expected)
        assert len({d.id for d in expected}) == len(expected) > len(ids)
        for some in (ids[:2], ids[1:4], ids[3:], [ids[0], "no-such-service"]):
            chosen = await build_documents(session, some)
            assert _by_id(chosen) == _by_id(await _reference(session, some))
    by_id = {d.id: d for d in expected}
    # The cases are there: private places unplaced, a virtual place leaving a service-level
    # document, area keys, facts, zones from the gazetteer.
    assert any(d.location_id is None and d.service_at_location_id for d in expected)
    assert any(d.areas == ("nation",) for d in expected)
    assert any(d.schedule_fit == ("evening", "weekend") and d.open_evenings for d in expected)
    assert any(d.program_id and d.total_cost == 1200.3 for d in expected)
    assert any(d.id.startswith("svc:") and d.areas == ("state:CA",) for d in expected)
    assert len(by_id) == len(expected)
