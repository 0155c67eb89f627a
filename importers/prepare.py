"""Validation of incoming records: coercion, required fields, references and coordinates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from importers.entities import (
    ENTITY_MODELS,
    CoercionError,
    ColumnSpec,
    coerce,
    column_specs,
    required_columns,
)
from importers.records import InternalRef, Record, internal_id
from importers.report import ImportReport, Origin
from importers.weblinks import (
    EMAIL_COLUMNS,
    URI_COLUMNS,
    UnusableValue,
    normalize_email,
    normalize_uri,
)
from providers.models.enums import GeocodePrecision, GeocodeStatus, LocationType

_PLACEHOLDERS = frozenset({"n/a", "na", "none", "-", "null"})


@cache
def web_columns(entity: str) -> dict[str, Callable[[str], str]]:
    """The entity's URI and email columns, each with its normalizer."""
    out: dict[str, Callable[[str], str]] = {}
    for name, spec in column_specs(entity).items():
        if spec.kind != "str":
            continue
        if name in URI_COLUMNS:
            out[name] = normalize_uri
        elif name in EMAIL_COLUMNS:
            out[name] = normalize_email
    return out


@dataclass(slots=True)
class PendingRow:
    """A validated record waiting for its batch to be written."""

    entity: str
    external_id: str
    id: str
    values: dict[str, Any]
    refs: list[tuple[str, str, str, str]]  # column, target entity, internal id, source id
    origin: Origin


class Validation:
    """Turns records into rows ready to write, reporting every problem with its origin."""

    report: ImportReport
    source: str
    _noted_fields: set[tuple[str, str]]

    def _prepare(self, record: Record) -> PendingRow | None:
        entity = record.entity
        if entity not in ENTITY_MODELS:
            self.report.problem(record.origin, "entity", f"unknown HSDS entity {entity!r}")
            return None
        if not record.external_id:
            self.report.problem(record.origin, "id", "is required")
            self.report.skip(entity, "no id")
            return None
        specs = column_specs(entity)
        web = web_columns(entity)
        values: dict[str, Any] = {}
        refs: list[tuple[str, str, str, str]] = []
        ok = True
        for name, raw in record.values.items():
            spec = specs.get(name)
            if spec is None:
                if (entity, name) not in self._noted_fields:
                    self._noted_fields.add((entity, name))
                    self.report.notes.append(f"{entity}.{name} is not a hub column; ignored")
                continue
            target = spec.fk_target
            if target is not None and raw is not None and raw != "":
                if isinstance(raw, InternalRef):
                    values[name] = raw.id
                    refs.append((name, target, raw.id, raw.id))
                else:
                    ext = raw.strip() if type(raw) is str else str(raw).strip()
                    ref_id = internal_id(self.source, target, ext)
                    values[name] = ref_id
                    refs.append((name, target, ref_id, ext))
                continue
            if type(raw) is str and spec.kind == "str":
                # Most CSV cells: plain text within its length (coerce() decides the rest).
                text = raw.strip()
                if text and name in web:
                    raw = text = self._web_value(record, name, text, web[name])
                    if not text:
                        values[name] = None
                        continue
                if (
                    text
                    and (spec.max_length is None or len(text) <= spec.max_length)
                    and "\x00" not in text
                ):
                    values[name] = text
                    continue
            try:
                values[name] = coerced = coerce(spec, raw)
            except CoercionError as exc:
                # The bad value is left out: the column keeps its default or current value.
                self.report.problem(record.origin, name, str(exc))
                values.pop(name, None)
                ok = ok and not spec.required
                continue
            if coerced is None:
                if spec.required:
                    ok = ok and self._missing(record, name)
                elif spec.not_null:
                    self._default(record, spec, values)
            elif name in web and type(coerced) is str:
                values[name] = self._web_value(record, name, coerced, web[name]) or None
        for name in required_columns(entity):
            if name not in record.values:
                ok = ok and self._missing(record, name)
        if not ok:
            self.report.skip(entity, "required field missing or invalid")
            return None
        if entity == "service" and values.get("status") is None:
            self.report.warn(
                record.origin, "status", "is missing: active if new, else left as it is"
            )
        if entity == "attribute" and not self._link(record, values, refs):
            return None
        if entity == "location":
            self._check_coordinates(record, values)
        return PendingRow(
            entity,
            record.external_id,
            internal_id(self.source, entity, record.external_id),
            values,
            refs,
            record.origin,
        )

    def _web_value(
        self, record: Record, name: str, text: str, normalize: Callable[[str], str]
    ) -> str:
        """The normalized URI or email, or "" (dropped, with a warning) when unusable."""
        if text.lower() in _PLACEHOLDERS:
            return ""  # "N/A": the source's way of saying there is none; nothing to warn about
        try:
            return normalize(text)
        except UnusableValue as exc:
            self.report.warn(record.origin, name, f"{exc}; left out")
            return ""

    def _default(self, record: Record, spec: ColumnSpec, values: dict[str, Any]) -> None:
        """An empty value of a NOT NULL column: text gets its default, the rest stays unset."""
        if spec.fallback is None:
            self.report.problem(record.origin, spec.name, "is required")
            values.pop(spec.name, None)
            return
        if spec.kind == "str":
            values[spec.name] = spec.fallback
        else:
            # Left out: a new record gets the column's default, an existing one keeps its value.
            values.pop(spec.name, None)
        self.report.defaulted[f"{record.entity}.{spec.name}"] += 1

    def _missing(self, record: Record, name: str) -> bool:
        self.report.problem(record.origin, name, "is required")
        return False

    def _link(self, record: Record, values: dict[str, Any], refs: list[Any]) -> bool:
        link_entity = str(values.get("link_entity") or "")
        if link_entity not in ENTITY_MODELS:
            # Nothing to attach it to, but the rest of the input is fine: a warning, not a refusal.
            self.report.warn(
                record.origin, "link_entity", f"{link_entity!r} is not an HSDS entity; left out"
            )
            self.report.skip("attribute", "links to an unknown entity type")
            return False
        ext = str(values["link_id"])
        raw = record.values.get("link_id")
        link = (
            raw.id if isinstance(raw, InternalRef) else internal_id(self.source, link_entity, ext)
        )
        values["link_id"] = link
        refs.append(("link_id", link_entity, link, ext))
        return True

    def _check_coordinates(self, record: Record, values: dict[str, Any]) -> None:
        lat, lng = values.get("latitude"), values.get("longitude")
        # Impossible coordinates are dropped with a warning: the place is kept and geocoded.
        if lat is not None and not -90 <= lat <= 90:
            self.report.warn(record.origin, "latitude", f"{lat} is outside -90..90; left out")
            lat = None
        if lng is not None and not -180 <= lng <= 180:
            self.report.warn(record.origin, "longitude", f"{lng} is outside -180..180; left out")
            lng = None
        if lat is None or lng is None:
            # Coordinates missing or unusable: keep whatever the hub has (it may have geocoded).
            values.pop("latitude", None)
            values.pop("longitude", None)
            if values.get("location_type") == LocationType.VIRTUAL:
                values["geocode_status"] = GeocodeStatus.NOT_APPLICABLE
        else:
            values["geocode_precision"] = GeocodePrecision.PROVIDED
            values["geocode_status"] = GeocodeStatus.OK
