"""Who signed a Query API request: the access key (or STS session credentials) it names,
its secret, and the IAM identity the request acts as.

:func:`authenticate` checks the signature's time, finds the credentials, verifies the
signature with their secret and returns the caller's :class:`accounts.identity.Identity` —
the same object a console request has as ``request.iam``, so ``policies.authz`` decides
API calls and console pages alike. Failed authentications are counted per client address
and access key id (and per address alone), as sign-ins are; past the budget every call of
that key from that address is refused with ``Throttling`` until the window ends.

Credential kinds register a resolver in :data:`RESOLVERS`: a function
``(signed, request, now) -> Resolved | None``. Long-term access keys (``AKIA…``, and test
mode's ``FOOBARKEY``) are resolved here; STS's temporary credentials by ``api.sessions``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from accounts import access_keys, throttle
from accounts.addresses import client_address
from accounts.identity import Identity, principal_identity, request_keys

from . import sigv4, testmode
from .errors import InvalidClientTokenId, SignatureDoesNotMatch, Throttling


@dataclass
class Resolved:
    """Credentials found for a signed request.

    Attributes:
        secret: the secret access key the signature must have been made with (None when it
            cannot be opened: the request is refused as if the key were unknown).
        identity: builds the caller's identity once the signature is verified.
        error: an error to raise once the signature is verified (an inactive key, an
            expired or mismatched session token) — checked after the signature, so that a
            caller without the secret learns nothing about the key's state.
        used: called after a successful authentication (last-used bookkeeping).
    """

    secret: str | None
    identity: Callable[[], Identity]
    error: Exception | None = None
    used: Callable[[], None] | None = None


#: The longest access key id stored (``AccessKey.access_key_id``).
MAX_KEY_ID = 128

Resolver = Callable[[sigv4.SignedRequest, Any, float], "Resolved | None"]


def resolve_access_key(signed: sigv4.SignedRequest, request: Any, now: float) -> Resolved | None:
    """A long-term access key of an IAM user or root user (test mode's only while it is on,
    though its row outlives a server started in test mode)."""
    if signed.access_key_id == testmode.ACCESS_KEY_ID and not testmode.enabled():
        return None
    key = access_keys.find_access_key(signed.access_key_id)
    if key is None:
        return None
    error = None
    if not key.is_active:
        error = InvalidClientTokenId()
    elif signed.security_token:
        # A long-term key signs without a session token; one that sends a token names
        # credentials that do not exist.
        error = InvalidClientTokenId()
    elif not key.user.is_active:
        error = InvalidClientTokenId()

    def identity() -> Identity:
        # Long-term keys carry no aws:MultiFactorAuthPresent (AWS leaves it out for them).
        return principal_identity(key.user, request_keys(request, now, signed.region))

    def used() -> None:
        access_keys.record_use(key, service=signed.service, region=signed.region)

    return Resolved(secret=access_keys.secret_of(key), identity=identity, error=error, used=used)


#: Resolvers tried in order; the first that knows the access key id answers.
RESOLVERS: list[Resolver] = [resolve_access_key]


class FailureBudget:
    """Failed authentications from one client address: per access key id, and in all."""

    def __init__(self, request: Any, key_id: str) -> None:
        address = client_address(request)
        self.budgets = [
            (f"api:key:{address}:{key_id[:MAX_KEY_ID]}", settings.IAMPORTAL_API_KEY_FAILURES),
            (f"api:addr:{address}", settings.IAMPORTAL_API_ADDRESS_FAILURES),
        ]

    def exhausted(self) -> bool:
        return throttle.exhausted(self.budgets, window=settings.IAMPORTAL_SIGNIN_WINDOW)

    def fail(self) -> None:
        for key, limit in self.budgets:
            throttle.spend(key, limit=limit, window=settings.IAMPORTAL_SIGNIN_WINDOW)


def well_formed_key_id(key_id: str) -> bool:
    """Whether ``key_id`` could name credentials (ASCII letters and digits, as every access
    key id is); anything else is unknown without a query (PostgreSQL stores no NUL)."""
    return 0 < len(key_id) <= MAX_KEY_ID and key_id.isascii() and key_id.isalnum()


def authenticate(signed: sigv4.SignedRequest, request: Any, now: float | None = None) -> Identity:
    """The identity of a signed request; AWS's authentication errors otherwise."""
    now = time.time() if now is None else now
    sigv4.check_time(signed, now)
    well_formed = well_formed_key_id(signed.access_key_id)
    budget = FailureBudget(request, signed.access_key_id if well_formed else "-")
    if budget.exhausted():
        raise Throttling()
    resolved = None
    for resolver in RESOLVERS if well_formed else ():
        resolved = resolver(signed, request, now)
        if resolved is not None:
            break
    if resolved is None or resolved.secret is None:
        budget.fail()
        raise InvalidClientTokenId()
    try:
        sigv4.verify(signed, resolved.secret)
    except SignatureDoesNotMatch:
        budget.fail()
        raise
    if resolved.error is not None:
        raise resolved.error
    identity = resolved.identity()
    if resolved.used is not None:
        resolved.used()
    return identity
