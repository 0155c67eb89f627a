"""Directory mutations, one module per entity, listed in `MUTATIONS`."""

from __future__ import annotations

from schema.directory.mutations.auth import AuthMutation
from schema.directory.mutations.capacity import CapacityMutation
from schema.directory.mutations.location import LocationMutation
from schema.directory.mutations.organization import OrganizationMutation
from schema.directory.mutations.phone import PhoneMutation
from schema.directory.mutations.program import ProgramMutation
from schema.directory.mutations.schedule import ScheduleMutation
from schema.directory.mutations.service import ServiceMutation
from schema.directory.mutations.verification import VerificationMutation

MUTATIONS: tuple[type, ...] = (
    AuthMutation,
    OrganizationMutation,
    ProgramMutation,
    ServiceMutation,
    LocationMutation,
    ScheduleMutation,
    PhoneMutation,
    CapacityMutation,
    VerificationMutation,
)

__all__ = ["MUTATIONS"]
