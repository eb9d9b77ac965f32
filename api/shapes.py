"""IAM's response shapes (iam-facts §10.5), built from the portal's models.

Each function returns the members of one shape as a dict, in the model's order, for
:func:`api.protocol.render`. ``full=False`` gives what List* actions return (ListUsers leaves
out PermissionsBoundary and Tags, for instance).
"""

from __future__ import annotations

from typing import Any

from policies.services import get_permissions_boundary

from .protocol import policy_document


def tags(entity: Any) -> list[dict[str, str]]:
    return [{"Key": tag["Key"], "Value": tag["Value"]} for tag in entity.tag_list]


def boundary(owner: Any) -> dict[str, str] | None:
    return boundary_of(get_permissions_boundary(owner))


def boundary_of(found: Any) -> dict[str, str] | None:
    """A ``PermissionsBoundary`` row already loaded (None: the owner has none)."""
    if found is None:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": found.policy.arn}


def attached_policy(policy: Any) -> dict[str, str]:
    return {"PolicyName": policy.name, "PolicyArn": policy.arn}


def user(user: Any, *, full: bool = False) -> dict[str, Any]:
    if user.is_root:
        account = user.account
        return {"UserId": account.account_id, "Arn": account.root_arn, "CreateDate": account.created,
                "PasswordLastUsed": user.last_login}
    shape: dict[str, Any] = {
        "Path": user.path, "UserName": user.user_name, "UserId": user.unique_id, "Arn": user.arn,
        "CreateDate": user.created, "PasswordLastUsed": user.last_login,
    }
    if full:
        shape["PermissionsBoundary"] = boundary(user)
        shape["Tags"] = tags(user) or None
    return shape


def group(group: Any) -> dict[str, Any]:
    return {"Path": group.path, "GroupName": group.name, "GroupId": group.unique_id, "Arn": group.arn,
            "CreateDate": group.created}


def role(role: Any, *, full: bool = False) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Path": role.path, "RoleName": role.name, "RoleId": role.unique_id, "Arn": role.arn,
        "CreateDate": role.created, "AssumeRolePolicyDocument": policy_document(role.trust_policy),
        "Description": role.description or None, "MaxSessionDuration": role.max_session_duration,
    }
    if full:
        shape["PermissionsBoundary"] = boundary(role)
        shape["Tags"] = tags(role) or None
        shape["RoleLastUsed"] = {"LastUsedDate": role.last_used, "Region": "us-east-1" if role.last_used else None}
    return shape


def policy(policy: Any, *, full: bool = False, default_version_id: str | None = None,
           attachment_count: int | None = None, boundary_count: int | None = None) -> dict[str, Any]:
    """A managed policy; the counts are the caller's account's (AWS counts per account)."""
    shape: dict[str, Any] = {
        "PolicyName": policy.name, "PolicyId": policy.policy_id, "Arn": policy.arn, "Path": policy.path,
        "DefaultVersionId": default_version_id, "AttachmentCount": attachment_count,
        "PermissionsBoundaryUsageCount": boundary_count, "IsAttachable": True,
    }
    if full:
        shape["Description"] = policy.description or None
    shape["CreateDate"] = policy.created
    shape["UpdateDate"] = policy.updated
    if full:
        shape["Tags"] = tags(policy) or None
    return shape
