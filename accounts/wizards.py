"""The create-user wizard (iam-facts §8.1), a django-formtools ``SessionWizardView``.

Steps as the AWS console: *Specify user details* → *Set permissions* → *Review and
create*; ``done()`` authorises everything the choices imply, calls
``services.create_user`` once and, when console access was given, shows step 4,
*Retrieve password*. The password is then kept in the session only for the one
"Download .csv file" (STYLE.md P18): see :func:`pop_new_credentials`.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from formtools.wizard.forms import ManagementForm
from formtools.wizard.storage import get_storage
from formtools.wizard.views import SessionWizardView

from audit import services as audit
from iamportal import pickers
from iamportal.errors import EntityAlreadyExists, IAMError, PasswordPolicyViolation
from policies import services as policy_services
from policies.authz import ConditionalIAMActionMixin, access_denied, first_denied

from . import seeds, services
from .models import User
from .tags import TagsForm, create_calls, resource_tag_context
from .user_forms import UserDetailsForm, UserPermissionsForm

# ---------------------------------------------------------------------------
# The one-time password of step 4

SESSION_NEW_CREDENTIALS = "accounts_new_user_credentials"
# However the user leaves the Retrieve password page, the password is gone after this long.
NEW_CREDENTIALS_TTL = 10 * 60


# Passwords kept in the session (the session row is only signed) are sealed (accounts.seeds).
SEALED_PASSWORD = "new user console password"


def keep_new_credentials(request, user: User, password: str, url: str) -> None:
    request.session[SESSION_NEW_CREDENTIALS] = {
        "user_name": user.user_name, "arn": user.arn, "signin_url": url, "at": time.time(),
        "sealed_password": seeds.seal_text(password, SEALED_PASSWORD),
    }


def peek_new_credentials(request) -> dict[str, Any] | None:
    """The credentials kept for the CSV download, password opened, if still fresh (without
    removing them)."""
    kept = request.session.get(SESSION_NEW_CREDENTIALS)
    if not kept or time.time() - kept.get("at", 0) > NEW_CREDENTIALS_TTL:
        return None
    password = seeds.open_text(kept.get("sealed_password", ""), SEALED_PASSWORD)
    if password is None:
        return None
    return {**kept, "password": password}


def pop_new_credentials(request) -> dict[str, Any] | None:
    """Remove the kept credentials (download, or any other users page), returning them if fresh."""
    kept = peek_new_credentials(request)
    request.session.pop(SESSION_NEW_CREDENTIALS, None)
    return kept


# ---------------------------------------------------------------------------
# The wizard

STEP_TITLES = [
    ("details", "Specify user details"),
    ("permissions", "Set permissions"),
    ("review", "Review and create"),
    ("password", "Retrieve password"),
]
#: What "Copy permissions" reads of the user it copies.
COPY_READS = ("iam:ListGroupsForUser", "iam:ListAttachedUserPolicies", "iam:ListUserPolicies", "iam:GetUser")
STALE = ("This create user request is out of date: your session expired or the wizard was "
         "used in another tab. Start again from Step 1.")


class StepFailed(Exception):
    """``done()`` hit an IAM error that belongs to one step (and field) of the wizard."""

    def __init__(self, step: str, field: str | None, error: IAMError) -> None:
        super().__init__(error.message)
        self.step, self.field, self.error = step, field, error


def step_for_error(error: IAMError) -> tuple[str, str | None]:
    """Which step, and which field of it, an error of ``services.create_user`` is about."""
    text = error.message
    if "tags." in text or "Tag keys" in text:
        return "review", None
    if "GroupsPerUser" in text or "group" in text:
        return "permissions", "groups"
    if isinstance(error, PasswordPolicyViolation):
        return "details", "custom_password"
    if isinstance(error, EntityAlreadyExists) or "'userName'" in text:
        return "details", "user_name"
    return "details", None


@method_decorator([never_cache, sensitive_post_parameters("details-custom_password")], name="dispatch")
class UserCreateWizard(ConditionalIAMActionMixin, SessionWizardView):
    """Users › Create user. ``iam:CreateUser`` on the new user's ARN (``user/`` until the
    name is known); ``done()`` authorises again with the final name, plus
    ``iam:CreateLoginProfile``, ``iam:AddUserToGroup`` per group and ``iam:TagUser``.

    The steps are forms before the call: a delegate whose CreateUser depends on the boundary
    or the tags the new user gets (AWS's delegation pattern) may walk them, and ``done()``
    decides with those keys."""

    iam_action = "iam:CreateUser"
    pending_condition_keys = ("iam:PermissionsBoundary", "aws:RequestTag/", "aws:TagKeys")

    def is_submission(self) -> bool:
        return False  # done() authorises the call with every key
    form_list = [("details", UserDetailsForm), ("permissions", UserPermissionsForm), ("review", TagsForm)]

    def setup_objects(self) -> None:
        self.account = self.request.iam.account
        pop_new_credentials(self.request)  # a new wizard run forgets the last one's password

    def get_resource_arn(self) -> str:
        # Until a name is typed the resource is "user/", as for the groups console: a policy
        # scoped to name prefixes lists it to let the wizard open.
        name, path = self._new_user_name()
        return self.account.arn(f"user{path}{name}")

    def _new_user_name(self) -> tuple[str, str]:
        """The name (and path) typed at step 1: in this POST, or stored from an earlier one."""
        data: Any = self.request.POST
        if "details-user_name" not in data:
            # The wizard's storage is set up after authorisation; read it directly.
            storage = get_storage(self.storage_name, self.get_prefix(self.request), self.request)
            data = storage.get_step_data("details") or {}
        return data.get("details-user_name", ""), data.get("details-path") or "/"

    def get_template_names(self) -> list[str]:
        return [f"accounts/user_create_{self.steps.current}.html"]

    # -- the custom password, sealed in the wizard's session storage ---------

    CUSTOM_PASSWORD = "details-custom_password"

    def get_form_step_data(self, form):
        """What formtools keeps in the session for a step: the POST, a custom password sealed."""
        data = form.data.copy()
        if data.get(self.CUSTOM_PASSWORD):
            data[self.CUSTOM_PASSWORD] = seeds.seal_text(data[self.CUSTOM_PASSWORD], SEALED_PASSWORD)
        return data

    def get_form(self, step=None, data=None, files=None):
        sealed = data.get(self.CUSTOM_PASSWORD) if data is not None else None
        opened = seeds.open_text(sealed, SEALED_PASSWORD) if sealed else None
        if opened is not None:  # stored step data, not this POST
            data = data.copy()
            data[self.CUSTOM_PASSWORD] = opened
        return super().get_form(step=step, data=data, files=files)

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        if step in ("details", "permissions"):
            return {"account": self.account}
        return {}

    # -- rendering ---------------------------------------------------------

    def render(self, form=None, status: int = 200, **kwargs):
        form = form or self.get_form()
        return self.render_to_response(self.get_context_data(form=form, **kwargs), status=status)

    def get_context_data(self, form, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        current = self.steps.current
        context["step_titles"] = [(name, title, name == current) for name, title in STEP_TITLES]
        if current == "permissions":
            context["copy_users"] = form.fields["copy_from"].queryset.prefetch_related("iam_groups")
        elif current == "review":
            context["summary"] = self._summary()
        return context

    def _summary(self) -> dict[str, Any]:
        details = self.get_cleaned_data_for_step("details") or {}
        permissions_form = self.get_form("permissions", data=self.storage.get_step_data("permissions"))
        groups = permissions_form.chosen_groups() if permissions_form.is_valid() else []
        console = details.get("console_access")
        chosen = permissions_form.cleaned_data if permissions_form.is_valid() else {}
        return {
            "user_name": details.get("user_name", ""),
            "path": details.get("path", "/"),
            "console_access": console,
            "password_type": ("Custom password" if details.get("password_type") == "custom"
                              else "Autogenerated password") if console else "None",
            "password_reset_required": bool(console and details.get("password_reset_required")),
            "option": chosen.get("option"),
            "copy_from": chosen.get("copy_from") if chosen.get("option") == UserPermissionsForm.COPY else None,
            "groups": groups,
            "policy_arns": permissions_form.chosen_policy_arns() if chosen else [],
            "boundary_arn": chosen.get("permissions_boundary") or None,
            "option_label": dict(UserPermissionsForm.base_fields["option"].choices).get(chosen.get("option"), ""),
            "not_applied": permissions_form.unused_choices() if chosen else [],
        }

    # -- posting -----------------------------------------------------------

    def post(self, *args, **kwargs):
        problem = self._stale_post()
        if problem:
            return self.restart(problem, status=400)
        redisplay = pickers.wizard_redisplay(self)
        if redisplay is not None:
            return redisplay
        if self.request.POST.get(f"{self.prefix}-current_step") == "review":
            # "Add new tag" / "Remove" on the review step: re-render with the rows changed.
            edited = self.get_form("review", data=self.request.POST).edited(self.get_form("review"))
            if edited is not None:
                self.storage.current_step = "review"
                return self.render(edited)
        return super().post(*args, **kwargs)

    def _stale_post(self) -> str:
        """Why this POST cannot continue the wizard stored in the session, or ``""``."""
        management = ManagementForm(self.request.POST, prefix=self.prefix)
        steps = list(self.get_form_list())
        if not management.is_valid() or management.cleaned_data["current_step"] not in steps:
            return STALE
        target = self.request.POST.get("wizard_goto_step")
        if target not in steps:
            target = management.cleaned_data["current_step"]
        earlier = steps[:steps.index(target)]
        if any(self.storage.get_step_data(step) is None for step in earlier):
            return STALE
        return ""

    def restart(self, problem: str, status: int):
        """Forget the stored steps and show Step 1 with ``problem`` explained."""
        self.storage.reset()
        self.storage.current_step = self.steps.first
        return self.render(self.get_form(), status=status, wizard_alert=problem)

    def render_revalidation_failure(self, step, form, **kwargs):
        # Something changed since the step was stored (a name taken, a group deleted).
        if step == self.steps.first:
            self.storage.current_step = step
            return self.render(form)
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        return self.restart(f"{problems} Your choices are out of date; start again from Step 1.", status=409)

    def render_done(self, form, **kwargs):
        try:
            return super().render_done(form, **kwargs)
        except StepFailed as failure:
            audit.failed(self.request, failure.error)
            self.storage.current_step = failure.step
            step_form = self.get_form(failure.step, data=self.storage.get_step_data(failure.step))
            step_form.is_valid()
            step_form.add_iam_error(failure.field, failure.error)
            return self.render(step_form)

    def done(self, form_list, form_dict=None, **kwargs):
        details, permissions, review = form_dict["details"], form_dict["permissions"], form_dict["review"]
        name, path = details.cleaned_data["user_name"], details.cleaned_data["path"]
        console = details.cleaned_data["console_access"]
        groups = permissions.chosen_groups()
        tags = review.cleaned_data["tags"]
        arn = self.account.arn(f"user{path}{name}")

        reset_required = bool(console and details.cleaned_data["password_reset_required"])
        copy_from = permissions.cleaned_data["copy_from"] if (
            permissions.cleaned_data["option"] == UserPermissionsForm.COPY) else None
        plan = policy_services.new_user_permissions_plan(
            self.account, policy_arns=permissions.chosen_policy_arns(),
            boundary_arn=permissions.cleaned_data["permissions_boundary"] or None,
            copy_from=copy_from, password_reset_required=reset_required)

        create_context = {"iam:PermissionsBoundary": plan.boundary_arn} if plan.boundary_arn else None
        # CreateUser carries the tags too, and tags imply TagUser (accounts.tags).
        checks: list[tuple] = list(create_calls("User", arn, tags, create_context))
        if console:
            checks.append(("iam:CreateLoginProfile", arn))
        if copy_from is not None:
            # Copying reads the source user as the console does: its groups, its attached and
            # inline policies (each inline one read) and its boundary (GetUser).
            source = resource_tag_context(copy_from) or None
            checks += [(action, copy_from.arn, source) for action in COPY_READS]
            if plan.inline:
                checks.append(("iam:GetUserPolicy", copy_from.arn, source))
        checks += [("iam:AddUserToGroup", group.arn) for group in groups]
        checks += plan.authorizations(arn)
        denied = first_denied(self.request, checks)
        if denied is not None:
            return access_denied(self.request, denied)

        password = details.new_password() if console else None
        try:
            with transaction.atomic():
                user = services.create_user(
                    self.account, user_name=name, path=path, console_password=password,
                    password_reset_required=reset_required, groups=groups, tags=tags)
                plan.apply(user)
        except IAMError as exc:
            raise StepFailed(*step_for_error(exc), exc) from None

        if password is None:
            messages.success(self.request, f"User {user.user_name} created.")
            return redirect("accounts:user_list")
        url = services.iam_user_signin_url(self.account, request=self.request)
        keep_new_credentials(self.request, user, password, url)
        audit.changed(self.request)  # the password page answers the change, once
        return TemplateResponse(self.request, "accounts/user_create_password.html", {
            "new_user": user, "password": password, "signin_url": url,
            "step_titles": [(step, title, step == "password") for step, title in STEP_TITLES],
        })

