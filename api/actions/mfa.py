"""Virtual MFA devices over the Query API: CreateVirtualMFADevice, EnableMFADevice,
ResyncMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices,
ListVirtualMFADevices, GetMFADevice, TagMFADevice, UntagMFADevice, ListMFADeviceTags.

The operations are :mod:`accounts.mfa`'s, the console's own. CreateVirtualMFADevice makes
an *unassigned* device of the account (its seed and QR code are returned once, here, and
never again); EnableMFADevice assigns it to a user with two consecutive codes;
DeactivateMFADevice unassigns it; DeleteVirtualMFADevice deletes an unassigned one.

Authorisation is AWS's (and the console's, accounts/views/mfa.py): Create/DeleteVirtualMFADevice
and the tag actions on the device's ARN (its serial number, with its tags); Enable, Resync,
Deactivate, ListMFADevices and GetMFADevice on the user's ARN (with the user's tags and
boundary), so AWS's "manage your own MFA" policies with ``user/${aws:username}`` work.
Codes are checked with django-otp's throttle and replay guard, and never echoed.
"""

from __future__ import annotations

import re
from base64 import b64encode
from typing import Any

from django.views.decorators.debug import sensitive_variables

from accounts import mfa, tags, validators
from accounts.models import User, VirtualMFADevice
from iamportal.errors import EntityAlreadyExists, NoSuchEntity

from .. import shapes
from ..protocol import constraint, member_name, page, validation_error
from ..registry import Call, action
from .roles import tag_keys_param, tags_param
from .users import caller_or_named, on_user

SERIAL_PATTERN = r"[\w+=/:,.@-]+"
_SERIAL_RE = re.compile(r"[A-Za-z0-9_+=/:,.@-]+", re.ASCII)
CODE_PATTERN = r"[\d]+"
_CODE_RE = re.compile(r"[0-9]+", re.ASCII)
CODES = ("AuthenticationCode1", "AuthenticationCode2")
ASSIGNMENT_STATUS = ("Assigned", "Unassigned", "Any")

# ---------------------------------------------------------------------------
# Parameters and lookups


def serial_problems(call: Call) -> list[str]:
    """What is wrong with ``SerialNumber`` (``serialNumberType``: 9-256 of ``[\\w+=/:,.@-]``)."""
    return validators.text_problems(call.params.get("SerialNumber"), "serialNumber", 9, 256, _SERIAL_RE,
                                    SERIAL_PATTERN)


def serial_param(call: Call) -> str:
    call.params.require("SerialNumber")
    validators.raise_problems(serial_problems(call))
    return call.params.get("SerialNumber")


@sensitive_variables()
def serial_and_codes(call: Call) -> tuple[str, str, str]:
    """``SerialNumber``, ``AuthenticationCode1`` and ``AuthenticationCode2`` (six digits each,
    never echoed), every fault in one ValidationError."""
    call.params.require("SerialNumber", *CODES)
    problems = serial_problems(call)
    for name in CODES:
        problems += validators.text_problems(call.params.get(name), member_name(name), 6, 6, _CODE_RE,
                                             CODE_PATTERN, echo=False)
    validators.raise_problems(problems)
    return call.params.get("SerialNumber"), call.params.get(CODES[0]), call.params.get(CODES[1])


def subject(call: Call, action_name: str) -> User:
    """The user ``UserName`` names (absent: the caller, root included), once ``action_name``
    is allowed on it; a user that does not exist is authorised on the ARN asked for first,
    so a caller who may not act there learns nothing."""
    try:
        user = caller_or_named(call)
    except NoSuchEntity:
        call.authorize(action_name, call.account.arn(f"user/{call.params.get('UserName')}"))
        raise
    call.authorize(action_name, user.arn, on_user(user))
    return user


def device_named(call: Call, serial: str, action_name: str, context: dict[str, Any] | None = None) -> VirtualMFADevice:
    """The account's device ``serial`` names, once ``action_name`` is allowed on it (with its
    tags and ``context``); a device that does not exist is authorised on ``serial`` first."""
    try:
        device = mfa.get_virtual_mfa_device(call.account, serial)
    except NoSuchEntity:
        call.authorize(action_name, serial, context)
        raise
    info = mfa.info_of(device)
    call.authorize(action_name, serial, {**(tags.resource_tag_context(info) if info else {}), **(context or {})})
    return device


def users_device(user: User, serial: str) -> VirtualMFADevice:
    """The device ``serial`` names, assigned to ``user`` (``NoSuchEntity`` otherwise, in the
    same words whether it is unassigned, someone else's or nowhere)."""
    device = mfa.get_virtual_mfa_device(user.account, serial)
    if not device.confirmed or device.user_id != user.pk:
        raise NoSuchEntity(mfa.no_such_device(serial))
    return device


# ---------------------------------------------------------------------------
# Shapes


def mfa_device(device: VirtualMFADevice) -> dict[str, Any]:
    """``MFADevice``: an assigned device, as ListMFADevices and GetMFADevice give it."""
    return {"UserName": device.user.user_name, "SerialNumber": mfa.serial_number(device),
            "EnableDate": mfa.enable_date(device)}


def device_tags(device: VirtualMFADevice) -> list[dict[str, str]]:
    info = mfa.info_of(device)
    return shapes.tags(info) if info else []


def virtual_mfa_device(device: VirtualMFADevice) -> dict[str, Any]:
    """``VirtualMFADevice`` as ListVirtualMFADevices gives it: never the seed, and (as IAM's
    listings) not the tags, which ListMFADeviceTags gives."""
    return {"SerialNumber": mfa.serial_number(device),
            "User": shapes.user(device.user) if device.confirmed else None,
            "EnableDate": mfa.enable_date(device)}


def blob(data: bytes) -> str:
    """A ``blob`` member: base64 in the XML (botocore hands the bytes back)."""
    return b64encode(data).decode("ascii")


# ---------------------------------------------------------------------------
# Actions


@action("iam", "CreateVirtualMFADevice")
@sensitive_variables()
def create_virtual_mfa_device(call: Call) -> dict:
    params = call.params
    params.require("VirtualMFADeviceName")
    name, path = params.get("VirtualMFADeviceName"), params.get("Path", "/")
    requested = params.tags()
    validators.validate_name_and_path(name, "virtualMFADeviceName", mfa.DEVICE_NAME_MAX, path)
    validators.validate_tags(requested)
    arn = mfa.device_arn(call.account, name, path)
    context = tags.tag_context(requested)
    calls = [("iam:CreateVirtualMFADevice", arn, context)]
    if requested:
        calls.append(("iam:TagMFADevice", arn, context))
    call.authorize_all(calls)
    device = mfa.create_virtual_mfa_device(call.account, name=name, path=path, tags=requested)
    return {"VirtualMFADevice": {
        "SerialNumber": mfa.serial_number(device),
        "Base32StringSeed": blob(mfa.secret_base32(device).encode("ascii")),
        "QRCodePNG": blob(mfa.qr_png(device)),
        "Tags": device_tags(device) or None,
    }}


@action("iam", "EnableMFADevice")
@sensitive_variables("code1", "code2")
def enable_mfa_device(call: Call) -> None:
    """Assign an unassigned device to ``UserName`` (absent: the caller, root included)."""
    serial, code1, code2 = serial_and_codes(call)
    user = subject(call, "iam:EnableMFADevice")
    device = mfa.get_virtual_mfa_device(call.account, serial)
    if device.confirmed:
        raise EntityAlreadyExists(mfa.IN_USE)
    mfa.enable_mfa_device(user, device, code1, code2, actor=call.identity.arn)


@action("iam", "ResyncMFADevice")
@sensitive_variables("code1", "code2")
def resync_mfa_device(call: Call) -> None:
    serial, code1, code2 = serial_and_codes(call)
    user = subject(call, "iam:ResyncMFADevice")
    mfa.resync_device(users_device(user, serial), code1, code2, actor=call.identity.arn)


@action("iam", "DeactivateMFADevice")
def deactivate_mfa_device(call: Call) -> None:
    """The device is no longer the user's; it stays in the account, unassigned."""
    serial = serial_param(call)
    user = subject(call, "iam:DeactivateMFADevice")
    mfa.deactivate_mfa_device(users_device(user, serial), actor=call.identity.arn)


@action("iam", "DeleteVirtualMFADevice")
def delete_virtual_mfa_device(call: Call) -> None:
    serial = serial_param(call)
    device = device_named(call, serial, "iam:DeleteVirtualMFADevice")
    mfa.delete_virtual_mfa_device(device, actor=call.identity.arn)


@action("iam", "ListMFADevices")
def list_mfa_devices(call: Call) -> dict:
    user = subject(call, "iam:ListMFADevices")
    devices, paging = page(call.params, mfa.assigned_devices(user))
    return {"MFADevices": [mfa_device(device) for device in devices], **paging}


@action("iam", "GetMFADevice")
def get_mfa_device(call: Call) -> dict:
    serial = serial_param(call)
    user = subject(call, "iam:GetMFADevice")
    return mfa_device(users_device(user, serial))


@action("iam", "ListVirtualMFADevices")
def list_virtual_mfa_devices(call: Call) -> dict:
    status = call.params.get("AssignmentStatus", "Any")
    if status not in ASSIGNMENT_STATUS:
        raise validation_error([constraint(status, "AssignmentStatus", "Member must satisfy enum value set: "
                                                                       f"[{', '.join(ASSIGNMENT_STATUS)}]")])
    call.authorize("iam:ListVirtualMFADevices", call.account.arn("mfa/"))
    devices = mfa.virtual_devices(call.account)
    if status != "Any":
        devices = devices.filter(confirmed=status == "Assigned")
    rows, paging = page(call.params, devices.order_by("name", "pk"))
    return {"VirtualMFADevices": [virtual_mfa_device(device) for device in rows], **paging}


@action("iam", "TagMFADevice")
def tag_mfa_device(call: Call) -> None:
    requested = tags_param(call)
    serial = serial_param(call)
    device = device_named(call, serial, "iam:TagMFADevice", tags.tag_context(requested))
    tags.tag(mfa.device_info(device), requested)


@action("iam", "UntagMFADevice")
def untag_mfa_device(call: Call) -> None:
    keys = tag_keys_param(call)
    serial = serial_param(call)
    device = device_named(call, serial, "iam:UntagMFADevice", tags.untag_context(keys))
    tags.untag(mfa.device_info(device), keys)


@action("iam", "ListMFADeviceTags")
def list_mfa_device_tags(call: Call) -> dict:
    serial = serial_param(call)
    device = device_named(call, serial, "iam:ListMFADeviceTags")
    rows, paging = page(call.params, device_tags(device))
    return {"Tags": rows, **paging}
