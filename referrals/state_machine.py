"""The referral lifecycle of the HL7 Gravity SDOH referral Task, as a pure transition function."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.core.errors import Collector, ErrorCode, Forbidden, ValidationFailed


class ReferralStatus(StrEnum):
    """Gravity SDOH referral Task statuses."""

    DRAFT = "draft"
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"


class ReferralOutcome(StrEnum):
    """How a closed referral ended for the client; required on completed and failed."""

    GOT_HELP = "got_help"
    COULD_NOT_CONTACT = "could_not_contact"
    NOT_ELIGIBLE = "not_eligible"
    NO_CAPACITY = "no_capacity"
    CLIENT_DECLINED = "client_declined"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    OTHER = "other"


class ActorRole(StrEnum):
    """The side an actor takes on a referral."""

    SENDER = "sender"
    RECEIVER = "receiver"
    CLIENT = "client"
    SYSTEM = "system"


S = ReferralStatus

# The Gravity IG's rule of who may set which status.
SETTABLE_BY: dict[ActorRole, frozenset[ReferralStatus]] = {
    ActorRole.SENDER: frozenset({S.DRAFT, S.REQUESTED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    ActorRole.RECEIVER: frozenset(
        {S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.ON_HOLD, S.FAILED, S.COMPLETED, S.CANCELLED}
    ),
    ActorRole.CLIENT: frozenset(),
    # The system (SLA expiry, administrative fixes) acts for either side.
    ActorRole.SYSTEM: frozenset(
        {
            S.REQUESTED,
            S.ACCEPTED,
            S.REJECTED,
            S.IN_PROGRESS,
            S.ON_HOLD,
            S.FAILED,
            S.COMPLETED,
            S.CANCELLED,
            S.ENTERED_IN_ERROR,
        }
    ),
}

TERMINAL: frozenset[ReferralStatus] = frozenset(
    {S.REJECTED, S.COMPLETED, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR}
)

# Legal edges regardless of who moves; every status but entered-in-error may be marked as an
# error, since a referral sent to the wrong person must be withdrawn whatever state it reached.
EDGES: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.DRAFT: frozenset({S.REQUESTED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.REQUESTED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.ACCEPTED: frozenset(
        {S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR}
    ),
    S.IN_PROGRESS: frozenset({S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.ON_HOLD: frozenset({S.IN_PROGRESS, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR}),
    S.REJECTED: frozenset({S.ENTERED_IN_ERROR}),
    S.COMPLETED: frozenset({S.ENTERED_IN_ERROR}),
    S.FAILED: frozenset({S.ENTERED_IN_ERROR}),
    S.CANCELLED: frozenset({S.ENTERED_IN_ERROR}),
    S.ENTERED_IN_ERROR: frozenset(),
}

# Only the system may expire a referral the receiver never answered (the SLA engine's last step).
SYSTEM_ONLY_EDGES: frozenset[tuple[ReferralStatus, ReferralStatus]] = frozenset(
    {(S.REQUESTED, S.FAILED)}
)


def _edges(current: ReferralStatus, role: ActorRole) -> frozenset[ReferralStatus]:
    if role is ActorRole.SYSTEM:
        return EDGES[current] | {to for (frm, to) in SYSTEM_ONLY_EDGES if frm == current}
    return EDGES[current]


REASON_REQUIRED: frozenset[ReferralStatus] = frozenset(
    {S.REJECTED, S.CANCELLED, S.ON_HOLD, S.FAILED}
)
OUTCOME_REQUIRED: frozenset[ReferralStatus] = frozenset({S.COMPLETED, S.FAILED})
MAX_REASON_LENGTH = 1000


@dataclass(frozen=True, slots=True)
class Transition:
    """A validated change of status."""

    from_status: ReferralStatus
    to_status: ReferralStatus
    role: ActorRole
    reason: str | None
    outcome: ReferralOutcome | None

    @property
    def closes(self) -> bool:
        """True when the referral reaches a terminal status."""
        return self.to_status in TERMINAL


def allowed_targets(current: ReferralStatus, role: ActorRole) -> frozenset[ReferralStatus]:
    """Statuses a role may move a referral to from `current`."""
    return _edges(current, role) & SETTABLE_BY[role]


def transition(
    current: ReferralStatus,
    target: ReferralStatus,
    role: ActorRole,
    *,
    reason: str | None = None,
    outcome: ReferralOutcome | None = None,
) -> Transition:
    """Validate a status change: Forbidden for the wrong role, ValidationFailed otherwise."""
    if target not in SETTABLE_BY[role]:
        raise Forbidden(f"The {role.value} of a referral may not set it to {target.value}.")
    if target not in _edges(current, role):
        raise ValidationFailed.single(
            "status",
            ErrorCode.INVALID_TRANSITION,
            f"A {current.value} referral cannot become {target.value}.",
        )
    errors = Collector()
    clean_reason = (reason or "").strip() or None
    if target in REASON_REQUIRED and clean_reason is None:
        errors.add("reason", ErrorCode.REQUIRED, f"Say why the referral is {target.value}.")
    if clean_reason is not None and len(clean_reason) > MAX_REASON_LENGTH:
        errors.add(
            "reason", ErrorCode.TOO_LONG, f"Keep the reason under {MAX_REASON_LENGTH} chars."
        )
    if target in OUTCOME_REQUIRED and outcome is None:
        errors.add("outcome", ErrorCode.REQUIRED, f"Give the outcome of a {target.value} referral.")
    if target not in OUTCOME_REQUIRED and outcome is not None:
        errors.add("outcome", ErrorCode.INVALID, "An outcome is given only on completed or failed.")
    errors.raise_if_any()
    return Transition(current, target, role, clean_reason, outcome)
