"""Random identifiers in AWS's shapes: 12-digit account ids and ``AIDA…``-style unique ids."""

from __future__ import annotations

import secrets

# AWS unique ids use the base32 alphabet after their four-letter prefix (iam-facts §2.2).
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
UNIQUE_ID_LENGTH = 21


def account_id() -> str:
    """A random 12-digit account id (may start with 0, as AWS's do)."""
    return f"{secrets.randbelow(10**12):012d}"


def unique_id(prefix: str) -> str:
    """A 21-character unique id such as ``AIDA`` + 17 base32 characters."""
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(UNIQUE_ID_LENGTH - len(prefix)))
