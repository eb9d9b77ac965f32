"""Service-specific credentials over the Query API, over :mod:`accounts.service_credentials`:
CreateServiceSpecificCredential, ListServiceSpecificCredentials,
ResetServiceSpecificCredential, UpdateServiceSpecificCredential,
DeleteServiceSpecificCredential.

They belong to IAM users only (never the root user). Each action is authorised on the
user's ARN with its tags and boundary, as access keys are, so AWS's "manage your own Git
credentials" policies (``arn:aws:iam::*:user/${aws:username}``) work; ListServiceSpecificCredentials
with ``AllUsers`` is authorised on ``*``. The password (a Bedrock API key's secret) is in
the responses of Create and Reset only.
"""

from __future__ import annotations

import re
from typing import Any

from accounts import quotas
from accounts import service_credentials as credentials
from accounts.models import ServiceSpecificCredential, User
from accounts.validators import check_text
from iamportal.errors import InvalidInput

from ..protocol import constraint, page, validation_error
from ..registry import Call, action
from .users import caller_or_named, named_user, on_user

ID_PATTERN = r"[\w]+"
_ID_RE = re.compile(r"\w+", re.ASCII)
STATUS_ENUM = ("Active", "Inactive", "Expired")


def credential_shape(credential: ServiceSpecificCredential, secret: str | None = None) -> dict[str, Any]:
    """``ServiceSpecificCredential`` with ``secret`` (Create, Reset); without one, the
    ``ServiceSpecificCredentialMetadata`` of a listing. A Bedrock API key has an alias and a
    secret where the others have a service user name and a password."""
    api_key = credential.service_name in credentials.API_KEY_SERVICES
    shape: dict[str, Any] = {
        "UserName": credential.user.user_name, "Status": credentials.status_of(credential),
        "ServiceUserName": None if api_key else credential.service_user_name,
        "ServiceCredentialAlias": credential.service_user_name if api_key else None,
        "CreateDate": credential.created, "ExpirationDate": credential.expires,
        "ServiceSpecificCredentialId": credential.credential_id, "ServiceName": credential.service_name,
    }
    if secret is not None:
        shape["ServiceCredentialSecret" if api_key else "ServicePassword"] = secret
    return shape


def credential_id(call: Call) -> str:
    call.params.require("ServiceSpecificCredentialId")
    value = call.params.get("ServiceSpecificCredentialId")
    check_text(value, "serviceSpecificCredentialId", 20, 128, _ID_RE, ID_PATTERN)
    return value


def owned_credential(call: Call, action_name: str) -> ServiceSpecificCredential:
    """The credential ``ServiceSpecificCredentialId`` of the user ``UserName`` (or of the
    calling IAM user), once ``action_name`` is allowed on that user."""
    wanted = credential_id(call)
    user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
    call.authorize(action_name, user.arn, on_user(user))
    return credentials.get_service_specific_credential(user, wanted)


@action("iam", "CreateServiceSpecificCredential")
def create_service_specific_credential(call: Call) -> dict:
    call.params.require("UserName", "ServiceName")
    age_days = call.params.int("CredentialAgeDays", minimum=1, maximum=credentials.AGE_DAYS_MAX)
    user = named_user(call, maximum=quotas.USER_NAME_MAX)
    call.authorize("iam:CreateServiceSpecificCredential", user.arn, on_user(user))
    credential, secret = credentials.create_service_specific_credential(
        user, service_name=call.params.get("ServiceName"), age_days=age_days)
    return {"ServiceSpecificCredential": credential_shape(credential, secret)}


@action("iam", "ListServiceSpecificCredentials")
def list_service_specific_credentials(call: Call) -> dict:
    service_name = call.params.get("ServiceName")
    all_users = call.params.bool("AllUsers", default=False)
    if all_users and "UserName" in call.params:
        raise InvalidInput("AllUsers cannot be specified together with UserName.")
    if all_users:
        call.authorize("iam:ListServiceSpecificCredentials", "*")
        users: Any = User.objects.for_account(call.account)
    else:
        user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
        call.authorize("iam:ListServiceSpecificCredentials", user.arn, on_user(user))
        users = [user]
    if service_name is not None:
        credentials.check_service(service_name)
    rows, paging = page(call.params, credentials.list_service_specific_credentials(users, service_name))
    return {"ServiceSpecificCredentials": [credential_shape(row) for row in rows], **paging}


@action("iam", "ResetServiceSpecificCredential")
def reset_service_specific_credential(call: Call) -> dict:
    credential = owned_credential(call, "iam:ResetServiceSpecificCredential")
    secret = credentials.reset_service_specific_credential(credential)
    return {"ServiceSpecificCredential": credential_shape(credential, secret)}


@action("iam", "UpdateServiceSpecificCredential")
def update_service_specific_credential(call: Call) -> None:
    call.params.require("Status")
    status = call.params.get("Status")
    if status not in STATUS_ENUM:
        allowed = f"Member must satisfy enum value set: [{', '.join(STATUS_ENUM)}]"
        raise validation_error([constraint(status, "Status", allowed)])
    credential = owned_credential(call, "iam:UpdateServiceSpecificCredential")
    credentials.update_service_specific_credential(credential, status=status)


@action("iam", "DeleteServiceSpecificCredential")
def delete_service_specific_credential(call: Call) -> None:
    credentials.delete_service_specific_credential(
        owned_credential(call, "iam:DeleteServiceSpecificCredential"))
