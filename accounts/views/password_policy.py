"""Account settings › Password policy: view, edit (IAM default or custom), set default.

Each page is one IAM action on resource ``*``, as IAM's own: GetAccountPasswordPolicy,
UpdateAccountPasswordPolicy (opening the form also reads the current policy) and
DeleteAccountPasswordPolicy ("IAM default", confirmed first). docs/password-policy.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView, View

from iamportal.views_base import ServiceFormMixin, get_or_404
from policies.authz import ConditionalIAMActionMixin, IAMActionRequiredMixin

from .. import password_policy
from ..password_policy_forms import PasswordPolicyForm
from .confirm import Confirmation, ConfirmRemovalMixin

class PasswordPolicyView(IAMActionRequiredMixin, TemplateView):
    """The account's password policy: the custom one, or IAM's default."""

    iam_action = "iam:GetAccountPasswordPolicy"
    template_name = "accounts/password_policy.html"

    def get_context_data(self, **kwargs):
        account = self.request.iam.account
        return {**super().get_context_data(**kwargs), "policy": password_policy.policy_of(account),
                "rules": password_policy.policy_text(account)}


class PasswordPolicyEditView(ConditionalIAMActionMixin, ServiceFormMixin, FormView):
    """Edit: "Custom" is UpdateAccountPasswordPolicy; "IAM default" goes to the confirmation
    that deletes the custom policy."""

    iam_action = "iam:UpdateAccountPasswordPolicy"
    template_name = "accounts/password_policy_edit.html"
    form_class = PasswordPolicyForm
    error_field = None

    def get_authorizations(self):
        checks = super().get_authorizations()
        if self.request.method != "POST":  # the form shows the current policy
            checks.append(("iam:GetAccountPasswordPolicy", "*", {}))
        return checks

    def get_initial(self):
        return PasswordPolicyForm.initial_for(password_policy.policy_of(self.request.iam.account))

    def perform(self, form):
        account = self.request.iam.account
        if form.cleaned_data["policy_type"] == PasswordPolicyForm.DEFAULT:
            if password_policy.policy_of(account) is None:
                messages.info(self.request, "The account already uses the IAM default password policy.")
                return redirect("accounts:password_policy")
            return redirect("accounts:password_policy_delete")
        password_policy.update_account_password_policy(account, **form.parameters())
        messages.success(self.request, "Password policy updated.")
        return redirect("accounts:password_policy")


class PasswordPolicyDeleteView(ConfirmRemovalMixin, IAMActionRequiredMixin, View):
    """Set the IAM default: GET asks first (404 in IAM's words when there is no custom
    policy); POST deletes the custom policy."""

    iam_action = "iam:DeleteAccountPasswordPolicy"

    def confirmation(self) -> Confirmation:
        get_or_404(password_policy.get_account_password_policy, self.request.iam.account)
        back = reverse("accounts:password_policy")
        return Confirmation(
            heading="Set the IAM default password policy?",
            detail=("The custom password policy is deleted. New passwords of IAM users then need at least 8 "
                    "characters of three of the four character types; passwords no longer expire and "
                    "earlier passwords may be used again."),
            cancel_url=back, submit="Set default",
            crumbs=((reverse("accounts:account_settings"), "Account settings"), (back, "Password policy"),
                    ("", "Set default")))

    def post(self, request):
        get_or_404(password_policy.delete_account_password_policy, request.iam.account)
        messages.success(request, "The account uses the IAM default password policy.")
        return redirect("accounts:password_policy")


urlpatterns = [
    path("iam/account/password-policy/", PasswordPolicyView.as_view(), name="password_policy"),
    path("iam/account/password-policy/edit/", PasswordPolicyEditView.as_view(), name="password_policy_edit"),
    path("iam/account/password-policy/delete/", PasswordPolicyDeleteView.as_view(), name="password_policy_delete"),
]
