"""STS's temporary security credentials: issued by AssumeRole, GetSessionToken and
GetFederationToken (:mod:`api.actions.sts`), found again for the requests they sign.

Credentials are an :class:`accounts.models.SessionCredential`: an ``ASIA…`` key id that
encodes its account, a secret sealed as an access key's is (bound to the key id), and a
random opaque session token of 400 URL-safe characters of which only the SHA-256 is kept.
:func:`issue` makes them (and prunes a bounded batch of expired ones; ``manage.py
prunesessions`` removes the rest); :func:`resolve_session`, appended to
:data:`api.credentials.RESOLVERS`, finds them for a signed request:

- an unknown ``ASIA…`` id is None (``InvalidClientTokenId``, counted as a failure);
- a missing or different session token is ``InvalidClientTokenId`` and an expired session
  ``ExpiredToken`` — both only once the signature verified (``Resolved.error``), so a caller
  without the secret learns nothing about the credentials;
- GetSessionToken credentials without MFA, and federated users' credentials, cannot call
  IAM: ``InvalidClientTokenId``, as AWS answers (iam-facts §4.4, docs/security.md).

The identity a session acts as (:func:`session_identity`):

- ``role``: the assumed role's session (:func:`accounts.role_sessions.assumed_role_identity`,
  the console's Switch Role builds the same), its policies and boundary limited by the
  session policies, the session tags as ``aws:PrincipalTag/…``, ``aws:SourceIdentity``;
- ``session``: the user's own identity and policies (root: all of its account);
- ``federation``: ``arn:aws:sts::<acct>:federated-user/<name>``, the user's policies
  intersected with the session policies (none given: no permissions, as AWS).

All three are temporary credentials: ``aws:MultiFactorAuthPresent`` is always present,
with ``aws:MultiFactorAuthAge`` when MFA was used, and ``aws:TokenIssueTime``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts import ids, seeds
from accounts.identity import Identity, mfa_keys, principal_identity, request_keys
from accounts.models import Account, Role, SessionCredential, User
from accounts.role_sessions import RoleSession, assumed_role_identity
from policies.authz import PolicySet
from policies.loading import (
    ALLOWS_EVERYTHING,
    ALLOWS_NOTHING,
    compiled,
    load_user_policy_set,
    with_session_policies,
)

from . import sigv4
from .credentials import Resolved
from .errors import ExpiredToken, InvalidClientTokenId

#: ``secrets.token_urlsafe(300)``: 400 characters, as long as AWS's tokens.
TOKEN_BYTES = 300
#: Expired credentials removed each time new ones are issued (a bound on that request's work).
PRUNE_BATCH = 100
_PURPOSE = "session-credential:"


def token_digest(token: str) -> str:
    """What is kept of a session token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Issuing


@dataclass(frozen=True)
class Issued:
    """New credentials: the stored record and the two values only the response carries."""

    record: SessionCredential
    secret: str
    token: str

    def credentials(self) -> dict[str, Any]:
        """STS's ``Credentials`` member."""
        return {"AccessKeyId": self.record.access_key_id, "SecretAccessKey": self.secret,
                "SessionToken": self.token, "Expiration": self.record.expires}


@transaction.atomic
def issue(*, kind: str, account: Account, user: User, seconds: int, role: Role | None = None,
          session_name: str = "", source_identity: str = "", session_policies: Sequence[str] = (),
          tags: Sequence[dict[str, str]] = (), transitive_tag_keys: Sequence[str] = (),
          mfa_authenticated_at: datetime | None = None) -> Issued:
    """Temporary credentials of ``kind`` for ``user`` (the long-term principal behind them),
    acting in ``account``, valid for ``seconds`` from now. The secret and the session token
    are returned once; neither is stored in the clear."""
    prune_expired(PRUNE_BATCH)
    issued = timezone.now().replace(microsecond=0)
    key_id = ids.access_key_id("ASIA", account.account_id)
    secret = ids.secret_access_key()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record = SessionCredential.objects.create(
        access_key_id=key_id, sealed_secret=seeds.seal_text(secret, _PURPOSE + key_id),
        token_digest=token_digest(token), kind=kind, account=account, user=user, role=role,
        session_name=session_name, source_identity=source_identity,
        session_policies=list(session_policies), tags=list(tags),
        transitive_tag_keys=list(transitive_tag_keys), mfa_authenticated_at=mfa_authenticated_at,
        issued=issued, expires=issued + timedelta(seconds=seconds))
    return Issued(record, secret, token)


def prune_expired(limit: int | None = None) -> int:
    """Delete expired credentials (at most ``limit``; None: all, in batches). Returns how many."""
    removed = 0
    while True:
        batch = limit if limit is not None else 1000
        expired = list(SessionCredential.objects.filter(expires__lte=timezone.now())
                       .order_by("expires").values_list("pk", flat=True)[:batch])
        if expired:
            SessionCredential.objects.filter(pk__in=expired).delete()
            removed += len(expired)
        if limit is not None or len(expired) < batch:
            return removed


# ---------------------------------------------------------------------------
# Resolving a signed request's credentials


def may_call_iam(record: SessionCredential) -> bool:
    """GetSessionToken credentials call IAM only when MFA was used; federated users never."""
    if record.kind == SessionCredential.FEDERATION:
        return False
    return record.kind != SessionCredential.SESSION or record.mfa_authenticated_at is not None


def refusal(record: SessionCredential, signed: sigv4.SignedRequest, now: float) -> Exception | None:
    """Why ``record`` cannot sign this request, or None (raised after the signature verified)."""
    token = signed.security_token
    if not token or not hmac.compare_digest(token_digest(token), record.token_digest):
        return InvalidClientTokenId()
    if now >= record.expires.timestamp():
        return ExpiredToken()
    if record.user is None or not record.user.is_active:
        return InvalidClientTokenId()
    if record.role is not None and record.role.account.suspended:  # a class ended: nobody enters
        return InvalidClientTokenId()
    if signed.service == "iam" and not may_call_iam(record):
        return InvalidClientTokenId()
    return None


def resolve_session(signed: sigv4.SignedRequest, request: Any, now: float) -> Resolved | None:
    """``api.credentials.RESOLVERS`` entry: STS's ``ASIA…`` credentials."""
    key_id = signed.access_key_id
    if not key_id.startswith("ASIA"):
        return None
    record = (SessionCredential.objects.select_related("account", "user__account", "role__account__org_member")
              .filter(access_key_id=key_id).first())
    if record is None:
        return None
    return Resolved(secret=seeds.open_text(record.sealed_secret, _PURPOSE + key_id),
                    identity=lambda: session_identity(record, request_keys(request, now, signed.region), now),
                    error=refusal(record, signed, now))


def session_identity(record: SessionCredential, keys: dict[str, Any], now: float) -> Identity:
    """The identity ``record``'s credentials act as, with the request's ``keys`` (module doc)."""
    user = record.user
    own = principal_identity(user, keys)
    mfa_at = record.mfa_authenticated_at.timestamp() if record.mfa_authenticated_at else None
    own.context.update(mfa_keys(mfa_at, now))
    own.context["aws:TokenIssueTime"] = _iso(record.issued)
    if record.source_identity:
        own.context["aws:SourceIdentity"] = record.source_identity
    if record.kind == SessionCredential.ROLE:
        identity = assumed_role_identity(own, role_session(record), session_tags=record.tags,
                                         session_policies=record.session_policies)
    elif record.kind == SessionCredential.FEDERATION:
        identity = federated_identity(own, record)
    else:
        identity = own
    identity.credential = record
    return identity


def role_session(record: SessionCredential) -> RoleSession:
    """The :class:`RoleSession` of role credentials (what the console keeps for a switch)."""
    role = record.role
    return RoleSession(role=role, session_name=record.session_name,
                       display_name=f"{role.name} @ {role.account.signin_slug}", colour="",
                       source_identity=record.user.arn,
                       issued=record.issued.timestamp(), expires=record.expires.timestamp(), chained=False)


def federated_arn(account: Account, name: str) -> str:
    return f"arn:aws:sts::{account.account_id}:federated-user/{name}"


def federated_identity(own: Identity, record: SessionCredential) -> Identity:
    """A GetFederationToken session: the federated user's ARN and keys; the permissions of
    the user who asked for it (root: all of its account) intersected with the session
    policies, and none without them."""
    account, name = record.account, record.session_name
    context = {key: value for key, value in own.context.items() if key != "aws:username"}
    context.update({"aws:userid": f"{account.account_id}:{name}",
                    "aws:PrincipalArn": federated_arn(account, name),
                    "aws:PrincipalType": "FederatedUser"})
    for tag in record.tags:
        context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    identity = Identity(user=own.user, account=account, arn=federated_arn(account, name),
                        principal_type="FederatedUser", context=context)
    user, documents = own.user, tuple(record.session_policies) or (ALLOWS_NOTHING,)
    identity._policy_set = SimpleLazyObject(lambda: with_session_policies(own_policy_set(user), documents))
    return identity


def own_policy_set(user: User) -> PolicySet:
    """The policies of a long-term principal, as a set a session policy can narrow."""
    if user.is_root:
        return PolicySet(identity=[compiled(ALLOWS_EVERYTHING, "root")])
    return load_user_policy_set(user)


def inherited_tags(record: SessionCredential | None) -> tuple[list[dict[str, str]], list[str]]:
    """The transitive session tags a chained AssumeRole carries over, and their keys."""
    if record is None or record.kind != SessionCredential.ROLE:
        return [], []
    keys = {key.lower() for key in record.transitive_tag_keys}
    tags = [tag for tag in record.tags if tag["Key"].lower() in keys]
    return tags, [tag["Key"] for tag in tags]


def merge_tags(first: Iterable[dict[str, str]], then: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """``first`` then the tags of ``then`` whose keys (any case) ``first`` does not have."""
    merged = list(first)
    seen = {tag["Key"].lower() for tag in merged}
    merged += [tag for tag in then if tag["Key"].lower() not in seen]
    return merged
