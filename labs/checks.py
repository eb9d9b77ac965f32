"""Run a lab's checks against the live account (docs/labs.md, "Checks").

Each check of the vocabulary (:data:`labs.format.CHECKS`) is a function of the account's
current state that answers a :class:`CheckResult`: whether it holds, and a message that says
what is there or missing without telling how to fix it ("No IAM user named dev exists yet.",
"user/dev can't yet perform ec2:RunInstances on *."). ``{account}`` in any string of a check
stands for the account's id.

``allowed`` / ``denied`` ask the policy engine (:func:`policies.engine.evaluate`) with the
principal's full policy set (:mod:`policies.loading`: identity policies, groups' policies,
boundary) and the account's service control policies (``organizations.services.scp_chain``,
when the account is a member of an organization; a service-linked role is exempt, as in
AWS). The request's context is a console session's: ``aws:MultiFactorAuthPresent`` "false"
and the principal's keys, overridden by the check's ``context`` (a null value removes the
key: a request signed with a long-term access key carries no MFA information). The root
user is allowed everything unless an SCP says otherwise; what an account setting grants
(the password policy's AllowUsersToChangePassword) counts unless an SCP denies, as in
``policies.authz.authorize``.
``can_assume`` is Switch Role's own decision (:func:`accounts.roles.check_assume`: the
principal's policies and the role's trust policy), with the SCPs on top, evaluated with the
principal's own request context. For a service principal (``service/ec2.amazonaws.com``)
it is the trust policy's decision alone: a service has no identity policies, and SCPs do
not apply to it.

Queries are bounded per check: every check reads a fixed number of rows of the account
(at most 5 queries for ``allowed``/``denied``/``can_assume``, 1–2 for the others), and one
:class:`Run` caches the policy sets and the SCP chain across the checks of a lab.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db.models import Exists, Q

from accounts import mfa
from accounts.models import AccessKey, Account, Group, GroupMembership, Role, User
from iamportal.errors import IAMError
from policies.models import ManagedPolicy, PermissionsBoundary, PolicyAttachment
from policies.services import parse_policy_arn

from .format import Lab, Task

SESSION_NAME = "lab-check"


@dataclass(frozen=True)
class CheckResult:
    check: str
    passed: bool
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"check": self.check, "passed": self.passed, "message": self.message}


@dataclass(frozen=True)
class TaskResult:
    id: str
    passed: bool
    points: int
    checks: list[CheckResult]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "passed": self.passed, "points": self.points,
                "checks": [check.as_json() for check in self.checks]}


@dataclass(frozen=True)
class LabResult:
    lab: str
    account: str
    score: int
    max: int
    tasks: list[TaskResult]

    def as_json(self) -> dict[str, Any]:
        return {"lab": self.lab, "account": self.account, "score": self.score, "max": self.max,
                "tasks": [task.as_json() for task in self.tasks]}


class Principal(NamedTuple):
    """A principal of a check: its ARN, the identity Switch Role's check takes, its policy
    set, and whether SCPs pass it by (a service-linked role)."""

    arn: str
    identity: Any
    policy_set: Any
    scp_exempt: bool = False


@dataclass
class Run:
    """What the checks of one lab (or task) share: the account and the rows read once."""

    account: Account
    _principals: dict[str, Any] = field(default_factory=dict)
    _scps: Any = False

    def scps(self) -> list[list[Any]] | None:
        """The account's SCP chain, compiled ([[root's], [OU's]…, [account's]]), or None."""
        if self._scps is False:
            self._scps = _load_scps(self.account)
        return self._scps

    def scps_for(self, principal: Principal) -> list[list[Any]] | None:
        """The SCP chain that limits ``principal``: None for a service-linked role."""
        return None if principal.scp_exempt else self.scps()

    def principal(self, reference: str) -> Principal | None:
        """The :class:`Principal` ``root``, ``user/NAME`` or ``role/NAME``; None when there is
        no such principal."""
        key = reference.lower()
        if key not in self._principals:
            self._principals[key] = _load_principal(self.account, reference)
        return self._principals[key]


def _load_scps(account: Account) -> list[list[Any]] | None:
    # As authorisation reads them: an SCP that no longer compiles denies everything.
    from policies.loading import load_scp_chain

    return load_scp_chain(account)


def _console_context(now: float | None = None) -> dict[str, str]:
    now = time.time() if now is None else now
    return {
        "aws:CurrentTime": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now)),
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "us-east-1",
        "aws:ViaAWSService": "false",
        "aws:MultiFactorAuthPresent": "false",
    }


def _service_context(service: str) -> dict[str, str]:
    """The context of a request an AWS service makes as itself: no MFA key, no IAM
    principal's keys (no ``aws:SourceAccount``/``aws:SourceArn`` either)."""
    context = _console_context()
    del context["aws:MultiFactorAuthPresent"]
    return {**context, "aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": service}


def _load_principal(account: Account, reference: str) -> Principal | None:
    from accounts.identity import Identity, principal_identity
    from accounts.roles import session_context
    from policies.authz import PolicySet
    from policies.loading import load_role_policy_set, load_user_policy_set

    kind, _, name = reference.partition("/")
    if kind == "root":
        root = User.objects.select_related("account").get(account=account, is_root=True)
        identity = principal_identity(root, _console_context())
        identity._policy_set = PolicySet()
        return Principal(identity.arn, identity, identity._policy_set)
    if kind == "user":
        user = _user(account, name)
        if user is None:
            return None
        identity = principal_identity(user, _console_context())
        identity._policy_set = load_user_policy_set(user)
        return Principal(identity.arn, identity, identity._policy_set)
    role = _role(account, name)
    if role is None:
        return None
    context = {**_console_context(), **session_context(role, SESSION_NAME)}
    identity = Identity(user=None, account=account, arn=role.session_arn(SESSION_NAME),
                        principal_type="AssumedRole", context=context)
    identity._policy_set = load_role_policy_set(role)
    return Principal(identity.arn, identity, identity._policy_set, scp_exempt=role.service_linked)


# ---------------------------------------------------------------------------
# Lookups (one query each)


def _user(account: Account, name: str) -> User | None:
    return User.objects.for_account(account).select_related("account").filter(user_name__iexact=name).first()


def _role(account: Account, name: str) -> Role | None:
    return Role.objects.for_account(account).select_related("account").filter(name__iexact=name).first()


def _policy_filter(reference: str, account: Account, prefix: str = "") -> Q | None:
    """The ManagedPolicy a check's policy reference names, as a filter (its lookups prefixed
    by ``prefix``, e.g. ``policy__``); None for an ARN of another account (nothing this
    account has). An ARN names one policy; a name names the AWS managed policy of that name
    when there is one, else the account's customer managed policy: IAM lets a customer
    policy take an AWS managed policy's name (their ARNs differ), and it is not that one."""
    def lookup(**lookups: Any) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    if reference.startswith("arn:"):
        parts = parse_policy_arn(reference)
        if parts is None:
            return None
        owner, path, name = parts
        if owner == "aws":
            return lookup(account__isnull=True, path=path, name=name)
        if owner != account.account_id:
            return None
        return lookup(account=account, path=path, name=name)
    aws_managed = ManagedPolicy.objects.aws_managed().filter(name__iexact=reference)
    return lookup(name__iexact=reference) & (lookup(account__isnull=True)
                                              | lookup(account=account) & ~Exists(aws_managed))


def _short(reference: str) -> str:
    """How a message names a policy: its name, also when the check gave an ARN."""
    return reference.rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------
# The checks: (run, argument) -> (passed, message)


def user_exists(run: Run, name: str) -> tuple[bool, str]:
    if _user(run.account, name):
        return True, f"The IAM user {name} exists."
    return False, f"No IAM user named {name} exists yet."


def group_exists(run: Run, name: str) -> tuple[bool, str]:
    if Group.objects.filter(account=run.account, name__iexact=name).exists():
        return True, f"The group {name} exists."
    return False, f"No group named {name} exists yet."


def role_exists(run: Run, name: str) -> tuple[bool, str]:
    if _role(run.account, name):
        return True, f"The role {name} exists."
    return False, f"No role named {name} exists yet."


def policy_exists(run: Run, reference: str) -> tuple[bool, str]:
    wanted = _policy_filter(reference, run.account)
    if wanted is not None and ManagedPolicy.objects.visible_to(run.account).filter(wanted).exists():
        return True, f"The policy {_short(reference)} exists."
    return False, f"No policy named {_short(reference)} exists yet."


def user_in_group(run: Run, argument: dict) -> tuple[bool, str]:
    user, group = argument["user"], argument["group"]
    if GroupMembership.objects.filter(user__account=run.account, user__is_root=False, user__user_name__iexact=user,
                                      group__account=run.account, group__name__iexact=group).exists():
        return True, f"{user} is a member of the group {group}."
    return False, f"{user} is not yet a member of a group named {group}."


def policy_attached(run: Run, argument: dict) -> tuple[bool, str]:
    kind = next(key for key in ("user", "group", "role") if key in argument)
    name, reference = argument[kind], argument["policy"]
    owner = {"user": {"user__user_name__iexact": name, "user__is_root": False},
             "group": {"group__name__iexact": name}, "role": {"role__name__iexact": name}}[kind]
    noun = {"user": "the user", "group": "the group", "role": "the role"}[kind]
    wanted = _policy_filter(reference, run.account, "policy__")
    if wanted is not None and PolicyAttachment.objects.filter(wanted, account=run.account, **owner).exists():
        return True, f"The policy {_short(reference)} is attached to {noun} {name}."
    return False, f"The policy {_short(reference)} is not attached to {noun} {name} yet."


def mfa_enabled(run: Run, argument: Any) -> tuple[bool, str]:
    if argument == "root":
        root = User.objects.get(account=run.account, is_root=True)
        if mfa.has_device(root):
            return True, "The root user has an MFA device."
        return False, "The root user has no MFA device yet."
    name = argument["user"]
    user = _user(run.account, name)
    if user is None:
        return False, f"No IAM user named {name} exists yet."
    if mfa.has_device(user):
        return True, f"{name} has an MFA device."
    return False, f"{name} has no MFA device yet."


def console_access(run: Run, argument: dict) -> tuple[bool, str]:
    name = argument["user"]
    user = _user(run.account, name)
    if user is None:
        return False, f"No IAM user named {name} exists yet."
    if user.has_usable_password():
        return True, f"{name} can sign in to the console."
    return False, f"{name} can't sign in to the console yet."


def alias_set(run: Run, argument: Any) -> tuple[bool, str]:
    alias = Account.objects.filter(pk=run.account.pk).values_list("alias", flat=True).first()
    if not alias:
        return False, "The account has no alias yet."
    if argument is True or alias.lower() == argument.lower():
        return True, f"The account's alias is {alias}."
    return False, f"The account's alias is {alias}, not the one this task asks for."


def root_access_keys_absent(run: Run, argument: Any) -> tuple[bool, str]:
    count = AccessKey.objects.filter(user__account=run.account, user__is_root=True).count()
    if count:
        return False, f"The root user still has {count} access key{'s' if count > 1 else ''}."
    return True, "The root user has no access keys."


def boundary_set(run: Run, argument: dict) -> tuple[bool, str]:
    kind = "user" if "user" in argument else "role"
    name = argument[kind]
    owner = ({"user__user_name__iexact": name, "user__is_root": False} if kind == "user"
             else {"role__name__iexact": name})
    boundary = PermissionsBoundary.objects.filter(account=run.account, **owner).select_related("policy").first()
    noun = f"the {kind} {name}"
    if boundary is None:
        return False, f"{noun[0].upper()}{noun[1:]} has no permissions boundary yet."
    reference = argument.get("policy")
    if reference is None:
        return True, f"{noun[0].upper()}{noun[1:]} has a permissions boundary."
    wanted = _policy_filter(reference, run.account)
    if wanted is not None and ManagedPolicy.objects.filter(wanted, pk=boundary.policy_id).exists():
        return True, f"{_short(reference)} is the permissions boundary of {noun}."
    return False, f"The permissions boundary of {noun} is not {_short(reference)}."


def _scps_allow(request: Any, scps: list[list[Any]]) -> bool:
    """Whether the SCP chain lets ``request`` through (nothing else limiting it)."""
    from policies.engine import evaluate
    from policies.loading import ALLOWS_EVERYTHING, compiled

    return evaluate(request, identity=[compiled(ALLOWS_EVERYTHING, "root")], scps=scps).decision == "allowed"


def _decide(run: Run, argument: dict) -> tuple[bool | None, str]:
    """(allowed?, principal) for an allowed/denied check; None when the principal is missing."""
    from policies.engine import Request, evaluate

    principal = argument["principal"]
    found = run.principal(principal)
    if found is None:
        return None, principal
    identity, policy_set = found.identity, found.policy_set
    request = Request(action=argument["action"], resource=argument.get("resource", "*"), principal=found.arn,
                      context=_with_overrides(identity.context, argument.get("context") or {}))
    scps = run.scps_for(found)
    if identity.is_root:
        return scps is None or _scps_allow(request, scps), principal
    decision = evaluate(request, identity=list(policy_set.identity), boundary=policy_set.boundary,
                        session=policy_set.session or None, scps=scps)
    if decision.decision == "implicitDeny" and decision.denied_by != "scp":
        # What an account setting grants without a policy (the password policy's
        # AllowUsersToChangePassword), as policies.authz.authorize asks it: within the SCPs.
        from policies.authz import ACCOUNT_GRANTS

        return any(grant(identity, request.action, request.resource) for grant in ACCOUNT_GRANTS), principal
    return decision.decision == "allowed", principal


def _with_overrides(context: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``context`` with a check's ``context`` over it. Condition keys compare case-insensitively;
    booleans and numbers become their text, a list is a multivalued key, and None removes the
    key (the request carries no such key)."""
    def text(value):
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    given = {key.lower() for key in overrides}
    merged = {key: value for key, value in context.items() if key.lower() not in given}
    merged.update((key, [text(v) for v in value] if isinstance(value, list) else text(value))
                  for key, value in overrides.items() if value is not None)
    return merged


def _missing(principal: str) -> str:
    kind, _, name = principal.partition("/")
    return f"No IAM {kind} named {name} exists yet." if kind == "user" else f"No role named {name} exists yet."


def _request_words(argument: dict) -> str:
    """How a message names the request: its action and resource, and the keys the check
    removed (they are invisible otherwise: "… in a request without aws:MultiFactorAuthPresent")."""
    words = f"{argument['action']} on {argument.get('resource', '*')}"
    absent = [key for key, value in (argument.get("context") or {}).items() if value is None]
    return words + (f" in a request without {', '.join(absent)}" if absent else "")


def allowed(run: Run, argument: dict) -> tuple[bool, str]:
    verdict, principal = _decide(run, argument)
    if verdict is None:
        return False, _missing(principal)
    if verdict:
        return True, f"{principal} can perform {_request_words(argument)}."
    return False, f"{principal} can't yet perform {_request_words(argument)}."


def denied(run: Run, argument: dict) -> tuple[bool, str]:
    verdict, principal = _decide(run, argument)
    if verdict is None:
        return False, _missing(principal)
    if verdict:
        return False, f"{principal} can still perform {_request_words(argument)}."
    return True, f"{principal} can't perform {_request_words(argument)}."


def _trusts_service(role: Role, service: str) -> bool:
    """Whether the trust policy of ``role`` lets the AWS service ``service`` assume it."""
    from policies.engine import PolicyError, Request, evaluate
    from policies.loading import compiled

    try:
        trust = compiled(role.trust_policy, f"{role.name} trust policy", kind="trust")
    except PolicyError:
        return False
    request = Request(action="sts:AssumeRole", resource=role.arn, principal=service,
                      context=_service_context(service))
    return evaluate(request, identity=[], resource=trust).decision == "allowed"


def can_assume(run: Run, argument: dict) -> tuple[bool, str]:
    from accounts.roles import check_assume
    from policies.engine import Request

    principal, name = argument["principal"], argument["role"]
    service = principal.removeprefix("service/") if principal.startswith("service/") else None
    found = run.principal(principal) if service is None else None
    if service is None and found is None:
        return False, _missing(principal)
    role = _role(run.account, name)
    if role is None:
        return False, f"No role named {name} exists yet."
    if service is not None:
        if _trusts_service(role, service):
            return True, f"{principal} can assume the role {role.name}."
        return False, f"{principal} can't assume the role {role.name} yet."
    ok = check_assume(found.identity, role).allowed
    scps = run.scps_for(found)
    if ok and scps is not None:
        ok = _scps_allow(Request(action="sts:AssumeRole", resource=role.arn, principal=found.arn,
                                 context=found.identity.context), scps)
    if ok:
        return True, f"{principal} can switch to the role {role.name}."
    return False, f"{principal} can't switch to the role {role.name} yet."


def negation(run: Run, argument: dict) -> tuple[bool, str]:
    inner = _run(run, argument)
    return not inner.passed, inner.message


def every(run: Run, argument: list) -> tuple[bool, str]:
    results = [_run(run, check) for check in argument]
    failed = [r.message for r in results if not r.passed]
    if failed:
        return False, " ".join(failed)
    return True, " ".join(r.message for r in results)


def some(run: Run, argument: list) -> tuple[bool, str]:
    results = [_run(run, check) for check in argument]
    for result in results:
        if result.passed:
            return True, result.message
    return False, "None of these holds yet: " + " ".join(r.message for r in results)


CHECKS = {
    "user_exists": user_exists, "group_exists": group_exists, "role_exists": role_exists,
    "policy_exists": policy_exists, "user_in_group": user_in_group, "policy_attached": policy_attached,
    "mfa_enabled": mfa_enabled, "console_access": console_access, "alias_set": alias_set,
    "root_access_keys_absent": root_access_keys_absent, "boundary_set": boundary_set,
    "allowed": allowed, "denied": denied, "can_assume": can_assume,
    "not": negation, "all": every, "any": some,
}


# ---------------------------------------------------------------------------
# Running


def substitute(value: Any, account_id: str) -> Any:
    """``value`` with ``{account}`` replaced by ``account_id`` in every string (keys included)."""
    if isinstance(value, str):
        return value.replace("{account}", account_id)
    if isinstance(value, list):
        return [substitute(item, account_id) for item in value]
    if isinstance(value, dict):
        return {substitute(k, account_id): substitute(v, account_id) for k, v in value.items()}
    return value


def _run(run: Run, check: dict) -> CheckResult:
    (name, argument), = check.items()
    try:
        passed, message = CHECKS[name](run, argument)
    except IAMError as error:  # e.g. a name that can't be an IAM name after substitution
        passed, message = False, str(error)
    return CheckResult(name, passed, message)


def run_check(account: Account, check: dict, *, run: Run | None = None) -> CheckResult:
    """One check (a one-key mapping of the vocabulary) against ``account`` as it is now."""
    return _run(run or Run(account), substitute(check, account.account_id))


def run_task(account: Account, task: Task, *, run: Run | None = None) -> TaskResult:
    """Every check of ``task``; it passes, and earns its points, when all of them pass."""
    run = run or Run(account)
    results = [run_check(account, check, run=run) for check in task.checks]
    passed = all(result.passed for result in results)
    return TaskResult(task.id, passed, task.points if passed else 0, results)


def run_lab(account: Account, lab: Lab) -> LabResult:
    """Every task of ``lab`` against ``account``, with one :class:`Run` shared by them."""
    run = Run(account)
    tasks = [run_task(account, task, run=run) for task in lab.tasks]
    return LabResult(lab.slug, account.account_id, sum(t.points for t in tasks), lab.max_points, tasks)
