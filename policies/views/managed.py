"""Console pages of managed policies: list, create (JSON editor → review), detail with its
tabs (permissions, entities attached, versions, tags), edit (new version), manage tags, delete.

URLs (``policies/urls.py``) name a managed policy as ``/iam/policies/<owner>/<name>/``,
where ``owner`` is the ARN's account segment: ``aws`` for AWS managed policies, the
12-digit account id for customer managed ones. It mirrors the ARN, never collides with
``/iam/policies/create/``, and another account's id is a 404.

Every view declares its IAM action (iam-facts §7.1) and the ARN it touches; actions a
page implies besides its own (detach-all on delete, deleting a version at the limit)
are authorised one by one before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView, View
from formtools.wizard.views import SessionWizardView

from accounts import tags
from accounts.views.bulk import BulkDeleteMixin, SelectionRefused, reads_of
from accounts.views.confirm import Confirmation, ConfirmRemovalMixin
from accounts.views.tags import ManageTagsMixin
from audit import last_accessed, policy_generation
from audit import services as audit
from iamportal.errors import IAMError
from iamportal.views_base import KnownStepMixin, get_or_404
from policies.authz import (
    ActionDenied,
    ConditionalIAMActionMixin,
    IAMActionRequiredMixin,
    ImpliedCallsMixin,
    access_denied,
    authorize,
    first_denied,
)

from .. import services
from ..forms import (
    DEFAULT_DOCUMENT,
    MAX_SHOWN_FINDINGS,
    ConfirmNameForm,
    PolicyDetailsForm,
    PolicyDocumentForm,
    PolicyVersionForm,
    find,
)
from ..models import ManagedPolicy, PolicyAttachment, PolicyVersion
from ..services import boundary_context
from . import draft_checks
from .base import (
    ENTITY_LOOKUPS,
    PAGE_SIZE,
    document_context,
    filter_policies,
    iam_error,
)


# ---------------------------------------------------------------------------
# Policy list


class PolicyListView(IAMActionRequiredMixin, TemplateView):
    """Policies: AWS managed and customer managed, filter by type, search, "Used as"."""

    template_name = "policies/policy_list.html"
    iam_action = "iam:ListPolicies"
    TYPES = {
        "aws": "AWS managed",
        "job-function": "AWS managed - job function",
        "customer": "Customer managed",
    }

    def get_queryset(self):
        account = self.request.iam.account
        queryset = (
            ManagedPolicy.objects.visible_to(account).select_related("account").with_usage(account)
        )
        queryset = filter_policies(queryset, self.request.GET, account)
        used = self.request.GET.get("used", "")
        if used == "permissions":
            queryset = queryset.filter(attached_count__gt=0)
        elif used == "boundary":
            queryset = queryset.filter(boundary_count__gt=0)
        elif used == "none":
            queryset = queryset.filter(attached_count=0, boundary_count=0)
        return queryset.order_by("name")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = Paginator(self.get_queryset(), PAGE_SIZE).get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        context.update(
            {
                "page": page,
                "policies": list(page.object_list),
                "types": self.TYPES,
                "type": self.request.GET.get("type", ""),
                "q": self.request.GET.get("q", ""),
                "used": self.request.GET.get("used", ""),
                "query_string": params.urlencode(),
            }
        )
        return context


# ---------------------------------------------------------------------------
# Create policy: JSON editor → review and create


class PolicyCreateWizard(ConditionalIAMActionMixin, KnownStepMixin, SessionWizardView):
    """Create policy (iam-facts §8.4): step 1 the JSON editor, step 2 name, description, tags
    and the permissions summary.

    CreatePolicy is authorised on the new policy's ARN with the request's tags
    (``aws:RequestTag/<key>``, ``aws:TagKeys``) when the review step is submitted. Before
    that the flow is checked on ``policy/*`` and may open when the only thing missing
    is the tags the review step will supply.
    """

    iam_action = "iam:CreatePolicy"
    form_list = [("permissions", PolicyDocumentForm), ("review", PolicyDetailsForm)]
    templates = {
        "permissions": "policies/policy_create_permissions.html",
        "review": "policies/policy_create_review.html",
    }

    def new_arn(self, name: str = "*") -> str:
        return self.request.iam.account.arn(f"policy/{name}")

    pending_condition_keys = ("aws:TagKeys", "aws:RequestTag/")

    def is_final(self) -> bool:
        post = self.request.POST
        return (
            self.request.method == "POST"
            and post.get("policy_create_wizard-current_step") == "review"
            and not {"wizard_goto_step", "add_tag", "remove_tag"} & post.keys()
        )

    def is_submission(self) -> bool:
        return self.is_final()

    def get_resource_arn(self) -> str:
        # Opening the flow names no policy yet; submitting the review step names it.
        name = self.request.POST.get("review-name", "").strip() if self.is_final() else ""
        return self.new_arn(name or "*")

    def get_condition_context(self) -> dict[str, Any]:
        if not self.is_final():
            return {}
        # The review form's own reading of its tag rows (it is validated after this check).
        return tags.tag_context(PolicyDetailsForm(self.request.POST, prefix="review").requested_tags())

    def get_template_names(self):
        return [self.templates[self.steps.current]]

    def post(self, *args, **kwargs):
        if self.request.POST.get("policy_create_wizard-current_step") == "review":
            # "Add new tag" / "Remove" on the review step: re-render with the rows changed.
            edited = self.get_form("review", data=self.request.POST).edited(self.get_form("review"))
            if edited is not None:
                self.storage.current_step = "review"
                return self.render(edited)
        return super().post(*args, **kwargs)

    def get_form_initial(self, step):
        if step == "permissions":
            # "Generate policy" (audit.policy_generation) opens the editor with its document.
            generated = self.request.GET.get("generated") and self.request.session.get(policy_generation.SESSION_KEY)
            return {"document": generated or DEFAULT_DOCUMENT}
        return {}

    def get_form_kwargs(self, step=None):
        if step == "review":
            return {"account": self.request.iam.account}
        return {}

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        if self.steps.current == "review":
            data = self.get_cleaned_data_for_step("permissions") or {}
            context.update(document_context(data.get("document", "")))
        return context

    def done(self, form_list, form_dict, **kwargs):
        document = form_dict["permissions"].cleaned_data["document"]
        details = form_dict["review"].cleaned_data
        # CreatePolicy carries the tags, and tags imply TagPolicy (accounts.tags).
        calls = tags.create_calls("Policy", self.new_arn(details["name"]), details["tags"])
        denied = first_denied(self.request, calls)
        if denied is not None:
            return access_denied(self.request, denied)
        try:
            policy = services.create_policy(
                self.request.iam.account,
                name=details["name"],
                document=document,
                description=details.get("description", ""),
                tags=details["tags"],
            )
        except IAMError as exc:
            return iam_error(self.request, exc, reverse("policies:policy_create"))
        messages.success(self.request, f"Policy {policy.name} created.")
        return redirect(policy.get_absolute_url())


class PolicyValidateView(IAMActionRequiredMixin, View):
    """Live findings for the JSON editor's script (POST ``document``; JSON response).

    The console's editor calls IAM Access Analyzer, so this is ``access-analyzer:ValidatePolicy``.
    """

    iam_action = "access-analyzer:ValidatePolicy"
    http_method_names = ["post"]

    def post(self, request):
        document = request.POST.get("document", "")
        kind = request.POST.get("kind", "identity")
        if kind not in ("identity", "resource", "trust", "scp"):
            kind = "identity"
        try:
            services._check_wire(document)
        except IAMError as exc:
            return JsonResponse({"error": exc.message, "code": exc.code}, status=exc.status)
        max_size = request.POST.get("max_size", "")
        # isdigit() alone lets "²" through, which int() refuses: only ASCII digits count.
        digits = max_size.isascii() and max_size.isdigit()
        # The editor sends its quota (PolicySize, or the owner's inline quota). Anything
        # else, "0" (no quota) included, means the kind's default: the work a request may
        # ask for stays bounded by the largest quota a console editor has.
        ceiling = services.INLINE_SIZE["role"][1] if kind == "identity" else 0
        max_size = int(max_size) if digits and 0 < int(max_size) <= ceiling else None
        findings = find(document, kind, max_size)
        return JsonResponse(
            {
                "findings": [f.as_json() for f in findings[:MAX_SHOWN_FINDINGS]],
                "more": max(0, len(findings) - MAX_SHOWN_FINDINGS),
                "size": services.policy_size(document),
                "has_errors": any(f.level == "ERROR" for f in findings),
            }
        )


# ---------------------------------------------------------------------------
# One policy: tabs, versions, edit, delete


class PolicyObjectMixin(ConditionalIAMActionMixin):
    """Loads the policy named by the URL (404 when the account cannot see it); actions on it
    carry its tags as ``aws:ResourceTag/<key>``."""

    tab = ""

    def setup_objects(self) -> None:
        self.policy = get_or_404(
            services.get_policy_by_name,
            self.request.iam.account,
            self.kwargs["owner"],
            self.kwargs["name"],
        )

    def get_resource_arn(self) -> str:
        return self.policy.arn

    def get_condition_context(self) -> dict[str, Any]:
        return tags.resource_tag_context(self.policy)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "policy": self.policy,
                "versions": self.versions,
                "tab": self.tab,
                "default_version": self.default_version,
                "version_limit": services.VERSIONS_PER_POLICY,
            }
        )
        return context

    @cached_property
    def versions(self) -> list[PolicyVersion]:
        """The policy's versions, newest first (read once per request)."""
        return list(self.policy.versions.order_by("-number"))

    @property
    def default_version(self) -> PolicyVersion | None:
        return next((v for v in self.versions if v.is_default), None)

    def refuse_aws_managed(self):
        """IAM's UnmodifiableEntity page for an AWS managed policy, or None."""
        if not self.policy.is_aws_managed:
            return None
        return iam_error(
            self.request, services.unmodifiable(self.policy), self.policy.get_absolute_url()
        )


class PolicyDetailView(PolicyObjectMixin, TemplateView):
    """Policy details: the Permissions tab (the summary table and the JSON with line
    numbers, which need ``iam:GetPolicyVersion``) or, for a customer managed policy,
    ``?tab=tags`` (the tags, which need ``iam:ListPolicyTags``; AWS managed policies have none)."""

    template_name = "policies/policy_detail.html"
    iam_action = "iam:GetPolicy"

    @property
    def tab(self) -> str:
        asked = self.request.GET.get("tab")
        if asked == "last_accessed":
            return asked
        return "tags" if asked == "tags" and not self.policy.is_aws_managed else "permissions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        keys = self.get_condition_context()
        if self.tab == "tags":
            context["tags_denied"] = first_denied(self.request, [("iam:ListPolicyTags", self.policy.arn, keys)])
            return context
        if self.tab == "last_accessed":
            context.update(last_accessed.tab_context(self.request, self.policy, keys))
            return context
        version = context["default_version"]
        read = authorize(self.request, "iam:GetPolicyVersion", self.policy.arn, keys)
        context["document_denied"] = "" if read else read.message
        if read and version is not None:
            context.update(document_context(version.document))
        return context


class PolicyEntitiesView(PolicyObjectMixin, TemplateView):
    """Entities attached: users, groups and roles it is attached to or bounds (this account)."""

    template_name = "policies/policy_entities.html"
    iam_action = "iam:ListEntitiesForPolicy"
    tab = "entities"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entities"] = services.attached_entities(self.policy, self.request.iam.account)
        return context


class PolicyVersionsView(PolicyObjectMixin, TemplateView):
    """Policy versions: list, set default, delete non-default ones; five at most."""

    template_name = "policies/policy_versions.html"
    iam_action = "iam:ListPolicyVersions"
    tab = "versions"


class PolicyVersionObjectMixin(PolicyObjectMixin):
    def setup_objects(self) -> None:
        super().setup_objects()
        try:
            self.version = services.get_version(self.policy, self.kwargs["version_id"])
        except IAMError as exc:
            raise Http404(exc.message) from None


class PolicyVersionDetailView(PolicyVersionObjectMixin, TemplateView):
    template_name = "policies/policy_version_detail.html"
    iam_action = "iam:GetPolicyVersion"
    tab = "versions"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["version"] = self.version
        context.update(document_context(self.version.document))
        return context


class PolicyVersionActionView(PolicyVersionObjectMixin, View):
    """A button of the Policy versions tab (POST): ``perform`` the call, back to the tab."""

    http_method_names = ["post"]

    @property
    def versions_url(self) -> str:
        return reverse("policies:policy_versions", args=[self.policy.owner, self.policy.name])

    def post(self, request, **kwargs):
        try:
            message = self.perform()
        except IAMError as exc:
            return iam_error(request, exc, self.versions_url)
        messages.success(request, message)
        return HttpResponseRedirect(self.versions_url)


class PolicyVersionSetDefaultView(PolicyVersionActionView):
    iam_action = "iam:SetDefaultPolicyVersion"

    def perform(self) -> str:
        services.set_default_version(self.policy, version_id=self.version.version_id)
        return f"Version {self.version.version_id} is now the default version."


class PolicyVersionDeleteView(ConfirmRemovalMixin, PolicyVersionActionView):
    """Delete policy version: GET asks first, naming the version and the policy (or shows
    DeletePolicyVersion's refusal: the default version, an AWS managed policy); POST deletes."""

    iam_action = "iam:DeletePolicyVersion"
    http_method_names = ["get", "post"]

    def get(self, request, *args, **kwargs):
        try:
            services.check_version_deletable(self.policy, self.version)
        except IAMError as exc:
            return iam_error(request, exc, self.versions_url)
        return super().get(request, *args, **kwargs)

    def confirmation(self) -> Confirmation:
        policy, version_id = self.policy, self.version.version_id
        return Confirmation(
            heading=f"Delete version {version_id} of policy {policy.name}?",
            detail=(f"The policy document of version {version_id} is deleted for good. The default "
                    f"version, {self.default_version.version_id}, stays in force, and the users, "
                    "groups and roles the policy is attached to keep it."),
            cancel_url=self.versions_url, submit="Delete",
            crumbs=((reverse("policies:policy_list"), "Policies"), (policy.get_absolute_url(), policy.name),
                    ("", "Delete policy version")))

    def perform(self) -> str:
        services.delete_policy_version(self.policy, version_id=self.version.version_id)
        return f"Version {self.version.version_id} deleted."


class PolicyEditView(PolicyObjectMixin, TemplateView):
    """Edit policy: the JSON editor saves a new version (CreatePolicyVersion, default by
    default). At five versions the page asks which non-default version to delete first."""

    template_name = "policies/policy_edit.html"
    iam_action = "iam:CreatePolicyVersion"
    tab = "permissions"

    def make_form(self, data=None):
        default = self.default_version
        return PolicyVersionForm(
            data,
            versions=self.versions,
            initial={
                "document": default.document if default else DEFAULT_DOCUMENT,
                "set_as_default": True,
            },
        )

    def render_form(self, form):
        return self.render_to_response(self.get_context_data(form=form))

    def get(self, request, **kwargs):
        return self.refuse_aws_managed() or self.render_form(self.make_form())

    def post(self, request, **kwargs):
        refused = self.refuse_aws_managed()
        if refused is not None:
            return refused
        form = self.make_form(request.POST)
        if draft_checks.wants_check(request):  # "Check for new access": nothing is saved
            default = self.default_version
            return draft_checks.respond(
                self, form, existing=default.document if default else None,
                read=("iam:GetPolicyVersion", self.policy.arn, self.get_condition_context()))
        if not form.is_valid():
            return self.render_form(form)
        delete_id = form.cleaned_data.get("delete_version")
        if delete_id:
            denied = first_denied(request, [("iam:DeletePolicyVersion", self.policy.arn,
                                             self.get_condition_context())])
            if denied is not None:
                return access_denied(request, denied)
        try:
            with transaction.atomic():
                if delete_id:
                    services.delete_policy_version(self.policy, version_id=delete_id)
                version = services.create_policy_version(
                    self.policy,
                    document=form.cleaned_data["document"],
                    set_as_default=form.cleaned_data["set_as_default"],
                )
        except IAMError as exc:
            audit.failed(request, exc)
            form.add_error(None, exc.message)
            return self.render_form(form)
        messages.success(
            request,
            f"Policy {self.policy.name} saved as version {version.version_id}"
            + (" (default)." if version.is_default else "."),
        )
        return redirect(self.policy.get_absolute_url())


class PolicyDeleteView(ImpliedCallsMixin, PolicyObjectMixin, TemplateView):
    """Delete policy, as the console does it: detach from every entity, remove it as a
    boundary, delete the other versions, delete it. Each of those is authorised."""

    template_name = "policies/policy_delete.html"
    iam_action = "iam:DeletePolicy"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entities"] = services.attached_entities(self.policy, self.request.iam.account)
        context.setdefault("form", ConfirmNameForm(expected=self.policy.name))
        return context

    def implied_calls(self):
        return services.delete_policy_calls(self.policy)

    def get_authorizations(self):
        # The reads of what the page names, as the console's delete lists them.
        return [*super().get_authorizations(), *reads_of(self.policy)]

    def get(self, request, **kwargs):
        return self.refuse_aws_managed() or super().get(request, **kwargs)

    def post(self, request, **kwargs):
        policy = self.policy
        refused = self.refuse_aws_managed()
        if refused is not None:
            return refused
        form = ConfirmNameForm(request.POST, expected=policy.name)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            services.delete_policy(policy, detach_all=True, authorize=self.authorize_calls)
        except ActionDenied as denied:
            return access_denied(request, denied.auth)
        except IAMError as exc:
            return iam_error(request, exc, policy.get_absolute_url())
        messages.success(request, f"Policy {policy.name} deleted.")
        return redirect("policies:policy_list")


#: What the console's delete of a policy removes first, by the IAM call that removes it:
#: (the delete page's label, the kind of entity the call's resource is).
POLICY_REMOVALS = {
    "iam:DetachUserPolicy": ("Attached to", "User"),
    "iam:DetachGroupPolicy": ("Attached to", "Group"),
    "iam:DetachRolePolicy": ("Attached to", "Role"),
    "iam:DeleteUserPermissionsBoundary": ("Permissions boundary of", "User"),
    "iam:DeleteRolePermissionsBoundary": ("Permissions boundary of", "Role"),
    "iam:DeletePolicyVersion": ("Versions other than the default", ""),
}


@dataclass(frozen=True)
class PolicyDeletePlan:
    """The console's delete of a policy in the shape of ``accounts.dependents.DeletePlan``:
    ``calls`` (:func:`services.delete_policy_calls`, DeletePolicy last) and ``summary``."""

    calls: list

    @property
    def summary(self) -> list[tuple[str, list[str], list[str]]]:
        """``(label, names, IAM actions)``: the entities it is detached from, those it stops
        bounding, its other versions; each name is the call's resource (``User alice``)."""
        parts: dict[str, tuple[list[str], list[str]]] = {}
        for action, resource, _ in self.calls[:-1]:
            label, kind = POLICY_REMOVALS[action]
            names, actions = parts.setdefault(label, ([], []))
            if kind:
                names.append(f"{kind} {resource.rsplit('/', 1)[-1]}")
            if action not in actions:
                actions.append(action)
        return [(label, names, actions) for label, (names, actions) in parts.items()]


class PolicyBulkDeleteView(BulkDeleteMixin, ConditionalIAMActionMixin, FormView):
    """Delete the customer managed policies ticked on the list (``policies``: their ARNs), each
    as PolicyDeleteView does, confirmed by typing "delete"; one Deny on any call of any policy
    keeps them all. An AWS managed policy has no checkbox, and is refused as IAM refuses it."""

    iam_action = "iam:DeletePolicy"
    param, noun, plural, list_url, arn_prefix = "policies", "policy", "policies", "policies:policy_list", "policy/"

    def find(self, arns):
        account = self.request.iam.account
        names = [arn.rsplit("/", 1)[-1] for arn in arns if "\x00" not in arn]
        mine = {policy.arn: policy for policy in
                ManagedPolicy.objects.for_account(account).filter(name__in=names).select_related("account")}
        for arn in arns:
            if arn not in mine:
                policy = services.get_policy(account, arn)  # NoSuchEntity unless AWS managed
                raise SelectionRefused(services.unmodifiable(policy))
        return [mine[arn] for arn in arns]

    def plan_of(self, policy):
        return PolicyDeletePlan(services.delete_policy_calls(policy))

    def delete(self, policy):
        services.delete_policy(policy, detach_all=True, authorize=self.authorize_calls)


class PolicyTagsEditView(ManageTagsMixin, PolicyObjectMixin, FormView):
    """Manage tags of a customer managed policy: ``iam:TagPolicy`` for added or changed
    keys, ``iam:UntagPolicy`` for removed ones (opening it: ``iam:ListPolicyTags``). An AWS
    managed policy can't be tagged: IAM's InvalidInput."""

    iam_action = "iam:ListPolicyTags"

    def tagged(self) -> ManagedPolicy:
        return self.policy

    def done_url(self) -> str:
        return f"{self.policy.get_absolute_url()}?tab=tags"

    def crumbs(self) -> list[tuple[str, str]]:
        return [("Policies", reverse("policies:policy_list")), (self.policy.name, self.done_url())]

    def refuse_untaggable(self):
        """IAM's answer to tagging an AWS managed policy, or None."""
        if not self.policy.is_aws_managed:
            return None
        return iam_error(self.request, services.untaggable(), self.policy.get_absolute_url())

    def get(self, request, *args, **kwargs):
        return self.refuse_untaggable() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.refuse_untaggable() or super().post(request, *args, **kwargs)


class PolicyEntityDetachView(ConfirmRemovalMixin, PolicyObjectMixin, View):
    """Detach the policy from one user, group or role, from the policy's Entities attached tab:
    GET ``?entity_type=&entity_name=`` confirms, naming both; POST (the same fields) detaches."""

    iam_action = "iam:DetachUserPolicy"

    def setup_objects(self) -> None:
        super().setup_objects()
        named = self.request.POST if self.request.method == "POST" else self.request.GET
        kind = named.get("entity_type", "")
        if kind not in ENTITY_LOOKUPS:
            raise Http404("Choose a user, a group or a role.")
        self.entity_kind = kind
        self.subject = get_or_404(ENTITY_LOOKUPS[kind], self.request.iam.account, named.get("entity_name", ""))

    def confirmation(self) -> Confirmation:
        if not PolicyAttachment.objects.filter(policy=self.policy, **{self.entity_kind: self.subject}).exists():
            raise Http404(f"Policy {self.policy.arn} is not attached to the {self.entity_kind} {self.subject}.")
        back = reverse("policies:policy_entities", args=[self.policy.owner, self.policy.name])
        return Confirmation(
            heading=f"Detach {self.policy.name} from {self.subject}?",
            detail=(f"The {self.entity_kind} {self.subject} loses the permissions {self.policy.name} grants. "
                    "The policy is not deleted."),
            cancel_url=back, submit="Detach",
            crumbs=((reverse("policies:policy_list"), "Policies"), (back, self.policy.name),
                    ("", "Detach policy")),
            fields=(("entity_type", self.entity_kind), ("entity_name", str(self.subject))))

    def get_iam_action(self) -> str:
        return f"iam:Detach{self.entity_kind.capitalize()}Policy"

    def get_resource_arn(self) -> str:
        return self.subject.arn

    def get_condition_context(self) -> dict[str, Any]:
        return {**boundary_context(self.subject), **tags.resource_tag_context(self.subject),
                "iam:PolicyARN": self.policy.arn}

    def post(self, request, **kwargs):
        back = reverse("policies:policy_entities", args=[self.policy.owner, self.policy.name])
        try:
            services.detach_policy(self.subject, policy_arn=self.policy.arn)
        except IAMError as exc:
            return iam_error(request, exc, back)
        messages.success(request, f"Policy {self.policy.name} detached from {self.subject}.")
        return HttpResponseRedirect(back)
