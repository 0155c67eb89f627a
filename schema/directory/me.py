"""The signed-in user and their roles."""

from __future__ import annotations

import strawberry

from hub.identity.models import User
from hub.identity.principal import Principal
from schema.relay import to_global_id


@strawberry.type(description="A role in one organization.")
class Membership:
    organization_id: strawberry.ID
    role: str


@strawberry.type(description="The signed-in user.")
class Me:
    id: strawberry.ID
    email: str
    name: str
    preferred_language: str
    is_hub_admin: bool
    is_auditor: bool
    memberships: list[Membership]


def me(user: User, actor: Principal) -> Me:
    """Describe the signed-in user."""
    return Me(
        id=to_global_id("User", user.id),
        email=user.email,
        name=user.name,
        preferred_language=user.preferred_language,
        is_hub_admin=user.is_hub_admin,
        is_auditor=user.is_auditor,
        memberships=[
            Membership(organization_id=to_global_id("Organization", org), role=role.value)
            for org, role in sorted(actor.org_roles.items())
        ],
    )
