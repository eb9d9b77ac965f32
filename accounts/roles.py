"""Role services: create, update and delete roles; trust policies per trusted-entity type;
who may assume a role; switch role, role chaining and switch back.

Views, the create-role wizard, the demo loader and tests call these keyword-only,
atomic functions. They enforce IAM's rules (iam-facts §1.1, §1.2, §4.4, §8.3, §11)
and raise :mod:`iamportal.errors` in AWS's words.

Who may assume a role (iam-facts §4.4) is decided by the policy engine, twice:

1. the role's trust policy, as a resource-based policy, with the caller's ARN as the
   principal and the caller's request context (so ``aws:MultiFactorAuthPresent`` works);
2. the caller's own policy set (user policies, or for role chaining the current role's),
   which must *also* allow ``sts:AssumeRole`` on the role ARN when the trust policy only
   names the account (``arn:aws:iam::<acct>:root``) or the role is in another account.

An explicit deny in either wins. The root user can never assume a role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from iamportal.errors import (
    IAMError,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    UnmodifiableEntity,
    ValidationError,
)

from . import dependents, quotas, validators
from .models import Account, InstanceProfile, Role
from .services import get_named, lock_account_quota, refuse_taken_name, save_new

# ---------------------------------------------------------------------------
# Limits and messages

TRUST_POLICY_SIZE = 2048  # AssumeRolePolicySizeQuota: non-whitespace characters (§1.3)
INSTANCE_PROFILES_PER_ACCOUNT = 1000
ROLE_INLINE_POLICY_SIZE = 10240  # RolePolicySizeQuota, the sum of a role's inline policies
CHAINED_SESSION_SECONDS = 3600  # role chaining is capped at one hour (§4.4)
CONSOLE_SESSION_SECONDS = 43200  # an IAM user's console session lasts 12 hours (§8.7)
SWITCH_ROLE_NAME_MAX = 64  # Path + RoleName for console Switch Role (cookie limit, §1.1)
SERVICE_ROLE_PATH = "/aws-service-role/"  # service-linked roles: /aws-service-role/<service>/

ROOT_CANNOT_ASSUME = "Roles may not be assumed by root accounts."
#: A role of an account its organization suspended (a class ended with its accounts disabled).
ACCOUNT_SUSPENDED = "The account that owns the role is suspended."
INVALID_SWITCH_INFORMATION = (
    "Invalid information in one or more fields. Check your information or contact your administrator."
)

DESCRIPTION_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"
_DESCRIPTION_RE = re.compile(DESCRIPTION_PATTERN)
_SESSION_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]*", re.ASCII)
_ACCOUNT_ID_RE = re.compile(r"\d{12}")


class AccessDenied(IAMError):
    """STS refused the AssumeRole call (HTTP 403), in AWS's words.

    ``explanation`` says which of the checks failed, in plain words for learners
    (AWS itself does not say; the console shows only the message).
    """

    code, status = "AccessDenied", 403

    def __init__(self, message: str, explanation: str = "") -> None:
        super().__init__(message)
        self.explanation = explanation


# ---------------------------------------------------------------------------
# Trust policies per trusted-entity type (iam-facts §8.3)


@dataclass(frozen=True)
class ServiceUseCase:
    """A use case on the "AWS service" tile: the service principal the role will trust."""

    key: str
    label: str
    principal: str
    description: str


SERVICE_USE_CASES: tuple[ServiceUseCase, ...] = (
    ServiceUseCase("ec2", "EC2", "ec2.amazonaws.com",
                   "Allows EC2 instances to call AWS services on your behalf."),
    ServiceUseCase("lambda", "Lambda", "lambda.amazonaws.com",
                   "Allows Lambda functions to call AWS services on your behalf."),
    ServiceUseCase("ecs-tasks", "Elastic Container Service Task", "ecs-tasks.amazonaws.com",
                   "Allows ECS tasks to call AWS services on your behalf."),
    ServiceUseCase("apigateway", "API Gateway", "apigateway.amazonaws.com",
                   "Allows API Gateway to push logs to CloudWatch Logs."),
    ServiceUseCase("states", "Step Functions", "states.amazonaws.com",
                   "Allows Step Functions to access AWS resources on your behalf."),
    ServiceUseCase("glue", "Glue", "glue.amazonaws.com",
                   "Allows Glue to call AWS services on your behalf."),
    ServiceUseCase("codebuild", "CodeBuild", "codebuild.amazonaws.com",
                   "Allows CodeBuild to call AWS services on your behalf."),
    ServiceUseCase("cloudformation", "CloudFormation", "cloudformation.amazonaws.com",
                   "Allows CloudFormation to create and manage AWS stacks and resources on your behalf."),
    ServiceUseCase("events", "EventBridge", "events.amazonaws.com",
                   "Allows EventBridge to call AWS services on your behalf."),
    ServiceUseCase("sagemaker", "SageMaker", "sagemaker.amazonaws.com",
                   "Allows SageMaker to call AWS services on your behalf."),
    ServiceUseCase("ssm", "Systems Manager", "ssm.amazonaws.com",
                   "Allows Systems Manager to call AWS services on your behalf."),
    ServiceUseCase("rds-monitoring", "RDS - Enhanced Monitoring", "monitoring.rds.amazonaws.com",
                   "Allows RDS to send Enhanced Monitoring metrics to CloudWatch Logs."),
)
USE_CASES_BY_KEY = {case.key: case for case in SERVICE_USE_CASES}


@dataclass(frozen=True)
class WebIdentityProvider:
    """An identity provider on the "Web identity" tile and its audience condition key."""

    key: str
    label: str
    principal: str
    audience_key: str
    audience_label: str


WEB_IDENTITY_PROVIDERS: tuple[WebIdentityProvider, ...] = (
    WebIdentityProvider("cognito", "Amazon Cognito", "cognito-identity.amazonaws.com",
                        "cognito-identity.amazonaws.com:aud", "Identity pool ID"),
    WebIdentityProvider("amazon", "Login with Amazon", "www.amazon.com", "www.amazon.com:app_id",
                        "Application ID"),
    WebIdentityProvider("facebook", "Facebook", "graph.facebook.com", "graph.facebook.com:app_id",
                        "Application ID"),
    WebIdentityProvider("google", "Google", "accounts.google.com", "accounts.google.com:aud", "Audience"),
)
PROVIDERS_BY_KEY = {provider.key: provider for provider in WEB_IDENTITY_PROVIDERS}

SAML_CONSOLE_AUDIENCE = "https://signin.aws.amazon.com/saml"
SAML_ATTRIBUTES = ("SAML:aud", "SAML:iss", "SAML:sub", "SAML:sub_type", "SAML:eduPersonOrgDN")

# The Custom trust policy tile's starting point; Principal is left for the author to fill.
CUSTOM_TRUST_TEMPLATE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Statement1", "Effect": "Allow", "Principal": {}, "Action": "sts:AssumeRole"},
    ],
}


def render_policy(document: dict[str, Any]) -> str:
    """A policy as the console's JSON editor shows it (4-space indent, AWS's key order)."""
    return json.dumps(document, indent=4)


def service_trust_policy(principal: str) -> str:
    """AWS service tile: ``{"Service": ["ec2.amazonaws.com"]}`` may call sts:AssumeRole."""
    return render_policy({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": [principal]}},
        ],
    })


def account_trust_policy(account_id: str, *, external_id: str = "", require_mfa: bool = False) -> str:
    """AWS account tile: the whole account may assume (its identities still need
    sts:AssumeRole in their own policies); options add the external-ID and MFA conditions."""
    condition: dict[str, Any] = {}
    if external_id:
        condition["StringEquals"] = {"sts:ExternalId": external_id}
    if require_mfa:
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    return render_policy({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
             "Action": "sts:AssumeRole", "Condition": condition},
        ],
    })


def web_identity_trust_policy(provider: WebIdentityProvider, audience: str) -> str:
    """Web identity tile: users signed in with ``provider`` for ``audience`` may assume."""
    condition: dict[str, Any] = {"StringEquals": {provider.audience_key: audience}}
    if provider.key == "cognito":
        # Cognito's generated policy also limits the role to authenticated identities.
        condition["ForAnyValue:StringLike"] = {"cognito-identity.amazonaws.com:amr": "authenticated"}
    return render_policy({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": provider.principal},
             "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition},
        ],
    })


def saml_trust_policy(account_id: str, provider_name: str, *, console_access: bool = True,
                      attribute: str = "", value: str = "") -> str:
    """SAML 2.0 federation tile. Console access fixes ``SAML:aud`` to AWS's sign-in
    endpoint; programmatic-only access conditions on the chosen attribute instead."""
    if console_access:
        condition = {"StringEquals": {"SAML:aud": SAML_CONSOLE_AUDIENCE}}
    else:
        condition = {"StringEquals": {attribute: value}}
    return render_policy({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{account_id}:saml-provider/{provider_name}"},
             "Action": "sts:AssumeRoleWithSAML", "Condition": condition},
        ],
    })


def custom_trust_template() -> str:
    return render_policy(CUSTOM_TRUST_TEMPLATE)


# ---------------------------------------------------------------------------
# Reading trust policies


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def trusted_entities(trust_policy: str) -> list[str]:
    """What the role list's "Trusted entities" column says, e.g. ``AWS Service: ec2``,
    ``Account: 123456789012``, ``Identity Provider: accounts.google.com``."""
    try:
        document = json.loads(trust_policy)
    except (TypeError, ValueError):
        return []
    if not isinstance(document, dict):
        return []
    entities: list[str] = []
    for statement in _as_list(document.get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if principal == "*":
            entities.append("Everyone: *")
            continue
        if not isinstance(principal, dict):
            continue
        for value in _as_list(principal.get("Service")):
            entities.append(f"AWS Service: {str(value).removesuffix('.amazonaws.com')}")
        for value in _as_list(principal.get("AWS")):
            value = str(value)
            match = re.fullmatch(r"arn:aws:iam::(\d{12}):root|(\d{12})", value)
            if match:
                entities.append(f"Account: {match.group(1) or match.group(2)}")
            else:
                entities.append(f"AWS: {value}")
        for value in _as_list(principal.get("Federated")):
            entities.append(f"Identity Provider: {value}")
    return list(dict.fromkeys(entities))


def trusts_service(trust_policy: str, service: str) -> bool:
    """Whether an Allow statement of the trust policy names ``service`` as a principal."""
    return f"AWS Service: {service.removesuffix('.amazonaws.com')}" in trusted_entities(trust_policy)


# ---------------------------------------------------------------------------
# Validation


def _description_problems(description: str) -> list[str]:
    problems = []
    if len(description) > 1000:
        problems.append(validators._constraint(description, "description",
                                    "Member must have length less than or equal to 1000"))
    if not _DESCRIPTION_RE.fullmatch(description):
        problems.append(validators._constraint(description, "description",
                                    f"Member must satisfy regular expression pattern: {DESCRIPTION_PATTERN}"))
    return problems


def _duration_problems(seconds: int) -> list[str]:
    if seconds < Role.MIN_SESSION_DURATION:
        return [validators._constraint(str(seconds), "maxSessionDuration",
                            f"Member must have value greater than or equal to {Role.MIN_SESSION_DURATION}")]
    if seconds > Role.MAX_SESSION_DURATION:
        return [validators._constraint(str(seconds), "maxSessionDuration",
                            f"Member must have value less than or equal to {Role.MAX_SESSION_DURATION}")]
    return []


def validate_description(description: str) -> None:
    """A role description: at most 1000 characters of IAM's role-description charset."""
    validators._raise(_description_problems(description))


def validate_max_session_duration(seconds: int) -> None:
    """MaxSessionDuration: 3600..43200 seconds (1 to 12 hours)."""
    validators._raise(_duration_problems(seconds))


def non_whitespace_length(text: str) -> int:
    """How IAM measures policy size: characters other than whitespace."""
    return sum(1 for ch in text if not ch.isspace())


def trust_policy_findings(text: str) -> list[Any]:
    """Every finding of the engine's validator for a trust policy (kind ``trust``), with
    the trust policy size quota applied. Findings carry level, message and location."""
    from policies.engine import validate

    return list(validate(text, kind="trust", max_size=TRUST_POLICY_SIZE))


def check_trust_policy(text: str, member: str = "assumeRolePolicyDocument") -> list[Any]:
    """Raise IAM's error if ``text`` cannot be a trust policy; return the other findings.

    Not a document parameter at all (empty, over 131,072 characters, characters outside
    IAM's pattern) is ``ValidationError`` about ``member`` (CreateRole's
    ``assumeRolePolicyDocument``, UpdateAssumeRolePolicy's ``policyDocument``). Size over
    the quota is ``LimitExceeded`` (``Cannot exceed quota for ACLSizePerRole: 2048``); any
    ERROR finding is ``MalformedPolicyDocument`` with IAM's message for it.
    """
    from policies.services import _check_wire  # policies.services imports this module

    if not text or not text.strip():
        raise ValidationError(validators._constraint("", member, "Member must have length greater than or equal to 1"))
    _check_wire(text, member)
    findings = trust_policy_findings(text)
    # IAM's own errors only (``blocking``): Access Analyzer's ERROR findings don't refuse.
    errors = [finding for finding in findings if finding.level == "ERROR" and finding.blocking]
    for finding in errors:
        if finding.code == "POLICY_SIZE_EXCEEDED":
            raise LimitExceeded(finding.message)
    if errors:
        raise MalformedPolicyDocument(errors[0].message)
    return [finding for finding in findings if not finding.blocking]


def split_role_reference(value: str) -> tuple[str, str]:
    """``division/Cashier`` or ``/division/Cashier`` → (``/division/``, ``Cashier``):
    the console's Switch Role field takes the role name with its path, if any."""
    value = value.strip().strip("/") if value.strip() != "/" else ""
    if "/" in value:
        path, _, name = value.rpartition("/")
        return f"/{path}/", name
    return "/", value


# ---------------------------------------------------------------------------
# Roles: create, read, update, delete


def get_role(account: Account, name: str) -> Role:
    """A role of ``account`` by name (case-insensitive), or IAM's ``NoSuchEntity``."""
    return get_named(Role.objects.for_account(account).select_related("account"), name, kind="role",
                     maximum=quotas.ROLE_NAME_MAX)


def check_new_role_name(account: Account, name: str, path: str = "/") -> None:
    """Raise unless ``name`` (and ``path``) could name a new role of ``account``."""
    validators.validate_name_and_path(name, "roleName", quotas.ROLE_NAME_MAX, path)
    refuse_taken_name(Role.objects.for_account(account), name, kind="Role")


@transaction.atomic
def create_role(
    account: Account,
    *,
    name: str,
    trust_policy: str,
    path: str = "/",
    description: str = "",
    max_session_duration: int = Role.MIN_SESSION_DURATION,
    tags: Iterable[tuple[str, str]] = (),
    policy_arns: Sequence[str] = (),
    boundary_arn: str = "",
    instance_profile: bool = True,
    service_linked: bool = False,
) -> Role:
    """CreateRole (+ AttachRolePolicy for ``policy_arns``, PutRolePermissionsBoundary for
    ``boundary_arn``, TagRole) in one transaction. The caller authorises those actions.

    With ``instance_profile`` (the console), a role trusting ``ec2.amazonaws.com`` also
    gets an instance profile of the same name, as the console creates one; the API's
    CreateRole makes none. ``service_linked`` is for
    :func:`accounts.service_linked_roles.create_service_linked_role` alone: only such a
    role may have a path under ``/aws-service-role/``.
    """
    problems = validators.name_and_path_problems(name, "roleName", quotas.ROLE_NAME_MAX, path)
    problems += _description_problems(description)
    problems += _duration_problems(max_session_duration)
    validators._raise(problems)
    if path.startswith(SERVICE_ROLE_PATH) and not service_linked:
        raise InvalidInput(f"Path prefix '{SERVICE_ROLE_PATH}' can only be used for AWS Service linked Roles")
    tag_list = validators.validate_tags(tags)
    check_trust_policy(trust_policy)
    refuse_taken_name(Role.objects.for_account(account), name, kind="Role")
    lock_account_quota(account, Role.objects.for_account(account), "RolesPerAccount",
                       quotas.ROLES_PER_ACCOUNT)
    role = Role(account=account, name=name, path=path, description=description, trust_policy=trust_policy,
                max_session_duration=max_session_duration, tags=tag_list, service_linked=service_linked)
    save_new(role, f"Role with name {name} already exists.")
    if instance_profile and trusts_service(trust_policy, "ec2.amazonaws.com"):
        _create_instance_profile_for(role)
    if policy_arns or boundary_arn:
        from policies import services as policy_services  # policies.services imports this module

        for arn in policy_arns:
            policy_services.attach_role_policy(role, policy_arn=arn)
        if boundary_arn:
            policy_services.put_role_permissions_boundary(role, policy_arn=boundary_arn)
    return role


def _create_instance_profile_for(role: Role) -> InstanceProfile | None:
    """The console's companion instance profile: same name and path, holding the role."""
    existing = InstanceProfile.objects.filter(account=role.account, name__iexact=role.name).first()
    if existing is not None:
        if existing.role_id is None:
            existing.role = role
            existing.save(update_fields=["role"])
            return existing
        return None  # taken by another role: IAM allows one role per profile
    if InstanceProfile.objects.filter(account=role.account).count() >= INSTANCE_PROFILES_PER_ACCOUNT:
        raise LimitExceeded(f"Cannot exceed quota for InstanceProfilesPerAccount: {INSTANCE_PROFILES_PER_ACCOUNT}")
    return InstanceProfile.objects.create(account=role.account, name=role.name, path=role.path, role=role)


def refuse_protected(role: Role) -> None:
    """``UnmodifiableEntity`` in AWS's words for a service-linked role: its service owns its
    trust policy, its session duration and its deletion (DeleteServiceLinkedRole)."""
    if role.service_linked:
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}' - this role is only modifiable by AWS")


@transaction.atomic
def update_role(role: Role, *, description: str | None = None, max_session_duration: int | None = None) -> None:
    """UpdateRole: the description and the maximum session duration (1 to 12 hours); a
    service-linked role's description only."""
    if max_session_duration is not None and max_session_duration != role.max_session_duration:
        refuse_protected(role)
    problems: list[str] = []
    fields = []
    if description is not None:
        problems += _description_problems(description)
        role.description = description
        fields.append("description")
    if max_session_duration is not None:
        problems += _duration_problems(max_session_duration)
        role.max_session_duration = max_session_duration
        fields.append("max_session_duration")
    validators._raise(problems)
    if fields:
        role.save(update_fields=fields)


@transaction.atomic
def update_trust_policy(role: Role, trust_policy: str) -> list[Any]:
    """UpdateAssumeRolePolicy; returns the validator's non-error findings."""
    refuse_protected(role)
    findings = check_trust_policy(trust_policy, "policyDocument")
    role.trust_policy = trust_policy
    role.save(update_fields=["trust_policy"])
    return findings


@transaction.atomic
def delete_role_plan(role: Role) -> dependents.DeletePlan:
    """What the console's delete of ``role`` removes first, and the IAM calls it stands for."""
    return dependents.ROLES.plan(role, ("iam:DeleteRole", role.arn, dependents.on(role)))


def delete_role(role: Role, *, remove_dependents: bool,
                authorize: Callable[[list[dependents.Call]], None] | None = None) -> None:
    """DeleteRole. With ``remove_dependents`` it does the console's clean-up first (detach
    and delete policies, remove the role from instance profiles and delete its own instance
    profile), each an IAM call given to ``authorize`` before anything changes; without, it
    refuses with ``DeleteConflict``. A service-linked role is ``UnmodifiableEntity``
    (its service deletes it: DeleteServiceLinkedRole)."""
    refuse_protected(role)
    dependents.delete_with_dependents(role, dependents.ROLES, ("iam:DeleteRole", role.arn, dependents.on(role)),
                                      remove_dependents=remove_dependents, authorize=authorize)


# ---------------------------------------------------------------------------
# Assume role (switch role) and role chaining


@dataclass(frozen=True)
class RoleGrant:
    """A successful AssumeRole: the role and the session's name, times and origin.

    Attributes:
        role: the assumed role.
        session_name: the RoleSessionName (the console uses the IAM user's name).
        issued: epoch seconds when the session began (``aws:TokenIssueTime``).
        expires: epoch seconds when it ends.
        chained: whether a role session assumed it (role chaining, one hour at most).
        source_identity: the ARN of the IAM user behind the session (kept through chains).
    """

    role: Role
    session_name: str
    issued: float
    expires: float
    chained: bool
    source_identity: str

    @property
    def arn(self) -> str:
        return self.role.session_arn(self.session_name)


@dataclass
class AssumeCheck:
    """Whether an AssumeRole is allowed, the engine's decision, and why not in plain words."""

    allowed: bool
    decision: Any = None
    reasons: list[str] = field(default_factory=list)


def resolve_account(reference: str) -> Account | None:
    """The account a Switch Role form names by 12-digit id or alias."""
    return Account.objects.for_signin(reference)


def session_name_for(user_name: str) -> str:
    """The console's RoleSessionName: the user's name (2-64 of ``[\\w+=,.@-]``).

    A one-character user name is padded with ``-`` to reach the minimum length of 2.
    """
    name = (user_name or "session")[:64]
    if not _SESSION_NAME_RE.fullmatch(name):
        name = re.sub(r"[^A-Za-z0-9_+=,.@-]", "-", name)
    return name.ljust(2, "-")


def denied_message(caller_arn: str, role_arn: str, action: str = "sts:AssumeRole") -> str:
    """STS's AccessDenied for a refused AssumeRole (or its ``sts:TagSession``, …)."""
    return f"User: {caller_arn} is not authorized to perform: {action} on resource: {role_arn}"


NO_SUCH_ROLE = "No role with that name exists in that account."
#: Why a switch into another account was refused: the same words whatever the reason (#9 M5).
CROSS_ACCOUNT_EXPLANATION = (
    "The role is in another account. AWS answers the same AccessDenied whether the role does "
    "not exist, its trust policy does not let you in (it may require an external ID or MFA), "
    "or your own policies do not allow sts:AssumeRole on it, so that account's roles cannot be "
    "probed from outside. Ask its administrator which applies.")


def _assume_denied(identity: Any, account_id: str, path: str, name: str, explanation: str,
                   role: Role | None = None) -> AccessDenied:
    """AccessDenied for a refused switch. In the caller's own account ``explanation`` says
    which check failed; in another account the answer is AWS's single AccessDenied, the
    same bytes whether the role exists, is missing, or needs an external ID or MFA: the
    ARN is built from what was typed (not the stored name's case) and the explanation is
    :data:`CROSS_ACCOUNT_EXPLANATION`."""
    if account_id == identity.account.account_id:
        arn = role.arn if role is not None else f"arn:aws:iam::{account_id}:role{path}{name}"
        return AccessDenied(denied_message(identity.arn, arn), explanation)
    arn = f"arn:aws:iam::{account_id}:role{path}{name}"
    return AccessDenied(denied_message(identity.arn, arn), CROSS_ACCOUNT_EXPLANATION)


def _policy_set(identity: Any) -> Any:
    from policies.authz import policy_set_for

    return policy_set_for(identity)


def check_assume(identity: Any, role: Role, *, action: str = "sts:AssumeRole",
                 context: dict[str, Any] | None = None) -> AssumeCheck:
    """Evaluate whether ``identity`` may assume ``role`` (``action``: or tag the session,
    ``sts:TagSession``, or set its source identity, ``sts:SetSourceIdentity``), with the
    request's ``context`` keys (``sts:ExternalId``, ``aws:RequestTag/…``, …) besides the caller's.

    One engine call: the trust policy as the resource policy, the caller's own policy
    set (identity policies, boundary, session policies) as the identity side. The engine
    applies IAM's rule for role trust: the trust policy must allow the caller; when it
    names the caller itself (or its role, same account) that suffices, when it names
    only the account, or the role is in another account, the caller's own policies must
    also allow ``sts:AssumeRole`` on the role; any explicit deny wins.
    """
    from policies.engine import Policy, PolicyError, Request, evaluate

    if identity.is_root:
        return AssumeCheck(False, reasons=[ROOT_CANNOT_ASSUME])
    if role.account.suspended:
        return AssumeCheck(False, reasons=[ACCOUNT_SUSPENDED])
    try:
        trust = Policy.from_json(role.trust_policy, name=f"{role.name} trust policy", kind="trust", max_size=0)
    except PolicyError:
        return AssumeCheck(False, reasons=["The role's trust policy is not valid, so it trusts no one."])
    from policies.authz import account_org_keys, scps_for

    policy_set = _policy_set(identity)
    # The role is the resource: its account's organization keys (a data perimeter's
    # aws:ResourceOrgID), then the caller's, then the request's own keys.
    request = Request(action=action, resource=role.arn, principal=identity.arn,
                      context={**account_org_keys(identity, role.account), **identity.context,
                               **(context or {})})
    # The caller's service control policies limit sts:AssumeRole like any other call.
    decision = evaluate(request, identity=list(policy_set.identity), boundary=policy_set.boundary,
                        session=policy_set.session or None, resource=trust, scps=scps_for(identity))
    check = AssumeCheck(decision.decision == "allowed", decision)
    if check.allowed:
        return check
    if decision.decision == "explicitDeny":
        kinds = {m.policy_kind for m in decision.matched}
        if "resource" in kinds:
            check.reasons.append("The role's trust policy explicitly denies this request.")
        elif "scp" in kinds:
            check.reasons.append("A service control policy of your organization explicitly denies "
                                 "sts:AssumeRole on this role.")
        else:
            check.reasons.append("Your own permissions explicitly deny sts:AssumeRole on this role.")
    elif decision.denied_by == "resource":
        check.reasons.append(_trust_refusal(role, identity, decision))
    elif decision.denied_by == "identity":
        if role.account_id == identity.account.pk:
            check.reasons.append(
                f"The trust policy trusts the account {role.account.account_id}, so your own permissions "
                f"must also allow sts:AssumeRole on {role.arn}, and no identity-based policy does.")
        else:
            check.reasons.append(
                f"The role is in another account ({role.account.account_id}): your own permissions must "
                f"also allow sts:AssumeRole on {role.arn}, and no identity-based policy does.")
    elif decision.denied_by == "boundary":
        check.reasons.append("Your permissions boundary does not allow sts:AssumeRole on this role.")
    elif decision.denied_by == "scp":
        check.reasons.append("No service control policy of your organization allows sts:AssumeRole on this role.")
    else:
        check.reasons.append("Your session policy does not allow sts:AssumeRole on this role.")
    return check


def _trust_refusal(role: Role, identity: Any, decision: Any) -> str:
    text = role.trust_policy
    missing = list(getattr(decision, "missing_context", []) or [])
    if "sts:ExternalId" in text:
        return ("The role's trust policy requires an external ID, which Switch Role in the console "
                "cannot supply (as in AWS).")
    if "aws:MultiFactorAuthPresent" in text and not identity.mfa_present:
        return "The role's trust policy requires MFA. Sign in with your MFA device, then switch role again."
    if missing:
        return "The role's trust policy has conditions your request does not meet: " + ", ".join(missing) + "."
    return f"The role's trust policy does not allow {identity.arn} to assume it."


def assume_role(identity: Any, *, account_reference: str, role_name: str, now: float, chain: bool = False,
                console_session_ends: float | None = None) -> RoleGrant:
    """Switch Role: check and grant AssumeRole for ``identity``, or raise ``AccessDenied``.

    From a role session, the AWS console authorises a switch with the user's original
    credentials, not the current role's, so by default the caller is the user behind the
    session. ``chain=True`` assumes with the role session's credentials instead (role
    chaining, as the CLI does): the trust policy must trust the session (or its role or
    account), the current role's policies must allow ``sts:AssumeRole``, and the new
    session lasts one hour at most.

    Args:
        identity: the caller (``request.iam``): an IAM user, or a role session.
        account_reference: the account's 12-digit id or alias.
        role_name: the role's name, with its path if it has one (``division/Cashier``).
        now: the time of the switch (epoch seconds).
        chain: from a role session, assume with the session's credentials (role chaining).
        console_session_ends: when the user's console session ends; caps the role session.

    Returns:
        the :class:`RoleGrant`: its expiry is the role's maximum session duration, or one
        hour when chaining, and never beyond the console session.
    """
    current = identity.role_session
    if current is not None and not chain:
        identity = identity.user_identity
        current = None
    if identity.is_root:
        raise AccessDenied(ROOT_CANNOT_ASSUME,
                           "The root user cannot switch roles. Sign in as an IAM user to switch roles.")
    reference = (account_reference or "").strip()
    path, name = split_role_reference(role_name or "")
    account = resolve_account(reference)
    if account is None or not name:
        if _ACCOUNT_ID_RE.fullmatch(reference) and name:
            raise _assume_denied(identity, reference, path, name, NO_SUCH_ROLE)
        raise AccessDenied(INVALID_SWITCH_INFORMATION, "No account on this server has that ID or alias.")
    role = (Role.objects.for_account(account).select_related("account__org_member")
            .filter(name__iexact=name, path=path).first())
    if role is None:
        # AWS answers AccessDenied rather than NoSuchEntity, so names cannot be probed.
        raise _assume_denied(identity, account.account_id, path, name, NO_SUCH_ROLE)
    check = check_assume(identity, role)
    if not check.allowed:
        raise _assume_denied(identity, account.account_id, path, name, " ".join(check.reasons), role)
    chained = current is not None
    duration = role.max_session_duration
    if chained:
        duration = min(duration, CHAINED_SESSION_SECONDS)
    expires = now + duration
    if console_session_ends is not None:
        expires = min(expires, console_session_ends)
    source = current.source_identity if chained else identity.user.arn
    Role.objects.filter(pk=role.pk).update(last_used=datetime.fromtimestamp(now, UTC))
    return RoleGrant(role=role, session_name=session_name_for(identity.user.user_name), issued=now,
                     expires=expires, chained=chained, source_identity=source)


# ---------------------------------------------------------------------------
# What a role can do: sample decisions of its policy set


@dataclass(frozen=True)
class SampleDecision:
    """One request evaluated against a role session's policies, and AWS's answer."""

    action: str
    resource: str
    decision: str
    message: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


BASELINE_SAMPLES = (
    ("iam:ListUsers", "*"),
    ("iam:CreateUser", "user/example"),
    ("s3:ListAllMyBuckets", "*"),
    ("ec2:DescribeInstances", "*"),
)


def _concrete_resource(pattern: str) -> str | None:
    """A resource a pattern matches, for a sample (``bucket/*`` → ``bucket/example``)."""
    if pattern == "*":
        return "*"
    if "${" in pattern:
        return None
    return pattern.replace("*", "example").replace("?", "x")


def _concrete_actions(pattern: str) -> list[str]:
    from policies.engine import catalogue

    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    if pattern == "*" or pattern.endswith(":*"):
        return []  # a whole service: the baseline samples speak for it
    candidates = [action.lower() for action in catalogue.expand(pattern)]
    preferred = [action for action in _PREFERRED_SAMPLES if action.lower() in candidates]
    return preferred[:2] or list(catalogue.expand(pattern))[:1]


# Well-known actions a wildcard sample uses first (``s3:Get*`` → ``s3:GetObject``).
_PREFERRED_SAMPLES = ("s3:GetObject", "s3:ListBucket", "s3:PutObject", "iam:GetUser", "iam:ListUsers",
                      "iam:GetRole", "ec2:DescribeInstances", "ec2:StartInstances")


def sample_requests(policies: Iterable[Any], account_id: str, limit: int = 12) -> list[tuple[str, str]]:
    """A few (action, resource) pairs worth checking for a set of compiled policies:
    the concrete actions and resources their Allow and Deny statements name, then a
    baseline of common requests (list users, create a user, list buckets, …)."""
    pairs: list[tuple[str, str]] = []
    for policy in policies:
        try:
            document = json.loads(policy.text)
        except (AttributeError, TypeError, ValueError):
            continue
        for statement in _as_list(document.get("Statement") if isinstance(document, dict) else None):
            if not isinstance(statement, dict) or "Action" not in statement or "Resource" not in statement:
                continue
            resources = [r for r in map(_concrete_resource, map(str, _as_list(statement["Resource"]))) if r]
            for pattern in map(str, _as_list(statement["Action"])):
                for action in _concrete_actions(pattern):
                    pairs.extend((action, resource) for resource in resources)
    for action, resource in BASELINE_SAMPLES:
        pairs.append((action, resource if resource == "*" else f"arn:aws:iam::{account_id}:{resource}"))
    return list(dict.fromkeys(pairs))[:limit]


def session_context(role: Role, session_name: str, *, mfa: bool = False) -> dict[str, Any]:
    """The context keys of a session of ``role`` (what the identity hook builds at request time)."""
    context: dict[str, Any] = {
        "aws:userid": f"{role.unique_id}:{session_name}",
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": role.account.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:MultiFactorAuthPresent": "true" if mfa else "false",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "us-east-1",
    }
    for tag in role.tag_list:
        context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    return context


def decide(policy_set: Any, *, principal: str, context: dict[str, Any], action: str,
           resource: str, scps: Any = None) -> SampleDecision:
    """Evaluate one request with a policy set (and the account's SCP chain, ``scps``) and
    phrase the answer as AWS does."""
    from policies.engine import Request, evaluate

    decision = evaluate(Request(action=action, resource=resource, principal=principal, context=context),
                        identity=list(policy_set.identity), boundary=policy_set.boundary,
                        session=policy_set.session or None, scps=scps)
    message = ""
    if decision.decision != "allowed":
        reason = decision.reason(action) or f"because no identity-based policy allows the {action} action"
        message = f"User: {principal} is not authorized to perform: {action} on resource: {resource} {reason}"
    return SampleDecision(action, resource, decision.decision, message)


def role_scps(role: Role) -> Any:
    """The SCP chain that limits a session of ``role`` (None for a service-linked role, or an
    account outside any organization or managing one)."""
    from policies.loading import load_scp_chain

    return None if role.service_linked else load_scp_chain(role.account)


def role_capabilities(role: Role, policy_set: Any, extra: Sequence[tuple[str, str]] = (),
                      scps: Any = None) -> list[SampleDecision]:
    """"What this role can do": sample requests decided for a session of ``role`` (within
    ``scps``, :func:`role_scps`)."""
    session_name = "session"
    principal = role.session_arn(session_name)
    context = session_context(role, session_name)
    pairs = [*extra, *sample_requests(policy_set.identity, role.account.account_id)]
    return [decide(policy_set, principal=principal, context=context, action=action, resource=resource, scps=scps)
            for action, resource in dict.fromkeys(pairs)]
