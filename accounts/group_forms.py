"""Forms of the user-group and account-alias pages.

The forms own the shape of the input (which users may be chosen, the confirmation
text); IAM's rules for names, aliases and quotas stay in :mod:`accounts.services`,
whose errors the views put on the form in AWS's words.
"""

from __future__ import annotations


from django import forms
from django.db.models import QuerySet

from . import quotas
from .models import Group, User, membership_count

GROUP_NAME_HELP = (f"Maximum {quotas.GROUP_NAME_MAX} characters. "
                   "Use alphanumeric and '+=,.@-_' characters.")
ALIAS_HELP = ("3 to 63 characters: lowercase letters, digits and hyphens. It cannot start or end "
              "with a hyphen, contain two hyphens in a row, or be a 12-digit number.")


def _name_input(maximum: int) -> forms.TextInput:
    # The browser stops at the maximum; the server still checks, with IAM's message.
    return forms.TextInput(attrs={"maxlength": maximum, "autocomplete": "off", "spellcheck": "false"})


class UserChoiceField(forms.ModelMultipleChoiceField):
    """IAM users of one account, chosen by name with checkboxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs) -> None:
        super().__init__(queryset=User.objects.none(), to_field_name="user_name", required=False, **kwargs)


def user_rows(queryset: QuerySet[User]) -> QuerySet[User]:
    """The users of a choice table with the number of groups each is in (one query)."""
    return queryset.annotate(group_count=membership_count("user")).order_by("user_name")


class GroupCreateForm(forms.Form):
    """Create user group: a name and, optionally, the account's users to add."""

    name = forms.CharField(label="User group name", strip=False, help_text=GROUP_NAME_HELP,
                           widget=_name_input(quotas.GROUP_NAME_MAX),
                           error_messages={"required": "Enter a user group name."})
    users = UserChoiceField(label="Add users to the group – optional")

    def __init__(self, *args, account, **kwargs) -> None:
        from policies.forms import PolicyArnsField

        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = user_rows(User.objects.for_account(account))
        self.fields["policy_arns"] = PolicyArnsField(account, label="Attach permissions policies – optional")


class GroupRenameForm(forms.Form):
    """UpdateGroup with a new name."""

    name = forms.CharField(label="User group name", strip=False, help_text=GROUP_NAME_HELP,
                           widget=_name_input(quotas.GROUP_NAME_MAX),
                           error_messages={"required": "Enter a user group name."})


class GroupAddUsersForm(forms.Form):
    """Add users to a group: the account's users who are not members yet."""

    users = UserChoiceField(label="Other users in this account")

    def __init__(self, *args, group: Group, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = user_rows(
            User.objects.for_account(group.account_id).exclude(iam_groups=group))

    def clean_users(self):
        users = self.cleaned_data["users"]
        if not users:
            raise forms.ValidationError("Select at least one user to add.", code="required")
        return users


class GroupDeleteForm(forms.Form):
    """The console's delete confirmation: type the group's name."""

    confirm = forms.CharField(label="To confirm deletion, enter the user group name in the text input field.",
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, group: Group, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.group = group

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"]
        if value != self.group.name:
            raise forms.ValidationError("Enter the user group name exactly as shown to confirm deletion.",
                                        code="mismatch")
        return value


class AccountAliasForm(forms.Form):
    """CreateAccountAlias (which also replaces an existing alias)."""

    alias = forms.CharField(label="Preferred alias", strip=False, help_text=ALIAS_HELP,
                            widget=_name_input(63), error_messages={"required": "Enter an account alias."})
