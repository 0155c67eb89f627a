"""Words the referral pages show for statuses, outcomes, actions and history entries.

Each value is an English message marked for translation (`_` only marks it here; the pages
translate it with the viewer's `gettext` when they render).
"""

from __future__ import annotations

from referrals.models import EventKind
from referrals.state_machine import ReferralOutcome, ReferralStatus


def _(message: str) -> str:
    return message


STATUS: dict[ReferralStatus, str] = {
    ReferralStatus.DRAFT: _("Draft"),
    ReferralStatus.REQUESTED: _("Sent, waiting for an answer"),
    ReferralStatus.ACCEPTED: _("Accepted"),
    ReferralStatus.REJECTED: _("Declined"),
    ReferralStatus.IN_PROGRESS: _("In progress"),
    ReferralStatus.ON_HOLD: _("On hold"),
    ReferralStatus.COMPLETED: _("Completed"),
    ReferralStatus.FAILED: _("Closed without help"),
    ReferralStatus.CANCELLED: _("Cancelled"),
    ReferralStatus.ENTERED_IN_ERROR: _("Entered in error"),
}

# The button that moves a referral to each status.
ACTION: dict[ReferralStatus, str] = {
    ReferralStatus.REQUESTED: _("Send"),
    ReferralStatus.ACCEPTED: _("Accept"),
    ReferralStatus.REJECTED: _("Decline"),
    ReferralStatus.IN_PROGRESS: _("Mark in progress"),
    ReferralStatus.ON_HOLD: _("Put on hold"),
    ReferralStatus.COMPLETED: _("Complete"),
    ReferralStatus.FAILED: _("Close without help"),
    ReferralStatus.CANCELLED: _("Cancel referral"),
    ReferralStatus.ENTERED_IN_ERROR: _("Mark as entered in error"),
}

OUTCOME: dict[ReferralOutcome, str] = {
    ReferralOutcome.GOT_HELP: _("The client got help"),
    ReferralOutcome.COULD_NOT_CONTACT: _("Could not contact the client"),
    ReferralOutcome.NOT_ELIGIBLE: _("Not eligible"),
    ReferralOutcome.NO_CAPACITY: _("No capacity"),
    ReferralOutcome.CLIENT_DECLINED: _("The client declined"),
    ReferralOutcome.REFERRED_ELSEWHERE: _("Referred elsewhere"),
    ReferralOutcome.OTHER: _("Other"),
}

EVENT: dict[EventKind, str] = {
    EventKind.CREATED: _("Referral drafted"),
    EventKind.STATUS_CHANGE: _("Status changed"),
    EventKind.VIEWED: _("Opened by the receiving organization"),
    EventKind.NOTE: _("Note added"),
    EventKind.CLIENT_CONFIRMED: _("The client confirmed"),
    EventKind.CLIENT_OUTCOME: _("The client reported how it went"),
    EventKind.CLIENT_RATING: _("The client rated the service"),
    EventKind.CLIENT_CHANNEL: _("The client chose how to be told"),
    EventKind.LINK_ISSUED: _("Client link issued"),
    EventKind.LINK_REVOKED: _("Client link revoked"),
}

ROLE: dict[str, str] = {
    "sender": _("Sending organization"),
    "receiver": _("Receiving organization"),
    "client": _("Client"),
    "system": _("The hub"),
}

# The badge style of each status (colour is never the only cue: the words are shown too).
BADGE: dict[ReferralStatus, str] = {
    ReferralStatus.ACCEPTED: "good",
    ReferralStatus.IN_PROGRESS: "good",
    ReferralStatus.COMPLETED: "good",
    ReferralStatus.REJECTED: "bad",
    ReferralStatus.FAILED: "bad",
    ReferralStatus.CANCELLED: "bad",
    ReferralStatus.ON_HOLD: "warn",
    ReferralStatus.REQUESTED: "warn",
}
