"""Generates the demo's services and training programs with their details, hours and needs."""

from __future__ import annotations

from decimal import Decimal

from hub.demo import hours
from hub.demo.catalog import ServiceTemplate, TrainingTemplate
from hub.demo.maker import Maker
from hub.demo.places import County
from providers.models import (
    Attribute,
    CapacityStatus,
    CostOption,
    DeliveryMode,
    Language,
    Phone,
    ProgramFacts,
    RequiredDocument,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceStatus,
)
from providers.needs_taxonomy import need_id

_CAPACITY = (
    (CapacityStatus.CAPACITY, 65),
    (CapacityStatus.WAITLIST, 20),
    (CapacityStatus.NO_CAPACITY, 7),
    (CapacityStatus.ADDITIONAL_ASSESSMENT_REQUIRED, 8),
)
STALE_SHARE = 0.15


class Offerings(Maker):
    """Adds services and training programs of one organization at its sites."""

    def _common(self, org_slug: str, key: str, referrals: bool) -> dict[str, object]:
        """Intake, verification and status fields every service and training program has."""
        rng = self.rng
        accepts = referrals and rng.random() < 0.85
        capacity = rng.choices([c for c, _ in _CAPACITY], [w for _, w in _CAPACITY])[0]
        stale = rng.random() < STALE_SHARE
        roll = rng.random()
        status = (
            ServiceStatus.TEMPORARILY_CLOSED
            if roll < 0.02
            else ServiceStatus.INACTIVE
            if roll < 0.03
            else ServiceStatus.ACTIVE
        )
        return {
            "url": f"https://{org_slug}.example.org/{key.replace('_', '-')}",
            "email": f"intake@{org_slug}.example.org",
            "status": status,
            "accepts_referrals": accepts,
            "referral_email": f"intake@{org_slug}.example.org" if accepts else None,
            "capacity_status": capacity if accepts else None,
            "wait_time": "2 to 4 weeks"
            if accepts and capacity == CapacityStatus.WAITLIST
            else None,
            "last_verified_at": self.ago(400, 1000) if stale else self.ago(2, 300),
            "last_verified_by": f"listings@{org_slug}.example.org",
            "last_modified": self.ago(1, 200),
            "interpretation_services": "Phone interpreters for any language, free of charge.",
            "application_process": "Walk in during open hours or call; coaches can send an "
            "electronic referral through the hub.",
        }

    def _extras(self, county: County, service_id: str) -> None:
        rng = self.rng
        self.rows.add(Language, service_id=service_id, name="English", code="en", **self.stamps())
        for code, name in county.languages:
            if rng.random() < (0.7 if code == "es" else 0.3):
                self.rows.add(
                    Language, service_id=service_id, name=name, code=code, **self.stamps()
                )
        self.rows.add(
            ServiceArea,
            service_id=service_id,
            name=county.label,
            description=f"Residents of {county.label}",
            extent_type="zip_codes",
            extent=",".join(z.code for z in county.zips),
            **self.stamps(),
        )

    def _tag(self, service_id: str, needs: tuple[str, ...]) -> None:
        for code in needs:
            self.rows.add(
                Attribute,
                link_id=service_id,
                taxonomy_term_id=need_id(code),
                link_type="need",
                link_entity="service",
                **self.stamps(),
            )

    def _at_sites(self, service_id: str, sites: list[tuple[str, str]], pattern: str | None) -> None:
        for index, (loc_id, tz) in enumerate(sites):
            if index and self.rng.random() < 0.5:
                continue
            self.rows.add(
                ServiceAtLocation, service_id=service_id, location_id=loc_id, **self.stamps()
            )
            if pattern and index == 0:
                self.schedule(hours.pick(pattern, self.rng), tz, service_id=service_id)

    def service(
        self,
        county: County,
        org_id: str,
        slug: str,
        t: ServiceTemplate,
        sites: list[tuple[str, str]],
    ) -> str:
        rng = self.rng
        fees = {
            "free": "Free.",
            "sliding": "Sliding scale by household income; no one is "
            "turned away for inability to pay.",
            "fee": f"${t.fee} fee; waivers available.",
        }
        common = self._common(slug, t.key, t.referrals)
        service_id = self.rows.add(
            Service,
            organization_id=org_id,
            name=t.name,
            description=t.description,
            delivery_mode=t.delivery,
            fees_description=fees[t.cost],
            fees=fees[t.cost],
            eligibility_description=t.eligibility or "Open to all residents.",
            minimum_age=t.min_age,
            maximum_age=t.max_age,
            **common,
            **self.stamps(),
        )
        self._extras(county, service_id)
        self._tag(service_id, t.needs)
        amount = {"free": Decimal(0), "fee": Decimal(t.fee)}.get(t.cost)
        self.rows.add(
            CostOption,
            service_id=service_id,
            currency="USD",
            amount=amount,
            option={"free": "Free", "sliding": "Sliding scale", "fee": "Fee"}[t.cost],
            amount_description=fees[t.cost],
            **self.stamps(),
        )
        for document in t.documents:
            self.rows.add(
                RequiredDocument, service_id=service_id, document=document, **self.stamps()
            )
        if t.delivery == DeliveryMode.PHONE or rng.random() < 0.3:
            self.rows.add(
                Phone,
                service_id=service_id,
                number=county.phone(rng),
                type="voice",
                description="Intake line",
                **self.stamps(),
            )
        if common["capacity_status"] is not None and rng.random() < 0.5:
            self._capacity(service_id, common["capacity_status"], "place")
        if t.delivery in (DeliveryMode.IN_PERSON, DeliveryMode.HYBRID):
            special = None if t.hours == "office" else t.hours
            self._at_sites(service_id, sites, special)
        elif t.hours != "office":
            self.schedule(hours.pick(t.hours, rng), sites[0][1], service_id=service_id)
        return service_id

    def _capacity(self, service_id: str, status: object, unit: str) -> None:
        maximum = self.rng.choice((12, 20, 25, 30, 40, 60))
        open_now = status in (
            CapacityStatus.CAPACITY,
            CapacityStatus.ADDITIONAL_ASSESSMENT_REQUIRED,
        )
        available = self.rng.randint(1, maximum // 2) if open_now else 0
        self.rows.add(
            ServiceCapacity,
            service_id=service_id,
            unit=unit,
            available=available,
            maximum=maximum,
            updated=self.ago(0, 30),
            **self.stamps(),
        )

    def training(
        self,
        county: County,
        org_id: str,
        slug: str,
        program_id: str | None,
        t: TrainingTemplate,
        sites: list[tuple[str, str]],
    ) -> str:
        rng = self.rng
        college = "college" in slug
        free_cohort = t.tuition > 0 and rng.random() < 0.15
        tuition = (
            0
            if t.earn_and_learn or free_cohort
            else round(t.tuition * (0.6 if college else 1) * rng.uniform(0.9, 1.15), -1)
        )
        common = self._common(slug, t.key, True)
        fits = ", ".join(f.replace("_", "-") for f in t.fits)
        service_id = self.rows.add(
            Service,
            organization_id=org_id,
            program_id=program_id,
            name=t.name,
            description=f"Prepares students for work as {t.occupation.lower()} and for the "
            f"{t.credential}. Classes: {fits}.",
            delivery_mode=t.delivery,
            eligibility_description=t.prerequisites,
            fees_description="Free for eligible students (grant-funded cohort)."
            if free_cohort
            else f"Tuition ${tuition:,.0f}; other costs about ${t.other_costs:,}.",
            minimum_age=18,
            **common,
            **self.stamps(),
        )
        self.rows.add(
            ProgramFacts,
            service_id=service_id,
            credential=t.credential,
            occupation_code=t.soc,
            occupation_title=t.occupation,
            duration_weeks=t.weeks,
            duration_hours=t.hours,
            schedule_fit=",".join(t.fits),
            tuition=Decimal(tuition),
            other_costs=Decimal(t.other_costs),
            other_costs_description=t.other_costs_description,
            aid_accepted=",".join(t.aid),
            earn_and_learn=t.earn_and_learn,
            prerequisites=t.prerequisites,
            completion_rate=round(rng.uniform(0.55, 0.92), 2),
            placement_rate=round(rng.uniform(0.5, 0.88), 2),
            median_wage_after=Decimal(round(t.wage * rng.uniform(0.9, 1.15), -2)),
            **self.stamps(),
        )
        self._extras(county, service_id)
        self._tag(service_id, (t.need,))
        self.rows.add(
            CostOption,
            service_id=service_id,
            currency="USD",
            option="Tuition",
            amount=Decimal(tuition),
            **self.stamps(),
        )
        if t.other_costs:
            self.rows.add(
                CostOption,
                service_id=service_id,
                currency="USD",
                option="Other costs",
                amount=Decimal(t.other_costs),
                amount_description=t.other_costs_description,
                **self.stamps(),
            )
        if common["capacity_status"] is not None:
            self._capacity(service_id, common["capacity_status"], "seat")
        if t.delivery != DeliveryMode.ONLINE:
            self._at_sites(service_id, sites, None)
        tz = sites[0][1]
        for fit in t.fits:
            pattern = {"day": "day", "evening": "evening", "weekend": "weekend_class"}.get(fit)
            if pattern:
                self.schedule(hours.pick(pattern, rng), tz, service_id=service_id)
        return service_id
