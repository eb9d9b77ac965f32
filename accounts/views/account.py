"""Account settings: the account id, its alias and the IAM user sign-in URL (iam-facts §8.8).

The alias is one per account and unique on this server; the sign-in URL names the
alias when there is one, and the URL with the account id keeps working.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView, View

from iamportal.errors import NoSuchEntity
from iamportal.views_base import ServiceFormMixin, get_or_404
from policies.authz import IAMActionRequiredMixin

from .. import services
from ..group_forms import AccountAliasForm
from . import password_policy
from .confirm import Confirmation, ConfirmRemovalMixin


def _account_context(request) -> dict:
    account = request.iam.account
    return {
        "account": account,
        "signin_url": services.iam_user_signin_url(account, request=request),
        "id_signin_url": services.iam_user_signin_url(account, account.account_id, request=request),
    }


class AccountSettingsView(IAMActionRequiredMixin, TemplateView):
    """Account ID, alias (Create / Edit / Delete) and the IAM user sign-in URL."""

    iam_action = "iam:ListAccountAliases"
    template_name = "accounts/account_settings.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **_account_context(self.request)}


class AccountAliasEditView(IAMActionRequiredMixin, ServiceFormMixin, FormView):
    """CreateAccountAlias; with an alias already set it replaces it, so the old one stops working."""

    iam_action = "iam:CreateAccountAlias"
    template_name = "accounts/account_alias_edit.html"
    form_class = AccountAliasForm
    error_field = "alias"

    def get_initial(self):
        return {"alias": self.request.iam.account.alias or ""}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "account": self.request.iam.account}

    def perform(self, form):
        account = self.request.iam.account
        services.set_account_alias(account, form.cleaned_data["alias"])
        messages.success(self.request, f"The account alias is now {account.alias}. "
                                       f"IAM users sign in at {services.iam_user_signin_url(account, request=self.request)}")
        return redirect("accounts:account_settings")


class AccountAliasDeleteView(ConfirmRemovalMixin, IAMActionRequiredMixin, View):
    """DeleteAccountAlias: GET asks first, naming the alias (404 in IAM's words when there is
    none); POST deletes it."""

    iam_action = "iam:DeleteAccountAlias"

    def confirmation(self) -> Confirmation:
        account = self.request.iam.account
        alias = get_or_404(services.account_alias, account)
        back = reverse("accounts:account_settings")
        id_url = services.iam_user_signin_url(account, account.account_id, request=self.request)
        return Confirmation(
            heading=f"Delete account alias {alias}?",
            detail=(f"IAM users then sign in with the account ID, at {id_url}; the sign-in URL "
                    f"with {alias} stops working, and another account may take the alias."),
            cancel_url=back, submit="Delete",
            crumbs=((back, "Account settings"), ("", "Delete account alias")))

    def post(self, request):
        account = request.iam.account
        try:
            services.delete_account_alias(account)
        except NoSuchEntity as exc:
            messages.error(request, exc.message)
            return render(request, "accounts/account_settings.html", _account_context(request), status=exc.status)
        messages.success(request, "Account alias deleted. IAM users sign in with the account ID.")
        return redirect("accounts:account_settings")


urlpatterns = [
    path("iam/account/", AccountSettingsView.as_view(), name="account_settings"),
    path("iam/account/alias/", AccountAliasEditView.as_view(), name="account_alias_edit"),
    path("iam/account/alias/delete/", AccountAliasDeleteView.as_view(), name="account_alias_delete"),
    # Account settings › Password policy
    *password_policy.urlpatterns,
]
