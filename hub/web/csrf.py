"""Signed double-submit CSRF tokens: a random cookie value and its HMAC bound to one page."""

from __future__ import annotations

import secrets

from hub.core.security import sign, signatures_match

COOKIE = "hub_csrf"
FIELD = "csrf"


def new_nonce() -> str:
    """A fresh random cookie value."""
    return secrets.token_urlsafe(24)


def form_token(secret: str, nonce: str, scope: str) -> str:
    """The hidden-field value for a cookie nonce on one page (`scope`, e.g. a link digest)."""
    return sign(secret, f"csrf:{scope}:{nonce}".encode())


def verify(secret: str, nonce: str | None, given: str | None, scope: str) -> bool:
    """True when the form's token was signed by us for this cookie and this page."""
    if not nonce or not given:
        return False
    return signatures_match(form_token(secret, nonce, scope), given)
