"""The Account settings › Password policy › Edit form (iam-facts §8.9).

"IAM default" or "Custom"; a custom policy's checkboxes and numbers become
UpdateAccountPasswordPolicy's parameters (:meth:`PasswordPolicyForm.parameters`), whose
ranges the service checks, in IAM's words.
"""

from __future__ import annotations

from django import forms

from .models import PasswordPolicy
from .password_policy import SYMBOLS

# Pre-filled for a new custom policy, as the console does [unverified: iam-facts §12].
NEW_CUSTOM_POLICY = {
    "minimum_password_length": 8, "require_uppercase_characters": True, "require_lowercase_characters": True,
    "require_numbers": True, "require_symbols": True, "max_password_age": 90, "password_reuse_prevention": 5,
    "allow_users_to_change_password": True,
}


class PasswordPolicyForm(forms.Form):
    """IAM default (DeleteAccountPasswordPolicy) or a custom policy (UpdateAccountPasswordPolicy)."""

    DEFAULT, CUSTOM = "default", "custom"

    policy_type = forms.ChoiceField(
        label="Password policy",
        choices=[(DEFAULT, "IAM default"), (CUSTOM, "Custom")],
        widget=forms.RadioSelect,
        initial=CUSTOM,
    )
    minimum_password_length = forms.IntegerField(
        label="Password minimum length", required=False,
        help_text="Enter a value between 6 and 128 characters.")
    require_uppercase_characters = forms.BooleanField(
        label="Require at least one uppercase letter from the Latin alphabet (A-Z)", required=False)
    require_lowercase_characters = forms.BooleanField(
        label="Require at least one lowercase letter from the Latin alphabet (a-z)", required=False)
    require_numbers = forms.BooleanField(label="Require at least one number", required=False)
    require_symbols = forms.BooleanField(
        label=f"Require at least one non-alphanumeric character ({' '.join(SYMBOLS)})", required=False)
    expire_passwords = forms.BooleanField(label="Turn on password expiration", required=False)
    max_password_age = forms.IntegerField(
        label="Expire passwords in (days)", required=False, help_text="Enter a value between 1 and 1095 days.")
    hard_expiry = forms.BooleanField(
        label="Password expiration requires administrator reset", required=False,
        help_text="Users with an expired password cannot sign in until an administrator resets it.")
    allow_users_to_change_password = forms.BooleanField(
        label="Allow users to change their own password", required=False,
        help_text="Every IAM user may change their own password, without a permissions policy.")
    prevent_reuse = forms.BooleanField(label="Prevent password reuse", required=False)
    password_reuse_prevention = forms.IntegerField(
        label="Remember (passwords)", required=False, help_text="Enter a value between 1 and 24 passwords.")

    @classmethod
    def initial_for(cls, policy: PasswordPolicy | None) -> dict:
        """The form's values for the account's current policy (a new custom one's when none)."""
        if policy is None:
            return {"policy_type": cls.DEFAULT, **NEW_CUSTOM_POLICY}
        values = {name: getattr(policy, name) for name in (
            "minimum_password_length", "require_uppercase_characters", "require_lowercase_characters",
            "require_numbers", "require_symbols", "hard_expiry", "allow_users_to_change_password")}
        return {
            **values, "policy_type": cls.CUSTOM,
            "expire_passwords": policy.expire_passwords,
            "max_password_age": policy.max_password_age or NEW_CUSTOM_POLICY["max_password_age"],
            "prevent_reuse": bool(policy.password_reuse_prevention),
            "password_reuse_prevention": (policy.password_reuse_prevention
                                          or NEW_CUSTOM_POLICY["password_reuse_prevention"]),
        }

    def clean(self) -> dict:
        data = super().clean()
        if data.get("policy_type") != self.CUSTOM:
            return data
        # A number that is switched on must be given (the service checks its range).
        for field, switch in (("minimum_password_length", None), ("max_password_age", "expire_passwords"),
                              ("password_reuse_prevention", "prevent_reuse")):
            if (switch is None or data.get(switch)) and data.get(field) is None and field not in self.errors:
                self.add_error(field, forms.ValidationError(self.fields[field].help_text, code="required"))
        return data

    def parameters(self) -> dict[str, int | bool | None]:
        """UpdateAccountPasswordPolicy's parameters, by AWS's names."""
        data = self.cleaned_data
        return {
            "MinimumPasswordLength": data["minimum_password_length"],
            "RequireUppercaseCharacters": data["require_uppercase_characters"],
            "RequireLowercaseCharacters": data["require_lowercase_characters"],
            "RequireNumbers": data["require_numbers"],
            "RequireSymbols": data["require_symbols"],
            "MaxPasswordAge": data["max_password_age"] if data["expire_passwords"] else None,
            "HardExpiry": data["hard_expiry"],
            "AllowUsersToChangePassword": data["allow_users_to_change_password"],
            "PasswordReusePrevention": data["password_reuse_prevention"] if data["prevent_reuse"] else None,
        }
