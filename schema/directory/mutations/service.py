"""serviceCreate / serviceUpdate / serviceDelete (with program facts and needs)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import services
from schema.context import Info
from schema.directory.enums import AidType, CapacityStatus, DeliveryMode, ScheduleFit, ServiceStatus
from schema.directory.mutations.organization import DeleteResult
from schema.directory.service import Service, service
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, decode_ids, values
from schema.relay import decode_id

UNSET = strawberry.UNSET


@strawberry.input(description="Training program facts; the whole set replaces the old one.")
class ProgramFactsInput:
    credential: str | None = UNSET
    occupation_code: str | None = UNSET
    occupation_title: str | None = UNSET
    duration_weeks: int | None = UNSET
    duration_hours: int | None = UNSET
    schedule_fit: list[ScheduleFit] | None = UNSET
    tuition: Decimal | None = UNSET
    other_costs: Decimal | None = UNSET
    other_costs_description: str | None = UNSET
    aid_accepted: list[AidType] | None = UNSET
    earn_and_learn: bool | None = UNSET
    prerequisites: str | None = UNSET
    completion_rate: float | None = UNSET
    placement_rate: float | None = UNSET
    median_wage_after: Decimal | None = UNSET


@strawberry.input(description="Service fields; `organizationId` and `name` are required on create.")
class ServiceInput:
    organization_id: strawberry.ID | None = UNSET
    program_id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    alternate_name: str | None = UNSET
    description: str | None = UNSET
    url: str | None = UNSET
    email: str | None = UNSET
    status: ServiceStatus | None = UNSET
    interpretation_services: str | None = UNSET
    application_process: str | None = UNSET
    fees_description: str | None = UNSET
    wait_time: str | None = UNSET
    fees: str | None = UNSET
    accreditations: str | None = UNSET
    eligibility_description: str | None = UNSET
    minimum_age: int | None = UNSET
    maximum_age: int | None = UNSET
    assurer_email: str | None = UNSET
    licenses: str | None = UNSET
    alert: str | None = UNSET
    delivery_mode: DeliveryMode | None = UNSET
    accepts_referrals: bool | None = UNSET
    referral_email: str | None = UNSET
    capacity_status: CapacityStatus | None = UNSET
    program_facts: ProgramFactsInput | None = strawberry.field(
        default=UNSET, description="Set to make it a training program; null removes the facts."
    )
    needs: list[str] | None = strawberry.field(
        default=UNSET, description="Need codes (e.g. `food.pantry`); replaces the current needs."
    )


@strawberry.type
class ServicePayload:
    service: Service


ServiceResult = Annotated[ServicePayload | AnyError, strawberry.union("ServiceResult")]

_IDS = {"organization_id": "Organization", "program_id": "Program"}


def _data(input: ServiceInput) -> dict[str, object]:
    data = decode_ids(values(input), _IDS)
    facts = data.get("program_facts")
    if isinstance(facts, dict):
        # Lists left out mean "none", as in the domain's defaults.
        data["program_facts"] = {k: v for k, v in facts.items() if v is not None}
    return data


@strawberry.type
class ServiceMutation:
    @strawberry.mutation(description="Create a service of an organization you manage.")
    async def service_create(self, info: Info, input: ServiceInput) -> ServiceResult:
        try:
            row = await call(info, services.create_service, data=_data(input))
        except DomainError as exc:
            return to_error(exc)
        return ServicePayload(service=service(row))

    @strawberry.mutation(
        description="Change a service; pass `expectedVersion` to detect conflicts."
    )
    async def service_update(
        self,
        info: Info,
        id: strawberry.ID,
        input: ServiceInput,
        expected_version: int | None = None,
    ) -> ServiceResult:
        try:
            row = await call(
                info,
                services.update_service,
                service_id=decode_id(id, "Service"),
                changes=_data(input),
                expected_version=expected_version,
            )
        except DomainError as exc:
            return to_error(exc)
        return ServicePayload(service=service(row))

    @strawberry.mutation(description="Delete a service.")
    async def service_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(info, services.delete_service, service_id=decode_id(id, "Service"))
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
