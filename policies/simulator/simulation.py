"""One simulation: the principal, its policies, the context, the results (no HTTP here)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from accounts.tags import resource_tag_context
from iamportal.errors import NoSuchEntity
from policies import loading, services
from policies.authz import (PRINCIPAL_ORG_ID, PRINCIPAL_ORG_PATHS, RESOURCE_ORG_ID, RESOURCE_ORG_PATHS, PolicySet,
                            account_scps, authorize, org_placement, policy_set_for)
from policies.engine import Policy, Request, evaluate
from policies.summary import numbered_lines

from . import forms
from .forms import CONTEXT_PREFIX

#: What a result row repeats of the policies (the whole text is shown once, further down):
#: the deciding statements, at most MAX_STATEMENTS_SHOWN of them ("and N more"), each an
#: excerpt of the statement itself of at most EXCERPT_LINES lines of EXCERPT_WIDTH characters.
MAX_STATEMENTS_SHOWN = 5
EXCERPT_LINES = 12
EXCERPT_WIDTH = 120

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
#: A user, group or role ARN, as the simulator accepts one (the page's ``principal`` field and
#: the API's ``PolicySourceArn``).
PRINCIPAL_ARN = re.compile(r"arn:aws:iam::(?P<account>[0-9]{12}):(?P<kind>user|group|role)(?P<path>/(?:.*/)?)"
                           r"(?P<name>[^/]+)")
_SPECIAL_VARIABLES = {"*", "?", "$"}
#: The source of the service control policies of the simulated principal's account.
SCP_SOURCE = "Service control policy"

# ---------------------------------------------------------------------------
# The simulated principal and its policies


@dataclass
class Target:
    """The principal to simulate: its kind (``user``, ``group``, ``role``), the name as
    asked, the object when it exists, and its ARN (the would-be ARN when it does not)."""

    kind: str
    name: str
    obj: Any = None
    arn: str = ""

    @property
    def label(self) -> str:
        return {"user": "User", "group": "User group", "role": "Role"}[self.kind]


@dataclass
class SimulatedPolicy:
    """One policy of the simulation, with where it comes from."""

    number: int
    policy: Policy
    source: str  # "Identity-based policy" | "Permissions boundary" | "Custom policy" | SCP_SOURCE
    hidden: Any = None  # the Authorization that refused reading its text, if one did

    @property
    def text_hidden(self) -> bool:
        """Whether the caller may not read the text (``hidden`` is a falsy Authorization)."""
        return self.hidden is not None

    @property
    def name(self) -> str:
        return self.policy.name or f"Policy {self.number}"

    @property
    def anchor(self) -> str:
        return f"policy-{self.number}"

    @cached_property
    def text_lines(self) -> list[str]:
        """The policy's lines, split once however many rows quote it."""
        return [text for _, text in numbered_lines(self.policy.text)]


@dataclass
class ContextKey:
    """A context key the simulated policies use, as an input of the form."""

    key: str
    value: str
    multivalued: bool
    defaulted: bool = False
    missing_in: int = 0

    @property
    def param(self) -> str:
        return CONTEXT_PREFIX + self.key


@dataclass
class Line:
    number: int
    text: str
    mark: str = ""  # "" | "allow" | "deny"
    cut_before: bool = False  # the line goes on before (…)
    cut_after: bool = False  # and after what is shown


@dataclass
class MatchedRow:
    """A statement that decided a result, with its text."""

    statement: Any  # engine MatchedStatement
    policy: SimulatedPolicy | None
    lines: list[Line] = field(default_factory=list)
    more_lines: int = 0  # the statement's lines beyond the excerpt

    @classmethod
    def of(cls, statement: Any, policy: SimulatedPolicy | None) -> MatchedRow:
        lines, more = excerpt(policy, statement)
        return cls(statement, policy, lines, more)

    @property
    def label(self) -> str:
        st = self.statement
        return f"Sid {st.sid}" if st.sid else f"statement {st.index + 1}"


@dataclass
class Result:
    """One (action, resource) pair of the simulation and the engine's decision."""

    action: str
    resource: str
    request: Request
    decision: Any  # engine Decision
    matched: list[MatchedRow]  # the first MAX_STATEMENTS_SHOWN deciding statements
    applied: list[MatchedRow]  # the first MAX_STATEMENTS_SHOWN others that applied
    more_matched: int = 0  # deciding statements not shown
    more_applied: int = 0

    @property
    def reason(self) -> str:
        return self.decision.reason(self.action)


@dataclass
class Simulation:
    """Everything one run used and found (the view's ``simulation`` context)."""

    target: Target | None
    principal_arn: str | None
    policies: list[SimulatedPolicy]
    policy_set: PolicySet
    context: dict[str, Any]
    context_keys: list[ContextKey]
    results: list[Result] = field(default_factory=list)

    def identity_policies(self) -> list[Policy]:
        return [p.policy for p in self.policies if p.source not in ("Permissions boundary", SCP_SOURCE)]

    #: A resource-based policy evaluated with every pair (the API's ``ResourcePolicy``).
    resource_policy: Policy | None = None
    #: The service control policies of the principal's account, level by level (the
    #: engine's ``scps``; None outside any organization and for its management account).
    scps: list[list[Policy]] | None = None

    def evaluate(self, action: str, resource: str, extra: dict[str, Any] | None = None) -> tuple[Request, Any]:
        context = {**self.context, **extra} if extra else self.context
        request = Request(action=action, resource=resource, principal=self.principal_arn, context=context)
        return request, evaluate(request, identity=self.identity_policies(), boundary=self.policy_set.boundary,
                                 session=self.policy_set.session, resource=self.resource_policy, scps=self.scps)

    def decide(self, pairs: Sequence[tuple[str, str]]) -> Iterator[tuple[str, str, Request, Any]]:
        """``(action, resource, request, decision)`` for each pair, in order, until the
        deadline (:data:`forms.SIMULATION_SECONDS` from the first) passes: the caller sees
        how many it got (at least one: a simulation that pages always moves on)."""
        deadline = time.monotonic() + forms.SIMULATION_SECONDS
        for action, resource in pairs:
            yield (action, resource, *self.evaluate(action, resource))
            if time.monotonic() > deadline:
                return


#: The policy set the simulator evaluates for each kind of principal: for a user exactly
#: the set the console loads when it signs in; a group's own policies; a role's policies
#: and boundary, as in a session of it.
POLICY_SET_LOADERS = {
    "user": loading.load_user_policy_set,
    "group": loading.load_group_policy_set,
    "role": loading.load_role_policy_set,
}


def target_for(account: Any, kind: str, name: str) -> Target:
    """The simulated principal that ``name`` (a name, or a user/group/role ARN) of ``kind``
    names in ``account``; ``obj`` is None when the account has none (another account's ARN
    included: its principals do not exist here)."""
    match = PRINCIPAL_ARN.fullmatch(name)
    account_id = account.account_id
    if match:
        kind, name, account_id = match["kind"], match["name"], match["account"]
    target = Target(kind, name, arn=account.arn(f"{kind}/{name}"))
    if account_id != account.account_id:
        return target
    try:
        target.obj = services.ENTITY_LOOKUPS[kind](account, name)
    except NoSuchEntity:
        return target
    target.obj.account = account
    target.arn = target.obj.arn
    return target


def scps_of(identity: Any, target: Target) -> list[list[Policy]] | None:
    """The SCP chain that limits the simulated principal: its account's (the caller's, read
    once per request), none for a service-linked role."""
    if target.kind == "role" and getattr(target.obj, "service_linked", False):
        return None
    return account_scps(identity)


def policy_set_of(identity: Any, target: Target) -> PolicySet:
    """The simulated principal's policy set: the caller's own, already loaded for this
    request's authorisation, when an IAM user simulates itself; else loaded."""
    if target.kind == "user" and identity.principal_type == "User" and target.obj.pk == identity.user.pk:
        return policy_set_for(identity)
    return POLICY_SET_LOADERS[target.kind](target.obj)


def reader(request: Any) -> Callable[[str, Any], bool]:
    """``may_read(action, principal)`` for :func:`principal_context`: whether the caller of
    ``request`` may perform the IAM action on the user or role, asked with its tags as every
    action on it is."""
    def may_read(action: str, principal: Any) -> bool:
        return bool(authorize(request, action, principal.arn, resource_tag_context(principal) or None))

    return may_read


def default_context(request: Any, target: Target) -> dict[str, Any]:
    """The context values a simulation of ``target`` starts from, by lower-case key: the
    principal's own keys the caller may read (:func:`principal_context`), and the caller's
    live context when the target is the caller itself."""
    defaults = {k.lower(): v for k, v in principal_context(target, reader(request)).items()}
    identity = request.iam
    if target.obj is not None and target.kind != "group":  # a group is never the caller: no principal keys
        defaults.update({k.lower(): v for k, v in organization_context(identity).items()})
    is_caller = (
        (target.kind == "user" and identity.role_session is None and identity.principal_type == "User"
         and target.obj == identity.user)
        or (target.kind == "role" and identity.role_session is not None
            and target.obj == identity.role_session.role))
    if is_caller:
        defaults.update({k.lower(): v for k, v in identity.context.items()})
    return defaults


def organization_context(identity: Any) -> dict[str, Any]:
    """The organization keys of a simulation in ``identity``'s account (the simulated principal's
    account, and the account of its resources): ``aws:PrincipalOrgID`` / ``aws:ResourceOrgID``
    (``o-…``) and ``aws:PrincipalOrgPaths`` / ``aws:ResourceOrgPaths`` (``["o-…/r-…/ou-…/"]``);
    none outside any organization. Read at no query when the SCP chain is (a member account)."""
    placement = org_placement(identity)
    if placement is None:
        return {}
    return {PRINCIPAL_ORG_ID: placement.org_id, PRINCIPAL_ORG_PATHS: [placement.path],
            RESOURCE_ORG_ID: placement.org_id, RESOURCE_ORG_PATHS: [placement.path]}


#: Keys that are multivalued whatever the operator (a list of paths).
MULTIVALUED_KEYS = frozenset({PRINCIPAL_ORG_PATHS.lower(), RESOURCE_ORG_PATHS.lower()})


#: The IAM action that reads what a principal context key reveals, by principal kind: the
#: simulator fills a key in only for a caller allowed that action on the principal.
REVEALED_BY = {
    "user": {"aws:userid": "iam:GetUser", "aws:PrincipalTag/": "iam:ListUserTags"},
    "role": {"aws:PrincipalTag/": "iam:ListRoleTags"},
}


def principal_context(target: Target, may_read: Callable[[str, Any], bool]) -> dict[str, Any]:
    """Context keys that describe the simulated principal itself (AWS fills them from
    the principal, not from the request): its name, ARN, account and type, and — when
    ``may_read(action, principal)`` allows the action that reads them (:data:`REVEALED_BY`) —
    its unique id and its tags."""
    obj = target.obj
    if obj is None or target.kind == "group":
        return {}
    context: dict[str, Any] = {"aws:PrincipalArn": obj.arn, "aws:PrincipalAccount": obj.account.account_id}
    if target.kind == "user":
        context.update({"aws:username": obj.user_name, "aws:PrincipalType": "User"})
    else:
        context["aws:PrincipalType"] = "AssumedRole"
    revealed = REVEALED_BY[target.kind]
    if "aws:userid" in revealed and may_read(revealed["aws:userid"], obj):
        context["aws:userid"] = obj.unique_id
    if obj.tag_list and may_read(revealed["aws:PrincipalTag/"], obj):
        for tag in obj.tag_list:
            context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    return context


def used_context_keys(policies: list[Policy]) -> list[tuple[str, bool]]:
    """The context keys the policies' conditions and variables use, in document order,
    each once (case-insensitively), with whether any condition treats it as multivalued
    (``ForAllValues:`` / ``ForAnyValue:``) or it is a list (:data:`MULTIVALUED_KEYS`)."""
    keys: dict[str, list[Any]] = {}
    for policy in policies:
        for statement in policy.statements:
            for condition in statement.conditions:
                entry = keys.setdefault(condition.key.lower(), [condition.key, False])
                if condition.operator.lower().startswith(("forallvalues:", "foranyvalue:")) \
                        or condition.key.lower() in MULTIVALUED_KEYS:
                    entry[1] = True
        if policy.version == "2012-10-17":
            for match in _VARIABLE.finditer(policy.text):
                key = match.group(1).split(",", 1)[0].strip()
                if key and key not in _SPECIAL_VARIABLES:
                    keys.setdefault(key.lower(), [key, False])
    return [(key, multi) for key, multi in keys.values()]


def numbered(simulated: SimulatedPolicy) -> list[Line]:
    """The policy text as :class:`Line` rows (the numbering of the policy pages' JSON view)."""
    return [Line(number, text) for number, text in enumerate(simulated.text_lines, start=1)]


def excerpt(simulated: SimulatedPolicy | None, statement: Any) -> tuple[list[Line], int]:
    """The statement's own text, highlighted, and how many of its lines were left out.

    Only the statement: on a line it shares with other statements, its columns; at most
    :data:`EXCERPT_LINES` lines, each of at most :data:`EXCERPT_WIDTH` characters (``cut_*``
    say where the text goes on). The policy's full text is on the page once, further down.
    """
    if simulated is None or simulated.hidden is not None:
        return [], 0
    text_lines = simulated.text_lines
    span = statement.span
    mark = "deny" if statement.effect == "Deny" else "allow"
    last = min(span.end_line, span.start_line + EXCERPT_LINES - 1, len(text_lines))
    shown = []
    for number in range(span.start_line, last + 1):
        text = text_lines[number - 1]
        start = span.start_column - 1 if number == span.start_line else 0
        if not text[:start].strip():  # only indentation before it: keep the indentation
            start = 0
        end = span.end_column if number == span.end_line else len(text)
        piece = text[start:end]
        shown.append(Line(number, piece[:EXCERPT_WIDTH], mark, cut_before=start > 0,
                          cut_after=len(piece) > EXCERPT_WIDTH or bool(text[end:].strip(" \t,"))))
    return shown, span.end_line - last
