"""The simulator's form: what a request may ask, and the limits it may not exceed.

Every limit bounds what one request costs and what its page repeats (docs/security.md,
"The policy simulator's bounds"): AWS's own quotas where AWS has one, the simulator's
documented cap where it has none.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from policies.engine import ERROR, catalogue, validate

#: Custom policies per simulation (AWS attaches at most 10 managed policies to a user).
MAX_CUSTOM_POLICIES = 10
#: Each custom policy's size: AWS's PolicySize quota (6,144 characters other than whitespace)
#: is checked by the validator; this cap (whitespace included) keeps indented documents in
#: and a document padded with whitespace out.
CUSTOM_POLICY_MAX = 16384
MAX_ACTIONS = 100
#: Longer than any action of the catalogue: a longer entry is refused without matching it.
ACTION_MAX = 128
MAX_RESOURCES = 10
#: IAM's arnType (2,048 characters).
RESOURCE_MAX = 2048
MAX_ROWS = 200
#: A simulation stops after this many seconds of evaluating, with the results it has. Matching
#: is linear in pattern x input, but ten custom policies of long patterns, long context values
#: and 200 rows multiply: a deadline bounds one request whatever the mix.
SIMULATION_SECONDS = 5.0
#: Context entries a request may give, each key of IAM's 5–256 characters, each value
#: (several comma-separated values for a multivalued key) of 4,096 characters at most.
MAX_CONTEXT_ENTRIES = 50
CONTEXT_KEY_MAX = 256
CONTEXT_VALUE_MAX = 4096
CONTEXT_PREFIX = "context."

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
    who = forms.CharField(label="Find users, user groups and roles", required=False, max_length=128)

    error_messages = {
        "one_principal": "Choose one user, group or role at most.",
        "nothing_to_simulate": "Choose a user, group or role, or paste a policy.",
        "too_many_policies": f"Paste {MAX_CUSTOM_POLICIES} custom policies at most.",
        "policy_too_long": f"Custom policy %(number)s has %(length)s characters; the simulator accepts "
                           f"{CUSTOM_POLICY_MAX:,} at most, whitespace included.",
        "unknown_action": "{action} is not a known action.",
        "no_match": "{action} matches no known action.",
        "too_many_actions": f"Simulate {MAX_ACTIONS} actions at most.",
        "too_many_resources": f"Simulate {MAX_RESOURCES} resources at most.",
        "resource_too_long": f"A resource ARN has {RESOURCE_MAX} characters at most.",
        "too_many_context_entries": f"Give {MAX_CONTEXT_ENTRIES} context values at most.",
        "context_key_too_long": f"A context key has {CONTEXT_KEY_MAX} characters at most.",
        "context_value_too_long": "The value of context key %(key)s has "
                                  f"{CONTEXT_VALUE_MAX:,} characters at most.",
    }

    def clean_policy(self) -> list[str]:
        texts = [t for t in self.cleaned_data["policy"] if t.strip()]
        if len(texts) > MAX_CUSTOM_POLICIES:
            raise forms.ValidationError(self.error_messages["too_many_policies"], code="too_many_policies")
        too_long = [forms.ValidationError(self.error_messages["policy_too_long"], code="policy_too_long",
                                          params={"number": number, "length": f"{len(text):,}"})
                    for number, text in enumerate(texts, start=1) if len(text) > CUSTOM_POLICY_MAX]
        if too_long:
            raise forms.ValidationError(too_long)
        self.policy_findings: dict[int, list[Any]] = {}
        problems = []
        for number, text in enumerate(texts, start=1):
            # AWS's identity-policy quota (PolicySize, 6,144 characters) applies.
            errors = [f for f in validate(text, kind="identity")
                      if f.level == ERROR and f.blocking]
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
        data["context"] = self._context()
        chosen = [name for name in ("principal", "group", "role") if data.get(name, "").strip()]
        if len(chosen) > 1:
            raise forms.ValidationError(self.error_messages["one_principal"], code="one_principal")
        return data

    def _actions(self, data: dict[str, Any]) -> list[str]:
        written = list(data.get("action") or [])
        written += re.split(r"[\s,]+", data.get("actions_text") or "")
        written = [raw.strip() for raw in written if raw.strip()]
        if len(written) > MAX_ACTIONS:  # refused before any is looked up or expanded
            self.add_error("actions_text", forms.ValidationError(self.error_messages["too_many_actions"],
                                                                 code="too_many_actions"))
            return []
        actions: list[str] = []
        for raw in written:
            if len(raw) > ACTION_MAX:
                self.add_error("actions_text" if raw not in (data.get("action") or []) else "action",
                               forms.ValidationError(self.error_messages["unknown_action"].format(
                                   action=raw[:ACTION_MAX] + "…"), code="unknown_action"))
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
                    return resources[:MAX_RESOURCES]
        if any(len(resource) > RESOURCE_MAX for resource in resources):
            self.add_error("resource", forms.ValidationError(self.error_messages["resource_too_long"],
                                                             code="resource_too_long"))
            return [r for r in resources if len(r) <= RESOURCE_MAX] or ["*"]
        return resources or ["*"]

    def _context(self) -> dict[str, str]:
        """The context values given (``context.<key>``), by lower-case key: which keys the
        simulation uses is the view's to say; their number and sizes are bounded here."""
        given = {name[len(CONTEXT_PREFIX):]: str(value) for name, value in self.data.items()
                 if name.startswith(CONTEXT_PREFIX)}
        if len(given) > MAX_CONTEXT_ENTRIES:
            self.add_error(None, forms.ValidationError(self.error_messages["too_many_context_entries"],
                                                       code="too_many_context_entries"))
            return {}
        context = {}
        for key, value in given.items():
            if len(key) > CONTEXT_KEY_MAX:
                self.add_error(None, forms.ValidationError(self.error_messages["context_key_too_long"],
                                                           code="context_key_too_long"))
            elif len(value) > CONTEXT_VALUE_MAX:
                self.add_error(None, forms.ValidationError(self.error_messages["context_value_too_long"],
                                                           code="context_value_too_long", params={"key": key}))
            else:
                context[key.lower()] = value
        return context
