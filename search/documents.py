"""Builds ServiceDocuments from the directory tables, a batch of services at a time."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.geocoding.gazetteer import Gazetteer, load_gazetteer
from providers.models import (
    Address,
    Attribute,
    CostOption,
    DeliveryMode,
    GeocodeStatus,
    Language,
    Location,
    LocationType,
    Organization,
    Program,
    ProgramFacts,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from search.areas import area_keys
from search.document import NeedRef, ServiceDocument, document_id
from search.document_parts import (
    Memo,
    Row,
    Scope,
    Stamps,
    costs,
    group,
    hours,
    raw,
    read,
    stamp_column,
    version_of,
)
from search.languages import normalize_language
from search.needs import NeedTree, load_tree
from search.schedules import open_evenings

# The columns a document is built from, read as tuples (a document needs a handful of each
# table's columns; reading whole rows cost more than building the document). Each tuple's
# `updated_at` comes last: the rows a document is made of give its version.
_SERVICE: tuple[Any, ...] = (
    Service.id,
    Service.organization_id,
    Service.program_id,
    Service.name,
    Service.description,
    Service.minimum_age,
    Service.maximum_age,
    raw(Service.delivery_mode),
    Service.accepts_referrals,
    raw(Service.capacity_status),
    Service.last_verified_at,
    raw(Service.status),
    stamp_column(Service.updated_at),
)
_ORGANIZATION: tuple[Any, ...] = (
    Organization.id,
    Organization.name,
    Organization.description,
    stamp_column(Organization.updated_at),
)
_PROGRAM: tuple[Any, ...] = (
    Program.id,
    Program.name,
    Program.description,
    stamp_column(Program.updated_at),
)
_FACTS: tuple[Any, ...] = (
    ProgramFacts.service_id,
    ProgramFacts.credential,
    ProgramFacts.occupation_code,
    ProgramFacts.schedule_fit,
    ProgramFacts.aid_accepted,
    ProgramFacts.earn_and_learn,
    ProgramFacts.tuition,
    ProgramFacts.other_costs,
    stamp_column(ProgramFacts.updated_at),
)
_SAL: tuple[Any, ...] = (
    ServiceAtLocation.id,
    ServiceAtLocation.service_id,
    ServiceAtLocation.location_id,
    stamp_column(ServiceAtLocation.updated_at),
)
_LOCATION: tuple[Any, ...] = (
    Location.id,
    Location.name,
    Location.latitude,
    Location.longitude,
    raw(Location.geocode_status),
    Location.is_private,
    raw(Location.location_type),
    Location.timezone_name,
    stamp_column(Location.updated_at),
)
_ADDRESS: tuple[Any, ...] = (Address.location_id, Address.postal_code, Address.is_private)
_SCHEDULE: tuple[Any, ...] = (
    Schedule.service_id,
    Schedule.location_id,
    Schedule.service_at_location_id,
    Schedule.byday,
    Schedule.opens_at,
    Schedule.closes_at,
    raw(Schedule.freq),
    Schedule.timezone_name,
    stamp_column(Schedule.updated_at),
)
_AREA: tuple[Any, ...] = (
    ServiceArea.service_id,
    ServiceArea.extent_type,
    ServiceArea.extent,
    ServiceArea.name,
    stamp_column(ServiceArea.updated_at),
)
_STATUS = 11  # position of the status in the service tuples
# Positions in the schedule tuples: owners, then (byday, opens_at, closes_at, freq) for hours.
_BY_SERVICE, _BY_LOCATION, _BY_SAL, _HOURS, _ZONE = 0, 1, 2, slice(3, 7), 7


def _hours(rows: tuple[tuple[Any, ...], ...]) -> tuple[tuple[tuple[int, int], ...], bool]:
    spans = hours(rows)
    return spans, open_evenings(spans)


def _language(key: tuple[str | None, str | None]) -> str | None:
    return normalize_language(*key)


class _Batch:
    """Rows of one batch of services, grouped for assembling documents.

    One instance serves every batch of a rebuild: values that repeat across services (need
    tags, schedule patterns, language spellings) are worked out once.
    """

    def __init__(self, tree: NeedTree, gazetteer: Gazetteer | None) -> None:
        self.tree = tree
        self._gazetteer = gazetteer
        self.needs: Memo[tuple[str, ...], tuple[NeedRef, ...]] = Memo(tree.refs)
        self.hours: Memo[tuple[tuple[Any, ...], ...], tuple[tuple[tuple[int, int], ...], bool]]
        self.hours = Memo(_hours)
        self.language: Memo[tuple[str | None, str | None], str | None] = Memo(_language)

    @property
    def gazetteer(self) -> Gazetteer:
        """The ZIP gazetteer, loaded on first use: only a place without a time zone needs it
        (loading takes about a second and 90 MB, which a rebuild's reader process spares)."""
        if self._gazetteer is None:
            self._gazetteer = load_gazetteer()
        return self._gazetteer

    async def load(
        self, session: AsyncSession, scope: Scope, services: list[Row] | None = None
    ) -> None:
        """Read the rows of the services in `scope` (`services`: their rows, if read already)."""
        self.stamp = Stamps()
        if services is None:
            services = await read(
                session, sa.select(*_SERVICE).where(scope.where(Service.id)).order_by(Service.id)
            )
        self.services = [s for s in services if s[_STATUS] == ServiceStatus.ACTIVE]
        # Rows of the batch's places are found through its service-at-locations.
        sal_ids = sa.select(col(ServiceAtLocation.id)).where(
            scope.where(ServiceAtLocation.service_id)
        )
        location_ids = sa.select(col(ServiceAtLocation.location_id)).where(
            scope.where(ServiceAtLocation.service_id)
        )
        self.orgs = {
            r[0]: r
            for r in await read(
                session,
                sa.select(*_ORGANIZATION).where(
                    col(Organization.id).in_(
                        sa.select(col(Service.organization_id)).where(scope.where(Service.id))
                    )
                ),
            )
        }
        self.programs = {
            r[0]: r
            for r in await read(
                session,
                sa.select(*_PROGRAM).where(
                    col(Program.id).in_(
                        sa.select(col(Service.program_id)).where(scope.where(Service.id))
                    )
                ),
            )
        }
        self.facts = {
            r[0]: r
            for r in await read(
                session, sa.select(*_FACTS).where(scope.where(ProgramFacts.service_id))
            )
        }
        self.sals = group(
            await read(session, sa.select(*_SAL).where(scope.where(ServiceAtLocation.service_id))),
            1,
        )
        self.locations = {
            r[0]: r
            for r in await read(
                session,
                sa.select(*_LOCATION).where(col(Location.id).in_(location_ids)),
            )
        }
        self.postal: dict[str, Row] = {}
        for address in await read(
            session,
            sa.select(*_ADDRESS).where(col(Address.location_id).in_(location_ids)),
        ):
            self.postal.setdefault(address[0], address)  # a place's first address
        by_service = await read(
            session, sa.select(*_SCHEDULE).where(scope.where(Schedule.service_id))
        )
        self.schedules_by_service = group((s for s in by_service if s[_BY_SAL] is None), 0)
        by_location = await read(
            session,
            sa.select(*_SCHEDULE).where(col(Schedule.location_id).in_(location_ids)),
        )
        self.schedules_by_location = group(
            (s for s in by_location if s[_BY_SERVICE] is None), _BY_LOCATION
        )
        self.schedules_by_sal = group(
            await read(
                session,
                sa.select(*_SCHEDULE).where(col(Schedule.service_at_location_id).in_(sal_ids)),
            ),
            _BY_SAL,
        )
        self.languages = group(
            await read(
                session,
                sa.select(col(Language.service_id), col(Language.code), col(Language.name)).where(
                    scope.where(Language.service_id)
                ),
            ),
            0,
        )
        self.location_languages = group(
            await read(
                session,
                sa.select(col(Language.location_id), col(Language.code), col(Language.name)).where(
                    col(Language.location_id).in_(location_ids)
                ),
            ),
            0,
        )
        self.costs = group(
            await read(
                session,
                sa.select(col(CostOption.service_id), col(CostOption.amount)).where(
                    scope.where(CostOption.service_id)
                ),
            ),
            0,
        )
        self.areas = group(
            await read(session, sa.select(*_AREA).where(scope.where(ServiceArea.service_id))), 0
        )
        self.term_ids = group(
            await read(
                session,
                sa.select(col(Attribute.link_id), col(Attribute.taxonomy_term_id)).where(
                    scope.where(Attribute.link_id), col(Attribute.link_entity) == "service"
                ),
            ),
            0,
        )

    def documents(self) -> list[ServiceDocument]:
        """The documents of the batch's active services, in service id order."""
        docs: list[ServiceDocument] = []
        for service in self.services:
            docs.extend(self._service_documents(service))
        return docs

    def _service_documents(self, service: Row) -> list[ServiceDocument]:
        (
            service_id,
            organization_id,
            program_id,
            name,
            description,
            minimum_age,
            maximum_age,
            delivery_mode,
            accepts_referrals,
            capacity_status,
            last_verified_at,
            _status,
            updated_at,
        ) = service
        stamp = self.stamp
        org = self.orgs[organization_id]
        program = self.programs.get(program_id or "")
        facts = self.facts.get(service_id)
        free, min_cost = costs(
            [a for _, a in self.costs.get(service_id, ()) if a is not None],
            facts[6] if facts else None,
            facts[7] if facts else None,
        )
        language = self.language
        languages = {language[(code, nm)] for _, code, nm in self.languages.get(service_id, ())}
        terms = self.term_ids.get(service_id)
        common: dict[str, Any] = {
            "service_id": service_id,
            "organization_id": org[0],
            "service_name": name,
            "organization_name": org[1],
            "program_id": program[0] if program else None,
            "program_name": program[1] if program else "",
            "service_description": description or "",
            "organization_description": org[2] or "",
            "program_description": program[2] if program else "",
            "needs": self.needs[tuple(t[1] for t in terms) if terms else ()],
            "free": free,
            "min_cost": min_cost,
            "min_age": minimum_age,
            "max_age": maximum_age,
            "delivery_mode": delivery_mode,
            "accepts_referrals": accepts_referrals,
            "capacity_status": capacity_status,
            "last_verified_at": last_verified_at,
        }
        if facts is not None:
            _, credential, occupation, fit, aid, earn, tuition, other, _stamp = facts
            common.update(
                credential=credential,
                occupation_code=occupation,
                schedule_fit=tuple(sorted(f for f in fit.split(",") if f)),
                aid_accepted=tuple(sorted(a for a in aid.split(",") if a)),
                earn_and_learn=earn,
                total_cost=float((tuition or 0) + (other or 0)) if tuition is not None else None,
            )
        evening_fit = "evening" in common.get("schedule_fit", ())
        stamps = [stamp(updated_at), stamp(org[3])]
        if program:
            stamps.append(stamp(program[3]))
        if facts:
            stamps.append(stamp(facts[8]))
        docs = []
        locations = self.locations
        placed = [
            (sal, location)
            for sal in self.sals.get(service_id, ())
            if (location := locations.get(sal[2])) is not None
            and location[6] != LocationType.VIRTUAL
        ]
        for sal, location in placed:
            docs.append(
                self._at_location(service_id, sal, location, common, languages, stamps, evening_fit)
            )
        if not placed:
            rows = self.schedules_by_service.get(service_id, ())
            spans, evenings = self.hours[tuple(r[_HOURS] for r in rows)]
            tz = next((r[_ZONE] for r in rows if r[_ZONE]), None)
            areas = self.areas.get(service_id, ())
            keys = [k for a in areas for k in area_keys(a[1], a[2], a[3])]
            if not keys and delivery_mode in (DeliveryMode.ONLINE, DeliveryMode.PHONE):
                keys = ["nation"]
            docs.append(
                ServiceDocument(
                    id=document_id(service_id=service_id, service_at_location_id=None),
                    version=version_of([*stamps, *(stamp(a[4]) for a in areas)]),
                    languages=tuple(sorted(x for x in languages if x)),
                    open_spans=spans,
                    timezone_name=tz,
                    open_evenings=evenings or evening_fit,
                    areas=tuple(sorted(set(keys))),
                    **common,
                )
            )
        return docs

    def _at_location(
        self,
        service_id: str,
        sal: Row,
        location: Row,
        common: dict[str, Any],
        languages: set[str | None],
        stamps: list[datetime],
        evening_fit: bool,
    ) -> ServiceDocument:
        sal_id = sal[0]
        location_id, location_name, latitude, longitude, geocode, private, _, zone, updated = (
            location
        )
        address = self.postal.get(location_id)
        rows = (
            self.schedules_by_sal.get(sal_id)
            or self.schedules_by_service.get(service_id)
            or self.schedules_by_location.get(location_id)
            or ()
        )
        spans, evenings = self.hours[tuple(r[_HOURS] for r in rows)]
        has_point = (
            latitude is not None
            and longitude is not None
            and geocode != GeocodeStatus.FAILED
            and not private
        )
        # A confidential place gives no position at all to search, not even its ZIP: a ZIP
        # match is a location filter an anonymous caller could probe point by point.
        public = address is not None and not (private or address[2])
        postal = address[1][:5] if public and address and address[1] else None
        tz = zone or next((r[_ZONE] for r in rows if r[_ZONE]), None)
        if tz is None:
            place = self.gazetteer.zip(postal) if postal else None
            if place is None and has_point:
                place = self.gazetteer.nearest(float(latitude or 0), float(longitude or 0))
            tz = place.timezone_name if place else None
        located = self.location_languages.get(location_id)
        langs = (
            languages | {self.language[(code, nm)] for _, code, nm in located}
            if located
            else languages
        )
        stamp = self.stamp
        return ServiceDocument(
            id=document_id(service_id=service_id, service_at_location_id=sal_id),
            version=version_of(
                [*stamps, stamp(sal[3]), stamp(updated), *(stamp(r[-1]) for r in rows)]
            ),
            location_id=None if private else location_id,
            service_at_location_id=sal_id,
            location_name=location_name or "",
            languages=tuple(sorted(x for x in langs if x)),
            open_spans=spans,
            timezone_name=tz,
            open_evenings=evenings or evening_fit,
            latitude=latitude if has_point else None,
            longitude=longitude if has_point else None,
            postal_code=postal,
            # A place without usable coordinates is still found by its ZIP.
            areas=() if has_point or postal is None else (f"zip:{postal}",),
            **common,
        )


async def build_documents(
    session: AsyncSession,
    service_ids: Sequence[str],
    *,
    tree: NeedTree | None = None,
    gazetteer: Gazetteer | None = None,
) -> list[ServiceDocument]:
    """Documents of the given services as the database has them now (inactive ones: none)."""
    ids = tuple(dict.fromkeys(i for i in service_ids if i))
    if not ids:
        return []
    batch = _Batch(tree or await load_tree(session), gazetteer)
    await batch.load(session, Scope(ids=ids))
    return batch.documents()


async def count_services(session: AsyncSession) -> int:
    """How many services a full rebuild walks through."""
    return int((await session.exec(select(func.count()).select_from(Service))).one())


async def iter_documents(
    session: AsyncSession, *, batch_size: int = 2000
) -> AsyncGenerator[list[ServiceDocument]]:
    """Every document of the directory, in batches ordered by service id."""
    batch = _Batch(await load_tree(session), None)
    after = ""
    while True:
        # The batch's services are read with the page of ids; the other tables by id range.
        services = await read(
            session,
            sa.select(*_SERVICE)
            .where(col(Service.id) > after)
            .order_by(col(Service.id))
            .limit(batch_size),
        )
        if not services:
            return
        scope = Scope(after=after, last=services[-1][0])
        await batch.load(session, scope, services)
        yield batch.documents()
        after = services[-1][0]
