"""Web addresses and emails as HSDS wants them: absolute URIs and plain addresses, or nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import validators

# HSDS 3.0 columns with `format: uri` or `format: email` (the hub's names are HSDS's).
URI_COLUMNS = frozenset({"url", "website", "uri", "term_uri", "schedule_link"})
EMAIL_COLUMNS = frozenset({"email", "assurer_email"})
# "scheme:" at the start, but not "host:port" (a digit after the colon).
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")
_WEB_SCHEMES = frozenset({"http", "https", "ftp"})


class UnusableValue(ValueError):
    """A value that cannot be made into what its column holds."""


def normalize_uri(raw: str) -> str:
    """`www.x.org` -> `https://www.x.org`, `GULFCOASTLEGAL.ORG` -> `https://gulfcoastlegal.org`."""
    text = raw.strip()
    scheme = _SCHEME.match(text)
    if scheme is not None and scheme.group(1).lower() not in _WEB_SCHEMES:
        # Other absolute URIs (urn:, mailto:, tel:) are fine as they are, if unbroken.
        if any(c.isspace() for c in text) or len(text) == scheme.end():
            raise UnusableValue(f"{_short(raw)!r} is not a URI")
        return text
    if "://" not in text:
        host = text.split("/", 1)[0].split(":", 1)[0]
        if not validators.domain(host):
            raise UnusableValue(f"{_short(raw)!r} is not a web address")
        text = f"https://{text}"
    parts = urlsplit(text)
    # Scheme and host are case-insensitive: lower-case them; the path may be case-sensitive.
    cleaned = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment)
    )
    if parts.scheme.lower() not in _WEB_SCHEMES or not validators.url(cleaned):
        raise UnusableValue(f"{_short(raw)!r} is not a web address")
    return cleaned


def normalize_email(raw: str) -> str:
    """A plain email address (a `mailto:` prefix dropped); anything else is unusable."""
    text = raw.strip()
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    if not validators.email(text):
        raise UnusableValue(f"{_short(raw)!r} is not an email address")
    return text


def _short(text: str) -> str:
    # A bad value is echoed in the report so it can be fixed, but never at length.
    return text if len(text) <= 60 else f"{text[:57]}..."
