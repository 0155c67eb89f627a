"""Words for directory values on the coach's pages: capacity, freshness, hours, delivery mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta

from providers.service_cards import HoursLine


def _(message: str) -> str:
    """Mark a message for translation; callers translate it in the viewer's language."""
    return message


CAPACITY = {
    "capacity": (_("Taking clients"), "good"),
    "waitlist": (_("Waitlist"), "warn"),
    "no-capacity": (_("Full"), "bad"),
    "additional-assessment-required": (_("Assessment first"), "warn"),
}
MODES = {
    "in_person": _("In person"),
    "online": _("Online"),
    "hybrid": _("In person and online"),
    "phone": _("By phone"),
}
DAYS = {
    "MO": _("Mon"),
    "TU": _("Tue"),
    "WE": _("Wed"),
    "TH": _("Thu"),
    "FR": _("Fri"),
    "SA": _("Sat"),
    "SU": _("Sun"),
}
SCHEDULES = {
    "day": _("Daytime"),
    "evening": _("Evenings"),
    "weekend": _("Weekends"),
    "self_paced": _("Self-paced"),
}
AIDS = {
    "pell": _("Pell grant"),
    "wioa_ita": _("WIOA training account"),
    "scholarship": _("Scholarship"),
    "gi_bill": _("GI Bill"),
    "employer": _("Employer pays"),
    "state_grant": _("State grant"),
}
WHOSE = {"service": _("Service hours"), "location": _("Building hours")}
LANGUAGE_CHOICES = (
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
    ("ko", _("Korean")),
    ("ar", _("Arabic")),
    ("ru", _("Russian")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("so", _("Somali")),
    ("am", _("Amharic")),
)

Gettext = Callable[[str], str]
DASH = "\u2013"  # an en dash between the ends of a range of days or hours


def capacity(status: str | None, gettext: Gettext) -> tuple[str, str] | None:
    """(label, badge class) of a capacity status, or None when it is not known."""
    found = CAPACITY.get(status or "")
    return (gettext(found[0]), found[1]) if found else None


def words(codes: str, names: dict[str, str], gettext: Gettext) -> str:
    """A comma-separated list of codes (`evening,weekend`) in words."""
    found = [c.strip() for c in codes.split(",") if c.strip()]
    return ", ".join(gettext(names[c]) if c in names else c for c in found)


def mode(value: str, gettext: Gettext) -> str:
    """How a service is delivered, in words."""
    return gettext(MODES.get(value, value))


def freshness(
    verified: datetime | None, now: datetime, stale_days: int, gettext: Gettext
) -> tuple[str, bool]:
    """(text, stale) saying when the listing was last checked by its organization."""
    if verified is None:
        return gettext(_("Never verified")), True
    age = now - verified
    stale = age > timedelta(days=stale_days)
    text = gettext(_("Verified %(date)s")) % {"date": verified.date().isoformat()}
    return text, stale


def _clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


def _days(days: Sequence[str], gettext: Gettext) -> str:
    order = list(DAYS)
    known = sorted((d for d in days if d in DAYS), key=order.index)
    if not known:
        return ""
    indexes = [order.index(d) for d in known]
    if len(known) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return f"{gettext(DAYS[known[0]])}{DASH}{gettext(DAYS[known[-1]])}"
    return ", ".join(gettext(DAYS[d]) for d in known)


def hours_text(line: HoursLine, gettext: Gettext) -> str:
    """One hours line in words: "Mon-Fri 09:00-17:00" with en dashes (or its description)."""
    days = _days(line.days, gettext)
    span = (
        f"{_clock(line.opens_at)}{DASH}{_clock(line.closes_at)}"
        if line.opens_at and line.closes_at
        else ""
    )
    text = " ".join(part for part in (days, span) if part)
    return text or (line.description or "")


def hours_groups(lines: Sequence[HoursLine], gettext: Gettext) -> list[tuple[str, list[str]]]:
    """Hours grouped by whose they are: [("Service hours", [...]), ("Building hours", [...])]."""
    groups: list[tuple[str, list[str]]] = []
    for whose in ("service", "location"):
        texts = [t for t in (hours_text(x, gettext) for x in lines if x.applies_to == whose) if t]
        if texts:
            groups.append((gettext(WHOSE[whose]), list(dict.fromkeys(texts))))
    return groups
