"""scheduleCreate / scheduleUpdate / scheduleDelete."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

import strawberry

from hub.core.errors import DomainError
from providers import schedules
from schema.context import Info
from schema.directory.enums import ScheduleFrequency, Weekday
from schema.directory.location import Schedule, schedule
from schema.directory.mutations.organization import DeleteResult
from schema.errors import AnyError, to_error
from schema.mutation import Deleted, call, decode_ids, values
from schema.relay import decode_id

UNSET = strawberry.UNSET

OWNERS = {
    "service_id": "Service",
    "location_id": "Location",
    "service_at_location_id": "ServiceAtLocation",
}


@strawberry.input(
    description="Opening hours as RRULE parts. On create name exactly one of serviceId, "
    "locationId, serviceAtLocationId. closesAt after opensAt unless notes say 'overnight'."
)
class ScheduleInput:
    service_id: strawberry.ID | None = UNSET
    location_id: strawberry.ID | None = UNSET
    service_at_location_id: strawberry.ID | None = UNSET
    valid_from: date | None = UNSET
    valid_to: date | None = UNSET
    dtstart: date | None = UNSET
    timezone_name: str | None = strawberry.field(default=UNSET, description="IANA name.")
    until: date | None = UNSET
    count: int | None = UNSET
    wkst: Weekday | None = UNSET
    freq: ScheduleFrequency | None = UNSET
    interval: int | None = UNSET
    byday: str | None = strawberry.field(default=UNSET, description="e.g. `MO,TU` or `1MO`.")
    byweekno: str | None = UNSET
    bymonthday: str | None = UNSET
    byyearday: str | None = UNSET
    description: str | None = UNSET
    opens_at: time | None = UNSET
    closes_at: time | None = UNSET
    schedule_link: str | None = UNSET
    attending_type: str | None = UNSET
    notes: str | None = UNSET


@strawberry.type
class SchedulePayload:
    schedule: Schedule


ScheduleResult = Annotated[SchedulePayload | AnyError, strawberry.union("ScheduleResult")]


@strawberry.type
class ScheduleMutation:
    @strawberry.mutation(description="Add opening hours.")
    async def schedule_create(self, info: Info, input: ScheduleInput) -> ScheduleResult:
        try:
            data = decode_ids(values(input), OWNERS)
            row = await call(info, schedules.create_schedule, data=data)
        except DomainError as exc:
            return to_error(exc)
        return SchedulePayload(schedule=schedule(row))

    @strawberry.mutation(description="Change opening hours.")
    async def schedule_update(
        self, info: Info, id: strawberry.ID, input: ScheduleInput
    ) -> ScheduleResult:
        try:
            row = await call(
                info,
                schedules.update_schedule,
                schedule_id=decode_id(id, "Schedule"),
                changes=decode_ids(values(input), OWNERS),
            )
        except DomainError as exc:
            return to_error(exc)
        return SchedulePayload(schedule=schedule(row))

    @strawberry.mutation(description="Remove opening hours.")
    async def schedule_delete(self, info: Info, id: strawberry.ID) -> DeleteResult:
        try:
            await call(info, schedules.delete_schedule, schedule_id=decode_id(id, "Schedule"))
        except DomainError as exc:
            return to_error(exc)
        return Deleted(deleted_id=id)
