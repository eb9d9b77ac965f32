"""STS over the Query API (2011-06-15): GetCallerIdentity, AssumeRole, GetSessionToken,
GetFederationToken, GetAccessKeyInfo, DecodeAuthorizationMessage.

Temporary credentials are issued and resolved by :mod:`api.sessions` (its resolver is
registered here). Who may assume a role is decided by :func:`accounts.roles.check_assume`,
the same check as the console's Switch Role: the trust policy and the caller's own
policies, with the request's keys (``sts:ExternalId``, ``sts:RoleSessionName``,
``sts:SourceIdentity``, ``aws:RequestTag/…``, MFA). Temporary credentials may call only
some of STS (iam-facts §4.4): GetSessionToken's AssumeRole and GetCallerIdentity, a
federated user's GetCallerIdentity, a role session's all but GetSessionToken and
GetFederationToken; anything else is AWS's "Cannot call … with session credentials".
"""

from __future__ import annotations

import json
import math
import re
import zlib
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts import ids, mfa, tags, validators
from accounts.access_keys import find_access_key
from accounts.models import Account, Role, SessionCredential
from accounts.roles import ROOT_CANNOT_ASSUME, check_assume, denied_message
from iamportal.errors import IAMError, ValidationError
from policies import authz
from policies import services as policy_services

from .. import credentials, sessions
from ..errors import AccessDenied
from ..protocol import constraint, member_name, validation_error
from ..registry import Call, action

if sessions.resolve_session not in credentials.RESOLVERS:
    credentials.RESOLVERS.append(sessions.resolve_session)


class PackedPolicyTooLarge(IAMError):
    code, status = "PackedPolicyTooLarge", 400


class InvalidAuthorizationMessage(IAMError):
    code, status = "InvalidAuthorizationMessageException", 400


# Limits and patterns of STS's model (botocore sts/2011-06-15).
SESSION_NAME_PATTERN = r"[\w+=,.@-]*"
EXTERNAL_ID_PATTERN = r"[\w+=,.@:\/-]*"
SERIAL_PATTERN = r"[\w+=/:,.@-]*"
TOKEN_CODE_PATTERN = r"[\d]*"
ACCESS_KEY_ID_PATTERN = r"[\w]*"
_SESSION_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]*", re.ASCII)
_EXTERNAL_ID_RE = re.compile(r"[A-Za-z0-9_+=,.@:/-]*", re.ASCII)
_SERIAL_RE = re.compile(r"[A-Za-z0-9_+=/:,.@-]*", re.ASCII)
_TOKEN_CODE_RE = re.compile(r"[0-9]*", re.ASCII)
_ACCESS_KEY_ID_RE = re.compile(r"[A-Za-z0-9_]*", re.ASCII)
ARN_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
_ARN_RE = re.compile("[\t\n\r\u0020-\u007e\u0085\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]+")

ROLE_ARN_PREFIX = "arn:aws:iam::"
MIN_DURATION = 900
ROLE_DEFAULT_DURATION = 3600
TOKEN_MAX_DURATION, TOKEN_DEFAULT_DURATION = 129600, 43200
ROOT_MAX_DURATION = 3600  # GetSessionToken / GetFederationToken with the root user's key
CHAINED_MAX_DURATION = 3600
SESSION_POLICY_MAX = 2048  # plaintext characters of the inline session policy
SESSION_POLICY_ARNS_MAX = 10
SESSION_TAGS_MAX = 50
#: What the packed session policies and tags may take, in bytes once compressed (AWS does not
#: publish its packed format; PackedPolicySize is the percentage of this budget used).
PACKED_BUDGET = 2048

MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."
MFA_INCOMPLETE = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
CHAINED_DURATION = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
ROLE_DURATION = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
NOT_AN_ENCODED_MESSAGE = "The message provided is not a valid encoded authorization message."

#: The STS actions each kind of temporary credentials may call (besides GetCallerIdentity).
STS_CALLS_FROM = {
    SessionCredential.SESSION: {"AssumeRole"},
    SessionCredential.FEDERATION: set(),
    SessionCredential.ROLE: {"AssumeRole", "GetAccessKeyInfo", "DecodeAuthorizationMessage"},
}


# ---------------------------------------------------------------------------
# Shared steps


def refuse_session_credentials(call: Call) -> None:
    """AWS's AccessDenied when the call's temporary credentials may not call this action."""
    credential = call.identity.credential
    if credential is not None and call.action not in STS_CALLS_FROM.get(credential.kind, set()):
        raise AccessDenied(f"Cannot call {call.action} with session credentials")


def text_problems(call: Call, name: str, minimum: int, maximum: int, regex: re.Pattern[str] | None = None,
                  pattern: str = "", *, echo: bool = True) -> list[str]:
    """:func:`accounts.validators.text_problems` for the parameter ``name``, if present."""
    value = call.params.get(name)
    if value is None:
        return []
    return validators.text_problems(value, member_name(name), minimum, maximum, regex, pattern, echo=echo)


def mfa_problems(call: Call) -> list[str]:
    return (text_problems(call, "SerialNumber", 9, 256, _SERIAL_RE, SERIAL_PATTERN)
            + text_problems(call, "TokenCode", 6, 6, _TOKEN_CODE_RE, TOKEN_CODE_PATTERN, echo=False))


def verified_mfa(call: Call) -> datetime | None:
    """When the caller's MFA code (``SerialNumber`` + ``TokenCode``) was verified: now, or
    None when neither was passed. A wrong code, or a device that is not the caller's, is
    AWS's AccessDenied; django-otp's throttling and replay guard apply (accounts.mfa)."""
    serial, code = call.params.get("SerialNumber"), call.params.get("TokenCode")
    if serial is None and code is None:
        return None
    if serial is None or code is None:
        raise AccessDenied(MFA_INCOMPLETE)
    device = next((device for device in mfa.devices_for(call.user) if mfa.serial_number(device) == serial), None)
    if device is None or not mfa.verify_code(device, code):
        raise AccessDenied(MFA_FAILED)
    return timezone.now()


def session_tags(call: Call) -> list[dict[str, str]]:
    """``Tags`` (at most 50, IAM's tag rules)."""
    pairs = call.params.tags()
    if len(pairs) > SESSION_TAGS_MAX:
        raise validation_error([constraint("[...]", "Tags", f"Member must have length less than or equal to "
                                                           f"{SESSION_TAGS_MAX}")])
    return validators.validate_tags(pairs)


def session_policies(call: Call, account: Account) -> tuple[list[str], list[str]]:
    """The documents of ``Policy`` and ``PolicyArns`` (managed policies ``account`` can
    attach), and the ARNs. A malformed ``Policy`` is ``MalformedPolicyDocument``."""
    arns = [item.get("arn", "") for item in call.params.structs("PolicyArns", ("arn",))]
    problems = text_problems(call, "Policy", 1, SESSION_POLICY_MAX, echo=False)
    if len(arns) > SESSION_POLICY_ARNS_MAX:
        problems.append(constraint("[...]", "PolicyArns",
                                   f"Member must have length less than or equal to {SESSION_POLICY_ARNS_MAX}"))
    for index, arn in enumerate(arns, start=1):
        problems += validators.text_problems(arn, f"policyArns.{index}.member.arn", 20, 2048, _ARN_RE, ARN_PATTERN)
    validators.raise_problems(problems)
    documents = []
    policy = call.params.get("Policy")
    if policy is not None:
        policy_services.check_document(policy, max_size=0)
        documents.append(policy)
    for arn in arns:
        managed = policy_services.get_attachable_policy(account, arn)
        documents.append(policy_services.default_version(managed).document)
    return documents, arns


def transitive_tag_keys(call: Call, requested_tags: list[dict[str, str]]) -> list[str]:
    """``TransitiveTagKeys``: each must be the key of one of ``Tags``."""
    transitive = call.params.list("TransitiveTagKeys")
    keys = {tag["Key"].lower() for tag in requested_tags}
    stray = [key for key in transitive if key.lower() not in keys]
    if stray:
        raise validation_error([constraint(stray[0], "TransitiveTagKeys", "Member must be the key of a tag in tags")])
    return transitive


def packed_policy_size(call: Call, arns: list[str], tag_list: list[dict[str, str]]) -> int | None:
    """``PackedPolicySize``: the percentage of the packed budget the session policies and tags
    use (None when the call passed neither); over 100 is ``PackedPolicyTooLarge``."""
    policy = call.params.get("Policy")
    if policy is None and not arns and not tag_list:
        return None
    minified = json.dumps(json.loads(policy), separators=(",", ":")) if policy is not None else ""
    packed = zlib.compress(json.dumps([minified, arns, tag_list], separators=(",", ":")).encode(), 9)
    size = math.ceil(100 * len(packed) / PACKED_BUDGET)
    if size > 100:
        raise PackedPolicyTooLarge(f"Packed policy consumes {size}% of allotted space, please use smaller policy.")
    return size


def duration(call: Call, default: int, maximum: int) -> int:
    return call.params.int("DurationSeconds", default=default, minimum=MIN_DURATION, maximum=maximum)


# ---------------------------------------------------------------------------
# Actions


@action("sts", "GetCallerIdentity")
def get_caller_identity(call: Call) -> dict:
    """Needs no permission and cannot be denied; works for every kind of credentials."""
    identity = call.identity
    return {"UserId": identity.context.get("aws:userid", ""), "Account": identity.account.account_id,
            "Arn": identity.arn}


def find_role(identity: Any, role_arn: str) -> Role:
    """The role ``role_arn`` names, in any account; AWS's AccessDenied when there is none,
    so that roles cannot be probed."""
    account_id, _, resource = role_arn.removeprefix(ROLE_ARN_PREFIX).partition(":")
    path, _, name = resource.removeprefix("role").rpartition("/")
    role = None
    if (role_arn.startswith(ROLE_ARN_PREFIX) and len(account_id) == 12 and account_id.isdigit()
            and resource.startswith("role/") and name):
        role = (Role.objects.select_related("account").filter(
            account__account_id=account_id, path=f"{path}/", name__iexact=name).first())
    if role is None:
        raise AccessDenied(denied_message(identity.arn, role_arn))
    return role


def assume_context(call: Call, requested_tags: list[dict[str, str]], mfa_at: datetime | None) -> dict[str, Any]:
    """The keys AssumeRole's request adds to the caller's for the trust policy."""
    params = call.params
    context: dict[str, Any] = {"sts:RoleSessionName": params.get("RoleSessionName")}
    if params.get("ExternalId") is not None:
        context["sts:ExternalId"] = params.get("ExternalId")
    if params.get("SourceIdentity") is not None:
        context["sts:SourceIdentity"] = params.get("SourceIdentity")
    context.update(tags.tag_context([(tag["Key"], tag["Value"]) for tag in requested_tags]))
    if params.list("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = params.list("TransitiveTagKeys")
    if mfa_at is not None:
        context.update({"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "0"})
    return context


def authorize_assume(call: Call, role: Role, context: dict[str, Any]) -> None:
    """``sts:AssumeRole`` (and ``sts:TagSession`` with tags, ``sts:SetSourceIdentity`` with a
    source identity) as the console's Switch Role decides it: trust policy and own policies."""
    identity = call.identity
    needed = ["sts:AssumeRole"]
    if "aws:TagKeys" in context:
        needed.append("sts:TagSession")
    if "sts:SourceIdentity" in context:
        needed.append("sts:SetSourceIdentity")
    for name in needed:
        if not check_assume(identity, role, action=name, context=context).allowed:
            raise AccessDenied(denied_message(identity.arn, role.arn, name))


@action("sts", "AssumeRole")
def assume_role(call: Call) -> dict:
    params = call.params
    params.require("RoleArn", "RoleSessionName")
    problems = (text_problems(call, "RoleArn", 20, 2048, _ARN_RE, ARN_PATTERN)
                + text_problems(call, "RoleSessionName", 2, 64, _SESSION_NAME_RE, SESSION_NAME_PATTERN)
                + text_problems(call, "ExternalId", 2, 1224, _EXTERNAL_ID_RE, EXTERNAL_ID_PATTERN)
                + text_problems(call, "SourceIdentity", 2, 256, _SESSION_NAME_RE, SESSION_NAME_PATTERN)
                + mfa_problems(call))
    validators.raise_problems(problems)
    seconds = duration(call, ROLE_DEFAULT_DURATION, 43200)
    requested_tags = session_tags(call)
    transitive = transitive_tag_keys(call, requested_tags)
    refuse_session_credentials(call)
    identity = call.identity
    if identity.is_root:
        raise AccessDenied(ROOT_CANNOT_ASSUME)
    role = find_role(identity, params.get("RoleArn"))
    mfa_at = verified_mfa(call)
    authorize_assume(call, role, assume_context(call, requested_tags, mfa_at))
    current = identity.credential if identity.principal_type == "AssumedRole" else None
    if current is not None and seconds > CHAINED_MAX_DURATION:
        raise ValidationError(CHAINED_DURATION)
    if seconds > role.max_session_duration:
        raise ValidationError(ROLE_DURATION)
    documents, arns = session_policies(call, role.account)
    packed = packed_policy_size(call, arns, requested_tags)
    inherited, inherited_keys = sessions.inherited_tags(current)
    source_identity = (current.source_identity if current is not None and current.source_identity
                       else params.get("SourceIdentity", ""))
    if mfa_at is None and identity.credential is not None:
        mfa_at = identity.credential.mfa_authenticated_at
    issued = sessions.issue(
        kind=SessionCredential.ROLE, account=role.account, user=call.user, role=role, seconds=seconds,
        session_name=params.get("RoleSessionName"), source_identity=source_identity,
        session_policies=documents, tags=sessions.merge_tags(inherited, requested_tags),
        transitive_tag_keys=[*inherited_keys, *transitive], mfa_authenticated_at=mfa_at)
    Role.objects.filter(pk=role.pk).update(last_used=issued.record.issued)
    session_name = params.get("RoleSessionName")
    return {"Credentials": issued.credentials(),
            "AssumedRoleUser": {"Arn": role.session_arn(session_name),
                                "AssumedRoleId": f"{role.unique_id}:{session_name}"},
            "PackedPolicySize": packed, "SourceIdentity": source_identity or None}


def refuse_explicit_deny(call: Call, name: str, resource: str = "*") -> None:
    """Actions that need no permission (GetSessionToken) but an explicit deny still refuses."""
    auth = authz.authorize(call.request, name, resource)
    if auth.decision == "explicitDeny":
        raise authz.ActionDenied(auth)


@action("sts", "GetSessionToken")
def get_session_token(call: Call) -> dict:
    validators.raise_problems(mfa_problems(call))
    seconds = duration(call, TOKEN_DEFAULT_DURATION if not call.user.is_root else ROOT_MAX_DURATION,
                       TOKEN_MAX_DURATION)
    refuse_session_credentials(call)
    refuse_explicit_deny(call, "sts:GetSessionToken")
    mfa_at = verified_mfa(call)
    if call.user.is_root:
        seconds = min(seconds, ROOT_MAX_DURATION)
    issued = sessions.issue(kind=SessionCredential.SESSION, account=call.account, user=call.user,
                            seconds=seconds, mfa_authenticated_at=mfa_at)
    return {"Credentials": issued.credentials()}


@action("sts", "GetFederationToken")
def get_federation_token(call: Call) -> dict:
    params = call.params
    params.require("Name")
    validators.raise_problems(text_problems(call, "Name", 2, 32, _SESSION_NAME_RE, SESSION_NAME_PATTERN))
    seconds = duration(call, TOKEN_DEFAULT_DURATION, TOKEN_MAX_DURATION)
    requested_tags = session_tags(call)
    refuse_session_credentials(call)
    name = params.get("Name")
    arn = sessions.federated_arn(call.account, name)
    requested = tags.tag_context([(tag["Key"], tag["Value"]) for tag in requested_tags])
    call.authorize_all([("sts:GetFederationToken", arn, requested),
                        *([("sts:TagSession", arn, requested)] if requested_tags else [])])
    documents, arns = session_policies(call, call.account)
    packed = packed_policy_size(call, arns, requested_tags)
    if call.user.is_root:
        seconds = min(seconds, ROOT_MAX_DURATION)
    issued = sessions.issue(kind=SessionCredential.FEDERATION, account=call.account, user=call.user,
                            seconds=seconds, session_name=name, session_policies=documents, tags=requested_tags)
    return {"Credentials": issued.credentials(),
            "FederatedUser": {"FederatedUserId": f"{call.account.account_id}:{name}", "Arn": arn},
            "PackedPolicySize": packed}


@action("sts", "GetAccessKeyInfo")
def get_access_key_info(call: Call) -> dict:
    """The account an access key id belongs to, read from the id itself (AWS's encoding,
    accounts.ids); test mode's ``FOOBARKEY``, which encodes nothing, is looked up."""
    call.params.require("AccessKeyId")
    key_id = call.params.get("AccessKeyId")
    validators.raise_problems(text_problems(call, "AccessKeyId", 16, 128, _ACCESS_KEY_ID_RE,
                                            ACCESS_KEY_ID_PATTERN))
    refuse_session_credentials(call)
    call.authorize("sts:GetAccessKeyInfo", "*")
    account = ids.account_of_key(key_id)
    if account is None:
        key = find_access_key(key_id)
        if key is None:
            raise validation_error([constraint(key_id, "AccessKeyId", "Member must be a valid access key ID")])
        account = key.user.account.account_id
    return {"Account": account}


@action("sts", "DecodeAuthorizationMessage")
def decode_authorization_message(call: Call) -> dict:
    """The portal's AccessDenied messages are never encoded (as IAM's and STS's are not), so
    no message is one of ours: AWS's InvalidAuthorizationMessageException, once authorised."""
    call.params.require("EncodedMessage")
    validators.raise_problems(text_problems(call, "EncodedMessage", 1, 10240, echo=False))
    refuse_session_credentials(call)
    call.authorize("sts:DecodeAuthorizationMessage", "*")
    raise InvalidAuthorizationMessage(NOT_AN_ENCODED_MESSAGE)
