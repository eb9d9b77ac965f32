"""Instance profiles: create, read, delete, the one role a profile holds, and the IAM calls
adding a role stands for (iam-facts §1.2, §11).

An instance profile is the container EC2 hands to an instance: at most one role
(``InstanceSessionsPerInstanceProfile``), 1,000 per account, names unique per account whatever
the case. The console's create role makes one for an EC2 role
(:func:`accounts.roles.create_role`) and its delete role removes it; the API manages them
directly. The functions are keyword-only and atomic, and raise :mod:`iamportal.errors` in
AWS's words; the caller authorises.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from iamportal.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity

from . import dependents, validators
from .models import Account, InstanceProfile, Role
from .roles import INSTANCE_PROFILES_PER_ACCOUNT
from .services import get_named, lock_account_quota, save_new

NAME_MAX = 128
ROLES_PER_PROFILE = 1


def get_instance_profile(account: Account, name: str) -> InstanceProfile:
    """An instance profile of ``account`` by name (whatever the case), with its role, or
    ``NoSuchEntity`` in AWS's words."""
    profiles = InstanceProfile.objects.filter(account=account).select_related("account", "role__account")
    try:
        return get_named(profiles, name, kind="instance profile", maximum=NAME_MAX)
    except NoSuchEntity:
        raise NoSuchEntity(f"Instance Profile {name} cannot be found.") from None


@transaction.atomic
def create_instance_profile(account: Account, *, name: str, path: str = "/",
                            tags: Iterable[tuple[str, str]] = ()) -> InstanceProfile:
    """CreateInstanceProfile (with TagInstanceProfile for ``tags``): an empty profile."""
    validators.validate_name_and_path(name, "instanceProfileName", NAME_MAX, path)
    tag_list = validators.validate_tags(tags)
    taken = f"Instance Profile {name} already exists."
    if InstanceProfile.objects.filter(account=account, name__iexact=name).exists():
        raise EntityAlreadyExists(taken)
    lock_account_quota(account, InstanceProfile.objects.filter(account=account), "InstanceProfilesPerAccount",
                       INSTANCE_PROFILES_PER_ACCOUNT)
    profile = InstanceProfile(account=account, name=name, path=path, tags=tag_list)
    save_new(profile, taken)
    return profile


@transaction.atomic
def delete_instance_profile(profile: InstanceProfile) -> None:
    """DeleteInstanceProfile: refused with ``DeleteConflict`` while it holds a role."""
    if InstanceProfile.objects.filter(pk=profile.pk, role__isnull=False).exists():
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
    profile.delete()


@transaction.atomic
def add_role(profile: InstanceProfile, role: Role) -> None:
    """AddRoleToInstanceProfile: a profile holds one role at most (``LimitExceeded``)."""
    if not InstanceProfile.objects.filter(pk=profile.pk, role__isnull=True).update(role=role):
        raise LimitExceeded(f"Cannot exceed quota for InstanceSessionsPerInstanceProfile: {ROLES_PER_PROFILE}")
    profile.role = role


@transaction.atomic
def remove_role(profile: InstanceProfile, role: Role) -> None:
    """RemoveRoleFromInstanceProfile: ``NoSuchEntity`` unless ``role`` is the profile's."""
    if not InstanceProfile.objects.filter(pk=profile.pk, role=role).update(role=None):
        raise NoSuchEntity(f"The role with name {role.name} cannot be found in instance profile {profile.name}.")
    profile.role = None


def add_role_calls(profile_arn: str, profile_context: dict[str, Any], role: Role | None = None, *,
                   role_arn: str = "", role_context: dict[str, Any] | None = None) -> list[dependents.Call]:
    """The calls adding a role to a profile stands for: ``iam:AddRoleToInstanceProfile`` on the
    profile (with its tags) and the ``iam:PassRole`` of the role AWS also requires (with the
    role's tags). ``role`` existing, or ``role_arn`` for one about to be created."""
    if role is not None:
        role_arn, role_context = role.arn, dependents.on(role)
    return [("iam:AddRoleToInstanceProfile", profile_arn, profile_context),
            ("iam:PassRole", role_arn, role_context or {})]
