"""Sign-up, root and IAM user sign-in, sign-out, and the password change page."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from audit import services as audit
from iamportal.errors import IAMError, InvalidInput
from policies.authz import authorize

from .. import password_policy, services, throttle
from ..backends import ConsoleBackend
from ..forms import IAMSignInForm, PasswordChangeForm, RootSignInForm, SignUpForm
from ..identity import SESSION_MFA_AT, SESSION_SIGNED_IN_AT
from ..models import Account, iam_login_key, root_login_key

BACKEND = "accounts.backends.ConsoleBackend"
SIGNIN_FAILED = "Your authentication information is incorrect. Please try again."
THROTTLED = "Too many sign-in attempts. Wait a few minutes and try again."
SIGNUP_THROTTLED = ("Too many accounts were created from your network recently. "
                    "Wait an hour and try again, or ask your instructor to raise the limit.")

# Steps that must run after the password is right and before the session starts
# (the MFA challenge registers itself here): functions (request, user) -> response or None.
PASSWORD_STEP_HOOKS: list = []


def start_console_session(request, user, *, mfa: bool = False):
    """Log ``user`` in and record when (and whether with MFA) the session began; the
    audit trail's ``ConsoleLogin`` success."""
    audit.console_login(request, user, success=True, mfa_used=mfa)
    login(request, user, backend=BACKEND)
    now = time.time()
    request.session[SESSION_SIGNED_IN_AT] = now
    if mfa:
        request.session[SESSION_MFA_AT] = now
    else:
        request.session.pop(SESSION_MFA_AT, None)


def safe_next(request) -> str:
    """The ``next`` path posted or asked for, when it is a path on this site; else ``""``
    (``next=dashboard`` names no path: it is ignored rather than reversed)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                                  request.is_secure()):
        return target
    return ""


def password_accepted(request, user):
    """After a correct password: run further steps (MFA), else start the session."""
    for hook in PASSWORD_STEP_HOOKS:
        response = hook(request, user)
        if response is not None:
            return response
    start_console_session(request, user)
    if user.password_reset_required:
        return redirect("accounts:password_change")
    return redirect(safe_next(request) or "iamportal:console_home")


def authenticate_within(request, budget: throttle.SignInBudget, **credentials):
    """``(user, None)`` when the credentials are right, else ``(None, 401)``, or ``(None, 429)``
    without checking them when the budget is used up. Only a wrong password counts."""
    if not budget.reserve():
        return None, 429
    user = ConsoleBackend().authenticate(request, **credentials)
    if user is None:
        return None, 401
    budget.succeeded()
    return user, None


def refuse(request, template_name: str, context: dict, status: int, account=None):
    """The sign-in form again, refused; a wrong password is the audit trail's ``ConsoleLogin``
    failure, in the account of the user named (the backend found it) or of ``account``."""
    if status == 401:
        subject = getattr(request, "signin_subject", None)
        if subject is not None:
            audit.console_login(request, subject, success=False, mfa_used=False)
        elif account is not None:
            audit.unknown_user_login(request, account)
    context["form"].add_error(None, THROTTLED if status == 429 else SIGNIN_FAILED)
    return render(request, template_name, context, status=status)


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class SignUpView(View):
    template_name = "accounts/signup.html"

    def get(self, request):
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request):
        form = SignUpForm(request.POST)
        if form.is_valid():
            if not throttle.signup_allowed(request):
                form.add_error(None, SIGNUP_THROTTLED)
                return render(request, self.template_name, {"form": form}, status=429)
            try:
                root = services.sign_up(email=form.cleaned_data["email"], password=form.cleaned_data["password"])
            except IAMError as exc:
                form.add_error(None, exc.message)
                return render(request, self.template_name, {"form": form})
            start_console_session(request, root)
            messages.success(request, f"Account {root.account.account_id} created. You are signed in as its root user.")
            return redirect("iamportal:console_home")
        return render(request, self.template_name, {"form": form})


@method_decorator([login_not_required, never_cache, sensitive_post_parameters()], name="dispatch")
class RootSignInView(View):
    template_name = "accounts/signin_root.html"

    def get(self, request):
        return render(request, self.template_name, {"form": RootSignInForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        form = RootSignInForm(request.POST)
        context = {"form": form, "next": request.POST.get("next", "")}
        if not form.is_valid():
            return render(request, self.template_name, context)
        email = form.cleaned_data["email"]
        budget = throttle.SignInBudget(request, "signin", root_login_key(email))
        user, status = authenticate_within(request, budget, email=email, password=form.cleaned_data["password"])
        if user is None:
            return refuse(request, self.template_name, context, status)
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
            return render(request, self.template_name, context)
        slug_value = form.cleaned_data["account"].strip().lower()
        name = form.cleaned_data["user_name"]
        # The alias and the account id are one budget: key by the id the slug names.
        named = account or Account.objects.for_signin(slug_value)
        subject = iam_login_key(named.account_id if named else f"?{slug_value}", name)
        budget = throttle.SignInBudget(request, "signin", subject)
        user, status = authenticate_within(request, budget, account=named or slug_value, user_name=name,
                                           password=form.cleaned_data["password"])
        if user is None:
            return refuse(request, self.template_name, context, status, account=named)
        # An expired password must be changed now, or, under HardExpiry, reset by an administrator.
        refusal = password_policy.expired_at_signin(user)
        if refusal:
            form.add_error(None, refusal)
            return render(request, self.template_name, context, status=403)
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
    change needs iam:ChangePassword on the user's own ARN (which the account's password
    policy gives every IAM user with AllowUsersToChangePassword). An IAM user's new
    password follows the account's password policy, listed beside the fields."""

    template_name = "accounts/password_change.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_root and not request.user.password_reset_required:
            from policies.authz import access_denied

            auth = authorize(request, "iam:ChangePassword", request.user.arn)
            if not auth:
                return access_denied(request, auth)
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form):
        rules = [] if self.request.user.is_root else password_policy.policy_text(self.request.user.account)
        return render(self.request, self.template_name, {"form": form, "policy_rules": rules})

    def get(self, request):
        return self.render_form(PasswordChangeForm())

    def post(self, request):
        form = PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.change_own_password(request.user, old_password=form.cleaned_data["old_password"],
                                                 new_password=form.cleaned_data["new_password"])
                    self.record()
            except IAMError as exc:
                self.record(exc)
                # A wrong old password is InvalidInput; anything about the new one is a policy violation.
                field = "old_password" if isinstance(exc, InvalidInput) else "new_password"
                form.add_error(field, exc.message)
                return self.render_form(form)
            update_session_auth_hash(request, request.user)
            messages.success(request, "Your password has been changed.")
            return redirect("iamportal:console_home")
        return self.render_form(form)

    def record(self, error: IAMError | None = None) -> None:
        """The audit record: ChangePassword for an IAM user; for the root user, CloudTrail's
        sign-in event PasswordUpdated (the root user's password is no IAM API's)."""
        failure = {"error_code": error.code, "error_message": error.message} if error is not None else {}
        user = self.request.user
        if user.is_root:
            audit.record(self.request, event_name="PasswordUpdated", event_source=audit.SIGNIN,
                         event_type="AwsConsoleSignIn", resource=user.arn,
                         response_elements={"PasswordUpdated": "Failure" if error else "Success"}, **failure)
        else:
            audit.record(self.request, event_name="ChangePassword", resource=user.arn, **failure)


urlpatterns = [
    path("signup/", SignUpView.as_view(), name="signup"),
    path("signin/", RootSignInView.as_view(), name="signin"),
    path("signin-iam/", IAMSignInView.as_view(), name="signin_iam"),
    path("signin/<str:slug>/", IAMSignInView.as_view(), name="signin_account"),
    path("signout/", signout, name="signout"),
    path("password/change/", PasswordChangeView.as_view(), name="password_change"),
]
