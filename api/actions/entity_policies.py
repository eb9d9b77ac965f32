"""The policies of a user, group or role over the Query API: managed policies attached
(Attach/Detach{User,Group,Role}Policy, ListAttached{User,Group,Role}Policies), inline policies
(Put/Get/Delete/List{User,Group,Role}Policy/Policies) and permissions boundaries
(Put/Delete{User,Role}PermissionsBoundary).

The three kinds are the same operations: one handler each, registered once per kind. Every
call on an entity carries what the console's pages give it (``policies.views.entity``,
``accounts.views.roles``): the entity's tags (``aws:ResourceTag/…``, ``iam:ResourceTag/…``),
a user's or role's boundary (``iam:PermissionsBoundary``; for Put*PermissionsBoundary the
boundary being set) and, for Attach/Detach, ``iam:PolicyARN``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts import quotas, validators
from accounts.dependents import on
from accounts.models import Group, Role, User
from policies import services
from policies.models import InlinePolicy, PolicyAttachment

from .. import shapes
from ..protocol import member_name, page, policy_document
from ..registry import Call, action
from .policies import _POLICY_PATH_RE, arn_param, document_param, found, path_prefix

Owner = User | Group | Role
NOUNS = ("User", "Group", "Role")
#: The longest name each kind's ``<Noun>Name`` parameter takes (the model's userNameType,
#: groupNameType, roleNameType; the inline-policy actions take existingUserNameType, 128).
NAME_MAX = {"User": quotas.USER_NAME_MAX, "Group": quotas.GROUP_NAME_MAX, "Role": quotas.ROLE_NAME_MAX}
EXISTING_NAME_MAX = {**NAME_MAX, "User": 128}


def entity_name(call: Call, noun: str, maximum: int | None = None) -> str:
    """``<Noun>Name``: required, and a name by IAM's pattern."""
    member = f"{noun}Name"
    call.params.require(member)
    name = call.params.get(member)
    validators.validate_name(name, member_name(member), maximum or NAME_MAX[noun])
    return name


def policy_name(call: Call) -> str:
    call.params.require("PolicyName")
    name = call.params.get("PolicyName")
    validators.validate_name(name, "policyName", services.POLICY_NAME_MAX)
    return name


def on_entity(owner: Owner) -> dict[str, Any]:
    """The keys every call on ``owner`` carries: its tags and (users, roles) its boundary."""
    return {**on(owner), **services.boundary_context(owner)}


def subject(call: Call, noun: str, name: str, action_name: str, context: dict[str, Any] | None = None) -> Owner:
    """The user, group or role of the caller's account called ``name`` (else ``NoSuchEntity``,
    to a caller who may ``action_name`` there), once ``action_name`` on it is allowed with
    :func:`on_entity`'s keys and ``context``."""
    lookup = services.ENTITY_LOOKUPS[noun.lower()]
    owner = found(call, action_name, call.account.arn(f"{noun.lower()}/{name}"),
                  lambda: lookup(call.account, name), context)
    call.authorize(action_name, owner.arn, {**on_entity(owner), **(context or {})})
    return owner


def name_of(owner: Owner) -> str:
    return owner.user_name if isinstance(owner, User) else owner.name


def register(name: str, handler: Callable[[Call, str], Any], nouns: tuple[str, ...] = NOUNS) -> None:
    """Register ``handler`` as the action ``name`` of each kind (``{noun}``: User, Group, Role)."""
    for noun in nouns:
        def bound(call: Call, noun: str = noun) -> Any:
            return handler(call, noun)

        bound.__name__ = bound.__qualname__ = f"{handler.__name__}_{noun.lower()}"
        action("iam", name.format(noun=noun))(bound)


# ---------------------------------------------------------------------------
# Managed policies attached


def attach(call: Call, noun: str) -> None:
    name, arn = entity_name(call, noun), arn_param(call)
    owner = subject(call, noun, name, f"iam:Attach{noun}Policy", {"iam:PolicyARN": arn})
    services.attach_policy(owner, policy_arn=arn)


def detach(call: Call, noun: str) -> None:
    name, arn = entity_name(call, noun), arn_param(call)
    owner = subject(call, noun, name, f"iam:Detach{noun}Policy", {"iam:PolicyARN": arn})
    services.detach_policy(owner, policy_arn=arn)


def list_attached(call: Call, noun: str) -> dict:
    name = entity_name(call, noun)
    prefix = path_prefix(call, _POLICY_PATH_RE, services.POLICY_PATH_PATTERN)
    owner = subject(call, noun, name, f"iam:ListAttached{noun}Policies")
    rows = (PolicyAttachment.objects.filter(**{noun.lower(): owner}, policy__path__startswith=prefix)
            .select_related("policy__account").order_by("policy__name", "pk"))
    attachments, paging = page(call.params, rows)
    return {"AttachedPolicies": [shapes.attached_policy(row.policy) for row in attachments], **paging}


register("Attach{noun}Policy", attach)
register("Detach{noun}Policy", detach)
register("ListAttached{noun}Policies", list_attached)


# ---------------------------------------------------------------------------
# Inline policies


def put_inline(call: Call, noun: str) -> None:
    name, policy = entity_name(call, noun, EXISTING_NAME_MAX[noun]), policy_name(call)
    document = document_param(call)
    owner = subject(call, noun, name, f"iam:Put{noun}Policy")
    services.put_inline_policy(owner, name=policy, document=document)


def get_inline(call: Call, noun: str) -> dict:
    name, policy = entity_name(call, noun, EXISTING_NAME_MAX[noun]), policy_name(call)
    owner = subject(call, noun, name, f"iam:Get{noun}Policy")
    found = services.get_inline_policy(owner, policy)
    return {f"{noun}Name": name_of(owner), "PolicyName": found.name, "PolicyDocument": policy_document(found.document)}


def delete_inline(call: Call, noun: str) -> None:
    name, policy = entity_name(call, noun, EXISTING_NAME_MAX[noun]), policy_name(call)
    owner = subject(call, noun, name, f"iam:Delete{noun}Policy")
    services.delete_inline_policy(owner, name=policy)


def list_inline(call: Call, noun: str) -> dict:
    owner = subject(call, noun, entity_name(call, noun, EXISTING_NAME_MAX[noun]), f"iam:List{noun}Policies")
    rows = InlinePolicy.objects.filter(**{noun.lower(): owner}).order_by("name", "pk").values_list("name", flat=True)
    names, paging = page(call.params, rows)
    return {"PolicyNames": names, **paging}


register("Put{noun}Policy", put_inline)
register("Get{noun}Policy", get_inline)
register("Delete{noun}Policy", delete_inline)
register("List{noun}Policies", list_inline)


# ---------------------------------------------------------------------------
# Permissions boundaries (users and roles)


def put_boundary(call: Call, noun: str) -> None:
    name, arn = entity_name(call, noun), arn_param(call, "PermissionsBoundary")
    # IAM gives the boundary being set as iam:PermissionsBoundary (the console's pages too).
    owner = subject(call, noun, name, f"iam:Put{noun}PermissionsBoundary", {"iam:PermissionsBoundary": arn})
    services.put_permissions_boundary(owner, policy_arn=arn)


def delete_boundary(call: Call, noun: str) -> None:
    owner = subject(call, noun, entity_name(call, noun), f"iam:Delete{noun}PermissionsBoundary")
    services.delete_permissions_boundary(owner)


register("Put{noun}PermissionsBoundary", put_boundary, ("User", "Role"))
register("Delete{noun}PermissionsBoundary", delete_boundary, ("User", "Role"))
