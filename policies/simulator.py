"""The policy simulator: ``/iam/policies/simulator/`` (``policies:simulator``).

Like AWS's IAM policy simulator: choose a user, group or role of the caller's account,
or paste custom policies (or both: pasted policies are added to the principal's); choose
service actions and resource ARNs; fill the context keys the policies' conditions and
variables use; run. Each (action, resource) pair gets a row with the engine's decision
(``allowed`` / ``explicitDeny`` / ``implicitDeny``), the statements that decided it, the
policy text with those statements' lines highlighted, and the context keys a condition
needed but the request lacked.

- A user is simulated with exactly the policy set the console itself uses for that user
  (:func:`policies.loading.load_user_policy_set`: inline and attached policies, those of
  its groups, and its permissions boundary); a group with its inline and attached policies
  (:func:`~policies.loading.load_group_policy_set`); a role with its own policies and
  boundary (:func:`~policies.loading.load_role_policy_set`).
- The decision is :func:`policies.engine.evaluate`'s, nothing else: the page only
  gathers the input and shows the answer.
- Authorisation: ``iam:SimulatePrincipalPolicy`` on the chosen principal's ARN, or
  ``iam:SimulateCustomPolicy`` (resource ``*``) with pasted policies only. Opened with
  nothing chosen, the page preselects the caller (an IAM user, or the role of a role
  session), as the AccessDenied page's link does (``?action=…&resource=…&principal=…``).
- Every input is a query parameter, so a GET link fills and runs the simulation without
  JavaScript; the form itself posts (pasted policies do not fit in a URL).

Query / form parameters: ``principal`` (user name, or a user/group/role ARN), ``group``,
``role``, ``policy`` (repeatable: custom policy JSON), ``action`` (repeatable,
``svc:Action``), ``actions_text`` (more actions, one per line; wildcards expand against
the catalogue), ``resource`` (ARNs, one per line or repeated; default ``*``),
``context.<key>`` (a context value; comma-separated for multivalued keys; empty: absent),
``service`` and ``q`` (which actions the picker lists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.urls import path
from django.views.generic import TemplateView

from accounts.models import Group, Role, User
from iamportal.errors import NoSuchEntity
from policies import loading, services
from policies.authz import IAMActionRequiredMixin, PolicySet, authorize, simulator_preselection
from policies.engine import ERROR, Policy, Request, catalogue, evaluate, validate
from policies.summary import numbered_lines

MAX_CUSTOM_POLICIES = 10
#: IAM's limit on each policy of SimulateCustomPolicy's PolicyInputList.
CUSTOM_POLICY_MAX = 131072
MAX_ACTIONS = 100
MAX_RESOURCES = 10
MAX_ROWS = 200
MAX_LISTED_SERVICES = 12
MAX_SEARCH_RESULTS = 200
#: Lines around a matched statement shown in a result row (the whole policy is shown
#: once, further down the page).
EXCERPT_CONTEXT = 2
DEFAULT_SERVICES = ("iam",)
CONTEXT_PREFIX = "context."

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_SPECIAL_VARIABLES = {"*", "?", "$"}
_ARN = re.compile(r"arn:aws:iam::(?P<account>[0-9]{12}):(?P<kind>user|group|role)(?P<path>/(?:.*/)?)(?P<name>[^/]+)")


# ---------------------------------------------------------------------------
# Form


class ListWidget(forms.Widget):
    """A parameter that may be repeated (``?action=a&action=b``)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else ([] if value is None else [value])


class ListField(forms.Field):
    widget = ListWidget

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in (value or [])]


class SimulatorForm(forms.Form):
    """What to simulate. The principal fields are names in the caller's account; the
    view resolves them (after authorising)."""

    principal = forms.CharField(label="User", required=False, max_length=2048)
    group = forms.CharField(label="User group", required=False, max_length=128)
    role = forms.CharField(label="Role", required=False, max_length=64)
    policy = ListField(label="Custom policies", required=False)
    action = ListField(label="Actions", required=False)
    actions_text = forms.CharField(
        label="More actions", required=False, max_length=20000,
        help_text="One svc:Action per line (or separated by commas); wildcards such as s3:Get* "
                  "expand to the actions they match.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}))
    resource = ListField(label="Resource ARNs", required=False)
    service = ListField(label="Services", required=False)
    q = forms.CharField(label="Search actions", required=False, max_length=128)

    error_messages = {
        "one_principal": "Choose one user, group or role at most.",
        "nothing_to_simulate": "Choose a user, group or role, or paste a policy.",
        "too_many_policies": f"Paste {MAX_CUSTOM_POLICIES} custom policies at most.",
        "policy_too_long": f"A custom policy has {CUSTOM_POLICY_MAX} characters at most.",
        "unknown_action": "{action} is not a known action.",
        "no_match": "{action} matches no known action.",
        "too_many_actions": f"Simulate {MAX_ACTIONS} actions at most.",
        "too_many_resources": f"Simulate {MAX_RESOURCES} resources at most.",
    }

    def clean_policy(self) -> list[str]:
        texts = [t for t in self.cleaned_data["policy"] if t.strip()]
        if len(texts) > MAX_CUSTOM_POLICIES:
            raise forms.ValidationError(self.error_messages["too_many_policies"], code="too_many_policies")
        if any(len(t) > CUSTOM_POLICY_MAX for t in texts):
            raise forms.ValidationError(self.error_messages["policy_too_long"], code="policy_too_long")
        self.policy_findings: dict[int, list[Any]] = {}
        problems = []
        for number, text in enumerate(texts, start=1):
            errors = [f for f in validate(text, kind="identity", max_size=0) if f.level == ERROR]
            if errors:
                self.policy_findings[number] = errors
                problems += [forms.ValidationError(
                    "Custom policy %(number)s, line %(line)s, column %(column)s: %(message)s",
                    code="malformed_policy",
                    params={"number": number, "line": f.location.line, "column": f.location.column,
                            "message": f.message}) for f in errors]
        if problems:
            raise forms.ValidationError(problems)
        return texts

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["actions"] = self._actions(data)
        data["resources"] = self._resources(data)
        chosen = [name for name in ("principal", "group", "role") if data.get(name, "").strip()]
        if len(chosen) > 1:
            raise forms.ValidationError(self.error_messages["one_principal"], code="one_principal")
        return data

    def _actions(self, data: dict[str, Any]) -> list[str]:
        written = list(data.get("action") or [])
        written += re.split(r"[\s,]+", data.get("actions_text") or "")
        actions: list[str] = []
        for raw in written:
            raw = raw.strip()
            if not raw:
                continue
            if "*" in raw or "?" in raw:
                expanded = list(catalogue.expand(raw))
                if not expanded:
                    self.add_error("actions_text", forms.ValidationError(
                        self.error_messages["no_match"].format(action=raw), code="no_match"))
            else:
                canonical = catalogue.canonical_action(raw)
                if canonical is None:
                    self.add_error("actions_text" if raw not in (data.get("action") or []) else "action",
                                   forms.ValidationError(self.error_messages["unknown_action"].format(action=raw),
                                                         code="unknown_action"))
                    continue
                expanded = [canonical]
            actions += [a for a in expanded if a not in actions]
        if len(actions) > MAX_ACTIONS:
            self.add_error("actions_text", forms.ValidationError(self.error_messages["too_many_actions"],
                                                                 code="too_many_actions"))
        return actions[:MAX_ACTIONS]

    def _resources(self, data: dict[str, Any]) -> list[str]:
        resources: list[str] = []
        for value in data.get("resource") or []:
            for line in value.splitlines():
                line = line.strip()
                if line and line not in resources:
                    resources.append(line)
        if len(resources) > MAX_RESOURCES:
            self.add_error("resource", forms.ValidationError(self.error_messages["too_many_resources"],
                                                             code="too_many_resources"))
        return resources[:MAX_RESOURCES] or ["*"]


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
    source: str  # "Identity-based policy" | "Permissions boundary" | "Custom policy"
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


@dataclass
class MatchedRow:
    """A statement that decided a result, with its text."""

    statement: Any  # engine MatchedStatement
    policy: SimulatedPolicy | None
    lines: list[Line] = field(default_factory=list)

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
    matched: list[MatchedRow]
    applied: list[MatchedRow]

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
        return [p.policy for p in self.policies if p.source != "Permissions boundary"]

    def evaluate(self, action: str, resource: str) -> tuple[Request, Any]:
        request = Request(action=action, resource=resource, principal=self.principal_arn, context=self.context)
        return request, evaluate(request, identity=self.identity_policies(), boundary=self.policy_set.boundary,
                                 session=self.policy_set.session)


#: The policy set the simulator evaluates for each kind of principal: for a user exactly
#: the set the console loads when it signs in; a group's own policies; a role's policies
#: and boundary, as in a session of it.
POLICY_SET_LOADERS = {
    "user": loading.load_user_policy_set,
    "group": loading.load_group_policy_set,
    "role": loading.load_role_policy_set,
}


def principal_context(target: Target) -> dict[str, Any]:
    """Context keys that describe the simulated principal itself (AWS fills them from
    the principal, not from the request)."""
    obj = target.obj
    if obj is None or target.kind == "group":
        return {}
    context: dict[str, Any] = {"aws:PrincipalArn": obj.arn, "aws:PrincipalAccount": obj.account.account_id}
    if target.kind == "user":
        context.update({"aws:username": obj.user_name, "aws:userid": obj.unique_id, "aws:PrincipalType": "User"})
    else:
        context["aws:PrincipalType"] = "AssumedRole"
    for tag in obj.tag_list:
        context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    return context


def used_context_keys(policies: list[Policy]) -> list[tuple[str, bool]]:
    """The context keys the policies' conditions and variables use, in document order,
    each once (case-insensitively), with whether any condition treats it as multivalued
    (``ForAllValues:`` / ``ForAnyValue:``)."""
    keys: dict[str, list[Any]] = {}
    for policy in policies:
        for statement in policy.statements:
            for condition in statement.conditions:
                entry = keys.setdefault(condition.key.lower(), [condition.key, False])
                if condition.operator.lower().startswith(("forallvalues:", "foranyvalue:")):
                    entry[1] = True
        if policy.version == "2012-10-17":
            for match in _VARIABLE.finditer(policy.text):
                key = match.group(1).split(",", 1)[0].strip()
                if key and key not in _SPECIAL_VARIABLES:
                    keys.setdefault(key.lower(), [key, False])
    return [(key, multi) for key, multi in keys.values()]


def numbered(policy: Policy) -> list[Line]:
    """The policy text as :class:`Line` rows (the numbering of the policy pages' JSON view)."""
    return [Line(number, text) for number, text in numbered_lines(policy.text)]


def excerpt(simulated: SimulatedPolicy | None, statement: Any) -> list[Line]:
    """The statement's lines (highlighted) with a few lines around them."""
    if simulated is None or simulated.hidden is not None:
        return []
    lines = numbered(simulated.policy)
    start, end = statement.span.start_line, statement.span.end_line
    mark = "deny" if statement.effect == "Deny" else "allow"
    shown = []
    for line in lines[max(0, start - 1 - EXCERPT_CONTEXT):min(len(lines), end + EXCERPT_CONTEXT)]:
        shown.append(Line(line.number, line.text, mark if start <= line.number <= end else ""))
    return shown


def service_label(prefix: str) -> str:
    name = catalogue.service_name(prefix)
    return f"{name} ({prefix})" if name else prefix


# ---------------------------------------------------------------------------
# View


class SimulatorView(IAMActionRequiredMixin, TemplateView):
    """The policy simulator page (see the module docstring)."""

    template_name = "policies/simulator.html"
    iam_action = "iam:SimulatePrincipalPolicy"
    http_method_names = ["get", "post", "head"]

    # -- input and authorisation -------------------------------------------

    def params(self) -> QueryDict:
        return self.request.POST if self.request.method == "POST" else self.request.GET

    def setup_objects(self) -> None:
        identity = self.request.iam
        self.account = identity.account
        data = self.params().copy()
        chosen = simulator_preselection(identity)
        if chosen and not any(name in data for name in ("principal", "group", "role", "policy")):
            # Opened afresh: preselect the caller, whose own permissions are the usual question.
            data[chosen[0]] = chosen[1]
        self.data = data
        self.notices: list[str] = []
        self.form = SimulatorForm(data)
        # Only the principal is read before the authorisation; the rest (policies to
        # validate, actions to expand) waits until the caller may simulate at all.
        self.target = self.resolve_target(
            {name: data.get(name, "")[:2048] for name in ("principal", "group", "role")})

    def resolve_target(self, data: dict[str, Any]) -> Target | None:
        """The chosen user, group or role (``obj`` None when the account has none by that name)."""
        for kind in ("principal", "group", "role"):
            name = (data.get(kind) or "").strip()
            if not name:
                continue
            kind = "user" if kind == "principal" else kind
            match = _ARN.fullmatch(name)
            account_id = self.account.account_id
            if match:
                kind, name, account_id = match["kind"], match["name"], match["account"]
            target = Target(kind, name, arn=self.account.arn(f"{kind}/{name}"))
            if account_id != self.account.account_id:
                return target  # another account's principal does not exist here
            target.obj = self.lookup(kind, name)
            if target.obj is not None:
                target.obj.account = self.account
                target.arn = target.obj.arn
            return target
        return None

    def lookup(self, kind: str, name: str) -> Any:
        """The account's user, group or role called ``name``, or None."""
        try:
            return services.ENTITY_LOOKUPS[kind](self.account, name)
        except NoSuchEntity:
            return None

    def get_iam_action(self) -> str:
        return "iam:SimulatePrincipalPolicy" if self.target is not None else "iam:SimulateCustomPolicy"

    def get_resource_arn(self) -> str:
        return self.target.arn if self.target is not None else "*"

    def get(self, request, *args, **kwargs):
        self.form.is_valid()
        context = self.get_context_data(**kwargs)
        # Input the simulator cannot run (a malformed policy, an unknown action) is a 400.
        return self.render_to_response(context, status=400 if self.form.errors else 200)

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    # -- the simulation ------------------------------------------------------

    def simulation(self) -> Simulation | None:
        """Gather the policies and the context; run when actions are given."""
        form, target = self.form, self.target
        if target is not None and target.obj is None:
            noun = {"user": "user", "group": "group", "role": "role"}[target.kind]
            form.add_error(None, f"The {noun} with name {target.name} cannot be found.")
            return None
        custom = form.cleaned_data.get("policy") if "policy" not in form.errors else None
        if custom is None:
            return None
        if target is None and not custom:
            form.add_error(None, form.error_messages["nothing_to_simulate"])
            return None
        policy_set = PolicySet() if target is None else POLICY_SET_LOADERS[target.kind](target.obj)
        policies = [SimulatedPolicy(0, p, "Identity-based policy") for p in policy_set.identity]
        if policy_set.boundary is not None:
            policies.append(SimulatedPolicy(0, policy_set.boundary, "Permissions boundary"))
        for number, text in enumerate(custom, start=1):
            policies.append(SimulatedPolicy(0, Policy.from_json(text, name=f"Custom policy {number}",
                                                                kind="identity", max_size=0), "Custom policy"))
        for number, simulated in enumerate(policies, start=1):
            simulated.number = number
        if target is not None:
            self.hide_unreadable(target, policies)

        context, keys = self.context_for(target, [p.policy for p in policies])
        principal_arn = target.arn if target is not None else None
        simulation = Simulation(target, principal_arn, policies, policy_set, context, keys)
        if form.is_valid() and form.cleaned_data["actions"]:
            self.run(simulation, form.cleaned_data["actions"], form.cleaned_data["resources"])
        return simulation

    def hide_unreadable(self, target: Target, policies: list[SimulatedPolicy]) -> None:
        """Show a stored policy's text only to a caller who may read it, as the console's
        own pages require: a managed policy with ``iam:GetPolicyVersion`` on it, an inline
        policy with ``iam:Get{User,Group,Role}Policy`` on its owner. Its name and the Sids
        and lines of the deciding statements stay visible (the simulate actions return them)."""
        if self.request.iam.is_root:
            return
        stored = [p for p in policies if p.source != "Custom policy"]
        managed = {p.name for p in stored if not p.name.startswith("inline:")}
        group_names = {p.name[len("inline:"):].split("/", 1)[0] for p in stored
                       if p.name.startswith("inline:") and "/" in p.name}
        managed_arns: dict[str, list[str]] = {}
        if managed:
            from policies.models import ManagedPolicy

            for found in (ManagedPolicy.objects.visible_to(self.account).filter(name__in=managed)
                          .select_related("account")):
                managed_arns.setdefault(found.name, []).append(found.arn)
        group_arns = {}
        if group_names:
            group_arns = {g.name: g.arn for g in Group.objects.filter(account=self.account, name__in=group_names)
                          .select_related("account")}
        owner_action = {"user": "iam:GetUserPolicy", "role": "iam:GetRolePolicy", "group": "iam:GetGroupPolicy"}
        for simulated in stored:
            name = simulated.name
            if name.startswith("inline:") and "/" in name:
                group = name[len("inline:"):].split("/", 1)[0]
                checks = [("iam:GetGroupPolicy", group_arns.get(group, self.account.arn(f"group/{group}")))]
            elif name.startswith("inline:"):
                checks = [(owner_action[target.kind], target.arn)]
            else:
                checks = [("iam:GetPolicyVersion", arn) for arn in managed_arns.get(name, [])]
                checks = checks or [("iam:GetPolicyVersion", self.account.arn(f"policy/{name}"))]
            for action, resource in checks:
                auth = authorize(self.request, action, resource)
                if not auth:
                    simulated.hidden = auth
                    break

    def context_for(self, target: Target | None, policies: list[Policy]) -> tuple[dict[str, Any], list[ContextKey]]:
        """The request context: for each key the policies use, the value submitted
        (``context.<key>``; empty means absent) or, when none was, a default: the chosen
        principal's own keys, and the caller's live context when simulating the caller."""
        defaults: dict[str, Any] = {}
        if target is not None:
            defaults.update({k.lower(): v for k, v in principal_context(target).items()})
            identity = self.request.iam
            is_caller = (
                (target.kind == "user" and identity.role_session is None and identity.principal_type == "User"
                 and target.obj == identity.user)
                or (target.kind == "role" and identity.role_session is not None
                    and target.obj == identity.role_session.role))
            if is_caller:
                defaults.update({k.lower(): v for k, v in identity.context.items()})
        submitted = {name[len(CONTEXT_PREFIX):].lower(): value for name, value in self.data.items()
                     if name.startswith(CONTEXT_PREFIX)}
        context: dict[str, Any] = {}
        keys = []
        for key, multivalued in used_context_keys(policies):
            if key.lower() in submitted:
                raw, defaulted = submitted[key.lower()].strip(), False
            else:
                value = defaults.get(key.lower(), "")
                raw, defaulted = (", ".join(value) if isinstance(value, (list, tuple)) else str(value)), True
            keys.append(ContextKey(key, raw, multivalued, defaulted and raw != ""))
            if raw:
                context[key] = [v.strip() for v in re.split(r"[,\n]", raw) if v.strip()] if multivalued else raw
        return context, keys

    def run(self, simulation: Simulation, actions: list[str], resources: list[str]) -> None:
        by_name: dict[str, SimulatedPolicy] = {}
        for simulated in simulation.policies:
            by_name.setdefault(simulated.name, simulated)
        pairs = [(a, r) for a in actions for r in resources][:MAX_ROWS]
        if len(actions) * len(resources) > MAX_ROWS:
            self.notices.append(f"Only the first {MAX_ROWS} action and resource pairs were simulated.")
        missing_counts: dict[str, int] = {}
        for action, resource in pairs:
            request, decision = simulation.evaluate(action, resource)
            matched = [MatchedRow(m, by_name.get(m.policy), excerpt(by_name.get(m.policy), m))
                       for m in decision.matched]
            deciding = {(m.policy, m.index) for m in decision.matched}
            applied = [MatchedRow(m, by_name.get(m.policy), excerpt(by_name.get(m.policy), m))
                       for m in decision.applied if (m.policy, m.index) not in deciding]
            simulation.results.append(Result(action, resource, request, decision, matched, applied))
            for key in decision.missing_context:
                missing_counts[key.lower()] = missing_counts.get(key.lower(), 0) + 1
        for key in simulation.context_keys:
            key.missing_in = missing_counts.get(key.key.lower(), 0)

    # -- page --------------------------------------------------------------

    def principal_choices(self) -> dict[str, Any]:
        """The select lists: the account's users, groups and roles, each only when the
        caller may list them (else a text field and the reason)."""
        account = self.account
        lists: dict[str, Any] = {}
        sources = [("users", "iam:ListUsers", "user/", lambda: User.objects.for_account(account)
                    .order_by("user_name").values_list("user_name", flat=True)),
                   ("groups", "iam:ListGroups", "group/", lambda: Group.objects.filter(account=account)
                    .order_by("name").values_list("name", flat=True)),
                   ("roles", "iam:ListRoles", "role/", lambda: Role.objects.for_account(account)
                    .order_by("name").values_list("name", flat=True))]
        for key, action, resource, names in sources:
            auth = authorize(self.request, action, account.arn(resource))
            lists[key] = {"names": list(names()) if auth else None, "denied": None if auth else auth}
        return lists

    def action_groups(self, simulation: Simulation | None) -> list[dict[str, Any]]:
        """The actions the picker offers, grouped by service: the services asked for, those
        the policies and the chosen actions name, or the search results."""
        form = self.form
        chosen = form.cleaned_data.get("actions", [])
        selected = {a.lower() for a in chosen}
        query = (form.cleaned_data.get("q") or "").strip().lower()
        prefixes: list[str] = []

        def want(prefix: str) -> None:
            prefix = prefix.lower()
            if catalogue.is_known_service(prefix) and prefix not in prefixes:
                prefixes.append(prefix)

        for prefix in form.cleaned_data.get("service", []):
            want(prefix)
        for action in chosen:
            want(action.split(":", 1)[0])
        if simulation is not None:
            for simulated in simulation.policies:
                if simulated.text_hidden:
                    continue  # what a policy the caller may not read allows stays unsaid
                for pattern in _action_patterns(simulated.policy):
                    if ":" in pattern and not set(pattern.split(":", 1)[0]) & {"*", "?"}:
                        want(pattern.split(":", 1)[0])
        if not prefixes:
            for prefix in DEFAULT_SERVICES:
                want(prefix)
        prefixes = prefixes[:MAX_LISTED_SERVICES]
        groups: dict[str, list[dict[str, Any]]] = {}
        if query:
            found = 0
            for prefix in catalogue.services():
                for name in catalogue.actions_for_service(prefix):
                    full = f"{prefix}:{name}"
                    if query in full.lower() and found < MAX_SEARCH_RESULTS:
                        groups.setdefault(prefix, []).append({"name": full, "selected": full.lower() in selected})
                        found += 1
        for prefix in prefixes:
            if prefix in groups:
                continue
            groups[prefix] = [{"name": f"{prefix}:{name}", "selected": f"{prefix}:{name}".lower() in selected}
                              for name in catalogue.actions_for_service(prefix)]
        for action in chosen:  # a chosen action is always offered (and selected)
            prefix = action.split(":", 1)[0]
            entries = groups.setdefault(prefix, [])
            if not any(e["name"].lower() == action.lower() for e in entries):
                entries.append({"name": action, "selected": True})
        return [{"prefix": prefix, "label": service_label(prefix), "actions": actions}
                for prefix, actions in groups.items()]

    def permalink(self) -> str:
        """A GET link to this simulation (custom policies left out: they rarely fit a URL)."""
        params = [(k, v) for k, values in self.data.lists() for v in values
                  if k not in ("csrfmiddlewaretoken", "policy") and v]
        return f"{self.request.path}?{urlencode(params)}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        simulation = self.simulation()
        form = self.form
        data = self.data
        custom = [t for t in data.getlist("policy") if t.strip()]
        findings = getattr(form, "policy_findings", {})
        context.update({
            "form": form,
            "simulation": simulation,
            "notices": self.notices,
            "target": self.target,
            "choices": self.principal_choices(),
            "selected": {"principal": data.get("principal", ""), "group": data.get("group", ""),
                         "role": data.get("role", "")},
            "custom_policies": [{"number": n, "text": t, "findings": findings.get(n, [])}
                                for n, t in enumerate(custom + [""], start=1)],
            "resources_text": "\n".join(form.cleaned_data.get("resources", ["*"])),
            "action_groups": self.action_groups(simulation),
            "services": [(p, service_label(p)) for p in catalogue.services()],
            "chosen_services": {s.lower() for s in data.getlist("service")},
            "permalink": self.permalink(),
            "full_policies": [{"policy": p, "lines": self.marked_lines(p, simulation)}
                              for p in (simulation.policies if simulation else [])],
        })
        return context

    @staticmethod
    def marked_lines(simulated: SimulatedPolicy, simulation: Simulation | None) -> list[Line]:
        """The whole policy text, with the lines of every statement that decided a result marked."""
        if simulated.hidden is not None:
            return []
        lines = numbered(simulated.policy)
        for result in simulation.results if simulation else []:
            for row in result.matched:
                if row.policy is simulated:
                    span = row.statement.span
                    mark = "deny" if row.statement.effect == "Deny" else "allow"
                    for line in lines[span.start_line - 1:span.end_line]:
                        line.mark = "deny" if line.mark == "deny" else mark
        return lines


def _action_patterns(policy: Policy) -> list[str]:
    """The Action/NotAction patterns written in a policy (for the services to list)."""
    document = policy.to_dict()
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    patterns = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            continue
        for key in ("Action", "NotAction"):
            value = statement.get(key)
            patterns += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    return patterns


urlpatterns = [
    path("iam/policies/simulator/", SimulatorView.as_view(), name="simulator"),
]
