"""Instance profiles over the Query API: CreateInstanceProfile, GetInstanceProfile,
ListInstanceProfiles, ListInstanceProfilesForRole, DeleteInstanceProfile,
AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile, TagInstanceProfile,
UntagInstanceProfile, ListInstanceProfileTags.

As :mod:`api.actions.users`: syntax first, then the IAM action on the profile's ARN with its
tags (``aws:ResourceTag``) and the request's, then :mod:`accounts.instance_profiles`.
AddRoleToInstanceProfile also needs ``iam:PassRole`` on the role, as AWS requires.
"""

from __future__ import annotations

from typing import Any

from accounts import dependents, instance_profiles, tags, validators
from accounts.models import InstanceProfile

from .. import shapes
from ..protocol import member_name, page
from ..registry import Call, action
from .roles import named_role, on_role, path_prefix_param, tag_keys_param, tags_param


def profile_shape(profile: InstanceProfile, *, full: bool = False) -> dict[str, Any]:
    """``InstanceProfile``, with its role; List* leave out Tags, as AWS's listings do."""
    shape: dict[str, Any] = {
        "Path": profile.path, "InstanceProfileName": profile.name, "InstanceProfileId": profile.unique_id,
        "Arn": profile.arn, "CreateDate": profile.created,
        "Roles": [shapes.role(profile.role)] if profile.role is not None else [],
    }
    if full:
        shape["Tags"] = shapes.tags(profile) or None
    return shape


def named_profile(call: Call) -> InstanceProfile:
    """The instance profile ``InstanceProfileName`` names in the caller's account."""
    call.params.require("InstanceProfileName")
    name = call.params.get("InstanceProfileName")
    validators.validate_name(name, member_name("InstanceProfileName"), instance_profiles.NAME_MAX)
    return instance_profiles.get_instance_profile(call.account, name)


def profiles_page(call: Call, profiles) -> dict[str, Any]:
    rows, paging = page(call.params, profiles.select_related("account", "role__account").order_by("name", "pk"))
    return {"InstanceProfiles": [profile_shape(profile) for profile in rows], **paging}


@action("iam", "CreateInstanceProfile")
def create_instance_profile(call: Call) -> dict:
    params = call.params
    params.require("InstanceProfileName")
    name, path = params.get("InstanceProfileName"), params.get("Path", "/")
    validators.validate_name_and_path(name, "instanceProfileName", instance_profiles.NAME_MAX, path)
    requested_tags = params.tags()
    validators.validate_tags(requested_tags)
    call.authorize_all(tags.create_calls("InstanceProfile", call.account.arn(f"instance-profile{path}{name}"),
                                         requested_tags))
    profile = instance_profiles.create_instance_profile(call.account, name=name, path=path, tags=requested_tags)
    return {"InstanceProfile": profile_shape(profile, full=True)}


@action("iam", "GetInstanceProfile")
def get_instance_profile(call: Call) -> dict:
    profile = named_profile(call)
    call.authorize("iam:GetInstanceProfile", profile.arn, dependents.on(profile))
    return {"InstanceProfile": profile_shape(profile, full=True)}


@action("iam", "ListInstanceProfiles")
def list_instance_profiles(call: Call) -> dict:
    prefix = path_prefix_param(call)
    call.authorize("iam:ListInstanceProfiles", call.account.arn("instance-profile/"))
    return profiles_page(call, InstanceProfile.objects.filter(account=call.account, path__startswith=prefix))


@action("iam", "ListInstanceProfilesForRole")
def list_instance_profiles_for_role(call: Call) -> dict:
    role = named_role(call)
    call.authorize("iam:ListInstanceProfilesForRole", role.arn, on_role(role))
    return profiles_page(call, InstanceProfile.objects.filter(account=call.account, role=role))


@action("iam", "DeleteInstanceProfile")
def delete_instance_profile(call: Call) -> None:
    profile = named_profile(call)
    call.authorize("iam:DeleteInstanceProfile", profile.arn, dependents.on(profile))
    instance_profiles.delete_instance_profile(profile)


@action("iam", "AddRoleToInstanceProfile")
def add_role_to_instance_profile(call: Call) -> None:
    call.params.require("InstanceProfileName", "RoleName")
    profile, role = named_profile(call), named_role(call)
    call.authorize_all(instance_profiles.add_role_calls(profile.arn, dependents.on(profile), role))
    instance_profiles.add_role(profile, role)


@action("iam", "RemoveRoleFromInstanceProfile")
def remove_role_from_instance_profile(call: Call) -> None:
    call.params.require("InstanceProfileName", "RoleName")
    profile, role = named_profile(call), named_role(call)
    call.authorize("iam:RemoveRoleFromInstanceProfile", profile.arn, dependents.on(profile))
    instance_profiles.remove_role(profile, role)


@action("iam", "TagInstanceProfile")
def tag_instance_profile(call: Call) -> None:
    requested = tags_param(call)
    profile = named_profile(call)
    call.authorize("iam:TagInstanceProfile", profile.arn, {**dependents.on(profile), **tags.tag_context(requested)})
    tags.tag(profile, requested)


@action("iam", "UntagInstanceProfile")
def untag_instance_profile(call: Call) -> None:
    keys = tag_keys_param(call)
    profile = named_profile(call)
    call.authorize("iam:UntagInstanceProfile", profile.arn, {**dependents.on(profile), **tags.untag_context(keys)})
    tags.untag(profile, keys)


@action("iam", "ListInstanceProfileTags")
def list_instance_profile_tags(call: Call) -> dict:
    profile = named_profile(call)
    call.authorize("iam:ListInstanceProfileTags", profile.arn, dependents.on(profile))
    rows, paging = page(call.params, shapes.tags(profile))
    return {"Tags": rows, **paging}
