"""The policy simulator over the Query API: SimulatePrincipalPolicy, SimulateCustomPolicy,
GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy.

Each is the console's simulator (:mod:`policies.simulator`) with the API's input: the same
principal lookup (:func:`~policies.simulator.simulation.target_for`), the same policy set
(:func:`~policies.simulator.simulation.policy_set_of`), the same default context (the
principal's own keys the caller may read), the same engine call and deadline
(:meth:`~policies.simulator.simulation.Simulation.decide`), and the form's bounds: 10
policies of each list, 100 actions, 10 resources, 50 context entries.

Authorisation as the console's: ``iam:SimulatePrincipalPolicy`` (and
``iam:GetContextKeysForPrincipalPolicy``) on the principal's ARN, before anything says
whether it exists; ``iam:SimulateCustomPolicy`` / ``iam:GetContextKeysForCustomPolicy`` on
``*``. The console shows a stored policy the caller may not read by its name, the positions
of its deciding statements and its context keys, never its text; the API returns no text,
so the same rule hides nothing here.

Service control policies: SimulatePrincipalPolicy applies the SCP chain of the principal's
account, as the console's simulator and AWS do (none for the management account, a service-linked
role, or an account outside any organization); each result of an account in an organization
has ``OrganizationsDecisionDetail`` (``AllowedByOrganizations``: whether the SCPs alone allow the
request). Their statements are not ``MatchedStatements`` (IAM's ``SourcePolicyType`` has no kind
for them). SimulateCustomPolicy applies none, as AWS.

Results: one ``EvaluationResult`` per (action, resource) pair, actions first, paged with
``MaxItems``/``Marker``; a page that reaches the simulator's deadline ends there, truncated,
and the ``Marker`` goes on from the next pair.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from accounts import validators
from iamportal.errors import InvalidInput, NoSuchEntity
from policies import services as policy_services
from policies.authz import PolicySet, org_placement
from policies.engine import Policy, evaluate
from policies.engine.conditions import parse_date, parse_number
from policies.models import ManagedPolicy
from policies.simulator import forms as limits
from policies.simulator.simulation import (PRINCIPAL_ARN, SimulatedPolicy, Simulation, Target, default_context,
                                           policy_set_of, scps_of, target_for, used_context_keys)

from ..protocol import MAX_ITEMS_LIMIT, Params, XmlMap, constraint, member_name, page, validation_error
from ..registry import Call, action

IDENTITY, BOUNDARY, CUSTOM = "Identity-based policy", "Permissions boundary", "Custom policy"
CONTEXT_TYPES = ("string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList",
                 "binary", "binaryList", "date", "dateList")
_CALLER_ARN = re.compile(r"arn:aws:iam::[0-9]{12}:user/(?:.*/)?[^/]+")
_ACCOUNT_ARN = re.compile(r"arn:aws:iam::(?P<account>[0-9]{12}):root")
_ACTION = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9_-]+")

# ---------------------------------------------------------------------------
# Parameters


def _required(member: str) -> Exception:
    """A required list sent empty (``ActionNames=``) or not at all."""
    return validation_error([constraint(None, member, "Member must not be null")])


def _too_many(member: str, maximum: int) -> Exception:
    return validation_error([f"Value at '{member_name(member)}' failed to satisfy constraint: "
                             f"Member must have length less than or equal to {maximum}"])


def _texts(call: Call, member: str, minimum: int, maximum: int, count: int) -> list[str]:
    values = call.params.list(member)
    if len(values) > count:
        raise _too_many(member, count)
    validators.raise_problems([problem for value in values
                               for problem in validators.text_problems(value, member_name(member), minimum, maximum)])
    return values


def policy_inputs(call: Call, member: str, *, required: bool = False, count: int = limits.MAX_CUSTOM_POLICIES,
                  prefix: str | None = None) -> list[Policy]:
    """The policy documents of ``member`` (``PolicyInputList.member.N``), each validated as
    IAM validates an identity-based policy, compiled and named as AWS names its source
    (``PolicyInputList.1``)."""
    texts = call.params.list(member)
    if required and not texts:
        raise _required(member)
    if len(texts) > count:
        raise _too_many(member, count)
    for text in texts:
        policy_services.check_document(text)
    return [Policy.from_json(text, name=f"{prefix or member}.{number}", kind="identity")
            for number, text in enumerate(texts, start=1)]


def resource_policy(call: Call) -> Policy | None:
    text = call.params.get("ResourcePolicy")
    if text is None:
        return None
    policy_services.check_document(text, kind="resource")
    return Policy.from_json(text, name="ResourcePolicy", kind="resource")


def action_names(call: Call) -> list[str]:
    actions = _texts(call, "ActionNames", 3, 128, limits.MAX_ACTIONS)
    if not actions:
        raise _required("ActionNames")
    for name in actions:
        if not _ACTION.fullmatch(name):
            raise InvalidInput(f"Invalid action name {name}: an action name is service:ActionName.")
    return list(dict.fromkeys(actions))


def resource_arns(call: Call) -> list[str]:
    return list(dict.fromkeys(_texts(call, "ResourceArns", 1, 2048, limits.MAX_RESOURCES)))


def _typed(kind: str, value: str) -> bool:
    base = kind.removesuffix("List")
    if base == "numeric":
        return parse_number(value) is not None
    if base == "boolean":
        return value.lower() in ("true", "false")
    if base == "date":
        return parse_date(value, policy=False) is not None
    if base == "ip":
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
    if base == "binary":
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return False
    return True


def context_entries(call: Call) -> dict[str, Any]:
    """``ContextEntries``: each key's values, checked against its ``ContextKeyType``; a list
    type is multivalued, any other takes one value."""
    entries = call.params.structs("ContextEntries", ("ContextKeyName", "ContextKeyType"))
    if len(entries) > limits.MAX_CONTEXT_ENTRIES:
        raise _too_many("ContextEntries", limits.MAX_CONTEXT_ENTRIES)
    context: dict[str, Any] = {}
    for number, entry in enumerate(entries, start=1):
        name, kind = entry.get("ContextKeyName", ""), entry.get("ContextKeyType", "string")
        values = call.params.list(f"ContextEntries.member.{number}.ContextKeyValues")
        problems = validators.text_problems(name, "contextKeyName", 5, limits.CONTEXT_KEY_MAX)
        if kind not in CONTEXT_TYPES:
            problems.append(f"Value '{kind}' at 'contextKeyType' failed to satisfy constraint: Member must "
                            f"satisfy enum value set: [{', '.join(CONTEXT_TYPES)}]")
        problems += [problem for value in values for problem in validators.text_problems(
            value, "contextKeyValues", 0, limits.CONTEXT_VALUE_MAX, echo=False)]
        validators.raise_problems(problems)
        if not values:
            raise InvalidInput(f"Context key {name} has no values.")
        if not kind.endswith("List") and len(values) > 1:
            raise InvalidInput(f"Context key {name} of type {kind} takes one value, not {len(values)}.")
        for value in values:
            if not _typed(kind, value):
                raise InvalidInput(f"Invalid value {value[:256]} for context key {name} of type {kind}.")
        context[name] = values if kind.endswith("List") else values[0]
    return context


def caller_arn(call: Call) -> str | None:
    arn = call.params.get("CallerArn")
    if arn is not None:
        validators.check_text(arn, "callerArn", 1, 2048)
        if not _CALLER_ARN.fullmatch(arn):
            raise InvalidInput(f"Invalid CallerArn {arn}: the caller must be an IAM user.")
    return arn


def resource_owner(call: Call) -> str | None:
    """The account id of ``ResourceOwner`` (``arn:aws:iam::<account>:root``)."""
    arn = call.params.get("ResourceOwner")
    if arn is None:
        return None
    validators.check_text(arn, "resourceOwner", 1, 2048)
    match = _ACCOUNT_ARN.fullmatch(arn)
    if match is None:
        raise InvalidInput(f"Invalid ResourceOwner {arn}: the owner is an account ARN, arn:aws:iam::<account>:root.")
    return match["account"]


def source_target(call: Call, action_name: str) -> Target:
    """``PolicySourceArn``: a user, group or role of the caller's account, authorised with
    ``action_name`` on its ARN before anything says whether it exists."""
    call.params.require("PolicySourceArn")
    arn = call.params.get("PolicySourceArn")
    validators.check_text(arn, "policySourceArn", 20, 2048)
    if not PRINCIPAL_ARN.fullmatch(arn):
        raise InvalidInput(f"Invalid PolicySourceArn {arn}: the source is the ARN of an IAM user, group or role.")
    target = target_for(call.account, "user", arn)
    call.authorize(action_name, target.arn)
    if target.obj is None:
        raise NoSuchEntity(f"The {target.kind} with name {target.name} cannot be found.")
    return target


def check_paging(call: Call) -> None:
    """``MaxItems`` and ``Marker`` checked before anything runs (``page`` reads them)."""
    call.params.int("MaxItems", minimum=1, maximum=MAX_ITEMS_LIMIT)
    marker = call.params.get("Marker")
    if marker is not None:
        validators.check_text(marker, "marker", 1, 320)


# ---------------------------------------------------------------------------
# Results


def policy_sources(call: Call, simulation: Simulation, inputs: set[int]) -> dict[str, tuple[str, str | None]]:
    """Each simulated policy's ``(SourcePolicyId, SourcePolicyType)``, by its engine name:
    an inline policy by its name and its owner's kind, a managed policy by its name as
    ``user-managed`` (the account's) or ``aws-managed``, an input policy as AWS names it."""
    kind = simulation.target.kind if simulation.target is not None else None
    stored = [p.policy.name for p in simulation.policies if id(p.policy) not in inputs]
    managed = [name for name in stored if not name.startswith("inline:")]
    customer = set(ManagedPolicy.objects.filter(account=call.account, name__in=managed)
                   .values_list("name", flat=True)) if managed else set()
    sources: dict[str, tuple[str, str | None]] = {"ResourcePolicy": ("ResourcePolicy", "resource")}
    for simulated in simulation.policies:
        name = simulated.policy.name
        if id(simulated.policy) in inputs:
            sources[name] = (name, None)
        elif name.startswith("inline:") and "/" in name:
            sources[name] = (name.split("/", 1)[1], "group")
        elif name.startswith("inline:"):
            sources[name] = (name[len("inline:"):], kind)
        else:
            sources[name] = (name, "user-managed" if name in customer else "aws-managed")
    return sources


def statement_shape(matched: Any, sources: dict[str, tuple[str, str | None]]) -> dict[str, Any]:
    source_id, source_type = sources.get(matched.policy, (matched.policy, None))
    span = matched.span
    return {"SourcePolicyId": source_id, "SourcePolicyType": source_type,
            "StartPosition": {"Line": span.start_line, "Column": span.start_column},
            "EndPosition": {"Line": span.end_line, "Column": span.end_column}}


class Results(Sequence):
    """The simulation's (action, resource) pairs as ``EvaluationResult`` shapes, evaluated
    only when a page slices them, until the deadline."""

    def __init__(self, simulation: Simulation, sources: dict[str, tuple[str, str | None]], actions: list[str],
                 resources: list[str], resources_given: bool, owner: str | None) -> None:
        self.simulation = simulation
        self.sources = sources
        self.pairs = [(a, r) for a in actions for r in resources]
        self.resources_given = resources_given
        self.owner = owner
        self.stopped = False
        #: Whether the principal's account is in an organization (OrganizationsDecisionDetail).
        self.in_organization = False

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, window: Any) -> Any:
        if not isinstance(window, slice):
            raise TypeError("Results are read a page at a time")
        wanted = self.pairs[window]
        rows = [self.shape(*row) for row in self.simulation.decide(wanted)]
        self.stopped = len(rows) < len(wanted)
        return rows

    def shape(self, action_name: str, resource: str, request: Any, decision: Any) -> dict[str, Any]:
        if self.owner is not None and len(resource.split(":")) > 4 and not resource.split(":")[4]:
            # ResourceOwner owns the resources whose ARN names no account.
            request, decision = self.simulation.evaluate(action_name, resource, {"aws:ResourceAccount": self.owner})
        statements = [statement_shape(m, self.sources) for m in decision.matched if m.policy_kind != "scp"]
        missing = list(decision.missing_context)
        result: dict[str, Any] = {"EvalActionName": action_name, "EvalResourceName": resource,
                                  "EvalDecision": decision.decision, "MatchedStatements": statements,
                                  "MissingContextValues": missing}
        if self.in_organization:
            scps = self.simulation.scps
            result["OrganizationsDecisionDetail"] = {
                "AllowedByOrganizations": scps is None or evaluate(request, identity=[_allows_everything()],
                                                                   scps=scps).allowed}
        boundary = self.simulation.policy_set.boundary
        if boundary is not None:
            result["PermissionsBoundaryDecisionDetail"] = {
                "AllowedByPermissionsBoundary": evaluate(request, identity=[boundary]).allowed}
        if self.resources_given:
            result["EvalDecisionDetails"] = XmlMap([])
            result["ResourceSpecificResults"] = [{
                "EvalResourceName": resource, "EvalResourceDecision": decision.decision,
                "MatchedStatements": statements, "MissingContextValues": missing, "EvalDecisionDetails": XmlMap([]),
                "PermissionsBoundaryDecisionDetail": result.get("PermissionsBoundaryDecisionDetail")}]
        return result


class _Evaluated:
    """A page's rows already evaluated, and one more to say that more follow."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def __getitem__(self, window: slice) -> list[Any]:
        return [*self.rows, None]


def results_page(call: Call, results: Results) -> dict[str, Any]:
    rows, paging = page(call.params, results)
    if results.stopped:  # the deadline ended the page: truncated after the rows it has
        params = QueryDict(mutable=True)
        params["MaxItems"] = str(len(rows))
        if call.params.get("Marker") is not None:
            params["Marker"] = call.params.get("Marker")
        rows, paging = page(Params(params), _Evaluated(rows))
    return {"EvaluationResults": rows, **paging}


# ---------------------------------------------------------------------------
# Simulations


def simulated_policies(policy_set: PolicySet, custom: list[Policy]) -> list[SimulatedPolicy]:
    policies = [SimulatedPolicy(0, p, IDENTITY) for p in policy_set.identity]
    if policy_set.boundary is not None:
        policies.append(SimulatedPolicy(0, policy_set.boundary, BOUNDARY))
    policies += [SimulatedPolicy(0, p, CUSTOM) for p in custom]
    for number, policy in enumerate(policies, start=1):
        policy.number = number
    return policies


def boundary_input(call: Call) -> Policy | None:
    """``PermissionsBoundaryPolicyInputList``: one boundary at most, replacing the principal's."""
    given = policy_inputs(call, "PermissionsBoundaryPolicyInputList", count=1)
    return given[0] if given else None


@dataclass
class Asked:
    """A simulate request's parameters other than policies, read (and validated) once,
    before authorisation (as IAM: a ValidationError first)."""

    actions: list[str]
    resources: list[str]
    context: dict[str, Any]
    caller: str | None
    owner: str | None

    @classmethod
    def read(cls, call: Call) -> Asked:
        asked = cls(action_names(call), resource_arns(call), context_entries(call), caller_arn(call),
                    resource_owner(call))
        option = call.params.get("ResourceHandlingOption")
        if option is not None:
            validators.check_text(option, "resourceHandlingOption", 1, 64)
        check_paging(call)
        return asked


def _simulation(call: Call, target: Target | None, asked: Asked) -> tuple[Simulation, set[int]]:
    """The policies (the principal's, with ``PolicyInputList`` added and its boundary replaced by
    the one given) and the context (given entries over the principal's defaults); and the
    ids of the input policies."""
    custom = policy_inputs(call, "PolicyInputList", required=target is None)
    boundary = boundary_input(call)
    resource = resource_policy(call)
    if resource is not None and asked.caller is None and (target is None or target.kind != "user"):
        raise InvalidInput("CallerArn is required with a ResourcePolicy unless PolicySourceArn is a user.")
    policy_set = policy_set_of(call.identity, target) if target is not None else PolicySet()
    if boundary is not None:
        policy_set = PolicySet(identity=policy_set.identity, boundary=boundary, session=policy_set.session)
    context = {key.lower(): value for key, value in default_context(call.request, target).items()} \
        if target is not None else {}
    context.update({key.lower(): value for key, value in asked.context.items()})
    principal = asked.caller or (target.arn if target is not None else None)
    simulation = Simulation(target, principal, simulated_policies(policy_set, custom), policy_set, context, [])
    simulation.resource_policy = resource
    # SimulatePrincipalPolicy: the SCPs of the principal's account (SimulateCustomPolicy: none).
    simulation.scps = scps_of(call.identity, target) if target is not None else None
    return simulation, {id(p) for p in custom} | ({id(boundary)} if boundary is not None else set())


def _allows_everything() -> Policy:
    from policies.loading import ALLOWS_EVERYTHING, compiled

    return compiled(ALLOWS_EVERYTHING, "root")


def _simulate(call: Call, target: Target | None, asked: Asked) -> dict[str, Any]:
    simulation, inputs = _simulation(call, target, asked)
    results = Results(simulation, policy_sources(call, simulation, inputs), asked.actions,
                      asked.resources or ["*"], bool(asked.resources), asked.owner)
    results.in_organization = target is not None and org_placement(call.identity) is not None
    return results_page(call, results)


@action("iam", "SimulatePrincipalPolicy")
def simulate_principal_policy(call: Call) -> dict:
    asked = Asked.read(call)
    target = source_target(call, "iam:SimulatePrincipalPolicy")
    return _simulate(call, target, asked)


@action("iam", "SimulateCustomPolicy")
def simulate_custom_policy(call: Call) -> dict:
    asked = Asked.read(call)
    call.authorize("iam:SimulateCustomPolicy", "*")
    return _simulate(call, None, asked)


@action("iam", "GetContextKeysForPrincipalPolicy")
def get_context_keys_for_principal_policy(call: Call) -> dict:
    """The context keys the principal's policies (boundary included) and ``PolicyInputList``
    use, each once."""
    target = source_target(call, "iam:GetContextKeysForPrincipalPolicy")
    custom = policy_inputs(call, "PolicyInputList")
    policy_set = policy_set_of(call.identity, target)
    policies = [p.policy for p in simulated_policies(policy_set, custom)]
    return {"ContextKeyNames": [key for key, _ in used_context_keys(policies)]}


@action("iam", "GetContextKeysForCustomPolicy")
def get_context_keys_for_custom_policy(call: Call) -> dict:
    custom = policy_inputs(call, "PolicyInputList", required=True)
    call.authorize("iam:GetContextKeysForCustomPolicy", "*")
    return {"ContextKeyNames": [key for key, _ in used_context_keys(custom)]}
