"""Analytics read model: one narrow fact row per sent referral, refreshed from the history.

Facts hold no client id, no notes and no free text: reasons are reduced to a closed list of
codes. Durations are whole seconds (rounded), so percentiles are exact integers on every
database.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from hub.core.model_base import UTCDateTime, optional_utc_field, utc_field
from referrals.models import ReferralEvent


class ReasonCode(StrEnum):
    """Decline and failure reasons as reported: a closed list, anything else is `other`."""

    EXPIRED = "expired"
    NO_CAPACITY = "no_capacity"
    NOT_ELIGIBLE = "not_eligible"
    COULD_NOT_CONTACT = "could_not_contact"
    CLIENT_DECLINED = "client_declined"
    OUT_OF_AREA = "out_of_area"
    DUPLICATE = "duplicate"
    SERVICE_UNAVAILABLE = "service_unavailable"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    OTHER = "other"


class ReferralFact(SQLModel, table=True):
    """A sent referral as analytics sees it (entered-in-error referrals are left out)."""

    __tablename__ = "analytics_referral_fact"
    __table_args__ = (
        # One covering index holds every column a report reads, in sending order: a date range
        # is one contiguous index scan with no table lookups.
        sa.Index(
            "ix_analytics_fact_report",
            "sent_at",
            "sender_organization_id",
            "receiver_organization_id",
            "status",
            "outcome",
            "sent_month",
            "viewed",
            "accepted",
            "completed",
            "closed_loop",
            "sla_breached",
            "client_report",
            "client_helped",
            "first_action_seconds",
            "close_seconds",
            "reason_code",
        ),
    )

    referral_id: str = Field(
        primary_key=True, foreign_key="referral.id", ondelete="CASCADE", max_length=64
    )
    sent_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # YYYY-MM of sent_at (UTC), precomputed so months group the same way on every database.
    sent_month: str = Field(max_length=7)
    # No single-column indexes here: with them, SQLite answers "sender or receiver in the
    # network" from those indexes over all time instead of scanning the date range.
    sender_organization_id: str = Field(max_length=64)
    receiver_organization_id: str = Field(max_length=64)
    status: str = Field(max_length=24)
    outcome: str | None = Field(default=None, max_length=26)
    viewed: bool = False
    accepted: bool = False
    completed: bool = False
    closed_loop: bool = False
    first_action_seconds: int | None = None
    close_seconds: int | None = None
    sla_breached: bool = False
    # Set on rejected and failed referrals only.
    reason_code: str | None = Field(default=None, max_length=30)
    client_report: str | None = Field(default=None, max_length=24)
    client_helped: bool | None = None
    refreshed_at: datetime = utc_field()


class RefreshMark(SQLModel, table=True):
    """How far the fact table has caught up with the referral history."""

    __tablename__ = "analytics_refresh_mark"

    name: str = Field(primary_key=True, max_length=50)
    watermark: datetime | None = optional_utc_field()
    refreshed_at: datetime = utc_field()


# The funnel asks "did this referral ever reach accepted?" of the history; this index answers
# that without scanning a referral's whole history (declared here so models and migration agree).
sa.Index(
    "ix_analytics_referral_event_status",
    ReferralEvent.__table__.c.referral_id,  # type: ignore[attr-defined]
    ReferralEvent.__table__.c.to_status,  # type: ignore[attr-defined]
)
sa.Index(
    "ix_analytics_referral_event_time",
    ReferralEvent.__table__.c.occurred_at,  # type: ignore[attr-defined]
)
