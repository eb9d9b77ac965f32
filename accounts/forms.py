"""Forms of sign-up, sign-in and password pages. Validation lives here; saving in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation

from iamportal.errors import IAMError

from . import quotas, services
from .models import User


def confirmed(form: forms.Form, data: dict, field: str, confirm_field: str) -> dict:
    """``data`` after checking that the password was typed the same way twice."""
    if data.get(field) and data.get(field) != data.get(confirm_field):
        form.add_error(confirm_field, "The passwords do not match.")
    return data


class SignUpForm(forms.Form):
    email = forms.EmailField(label="Root user email address", max_length=254)
    password = forms.CharField(label="Root user password", widget=forms.PasswordInput(render_value=False),
                               max_length=quotas.PASSWORD_MAX,
                               help_text=password_validation.password_validators_help_text_html)
    password_confirm = forms.CharField(label="Confirm root user password", widget=forms.PasswordInput,
                                       max_length=quotas.PASSWORD_MAX)

    def clean(self):
        """The whole form, password policy included, is valid before anyone looks at whether
        the email is in use (``services.sign_up``): a sign-up learns that only at the last step."""
        data = confirmed(self, super().clean(), "password", "password_confirm")
        if data.get("email") and data.get("password") and not self.errors:
            try:
                services.check_console_password(data["password"], user=User(email=data["email"], is_root=True))
            except IAMError as exc:
                self.add_error("password", exc.message)
        return data


class RootSignInForm(forms.Form):
    email = forms.EmailField(label="Root user email address", max_length=254)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=quotas.PASSWORD_MAX)


class IAMSignInForm(forms.Form):
    account = forms.CharField(label="Account ID (12 digits) or account alias", max_length=63)
    user_name = forms.CharField(label="IAM user name", max_length=quotas.USER_NAME_MAX)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=quotas.PASSWORD_MAX)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Old password", widget=forms.PasswordInput, max_length=quotas.PASSWORD_MAX)
    new_password = forms.CharField(label="New password", widget=forms.PasswordInput, max_length=quotas.PASSWORD_MAX)
    new_password_confirm = forms.CharField(label="Retype new password", widget=forms.PasswordInput,
                                           max_length=quotas.PASSWORD_MAX)

    def clean(self):
        return confirmed(self, super().clean(), "new_password", "new_password_confirm")
