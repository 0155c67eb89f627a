"""programCreate / programUpdate / programDelete."""

from __future__ import annotations

from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import organizations
from schema.context import Info
from schema.directory.mutations.organization import DeleteResult
from schema.directory.organization import Program, program
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, decode_ids, values
from schema.relay import decode_id

UNSET = strawberry.UNSET


@strawberry.input(description="Program fields; `organizationId` and `name` required on create.")
class ProgramInput:
    organization_id: strawberry.ID | None = UNSET
    name: str | None = UNSET
    alternate_name: str | None = UNSET
    description: str | None = UNSET


@strawberry.type
class ProgramPayload:
    program: Program


ProgramResult = Annotated[ProgramPayload | AnyError, strawberry.union("ProgramResult")]
_IDS = {"organization_id": "Organization"}


@strawberry.type
class ProgramMutation:
    @strawberry.mutation(description="Create a program of an organization you manage.")
    async def program_create(self, info: Info, input: ProgramInput) -> ProgramResult:
        try:
            data = decode_ids(values(input), _IDS)
            row = await call(info, organizations.create_program, data=data)
        except DomainError as exc:
            return to_error(exc)
        return ProgramPayload(program=program(row))

    @strawberry.mutation(description="Change a program.")
    async def program_update(
        self, info: Info, id: strawberry.ID, input: ProgramInput
    ) -> ProgramResult:
        try:
            row = await call(
                info,
                organizations.update_program,
                program_id=decode_id(id, "Program"),
                changes=decode_ids(values(input), _IDS),
            )
        except DomainError as exc:
            return to_error(exc)
        return ProgramPayload(program=program(row))

    @strawberry.mutation(description="Delete a program; its services stay.")
    async def program_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(info, organizations.delete_program, program_id=decode_id(id, "Program"))
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
