"""Opening-hours patterns of the demo (HSDS schedule rows with RRULE weekdays and local times)."""

from __future__ import annotations

import random
from datetime import time

WEEKDAYS = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
_DAY_NAMES = {
    "MO": "Mon",
    "TU": "Tue",
    "WE": "Wed",
    "TH": "Thu",
    "FR": "Fri",
    "SA": "Sat",
    "SU": "Sun",
}

Slot = tuple[str, time, time]


def _t(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _slots(*items: tuple[str, str, str]) -> list[Slot]:
    return [(days, _t(opens), _t(closes)) for days, opens, closes in items]


PATTERNS: dict[str, list[list[Slot]]] = {
    "office": [
        _slots((WEEKDAYS, "9:00", "17:00")),
        _slots(("MO,TU,WE,TH", "8:30", "18:00"), ("FR", "8:30", "12:00")),
        _slots((WEEKDAYS, "8:00", "16:30"), ("SA", "10:00", "14:00")),
        _slots((WEEKDAYS, "9:00", "17:00"), ("TH", "17:00", "19:30")),
    ],
    "evening": [_slots(("MO,WE", "18:00", "20:30")), _slots(("TU,TH", "17:30", "20:00"))],
    "weekend": [_slots(("SA", "9:00", "13:00")), _slots(("SA,SU", "10:00", "15:00"))],
    "pantry": [
        _slots(("TU,TH", "15:00", "18:00"), ("SA", "9:00", "12:00")),
        _slots(("MO,WE,FR", "10:00", "13:00")),
    ],
    "meals": [
        _slots((EVERY_DAY, "11:30", "13:30")),
        _slots((WEEKDAYS, "7:30", "9:00"), (WEEKDAYS, "17:00", "18:30")),
    ],
    "24x7": [_slots((EVERY_DAY, "0:00", "23:59"))],
    "childcare": [_slots((WEEKDAYS, "7:00", "18:00")), _slots((WEEKDAYS, "6:30", "18:30"))],
    "afterschool": [_slots((WEEKDAYS, "14:30", "18:00"))],
    "extended": [_slots((WEEKDAYS, "6:00", "20:00"), ("SA", "8:00", "14:00"))],
    "library": [
        _slots(
            ("MO,TU,WE,TH", "10:00", "20:00"), ("FR,SA", "10:00", "17:00"), ("SU", "13:00", "17:00")
        )
    ],
    "day": [_slots(("MO,TU,WE,TH", "8:30", "14:30")), _slots((WEEKDAYS, "8:00", "15:00"))],
    "weekend_class": [_slots(("SA,SU", "8:00", "16:00")), _slots(("SA", "8:00", "17:00"))],
}


def pick(pattern: str, rng: random.Random) -> list[Slot]:
    """One variant of a named pattern."""
    return rng.choice(PATTERNS[pattern])


def _clock(value: time) -> str:
    suffix = "am" if value.hour < 12 else "pm"
    hour = value.hour % 12 or 12
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def describe(slot: Slot) -> str:
    """`Mon, Wed 6pm-8:30pm` (or `Open 24 hours, every day`)."""
    days, opens, closes = slot
    if days == EVERY_DAY and opens == time(0, 0) and closes == time(23, 59):
        return "Open 24 hours, every day"
    if days == WEEKDAYS:
        when = "Mon-Fri"
    elif days == EVERY_DAY:
        when = "Every day"
    else:
        when = ", ".join(_DAY_NAMES[d] for d in days.split(","))
    return f"{when} {_clock(opens)}-{_clock(closes)}"
