"""Report dimensions and the labelled coordinates of a report row."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dimension(StrEnum):
    """What a report can be grouped by."""

    SENDER = "sender_organization"
    RECEIVER = "receiver_organization"
    NEED = "need"
    # The top-level need (see need_categories.py): a referral counts once per category.
    NEED_CATEGORY = "need_category"
    STATUS = "status"
    OUTCOME = "outcome"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class GroupValue:
    """One coordinate of a row: dimension, raw value (None for 'none') and a readable label."""

    dimension: Dimension
    value: str | None
    label: str
