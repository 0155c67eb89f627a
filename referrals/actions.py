"""Which status changes an actor may make on a referral right now (for pages offering actions)."""

from __future__ import annotations

from hub.core.errors import NotFound
from hub.identity.principal import Principal
from referrals.access import is_party, role_for
from referrals.models import Referral
from referrals.state_machine import ReferralStatus, allowed_targets


def available_statuses(actor: Principal, referral: Referral) -> list[ReferralStatus]:
    """The statuses the actor may move the referral to from its current one, in lifecycle order.

    Empty for auditors and anyone who is not a party; the same rules `change_status` enforces.
    """
    if actor.is_auditor or not is_party(actor, referral):
        return []
    found: list[ReferralStatus] = []
    for target in ReferralStatus:
        try:
            role = role_for(actor, referral, target)
        except NotFound:
            return []
        if target in allowed_targets(referral.status, role):
            found.append(target)
    return found
