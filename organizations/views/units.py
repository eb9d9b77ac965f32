"""The root and organizational units: their pages (child OUs, accounts, the SCPs attached and
inherited), create, rename, delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView, View

from .. import errors, services
from ..forms import OrganizationalUnitForm
from ..models import OrganizationalUnit
from .base import (ConfirmMixin, OrganizationMixin, OrgFormMixin, ou_chain, parent_url, policies_denied,
                   policy_levels, target_ref)


# ---------------------------------------------------------------------------
# The root and organizational units


class ParentDetailMixin(OrganizationMixin):
    """The root's or an OU's page: its child OUs and accounts, and the SCPs of its path."""

    template_name = "organizations/parent_detail.html"

    def parent_context(self, ou: OrganizationalUnit | None) -> dict[str, Any]:
        org = self.managed_org
        chain = ou_chain(org, ou.ou_ids if ou else [])
        levels = policy_levels(org, chain)
        return {"ou": ou, "target_id": chain[-1][0], "levels": levels, "direct": levels[-1]["policies"],
                "inherited": levels[:-1], "child_ous": list(org.ous.filter(parent=ou)),
                "child_accounts": list(services.member_accounts(org).filter(parent_ou=ou)),
                "resource_arn": self.get_resource_arn(),
                "policies_denied": policies_denied(self.request, self.get_resource_arn())}


class RootDetailView(ParentDetailMixin, TemplateView):
    """The root: its OUs and accounts, and its SCPs."""

    iam_action = "organizations:ListChildren"

    def setup_org_objects(self) -> None:
        if self.managed_org is None or self.kwargs["root_id"] != self.managed_org.root_id:
            raise Http404(errors.ParentNotFoundException.default_message)

    def get_resource_arn(self) -> str:
        return self.managed_org.root_arn

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.parent_context(None), **kwargs)


class OUMixin(OrganizationMixin):
    """Pages of one OU of the managed organization."""

    def setup_org_objects(self) -> None:
        self.ou = self.lookup(services.get_ou, self.kwargs["ou_id"])

    def get_resource_arn(self) -> str:
        return self.ou.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("ou", self.ou)
        return super().get_context_data(**kwargs)


class OUDetailView(OUMixin, ParentDetailMixin, TemplateView):
    """An OU: its child OUs and accounts, its SCPs and those inherited from the root and the OUs above."""

    iam_action = "organizations:DescribeOrganizationalUnit"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.parent_context(self.ou), **kwargs)


class OUCreateView(OrganizationMixin, OrgFormMixin, FormView):
    """Create an OU under the root or an OU (``?parent=``; the root by default), authorised on
    the parent."""

    iam_action = "organizations:CreateOrganizationalUnit"
    template_name = "organizations/ou_create.html"
    form_class = OrganizationalUnitForm

    def setup_org_objects(self) -> None:
        self.parent = None
        if self.managed_org is not None:
            params = self.request.POST if self.request.method == "POST" else self.request.GET
            self.parent = target_ref(self.managed_org, params.get("parent") or self.managed_org.root_id)
            if self.parent.type == services.ACCOUNT:
                raise Http404(errors.ParentNotFoundException.default_message)

    def get_resource_arn(self) -> str:
        return self.parent.arn if self.parent else "*"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.parent, **kwargs)

    def perform(self, form):
        ou = services.create_ou(self.managed_org, parent_id=self.parent.target_id, name=form.cleaned_data["name"])
        messages.success(self.request, f"Organizational unit {ou.name} created.")
        return redirect(self.parent.url)


class OURenameView(OUMixin, OrgFormMixin, FormView):
    """Rename an OU (UpdateOrganizationalUnit)."""

    iam_action = "organizations:UpdateOrganizationalUnit"
    template_name = "organizations/ou_rename.html"
    form_class = OrganizationalUnitForm

    def get_initial(self):
        return {"name": self.ou.name}

    def perform(self, form):
        services.rename_ou(self.ou, form.cleaned_data["name"])
        messages.success(self.request, f"Organizational unit renamed to {self.ou.name}.")
        return redirect("organizations:ou_detail", self.ou.ou_id)


class OUDeleteView(OUMixin, ConfirmMixin, View):
    """Delete an empty OU."""

    iam_action = "organizations:DeleteOrganizationalUnit"
    heading = "Delete organizational unit"

    def confirmation(self):
        return {"detail": f"Organizational unit {self.ou.name} ({self.ou.ou_id}) is deleted. Only an empty OU "
                          "can be deleted: move its accounts and delete its OUs first.",
                "cancel_url": reverse("organizations:ou_detail", args=[self.ou.ou_id])}

    def perform(self):
        parent = self.ou.parent_aws_id
        services.delete_ou(self.ou)
        messages.success(self.request, f"Organizational unit {self.ou.name} deleted.")
        return redirect(parent_url(self.managed_org, parent))
