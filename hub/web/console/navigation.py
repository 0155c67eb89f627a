"""The console's main navigation and each role's start page, derived from the principal."""

from __future__ import annotations

from dataclasses import dataclass

from hub.identity.models import OrgRole
from hub.identity.principal import Principal
from hub.web.i18n import translations


@dataclass(frozen=True, slots=True)
class NavItem:
    """One link of the main navigation."""

    href: str
    label: str
    current: bool


def _is_org_admin(principal: Principal) -> bool:
    return OrgRole.ADMIN in principal.org_roles.values()


def home_for(principal: Principal) -> str:
    """A role's start page: hub admins administer, auditors audit, org admins answer referrals."""
    if principal.is_hub_admin:
        return "/admin"
    if principal.is_auditor:
        return "/board"
    if _is_org_admin(principal):
        return "/referrals?box=received"
    return "/search"


def navigation(principal: Principal, path: str, language: str) -> tuple[NavItem, ...]:
    """The sections this principal works in (the pages themselves still ask the domain)."""
    gettext = translations(language).gettext
    staff = bool(principal.org_roles) or principal.is_hub_admin
    sections: list[tuple[str, str, bool]] = [
        ("/search", gettext("Search"), staff),
        ("/referrals", gettext("Referrals"), staff),
        ("/listings", gettext("Listings"), bool(principal.org_roles)),
        ("/settings", gettext("Settings"), bool(principal.org_roles)),
        ("/board", gettext("Board"), principal.is_auditor or principal.is_hub_admin),
        ("/admin", gettext("Admin"), principal.is_hub_admin),
    ]
    return tuple(
        NavItem(href, label, path == href or path.startswith(href + "/"))
        for href, label, shown in sections
        if shown
    )
