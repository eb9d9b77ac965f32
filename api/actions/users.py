"""IAM users over the Query API: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser,
TagUser, UntagUser, ListUserTags, and their console passwords (CreateLoginProfile,
GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile, ChangePassword).

The pattern every handler follows (see :mod:`api.registry`):

1. read the parameters (``call.params``), validating their syntax first, as IAM does
   (a ``ValidationError`` comes before any authorisation);
2. authorise the action and every call it implies with the condition keys the request
   carries (``call.authorize`` / ``call.authorize_all``), before anything that could reveal
   whether an entity exists (a denied caller learns nothing);
3. call the same service function the console calls;
4. return the result's members (:mod:`api.shapes`), or None.
"""

from __future__ import annotations

import re

from accounts import dependents, quotas, services, tags, validators
from accounts.models import User
from iamportal.errors import InvalidUserType, ValidationError
from policies import services as policy_services

from .. import shapes
from ..protocol import member_name, page
from ..registry import Call, action
from .roles import tag_keys_param, tags_param

#: IAM's answer when "the calling user" is asked of credentials that are not a user's.
NON_USER = "Must specify userName when calling with non-User credentials"
#: ``existingUserNameType``: the name of a user that exists (longer than a new one may be).
EXISTING_NAME_MAX = 128
PASSWORD_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
_PASSWORD_RE = re.compile(r"[\t\n\r\u0020-\u00FF]+")

# ---------------------------------------------------------------------------
# Parameters


def named_user(call: Call, member: str = "UserName", maximum: int = EXISTING_NAME_MAX) -> User:
    """The IAM user ``member`` names in the caller's account (``NoSuchEntity`` otherwise)."""
    call.params.require(member)
    name = call.params.get(member)
    validators.validate_name(name, member_name(member), maximum)
    return services.get_user(call.account, name)


def caller_or_named(call: Call, member: str = "UserName", *, maximum: int = EXISTING_NAME_MAX,
                    root: bool = True) -> User:
    """The user ``member`` names in the caller's account, or (absent) the caller's own user —
    root included unless ``root`` is false — as IAM's actions on "the calling user" do."""
    if member in call.params:
        return named_user(call, member, maximum)
    if call.identity.principal_type not in (("User", "Account") if root else ("User",)):
        raise ValidationError(NON_USER)
    return call.user


def password(call: Call, member: str, *, required: bool = True) -> str | None:
    """A password parameter, checked by IAM's model without ever echoing it."""
    if required:
        call.params.require(member)
    value = call.params.get(member)
    if value is not None:
        validators.check_text(value, member_name(member), 1, quotas.PASSWORD_MAX, _PASSWORD_RE,
                              PASSWORD_PATTERN, echo=False)
    return value


def path_prefix(call: Call) -> str:
    prefix = call.params.get("PathPrefix", "/")
    validators.validate_path_prefix(prefix)
    return prefix


def user_arn(call: Call, name: str, path: str = "/") -> str:
    return call.account.arn(f"user{path}{name}")


def on_user(user: User) -> dict:
    """The keys every action on an existing user carries: its tags and its boundary."""
    if user.is_root:
        return {}
    return {**dependents.on(user), **policy_services.boundary_context(user)}


# ---------------------------------------------------------------------------
# Users


@action("iam", "CreateUser")
def create_user(call: Call) -> dict:
    """CreateUser as the create-user wizard authorises it: iam:CreateUser with the request's
    tags and boundary, iam:TagUser for the tags, iam:PutUserPermissionsBoundary for the boundary."""
    params = call.params
    params.require("UserName")
    name, path = params.get("UserName"), params.get("Path", "/")
    boundary_arn = params.get("PermissionsBoundary")
    requested_tags = params.tags()
    validators.validate_name_and_path(name, "userName", quotas.USER_NAME_MAX, path)
    if boundary_arn is not None:
        validators.check_text(boundary_arn, "permissionsBoundary", 20, 2048)
    validators.validate_tags(requested_tags)
    arn = user_arn(call, name, path)
    plan = policy_services.new_user_permissions_plan(call.account, boundary_arn=boundary_arn)
    context = {"iam:PermissionsBoundary": boundary_arn} if boundary_arn else None
    call.authorize_all([*tags.create_calls("User", arn, requested_tags, context),
                        *plan.authorizations(arn)])
    user = services.create_user(call.account, user_name=name, path=path, tags=requested_tags)
    plan.apply(user)
    return {"User": shapes.user(user, full=True)}


@action("iam", "GetUser")
def get_user(call: Call) -> dict:
    user = caller_or_named(call)
    call.authorize("iam:GetUser", user.arn, on_user(user))
    return {"User": shapes.user(user, full=True)}


@action("iam", "ListUsers")
def list_users(call: Call) -> dict:
    prefix = path_prefix(call)
    call.authorize("iam:ListUsers", call.account.arn("user/"))
    users, paging = page(call.params, User.objects.for_account(call.account)
                         .filter(path__startswith=prefix).order_by("user_name", "pk"))
    for user in users:
        user.account = call.account
    return {"Users": [shapes.user(user) for user in users], **paging}


@action("iam", "UpdateUser")
def update_user(call: Call) -> None:
    """UpdateUser: allowed on the user's ARN and on its new one (AWS: "permission on both
    the source object and the target object")."""
    params = call.params
    new_name, new_path = params.get("NewUserName"), params.get("NewPath")
    if new_name is not None:
        validators.validate_name(new_name, "newUserName", quotas.USER_NAME_MAX)
    if new_path is not None:
        validators.validate_path(new_path, "newPath")
    user = named_user(call)
    context = on_user(user)
    new_arn = user_arn(call, new_name or user.user_name, new_path or user.path)
    call.authorize_all([("iam:UpdateUser", user.arn, context),
                        ("iam:UpdateUser", new_arn, context)])
    services.update_user(user, new_name=new_name, new_path=new_path)


@action("iam", "DeleteUser")
def delete_user(call: Call) -> None:
    """DeleteUser never cascades: ``DeleteConflict`` while a password, key, MFA device,
    policy or group membership remains, in IAM's words for the first of them."""
    user = named_user(call)
    call.authorize("iam:DeleteUser", user.arn, on_user(user))
    services.delete_user(user, remove_dependents=False)


# ---------------------------------------------------------------------------
# Tags


@action("iam", "TagUser")
def tag_user(call: Call) -> None:
    requested = tags_param(call)
    user = named_user(call)
    call.authorize("iam:TagUser", user.arn, {**on_user(user), **tags.tag_context(requested)})
    tags.tag(user, requested)


@action("iam", "UntagUser")
def untag_user(call: Call) -> None:
    keys = tag_keys_param(call)
    user = named_user(call)
    call.authorize("iam:UntagUser", user.arn, {**on_user(user), **tags.untag_context(keys)})
    tags.untag(user, keys)


@action("iam", "ListUserTags")
def list_user_tags(call: Call) -> dict:
    user = named_user(call)
    call.authorize("iam:ListUserTags", user.arn, on_user(user))
    rows, paging = page(call.params, shapes.tags(user))
    return {"Tags": rows, **paging}


# ---------------------------------------------------------------------------
# Console passwords (login profiles)


def login_profile_shape(user: User) -> dict:
    return {"UserName": user.user_name, "CreateDate": user.password_changed or user.created,
            "PasswordResetRequired": user.password_reset_required}


@action("iam", "CreateLoginProfile")
def create_login_profile(call: Call) -> dict:
    new_password = password(call, "Password")
    reset_required = call.params.bool("PasswordResetRequired", default=False)
    user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
    call.authorize("iam:CreateLoginProfile", user.arn, on_user(user))
    services.create_login_profile(user, new_password, reset_required=reset_required)
    return {"LoginProfile": login_profile_shape(user)}


@action("iam", "GetLoginProfile")
def get_login_profile(call: Call) -> dict:
    user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
    call.authorize("iam:GetLoginProfile", user.arn, on_user(user))
    return {"LoginProfile": login_profile_shape(services.login_profile(user))}


@action("iam", "UpdateLoginProfile")
def update_login_profile(call: Call) -> None:
    new_password = password(call, "Password", required=False)
    reset_required = call.params.bool("PasswordResetRequired")
    user = named_user(call, maximum=quotas.USER_NAME_MAX)
    call.authorize("iam:UpdateLoginProfile", user.arn, on_user(user))
    services.update_login_profile(user, password=new_password, reset_required=reset_required)


@action("iam", "DeleteLoginProfile")
def delete_login_profile(call: Call) -> None:
    user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
    call.authorize("iam:DeleteLoginProfile", user.arn, on_user(user))
    services.remove_console_access(user)


@action("iam", "ChangePassword")
def change_password(call: Call) -> None:
    """The calling IAM user's own password (``iam:ChangePassword`` on its own ARN, which the
    password policy's AllowUsersToChangePassword also grants); never the root user's."""
    old, new = password(call, "OldPassword"), password(call, "NewPassword")
    if call.identity.principal_type != "User":
        raise InvalidUserType("Only an IAM user can change its own password with ChangePassword.")
    user = call.user
    call.authorize("iam:ChangePassword", user.arn, on_user(user))
    services.change_own_password(services.login_profile(user), old_password=old, new_password=new)
