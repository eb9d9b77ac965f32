"""Roles: list, the create-role wizard, detail (Permissions, Trust relationships, Tags),
summary / trust policy / tag editors, delete, and the role's policy pages (attach,
detach, inline policies, boundary: the users' and groups' pages of
:mod:`policies.views`, for a role) (iam-facts §8.3, §11). Switch Role and Switch back
are in :mod:`accounts.views.switch_role`.

Every role page authorises its IAM action on the role's ARN; another account's role
is a 404 because :func:`accounts.roles.get_role` only looks in the caller's account.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from formtools.wizard.views import SessionWizardView

from iamportal.errors import IAMError
from iamportal.views_base import SearchSortMixin, ServiceFormMixin, get_or_404
from iamportal.views import DASHBOARD_COUNTERS
from policies import services as policy_services
from policies.authz import (
    ActionDenied,
    ConditionalIAMActionMixin,
    IAMActionRequiredMixin,
    access_denied,
    require,
)
from policies.loading import load_role_policy_set
from policies.models import InlinePolicy, PolicyAttachment
from policies.summary import summarize
from policies.views import (
    BoundaryDeleteMixin,
    BoundaryFormMixin,
    InlinePolicyDeleteMixin,
    InlinePolicyDetailMixin,
    InlinePolicyEditMixin,
    InlinePolicyFormMixin,
    PolicyAttachMixin,
    PolicyDetachMixin,
    PolicyPagesMixin,
    boundary_context,
)

from .. import roles
from ..services import dependent_counts
from ..models import InstanceProfile, Role
from ..role_forms import (
    ENTITY_TYPE_HELP,
    RoleDeleteForm,
    RoleDetailsForm,
    RolePermissionsForm,
    RoleSummaryForm,
    RoleTagsForm,
    TrustedEntityForm,
    TrustPolicyForm,
    format_tags,
    role_inline_policy_form,
)

DASHBOARD_COUNTERS.setdefault(
    "Roles", (lambda account: Role.objects.for_account(account).count(), "accounts:role_list"))


# ---------------------------------------------------------------------------
# Shared view machinery


class RoleFormMixin(ServiceFormMixin):
    """A role form: every IAM error of its service call is about ``error_field`` (the form
    itself when ``None``)."""

    error_field: str | None = None
    field_errors = (IAMError,)


class RoleMixin(PolicyPagesMixin, ConditionalIAMActionMixin):
    """Views of one role, named in the URL and looked up in the caller's account.

    ``get_condition_context()`` adds request context keys to the view's authorisation
    (e.g. ``iam:PolicyARN`` for DetachRolePolicy), so conditions on them work. The role
    is also the ``subject`` of the policy pages the role shares with users and groups.
    """

    entity_kind = "role"

    @property
    def subject(self) -> Role:
        return self.role

    def get_condition_context(self) -> dict:
        # Actions on a role that has a boundary carry it as iam:PermissionsBoundary (§5).
        return boundary_context(self.role)

    def setup_objects(self) -> None:
        self.role = get_or_404(roles.get_role, self.request.iam.account, self.kwargs["role_name"])

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


class RoleListView(IAMActionRequiredMixin, SearchSortMixin, ListView):
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

    def get_queryset(self):
        queryset = Role.objects.for_account(self.request.iam.account).only(
            "name", "path", "trust_policy", "last_used", "created", "account_id")
        return self.search_and_sort(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"role": role, "trusted": roles.trusted_entities(role.trust_policy)}
                           for role in context["roles"]]
        context.update(self.sort_context())
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
        return {"account": self.request.iam.account}

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
        if self.steps.current == "details":
            permissions = self.get_cleaned_data_for_step("permissions") or {}
            names = dict(self.get_form("permissions").fields["policy_arns"].choices)
            context["chosen_policies"] = [names.get(arn, arn) for arn in permissions.get("policy_arns", [])]
            context["chosen_boundary"] = names.get(permissions.get("permissions_boundary") or "", "")
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
        permissions = form_dict["permissions"].cleaned_data
        account = self.request.iam.account
        name = details["name"]
        role_arn = account.arn(f"role/{name}")
        boundary = permissions.get("permissions_boundary") or ""
        try:
            with transaction.atomic():
                # CreateRole with a boundary carries it as iam:PermissionsBoundary (§5).
                require(self.request, "iam:CreateRole", role_arn,
                        {"iam:PermissionsBoundary": boundary} if boundary else None)
                if details["tags"]:
                    require(self.request, "iam:TagRole", role_arn)
                for arn in permissions.get("policy_arns", []):
                    require(self.request, "iam:AttachRolePolicy", role_arn, {"iam:PolicyARN": arn})
                if boundary:
                    require(self.request, "iam:PutRolePermissionsBoundary", role_arn,
                            {"iam:PermissionsBoundary": boundary})
                role = roles.create_role(account, name=name, trust_policy=entity["trust_policy"],
                                         description=details["description"], tags=details["tags"],
                                         policy_arns=permissions.get("policy_arns", []), boundary_arn=boundary)
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
        tab = tab if tab in self.TABS else "permissions"
        if tab == "permissions":
            context.update(role_permissions(self.role))
            context.update(capabilities_context(self.request, self.role, load_role_policy_set(self.role)))
        context.update({
            "tab": tab,
            "trusted": roles.trusted_entities(self.role.trust_policy),
            "instance_profiles": list(InstanceProfile.objects.filter(role=self.role).select_related("account")),
            "switch_link": switch_role_link(self.role),
            "max_session_hours": self.role.max_session_duration / 3600,
        })
        return context


def try_request_context(request, decide) -> dict:
    """The "Try a request" form (``?action=&resource=``): what was asked and, when both
    are given, the answer ``decide(action, resource)``."""
    action = request.GET.get("action", "").strip()[:128]
    resource = request.GET.get("resource", "").strip()[:2048]
    return {"tried": decide(action, resource) if action and resource else None,
            "try_action": action, "try_resource": resource}


def capabilities_context(request, role: Role, policy_set) -> dict:
    """"What this role can do": each policy summarised, sample decisions for a session of
    the role, and the answer to the "Try a request" form."""

    def decide(action, resource):
        return roles.decide(policy_set, principal=role.session_arn("session"),
                            context=roles.session_context(role, "session"), action=action, resource=resource)

    return {
        "policy_summaries": [(policy.name, summarize(policy.text)) for policy in policy_set.identity],
        "boundary_policy": policy_set.boundary,
        "capabilities": roles.role_capabilities(role, policy_set),
        **try_request_context(request, decide),
    }


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
            self.require("iam:UntagRole", self.role.arn)
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
        context["removals"] = dependent_counts(roles.ROLE_DEPENDENT_COUNTERS, self.role)
        context["instance_profiles"] = list(InstanceProfile.objects.filter(role=self.role))
        return context

    def perform(self, form):
        roles.delete_role(self.role, remove_dependents=True)
        messages.success(self.request, f"Role {self.role.name} deleted.")
        return redirect("accounts:role_list")


# ---------------------------------------------------------------------------
# The role's permissions: attached and inline policies, boundary


def role_permissions(role: Role) -> dict:
    """The Permissions tab's rows: attachments, inline policies and the boundary (3 queries)."""
    boundary = policy_services.get_permissions_boundary(role)
    attachments = list(PolicyAttachment.objects.filter(role=role).select_related("policy__account")
                       .order_by("policy__name"))
    inline_policies = list(InlinePolicy.objects.filter(role=role).order_by("name"))
    return {
        "attachments": attachments,
        "inline_policies": inline_policies,
        "policy_count": len(attachments) + len(inline_policies),
        "boundary": boundary.policy if boundary else None,
    }


class RoleAttachView(PolicyAttachMixin, RoleMixin, TemplateView):
    """Add permissions › Attach policies: managed policies for the role (10 at most).

    The page lists policies (``iam:ListPolicies``); each chosen policy is then authorised
    as ``iam:AttachRolePolicy`` on the role with ``iam:PolicyARN`` set to it.
    """

    iam_action = "iam:ListPolicies"
    template_name = "accounts/role_attach.html"

    def get_resource_arn(self) -> str:
        return "*"

    def authorize_attach(self, policy_arn: str) -> None:
        require(self.request, "iam:AttachRolePolicy", self.role.arn,
                {**boundary_context(self.role), "iam:PolicyARN": policy_arn})


class RoleDetachView(PolicyDetachMixin, RoleMixin, View):
    """Remove an attached managed policy (DetachRolePolicy). POST ``policy_arn``."""

    iam_action = "iam:DetachRolePolicy"
    http_method_names = ["post"]

    def get_condition_context(self) -> dict:
        return {"iam:PolicyARN": self.policy_arn()}

    def detach_failed(self, exc: IAMError):
        messages.error(self.request, exc.message)
        return redirect(self.done_url())


class RoleInlineCreateView(InlinePolicyFormMixin, RoleMixin, TemplateView):
    """Create inline policy (PutRolePolicy): name and the JSON editor. A role's inline
    policies together hold at most 10,240 characters (whitespace not counted)."""

    iam_action = "iam:PutRolePolicy"
    template_name = "accounts/role_inline_form.html"

    def inline_form(self, data, **kwargs):
        return role_inline_policy_form(data, **kwargs)


class RoleInlineEditView(InlinePolicyEditMixin, RoleInlineCreateView):
    pass


class RoleInlineDetailView(InlinePolicyDetailMixin, RoleMixin, TemplateView):
    iam_action = "iam:GetRolePolicy"
    template_name = "accounts/role_inline_detail.html"


class RoleInlineDeleteView(InlinePolicyDeleteMixin, RoleMixin, TemplateView):
    iam_action = "iam:DeleteRolePolicy"
    template_name = "accounts/role_inline_delete.html"


class RoleBoundaryView(BoundaryFormMixin, RoleMixin, TemplateView):
    """Set (or change) the role's permissions boundary: one managed policy.

    The page lists policies (``iam:ListPolicies``); the choice is authorised as
    ``iam:PutRolePermissionsBoundary`` with ``iam:PermissionsBoundary`` set to it.
    """

    iam_action = "iam:ListPolicies"
    template_name = "accounts/role_boundary.html"
    current_is_policy = True

    def get_resource_arn(self) -> str:
        return "*"

    def authorize_boundary(self, policy_arn: str) -> None:
        require(self.request, "iam:PutRolePermissionsBoundary", self.role.arn,
                {"iam:PermissionsBoundary": policy_arn})


class RoleBoundaryDeleteView(BoundaryDeleteMixin, RoleMixin, View):
    iam_action = "iam:DeleteRolePermissionsBoundary"


urlpatterns = [
    path("iam/roles/", RoleListView.as_view(), name="role_list"),
    path("iam/roles/create/", RoleCreateWizard.as_view(), name="role_create"),
    path("iam/roles/<str:role_name>/", RoleDetailView.as_view(), name="role_detail"),
    path("iam/roles/<str:role_name>/edit/", RoleEditView.as_view(), name="role_edit"),
    path("iam/roles/<str:role_name>/trust/edit/", RoleTrustEditView.as_view(), name="role_trust_edit"),
    path("iam/roles/<str:role_name>/tags/edit/", RoleTagsEditView.as_view(), name="role_tags_edit"),
    path("iam/roles/<str:role_name>/delete/", RoleDeleteView.as_view(), name="role_delete"),
    path("iam/roles/<str:role_name>/policies/attach/", RoleAttachView.as_view(), name="role_attach"),
    path("iam/roles/<str:role_name>/policies/detach/", RoleDetachView.as_view(), name="role_detach"),
    path("iam/roles/<str:role_name>/policies/inline/create/", RoleInlineCreateView.as_view(),
         name="role_inline_create"),
    path("iam/roles/<str:role_name>/policies/inline/<str:policy_name>/", RoleInlineDetailView.as_view(),
         name="role_inline_detail"),
    path("iam/roles/<str:role_name>/policies/inline/<str:policy_name>/edit/", RoleInlineEditView.as_view(),
         name="role_inline_edit"),
    path("iam/roles/<str:role_name>/policies/inline/<str:policy_name>/delete/", RoleInlineDeleteView.as_view(),
         name="role_inline_delete"),
    path("iam/roles/<str:role_name>/permissions-boundary/", RoleBoundaryView.as_view(), name="role_boundary"),
    path("iam/roles/<str:role_name>/permissions-boundary/delete/", RoleBoundaryDeleteView.as_view(),
         name="role_boundary_delete"),
]
