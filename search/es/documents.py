"""ServiceDocument -> Elasticsearch source, in the shape of the mapping."""

from __future__ import annotations

from typing import Any

from search.document import ServiceDocument


def to_source(doc: ServiceDocument) -> dict[str, Any]:
    """The `_source` of a document."""
    location = None
    if doc.latitude is not None and doc.longitude is not None:
        location = {"lat": doc.latitude, "lon": doc.longitude}
    return {
        "id": doc.id,
        "version": doc.version,
        "service_id": doc.service_id,
        "location_id": doc.location_id,
        "service_at_location_id": doc.service_at_location_id,
        "organization_id": doc.organization_id,
        "program_id": doc.program_id,
        "service_name": doc.service_name,
        "organization_name": doc.organization_name,
        "program_name": doc.program_name,
        "need_labels": doc.need_labels,
        "description": doc.description,
        "need_codes": list(doc.need_codes),
        "needs": [
            {"code": n.code, "name": n.name, "ancestors": list(n.ancestors)} for n in doc.needs
        ],
        "languages": list(doc.languages),
        "free": doc.free,
        "min_cost": doc.min_cost,
        "min_age": doc.min_age,
        "max_age": doc.max_age,
        "delivery_mode": doc.delivery_mode,
        "accepts_referrals": doc.accepts_referrals,
        "capacity_status": doc.capacity_status,
        "open_evenings": doc.open_evenings,
        "open_spans": [{"gte": start, "lt": end} for start, end in doc.open_spans],
        "timezone_name": doc.timezone_name,
        "credential": doc.credential,
        "occupation_code": doc.occupation_code,
        "schedule_fit": list(doc.schedule_fit),
        "aid_accepted": list(doc.aid_accepted),
        "earn_and_learn": doc.earn_and_learn,
        "total_cost": doc.total_cost,
        "verified_at": doc.last_verified_at.isoformat() if doc.last_verified_at else None,
        "location": location,
        "postal_code": doc.postal_code,
        "areas": list(doc.areas),
    }
