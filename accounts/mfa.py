"""Virtual MFA devices: enrolment, activation, resynchronisation and removal.

A virtual MFA device is a django-otp :class:`~django_otp.plugins.otp_totp.models.TOTPDevice`
whose ``name`` is the IAM device name; its identifier (serial number) is
``arn:aws:iam::<account>:mfa/<path><name>`` (the path, tags and enable date IAM keeps are
an :class:`accounts.models.MFADeviceInfo` row beside it). Enrolment follows AWS's two API calls:

1. CreateVirtualMFADevice creates an *unconfirmed* device with a fresh random key. The key
   (the TOTP secret) lives only in that row, sealed with a key derived from ``SECRET_KEY``
   (:class:`accounts.models.VirtualMFADevice`, the proxy every function here uses). The API's
   :func:`create_virtual_mfa_device` makes an *unassigned* device of the account (held by
   its root user, kept until enabled or deleted); the console's :func:`begin_enrolment`
   makes one for the user being enrolled, a step of its page flow that expires.
2. :func:`enable_mfa_device` is EnableMFADevice: it needs two *consecutive* codes
   (code 1 for time step ``t``, code 2 for ``t + 1``) and only then assigns the device to
   the user (``confirmed=True``). From then on nothing shows the secret again.

:func:`resync_device` (ResyncMFADevice) looks further back and ahead for two consecutive
codes and records the clock drift. Every verification goes through django-otp's
per-device throttling (``throttling_failure_count``, stored in the database) and its
replay guard (``last_t``: a code at or before the last accepted time step is refused).

Nothing here ever logs or returns the secret, except :func:`secret_base32`,
:func:`otpauth_uri` and :func:`qr_svg`, which the enrolment page alone calls for an
unconfirmed device.
"""

from __future__ import annotations

import io
import logging
import re
import time
from base64 import b32encode
from datetime import timedelta
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.debug import sensitive_variables
from django_otp.oath import hotp

from iamportal import durable
from iamportal.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    IAMError,
    InvalidAuthenticationCode,
    LimitExceeded,
    NoSuchEntity,
)

from . import quotas, seeds, validators
from .models import Account, MFADeviceInfo, User, VirtualMFADevice

audit = logging.getLogger("iamportal.audit")
logger = logging.getLogger(__name__)

#: django-otp's ``Device.name`` is a 64-character column, so that is the longest name
#: we can store (AWS's API model sets no maximum; its console says 128).
DEVICE_NAME_MAX = 64
#: How long an unconfirmed device (an enrolment in progress) stays usable.
PENDING_TTL = timedelta(minutes=30)
#: EnableMFADevice: code 2 may be this many steps old (the user typed two codes, then
#: pressed the button) or ``tolerance`` steps ahead.
ENABLE_LOOKBACK_STEPS = 2
#: ResyncMFADevice: how far (in 30-second steps, each way) to search for the pair.
RESYNC_WINDOW_STEPS = 20

INVALID_CODE = "Authentication code for device is not valid."
DUPLICATE_NAME = "MFADevice entity at the same path and name already exists."
IN_USE = "MFA Device is already in use."
STILL_IN_USE = "MFA Device is still in use."
ENROLMENT_GONE = "This MFA device setup has expired or was already completed. Start again."


class MFAThrottled(IAMError):
    """Too many wrong codes for one device: django-otp's back-off is in force."""

    code, status = "Throttling", 429


# ---------------------------------------------------------------------------
# Names, identifiers, queries


def validate_device_name(name: str) -> None:
    """A virtual MFA device name: ``[\\w+=,.@-]+``, 1..64 characters (IAM's wording on failure)."""
    validators.validate_name(name, "virtualMFADeviceName", DEVICE_NAME_MAX)


def device_arn(account: Account, name: str, path: str = "/") -> str:
    """The serial number AWS gives a virtual MFA device: ``arn:aws:iam::<acct>:mfa/<path><name>``."""
    return account.arn(f"mfa{path}{name}")


def info_of(device: VirtualMFADevice) -> MFADeviceInfo | None:
    """The device's :class:`MFADeviceInfo`, or None (a device the console enrolled)."""
    try:
        return device.iam_info
    except MFADeviceInfo.DoesNotExist:
        return None


def device_info(device: VirtualMFADevice) -> MFADeviceInfo:
    """The device's :class:`MFADeviceInfo`, made (path ``/``, no tags) when it has none yet:
    what Tag/UntagMFADevice change. A console enrolment tagged so is kept like the API's."""
    info = info_of(device)
    if info is None:
        info = device.iam_info = MFADeviceInfo.objects.create(device=device)
    return info


def serial_number(device: VirtualMFADevice) -> str:
    info = info_of(device)
    return device_arn(device.user.account, device.name, info.path if info else "/")


def enable_date(device: VirtualMFADevice):
    """When the device was assigned (IAM's ``EnableDate``); None while unassigned."""
    if not device.confirmed:
        return None
    info = info_of(device)
    return info.enable_date if info and info.enable_date else device.created_at


def assigned_devices(user: User):
    """The user's assigned (confirmed) virtual MFA devices, oldest first (a queryset)."""
    return (VirtualMFADevice.objects.filter(user=user, confirmed=True)
            .select_related("user__account", "iam_info").order_by("created_at", "pk"))


def devices_for(user: User) -> list[VirtualMFADevice]:
    """The user's assigned (confirmed) virtual MFA devices, oldest first."""
    return list(assigned_devices(user))


def has_device(user: User) -> bool:
    return VirtualMFADevice.objects.filter(user=user, confirmed=True).exists()


def get_device(user: User, name: str) -> VirtualMFADevice:
    """One of ``user``'s assigned devices by name, or ``NoSuchEntity``."""
    device = None
    if name and len(name) <= DEVICE_NAME_MAX and "\x00" not in name:  # PostgreSQL refuses NUL
        device = VirtualMFADevice.objects.filter(user=user, confirmed=True, name=name).select_related(
            "user__account").first()
    if device is None:
        raise NoSuchEntity(f"MFA device {device_arn(user.account, name)} cannot be found.")
    return device


def account_label(user: User) -> str:
    """How authenticator apps name the account: ``<user>@<account alias or id>``."""
    who = "root" if user.is_root else user.user_name
    return f"{who}@{user.account.signin_slug}"


def device_label(device: VirtualMFADevice) -> str:
    """The authenticator app's label: the enrolled user's :func:`account_label`, or, for a
    device CreateVirtualMFADevice made for no one yet, ``<device name>@<account>`` as AWS's."""
    if info_of(device) is not None and not device.confirmed:
        return f"{device.name}@{device.user.account.signin_slug}"
    return account_label(device.user)


def _pending_cutoff():
    return timezone.now() - PENDING_TTL


def _console_enrolments():
    """Unconfirmed devices of the console's enrolments (no :class:`MFADeviceInfo`): they
    expire after ``PENDING_TTL``; CreateVirtualMFADevice's unassigned devices do not."""
    return VirtualMFADevice.objects.filter(confirmed=False, iam_info__isnull=True)


def pending_device(user: User, device_id: int | None) -> VirtualMFADevice | None:
    """The unconfirmed device of an enrolment in progress, if it is still fresh."""
    if not device_id:
        return None
    return (_console_enrolments().filter(pk=device_id, user=user, created_at__gte=_pending_cutoff())
            .select_related("user__account").first())


def live_devices():
    """Every virtual MFA device but the console's expired enrolments (a queryset)."""
    expired = _console_enrolments().filter(created_at__lt=_pending_cutoff())
    return VirtualMFADevice.objects.exclude(pk__in=expired.values("pk"))


def virtual_devices(account: Account):
    """The account's virtual MFA devices as IAM lists them: assigned ones, and unassigned ones
    (CreateVirtualMFADevice's, and the console's enrolments while fresh)."""
    return live_devices().filter(user__account=account).select_related("user__account", "iam_info")


def get_virtual_mfa_device(account: Account, serial: str) -> VirtualMFADevice:
    """The device of ``account`` whose serial number is ``serial`` (assigned or not), or
    IAM's ``NoSuchEntity``. Another account's serial number names nothing here."""
    device = None
    prefix = account.arn("mfa/")
    if serial.startswith(prefix) and "\x00" not in serial:  # PostgreSQL refuses NUL
        name = serial[len(prefix):].rpartition("/")[2]
        if name and len(name) <= DEVICE_NAME_MAX:
            device = virtual_devices(account).filter(name=name).first()
            if device is not None and serial_number(device) != serial:
                device = None
    if device is None:
        raise NoSuchEntity(no_such_device(serial))
    return device


def no_such_device(serial: str) -> str:
    return f"VirtualMFADevice with serial number {serial} doesn't exist."


# ---------------------------------------------------------------------------
# Enrolment: CreateVirtualMFADevice, then EnableMFADevice


def _reserve_name(account: Account, name: str) -> None:
    """Within the caller's transaction: lock the account (so the name check and the insert
    go together), drop its expired console enrolments, and refuse a name one of its devices
    has (compared case-insensitively, whatever the path) or a device past the quota."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    _console_enrolments().filter(user__account=account, created_at__lt=_pending_cutoff()).delete()
    in_account = VirtualMFADevice.objects.filter(user__account=account)
    if in_account.filter(name__iexact=name).exists():
        raise EntityAlreadyExists(DUPLICATE_NAME)
    if in_account.count() >= quotas.VIRTUAL_MFA_DEVICES_PER_ACCOUNT:
        raise LimitExceeded(f"Cannot exceed quota for VirtualMFADevicesPerAccount: "
                            f"{quotas.VIRTUAL_MFA_DEVICES_PER_ACCOUNT}")


@transaction.atomic
def begin_enrolment(user: User, *, name: str) -> VirtualMFADevice:
    """The console's CreateVirtualMFADevice for ``user``: an unconfirmed device with a new
    random secret, which the same page flow enables (or which expires).

    The name must be unique in the account (among assigned devices, unassigned ones and
    enrolments in progress, compared case-insensitively). The user's own earlier unfinished
    enrolments are discarded, as are any of the account's older than ``PENDING_TTL``.

    Raises:
        ValidationError: the name breaks IAM's pattern or length.
        EntityAlreadyExists: a device of the account already has this name.
        LimitExceeded: the user already has 8 assigned devices.
    """
    name = name.strip()
    validate_device_name(name)
    _console_enrolments().filter(user=user).delete()
    _reserve_name(user.account, name)
    _check_quota(user)
    return VirtualMFADevice.objects.create(user=user, name=name, confirmed=False)


@transaction.atomic
def create_virtual_mfa_device(account: Account, *, name: str, path: str = "/",
                              tags: list[tuple[str, str]] | tuple = ()) -> VirtualMFADevice:
    """CreateVirtualMFADevice (the API's): an *unassigned* device of ``account`` with a new
    random secret, held by the root user until :func:`enable_mfa_device` assigns it; kept
    until then or until :func:`delete_virtual_mfa_device`.

    Raises:
        ValidationError: the name or path breaks IAM's pattern or length, or a tag IAM's rules.
        EntityAlreadyExists: a device of the account already has this name.
        LimitExceeded: the account has as many devices as it may.
    """
    validators.validate_name_and_path(name, "virtualMFADeviceName", DEVICE_NAME_MAX, path)
    tag_rows = validators.validate_tags(tags)
    _reserve_name(account, name)
    holder = User.objects.get(account=account, is_root=True)
    device = VirtualMFADevice.objects.create(user=holder, name=name, confirmed=False)
    device.iam_info = MFADeviceInfo.objects.create(device=device, path=path, tags=tag_rows)
    audit.info("CreateVirtualMFADevice %s", serial_number(device))
    return device


def _check_quota(user: User) -> None:
    if VirtualMFADevice.objects.filter(user=user, confirmed=True).count() >= quotas.MFA_DEVICES_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for MFADevicesPerUser: {quotas.MFA_DEVICES_PER_USER}")


def _current_step(device: VirtualMFADevice, now: float) -> int:
    """The device's time step ``now``, its known drift included."""
    return (int(now) - device.t0) // device.step + device.drift


def _as_int(code: str, digits: int) -> int | None:
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()) or len(code) != digits:
        return None
    return int(code)


@sensitive_variables()
def _find_consecutive(device: VirtualMFADevice, code1: str, code2: str, *, back: int, ahead: int,
                      now: float) -> int | None:
    """The step ``t`` at which ``code1`` is the code and ``code2`` the code of ``t + 1``.

    Searches ``t + 1`` from ``back`` steps before the current step to ``ahead`` steps
    after it, never at or below ``last_t`` (codes already used are never accepted again).
    """
    first, second = _as_int(code1, device.digits), _as_int(code2, device.digits)
    if first is None or second is None or code1.strip() == code2.strip():
        return None
    key = device.bin_key
    current = _current_step(device, now)
    for t2 in range(current - back, current + ahead + 1):
        t = t2 - 1
        if t <= device.last_t or t < 0:
            continue
        if hotp(key, t, device.digits) == first and hotp(key, t2, device.digits) == second:
            return t
    return None


def _locked(device: VirtualMFADevice) -> VirtualMFADevice:
    """Re-read ``device`` with a row lock, so concurrent verifications cannot both pass."""
    return (VirtualMFADevice.objects.select_for_update(of=("self",))
            .select_related("user__account", "iam_info").get(pk=device.pk))


def _check_throttle(device: VirtualMFADevice) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed:
        raise MFAThrottled(throttled_message(info))


def _match_pair(device: VirtualMFADevice, code1: str, code2: str, *, back: int, ahead: int,
                now: float) -> int | None:
    """:func:`_find_consecutive` on a locked device, within django-otp's throttle: a pair that
    does not match counts as a failure (committed even when the caller then raises)."""
    _check_throttle(device)
    t = _find_consecutive(device, code1, code2, back=back, ahead=ahead, now=now)
    if t is None:
        device.throttle_increment(commit=True)
        durable.keep(lambda: _count_failure(device.pk))
    return t


def _count_failure(pk: int) -> None:
    """One more failed code for device ``pk``, as django-otp's ``throttle_increment`` counts
    it (for :func:`iamportal.durable.keep`: the first count was rolled back)."""
    VirtualMFADevice.objects.filter(pk=pk).update(
        throttling_failure_count=F("throttling_failure_count") + 1,
        throttling_failure_timestamp=timezone.now())


def _use_pair(device: VirtualMFADevice, t: int) -> None:
    """Save ``device`` after the pair ending at step ``t + 1`` was accepted: neither code can
    be used again, and the throttle starts over."""
    device.last_t = t + 1
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()


def _audit(call: str, device: VirtualMFADevice, actor: str) -> None:
    audit.info("%s %s for %s by %s", call, serial_number(device), device.user.arn,
               actor or device.user.arn)


def throttled_message(info: dict | None) -> str:
    """What to tell someone locked out by django-otp's back-off."""
    locked_until = (info or {}).get("locked_until")
    if locked_until is not None:
        seconds = max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))
        unit = "second" if seconds == 1 else "seconds"
        return f"Too many invalid codes for this MFA device. Wait {seconds} {unit} and try again."
    return "Too many invalid codes for this MFA device. Wait a moment and try again."


@sensitive_variables("code1", "code2")
def enable_mfa_device(user: User, device: VirtualMFADevice, code1: str, code2: str, *,
                      actor: str = "") -> VirtualMFADevice:
    """EnableMFADevice: assign an unassigned device (or a console enrolment) to ``user``
    with two consecutive codes.

    On success the device is ``user``'s, ``confirmed``, and ``last_t`` is set to the step of
    code 2, so neither code can be used again (not even to sign in).

    Raises:
        NoSuchEntity: the device is already assigned, or the enrolment expired.
        InvalidAuthenticationCode: the codes are not two consecutive valid codes (403).
        MFAThrottled: django-otp's back-off after earlier wrong codes.
        LimitExceeded: the user reached 8 devices meanwhile.
    """
    with transaction.atomic():
        # Lock the user first (then the device) so two activations cannot pass the quota.
        User.objects.select_for_update().filter(pk=user.pk).first()
        device = _locked(device)
        if device.confirmed or (info_of(device) is None and device.created_at < _pending_cutoff()):
            raise NoSuchEntity(ENROLMENT_GONE)
        t = _match_pair(device, code1, code2, back=ENABLE_LOOKBACK_STEPS,
                        ahead=device.tolerance, now=time.time())
        if t is not None:
            _check_quota(user)
            device.user, device.confirmed = user, True
            _use_pair(device, t)
            device.iam_info, _ = MFADeviceInfo.objects.update_or_create(
                device=device, defaults={"enable_date": timezone.now()})
    if t is None:
        # Raised outside the atomic block so the throttle increment is committed.
        raise InvalidAuthenticationCode(INVALID_CODE)
    _audit("EnableMFADevice", device, actor)
    return device


@sensitive_variables("code1", "code2")
def resync_device(device: VirtualMFADevice, code1: str, code2: str, *, actor: str = "") -> VirtualMFADevice:
    """ResyncMFADevice: find two consecutive codes within ±10 minutes and adopt the drift.

    Raises:
        InvalidAuthenticationCode: no such pair (403).
        MFAThrottled: django-otp's back-off after earlier wrong codes.
    """
    with transaction.atomic():
        device = _locked(device)
        now = time.time()
        t = _match_pair(device, code1, code2, back=RESYNC_WINDOW_STEPS,
                        ahead=RESYNC_WINDOW_STEPS, now=now)
        if t is not None:
            device.drift = device.drift + (t + 1) - _current_step(device, now)
            _use_pair(device, t)
    if t is None:
        raise InvalidAuthenticationCode(INVALID_CODE)
    _audit("ResyncMFADevice", device, actor)
    return device


# ---------------------------------------------------------------------------
# Sign-in and re-authentication


@sensitive_variables("code")
def verify_code(device: VirtualMFADevice, code: str) -> bool:
    """One code from one assigned device (sign-in, confirming a removal).

    Uses :func:`django_otp.verify_token`: atomic, row-locked, throttled and replay-safe.

    Raises:
        MFAThrottled: the device is in django-otp's back-off; the code was not checked.
    """
    from django_otp import verify_token

    _check_throttle(device)
    # Malformed input fails inside verify_token too, and is throttled the same way.
    try:
        verified = verify_token(device.user, device.persistent_id, (code or "").strip()) is not None
        if not verified:
            durable.keep(lambda: _count_failure(device.pk))
        return verified
    except seeds.SeedUnreadable as exc:  # SECRET_KEY rotated without its fallback
        logger.error("%s: %s", serial_number(device), exc)
        return False


# ---------------------------------------------------------------------------
# Removal


@transaction.atomic
def deactivate_mfa_device(device: VirtualMFADevice, *, actor: str) -> str:
    """DeactivateMFADevice (the API's): the device is no longer its user's; it stays in the
    account, unassigned, until DeleteVirtualMFADevice (or EnableMFADevice again)."""
    arn, owner = serial_number(device), device.user.arn
    device.user = User.objects.get(account=device.user.account, is_root=True)
    device.confirmed = False
    device.save(update_fields=["user", "confirmed"])
    device.iam_info, _ = MFADeviceInfo.objects.update_or_create(device=device, defaults={"enable_date": None})
    audit.info("DeactivateMFADevice %s for %s by %s", arn, owner, actor)
    return arn


def delete_virtual_mfa_device(device: VirtualMFADevice, *, actor: str) -> str:
    """DeleteVirtualMFADevice: an unassigned device only (``DeleteConflict`` while assigned)."""
    if device.confirmed:
        raise DeleteConflict(STILL_IN_USE)
    arn = serial_number(device)
    device.delete()
    audit.info("DeleteVirtualMFADevice %s by %s", arn, actor)
    return arn


def remove_device(device: VirtualMFADevice, *, actor: str) -> str:
    """DeactivateMFADevice + DeleteVirtualMFADevice, as the console's Remove does."""
    arn = serial_number(device)
    owner = device.user.arn
    device.delete()
    audit.info("DeactivateMFADevice %s for %s by %s", arn, owner, actor)
    return arn


@transaction.atomic
def remove_all_devices(user: User, *, actor: str) -> list[str]:
    """Remove every MFA device of ``user`` (assigned or being enrolled in the console):
    operator recovery. The account's unassigned devices, which the root user holds, stay."""
    devices = list(VirtualMFADevice.objects.filter(user=user).filter(Q(confirmed=True) | Q(iam_info__isnull=True))
                   .select_related("user__account", "iam_info").order_by("pk"))
    return [remove_device(device, actor=actor) for device in devices]


# ---------------------------------------------------------------------------
# What the enrolment page shows (unconfirmed devices only)


def _require_pending(device: VirtualMFADevice) -> None:
    if device.confirmed:
        raise ValueError("The secret of an assigned MFA device is never shown again.")


@sensitive_variables()
def secret_base32(device: VirtualMFADevice) -> str:
    """The secret key for manual entry (base32, no padding)."""
    _require_pending(device)
    return b32encode(device.bin_key).decode().rstrip("=")


@sensitive_variables()
def otpauth_uri(device: VirtualMFADevice) -> str:
    """``otpauth://totp/IAM%20Portal:alice@coffee-shop?secret=…&issuer=IAM%20Portal``."""
    _require_pending(device)
    issuer = (getattr(settings, "OTP_TOTP_ISSUER", None) or "IAM Portal")
    if callable(issuer):
        issuer = issuer(device)
    issuer = str(issuer).replace(":", "")
    label = f"{issuer}:{device_label(device)}"
    params = urlencode({"secret": secret_base32(device), "algorithm": "SHA1",
                        "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(issuer)}"


@sensitive_variables()
def qr_svg(device: VirtualMFADevice) -> SafeString:
    """The otpauth URI as an inline SVG QR code (markup generated by ``qrcode``, no user text)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(otpauth_uri(device), image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"',
                 '<svg width="220" height="220" role="img" aria-labelledby="mfa-qr-title" class="qr"',
                 svg, count=1)
    head, rest = svg.split(">", 1)
    svg = f'{head}><title id="mfa-qr-title">QR code for your authenticator app</title>{rest}'
    return mark_safe(svg)  # noqa: S308 - produced by qrcode from our own URI, no user markup


@sensitive_variables()
def qr_png(device: VirtualMFADevice) -> bytes:
    """The otpauth URI as a PNG QR code (CreateVirtualMFADevice's ``QRCodePNG``)."""
    import qrcode
    import qrcode.image.pure

    out = io.BytesIO()
    qrcode.make(otpauth_uri(device), image_factory=qrcode.image.pure.PyPNGImage).save(out)
    return out.getvalue()
