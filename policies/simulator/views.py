"""The simulator page (``policies:simulator``): input, authorisation, rendering."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.views.generic import TemplateView

from accounts.models import Group
from accounts.tags import resource_tag_context
from policies.authz import IAMActionRequiredMixin, PolicySet, authorize, simulator_preselection
from policies.engine import Policy

from . import forms as simulator_forms
from . import pickers
from .forms import MAX_ROWS, SimulatorForm
from .simulation import (MAX_STATEMENTS_SHOWN, SCP_SOURCE, ContextKey, Line, MatchedRow, Result, SimulatedPolicy,
                         Simulation, Target, default_context, numbered, policy_set_of, scps_of, target_for,
                         used_context_keys)

#: Parameters that ask for a simulation; without any, the page is a fresh, empty form.
RUN_PARAMETERS = ("run", "action", "actions_text")

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
        # Opened afresh (from the navigation) or moving through a picker, nothing is
        # missing yet: "choose a principal" is said only to a request that asks to run.
        self.running = any(value.strip() for name in RUN_PARAMETERS for value in data.getlist(name))
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
            if name:
                return target_for(self.account, "user" if kind == "principal" else kind, name)
        return None

    def get_iam_action(self) -> str:
        return "iam:SimulatePrincipalPolicy" if self.target is not None else "iam:SimulateCustomPolicy"

    def get_resource_arn(self) -> str:
        return self.target.arn if self.target is not None else "*"

    def get(self, request, *args, **kwargs):
        self.form.is_valid()
        context = self.get_context_data(**kwargs)
        # Input the simulator cannot run (a malformed policy, an unknown action) re-renders
        # the form with its errors, a 200 as every console form.
        return self.render_to_response(context)

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
            if self.running:
                form.add_error(None, form.error_messages["nothing_to_simulate"])
            return None
        policy_set = PolicySet() if target is None else policy_set_of(self.request.iam, target)
        policies = [SimulatedPolicy(0, p, "Identity-based policy") for p in policy_set.identity]
        if policy_set.boundary is not None:
            policies.append(SimulatedPolicy(0, policy_set.boundary, "Permissions boundary"))
        for number, text in enumerate(custom, start=1):
            policies.append(SimulatedPolicy(0, Policy.from_json(text, name=f"Custom policy {number}",
                                                                kind="identity"), "Custom policy"))
        # The SCPs of the principal's account (as AWS's simulator includes them), each once.
        scps = scps_of(self.request.iam, target) if target is not None else None
        listed: set[str] = set()
        for scp in (policy for level in scps or [] for policy in level):
            if scp.name not in listed:
                listed.add(scp.name)
                policies.append(SimulatedPolicy(0, scp, SCP_SOURCE))
        for number, simulated in enumerate(policies, start=1):
            simulated.number = number
        if target is not None:
            self.hide_unreadable(target, policies)

        context, keys = self.context_for(target, [p.policy for p in policies])
        principal_arn = target.arn if target is not None else None
        simulation = Simulation(target, principal_arn, policies, policy_set, context, keys, scps=scps)
        if form.is_valid() and form.cleaned_data["actions"]:
            self.run(simulation, form.cleaned_data["actions"], form.cleaned_data["resources"])
        return simulation

    def hide_unreadable(self, target: Target, policies: list[SimulatedPolicy]) -> None:
        """Show a stored policy's text only to a caller who may read it, as the console's
        own pages require: a managed policy with ``iam:GetPolicyVersion`` on it, an inline
        policy with ``iam:Get{User,Group,Role}Policy`` on its owner. Its name and the Sids
        and lines of the deciding statements stay visible (the simulate actions return them)."""
        self.hide_unreadable_scps([p for p in policies if p.source == SCP_SOURCE])
        if self.request.iam.is_root:
            return
        stored = [p for p in policies if p.source not in ("Custom policy", SCP_SOURCE)]
        managed = {p.name for p in stored if not p.name.startswith("inline:")}
        group_names = {p.name[len("inline:"):].split("/", 1)[0] for p in stored
                       if p.name.startswith("inline:") and "/" in p.name}
        # Each policy's ARN with its tags (aws:ResourceTag/…), as its own page asks.
        managed_arns: dict[str, list[tuple[str, dict[str, Any] | None]]] = {}
        if managed:
            from policies.models import ManagedPolicy

            for found in (ManagedPolicy.objects.visible_to(self.account).filter(name__in=managed)
                          .select_related("account")):
                managed_arns.setdefault(found.name, []).append(
                    (found.arn, resource_tag_context(found) or None))
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
                checks = [(owner_action[target.kind], target.arn, resource_tag_context(target.obj) or None)]
            else:
                checks = [("iam:GetPolicyVersion", arn, keys) for arn, keys in managed_arns.get(name, [])]
                checks = checks or [("iam:GetPolicyVersion", self.account.arn(f"policy/{name}"))]
            for action, resource, *context in checks:
                auth = authorize(self.request, action, resource, *context)
                if not auth:
                    simulated.hidden = auth
                    break

    def hide_unreadable_scps(self, scps: list[SimulatedPolicy]) -> None:
        """An SCP's text only for a caller allowed ``organizations:DescribePolicy`` on it: it is
        the management account's (another account, so a member account's principals, its
        root user included, are refused; AWS's own ``FullAWSAccess`` is readable). Its name and
        the deciding statements' Sids and lines stay visible."""
        if not scps:
            return
        from organizations.services import organization_of

        org = organization_of(self.account)
        arns = ({p.name: p.arn for p in org.policies.filter(name__in=[s.name for s in scps]).select_related("org")}
                if org is not None else {})
        for simulated in scps:
            auth = authorize(self.request, "organizations:DescribePolicy", arns.get(simulated.name, "*"))
            if not auth:
                simulated.hidden = auth

    def context_for(self, target: Target | None, policies: list[Policy]) -> tuple[dict[str, Any], list[ContextKey]]:
        """The request context: for each key the policies use, the value submitted
        (``context.<key>``; empty means absent) or, when none was, a default: the chosen
        principal's own keys (those the caller may read, see :func:`principal_context`),
        and the caller's live context when simulating the caller."""
        defaults = default_context(self.request, target) if target is not None else {}
        submitted = self.form.cleaned_data.get("context", {})
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
        by_name: dict[tuple[bool, str], SimulatedPolicy] = {}  # (an SCP?, name): SCPs have names of their own
        for simulated in simulation.policies:
            by_name.setdefault((simulated.source == SCP_SOURCE, simulated.name), simulated)
        pairs = [(a, r) for a in actions for r in resources][:MAX_ROWS]
        if len(actions) * len(resources) > MAX_ROWS:
            self.notices.append(f"Only the first {MAX_ROWS} action and resource pairs were simulated.")
        missing_counts: dict[str, int] = {}
        shown = MAX_STATEMENTS_SHOWN
        for action, resource, request, decision in simulation.decide(pairs):
            deciding = {(m.policy, m.index) for m in decision.matched}
            others = [m for m in decision.applied if (m.policy, m.index) not in deciding]
            # Excerpts only of the statements shown: a row repeats at most `shown` of them.
            simulation.results.append(Result(
                action, resource, request, decision,
                matched=[MatchedRow.of(m, by_name.get((m.policy_kind == "scp", m.policy)))
                         for m in decision.matched[:shown]],
                applied=[MatchedRow.of(m, by_name.get((m.policy_kind == "scp", m.policy))) for m in others[:shown]],
                more_matched=max(0, len(decision.matched) - shown), more_applied=max(0, len(others) - shown)))
            for key in decision.missing_context:
                missing_counts[key.lower()] = missing_counts.get(key.lower(), 0) + 1
        if len(simulation.results) < len(pairs):
            self.notices.append(
                f"The simulation stopped after {simulator_forms.SIMULATION_SECONDS:g} seconds with "
                f"{len(simulation.results)} of {len(pairs)} results: simulate fewer actions, resources or "
                "custom policies at once.")
        for key in simulation.context_keys:
            key.missing_in = missing_counts.get(key.key.lower(), 0)

    # -- page --------------------------------------------------------------

    def action_picker(self, simulation: Simulation | None) -> dict[str, Any]:
        """The action picker: the services listed (those asked for, those of the chosen
        actions and of the policies the caller may read), searched and paged."""
        form = self.form
        chosen = form.cleaned_data.get("actions", [])
        readable = [p.policy for p in (simulation.policies if simulation else []) if not p.text_hidden]
        # What a policy the caller may not read allows stays unsaid: its services aren't listed.
        services_listed = pickers.listed_services(self.data.getlist("service"), chosen, readable)
        return pickers.action_picker(services_listed, (form.cleaned_data.get("q") or "").strip(), chosen,
                                     pickers.page_number(self.data.get("action_page")))

    def permalink(self) -> str:
        """A GET link to this simulation (custom policies left out: they rarely fit a URL),
        landing on its results."""
        params = [(k, v) for k, values in self.data.lists() for v in values
                  if k not in ("csrfmiddlewaretoken", "policy", "who_page", "action_page") and v]
        return f"{self.request.path}?{urlencode(params)}#sim-results"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        simulation = self.simulation()
        form = self.form
        data = self.data
        custom = [t for t in data.getlist("policy") if t.strip()] if "policy" not in form.errors else []
        findings = getattr(form, "policy_findings", {})
        who_page = pickers.page_number(data.get("who_page"))
        context.update({
            "form": form,
            "simulation": simulation,
            "notices": self.notices,
            "target": self.target,
            "choices": pickers.principal_pickers(self.request, self.account,
                                                 (form.cleaned_data.get("who") or "").strip(), who_page),
            "who_page": who_page,
            "selected": {"principal": data.get("principal", ""), "group": data.get("group", ""),
                         "role": data.get("role", "")},
            "custom_policies": [{"number": n, "text": t, "findings": findings.get(n, [])}
                                for n, t in enumerate(custom + [""], start=1)],
            "resources_text": "\n".join(form.cleaned_data.get("resources", ["*"])),
            "actions": self.action_picker(simulation),
            "service_options": pickers.service_options({s.lower() for s in data.getlist("service")}),
            "permalink": self.permalink(),
            "full_policies": [{"policy": p, "lines": self.marked_lines(p, simulation)}
                              for p in (simulation.policies if simulation else [])],
        })
        return context

    @staticmethod
    def marked_lines(simulated: SimulatedPolicy, simulation: Simulation | None) -> list[Line]:
        """The whole policy text, with the lines of every statement that decided a result marked
        (each statement once, however many results it decided)."""
        if simulated.hidden is not None:
            return []
        lines = numbered(simulated)
        scp = simulated.source == SCP_SOURCE
        deciding = {(m.index, m.effect, m.span) for result in (simulation.results if simulation else [])
                    for m in result.decision.matched
                    if m.policy == simulated.name and (m.policy_kind == "scp") == scp}
        for _, effect, span in sorted(deciding, key=lambda d: d[1] == "Deny"):  # Deny marks win
            for line in lines[span.start_line - 1:span.end_line]:
                line.mark = "deny" if effect == "Deny" else "allow"
        return lines
