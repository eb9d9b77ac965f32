"""Sign-up, root and IAM user sign-in, sign-out, and the password change page."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from iamportal.errors import IAMError, InvalidInput
from policies.authz import authorize

from .. import services, throttle
from ..backends import ConsoleBackend
from ..forms import IAMSignInForm, PasswordChangeForm, RootSignInForm, SignUpForm
from ..identity import SESSION_MFA_AT, SESSION_SIGNED_IN_AT
from ..models import Account

BACKEND = "accounts.backends.ConsoleBackend"
SIGNIN_FAILED = "Your authentication information is incorrect. Please try again."
THROTTLED = "Too many sign-in attempts. Wait a few minutes and try again."

# Steps that must run after the password is right and before the session starts
# (the MFA challenge registers itself here): functions (request, user) -> response or None.
PASSWORD_STEP_HOOKS: list = []


def start_console_session(request, user, *, mfa: bool = False):
    """Log ``user`` in and record when (and whether with MFA) the session began."""
    login(request, user, backend=BACKEND)
    now = time.time()
    request.session[SESSION_SIGNED_IN_AT] = now
    if mfa:
        request.session[SESSION_MFA_AT] = now
    else:
        request.session.pop(SESSION_MFA_AT, None)


def safe_next(request) -> str:
    """The ``next`` URL posted or asked for, when it stays on this site; else ``""``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


def password_accepted(request, user):
    """After a correct password: run further steps (MFA), else start the session."""
    for hook in PASSWORD_STEP_HOOKS:
        response = hook(request, user)
        if response is not None:
            return response
    start_console_session(request, user)
    if user.password_reset_required and not user.is_root:
        return redirect("accounts:password_change")
    return redirect(safe_next(request) or "iamportal:dashboard")


def throttled(request, scope: str, key: str) -> bool:
    """Count one attempt from the caller's IP and one for ``key`` (both, always); True when
    either limit is used up. Keys: ``<scope>-ip:<address>`` and ``<scope>-<key>``."""
    ip_ok = throttle.hit(f"{scope}-ip:{request.META.get('REMOTE_ADDR', '')}")
    key_ok = throttle.hit(f"{scope}-{key}")
    return not (ip_ok and key_ok)


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class SignUpView(View):
    template_name = "accounts/signup.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request):
        form = SignUpForm(request.POST)
        if form.is_valid():
            try:
                root = services.sign_up(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            except IAMError as exc:
                form.add_error(None, exc.message)
                return render(request, self.template_name, {"form": form}, status=exc.status)
            start_console_session(request, root)
            messages.success(request, f"Account {root.account.account_id} created. You are signed in as its root user.")
            return redirect("iamportal:dashboard")
        return render(request, self.template_name, {"form": form}, status=400)


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class RootSignInView(View):
    template_name = "accounts/signin_root.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RootSignInForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        form = RootSignInForm(request.POST)
        context = {"form": form, "next": request.POST.get("next", "")}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        email = form.cleaned_data["email"]
        if throttled(request, "signin", f"name:root:{email.lower()}"):
            form.add_error(None, THROTTLED)
            return render(request, self.template_name, context, status=429)
        user = ConsoleBackend().authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, SIGNIN_FAILED)
            return render(request, self.template_name, context, status=401)
        return password_accepted(request, user)


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class IAMSignInView(View):
    """IAM user sign-in: at /signin-iam/ with an account field, or at /signin/<alias-or-id>/."""

    template_name = "accounts/signin_iam.html"

    def get_account(self, slug):
        if slug is None:
            return None
        account = Account.objects.for_signin(slug)
        if account is None:
            raise Http404("No account has that ID or alias.")
        return account

    def get(self, request, slug=None):
        account = self.get_account(slug)
        form = IAMSignInForm(initial={"account": account.signin_slug if account else ""})
        return render(request, self.template_name, {"form": form, "account": account,
                                                    "next": request.GET.get("next", "")})

    def post(self, request, slug=None):
        account = self.get_account(slug)
        data = request.POST.copy()
        if account is not None:
            data["account"] = account.signin_slug
        form = IAMSignInForm(data)
        context = {"form": form, "account": account, "next": request.POST.get("next", "")}
        if not form.is_valid():
            return render(request, self.template_name, context, status=400)
        slug_value = form.cleaned_data["account"].strip().lower()
        name = form.cleaned_data["user_name"]
        if throttled(request, "signin", f"name:iam:{slug_value}:{name.lower()}"):
            form.add_error(None, THROTTLED)
            return render(request, self.template_name, context, status=429)
        user = ConsoleBackend().authenticate(request, account=slug_value, user_name=name,
                                             password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, SIGNIN_FAILED)
            return render(request, self.template_name, context, status=401)
        return password_accepted(request, user)


@require_POST
def signout(request):
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:signin")


@method_decorator([never_cache, sensitive_post_parameters()], name="dispatch")
class PasswordChangeView(View):
    """ChangePassword. The root user may always change its own password; for an IAM
    user the forced change at sign-in needs no permission, as in AWS, and a voluntary
    change needs iam:ChangePassword on the user's own ARN."""

    template_name = "accounts/password_change.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_root and not request.user.password_reset_required:
            from policies.authz import access_denied

            auth = authorize(request, "iam:ChangePassword", request.user.arn)
            if not auth:
                return access_denied(request, auth)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": PasswordChangeForm()})

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                services.change_own_password(request.user, old_password=form.cleaned_data["old_password"],
                                             new_password=form.cleaned_data["new_password"])
            except IAMError as exc:
                # A wrong old password is InvalidInput; anything about the new one is a policy violation.
                field = "old_password" if isinstance(exc, InvalidInput) else "new_password"
                form.add_error(field, exc.message)
                return render(request, self.template_name, {"form": form}, status=exc.status)
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed.")
            return redirect("iamportal:dashboard")
        return render(request, self.template_name, {"form": form}, status=400)


urlpatterns = [
    path("signup/", SignUpView.as_view(), name="signup"),
    path("signin/", RootSignInView.as_view(), name="signin"),
    path("signin-iam/", IAMSignInView.as_view(), name="signin_iam"),
    path("signin/<str:slug>/", IAMSignInView.as_view(), name="signin_account"),
    path("signout/", signout, name="signout"),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
]
