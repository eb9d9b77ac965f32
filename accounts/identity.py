"""The request's IAM identity: who is calling, in which account, with which context keys.

Built once per request by :class:`accounts.middleware.ConsoleIdentityMiddleware`
and kept as ``request.iam``. The policy set is loaded lazily, on the first
authorisation, by :func:`policies.authz.policy_set_for`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .addresses import client_address
from .models import Account, User

# Session keys written at sign-in (and by MFA / switch role).
SESSION_SIGNED_IN_AT = "iam_signed_in_at"
SESSION_MFA_AT = "iam_mfa_verified_at"


@dataclass
class Identity:
    """The principal of one console request.

    Attributes:
        user: the signed-in root or IAM user (for a role session: the user who assumed it).
        account: the account the principal acts in.
        arn: the caller's ARN as AccessDenied messages show it.
        principal_type: ``Account`` (root), ``User`` or ``AssumedRole``.
        context: the request context keys (``aws:username``, ``aws:MultiFactorAuthPresent``, …).
    """

    user: User
    account: Account
    arn: str
    principal_type: str
    context: dict[str, Any]
    role_session: Any = None
    # The last roles switched to (shown in the identity menu), and, in a role session,
    # the user's own identity that assumed the role (role chaining starts from it).
    role_history: list[dict[str, str]] = field(default_factory=list)
    user_identity: "Identity | None" = field(default=None, repr=False)
    # The STS temporary credentials (accounts.models.SessionCredential) a Query API request
    # was signed with, None for console requests and long-term access keys (api.sessions).
    credential: Any = field(default=None, repr=False)
    _policy_set: Any = field(default=None, repr=False)
    # The account's service control policies, loaded once (policies.authz.account_scps):
    # a one-element tuple once loaded (its element None outside any organization).
    _scps: Any = field(default=None, repr=False)

    @property
    def is_root(self) -> bool:
        return self.principal_type == "Account"

    @property
    def display_name(self) -> str:
        if self.role_session is not None:
            return self.role_session.display_name
        return self.user.display_name

    @property
    def mfa_present(self) -> bool:
        return self.context.get("aws:MultiFactorAuthPresent") == "true"


def request_keys(request: Any, now: float, region: str = "us-east-1") -> dict[str, Any]:
    """The keys of the request itself, whatever its credentials: time, source address,
    transport and region."""
    return {
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:SourceIp": client_address(request),
        "aws:SecureTransport": "true" if request.is_secure() else "false",
        "aws:RequestedRegion": region,
        "aws:ViaAWSService": "false",
    }


def base_context(request: Any, now: float | None = None) -> dict[str, Any]:
    """Context keys every console request has, whoever the principal."""
    now = time.time() if now is None else now
    session = request.session
    context = request_keys(request, now)
    signed_in = session.get(SESSION_SIGNED_IN_AT)
    if signed_in:
        context["aws:TokenIssueTime"] = datetime.fromtimestamp(signed_in, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # A console session is temporary credentials, so the MFA keys are present.
    context.update(mfa_keys(session.get(SESSION_MFA_AT), now))
    return context


def mfa_keys(mfa_at: float | None, now: float) -> dict[str, str]:
    """The MFA keys of temporary credentials (console sessions, STS sessions):
    ``aws:MultiFactorAuthPresent`` always, "false" without MFA (unlike long-term access
    keys, where AWS omits it), and ``aws:MultiFactorAuthAge`` when MFA was used at ``mfa_at``."""
    if not mfa_at:
        return {"aws:MultiFactorAuthPresent": "false"}
    return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(max(0, int(now - mfa_at)))}


def identity_for(request: Any) -> Identity:
    """Build the identity of a signed-in request (root or IAM user; roles extend this)."""
    identity = principal_identity(request.user, base_context(request))
    if identity.is_root:
        return identity
    for hook in IDENTITY_HOOKS:
        identity = hook(request, identity)
    return identity


def principal_identity(user: User, context: dict[str, Any]) -> Identity:
    """The identity of ``user`` itself (root or IAM user) with ``context`` (the request's
    keys) plus the principal's: ``aws:username``, ``aws:userid``, ``aws:PrincipalArn``,
    ``aws:PrincipalAccount``, ``aws:PrincipalType`` and ``aws:PrincipalTag/…``. The console
    and the Query API (access keys) both build on it."""
    account = user.account
    context["aws:PrincipalAccount"] = account.account_id
    if user.is_root:
        context.update({
            "aws:userid": account.account_id,
            "aws:PrincipalArn": account.root_arn,
            "aws:PrincipalType": "Account",
        })
        return Identity(user=user, account=account, arn=account.root_arn, principal_type="Account",
                        context=context)
    context.update({
        "aws:username": user.user_name,
        "aws:userid": user.unique_id,
        "aws:PrincipalArn": user.arn,
        "aws:PrincipalType": "User",
    })
    for tag in user.tag_list:
        context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    return Identity(user=user, account=account, arn=user.arn, principal_type="User", context=context)


# Later layers (role sessions) register functions (request, identity) -> identity here.
IDENTITY_HOOKS: list[Any] = []
