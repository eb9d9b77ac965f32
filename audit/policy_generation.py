"""Generate a policy from activity (as IAM Access Analyzer does from CloudTrail).

The source is the last-accessed table (:class:`audit.last_accessed.ServiceAccess`), not the
audit trail: the trail keeps only state-changing calls and refusals, while a least-privilege
policy must allow the reads too. A row is one (principal, action, resource) with the last
time it was allowed, so "used in the last N days" is "last allowed within N days".

The document: one statement per service and set of resources, the actions of each sorted,
the statements ordered by service then resources; an action used on any resource ``*``
(lists, account-wide calls) gets ``"Resource": "*"``. The console opens it in the create
policy editor (``?generated=1``), where the user reviews, names and saves it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from django import forms
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import FormView

from accounts import roles
from accounts import services as accounts_services
from accounts.models import User
from iamportal.views_base import get_or_404
from policies.authz import ConditionalIAMActionMixin

from .last_accessed import ServiceAccess

MIN_DAYS, MAX_DAYS = 1, 90
#: The session key the create policy editor reads its pre-filled document from.
SESSION_KEY = "generated_policy"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def used_actions(account: Any, principal_arn: str, days: int) -> dict[str, set[str]]:
    """``{action: {resources}}`` the principal was allowed in the last ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    used: dict[str, set[str]] = {}
    for action, resource in (ServiceAccess.objects.filter(account=account, principal_arn=principal_arn,
                                                          last_authenticated__gte=since)
                             .values_list("action", "resource")):
        used.setdefault(action, set()).add(resource)
    return used


def document_for(used: dict[str, set[str]]) -> dict[str, Any]:
    """The least-privilege policy allowing exactly ``used`` (see the module docstring)."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for action, resources in used.items():
        service = action.partition(":")[0].lower()
        key = (service, ("*",) if "*" in resources else tuple(sorted(resources)))
        grouped.setdefault(key, []).append(action)
    statements = []
    counts: dict[str, int] = {}
    for (service, resources), actions in sorted(grouped.items()):
        counts[service] = counts.get(service, 0) + 1
        statements.append({
            "Sid": f"{_NOT_ALNUM.sub('', service).capitalize()}{counts[service]}",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resources[0] if len(resources) == 1 else list(resources),
        })
    return {"Version": "2012-10-17", "Statement": statements}


def generate(account: Any, principal_arn: str, days: int) -> str:
    """The generated document's JSON text (indented, as the editor shows it)."""
    return json.dumps(document_for(used_actions(account, principal_arn, days)), indent=2)


class GeneratePolicyForm(forms.Form):
    days = forms.IntegerField(label="Period (days)", min_value=MIN_DAYS, max_value=MAX_DAYS, initial=MAX_DAYS,
                              help_text=f"Use the activity of the last {MIN_DAYS}–{MAX_DAYS} days.")


class GeneratePolicyView(ConditionalIAMActionMixin, FormView):
    """A user's or role's "Generate policy": choose the period, then the create policy editor
    opens pre-filled. Reading the activity is the entity's last-accessed report
    (``iam:GenerateServiceLastAccessedDetails`` and ``iam:GetServiceLastAccessedDetails``),
    and what follows is create policy (``iam:CreatePolicy``, asked by its own pages)."""

    form_class = GeneratePolicyForm
    template_name = "audit/generate_policy.html"
    iam_action = "iam:GenerateServiceLastAccessedDetails"
    kind = "user"  # or "role": as_view(kind=…)
    LOOKUPS = {"user": (accounts_services.get_user, "user_name"), "role": (roles.get_role, "role_name")}

    def setup_objects(self) -> None:
        lookup, kwarg = self.LOOKUPS[self.kind]
        self.entity = get_or_404(lookup, self.request.iam.account, self.kwargs[kwarg])

    def get_authorizations(self):
        from accounts import tags

        keys = tags.resource_tag_context(self.entity)
        return [("iam:GenerateServiceLastAccessedDetails", self.entity.arn, keys),
                ("iam:GetServiceLastAccessedDetails", "*", {})]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.entity.user_name if isinstance(self.entity, User) else self.entity.name
        context.update(entity=self.entity, entity_name=name, kind=self.kind,
                       back_url=f"{self.entity.get_absolute_url()}?tab=last_accessed")
        return context

    def form_valid(self, form):
        self.request.session[SESSION_KEY] = generate(self.request.iam.account, self.entity.arn,
                                                     form.cleaned_data["days"])
        return redirect(f"{reverse('policies:policy_create')}?generated=1")


urlpatterns = [
    path("iam/users/<str:user_name>/generate-policy/", GeneratePolicyView.as_view(kind="user"),
         name="generate_user_policy"),
    path("iam/roles/<str:role_name>/generate-policy/", GeneratePolicyView.as_view(kind="role"),
         name="generate_role_policy"),
]
