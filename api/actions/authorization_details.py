"""GetAccountAuthorizationDetails over the Query API: every user, group, role and managed
policy of the caller's account with their policies, in one paged list.

``Filter`` picks the kinds (User, Group, Role, LocalManagedPolicy, AWSManagedPolicy; all by
default). The pages run through users, groups, roles, then policies (customer managed, and
the AWS managed ones the account uses, as AWS lists them), each kind by name. A page costs
a fixed number of queries whatever the account holds: each kind is sliced in the database
and its inline policies, groups, attachments, boundaries, instance profiles and versions
are prefetched for the rows of the page only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Group, InstanceProfile, Role, User
from policies.models import ManagedPolicy, PolicyAttachment

from .. import shapes
from ..protocol import constraint, page, policy_document, validation_error
from ..registry import Call, action
from .instance_profiles import profile_shape
from .policies import Chain, policy_shape, version_shape, with_details

FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
_ATTACHED = Prefetch("policy_attachments", queryset=PolicyAttachment.objects.select_related("policy__account")
                     .order_by("policy__name", "pk"))


def _inline(owner: Any) -> list[dict[str, str]]:
    return [{"PolicyName": policy.name, "PolicyDocument": policy_document(policy.document)}
            for policy in owner.inline_policies.all()]


def _attached(owner: Any) -> list[dict[str, str]]:
    return [shapes.attached_policy(row.policy) for row in owner.policy_attachments.all()]


def _boundary(owner: Any) -> dict[str, str] | None:
    return shapes.boundary_of(getattr(owner, "permissions_boundary", None))


def user_detail(user: User) -> dict[str, Any]:
    return {
        "Path": user.path, "UserName": user.user_name, "UserId": user.unique_id, "Arn": user.arn,
        "CreateDate": user.created, "UserPolicyList": _inline(user),
        "GroupList": [group.name for group in user.iam_groups.all()], "AttachedManagedPolicies": _attached(user),
        "PermissionsBoundary": _boundary(user), "Tags": shapes.tags(user),
    }


def group_detail(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path, "GroupName": group.name, "GroupId": group.unique_id, "Arn": group.arn,
        "CreateDate": group.created, "GroupPolicyList": _inline(group), "AttachedManagedPolicies": _attached(group),
    }


def role_detail(role: Role) -> dict[str, Any]:
    return {
        "Path": role.path, "RoleName": role.name, "RoleId": role.unique_id, "Arn": role.arn,
        "CreateDate": role.created, "AssumeRolePolicyDocument": policy_document(role.trust_policy),
        # The prefetch gives each profile its role: profile_shape asks nothing more.
        "InstanceProfileList": [profile_shape(profile) for profile in role.instance_profiles.all()],
        "RolePolicyList": _inline(role), "AttachedManagedPolicies": _attached(role),
        "PermissionsBoundary": _boundary(role), "Tags": shapes.tags(role),
        "RoleLastUsed": {"LastUsedDate": role.last_used, "Region": "us-east-1" if role.last_used else None},
    }


def policy_detail(policy: ManagedPolicy) -> dict[str, Any]:
    shape = policy_shape(policy, full=True)
    shape.pop("Tags")
    shape["PolicyVersionList"] = [version_shape(version, document=True) for version in policy.versions.all()]
    return shape


def _sources(call: Call, kinds: set[str]) -> list[QuerySet]:
    """The querysets of the kinds asked for, in the order AWS lists them."""
    account = call.account
    bounded = ("account", "permissions_boundary__policy__account")
    parts = []
    if "User" in kinds:
        parts.append(User.objects.for_account(account).select_related(*bounded)
                     .prefetch_related("inline_policies", "iam_groups", _ATTACHED).order_by("user_name", "pk"))
    if "Group" in kinds:
        parts.append(Group.objects.filter(account=account).select_related("account")
                     .prefetch_related("inline_policies", _ATTACHED).order_by("name", "pk"))
    if "Role" in kinds:
        profiles = Prefetch("instance_profiles", queryset=InstanceProfile.objects.select_related("account"))
        parts.append(Role.objects.for_account(account).select_related(*bounded)
                     .prefetch_related("inline_policies", _ATTACHED, profiles).order_by("name", "pk"))
    mine, aws = "LocalManagedPolicy" in kinds, "AWSManagedPolicy" in kinds
    if mine or aws:
        policies = with_details(ManagedPolicy.objects.all(), call)
        used_aws = Q(account__isnull=True) & (Q(attached_count__gt=0) | Q(boundary_count__gt=0))
        wanted = (Q(account=account) if mine else Q(pk__in=[])) | (used_aws if aws else Q(pk__in=[]))
        parts.append(policies.filter(wanted).prefetch_related("versions").order_by("name", "pk"))
    return parts


@action("iam", "GetAccountAuthorizationDetails")
def get_account_authorization_details(call: Call) -> dict:
    kinds = call.params.list("Filter")
    wrong = [kind for kind in kinds if kind not in FILTERS]
    if wrong:
        raise validation_error([constraint(kinds, "Filter", "Member must satisfy constraint: "
                                           f"[Member must satisfy enum value set: [{', '.join(FILTERS)}]]")])
    call.authorize("iam:GetAccountAuthorizationDetails", "*")
    rows, paging = page(call.params, Chain(*_sources(call, set(kinds or FILTERS))))
    details: dict[str, list] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    for row in rows:
        if isinstance(row, User):
            details["UserDetailList"].append(user_detail(row))
        elif isinstance(row, Group):
            details["GroupDetailList"].append(group_detail(row))
        elif isinstance(row, Role):
            details["RoleDetailList"].append(role_detail(row))
        else:
            details["Policies"].append(policy_detail(row))
    return {**details, **paging}
