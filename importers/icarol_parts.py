"""The repeated column groups of an iCarol row (phones, addresses, hours ...) as HSDS records."""

from __future__ import annotations

from collections.abc import Iterator

from importers.normalize import language_code, normalize_phone, parse_hours, split_list, yes
from importers.records import Record
from importers.report import ImportReport, Origin

_NAMED_PHONES = (
    ("PhoneFax", "fax", "Fax"),
    ("PhoneTTY", "textphone", "TTY"),
    ("PhoneTollFree", "voice", "Toll free"),
    ("PhoneNumberHotline", "voice", "Hotline"),
    ("PhoneNumberBusinessLine", "voice", "Business line"),
    ("PhoneNumberOutOfArea", "voice", "Out of area"),
    ("PhoneNumberAfterHours", "voice", "After hours"),
)
_PHONE_TYPES = {"fax": "fax", "tty": "textphone", "cell": "cell", "mobile": "cell", "sms": "sms"}


def phones(
    num: str, row: dict[str, str], origin: Origin, column: str, owner: str
) -> Iterator[Record]:
    """Numbered and named phone lines; unusable numbers ("NA") are left out."""
    lines: list[tuple[str, str, str, str | None, bool]] = []
    for i in range(1, 6):
        prefix = f"Phone{i}"
        raw_type = (row.get(f"{prefix}Type") or "").strip().lower()
        description = " - ".join(
            v for v in (row.get(f"{prefix}Name"), row.get(f"{prefix}Description")) if v
        )
        lines.append(
            (
                f"{num}:phone:{i}",
                row.get(f"{prefix}Number") or "",
                _PHONE_TYPES.get(raw_type, "voice"),
                description or None,
                yes(row.get(f"{prefix}IsPrivate")),
            )
        )
    for col, phone_type, label in _NAMED_PHONES:
        description = row.get(f"{col}Description") or label
        lines.append(
            (
                f"{num}:{col}",
                row.get(col) or "",
                phone_type,
                description,
                yes(row.get(f"{col}IsPrivate")),
            )
        )
    for ext, raw, phone_type, text, private in lines:
        clean = normalize_phone(raw)
        if clean is None:
            continue
        yield Record(
            "phone",
            ext,
            {
                column: owner,
                "number": clean.number,
                "extension": clean.extension,
                "type": phone_type,
                "description": text,
                "is_private": private,
            },
            origin,
        )


def addresses(num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
    """Physical and mailing addresses of a location, with their privacy flags."""
    for prefix, kind in (("Physical", "physical"), ("Mailing", "postal")):
        line1 = (row.get(f"{prefix}Address1") or "").strip()
        city = (row.get(f"{prefix}City") or "").strip()
        if not line1 or not city:
            continue
        country = (row.get(f"{prefix}Country") or "").strip()
        yield Record(
            "address",
            f"{num}:{kind}",
            {
                "location_id": num,
                "attention": row.get(f"{prefix}AttentionName") or None,
                "address_1": line1,
                "address_2": row.get(f"{prefix}Address2") or None,
                "city": city,
                "region": row.get(f"{prefix}County") or None,
                "state_province": row.get(f"{prefix}StateProvince") or "",
                "postal_code": row.get(f"{prefix}PostalCode") or "",
                "country": "US" if country in ("", "United States", "USA", "US") else country[:2],
                "address_type": kind,
                "is_private": yes(row.get(f"{prefix}AddressIsPrivate")),
            },
            origin,
        )


def schedules(num: str, row: dict[str, str], origin: Origin, column: str) -> Iterator[Record]:
    """Weekly schedules from either hours column; text that does not parse stays a description."""
    for col in ("Hours", "HoursOfOperation"):
        text = (row.get(col) or "").strip()
        if not text:
            continue
        parsed = parse_hours(text)
        if parsed is None:
            yield Record("schedule", f"{num}:{col}", {column: num, "description": text}, origin)
            return
        for i, hours in enumerate(parsed, start=1):
            yield Record(
                "schedule",
                f"{num}:{col}:{i}",
                {
                    column: num,
                    "freq": "WEEKLY",
                    "wkst": "MO",
                    "byday": ",".join(hours.byday),
                    "opens_at": hours.opens_at.isoformat(),
                    "closes_at": hours.closes_at.isoformat(),
                    "description": text,
                },
                origin,
            )
        return


def languages(num: str, row: dict[str, str], origin: Origin, column: str) -> Iterator[Record]:
    """Languages offered, with ISO codes where the name is known."""
    for name in split_list(row.get("LanguagesOffered"), ";,"):
        yield Record(
            "language",
            f"{num}:lang:{name.lower()}",
            {
                column: num,
                "name": name,
                "code": language_code(name),
            },
            origin,
        )


def accessibility(num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
    """The site's disabilities access notes."""
    text = "; ".join(split_list(row.get("DisabilitiesAccess")))
    if text:
        yield Record(
            "accessibility", f"{num}:access", {"location_id": num, "description": text}, origin
        )


def coverage_areas(num: str, row: dict[str, str], origin: Origin) -> Iterator[Record]:
    """Service areas from `Coverage` ("CA - Alameda County; ...") or `CoverageArea`."""
    items = split_list(row.get("Coverage"))
    if not items:
        items = split_list(row.get("CoverageArea"), ";,")
    for item in items:
        state, _, place = item.partition(" - ")
        name = f"{place.strip()}, {state.strip()}" if place else item
        kind = "county" if "county" in name.lower() else "place"
        yield Record(
            "service_area",
            f"{num}:area:{name.lower()}",
            {
                "service_id": num,
                "name": name,
                "extent": name,
                "extent_type": kind,
            },
            origin,
        )


def contacts(
    num: str, row: dict[str, str], origin: Origin, report: ImportReport
) -> Iterator[Record]:
    """Named contacts; private ones are not stored (HSDS contacts have no privacy flag)."""
    for prefix, ext in (("MainContact", "main"), ("SeniorWorker", "senior")):
        name = (row.get(f"{prefix}Name") or "").strip()
        if not name:
            continue
        if yes(row.get(f"{prefix}IsPrivate")):
            report.skip("contact", "private contact")
            continue
        yield Record(
            "contact",
            f"{num}:contact:{ext}",
            {
                "organization_id": num,
                "name": name,
                "title": row.get(f"{prefix}Title") or None,
                "email": row.get(f"{prefix}EmailAddress") or None,
            },
            origin,
        )
        clean = normalize_phone(row.get(f"{prefix}PhoneNumber"))
        if clean is not None:
            yield Record(
                "phone",
                f"{num}:contact:{ext}:phone",
                {
                    "contact_id": f"{num}:contact:{ext}",
                    "number": clean.number,
                    "extension": clean.extension,
                    "type": "voice",
                },
                origin,
            )


def attributes(row: dict[str, str]) -> list[tuple[str, str | None]]:
    """AIRS codes with their names; a target after ` * ` is kept as its own code."""
    codes = split_list(row.get("TaxonomyCodes"))
    names = split_list(row.get("TaxonomyTerm"))
    out: list[tuple[str, str | None]] = []
    for i, entry in enumerate(codes):
        primary, *targets = (part.strip() for part in entry.split("*"))
        name = names[i] if len(names) == len(codes) else None
        if primary:
            out.append((primary, name))
        out.extend((target, None) for target in targets if target)
    return out
