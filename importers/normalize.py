"""Cleaning messy directory values: phone numbers, opening hours text, languages and dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache

import phonenumbers
from babel import Locale


@dataclass(frozen=True, slots=True)
class CleanPhone:
    """A normalized phone number and its extension."""

    number: str
    extension: int | None


def normalize_phone(raw: str | None, region: str = "US") -> CleanPhone | None:
    """Format a phone number internationally (+1 510-555-0140); None when it is not a number."""
    if not raw or not re.search(r"\d{3}", raw):
        return None
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    # 555-01xx numbers are "possible" but not "valid"; directories (and tests) use them.
    if not phonenumbers.is_possible_number(parsed):
        return None
    extension = int(parsed.extension) if parsed.extension and parsed.extension.isdigit() else None
    parsed.extension = None
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return CleanPhone(number, extension)


_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = {
    "mon": "MO",
    "monday": "MO",
    "tue": "TU",
    "tues": "TU",
    "tuesday": "TU",
    "wed": "WE",
    "weds": "WE",
    "wednesday": "WE",
    "thu": "TH",
    "thur": "TH",
    "thurs": "TH",
    "thursday": "TH",
    "fri": "FR",
    "friday": "FR",
    "sat": "SA",
    "saturday": "SA",
    "sun": "SU",
    "sunday": "SU",
}
_DAY = (
    r"(?:mon(?:day)?|tue(?:s|sday)?|wed(?:s|nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_TIME = r"(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?"
_SEGMENT = re.compile(
    rf"^\s*(?P<days>{_DAY}(?:\s*(?:-|\u2013|to|,|&|and)\s*{_DAY})*)\.?\s*,?:?\s*"
    rf"(?P<range>{_TIME}\s*(?:-|\u2013|to)\s*{_TIME})\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One weekly opening: days (RRULE BYDAY codes) and times."""

    byday: tuple[str, ...]
    opens_at: time
    closes_at: time


def _days(text: str) -> tuple[str, ...]:
    names = re.findall(_DAY, text, flags=re.IGNORECASE)
    codes = [_DAY_NAMES[n.lower()] for n in names]
    if len(codes) == 2 and re.search(r"-|\u2013|to", text):
        start, end = _DAYS.index(codes[0]), _DAYS.index(codes[1])
        if start <= end:
            return _DAYS[start : end + 1]
    return tuple(dict.fromkeys(codes))


def _clock(hour: str, minute: str | None, meridiem: str | None) -> tuple[int, int, str | None]:
    mer = meridiem.replace(".", "").lower() if meridiem else None
    return int(hour), int(minute or 0), mer


def _to_time(h: int, m: int, mer: str | None) -> time:
    if mer == "pm" and h < 12:
        h += 12
    if mer == "am" and h == 12:
        h = 0
    return time(h, m)


def parse_hours(text: str | None) -> list[OpeningHours] | None:
    """Parse "Mon 9:00am - 5:00pm; Tue ..." or "Monday-Friday, 9-5"; None when it cannot."""
    if not text or not text.strip():
        return None
    out: list[OpeningHours] = []
    for part in re.split(r"[;\n]+", text):
        if not part.strip():
            continue
        match = _SEGMENT.match(part)
        if match is None:
            return None
        numbers = re.findall(_TIME, match.group("range"), flags=re.IGNORECASE)
        (h1, m1, a1), (h2, m2, a2) = (_clock(*n) for n in numbers[:2])
        if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
            return None
        if a1 is None and a2 is None and h2 <= h1:
            a1, a2 = "am", "pm"  # "9-5" means nine to five
        elif a1 is None:
            a1 = "pm" if a2 == "pm" and h1 < h2 and h2 != 12 else "am"
        opens, closes = _to_time(h1, m1, a1), _to_time(h2, m2, a2)
        if closes <= opens:
            return None
        out.append(OpeningHours(_days(match.group("days")), opens, closes))
    return out or None


@cache
def _language_codes() -> dict[str, str]:
    names = Locale("en").languages
    return {name.lower(): code for code, name in names.items() if "_" not in code}


def language_code(name: str) -> str | None:
    """ISO 639 code of an English language name (Spanish -> es), via CLDR data."""
    return _language_codes().get(name.strip().lower())


def split_list(text: str | None, separators: str = ";") -> list[str]:
    """Split a delimited cell into trimmed, non-empty items, keeping their order."""
    if not text:
        return []
    items = re.split(f"[{re.escape(separators)}]", text)
    return list(dict.fromkeys(item.strip() for item in items if item.strip()))


def parse_us_date(text: str | None) -> datetime | None:
    """Parse m/d/yy or m/d/yyyy (as 211 exports write dates) to midnight UTC."""
    if not text or not text.strip():
        return None
    for fmt in ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def yes(value: str | None) -> bool:
    """True for Yes/TRUE/1/Y cells."""
    return (value or "").strip().lower() in {"yes", "true", "1", "y", "t"}
