"""The account over the Query API: CreateAccountAlias, DeleteAccountAlias, ListAccountAliases,
GetAccountSummary, GetAccountPasswordPolicy, UpdateAccountPasswordPolicy,
DeleteAccountPasswordPolicy.

Each is one IAM action on resource ``*`` (as AWS authorises them, and the console's Account
settings and Password policy pages), then the console's own service function
(:mod:`accounts.services`, :mod:`accounts.summary`, :mod:`accounts.password_policy`).
"""

from __future__ import annotations

from accounts import password_policy, services, summary, validators
from accounts.models import PasswordPolicy
from iamportal.errors import NoSuchEntity

from ..protocol import XmlMap, page
from ..registry import Call, action


def alias_param(call: Call) -> str:
    call.params.require("AccountAlias")
    alias = call.params.get("AccountAlias")
    validators.validate_alias(alias)
    return alias


@action("iam", "CreateAccountAlias")
def create_account_alias(call: Call) -> None:
    """Sets the alias (replacing the account's current one); another account's is
    ``EntityAlreadyExists``."""
    alias = alias_param(call)
    call.authorize("iam:CreateAccountAlias", "*")
    services.set_account_alias(call.account, alias)


@action("iam", "DeleteAccountAlias")
def delete_account_alias(call: Call) -> None:
    alias = alias_param(call)
    call.authorize("iam:DeleteAccountAlias", "*")
    if services.account_alias(call.account) != alias:
        raise NoSuchEntity(f"The account alias {alias} cannot be found.")
    services.delete_account_alias(call.account)


@action("iam", "ListAccountAliases")
def list_account_aliases(call: Call) -> dict:
    call.authorize("iam:ListAccountAliases", "*")
    aliases, paging = page(call.params, [call.account.alias] if call.account.alias else [])
    return {"AccountAliases": aliases, **paging}


@action("iam", "GetAccountSummary")
def get_account_summary(call: Call) -> dict:
    call.authorize("iam:GetAccountSummary", "*")
    return {"SummaryMap": XmlMap(list(summary.account_summary(call.account).items()))}


def password_policy_shape(policy: PasswordPolicy) -> dict:
    """``PasswordPolicy``, with AWS's derived ``ExpirePasswords``."""
    return {
        "MinimumPasswordLength": policy.minimum_password_length,
        "RequireSymbols": policy.require_symbols,
        "RequireNumbers": policy.require_numbers,
        "RequireUppercaseCharacters": policy.require_uppercase_characters,
        "RequireLowercaseCharacters": policy.require_lowercase_characters,
        "AllowUsersToChangePassword": policy.allow_users_to_change_password,
        "ExpirePasswords": policy.expire_passwords,
        "MaxPasswordAge": policy.max_password_age,
        "PasswordReusePrevention": policy.password_reuse_prevention,
        "HardExpiry": policy.hard_expiry,
    }


@action("iam", "GetAccountPasswordPolicy")
def get_account_password_policy(call: Call) -> dict:
    call.authorize("iam:GetAccountPasswordPolicy", "*")
    return {"PasswordPolicy": password_policy_shape(password_policy.get_account_password_policy(call.account))}


@action("iam", "UpdateAccountPasswordPolicy")
def update_account_password_policy(call: Call) -> None:
    """Parameters left out go back to their defaults, as in IAM; out-of-range numbers are
    IAM's ValidationError (every fault in one message), before authorisation."""
    values: dict[str, int | bool | None] = {}
    for name, (_, _, bounds) in password_policy.PARAMETERS.items():
        values[name] = call.params.bool(name) if bounds is None else call.params.int(name)
    validators.raise_problems([problem for name, (_, member, bounds) in password_policy.PARAMETERS.items()
                               if bounds is not None and values[name] is not None
                               for problem in validators.range_problems(values[name], member, *bounds)])
    call.authorize("iam:UpdateAccountPasswordPolicy", "*")
    password_policy.update_account_password_policy(call.account, **values)


@action("iam", "DeleteAccountPasswordPolicy")
def delete_account_password_policy(call: Call) -> None:
    call.authorize("iam:DeleteAccountPasswordPolicy", "*")
    password_policy.delete_account_password_policy(call.account)
