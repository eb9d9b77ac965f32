"""The policy pages of users and groups (``/iam/users/<name>/policies/…``,
``/iam/groups/<name>/policies/…``) and a user's permissions boundary, built from the mixins
of :mod:`policies.views.pages`."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView, View

from accounts import tags
from iamportal.pickers import is_navigation
from iamportal.views_base import get_or_404
from policies.authz import ConditionalIAMActionMixin

from ..services import boundary_context
from .base import ENTITY_LOOKUPS, entity_url, filter_policies
from .pages import (
    BoundaryDeleteMixin,
    BoundaryFormMixin,
    InlinePolicyDeleteMixin,
    InlinePolicyDetailMixin,
    InlinePolicyEditMixin,
    InlinePolicyFormMixin,
    PolicyAttachMixin,
    PolicyDetachMixin,
    PolicyPagesMixin,
)


# ---------------------------------------------------------------------------
# A user's or group's policies


class EntityMixin(PolicyPagesMixin, ConditionalIAMActionMixin):
    """Loads the user or group named by the URL (404 outside the caller's account); actions
    on a user carry its boundary as ``iam:PermissionsBoundary``."""

    def get_condition_context(self) -> dict[str, Any]:
        # A user's boundary (iam:PermissionsBoundary) and tags (aws:/iam:ResourceTag).
        return {**boundary_context(self.subject), **tags.resource_tag_context(self.subject)}

    def setup_objects(self) -> None:
        lookup = ENTITY_LOOKUPS[self.entity_kind]
        self.subject = get_or_404(lookup, self.request.iam.account, self.kwargs["entity_name"])

    def get_resource_arn(self) -> str:
        return self.subject.arn

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "subject": self.subject,
                "entity_kind": self.entity_kind,
                "entity_label": "User" if self.entity_kind == "user" else "User group",
                "entity_url": entity_url(self.subject),
            }
        )
        return context


class EntityPermissionsView(EntityMixin, TemplateView):
    """Every policy that applies to a user or group (the partial the detail pages include)."""

    template_name = "policies/entity_permissions.html"


class EntityAttachView(PolicyAttachMixin, EntityMixin, TemplateView):
    """Attach policies directly, with the policy list's type and search filters.

    Attaching authorises Attach{User,Group}Policy once per chosen policy, with
    ``iam:PolicyARN``; the page opens for a caller whom only that key stands between
    and an allow (a delegate limited to some policies).
    """

    template_name = "policies/entity_attach.html"
    pending_condition_keys = ("iam:PolicyARN",)

    def get_authorizations(self):
        context = self.get_condition_context()
        if self.request.method != "POST" or is_navigation(self.request.POST):
            return [(self.iam_action, self.subject.arn, context)]
        arns = self.request.POST.getlist("policy_arns") or [""]
        return [
            (
                self.iam_action,
                self.subject.arn,
                {**context, "iam:PolicyARN": arn} if arn else context,
            )
            for arn in arns
        ]

    def filter_offered(self, queryset):
        return filter_policies(queryset, self.request.GET, self.request.iam.account)

    def get_context_data(self, **kwargs):
        kwargs.update(q=self.request.GET.get("q", ""), type=self.request.GET.get("type", ""))
        return super().get_context_data(**kwargs)


class EntityDetachView(PolicyDetachMixin, EntityMixin, TemplateView):
    """Remove a directly attached managed policy (GET: confirm; POST ``policy_arn``: detach)."""

    template_name = "policies/entity_detach.html"

    def get_condition_context(self) -> dict[str, Any]:
        context = super().get_condition_context()
        return {**context, "iam:PolicyARN": self.policy_arn()} if self.policy_arn() else context

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["policy_arn"] = self.policy_arn()
        return context


class InlinePolicyCreateView(InlinePolicyFormMixin, EntityMixin, TemplateView):
    """Create inline policy: name and JSON editor (PutUserPolicy / PutGroupPolicy)."""

    template_name = "policies/inline_form.html"


class InlinePolicyEditView(InlinePolicyEditMixin, EntityMixin, TemplateView):
    template_name = "policies/inline_form.html"


class InlinePolicyDetailView(InlinePolicyDetailMixin, EntityMixin, TemplateView):
    template_name = "policies/inline_detail.html"


class InlinePolicyDeleteView(InlinePolicyDeleteMixin, EntityMixin, TemplateView):
    template_name = "policies/inline_delete.html"


class UserBoundaryView(BoundaryFormMixin, EntityMixin, TemplateView):
    """Set (or change) a user's permissions boundary: one managed policy."""

    template_name = "policies/user_boundary.html"
    entity_kind = "user"
    iam_action = "iam:PutUserPermissionsBoundary"

    pending_condition_keys = ("iam:PermissionsBoundary",)

    def get_authorizations(self):
        # The user's tags (aws:/iam:ResourceTag), as every action on it.
        on_user = tags.resource_tag_context(self.subject)
        if self.request.method != "POST" or is_navigation(self.request.POST):
            return [(self.iam_action, self.subject.arn, on_user)]
        # IAM gives the boundary being set as iam:PermissionsBoundary.
        new = self.request.POST.get("policy_arn", "")
        return [
            (self.iam_action, self.subject.arn,
             {**on_user, **boundary_context(self.subject, new)} if new else on_user)
        ]


class UserBoundaryDeleteView(BoundaryDeleteMixin, EntityMixin, View):
    entity_kind = "user"
    iam_action = "iam:DeleteUserPermissionsBoundary"


def entity_views(kind: str) -> dict[str, type]:
    """The concrete per-entity views: the same pages, the user's or the group's IAM actions."""
    noun = "User" if kind == "user" else "Group"
    specs = {
        "permissions": (EntityPermissionsView, f"iam:ListAttached{noun}Policies"),
        "attach": (EntityAttachView, f"iam:Attach{noun}Policy"),
        "detach": (EntityDetachView, f"iam:Detach{noun}Policy"),
        "inline_create": (InlinePolicyCreateView, f"iam:Put{noun}Policy"),
        "inline_detail": (InlinePolicyDetailView, f"iam:Get{noun}Policy"),
        "inline_edit": (InlinePolicyEditView, f"iam:Put{noun}Policy"),
        "inline_delete": (InlinePolicyDeleteView, f"iam:Delete{noun}Policy"),
    }
    return {
        suffix: type(
            f"{noun}{base.__name__}",
            (base,),
            {"entity_kind": kind, "iam_action": action, "__module__": __name__},
        )
        for suffix, (base, action) in specs.items()
    }


USER_VIEWS = entity_views("user")
GROUP_VIEWS = entity_views("group")
