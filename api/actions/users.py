"""IAM users over the Query API: CreateUser, GetUser, ListUsers, DeleteUser.

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

from accounts import dependents, quotas, services, tags, validators
from accounts.models import User
from policies import services as policy_services

from .. import shapes
from ..protocol import page
from ..registry import Call, action


def caller_or_named(call: Call, member: str = "UserName") -> User:
    """The user ``member`` names in the caller's account, or (absent) the caller's own user
    — root included — as IAM's Get/List actions on "the calling user" do."""
    name = call.params.get(member)
    if name is None:
        return call.user
    return services.get_user(call.account, name)


def user_arn(call: Call, name: str, path: str = "/") -> str:
    return call.account.arn(f"user{path}{name}")


def on_user(user: User) -> dict:
    """The keys every action on an existing user carries: its tags and its boundary."""
    return {**dependents.on(user), **policy_services.boundary_context(user)} if not user.is_root else {}


def subject_arn(call: Call, user: User) -> str:
    return user.arn if not user.is_root else call.account.root_arn


@action("iam", "CreateUser")
def create_user(call: Call) -> dict:
    params = call.params
    params.require("UserName")
    name, path = params.get("UserName"), params.get("Path", "/")
    boundary_arn = params.get("PermissionsBoundary")
    requested_tags = params.tags()
    validators.validate_name_and_path(name, "userName", quotas.USER_NAME_MAX, path)
    validators.validate_tags(requested_tags)
    context = {"iam:PermissionsBoundary": boundary_arn} if boundary_arn else None
    call.authorize_all(tags.create_calls("User", user_arn(call, name, path), requested_tags, context))
    boundary = policy_services.get_attachable_policy(call.account, boundary_arn) if boundary_arn else None
    user = services.create_user(call.account, user_name=name, path=path, tags=requested_tags)
    if boundary is not None:
        policy_services.put_permissions_boundary(user, policy_arn=boundary.arn)
    return {"User": shapes.user(user, full=True)}


@action("iam", "GetUser")
def get_user(call: Call) -> dict:
    user = caller_or_named(call)
    call.authorize("iam:GetUser", subject_arn(call, user), on_user(user))
    return {"User": shapes.user(user, full=True)}


@action("iam", "ListUsers")
def list_users(call: Call) -> dict:
    prefix = call.params.get("PathPrefix", "/")
    call.authorize("iam:ListUsers", call.account.arn("user/"))
    users, paging = page(call.params, User.objects.for_account(call.account)
                         .filter(path__startswith=prefix).order_by("user_name", "pk"))
    return {"Users": [shapes.user(user) for user in users], **paging}


@action("iam", "DeleteUser")
def delete_user(call: Call) -> None:
    call.params.require("UserName")
    user = services.get_user(call.account, call.params.get("UserName"))
    call.authorize("iam:DeleteUser", user.arn, on_user(user))
    services.delete_user(user, remove_dependents=False)
