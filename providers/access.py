"""Who may see and change which part of the directory: rules all directory functions apply."""

from __future__ import annotations

from hub.identity.principal import Principal
from providers.models.enums import ServiceStatus

# What anonymous callers (the public directory) may see.
PUBLIC_STATUSES = frozenset({ServiceStatus.ACTIVE})


def can_see_private(actor: Principal, organization_id: str | None) -> bool:
    """Private addresses and phones are for the owning organization's people and hub admins."""
    if actor.is_hub_admin or actor.is_system:
        return True
    return organization_id is not None and actor.is_member(organization_id)


def can_see_status(actor: Principal, status: ServiceStatus) -> bool:
    """Anonymous callers see active services only; signed-in users see every status."""
    return not actor.is_anonymous or status in PUBLIC_STATUSES


def visible_statuses(actor: Principal) -> frozenset[ServiceStatus] | None:
    """Statuses the actor may list, or None for all of them."""
    return PUBLIC_STATUSES if actor.is_anonymous else None


def require_manage(actor: Principal, organization_id: str) -> None:
    """Refuse unless the actor may edit the organization's listings (auditors never may)."""
    actor.require_manage(organization_id)
