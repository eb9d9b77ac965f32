"""MFA seeds (TOTP secrets), and the few other secrets the portal keeps for a while, sealed at
rest with a key derived from ``SECRET_KEY``.

A sealed seed is ``s1$`` followed by the URL-safe base64 (unpadded) of AES-256-SIV over the
seed, under a key derived by HKDF-SHA256 from ``SECRET_KEY`` for this purpose alone. SIV
needs no stored nonce, so a 20-byte seed seals to 51 characters and django-otp's largest
(40 bytes) to 78, within its 80-character ``key`` column (a Fernet token would not fit).
Seeds sealed with a key listed in ``SECRET_KEY_FALLBACKS`` still open, and are sealed
again with the current key the next time the device is saved (every accepted code saves it).
A value without the prefix is a seed stored before sealing existed (hex): it opens as such.
"""

from __future__ import annotations

import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import unhexlify
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "s1$"
_PURPOSE = b"iamportal mfa seed v1"


class SeedUnreadable(ValueError):
    """No current or fallback secret key opens the seed."""


@lru_cache(maxsize=16)
def _cipher(secret_key: str) -> AESSIV:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=_PURPOSE)
    return AESSIV(hkdf.derive(secret_key.encode()))


def seal(seed: bytes) -> str:
    token = _cipher(settings.SECRET_KEY).encrypt(seed, [_PURPOSE])
    return PREFIX + urlsafe_b64encode(token).decode().rstrip("=")


def _token(value: str) -> bytes:
    body = value[len(PREFIX):]
    return urlsafe_b64decode(body + "=" * (-len(body) % 4))


def _open(value: str, secret_key: str) -> bytes | None:
    try:
        return _cipher(secret_key).decrypt(_token(value), [_PURPOSE])
    except (InvalidTag, ValueError):
        return None


def unseal(value: str) -> bytes:
    """The seed of a sealed (or legacy hex) ``value``; ``SeedUnreadable`` if no key opens it."""
    if not value.startswith(PREFIX):
        return unhexlify(value.encode())
    for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        seed = _open(value, secret_key)
        if seed is not None:
            return seed
    raise SeedUnreadable("This MFA device's secret was sealed with a secret key that is no longer "
                         "configured: add the old key to IAMPORTAL_SECRET_KEY_FALLBACKS.")


def sealed_with_current_key(value: str) -> bool:
    return value.startswith(PREFIX) and _open(value, settings.SECRET_KEY) is not None


# ---------------------------------------------------------------------------
# Other short secrets the portal must keep for a while (a new user's password in the session)


def seal_text(text: str, purpose: str) -> str:
    """``text`` sealed under the same derived key, bound to ``purpose`` and to a random nonce
    (so one text sealed twice reads differently)."""
    nonce = secrets.token_bytes(16)
    token = _cipher(settings.SECRET_KEY).encrypt(text.encode(), [_PURPOSE, purpose.encode(), nonce])
    return PREFIX + urlsafe_b64encode(nonce + token).decode().rstrip("=")


def open_text(value: str, purpose: str) -> str | None:
    """The text :func:`seal_text` sealed for ``purpose``, or None if no configured key opens it."""
    if not isinstance(value, str) or not value.startswith(PREFIX):
        return None
    try:
        raw = _token(value)
    except ValueError:
        return None
    nonce, token = raw[:16], raw[16:]
    for secret_key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        try:
            return _cipher(secret_key).decrypt(token, [_PURPOSE, purpose.encode(), nonce]).decode()
        except (InvalidTag, ValueError):
            continue
    return None
