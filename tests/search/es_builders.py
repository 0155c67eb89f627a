"""Small builders for the Elasticsearch wire tests: documents, and bulk bodies read back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from search.document import NeedRef, ServiceDocument
from tests.search.es_standin import Recorded

LA, NY = "America/Los_Angeles", "America/New_York"


def doc(key: str, version: int = 1, **changes: Any) -> ServiceDocument:
    """A small document: located near Oakland unless `latitude=None`."""
    fields: dict[str, Any] = {
        "id": f"sal:{key}",
        "version": version,
        "service_id": f"service-{key}",
        "organization_id": "org-unity",
        "service_name": f"Service {key}",
        "organization_name": "Unity Council",
        "location_id": f"loc-{key}",
        "service_at_location_id": key,
        "needs": (NeedRef("childcare.center", "Child care centers", ("childcare",)),),
        "languages": ("es",),
        "timezone_name": LA,
        "open_spans": ((540, 1200),),
        "latitude": 37.7760,
        "longitude": -122.2250,
        "areas": ("zip:94601",),
        **changes,
    }
    return ServiceDocument(**fields)


def pairs(call: Recorded) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """A bulk body as (action, source) pairs; deletes have no source line."""
    lines = list(call.body)
    found: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    while lines:
        action = lines.pop(0)
        found.append((action, None if "delete" in action else lines.pop(0)))
    return found


def as_json(value: Any) -> Any:
    """What a value looks like after a trip through JSON."""
    return json.loads(json.dumps(value))


async def stream(*batches: Sequence[ServiceDocument]) -> AsyncIterator[Sequence[ServiceDocument]]:
    """Batches as `rebuild` reads them."""
    for batch in batches:
        yield batch


def located_and_area_served() -> list[ServiceDocument]:
    """Two documents near Oakland in different organizations, and one area-served."""
    return [
        doc("a", service_name="Evening Childcare Center"),
        doc(
            "b",
            organization_id="org-rides",
            organization_name="East Bay Rides",
            latitude=37.8044,
            longitude=-122.2712,
        ),
        doc("c", location_id=None, service_at_location_id=None, latitude=None, longitude=None),
    ]
