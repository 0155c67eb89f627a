"""Builds ServiceDocuments from the directory tables, a batch of services at a time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from providers.geocoding.gazetteer import Gazetteer, load_gazetteer
from providers.models import (
    Address,
    Attribute,
    CostOption,
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
from search.document import ServiceDocument, document_id
from search.document_parts import costs, group, hours, rows_of, version_of
from search.languages import normalize_language
from search.needs import NeedTree, load_tree
from search.schedules import open_evenings


class _Batch:
    """Rows of one batch of services, grouped for assembling documents."""

    def __init__(self, tree: NeedTree, gazetteer: Gazetteer) -> None:
        self.tree = tree
        self.gazetteer = gazetteer

    async def load(self, session: AsyncSession, service_ids: Sequence[str]) -> None:
        ids = list(service_ids)
        self.services = [
            s
            for s in await rows_of(session, Service, Service.id, ids)
            if s.status == ServiceStatus.ACTIVE
        ]
        ids = [s.id for s in self.services]
        self.orgs = {
            o.id: o
            for o in await rows_of(
                session, Organization, Organization.id, (s.organization_id for s in self.services)
            )
        }
        self.programs = {
            p.id: p
            for p in await rows_of(
                session, Program, Program.id, (s.program_id or "" for s in self.services)
            )
        }
        self.facts = {
            f.service_id: f
            for f in await rows_of(session, ProgramFacts, ProgramFacts.service_id, ids)
        }
        self.sals = group(
            await rows_of(session, ServiceAtLocation, ServiceAtLocation.service_id, ids),
            "service_id",
        )
        location_ids = [sal.location_id for group in self.sals.values() for sal in group]
        self.locations = {
            loc.id: loc for loc in await rows_of(session, Location, Location.id, location_ids)
        }
        self.addresses = group(
            await rows_of(session, Address, Address.location_id, location_ids), "location_id"
        )
        schedules = await rows_of(session, Schedule, Schedule.service_id, ids)
        schedules += await rows_of(session, Schedule, Schedule.location_id, location_ids)
        self.schedules_by_service = group(
            (s for s in schedules if s.service_at_location_id is None), "service_id"
        )
        self.schedules_by_location = group(
            (s for s in schedules if s.service_id is None), "location_id"
        )
        sal_ids = [sal.id for group in self.sals.values() for sal in group]
        self.schedules_by_sal = group(
            await rows_of(session, Schedule, Schedule.service_at_location_id, sal_ids),
            "service_at_location_id",
        )
        self.languages = group(
            await rows_of(session, Language, Language.service_id, ids), "service_id"
        )
        self.location_languages = group(
            await rows_of(session, Language, Language.location_id, location_ids), "location_id"
        )
        self.costs = group(
            await rows_of(session, CostOption, CostOption.service_id, ids), "service_id"
        )
        self.areas = group(
            await rows_of(session, ServiceArea, ServiceArea.service_id, ids), "service_id"
        )
        attributes = await rows_of(session, Attribute, Attribute.link_id, ids)
        self.term_ids = group((a for a in attributes if a.link_entity == "service"), "link_id")

    def documents(self) -> list[ServiceDocument]:
        docs: list[ServiceDocument] = []
        for service in self.services:
            docs.extend(self._service_documents(service))
        return docs

    def _service_documents(self, service: Service) -> list[ServiceDocument]:
        org = self.orgs[service.organization_id]
        program = self.programs.get(service.program_id or "")
        facts = self.facts.get(service.id)
        free, min_cost = costs(self.costs.get(service.id, []), facts)
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
            fit = tuple(sorted(f for f in facts.schedule_fit.split(",") if f))
            common.update(
                credential=facts.credential,
                occupation_code=facts.occupation_code,
                schedule_fit=fit,
                aid_accepted=tuple(sorted(a for a in facts.aid_accepted.split(",") if a)),
                earn_and_learn=facts.earn_and_learn,
                total_cost=float((facts.tuition or 0) + (facts.other_costs or 0))
                if facts.tuition is not None
                else None,
            )
        stamped: list[Any] = [
            service,
            org,
            *([program] if program else []),
            *([facts] if facts else []),
        ]
        docs = []
        sals = [s for s in self.sals.get(service.id, []) if s.location_id in self.locations]
        placed = [
            s for s in sals if self.locations[s.location_id].location_type != LocationType.VIRTUAL
        ]
        for sal in placed:
            docs.append(self._at_location(service, sal, common, languages, stamped))
        if not placed:
            spans = hours(self.schedules_by_service.get(service.id, []))
            tz = next(
                (
                    s.timezone_name
                    for s in self.schedules_by_service.get(service.id, [])
                    if s.timezone_name
                ),
                None,
            )
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
                    version=version_of([*stamped, *self.areas.get(service.id, [])]),
                    languages=tuple(sorted(x for x in languages if x)),
                    open_spans=spans,
                    timezone_name=tz,
                    open_evenings=open_evenings(spans)
                    or "evening" in common.get("schedule_fit", ()),
                    areas=tuple(sorted(set(keys))),
                    **common,
                )
            )
        return docs

    def _at_location(
        self,
        service: Service,
        sal: ServiceAtLocation,
        common: dict[str, Any],
        languages: set[str | None],
        stamped: list[Any],
    ) -> ServiceDocument:
        location = self.locations[sal.location_id]
        address = next(iter(self.addresses.get(location.id, [])), None)
        rows = (
            self.schedules_by_sal.get(sal.id)
            or self.schedules_by_service.get(service.id)
            or self.schedules_by_location.get(location.id)
            or []
        )
        spans = hours(rows)
        has_point = (
            location.latitude is not None
            and location.longitude is not None
            and location.geocode_status != GeocodeStatus.FAILED
            and not location.is_private
        )
        # A confidential place gives no position at all to search, not even its ZIP: a ZIP
        # match is a location filter an anonymous caller could probe point by point.
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
            version=version_of([*stamped, sal, location, *rows]),
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
    batch = _Batch(tree or await load_tree(session), gazetteer or load_gazetteer())
    await batch.load(session, service_ids)
    return batch.documents()


async def count_services(session: AsyncSession) -> int:
    """How many services a full rebuild walks through."""
    return int((await session.exec(select(func.count()).select_from(Service))).one())


async def iter_documents(
    session: AsyncSession, *, batch_size: int = 500
) -> AsyncIterator[list[ServiceDocument]]:
    """Every document of the directory, in batches ordered by service id."""
    tree = await load_tree(session)
    gazetteer = load_gazetteer()
    last = ""
    while True:
        ids = list(
            (
                await session.exec(
                    select(Service.id)
                    .where(Service.id > last)
                    .order_by(Service.id)
                    .limit(batch_size)
                )
            ).all()
        )
        if not ids:
            return
        last = ids[-1]
        yield await build_documents(session, ids, tree=tree, gazetteer=gazetteer)
