"""Console views: MFA devices (assign, remove, resync), My security credentials, and the
sign-in challenge.

Two URL families manage devices, with the same views and the same IAM actions:

- ``/iam/users/<name>/mfa/...`` for an IAM user of the caller's account (the user
  detail's Security credentials tab links here; another account's user is a 404);
- ``/iam/security-credentials/mfa/...`` for the signed-in principal itself, the root
  user included ("My security credentials").

Authorisation is AWS's: iam:CreateVirtualMFADevice on ``arn:aws:iam::<acct>:mfa/<name>``;
iam:EnableMFADevice, iam:ResyncMFADevice, iam:DeactivateMFADevice and
iam:ListMFADevices on the owner's ARN. The root user may do all of it; an IAM user
managing their own devices needs a policy allowing it on their own ARN
(``arn:aws:iam::*:user/${aws:username}``), exactly as in AWS.

The sign-in challenge (:class:`MFAChallengeView`) runs between the password and the
session: :func:`require_mfa_challenge` is registered in
``accounts.views.signin.PASSWORD_STEP_HOOKS`` by :class:`accounts.apps.AccountsConfig`.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView

from audit import services as audit
from iamportal.errors import IAMError, NoSuchEntity
from iamportal.views_base import form_error_status, get_or_404
from policies.authz import ConditionalIAMActionMixin, access_denied, authorize

from .. import mfa, quotas, services, tags, throttle
from ..mfa_forms import DEVICE_TYPES, MFAChallengeForm, MFACodesForm, MFADeviceNameForm, MFARemoveForm
from ..models import User
from .access_key_panel import panel_context
from .signin import SIGNIN_FAILED, THROTTLED, safe_next, start_console_session

# Session keys.
SESSION_PENDING_SIGNIN = "iam_mfa_pending"   # {"user", "at", "hash", "next"}: password right, code due
SESSION_ENROLMENT = "iam_mfa_enrolment"      # {"<owner pk>": <unconfirmed device pk>}

EXPIRED = "Your sign-in session has expired. Sign in again."


def challenge_seconds() -> int:
    """How long a half-signed-in session may wait for its code (five minutes, STYLE P20)."""
    return int(getattr(settings, "IAMPORTAL_MFA_CHALLENGE_SECONDS", 300))


# ---------------------------------------------------------------------------
# Sign-in: the password step hook and the challenge


def require_mfa_challenge(request, user):
    """PASSWORD_STEP_HOOKS entry: a user with an assigned device must now enter a code.

    The user is *not* logged in: ``request.user`` stays anonymous and the session only
    remembers who is half-way through, when, and a fingerprint of their password, for
    five minutes. Anything but the challenge page therefore sends them to sign-in.
    """
    if not mfa.has_device(user):
        return None
    next_url = safe_next(request)
    if request.user.is_authenticated:
        logout(request)  # signing in as someone else: drop the old session entirely
    else:
        request.session.cycle_key()  # a new session id for the half-signed-in state
    request.session[SESSION_PENDING_SIGNIN] = {
        "user": user.pk, "at": time.time(), "hash": user.get_session_auth_hash(), "next": next_url,
    }
    return redirect("accounts:mfa_challenge")


def _signin_url_for(user: User | None) -> str:
    if user is None or user.is_root:
        return reverse("accounts:signin")
    return reverse("accounts:signin_account", args=[user.account.signin_slug])


class _Expired(Exception):
    def __init__(self, user: User | None) -> None:
        self.user = user


def _pending_user(request) -> tuple[User, dict]:
    """The half-signed-in user, or ``_Expired`` (state cleared) when there is none."""
    state = request.session.get(SESSION_PENDING_SIGNIN)
    if not isinstance(state, dict):
        raise _Expired(None)
    user = User.objects.select_related("account").filter(pk=state.get("user"), is_active=True).first()
    fresh = time.time() - float(state.get("at") or 0) <= challenge_seconds()
    if (user is None or not fresh or not mfa.has_device(user)
            or not constant_time_compare(state.get("hash", ""), user.get_session_auth_hash())):
        request.session.pop(SESSION_PENDING_SIGNIN, None)
        raise _Expired(user)
    return user, state


@method_decorator([login_not_required, never_cache, sensitive_post_parameters("code")], name="dispatch")
class MFAChallengeView(View):
    """Multi-factor authentication at sign-in: one code from any of the user's devices."""

    template_name = "accounts/mfa/mfa_challenge.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            self.user, self.state = _pending_user(request)
        except _Expired as exc:
            if request.user.is_authenticated:
                return redirect("iamportal:console_home")
            if exc.user is not None:
                messages.error(request, EXPIRED)
            return redirect(_signin_url_for(exc.user))
        self.devices = mfa.devices_for(self.user)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form, status=200):
        return render(self.request, self.template_name,
                      {"form": form, "principal": self.user, "devices": self.devices}, status=status)

    def get(self, request):
        return self.render_form(MFAChallengeForm(devices=self.devices))

    def post(self, request):
        if "cancel" in request.POST:
            request.session.pop(SESSION_PENDING_SIGNIN, None)
            return redirect(_signin_url_for(self.user))
        form = MFAChallengeForm(request.POST, devices=self.devices)
        if not form.is_valid():
            return self.render_form(form)
        # The sign-in budgets (wrong codes only), then django-otp's per-device back-off.
        budget = throttle.SignInBudget(request, "mfa", f"user:{self.user.pk}")
        if not budget.reserve():
            form.add_error(None, THROTTLED)
            return self.render_form(form, status=429)
        device = form.cleaned_data["device"]
        try:
            verified = mfa.verify_code(device, form.cleaned_data["code"])
        except mfa.MFAThrottled as exc:
            budget.release()  # the code was not checked
            form.add_error(None, exc.message)
            return self.render_form(form, status=exc.status)
        if not verified:
            audit.console_login(request, self.user, success=False, mfa_used=True)
            form.add_error(None, SIGNIN_FAILED)
            return self.render_form(form, status=401)
        budget.succeeded()
        return self.finish(device)

    def finish(self, device):
        from django_otp import login as otp_login

        request, user = self.request, self.user
        next_url = self.state.get("next") or ""
        request.session.pop(SESSION_PENDING_SIGNIN, None)
        start_console_session(request, user, mfa=True)
        otp_login(request, device)  # request.user.is_verified() for the rest of the session
        if user.password_reset_required:
            return redirect("accounts:password_change")
        return redirect(next_url or "iamportal:console_home")


# ---------------------------------------------------------------------------
# Console pages: whose devices, and where to go back to


class MFASubjectMixin(ConditionalIAMActionMixin):
    """Resolves whose credentials a page manages (``self.subject``) and authorises on its
    ARN, with its tags (``aws:ResourceTag/…``). The access-key pages use it too.

    ``self_service=True``: the signed-in principal (root included); otherwise the IAM
    user named in the URL, looked up in the caller's account only (else 404).
    """

    self_service = False

    def dispatch(self, request, *args, **kwargs):
        identity = getattr(request, "iam", None)
        if self.self_service and identity is not None and identity.role_session is not None:
            return render(request, "accounts/mfa/security_credentials_role.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def setup_objects(self) -> None:
        identity = self.request.iam
        if self.self_service:
            self.subject = identity.user
        else:
            self.subject = get_or_404(services.get_user, identity.account, self.kwargs["user_name"])

    def get_resource_arn(self) -> str:
        return self.subject.arn

    def get_condition_context(self) -> dict:
        return tags.resource_tag_context(self.subject)

    @property
    def actor(self) -> str:
        return self.request.iam.arn

    def url(self, action: str) -> str:
        """The URL of a sibling page (``assign``, ``setup``, ``remove``, ``resync``)."""
        if self.self_service:
            return reverse(f"accounts:mfa_device_{action}")
        return reverse(f"accounts:user_mfa_device_{action}", args=[self.subject.user_name])

    def done_url(self) -> str:
        if self.self_service:
            return reverse("accounts:security_credentials")
        return self.subject.get_absolute_url() + "?tab=security_credentials"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"subject": self.subject, "mfa_self": self.self_service,
                        "done_url": self.done_url(),
                        "user_detail_url": None if self.self_service else self.subject.get_absolute_url()})
        return context


@method_decorator(never_cache, name="dispatch")
class SecurityCredentialsView(MFASubjectMixin, TemplateView):
    """My security credentials: the signed-in principal's MFA devices (root included)."""

    template_name = "accounts/mfa/security_credentials.html"
    self_service = True
    iam_action = "iam:ListMFADevices"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(panel_context(self.request, self.subject, self_service=True))
        return context


@method_decorator(never_cache, name="dispatch")
class MFADeviceAssignView(MFASubjectMixin, TemplateView):
    """Assign MFA device, step 1: device name and type (CreateVirtualMFADevice)."""

    template_name = "accounts/mfa/mfa_device_assign.html"
    iam_action = "iam:EnableMFADevice"
    iam_action_post = "iam:CreateVirtualMFADevice"

    def get_resource_arn(self) -> str:
        if self.request.method == "POST":  # CreateVirtualMFADevice's resource: the device the form names
            return mfa.device_arn(self.subject.account, str(self.request.POST.get("name", "")).strip())
        return super().get_resource_arn()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        count = len(mfa.devices_for(self.subject))
        context.update({"device_types": DEVICE_TYPES, "device_count": count,
                        "quota": quotas.MFA_DEVICES_PER_USER,
                        "quota_reached": count >= quotas.MFA_DEVICES_PER_USER})
        context.setdefault("form", MFADeviceNameForm())
        return context

    def post(self, request, *args, **kwargs):
        form = MFADeviceNameForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        name = form.cleaned_data["name"]
        auth = authorize(request, "iam:CreateVirtualMFADevice", mfa.device_arn(self.subject.account, name))
        if not auth:
            return access_denied(request, auth)
        try:
            device = mfa.begin_enrolment(self.subject, name=name)
        except IAMError as exc:
            audit.failed(request, exc)
            form.add_error("name" if exc.code != "LimitExceeded" else None, exc.message)
            return self.render_to_response(self.get_context_data(form=form))
        enrolments = dict(request.session.get(SESSION_ENROLMENT) or {})
        enrolments[str(self.subject.pk)] = device.pk
        request.session[SESSION_ENROLMENT] = enrolments
        return redirect(self.url("setup"))


@method_decorator([never_cache, sensitive_post_parameters("code1", "code2")], name="dispatch")
class MFADeviceSetupView(MFASubjectMixin, TemplateView):
    """Assign MFA device, step 2: QR code, secret key, two consecutive codes (EnableMFADevice).

    This page alone shows the secret, and only while the device is unconfirmed.
    """

    template_name = "accounts/mfa/mfa_device_setup.html"
    iam_action = "iam:EnableMFADevice"

    def get(self, request, *args, **kwargs):
        self.device = self.pending()
        if self.device is None:
            return self.start_again()
        return self.render_to_response(self.get_context_data(form=MFACodesForm()))

    def post(self, request, *args, **kwargs):
        self.device = self.pending()
        if self.device is None:
            return self.start_again()
        form = MFACodesForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            device = mfa.enable_mfa_device(self.subject, self.device, form.cleaned_data["code1"],
                                           form.cleaned_data["code2"], actor=self.actor)
        except NoSuchEntity:
            return self.start_again()
        except IAMError as exc:
            audit.failed(self.request, exc)
            form.add_error(None, exc.message)
            self.device.refresh_from_db()
            if self.device.confirmed:  # pragma: no cover - raced with another tab
                return redirect(self.done_url())
            return self.render_to_response(self.get_context_data(form=form), status=form_error_status(exc))
        self.forget()
        messages.success(request, f"MFA device assigned: {mfa.serial_number(device)}")
        return redirect(self.done_url())

    def pending(self):
        enrolments = self.request.session.get(SESSION_ENROLMENT) or {}
        return mfa.pending_device(self.subject, enrolments.get(str(self.subject.pk)))

    def forget(self) -> None:
        enrolments = dict(self.request.session.get(SESSION_ENROLMENT) or {})
        enrolments.pop(str(self.subject.pk), None)
        self.request.session[SESSION_ENROLMENT] = enrolments

    def start_again(self):
        self.forget()
        messages.info(self.request, "The MFA device setup has expired or was already completed. "
                                    "Start again to assign a device.")
        return redirect(self.url("assign"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"device": self.device, "serial_number": mfa.serial_number(self.device),
                        "qr_svg": mfa.qr_svg(self.device), "secret": mfa.secret_base32(self.device),
                        "label": mfa.account_label(self.subject)})
        return context


class _DeviceMixin(MFASubjectMixin):
    """Pages about one assigned device, named by ``?device=<name>`` (GET) or a form field."""

    def setup_objects(self) -> None:
        super().setup_objects()
        name = self.request.POST.get("device") or self.request.GET.get("device") or ""
        self.device = get_or_404(mfa.get_device, self.subject, name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"device": self.device, "serial_number": mfa.serial_number(self.device)})
        return context


@method_decorator([never_cache, sensitive_post_parameters("password", "code")], name="dispatch")
class MFADeviceRemoveView(_DeviceMixin, TemplateView):
    """Remove MFA device (DeactivateMFADevice), after re-authentication (STYLE P30)."""

    template_name = "accounts/mfa/mfa_device_remove.html"
    iam_action = "iam:DeactivateMFADevice"

    def make_form(self, data=None):
        # A code proves possession only when the caller owns the device.
        return MFARemoveForm(data, allow_code=self.subject.pk == self.request.iam.user.pk)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.make_form()))

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        problem, status = self.reauthenticate(form.cleaned_data)
        if problem:
            form.add_error(None, problem)
            return self.render_to_response(self.get_context_data(form=form), status=status)
        arn = mfa.remove_device(self.device, actor=self.actor)
        messages.success(request, f"MFA device removed: {arn}")
        return redirect(self.done_url())

    def reauthenticate(self, data) -> tuple[str, int]:
        """``("", 200)`` when the caller proved who they are; wrong secrets count against the
        sign-in budgets, as at sign-in."""
        budget = throttle.SignInBudget(self.request, "reauth", f"user:{self.request.iam.user.pk}")
        if not budget.reserve():
            return THROTTLED, 429
        problem, status = self.check_secret(data)
        if not problem:
            budget.succeeded()
        elif status == mfa.MFAThrottled.status:
            budget.release()  # django-otp's back-off: the code was not checked
        return problem, status

    def check_secret(self, data) -> tuple[str, int]:
        if data.get("code"):
            try:
                if mfa.verify_code(self.device, data["code"]):
                    return "", 200
            except mfa.MFAThrottled as exc:
                return exc.message, exc.status
            return mfa.INVALID_CODE, 403
        if self.request.iam.user.check_password(data.get("password") or ""):
            return "", 200
        return SIGNIN_FAILED, 403


@method_decorator([never_cache, sensitive_post_parameters("code1", "code2")], name="dispatch")
class MFADeviceResyncView(_DeviceMixin, TemplateView):
    """Resync MFA device: two consecutive codes put the device back in step (ResyncMFADevice)."""

    template_name = "accounts/mfa/mfa_device_resync.html"
    iam_action = "iam:ResyncMFADevice"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=MFACodesForm()))

    def post(self, request, *args, **kwargs):
        form = MFACodesForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            mfa.resync_device(self.device, form.cleaned_data["code1"], form.cleaned_data["code2"],
                              actor=self.actor)
        except IAMError as exc:
            audit.failed(request, exc)
            form.add_error(None, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=form_error_status(exc))
        messages.success(request, f"MFA device resynchronized: {mfa.serial_number(self.device)}")
        return redirect(self.done_url())


_own = {"self_service": True}

urlpatterns = [
    path("mfa/challenge/", MFAChallengeView.as_view(), name="mfa_challenge"),
    path("iam/security-credentials/", SecurityCredentialsView.as_view(), name="security_credentials"),
    path("iam/security-credentials/mfa/assign/", MFADeviceAssignView.as_view(**_own),
         name="mfa_device_assign"),
    path("iam/security-credentials/mfa/assign/setup/", MFADeviceSetupView.as_view(**_own),
         name="mfa_device_setup"),
    path("iam/security-credentials/mfa/remove/", MFADeviceRemoveView.as_view(**_own),
         name="mfa_device_remove"),
    path("iam/security-credentials/mfa/resync/", MFADeviceResyncView.as_view(**_own),
         name="mfa_device_resync"),
    path("iam/users/<str:user_name>/mfa/assign/", MFADeviceAssignView.as_view(),
         name="user_mfa_device_assign"),
    path("iam/users/<str:user_name>/mfa/assign/setup/", MFADeviceSetupView.as_view(),
         name="user_mfa_device_setup"),
    path("iam/users/<str:user_name>/mfa/remove/", MFADeviceRemoveView.as_view(),
         name="user_mfa_device_remove"),
    path("iam/users/<str:user_name>/mfa/resync/", MFADeviceResyncView.as_view(),
         name="user_mfa_device_resync"),
]
