"""The transition function, checked for every status x every status x every role."""

from __future__ import annotations

import itertools

import pytest

from hub.core.errors import ErrorCode, Forbidden, ValidationFailed
from referrals.state_machine import (
    ActorRole,
    ReferralOutcome,
    ReferralStatus,
    allowed_targets,
    transition,
)

S = ReferralStatus

# Written out by hand from the Gravity referral Task lifecycle, independently of the module:
# rows are "from", the letters mark the legal "to" statuses.
LEGAL_TEXT = """
draft:            requested cancelled entered-in-error
requested:        accepted rejected cancelled entered-in-error
accepted:         in-progress on-hold completed failed cancelled entered-in-error
in-progress:      on-hold completed failed cancelled entered-in-error
on-hold:          in-progress failed cancelled entered-in-error
rejected:         entered-in-error
completed:        entered-in-error
failed:           entered-in-error
cancelled:        entered-in-error
entered-in-error:
"""
LEGAL = {
    S(line.split(":")[0].strip()): {S(t) for t in line.split(":")[1].split()}
    for line in LEGAL_TEXT.strip().splitlines()
}
MAY_SET = {
    ActorRole.SENDER: {"draft", "requested", "cancelled", "entered-in-error"},
    ActorRole.RECEIVER: {
        "accepted",
        "rejected",
        "in-progress",
        "on-hold",
        "failed",
        "completed",
        "cancelled",
    },
    ActorRole.CLIENT: set(),
    ActorRole.SYSTEM: {s.value for s in S} - {"draft"},
}
# The SLA engine (system) expires a requested referral nobody answered: requested -> failed.
SYSTEM_ONLY = {(S.REQUESTED, S.FAILED)}
NEEDS_REASON = {"rejected", "cancelled", "on-hold", "failed"}
NEEDS_OUTCOME = {"completed", "failed"}


def good_args(target: ReferralStatus) -> dict[str, object]:
    return {
        "reason": "because" if target.value in NEEDS_REASON else None,
        "outcome": ReferralOutcome.GOT_HELP if target.value in NEEDS_OUTCOME else None,
    }


def test_the_table_covers_every_status() -> None:
    assert set(LEGAL) == set(S)


@pytest.mark.parametrize(("current", "target", "role"), list(itertools.product(S, S, ActorRole)))
def test_every_transition(current: S, target: S, role: ActorRole) -> None:
    permitted = target.value in MAY_SET[role]
    legal = target in LEGAL[current] or (
        role is ActorRole.SYSTEM and (current, target) in SYSTEM_ONLY
    )
    if not permitted:
        with pytest.raises(Forbidden):
            transition(current, target, role, **good_args(target))  # type: ignore[arg-type]
        assert target not in allowed_targets(current, role)
        return
    if not legal:
        with pytest.raises(ValidationFailed) as caught:
            transition(current, target, role, **good_args(target))  # type: ignore[arg-type]
        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("status", ErrorCode.INVALID_TRANSITION)
        ]
        assert target not in allowed_targets(current, role)
        return
    assert target in allowed_targets(current, role)
    done = transition(current, target, role, **good_args(target))  # type: ignore[arg-type]
    assert (done.from_status, done.to_status, done.role) == (current, target, role)
    # Reason and outcome rules hold on every legal edge.
    if target.value in NEEDS_REASON:
        with pytest.raises(ValidationFailed) as caught:
            transition(current, target, role, reason="  ", outcome=good_args(target)["outcome"])  # type: ignore[arg-type]
        assert ("reason", ErrorCode.REQUIRED) in [(e.field, e.code) for e in caught.value.errors]
    if target.value in NEEDS_OUTCOME:
        with pytest.raises(ValidationFailed) as caught:
            transition(current, target, role, reason="because")
        assert ("outcome", ErrorCode.REQUIRED) in [(e.field, e.code) for e in caught.value.errors]
    else:
        with pytest.raises(ValidationFailed) as caught:
            transition(
                current,
                target,
                role,
                reason="because",
                outcome=ReferralOutcome.OTHER,
            )
        assert ("outcome", ErrorCode.INVALID) in [(e.field, e.code) for e in caught.value.errors]


def test_reason_is_trimmed_and_bounded() -> None:
    done = transition(S.REQUESTED, S.REJECTED, ActorRole.RECEIVER, reason="  full  ")
    assert done.reason == "full"
    with pytest.raises(ValidationFailed) as caught:
        transition(S.REQUESTED, S.REJECTED, ActorRole.RECEIVER, reason="x" * 1001)
    assert caught.value.errors[0].code == ErrorCode.TOO_LONG


def test_terminal_statuses_close() -> None:
    assert transition(
        S.ACCEPTED, S.COMPLETED, ActorRole.RECEIVER, outcome=ReferralOutcome.GOT_HELP
    ).closes
    assert not transition(S.REQUESTED, S.ACCEPTED, ActorRole.RECEIVER).closes


def test_all_outcome_codes_are_the_agreed_ones() -> None:
    assert {o.value for o in ReferralOutcome} == {
        "got_help",
        "could_not_contact",
        "not_eligible",
        "no_capacity",
        "client_declined",
        "referred_elsewhere",
        "other",
    }
