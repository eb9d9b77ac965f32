"""Deletes with dependents: what stands in the way of DeleteUser, DeleteGroup and DeleteRole,
and the IAM calls the console's delete makes to clear it (iam-facts §11).

IAM's Delete* calls refuse with ``DeleteConflict`` while an entity has dependents (members,
policies, a password, MFA devices, instance-profile links). The console's delete removes them
first, one IAM call each (``iam:RemoveUserFromGroup`` per member, ``iam:DetachGroupPolicy``
per attached policy, …), and every one of those calls is authorised like any other: a Deny on
one refuses the whole delete and nothing changes.

Each kind of entity has a :class:`Registry` of :class:`Dependent` kinds (this app registers
its own below; the policies app registers policies and boundaries in its ``ready``). A
:class:`DeletePlan` lists, for one entity, what will be removed and the calls that removal
is; :func:`delete_with_dependents` authorises those calls, removes exactly what it listed and
deletes the entity, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from iamportal.errors import DeleteConflict

from .models import (AccessKey, GroupMembership, InstanceProfile, ServiceSpecificCredential, SigningCertificate,
                     SSHPublicKey)

#: An IAM call as :func:`policies.authz.first_denied` takes it: (action, resource ARN,
#: condition keys).
Call = tuple[str, str, dict[str, Any]]


@dataclass(frozen=True)
class Removal:
    """One thing the console's delete removes first: what the delete page names it, the IAM
    calls its removal is, and the row the dependent's remover deletes."""

    name: str  # empty for the one thing of its kind (the console password)
    calls: tuple[Call, ...]
    key: Any = None


@dataclass(frozen=True)
class Dependent:
    """A kind of dependent of a user, group or role.

    Attributes:
        label: how the delete page heads them ("Group memberships").
        blocker: IAM's DeleteConflict clause ("remove user from all groups", for
            "Cannot delete entity, must remove user from all groups first."), or ``None``
            when the API's delete does not require removing them (a permissions boundary).
        removals: ``removals(entity)`` lists the entity's, each with its calls.
        remove: ``remove(entity, removals)`` removes exactly those.
        order: IAM's order of checks; the lowest blocker is the DeleteConflict message.
    """

    label: str
    blocker: str | None
    removals: Callable[[Any], list[Removal]]
    remove: Callable[[Any, Sequence[Removal]], None]
    order: int = 50


@dataclass(frozen=True)
class DeletePlan:
    """The console's delete of one entity: the dependents it removes first, and the delete
    itself (``delete``: the call, e.g. ``("iam:DeleteGroup", arn, {})``)."""

    delete: Call
    parts: tuple[tuple[Dependent, tuple[Removal, ...]], ...]

    @property
    def calls(self) -> list[Call]:
        """Every IAM call the console's delete stands for, in the order it makes them."""
        return [call for _, removals in self.parts for removal in removals for call in removal.calls] + [
            self.delete]

    @property
    def summary(self) -> list[tuple[str, list[str], list[str]]]:
        """``(label, names, IAM actions)`` of each kind of dependent: what the delete page lists."""
        return [(dependent.label, [removal.name for removal in removals if removal.name],
                 list(dict.fromkeys(call[0] for removal in removals for call in removal.calls)))
                for dependent, removals in self.parts]

    @property
    def blockers(self) -> list[str]:
        """IAM's DeleteConflict messages, in the order IAM checks them."""
        return [f"Cannot delete entity, must {dependent.blocker} first."
                for dependent, _ in self.parts if dependent.blocker]


class Registry:
    """The dependent kinds of one kind of entity (users, groups or roles), by label."""

    def __init__(self) -> None:
        self.dependents: dict[str, Dependent] = {}

    def register(self, dependent: Dependent) -> None:
        self.dependents[dependent.label] = dependent

    def plan(self, entity: Any, delete: Call) -> DeletePlan:
        parts = []
        for dependent in sorted(self.dependents.values(), key=lambda d: d.order):
            removals = tuple(dependent.removals(entity))
            if removals:
                parts.append((dependent, removals))
        return DeletePlan(delete, tuple(parts))


USERS = Registry()
GROUPS = Registry()
ROLES = Registry()


@transaction.atomic
def delete_with_dependents(entity: Any, registry: Registry, delete: Call, *, remove_dependents: bool,
                           authorize: Callable[[list[Call]], None] | None = None) -> None:
    """Delete ``entity`` as IAM's API does, or (``remove_dependents``) as the console does.

    Args:
        registry: the entity kind's dependents.
        delete: the Delete* call itself, ``(action, entity ARN, condition keys)``.
        remove_dependents: remove the dependents first (the console); without, refuse with
            ``DeleteConflict`` while any that blocks remains (the API).
        authorize: called with every IAM call the delete stands for, before anything changes;
            it raises (:class:`policies.authz.ActionDenied`) to refuse the whole delete.

    Raises:
        DeleteConflict: a dependent blocks the delete (with ``remove_dependents``: one that
            appeared after the calls were listed, as the console's DeleteGroup would meet).
    """
    plan = registry.plan(entity, delete)
    if authorize is not None:
        authorize(plan.calls if remove_dependents else [plan.delete])
    if remove_dependents:
        for dependent, removals in plan.parts:
            dependent.remove(entity, removals)
        plan = registry.plan(entity, delete)
    if plan.blockers:
        raise DeleteConflict(plan.blockers[0])
    entity.delete()


def on(entity: Any) -> dict[str, Any]:
    """The condition keys every call on ``entity`` carries: a user's, role's or policy's tags
    as ``aws:ResourceTag/…`` (and ``iam:ResourceTag/…``); groups have no tags."""
    from .tags import NOUNS, resource_tag_context  # tags imports services, which imports this module

    return resource_tag_context(entity) if type(entity).__name__ in NOUNS else {}


def delete_rows(model) -> Callable[[Any, Sequence[Removal]], None]:
    """A remover that deletes the ``model`` rows whose primary keys the removals hold."""

    def remove(entity: Any, removals: Sequence[Removal]) -> None:
        model.objects.filter(pk__in=[removal.key for removal in removals]).delete()

    return remove


# ---------------------------------------------------------------------------
# This app's dependents


def _login_profile(user) -> list[Removal]:
    if not user.has_usable_password():
        return []
    return [Removal("", (("iam:DeleteLoginProfile", user.arn, on(user)),))]


def _remove_login_profile(user, removals: Sequence[Removal]) -> None:
    from .services import remove_console_access  # services imports this module

    remove_console_access(user)


def _access_keys(user) -> list[Removal]:
    return [Removal(key.access_key_id, (("iam:DeleteAccessKey", user.arn, on(user)),), key.pk)
            for key in AccessKey.objects.filter(user=user).order_by("created", "pk")]


def _signing_certificates(user) -> list[Removal]:
    return [Removal(row.certificate_id, (("iam:DeleteSigningCertificate", user.arn, on(user)),), row.pk)
            for row in SigningCertificate.objects.filter(user=user).order_by("upload_date", "pk")]


def _ssh_public_keys(user) -> list[Removal]:
    return [Removal(row.ssh_public_key_id, (("iam:DeleteSSHPublicKey", user.arn, on(user)),), row.pk)
            for row in SSHPublicKey.objects.filter(user=user).order_by("upload_date", "pk")]


def _service_specific_credentials(user) -> list[Removal]:
    return [Removal(row.service_user_name, (("iam:DeleteServiceSpecificCredential", user.arn, on(user)),), row.pk)
            for row in ServiceSpecificCredential.objects.filter(user=user).order_by("created", "pk")]


def _mfa_devices(user) -> list[Removal]:
    from .mfa import assigned_devices, info_of, serial_number

    return [Removal(device.name, (("iam:DeactivateMFADevice", user.arn, on(user)),
                                  ("iam:DeleteVirtualMFADevice", serial_number(device), on(info_of(device)))),
                    device.pk)
            for device in assigned_devices(user).order_by("name", "pk")]


def _remove_mfa_devices(user, removals: Sequence[Removal]) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    delete_rows(TOTPDevice)(user, removals)


def _user_groups(user) -> list[Removal]:
    rows = GroupMembership.objects.filter(user=user).select_related("group__account").order_by("group__name")
    return [Removal(row.group.name, (("iam:RemoveUserFromGroup", row.group.arn, {}),), row.pk) for row in rows]


def _group_members(group) -> list[Removal]:
    rows = GroupMembership.objects.filter(group=group).select_related("user").order_by("user__user_name")
    return [Removal(row.user.user_name, (("iam:RemoveUserFromGroup", group.arn, {}),), row.pk) for row in rows]


def _instance_profiles(role) -> list[Removal]:
    removals = []
    for profile in InstanceProfile.objects.filter(role=role).select_related("account").order_by("name"):
        keys = on(profile)  # the profile's tags
        calls: tuple[Call, ...] = (("iam:RemoveRoleFromInstanceProfile", profile.arn, keys),)
        if profile.name.lower() == role.name.lower():  # the console's companion profile goes too
            calls += (("iam:DeleteInstanceProfile", profile.arn, keys),)
        removals.append(Removal(profile.name, calls, profile.pk))
    return removals


def _remove_instance_profiles(role, removals: Sequence[Removal]) -> None:
    profiles = InstanceProfile.objects.filter(pk__in=[removal.key for removal in removals])
    profiles.filter(name__iexact=role.name).delete()
    profiles.update(role=None)


USERS.register(Dependent("Console password", "delete login profile", _login_profile, _remove_login_profile, 10))
USERS.register(Dependent("Access keys", "delete access keys", _access_keys, delete_rows(AccessKey), 15))
USERS.register(Dependent("Signing certificates", "delete signing certificates", _signing_certificates,
                         delete_rows(SigningCertificate), 16))
USERS.register(Dependent("SSH public keys", "delete SSH public keys", _ssh_public_keys, delete_rows(SSHPublicKey), 17))
USERS.register(Dependent("Service-specific credentials", "remove service specific credentials",
                         _service_specific_credentials, delete_rows(ServiceSpecificCredential), 18))
USERS.register(Dependent("MFA devices", "delete MFA device", _mfa_devices, _remove_mfa_devices, 20))
USERS.register(Dependent("Group memberships", "remove user from all groups", _user_groups,
                         delete_rows(GroupMembership), 90))
GROUPS.register(Dependent("Users", "remove users from group", _group_members, delete_rows(GroupMembership), 10))
ROLES.register(Dependent("Instance profiles", "remove roles from instance profile", _instance_profiles,
                         _remove_instance_profiles, 90))
