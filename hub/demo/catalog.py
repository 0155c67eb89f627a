"""What the demo's organizations offer: templates loaded from `data/catalog.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from providers.models import DeliveryMode

_DEFAULT_PREREQUISITES = "18 or older; high school diploma or equivalent."


@dataclass(frozen=True, slots=True)
class ServiceTemplate:
    """A kind of service; `hours` names a schedule pattern in `hub.demo.hours`."""

    key: str
    name: str
    needs: tuple[str, ...]
    description: str
    cost: str = "free"  # free | sliding | fee
    fee: int = 0
    hours: str = "office"
    delivery: DeliveryMode = DeliveryMode.IN_PERSON
    referrals: bool = True
    eligibility: str | None = None
    documents: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    private: bool = False


@dataclass(frozen=True, slots=True)
class TrainingTemplate:
    """A training program and its facts (credential, occupation, cost, aid, outcomes)."""

    key: str
    name: str
    need: str
    credential: str
    soc: str
    occupation: str
    weeks: int
    hours: int
    fits: tuple[str, ...]
    delivery: DeliveryMode
    tuition: int
    other_costs: int
    other_costs_description: str
    aid: tuple[str, ...]
    wage: int
    earn_and_learn: bool = False
    prerequisites: str = _DEFAULT_PREREQUISITES


@dataclass(frozen=True, slots=True)
class OrgType:
    """A kind of organization: how it is named and what it offers."""

    key: str
    names: tuple[str, ...]
    services: tuple[str, ...]
    trainings: tuple[str, ...] = ()
    training_count: tuple[int, int] = (0, 0)
    per_county: int = 1
    branches: float = 0.3


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every template of the demo."""

    services: dict[str, ServiceTemplate]
    trainings: dict[str, TrainingTemplate]
    organization_types: tuple[OrgType, ...]
    # Which trainings a specialized provider offers, keyed by a word in its name.
    provider_specialties: dict[str, tuple[str, ...]]


def _service(raw: dict[str, Any]) -> ServiceTemplate:
    values = dict(raw)
    values["needs"] = tuple(str(raw["needs"]).split())
    values["documents"] = tuple(raw.get("documents", ()))
    values["delivery"] = DeliveryMode(raw.get("delivery", DeliveryMode.IN_PERSON))
    return ServiceTemplate(**values)


def _training(raw: dict[str, Any]) -> TrainingTemplate:
    values = dict(raw)
    values["fits"] = tuple(str(raw["fits"]).split())
    values["aid"] = tuple(str(raw["aid"]).split())
    values["delivery"] = DeliveryMode(raw["delivery"])
    return TrainingTemplate(**values)


def _org_type(raw: dict[str, Any], all_trainings: tuple[str, ...]) -> OrgType:
    values = dict(raw)
    values["names"] = tuple(raw["names"])
    values["services"] = tuple(str(raw["services"]).split())
    trainings = str(raw.get("trainings", ""))
    values["trainings"] = all_trainings if trainings == "all" else tuple(trainings.split())
    values["training_count"] = tuple(raw.get("training_count", (0, 0)))
    return OrgType(**values)


def parse_catalog(text: str) -> Catalog:
    """Parse a catalog document and check that every reference resolves."""
    document = yaml.safe_load(text)
    services = {s.key: s for s in map(_service, document["services"])}
    trainings = {t.key: t for t in map(_training, document["trainings"])}
    types = tuple(_org_type(o, tuple(trainings)) for o in document["organization_types"])
    specialties = {k: tuple(str(v).split()) for k, v in document["provider_specialties"].items()}
    for org_type in types:
        missing = set(org_type.services) - set(services) | set(org_type.trainings) - set(trainings)
        if missing:
            raise ValueError(f"catalog: {org_type.key} names unknown templates {sorted(missing)}")
    return Catalog(services, trainings, types, specialties)


@cache
def catalog() -> Catalog:
    """The demo catalog shipped with the hub."""
    text = resources.files("hub.demo").joinpath("data/catalog.yaml").read_text(encoding="utf-8")
    return parse_catalog(text)
