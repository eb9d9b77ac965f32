"""Random identifiers in AWS Organizations' shapes (iam-facts, AWS Organizations API reference).

An organization is ``o-`` + 10 lowercase letters/digits, a root ``r-`` + 4, an OU
``ou-<the root's 4>-<8>``, a policy ``p-`` + 8 (AWS's own FullAWSAccess is ``p-FullAWSAccess``),
a handshake ``h-`` + 10.
"""

from __future__ import annotations

import secrets
import string

_ALPHABET = string.ascii_lowercase + string.digits
FULL_AWS_ACCESS_ID = "p-FullAWSAccess"


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def organization_id() -> str:
    return "o-" + _random(10)


def root_id() -> str:
    return "r-" + _random(4)


def ou_id(root: str) -> str:
    """An OU id under the root ``root`` (``r-abcd`` gives ``ou-abcd-xxxxxxxx``)."""
    return f"ou-{root.removeprefix('r-')}-{_random(8)}"


def policy_id() -> str:
    return "p-" + _random(8)


def handshake_id() -> str:
    return "h-" + _random(10)
