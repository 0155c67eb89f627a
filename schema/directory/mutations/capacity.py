"""serviceCapacityUpdate."""

from __future__ import annotations

import strawberry

from hub.core.errors import DomainError
from providers import capacity
from schema.context import Info
from schema.directory.enums import CapacityStatus
from schema.directory.mutations.service import ServicePayload, ServiceResult
from schema.directory.service import service
from schema.errors import to_error
from schema.mutation import call, values
from schema.relay import decode_id

UNSET = strawberry.UNSET


@strawberry.input(
    description="Intake capacity; `available` (and `maximum`) count places of `unit`."
)
class ServiceCapacityInput:
    capacity_status: CapacityStatus | None = UNSET
    unit: str | None = UNSET
    available: int | None = UNSET
    maximum: int | None = UNSET
    description: str | None = UNSET


@strawberry.type
class CapacityMutation:
    @strawberry.mutation(description="Set a service's capacity status and available places.")
    async def service_capacity_update(
        self,
        info: Info,
        service_id: strawberry.ID,
        input: ServiceCapacityInput,
        expected_version: int | None = None,
    ) -> ServiceResult:
        try:
            data = {k: v for k, v in values(input).items() if v is not None or k != "unit"}
            row = await call(
                info,
                capacity.update_service_capacity,
                service_id=decode_id(service_id, "Service", field="service_id"),
                data=data,
                expected_version=expected_version,
            )
        except DomainError as exc:
            return to_error(exc)
        return ServicePayload(service=service(row))
