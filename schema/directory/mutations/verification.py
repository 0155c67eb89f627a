"""serviceMarkVerified."""

from __future__ import annotations

import strawberry

from hub.core.errors import DomainError
from providers import verification
from schema.context import Info
from schema.directory.mutations.service import ServicePayload, ServiceResult
from schema.directory.service import service
from schema.errors import to_error
from schema.mutation import call
from schema.relay import decode_id


@strawberry.type
class VerificationMutation:
    @strawberry.mutation(
        description="Confirm a service's details are current: sets lastVerifiedAt and "
        "lastVerifiedBy (the organization's admins and hub admins)."
    )
    async def service_mark_verified(
        self, info: Info, service_id: strawberry.ID, expected_version: int | None = None
    ) -> ServiceResult:
        try:
            row = await call(
                info,
                verification.mark_service_verified,
                service_id=decode_id(service_id, "Service", field="serviceId"),
                expected_version=expected_version,
            )
        except DomainError as exc:
            return to_error(exc)
        return ServicePayload(service=service(row))
