"""Random identifiers in AWS's shapes: 12-digit account ids and ``AIDA…``-style unique ids."""

from __future__ import annotations

import base64
import secrets

# AWS unique ids use the base32 alphabet after their four-letter prefix (iam-facts §2.2).
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UNIQUE_ID_LENGTH = 21


def account_id() -> str:
    """A random 12-digit account id (may start with 0, as AWS's do)."""
    return f"{secrets.randbelow(10**12):012d}"


def unique_id(prefix: str, length: int = UNIQUE_ID_LENGTH) -> str:
    """A unique id of ``length`` characters (21 unless told), such as ``AIDA`` + 17 base32
    characters."""
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(length - len(prefix)))


def access_key_id(prefix: str, account_id: str) -> str:
    """A 20-character access key id (``AKIA`` long-term, ``ASIA`` temporary) that encodes
    its account as AWS's do, so ``sts:GetAccessKeyInfo`` can read it back
    (:func:`account_of_key`): characters 5–12 are base32 of ``account // 2 + 2**39`` (5
    bytes), character 13 is from the first or second half of the alphabet by the account's
    parity, the rest random."""
    number = int(account_id) // 2 + 549755813888
    body = _b32(number.to_bytes(5, "big"))
    half = _BASE32[:16] if int(account_id) % 2 == 0 else _BASE32[16:]
    return (prefix + body + secrets.choice(half)
            + "".join(secrets.choice(_BASE32) for _ in range(20 - len(prefix) - len(body) - 1)))


def account_of_key(key_id: str) -> str | None:
    """The 12-digit account an ``access_key_id`` encodes, or None for another shape."""
    if len(key_id) != 20 or not all(c in _BASE32 for c in key_id[4:]):
        return None
    number = int.from_bytes(_b32_decode(key_id[4:12]), "big") - 549755813888
    parity = 0 if key_id[12] in _BASE32[:16] else 1
    account = number * 2 + parity
    return f"{account:012d}" if 0 <= account < 10**12 else None


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode()


def _b32_decode(text: str) -> bytes:
    return base64.b32decode(text)


def secret_access_key() -> str:
    """A 40-character secret access key in AWS's alphabet (base64's, ``/`` and ``+`` included)."""
    return base64.b64encode(secrets.token_bytes(30)).decode()
