"""Access keys over the Query API: CreateAccessKey, UpdateAccessKey, DeleteAccessKey,
ListAccessKeys and GetAccessKeyLastUsed, over :mod:`accounts.access_keys` (the operations
the console's Security credentials pages call).

Without ``UserName`` an action is on the caller's own keys, the root user's included. Each
is authorised on the owner's ARN with its tags and boundary, so AWS's "manage your own
access keys" policies (``arn:aws:iam::*:user/${aws:username}``) work as they do there. The
secret access key is in CreateAccessKey's response only.
"""

from __future__ import annotations

import re

from accounts import access_keys
from accounts.models import AccessKey, User
from accounts.validators import check_text
from iamportal.errors import NoSuchEntity

from ..protocol import constraint, page, validation_error
from ..registry import Call, action
from .users import caller_or_named, on_user

KEY_ID_PATTERN = r"[\w]+"
_KEY_ID_RE = re.compile(r"\w+", re.ASCII)
#: ``statusType`` as IAM's model lists it (``Expired`` is for service credentials).
STATUS_ENUM = ("Active", "Inactive", "Expired")
#: What GetAccessKeyLastUsed says of a key never used.
NEVER = "N/A"


def key_id(call: Call) -> str:
    call.params.require("AccessKeyId")
    value = call.params.get("AccessKeyId")
    check_text(value, "accessKeyId", 16, 128, _KEY_ID_RE, KEY_ID_PATTERN)
    return value


def metadata(user: User, key: AccessKey) -> dict:
    return {"UserName": user.user_name, "AccessKeyId": key.access_key_id, "Status": key.status,
            "CreateDate": key.created}


def owned_key(call: Call, action_name: str) -> tuple[User, AccessKey]:
    """The key ``AccessKeyId`` of the user ``UserName`` (or of the caller), once ``action_name``
    is allowed on that user: IAM's ``NoSuchEntity`` for a key of anyone else."""
    wanted = key_id(call)
    user = caller_or_named(call)
    call.authorize(action_name, user.arn, on_user(user))
    return user, access_keys.get_access_key(user, wanted)


@action("iam", "CreateAccessKey")
def create_access_key(call: Call) -> dict:
    user = caller_or_named(call)
    call.authorize("iam:CreateAccessKey", user.arn, on_user(user))
    key, secret = access_keys.create_access_key(user)
    return {"AccessKey": {**metadata(user, key), "SecretAccessKey": secret}}


@action("iam", "UpdateAccessKey")
def update_access_key(call: Call) -> None:
    call.params.require("Status")
    status = call.params.get("Status")
    if status not in STATUS_ENUM:
        allowed = f"Member must satisfy enum value set: [{', '.join(STATUS_ENUM)}]"
        raise validation_error([constraint(status, "Status", allowed)])
    _, key = owned_key(call, "iam:UpdateAccessKey")
    access_keys.update_access_key(key, status=status)


@action("iam", "DeleteAccessKey")
def delete_access_key(call: Call) -> None:
    _, key = owned_key(call, "iam:DeleteAccessKey")
    access_keys.delete_access_key(key)


@action("iam", "ListAccessKeys")
def list_access_keys(call: Call) -> dict:
    user = caller_or_named(call)
    call.authorize("iam:ListAccessKeys", user.arn, on_user(user))
    keys, paging = page(call.params, user.access_keys.order_by("created", "pk"))
    return {"AccessKeyMetadata": [metadata(user, key) for key in keys], **paging}


@action("iam", "GetAccessKeyLastUsed")
def get_access_key_last_used(call: Call) -> dict:
    """When, for which service and in which region a key of the caller's account was last
    used (``N/A`` for a key never used), authorised on its owner's ARN."""
    wanted = key_id(call)
    key = access_keys.find_access_key(wanted)
    if key is None or key.user.account_id != call.account.pk:
        raise NoSuchEntity(f"The Access Key with id {wanted} cannot be found")
    call.authorize("iam:GetAccessKeyLastUsed", key.user.arn, on_user(key.user))
    last_used = {"LastUsedDate": key.last_used, "ServiceName": key.last_used_service or NEVER,
                 "Region": key.last_used_region or NEVER}
    return {"UserName": key.user.user_name, "AccessKeyLastUsed": last_used}
