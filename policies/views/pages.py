"""The policy pages of one user, group or role: attach/detach managed policies, inline
policies, the permissions boundary. Mixins: :mod:`policies.views.entity` makes the user and
group pages of them, ``accounts.views.roles`` the role pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from accounts.views.confirm import Confirmation, ConfirmRemovalMixin
from audit import services as audit
from iamportal.errors import IAMError
from iamportal.pickers import is_navigation, redisplayed
from iamportal.views_base import get_or_404
from policies.authz import ActionDenied, access_denied, authorize

from .. import services
from ..forms import DEFAULT_DOCUMENT, AttachPoliciesForm, BoundaryForm, InlinePolicyForm
from ..models import InlinePolicy, ManagedPolicy, PolicyAttachment
from . import draft_checks
from .base import document_context, entity_url, iam_error


# ---------------------------------------------------------------------------
# The policies of a user, group or role
#
# The page mixins below serve this app's pages for users and groups (EntityMixin) and
# the role pages of accounts.views.roles (RoleMixin). The owner's mixin loads
# ``self.subject``, names its ``entity_kind`` and authorises the page; these do the rest
# the same way for the three kinds.



class PolicyPagesMixin:
    """What the policy pages of one user, group or role share."""

    entity_kind = "user"  # "group" or "role"

    def owner_filter(self) -> dict[str, Any]:
        """The filter on inline policies, attachments and boundaries that picks the subject's."""
        return {self.entity_kind: self.subject}

    def done_url(self) -> str:
        return entity_url(self.subject)


class PolicyAttachMixin(PolicyPagesMixin):
    """Add permissions › Attach policies: pick managed policies not attached yet (10 at most).

    :meth:`authorize_attach` checks each chosen policy inside the transaction, for pages
    whose own authorisation has not (the role page asks only for ``iam:ListPolicies``).
    """

    shows_picker_pages = True

    def offered(self):
        """The policies the page lists: those not attached yet (as :meth:`filter_offered` narrows them)."""
        attached = PolicyAttachment.objects.filter(**self.owner_filter()).values("policy")
        queryset = ManagedPolicy.objects.attachable_by(self.request.iam.account).exclude(
            pk__in=attached
        )
        return self.filter_offered(queryset)

    def filter_offered(self, queryset):
        return queryset

    def authorize_attach(self, policy_arn: str) -> None:
        """Raise :class:`~policies.authz.ActionDenied` unless the policy may be attached."""

    def attach_form(self, data=None, **kwargs) -> AttachPoliciesForm:
        return AttachPoliciesForm(data, account=self.request.iam.account, offered=self.offered(), **kwargs)

    def render_form(self, form):
        context = self.get_context_data(form=form)
        context["attached_count"] = PolicyAttachment.objects.filter(**self.owner_filter()).count()
        context["attached_limit"] = services.ATTACHED_POLICIES[self.entity_kind][1]
        return self.render_to_response(context)

    def get(self, request, **kwargs):
        return self.render_form(self.attach_form())

    def post(self, request, **kwargs):
        form = self.attach_form(request.POST)
        if is_navigation(request.POST):
            return self.render_form(redisplayed(form, account=request.iam.account, offered=self.offered()))
        if not form.is_valid():
            return self.render_form(form)
        arns = form.cleaned_data["policy_arns"]
        try:
            with transaction.atomic():
                for arn in arns:
                    self.authorize_attach(arn)
                    services.attach_policy(self.subject, policy_arn=arn)
        except ActionDenied as denied:
            return access_denied(request, denied.auth)
        except IAMError as exc:
            audit.failed(request, exc)
            form.add_error(None, exc.message)
            return self.render_form(form)
        count = len(arns)
        messages.success(
            request, f"{count} {'policy' if count == 1 else 'policies'} attached to {self.subject}."
        )
        return redirect(self.done_url())


class PolicyDetachMixin(PolicyPagesMixin):
    """Remove a directly attached managed policy, named by ``policy_arn`` (POST: detach)."""

    def policy_arn(self) -> str:
        return (
            self.request.POST.get("policy_arn") or self.request.GET.get("policy_arn") or ""
        ).strip()

    def detach_failed(self, exc: IAMError):
        return iam_error(self.request, exc, self.done_url())

    def post(self, request, **kwargs):
        try:
            services.detach_policy(self.subject, policy_arn=self.policy_arn())
        except IAMError as exc:
            return self.detach_failed(exc)
        messages.success(request, f"Policy {self.policy_arn()} removed from {self.subject}.")
        return redirect(self.done_url())


class InlinePolicyFormMixin(PolicyPagesMixin):
    """Create (or, ``editing``, change) an inline policy: name and JSON editor. The sum of
    the owner's inline policies is capped by the kind's quota (``services.INLINE_SIZE``)."""

    editing = False

    def inline_form(self, data, **kwargs) -> InlinePolicyForm:
        return InlinePolicyForm(data, size_quota=services.INLINE_SIZE[self.entity_kind], **kwargs)

    def make_form(self, data=None):
        initial = (
            {"document": self.inline.document, "name": self.inline.name}
            if self.editing
            else {"document": DEFAULT_DOCUMENT}
        )
        return self.inline_form(data, editing=self.editing, initial=initial)

    def render_form(self, form):
        context = self.get_context_data(
            form=form,
            editing=self.editing,
            inline=getattr(self, "inline", None),
            size_quota=services.INLINE_SIZE[self.entity_kind],
        )
        return self.render_to_response(context)

    def get(self, request, **kwargs):
        return self.render_form(self.make_form())

    def post(self, request, **kwargs):
        form = self.make_form(request.POST)
        if self.editing and draft_checks.wants_check(request):  # nothing is saved
            read = (f"iam:Get{self.entity_kind.capitalize()}Policy", self.subject.arn,
                    self.get_condition_context())
            return draft_checks.respond(self, form, existing=self.inline.document, read=read)
        if not form.is_valid():
            return self.render_form(form)
        name = self.inline.name if self.editing else form.cleaned_data["name"]
        if (
            not self.editing
            and InlinePolicy.objects.filter(name__iexact=name, **self.owner_filter()).exists()
        ):
            form.add_error(
                "name",
                f"An inline policy called {name} already exists on {self.subject}; "
                "edit it instead.",
            )
            return self.render_form(form)
        try:
            services.put_inline_policy(
                self.subject, name=name, document=form.cleaned_data["document"]
            )
        except IAMError as exc:
            form.add_error(None, exc.message)
            return self.render_form(form)
        messages.success(request, f"Inline policy {name} {'saved' if self.editing else 'created'}.")
        return redirect(self.done_url())


class InlinePolicyObjectMixin(PolicyPagesMixin):
    """An inline policy of the subject, named in the URL (404 when it has none of that name).
    Goes before the owner's mixin, whose ``setup_objects`` loads the subject."""

    def setup_objects(self) -> None:
        super().setup_objects()
        self.inline = get_or_404(services.get_inline_policy, self.subject, self.kwargs["policy_name"])

    def get_context_data(self, **kwargs):
        kwargs.setdefault("inline", self.inline)
        return super().get_context_data(**kwargs)


class InlinePolicyEditMixin(InlinePolicyObjectMixin, InlinePolicyFormMixin):
    editing = True


class InlinePolicyDetailMixin(InlinePolicyObjectMixin):
    """One inline policy: its permissions summary and JSON."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(document_context(self.inline.document))
        return context


class InlinePolicyDeleteMixin(InlinePolicyObjectMixin):
    """Delete an inline policy (GET: confirm; POST: delete)."""

    def post(self, request, **kwargs):
        try:
            services.delete_inline_policy(self.subject, name=self.inline.name)
        except IAMError as exc:
            return iam_error(request, exc, self.done_url())
        messages.success(request, f"Inline policy {self.inline.name} deleted.")
        return redirect(self.done_url())


class BoundaryFormMixin(PolicyPagesMixin):
    """Set (or change) the permissions boundary of a user or role: one managed policy.

    :meth:`authorize_boundary` checks the chosen policy, for pages whose own
    authorisation has not (the role page asks only for ``iam:ListPolicies``).
    """

    #: The page's ``current``: the PermissionsBoundary row, or (True) its policy.
    current_is_policy = False
    shows_picker_pages = True

    def authorize_boundary(self, policy_arn: str) -> None:
        """Raise :class:`~policies.authz.ActionDenied` unless the boundary may be set."""

    def render_form(self, form):
        current = services.get_permissions_boundary(self.subject)
        if self.current_is_policy and current is not None:
            current = current.policy
        return self.render_to_response(self.get_context_data(form=form, current=current))

    def get(self, request, **kwargs):
        current = services.get_permissions_boundary(self.subject)
        initial = {"policy_arn": current.policy.arn} if current else {}
        return self.render_form(BoundaryForm(account=request.iam.account, initial=initial))

    def post(self, request, **kwargs):
        form = BoundaryForm(request.POST, account=request.iam.account)
        if is_navigation(request.POST):
            return self.render_form(redisplayed(form, account=request.iam.account))
        if not form.is_valid():
            return self.render_form(form)
        arn = form.cleaned_data["policy_arn"]
        try:
            self.authorize_boundary(arn)
            services.put_permissions_boundary(self.subject, policy_arn=arn)
        except ActionDenied as denied:
            return access_denied(request, denied.auth)
        except IAMError as exc:
            audit.failed(request, exc)
            form.add_error(None, exc.message)
            return self.render_form(form)
        messages.success(request, f"Permissions boundary set for {self.subject}.")
        return redirect(self.done_url())


class BoundaryDeleteMixin(ConfirmRemovalMixin, PolicyPagesMixin):
    """Remove the permissions boundary of a user or role: GET confirms, naming the boundary
    policy and the user or role (a 404 when there is none); POST removes it."""

    def confirmation(self) -> Confirmation:
        boundary = services.get_permissions_boundary(self.subject)
        if boundary is None:
            raise Http404(f"The {self.entity_kind} {self.subject} has no permissions boundary.")
        noun = self.entity_kind.capitalize()
        # The boundary's name is what Get{User,Role} returns: named only to a caller who may read it.
        readable = authorize(self.request, f"iam:Get{noun}", self.subject.arn, self.get_condition_context())
        return Confirmation(
            heading=f"Remove the permissions boundary from {self.subject}?",
            detail=(f"{boundary.policy.name if readable else 'Its boundary policy'} no longer limits the "
                    f"permissions of the {self.entity_kind} "
                    f"{self.subject}: its permissions policies alone decide what it may do."),
            cancel_url=self.done_url(),
            crumbs=((reverse(f"accounts:{self.entity_kind}_list"), f"{noun}s"),
                    (self.done_url(), str(self.subject)), ("", "Remove permissions boundary")))

    def post(self, request, **kwargs):
        services.delete_permissions_boundary(self.subject)
        messages.success(request, f"Permissions boundary removed from {self.subject}.")
        return redirect(self.done_url())
