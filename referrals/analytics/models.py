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
            # Last, so a need report joins referral_need without reading the table itself.
            "referral_id",
        ),
        # The rollup rebuilds one (month, sender, receiver) block of cells at a time from this.
        sa.Index(
            "ix_analytics_fact_cell",
            "sent_month",
            "sender_organization_id",
            "receiver_organization_id",
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


NO_VALUE = ""  # stands for "none" in rollup key columns, which may not be NULL (primary key)


class RollupMeasures(SQLModel):
    """What a rollup cell holds: sums of the facts' flags and every duration, exact."""

    referrals: int = 0
    viewed: int = 0
    accepted: int = 0
    completed: int = 0
    closed_loop: int = 0
    sla_breached: int = 0
    client_got_help: int = 0
    client_could_not_reach: int = 0
    client_no_longer_needed: int = 0
    rated: int = 0
    rated_helpful: int = 0
    # Little-endian int32 seconds (see referrals.analytics.rollup): an exact nearest-rank
    # median cannot be merged from anything less than the values themselves.
    first_action_seconds: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    close_seconds: bytes = Field(sa_type=sa.LargeBinary, nullable=False)


class ReferralRollup(RollupMeasures, table=True):
    """The facts summed per sending month, sender, receiver, status, outcome and reason code."""

    __tablename__ = "analytics_referral_rollup"
    # Clustered by the key on SQLite: a month range is one contiguous read of whole rows.
    __table_args__ = {"sqlite_with_rowid": False}

    sent_month: str = Field(primary_key=True, max_length=7)
    sender_organization_id: str = Field(primary_key=True, max_length=64)
    receiver_organization_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(primary_key=True, max_length=24)
    outcome: str = Field(primary_key=True, max_length=26)
    reason_code: str = Field(primary_key=True, max_length=30)


class ReferralPairRollup(RollupMeasures, table=True):
    """The facts summed per sending month, sender and receiver: one cell per rollup block.

    Reports that group by nothing finer than organizations and month (the total, sender,
    receiver, month, the flow matrix) read this table: several times fewer rows than
    ReferralRollup for the same months.
    """

    __tablename__ = "analytics_referral_pair_rollup"
    __table_args__ = {"sqlite_with_rowid": False}

    sent_month: str = Field(primary_key=True, max_length=7)
    sender_organization_id: str = Field(primary_key=True, max_length=64)
    receiver_organization_id: str = Field(primary_key=True, max_length=64)


class ReferralNeedRollup(RollupMeasures, table=True):
    """The facts summed per sending month, sender, receiver and need (once per need).

    Coarser than ReferralRollup on purpose: a referral counts once per need, so finer cells
    would hold about one referral each; need reports that also split by status or outcome read
    the facts instead.
    """

    __tablename__ = "analytics_referral_need_rollup"
    __table_args__ = {"sqlite_with_rowid": False}

    sent_month: str = Field(primary_key=True, max_length=7)
    sender_organization_id: str = Field(primary_key=True, max_length=64)
    receiver_organization_id: str = Field(primary_key=True, max_length=64)
    need: str = Field(primary_key=True, max_length=100)


class ReferralCategoryRollup(RollupMeasures, table=True):
    """The facts summed per sending month, sender, receiver and need category (top-level need).

    A referral counts once per category however many of its needs fall under it, which the
    need rollup cannot give (summing its need cells would count such a referral twice).
    """

    __tablename__ = "analytics_referral_category_rollup"
    __table_args__ = {"sqlite_with_rowid": False}

    sent_month: str = Field(primary_key=True, max_length=7)
    sender_organization_id: str = Field(primary_key=True, max_length=64)
    receiver_organization_id: str = Field(primary_key=True, max_length=64)
    category: str = Field(primary_key=True, max_length=100)


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
