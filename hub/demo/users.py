"""Demo users for every role, each with an API token that `hub demo` prints once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hub.core.clock import Clock
from hub.core.security import hash_password
from hub.demo.directory import DemoOrganization, DirectoryResult
from hub.identity.models import OrgRole, User
from hub.identity.service import grant_membership, issue_token

DEMO_PASSWORD = "hub-demo-password"  # noqa: S105 - printed by `hub demo`; demo data only
DEMO_DOMAIN = "demo.example.org"


@dataclass(frozen=True, slots=True)
class DemoUser:
    """A demo login: who, in which role and organization, and the token issued for them."""

    email: str
    name: str
    role: str
    organization_id: str | None
    organization_name: str | None
    token: str


@dataclass(frozen=True, slots=True)
class _Plan:
    local: str
    name: str
    role: str
    org_type: str | None = None
    county: str | None = None
    hub_admin: bool = False
    auditor: bool = False
    network_county: str | None = None


PLANS: tuple[_Plan, ...] = (
    _Plan("admin", "Hana Okafor", "hub_admin", hub_admin=True),
    _Plan("auditor", "Ravi Menon", "auditor", auditor=True),
    _Plan("board.auditor", "Grace Liu", "auditor", auditor=True, network_county="alameda"),
    _Plan("ajcc.admin", "Marcus Bell", "org_admin", "workforce_center", "alameda"),
    _Plan("college.admin", "Elena Petrova", "org_admin", "community_college", "cook"),
    _Plan("foodbank.admin", "Samira Haddad", "org_admin", "food_bank", "king"),
    _Plan("housing.admin", "Tomás Rivera", "org_admin", "housing", "alameda"),
    _Plan("coach.alameda", "Jordan Kim", "org_staff", "workforce_center", "alameda"),
    _Plan("coach.cook", "Aaliyah Brooks", "org_staff", "workforce_center", "cook"),
    _Plan("coach.king", "Diego Alvarez", "org_staff", "workforce_center", "king"),
    _Plan("navigator.king", "Mei Tanaka", "org_staff", "family_resource", "king"),
    _Plan("intake.cook", "Omar Farouk", "org_staff", "community_college", "cook"),
)


def _organization(directory: DirectoryResult, plan: _Plan) -> DemoOrganization | None:
    if plan.org_type is None:
        return None
    for org in directory.of_type(plan.org_type):
        if org.county == plan.county:
            return org
    raise LookupError(f"no {plan.org_type} in {plan.county}")


async def create_demo_users(
    *, session: AsyncSession, clock: Clock, directory: DirectoryResult, token_ttl: timedelta
) -> list[DemoUser]:
    """Create one user per plan with its role and an API token."""
    made: list[DemoUser] = []
    # One argon2 hash for the shared demo password: hashing is slow on purpose.
    password_hash = hash_password(DEMO_PASSWORD)
    for plan in PLANS:
        org = _organization(directory, plan)
        network = directory.networks.get(plan.network_county) if plan.network_county else None
        user = User(
            email=f"{plan.local}@{DEMO_DOMAIN}",
            name=plan.name,
            password_hash=password_hash,
            is_hub_admin=plan.hub_admin,
            is_auditor=plan.auditor,
            auditor_network_id=network,
        )
        session.add(user)
        await session.flush()
        if org is not None:
            role = OrgRole(plan.role)
            await grant_membership(
                session=session, user_id=user.id, organization_id=org.id, role=role
            )
        issued = await issue_token(
            session=session, user=user, name="demo", ttl=token_ttl, clock=clock
        )
        made.append(
            DemoUser(
                email=user.email,
                name=user.name,
                role=plan.role,
                organization_id=org.id if org else None,
                organization_name=org.name if org else None,
                token=issued.token,
            )
        )
    return made
