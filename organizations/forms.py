"""Forms of the AWS Organizations console pages.

The forms check what a page can check alone (lengths, shapes, a choice among the caller's own
organization's roots, OUs, accounts and policies); the services (:mod:`organizations.services`)
check the rest and raise AWS Organizations' errors, which the views show on the form.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from policies.forms import PolicyDocumentForm

#: CreateAccount: AccountName 1-50 printable ASCII characters; Email 6-64 characters.
ACCOUNT_NAME_MAX = 50
EMAIL_MIN, EMAIL_MAX = 6, 64
#: CreateOrganizationalUnit / UpdateOrganizationalUnit: Name 1-128 characters.
OU_NAME_MAX = 128
#: CreatePolicy: Name 1-128 characters, Description 0-512.
POLICY_NAME_MAX = 128
POLICY_DESCRIPTION_MAX = 512
ACCOUNT_ID = re.compile(r"[0-9]{12}")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")

#: The SCP a new policy starts from, as the console's editor offers it.
DEFAULT_SCP = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Statement1",
            "Effect": "Deny",
            "Action": [],
            "Resource": "*"
        }
    ]
}"""


class AccountCreateForm(forms.Form):
    """Add an AWS account › Create an AWS account: name, root email, and where it goes."""

    name = forms.CharField(
        label="AWS account name", max_length=ACCOUNT_NAME_MAX,
        help_text="Maximum 50 characters: letters, digits, spaces and printable symbols.")
    email = forms.EmailField(
        label="Email address of the account's owner", max_length=EMAIL_MAX,
        help_text="The root user of the new account signs in with this address. It must not belong "
                  "to another account.")
    parent_id = forms.ChoiceField(label="Organizational unit",
                                  help_text="The new account starts in this root or OU.")

    error_messages = {"name": "The account name can contain only printable ASCII characters."}

    def __init__(self, *args: Any, parents: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent_id"].choices = parents

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if not _PRINTABLE_ASCII.fullmatch(name):
            raise forms.ValidationError(self.error_messages["name"], code="invalid")
        return name

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if len(email) < EMAIL_MIN:
            raise forms.ValidationError(f"Ensure this value has at least {EMAIL_MIN} characters.",
                                        code="min_length")
        return email


class AccountInviteForm(forms.Form):
    """Add an AWS account › Invite an existing AWS account: its id or its root user's email."""

    target = forms.CharField(
        label="Email address or account ID of an AWS account", max_length=EMAIL_MAX,
        help_text="The account's root user sees the invitation under Invitations and accepts or "
                  "declines it within 15 days.")

    def clean_target(self) -> str:
        target = self.cleaned_data["target"].strip()
        if not ACCOUNT_ID.fullmatch(target) and "@" not in target:
            raise forms.ValidationError(
                "Enter a 12-digit account ID or the email address of the account's root user.",
                code="invalid")
        return target

    @property
    def target_type(self) -> str:
        """AWS's HandshakeParty type of the entered target: ACCOUNT or EMAIL."""
        return "ACCOUNT" if ACCOUNT_ID.fullmatch(self.cleaned_data["target"]) else "EMAIL"


class OrganizationalUnitForm(forms.Form):
    """Create or rename an organizational unit."""

    name = forms.CharField(label="Organizational unit name", max_length=OU_NAME_MAX,
                           help_text="Maximum 128 characters. Unique among the OUs of its parent.")


class MoveAccountForm(forms.Form):
    """Move an account: the destination, a root or OU of the organization other than its parent."""

    destination = forms.ChoiceField(label="Destination", widget=forms.RadioSelect,
                                    error_messages={"required": "Choose where to move the account.",
                                                    "invalid_choice": "Choose a root or OU of this "
                                                                      "organization other than the "
                                                                      "account's current parent."})

    def __init__(self, *args: Any, destinations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = destinations


class ServiceControlPolicyForm(PolicyDocumentForm):
    """Create or edit a service control policy: name, description and the JSON editor, whose
    findings come from the engine's ``validate(text, kind="scp")``."""

    name = forms.CharField(label="Policy name", max_length=POLICY_NAME_MAX,
                           help_text="Maximum 128 characters. Unique in the organization.")
    description = forms.CharField(label="Policy description - optional", required=False,
                                  max_length=POLICY_DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}),
                                  help_text="Maximum 512 characters.")

    field_order = ["name", "description", "document"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The size limit (5,120 characters) is the service's: it answers in Organizations' words.
        super().__init__(*args, kind="scp", size_quota=None, **kwargs)


class ChooseManyForm(forms.Form):
    """Tick one or more of ``choices`` (policies to attach to a target, or targets to attach a
    policy to); ``label`` names them."""

    chosen = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["chosen"]
        field.choices = choices
        field.label = label
        field.error_messages = {**field.error_messages,
                                "required": f"Choose at least one {label.lower().rstrip('s')}.",
                                "invalid_choice": "%(value)s is not one of the choices on this page."}
