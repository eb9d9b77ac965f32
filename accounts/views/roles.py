"""Roles: list, the create-role wizard, detail (Permissions, Trust relationships, Tags),
summary / trust policy / tag editors, delete, and the role's policy pages (attach,
detach, inline policies, boundary: the users' and groups' pages of
:mod:`policies.views`, for a role) (iam-facts §8.3, §11). Switch Role and Switch back
are in :mod:`accounts.views.switch_role`.

Every role page authorises its IAM action on the role's ARN; another account's role
is a 404 because :func:`accounts.roles.get_role` only looks in the caller's account.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from formtools.wizard.views import SessionWizardView

from audit import last_accessed
from audit import services as audit
from iamportal import pickers
from iamportal.errors import IAMError
from iamportal.views_base import KnownStepMixin, SearchSortMixin, ServiceFormMixin, get_or_404
from iamportal.views import DASHBOARD_COUNTERS
from policies import services as policy_services
from policies.authz import (
    ConditionalIAMActionMixin,
    IAMActionRequiredMixin,
    ImpliedCallsMixin,
    access_denied,
    first_denied,
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

from .. import instance_profiles, roles, tags
from ..models import InstanceProfile, Role
from .bulk import BulkDeleteMixin, find_named, reads_of
from .confirm import Confirmation, ConfirmRemovalMixin
from ..role_forms import (
    ENTITY_TYPE_HELP,
    RoleDeleteForm,
    RoleDetailsForm,
    RolePermissionsForm,
    RoleSummaryForm,
    TrustedEntityForm,
    TrustPolicyForm,
    role_inline_policy_form,
)
from .tags import ManageTagsMixin

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
        # Actions on a role carry its boundary as iam:PermissionsBoundary (§5) and its tags
        # as aws:ResourceTag / iam:ResourceTag (ABAC).
        return {**boundary_context(self.role), **tags.resource_tag_context(self.role)}

    def setup_objects(self) -> None:
        self.role = get_or_404(roles.get_role, self.request.iam.account, self.kwargs["role_name"])

    def get_resource_arn(self) -> str:
        return self.role.arn

    def get_context_data(self, **kwargs):
        kwargs.setdefault("role", self.role)
        return super().get_context_data(**kwargs)


def switch_role_link(request, role: Role) -> str:
    """The role page's "Link to switch roles in console" (AWS's link form, §8.7), on the host
    that served ``request``."""
    role_name = f"{role.path.strip('/')}/{role.name}" if role.path != "/" else role.name
    query = urlencode({"roleName": role_name, "account": role.account.signin_slug})
    return request.build_absolute_uri(f"{reverse('accounts:switch_role')}?{query}")


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
            "name", "path", "trust_policy", "last_used", "created", "account_id", "service_linked")
        return self.search_and_sort(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"role": role, "trusted": roles.trusted_entities(role.trust_policy)}
                           for role in context["roles"]]
        context.update(self.sort_context())
        return context


# ---------------------------------------------------------------------------
# Create role wizard (§8.3)


class RoleCreateWizard(IAMActionRequiredMixin, KnownStepMixin, SessionWizardView):
    """Create role in three steps: trusted entity → permissions → name, review, create.

    The page asks for ``iam:CreateRole`` on ``role/``; ``done()`` authorises every call the
    creation stands for (:meth:`create_calls`) on the new role's exact ARN before creating.
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
            # A managed policy's name is the last part of its ARN.
            context["chosen_policies"] = [arn.rpartition("/")[2] for arn in permissions.get("policy_arns", [])]
            context["chosen_boundary"] = (permissions.get("permissions_boundary") or "").rpartition("/")[2]
        if self.steps.current in ("permissions", "details"):
            entity = self.get_cleaned_data_for_step("trusted_entity") or {}
            context["trust_policy"] = entity.get("trust_policy", "")
            context["trusted"] = roles.trusted_entities(entity.get("trust_policy", ""))
            context["entity_type"] = dict(form_choices(TrustedEntityForm, "entity_type")).get(
                entity.get("entity_type"), "")
            context["federation_note"] = entity.get("entity_type") in ("web_identity", "saml")
        return context

    def post(self, *args, **kwargs):
        if self.request.POST.get(f"{self.prefix}-current_step") == "details":
            # "Add new tag" / "Remove" on the last step: re-render with the rows changed.
            edited = self.get_form("details", data=self.request.POST).edited(self.get_form("details"))
            if edited is not None:
                self.storage.current_step = "details"
                return self.render(edited)
        redisplay = pickers.wizard_redisplay(self)
        if redisplay is not None:
            return redisplay
        return super().post(*args, **kwargs)

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

    @staticmethod
    def create_calls(account, name: str, trust_policy: str, tag_pairs, policy_arns, boundary: str) -> list:
        """The IAM calls creating the role stands for: CreateRole (with its boundary as
        ``iam:PermissionsBoundary`` and its tags, §5) and TagRole when tagged
        (:func:`accounts.tags.create_calls`), AttachRolePolicy per policy,
        PutRolePermissionsBoundary, and for an EC2 role the instance profile the console
        creates (CreateInstanceProfile, AddRoleToInstanceProfile with the iam:PassRole AWS
        requires, :func:`accounts.instance_profiles.add_role_calls`)."""
        role_arn = account.arn(f"role/{name}")
        bounded = {"iam:PermissionsBoundary": boundary} if boundary else {}
        calls = tags.create_calls("Role", role_arn, tag_pairs, bounded)
        calls += [("iam:AttachRolePolicy", role_arn, {**bounded, "iam:PolicyARN": arn}) for arn in policy_arns]
        if boundary:
            calls.append(("iam:PutRolePermissionsBoundary", role_arn, bounded))
        if roles.trusts_service(trust_policy, "ec2.amazonaws.com"):
            profile_arn = account.arn(f"instance-profile/{name}")
            calls.append(("iam:CreateInstanceProfile", profile_arn, {}))
            calls += instance_profiles.add_role_calls(profile_arn, {}, role_arn=role_arn)
        return calls

    def done(self, form_list, form_dict=None, **kwargs):
        entity = form_dict["trusted_entity"].cleaned_data
        details = form_dict["details"].cleaned_data
        permissions = form_dict["permissions"].cleaned_data
        account = self.request.iam.account
        boundary = permissions.get("permissions_boundary") or ""
        policy_arns = permissions.get("policy_arns", [])
        denied = first_denied(self.request, self.create_calls(
            account, details["name"], entity["trust_policy"], details["tags"], policy_arns, boundary))
        if denied is not None:
            return access_denied(self.request, denied)
        try:
            role = roles.create_role(account, name=details["name"], trust_policy=entity["trust_policy"],
                                     description=details["description"], tags=details["tags"],
                                     policy_arns=policy_arns, boundary_arn=boundary)
        except IAMError as exc:
            audit.failed(self.request, exc)
            form = form_dict["details"]
            form.add_error("name" if exc.code in ("EntityAlreadyExists", "ValidationError") else None, exc.message)
            self._done_failed = True
            self.storage.current_step = "details"
            return self.render(form)
        messages.success(self.request, f"Role {role.name} created.")
        return redirect(role)


def form_choices(form_class, field_name):
    return form_class.base_fields[field_name].choices


# ---------------------------------------------------------------------------
# One role


class RoleDetailView(RoleMixin, TemplateView):
    """Summary (ARN, creation, last activity, max session duration, instance profile,
    link to switch roles) and the Permissions, Trust relationships and Tags tabs.

    ``iam:GetRole`` opens the page (the summary, the trust policy and the boundary are
    what GetRole returns); each tab and embedded tool authorises what AWS's API needs
    for what it shows: the policy list ``iam:ListAttachedRolePolicies`` and
    ``iam:ListRolePolicies``, the tags ``iam:ListRoleTags``, and "What this role can do"
    (policy documents and decisions) ``iam:GetRolePolicy``, ``iam:GetPolicyVersion`` of
    each attached policy and ``iam:SimulatePrincipalPolicy`` (:meth:`capabilities_calls`).
    """

    iam_action = "iam:GetRole"
    template_name = "accounts/role_detail.html"
    TABS = {
        "permissions": ("iam:ListAttachedRolePolicies", "iam:ListRolePolicies"),
        "trust": (),
        "tags": ("iam:ListRoleTags",),
        "last_accessed": (),  # audit.last_accessed.tab_context authorises it
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab")
        tab = tab if tab in self.TABS else "permissions"
        keys = self.get_condition_context()
        tab_denied = first_denied(self.request, [(action, self.role.arn, keys) for action in self.TABS[tab]])
        if tab == "permissions" and tab_denied is None:
            permissions = role_permissions(self.role)
            context.update(permissions)
            denied = first_denied(self.request, self.capabilities_calls(permissions, keys))
            context["capabilities_denied"] = denied
            if denied is None:
                context.update(capabilities_context(self.request, self.role, load_role_policy_set(self.role)))
        if tab == "last_accessed":
            context.update(last_accessed.tab_context(self.request, self.role, keys),
                           generate_policy_url=reverse("audit:generate_role_policy", args=[self.role.name]))
        context.update({
            "tab": tab,
            "tab_denied": tab_denied,
            "trusted": roles.trusted_entities(self.role.trust_policy),
            "instance_profiles": list(InstanceProfile.objects.filter(role=self.role).select_related("account")),
            "switch_link": switch_role_link(self.request, self.role),
            "max_session_hours": self.role.max_session_duration / 3600,
        })
        return context

    def capabilities_calls(self, permissions: dict, keys: dict) -> list:
        """What "What this role can do" reads and does: each policy document
        (``iam:GetRolePolicy``, ``iam:GetPolicyVersion``) and the simulation of a session
        of the role (``iam:SimulatePrincipalPolicy``: the sample requests and "Try a request")."""
        calls = [("iam:GetRolePolicy", self.role.arn, keys)] if permissions["inline_policies"] else []
        calls += [("iam:GetPolicyVersion", attachment.policy.arn, tags.resource_tag_context(attachment.policy))
                  for attachment in permissions["attachments"]]  # with each policy's tags, as its page asks
        calls.append(("iam:SimulatePrincipalPolicy", self.role.arn, keys))
        return calls


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

    scps = roles.role_scps(role)

    def decide(action, resource):
        return roles.decide(policy_set, principal=role.session_arn("session"),
                            context=roles.session_context(role, "session"), action=action, resource=resource,
                            scps=scps)

    return {
        "policy_summaries": [(policy.name, summarize(policy.text)) for policy in policy_set.identity],
        "boundary_policy": policy_set.boundary,
        "capabilities": roles.role_capabilities(role, policy_set, scps=scps),
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


class RoleTagsEditView(ManageTagsMixin, RoleMixin, FormView):
    """Manage tags: ``iam:TagRole`` for added or changed keys, ``iam:UntagRole`` for removed ones."""

    iam_action = "iam:ListRoleTags"

    def tagged(self) -> Role:
        return self.role

    def done_url(self) -> str:
        return f"{self.role.get_absolute_url()}?tab=tags"

    def crumbs(self) -> list[tuple[str, str]]:
        return [("Roles", reverse("accounts:role_list")), (self.role.name, self.done_url())]


class RoleDeleteView(ImpliedCallsMixin, RoleMixin, RoleFormMixin, FormView):
    """Delete the role as the console does: its policies, boundary and instance-profile
    links go first, each an IAM call authorised with DeleteRole (the page lists them)."""

    iam_action = "iam:DeleteRole"
    template_name = "accounts/role_delete.html"
    form_class = RoleDeleteForm
    error_field = "confirmation"

    def implied_calls(self):
        return roles.delete_role_plan(self.role).calls

    def get_authorizations(self):
        # The reads of what the page names, as the console's delete lists them.
        return [*super().get_authorizations(), *reads_of(self.role)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "role": self.role}

    def get_context_data(self, **kwargs):
        return super().get_context_data(plan=roles.delete_role_plan(self.role), **kwargs)

    def perform(self, form):
        roles.delete_role(self.role, remove_dependents=True, authorize=self.authorize_calls)
        messages.success(self.request, f"Role {self.role.name} deleted.")
        return redirect("accounts:role_list")


class RoleBulkDeleteView(BulkDeleteMixin, ConditionalIAMActionMixin, FormView):
    """Delete the roles ticked on the list (``roles`` parameters), each as RoleDeleteView does,
    confirmed by typing "delete"; one Deny on any call of any role keeps them all."""

    iam_action = "iam:DeleteRole"
    param, noun, plural, list_url, arn_prefix = "roles", "role", "roles", "accounts:role_list", "role/"

    def find(self, names):
        return find_named(Role.objects.for_account(self.request.iam.account).select_related("account"),
                          names, kind="role")

    def plan_of(self, role):
        return roles.delete_role_plan(role)

    def delete(self, role):
        roles.delete_role(role, remove_dependents=True, authorize=self.authorize_calls)


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
                {**self.get_condition_context(), "iam:PolicyARN": policy_arn})


class RoleDetachView(ConfirmRemovalMixin, PolicyDetachMixin, RoleMixin, View):
    """Remove an attached managed policy (DetachRolePolicy): GET ``?policy_arn=`` confirms,
    naming the policy and the role; POST ``policy_arn`` detaches."""

    iam_action = "iam:DetachRolePolicy"

    def get_condition_context(self) -> dict:
        return {**super().get_condition_context(), "iam:PolicyARN": self.policy_arn()}

    def confirmation(self) -> Confirmation:
        arn = self.policy_arn()
        policy = next((row.policy for row in PolicyAttachment.objects.filter(role=self.role)
                       .select_related("policy__account") if row.policy.arn == arn), None)
        if policy is None:
            raise Http404(f"Policy {arn} was not found.")
        role_url = self.role.get_absolute_url()
        return Confirmation(
            heading=f"Remove {policy.name} from {self.role.name}?",
            detail=f"Detach {arn} from the role {self.role.name}: its sessions lose the permissions it grants.",
            cancel_url=role_url,
            crumbs=((reverse("accounts:role_list"), "Roles"), (role_url, self.role.name), ("", "Remove policy")),
            fields=(("policy_arn", arn),))

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
                {**self.get_condition_context(), "iam:PermissionsBoundary": policy_arn})


class RoleBoundaryDeleteView(BoundaryDeleteMixin, RoleMixin, View):
    iam_action = "iam:DeleteRolePermissionsBoundary"


urlpatterns = [
    path("iam/roles/", RoleListView.as_view(), name="role_list"),
    path("iam/roles/create/", RoleCreateWizard.as_view(), name="role_create"),
    path("iam/roles/delete/selected/", RoleBulkDeleteView.as_view(), name="role_bulk_delete"),
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
