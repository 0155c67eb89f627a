"""The acting principal: who is calling, and the role checks every domain function uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hub.core.errors import Forbidden, Unauthenticated
from hub.identity.models import OrgRole


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller: anonymous, a user with memberships, a hub admin, an auditor, or the system."""

    user_id: str | None = None
    name: str = "anonymous"
    is_hub_admin: bool = False
    is_auditor: bool = False
    auditor_network_id: str | None = None
    org_roles: Mapping[str, OrgRole] = field(default_factory=dict)
    is_system: bool = False

    @property
    def is_anonymous(self) -> bool:
        """True for callers without credentials."""
        return self.user_id is None and not self.is_system

    @property
    def organization_ids(self) -> frozenset[str]:
        """Organizations the principal belongs to."""
        return frozenset(self.org_roles)

    def is_member(self, organization_id: str) -> bool:
        """True when the principal is admin or staff of the organization."""
        return organization_id in self.org_roles

    def can_manage_organization(self, organization_id: str) -> bool:
        """Hub admins, the system and the organization's own admins may edit its listings."""
        if self.is_hub_admin or self.is_system:
            return True
        return self.org_roles.get(organization_id) == OrgRole.ADMIN

    def require_authenticated(self) -> None:
        """Refuse anonymous callers."""
        if self.is_anonymous:
            raise Unauthenticated()

    def require_manage(self, organization_id: str) -> None:
        """Refuse unless the principal may edit this organization's listings."""
        self.require_authenticated()
        if not self.can_manage_organization(organization_id):
            raise Forbidden("Only this organization's admins (or a hub admin) may change it.")

    def require_hub_admin(self) -> None:
        """Refuse unless the principal is a hub admin."""
        self.require_authenticated()
        if not (self.is_hub_admin or self.is_system):
            raise Forbidden("Only a hub admin may do this.")

    def require_staff(self) -> None:
        """Refuse unless the principal is staff of some organization, an admin or the system."""
        self.require_authenticated()
        if not (self.org_roles or self.is_hub_admin or self.is_system):
            raise Forbidden("Only staff of a partner organization may do this.")


ANONYMOUS = Principal()
SYSTEM = Principal(name="system", is_system=True)
