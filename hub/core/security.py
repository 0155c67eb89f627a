"""Security primitives: argon2 password hashes, opaque tokens stored as SHA-256, HMAC signatures."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether a password matches its argon2 hash, without raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> tuple[str, str]:
    """Return a fresh opaque token and the SHA-256 digest to store instead of it."""
    # 32 random bytes make guessing hopeless, so a fast hash suffices (unlike passwords).
    plain = f"{prefix}_{secrets.token_urlsafe(32)}"
    return plain, hash_token(plain)


def hash_token(plain: str) -> str:
    """Digest a token for storage and lookup."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def sign(secret: str, message: bytes) -> str:
    """HMAC-SHA256 hex signature of a message."""
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    """Compare two signatures in constant time (any text: non-ASCII input is a mismatch)."""
    # compare_digest refuses non-ASCII str with a TypeError; as bytes it just compares.
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))
