"""Roles: list, the create-role wizard, detail (Permissions, Trust relationships, Tags),
summary / trust policy / tag editors, delete; Switch Role and Switch back
(iam-facts §8.3, §8.7, §11).

Every role page authorises its IAM action on the role's ARN; another account's role
is a 404 because :func:`accounts.roles.get_role` only looks in the caller's account.
Switch Role is self-service (``policies.checks.SELF_SERVICE_VIEWS``): whether the
caller may assume the role is the trust policy's and ``sts:AssumeRole``'s decision,
taken by :func:`accounts.roles.assume_role`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView
from formtools.wizard.views import SessionWizardView

from iamportal.errors import IAMError, NoSuchEntity
from iamportal.views import DASHBOARD_COUNTERS
from policies.authz import Authorization, IAMActionRequiredMixin, access_denied, authorize

from .. import role_sessions, roles
from ..models import InstanceProfile, Role
from ..role_forms import (
    ENTITY_TYPE_HELP,
    RoleDeleteForm,
    RoleDetailsForm,
    RolePermissionsForm,
    RoleSummaryForm,
    RoleTagsForm,
    SwitchRoleForm,
    TrustedEntityForm,
    TrustPolicyForm,
    format_tags,
)

DASHBOARD_COUNTERS.setdefault(
    "Roles", (lambda account: Role.objects.for_account(account).count(), "accounts:role_list"))


# ---------------------------------------------------------------------------
# Shared view machinery


class ActionDenied(Exception):
    """A secondary action the request implies (e.g. TagRole at creation) was denied."""

    def __init__(self, auth: Authorization) -> None:
        super().__init__(auth.message)
        self.auth = auth


def require(request, action: str, resource: str) -> None:
    auth = authorize(request, action, resource)
    if not auth:
        raise ActionDenied(auth)


class RoleFormMixin:
    """A role form whose valid data goes to one service call inside a transaction.

    Subclasses implement ``perform(form) -> response``. IAM errors become form errors
    with AWS's HTTP status; a denied secondary action renders AWS's AccessDenied page.
    """

    error_field: str | None = None

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return self.perform(form)
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as exc:
            form.add_error(self.error_field, exc.message)
            return self.render_to_response(self.get_context_data(form=form), status=exc.status)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def perform(self, form):  # pragma: no cover - every subclass implements it
        raise NotImplementedError


class RoleMixin(IAMActionRequiredMixin):
    """Views of one role, named in the URL and looked up in the caller's account."""

    def setup_objects(self) -> None:
        try:
            self.role = roles.get_role(self.request.iam.account, self.kwargs["role_name"])
        except NoSuchEntity as exc:
            raise Http404(exc.message) from None

    def get_resource_arn(self) -> str:
        return self.role.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("role", self.role)
        return super().get_context_data(**kwargs)


def switch_role_link(role: Role) -> str:
    """The role page's "Link to switch roles in console" (AWS's link form, §8.7)."""
    role_name = f"{role.path.strip('/')}/{role.name}" if role.path != "/" else role.name
    query = urlencode({"roleName": role_name, "account": role.account.signin_slug})
    return f"{settings.IAMPORTAL_BASE_URL}{reverse('accounts:switch_role')}?{query}"


# ---------------------------------------------------------------------------
# List


class RoleListView(IAMActionRequiredMixin, ListView):
    """Roles: name, trusted entities, last activity, creation; search, sort, pages.

    Two queries whatever the page holds: the count and the page of roles (the trusted
    entities come from each role's trust policy text, not from further queries).
    """

    iam_action = "iam:ListRoles"
    template_name = "accounts/role_list.html"
    context_object_name = "roles"
    paginate_by = 50
    SORTS = {"name": Lower("name"), "last_activity": F("last_used"), "created": F("created")}

    def get_resource_arn(self) -> str:
        return self.request.iam.account.arn("role/")

    def get_sort(self) -> tuple[str, bool]:
        value = self.request.GET.get("sort", "name")
        key = value.removeprefix("-")
        if key not in self.SORTS:
            return "name", False
        return key, value.startswith("-")

    def get_queryset(self):
        queryset = Role.objects.for_account(self.request.iam.account).only(
            "name", "path", "trust_policy", "last_used", "created", "account_id")
        query = self.request.GET.get("q", "").strip()
        if query:
            queryset = queryset.filter(name__icontains=query)
        key, descending = self.get_sort()
        field = self.SORTS[key]
        ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_first=True)
        return queryset.order_by(ordering, "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        key, descending = self.get_sort()
        rows = [{"role": role, "trusted": roles.trusted_entities(role.trust_policy)}
                for role in context["roles"]]
        context.update({
            "rows": rows,
            "q": self.request.GET.get("q", "").strip(),
            "sort_key": key,
            "sort_descending": descending,
            "sort_links": {name: ("-" + name if name == key and not descending else name) for name in self.SORTS},
        })
        return context


# ---------------------------------------------------------------------------
# Create role wizard (§8.3)


class RoleCreateWizard(IAMActionRequiredMixin, SessionWizardView):
    """Create role in three steps: trusted entity → permissions → name, review, create.

    The page asks for ``iam:CreateRole`` on ``role/``; ``done()`` authorises it again on
    the new role's exact ARN, and ``iam:TagRole`` when tags were given, before creating.
    """

    iam_action = "iam:CreateRole"
    form_list = [("trusted_entity", TrustedEntityForm), ("permissions", RolePermissionsForm),
                 ("details", RoleDetailsForm)]
    TEMPLATES = {"trusted_entity": "accounts/role_create_trusted_entity.html",
                 "permissions": "accounts/role_create_permissions.html",
                 "details": "accounts/role_create_details.html"}
    STEP_TITLES = {"trusted_entity": "Select trusted entity", "permissions": "Add permissions",
                   "details": "Name, review, and create"}

    def get_resource_arn(self) -> str:
        name = self.request.POST.get("details-name", "") if self.request.method == "POST" else ""
        return self.request.iam.account.arn(f"role/{name}")

    def get_template_names(self):
        return [self.TEMPLATES[self.steps.current]]

    def get_form_kwargs(self, step=None):
        if step in ("trusted_entity", "details"):
            return {"account": self.request.iam.account}
        return {}

    def get_form_initial(self, step):
        initial = super().get_form_initial(step)
        if step == "details":
            entity = self.get_cleaned_data_for_step("trusted_entity") or {}
            if entity.get("default_description"):
                initial.setdefault("description", entity["default_description"])
        return initial

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        context["step_titles"] = [(name, self.STEP_TITLES[name]) for name in self.get_form_list()]
        context["entity_help"] = ENTITY_TYPE_HELP
        context["use_cases"] = roles.SERVICE_USE_CASES
        if self.steps.current == "trusted_entity":
            context["findings"] = getattr(form, "findings", [])
        if self.steps.current in ("permissions", "details"):
            entity = self.get_cleaned_data_for_step("trusted_entity") or {}
            context["trust_policy"] = entity.get("trust_policy", "")
            context["trusted"] = roles.trusted_entities(entity.get("trust_policy", ""))
            context["entity_type"] = dict(form_choices(TrustedEntityForm, "entity_type")).get(
                entity.get("entity_type"), "")
            context["federation_note"] = entity.get("entity_type") in ("web_identity", "saml")
        return context

    def render_done(self, form, **kwargs):
        """formtools' render_done, except that storage survives a failed ``done()`` so
        the last step can be corrected (formtools resets it whatever happens)."""
        final_forms = {}
        for step in self.get_form_list():
            step_form = self.get_form(step=step, data=self.storage.get_step_data(step),
                                      files=self.storage.get_step_files(step))
            if not step_form.is_valid():
                return self.render_revalidation_failure(step, step_form, **kwargs)
            final_forms[step] = step_form
        self._done_failed = False
        response = self.done(list(final_forms.values()), form_dict=final_forms, **kwargs)
        if not self._done_failed:
            self.storage.reset()
        return response

    def done(self, form_list, form_dict=None, **kwargs):
        entity = form_dict["trusted_entity"].cleaned_data
        details = form_dict["details"].cleaned_data
        account = self.request.iam.account
        name = details["name"]
        try:
            with transaction.atomic():
                require(self.request, "iam:CreateRole", account.arn(f"role/{name}"))
                if details["tags"]:
                    require(self.request, "iam:TagRole", account.arn(f"role/{name}"))
                role = roles.create_role(account, name=name, trust_policy=entity["trust_policy"],
                                         description=details["description"], tags=details["tags"])
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as exc:
            form = form_dict["details"]
            form.add_error("name" if exc.code in ("EntityAlreadyExists", "ValidationError") else None, exc.message)
            self._done_failed = True
            self.storage.current_step = "details"
            return self.render(form, status=exc.status)
        messages.success(self.request, f"Role {role.name} created.")
        return redirect(role)

    def render(self, form=None, **kwargs):
        status = kwargs.pop("status", None)
        response = super().render(form, **kwargs)
        if status:
            response.status_code = status
        elif form is not None and form.is_bound and form.errors:
            response.status_code = 400
        return response


def form_choices(form_class, field_name):
    return form_class.base_fields[field_name].choices


# ---------------------------------------------------------------------------
# One role


class RoleDetailView(RoleMixin, TemplateView):
    """Summary (ARN, creation, last activity, max session duration, instance profile,
    link to switch roles) and the Permissions, Trust relationships and Tags tabs."""

    iam_action = "iam:GetRole"
    template_name = "accounts/role_detail.html"
    TABS = ("permissions", "trust", "tags")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab")
        context.update({
            "tab": tab if tab in self.TABS else "permissions",
            "trusted": roles.trusted_entities(self.role.trust_policy),
            "instance_profiles": list(InstanceProfile.objects.filter(role=self.role).select_related("account")),
            "switch_link": switch_role_link(self.role),
            "max_session_hours": self.role.max_session_duration / 3600,
        })
        return context


class RoleEditView(RoleMixin, RoleFormMixin, FormView):
    """Edit the summary (UpdateRole): description and maximum session duration."""

    iam_action = "iam:UpdateRole"
    template_name = "accounts/role_edit.html"
    form_class = RoleSummaryForm

    def get_initial(self):
        return RoleSummaryForm.initial_for(self.role)

    def perform(self, form):
        roles.update_role(self.role, description=form.cleaned_data["description"],
                          max_session_duration=form.cleaned_data["max_session_duration"])
        messages.success(self.request, f"Role {self.role.name} updated.")
        return redirect(self.role)


class RoleTrustEditView(RoleMixin, RoleFormMixin, FormView):
    """Edit trust policy (UpdateAssumeRolePolicy): JSON editor with line:column findings."""

    iam_action = "iam:GetRole"
    iam_action_post = "iam:UpdateAssumeRolePolicy"
    template_name = "accounts/role_trust_edit.html"
    form_class = TrustPolicyForm
    error_field = "policy"

    def get_initial(self):
        return {"policy": self.role.trust_policy}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["findings"] = getattr(form, "findings", [])
        return context

    def perform(self, form):
        roles.update_trust_policy(self.role, form.cleaned_data["policy"])
        messages.success(self.request, f"Trust policy of {self.role.name} updated.")
        return redirect(f"{self.role.get_absolute_url()}?tab=trust")


class RoleTagsEditView(RoleMixin, RoleFormMixin, FormView):
    """Manage tags (TagRole / UntagRole)."""

    iam_action = "iam:ListRoleTags"
    iam_action_post = "iam:TagRole"
    template_name = "accounts/role_tags_edit.html"
    form_class = RoleTagsForm
    error_field = "tags"

    def get_initial(self):
        return {"tags": format_tags(self.role.tag_list)}

    def perform(self, form):
        new_keys = {key.lower() for key, _ in form.cleaned_data["tags"]}
        if any(tag["Key"].lower() not in new_keys for tag in self.role.tag_list):
            require(self.request, "iam:UntagRole", self.role.arn)
        roles.update_role_tags(self.role, form.cleaned_data["tags"])
        messages.success(self.request, f"Tags of {self.role.name} saved.")
        return redirect(f"{self.role.get_absolute_url()}?tab=tags")


class RoleDeleteView(RoleMixin, RoleFormMixin, FormView):
    """Delete the role as the console does: its policies and instance-profile links go first."""

    iam_action = "iam:DeleteRole"
    template_name = "accounts/role_delete.html"
    form_class = RoleDeleteForm
    error_field = "confirmation"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "role": self.role}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["removals"] = [(label, count) for label, counter in roles.ROLE_DEPENDENT_COUNTERS.items()
                               if (count := counter(self.role))]
        context["instance_profiles"] = list(InstanceProfile.objects.filter(role=self.role))
        return context

    def perform(self, form):
        roles.delete_role(self.role, remove_dependents=True)
        messages.success(self.request, f"Role {self.role.name} deleted.")
        return redirect("accounts:role_list")


# ---------------------------------------------------------------------------
# Switch role and switch back (§8.7)


@method_decorator(never_cache, name="dispatch")
class SwitchRoleView(View):
    """The Switch Role form, prefilled by AWS's link parameters; POST assumes the role.

    Self-service: the decision is the trust policy's and the caller's own
    ``sts:AssumeRole`` permission (see :func:`accounts.roles.assume_role`). The page
    also shows the current role session and the last roles used.
    """

    template_name = "accounts/switch_role.html"

    def context(self, form, **extra):
        identity = self.request.iam
        return {"form": form, "session": identity.role_session, "colours": role_sessions.COLOURS,
                "history": getattr(identity, "role_history", []), "is_root": identity.is_root, **extra}

    def get(self, request):
        form = SwitchRoleForm.from_link(request.GET)
        return render(request, self.template_name, self.context(form))

    def post(self, request):
        form = SwitchRoleForm(request.POST)
        identity = request.iam
        if identity.is_root:
            return render(request, self.template_name,
                          self.context(form, denied=roles.AccessDenied(roles.ROOT_CANNOT_ASSUME)), status=403)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form), status=400)
        data = form.cleaned_data
        try:
            grant = roles.assume_role(identity, account_reference=data["account"], role_name=data["role_name"],
                                      chain=data.get("chain") == "session", now=role_sessions.now(),
                                      console_session_ends=role_sessions.console_session_ends(request))
        except roles.AccessDenied as denied:
            return render(request, self.template_name, self.context(form, denied=denied), status=403)
        role_sessions.store(request, grant, display_name=data["display_name"], colour=data.get("colour", ""),
                            account_reference=data["account"].strip(), role_reference=data["role_name"])
        messages.success(request, f"You switched to the role {grant.role.name} as {grant.arn}.")
        return redirect("accounts:switch_role")


class SwitchBackView(View):
    """Switch back: end the role session and return to the user's own identity. POST only."""

    http_method_names = ["post"]

    def post(self, request):
        if role_sessions.clear(request):
            messages.success(request, f"You are now signed in as {request.user.user_name}.")
        return redirect("iamportal:dashboard")


urlpatterns = [
    path("iam/roles/", RoleListView.as_view(), name="role_list"),
    path("iam/roles/create/", RoleCreateWizard.as_view(), name="role_create"),
    path("iam/roles/<str:role_name>/", RoleDetailView.as_view(), name="role_detail"),
    path("iam/roles/<str:role_name>/edit/", RoleEditView.as_view(), name="role_edit"),
    path("iam/roles/<str:role_name>/trust/edit/", RoleTrustEditView.as_view(), name="role_trust_edit"),
    path("iam/roles/<str:role_name>/tags/edit/", RoleTagsEditView.as_view(), name="role_tags_edit"),
    path("iam/roles/<str:role_name>/delete/", RoleDeleteView.as_view(), name="role_delete"),
    re_path(r"^switchrole/?$", SwitchRoleView.as_view(), name="switch_role"),
    path("switchrole/back", SwitchBackView.as_view(), name="switch_back"),
]
