"""Service control policies: the list, create and edit (the JSON editor, validated as an SCP),
detail with its targets, delete, attach (to targets picked from the tree, or policies picked for a
target) and detach.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View

from policies.authz import authorize, require

from .. import errors, services
from ..forms import DEFAULT_SCP, ChooseManyForm, ServiceControlPolicyForm
from ..models import Organization
from .base import (SCP_TYPE, ConfirmMixin, OrganizationMixin, OrgFormMixin, build_tree, org_error, parent_url,
                   target_ref)


# ---------------------------------------------------------------------------
# Service control policies


class PolicyListView(OrganizationMixin, TemplateView):
    """Policies › Service control policies: each with its type and how many targets it has."""

    iam_action = "organizations:ListPolicies"
    policy_operation = True
    template_name = "organizations/policy_list.html"

    def get_context_data(self, **kwargs):
        policies = list(services.list_policies(self.managed_org).annotate(target_count=Count("targets")))
        return super().get_context_data(policies=policies, **kwargs)


class PolicyCreateView(OrganizationMixin, OrgFormMixin, FormView):
    """Create policy: name, description and the JSON editor (validated as an SCP)."""

    iam_action = "organizations:CreatePolicy"
    policy_operation = True
    template_name = "organizations/policy_form.html"
    form_class = ServiceControlPolicyForm

    def get_initial(self):
        return {"document": DEFAULT_SCP}

    def perform(self, form):
        data = form.cleaned_data
        policy = services.create_policy(self.managed_org, name=data["name"], description=data["description"],
                                        document=data["document"])
        messages.success(self.request, f"Policy {policy.name} created.")
        return redirect("organizations:policy_detail", policy.policy_id)


class PolicyMixin(OrganizationMixin):
    """Pages of one SCP of the managed organization."""

    policy_operation = True

    def setup_org_objects(self) -> None:
        self.policy = self.lookup(services.get_policy, self.kwargs["policy_id"])

    def get_resource_arn(self) -> str:
        return self.policy.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("policy", self.policy)
        return super().get_context_data(**kwargs)

    def refuse_aws_managed(self):
        if self.policy.aws_managed:
            return org_error(self.request, errors.PolicyChangesNotAllowed(),
                             reverse("organizations:policy_detail", args=[self.policy.policy_id]))
        return None


class PolicyDetailView(PolicyMixin, TemplateView):
    """A policy: details, its JSON, and its targets (which ListTargetsForPolicy governs)."""

    iam_action = "organizations:DescribePolicy"
    template_name = "organizations/policy_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        auth = authorize(self.request, "organizations:ListTargetsForPolicy", self.policy.arn, SCP_TYPE)
        context["targets_denied"] = "" if auth else auth.message
        if auth:
            context["targets"] = [(target, target_url(self.managed_org, target))
                                  for target in services.targets_for_policy(self.policy)]
        return context


def target_url(org: Organization, target: services.Target) -> str:
    if target.type == services.ACCOUNT:
        return reverse("organizations:account_detail", args=[target.target_id])
    return parent_url(org, target.target_id)


class PolicyEditView(PolicyMixin, OrgFormMixin, FormView):
    """Edit a customer SCP (UpdatePolicy); FullAWSAccess cannot be changed."""

    iam_action = "organizations:UpdatePolicy"
    template_name = "organizations/policy_form.html"
    form_class = ServiceControlPolicyForm

    def get(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"name": self.policy.name, "description": self.policy.description, "document": self.policy.document}

    def perform(self, form):
        data = form.cleaned_data
        services.update_policy(self.policy, name=data["name"], description=data["description"],
                               document=data["document"])
        messages.success(self.request, f"Policy {self.policy.name} saved.")
        return redirect("organizations:policy_detail", self.policy.policy_id)


class PolicyDeleteView(PolicyMixin, ConfirmMixin, View):
    """Delete a customer SCP that is attached nowhere."""

    iam_action = "organizations:DeletePolicy"
    heading = "Delete policy"

    def get(self, request, *args, **kwargs):
        return self.refuse_aws_managed() or super().get(request, *args, **kwargs)

    def confirmation(self):
        return {"detail": f"Policy {self.policy.name} ({self.policy.policy_id}) is deleted. A policy attached to "
                          "a root, OU or account must be detached from all of them first.",
                "cancel_url": reverse("organizations:policy_detail", args=[self.policy.policy_id])}

    def perform(self):
        services.delete_policy(self.policy)
        messages.success(self.request, f"Policy {self.policy.name} deleted.")
        return redirect("organizations:policy_list")


class PolicyAttachView(PolicyMixin, OrgFormMixin, FormView):
    """Attach the policy to targets picked from the tree (AttachPolicy: authorised on the
    policy and on each target)."""

    iam_action = "organizations:AttachPolicy"
    template_name = "organizations/policy_attach.html"

    def get_form(self, form_class=None):
        org = self.managed_org
        attached = set(self.policy.targets.values_list("target_id", flat=True))
        tree = build_tree(org, list(org.ous.all()), list(services.member_accounts(org)))
        choices = []
        for node in tree.walk():
            choices.append((node.target_id, f"{node.path} ({node.target_id})"))
            choices += [(m.account.account_id, f"{node.path} / {m.name} ({m.account.account_id})")
                        for m in node.accounts]
        choices = [choice for choice in choices if choice[0] not in attached]
        return ChooseManyForm(**self.get_form_kwargs(), choices=choices, label="Targets")

    def perform(self, form):
        org = self.managed_org
        for target_id in form.cleaned_data["chosen"]:
            self.require("organizations:AttachPolicy", target_ref(org, target_id).arn, SCP_TYPE)
            services.attach_policy(self.policy, target_id)
        messages.success(self.request, f"Policy {self.policy.name} attached.")
        return redirect("organizations:policy_detail", self.policy.policy_id)


class TargetAttachView(OrganizationMixin, OrgFormMixin, FormView):
    """Attach policies to the root, an OU or an account (AttachPolicy: authorised on the target
    and on each policy)."""

    iam_action = "organizations:AttachPolicy"
    policy_operation = True
    template_name = "organizations/target_attach.html"

    def setup_org_objects(self) -> None:
        self.target = self.lookup(target_ref, self.kwargs["target_id"])

    def get_resource_arn(self) -> str:
        return self.target.arn

    def get_form(self, form_class=None):
        policies = services.list_policies(self.managed_org).exclude(targets__target_id=self.target.target_id)
        self.offered = {policy.policy_id: policy for policy in policies}
        return ChooseManyForm(**self.get_form_kwargs(), label="Policies",
                              choices=[(policy.policy_id, policy.name) for policy in self.offered.values()])

    def get_context_data(self, **kwargs):
        return super().get_context_data(target=self.target, **kwargs)

    def perform(self, form):
        for policy_id in form.cleaned_data["chosen"]:
            policy = self.offered[policy_id]
            self.require("organizations:AttachPolicy", policy.arn, SCP_TYPE)
            services.attach_policy(policy, self.target.target_id)
        messages.success(self.request, f"Policies attached to {self.target.name}.")
        return redirect(self.target.url)


class PolicyDetachView(PolicyMixin, ConfirmMixin, View):
    """Detach the policy from a target (DetachPolicy: authorised on the policy and the target).
    ``?from=target`` comes back to the target's page, else to the policy's."""

    iam_action = "organizations:DetachPolicy"
    heading = "Detach policy"
    submit = "Detach policy"

    def setup_org_objects(self) -> None:
        super().setup_org_objects()
        self.target = self.lookup(target_ref, self.kwargs["target_id"])

    def back_url(self) -> str:
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        if params.get("from") == "target":
            return self.target.url
        return reverse("organizations:policy_detail", args=[self.policy.policy_id])

    def confirmation(self):
        return {"detail": f"Policy {self.policy.name} no longer applies to {self.target.name} "
                          f"({self.target.target_id}) nor to what is under it. A target keeps at least one "
                          "service control policy.",
                "cancel_url": self.back_url(), "fields": [("from", self.request.GET.get("from", ""))]}

    def perform(self):
        require(self.request, "organizations:DetachPolicy", self.target.arn, SCP_TYPE)
        services.detach_policy(self.policy, self.target.target_id)
        messages.success(self.request, f"Policy {self.policy.name} detached from {self.target.name}.")
        return redirect(self.back_url())
