"""Invitations (handshakes): those this account received (accept, decline) and those its
organization sent (cancel).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView, View

from .. import errors, services
from .base import HOME, OrganizationMixin, org_error


# ---------------------------------------------------------------------------
# Invitations (handshakes)


class HandshakeListView(OrganizationMixin, TemplateView):
    """Invitations sent to this account: open ones can be accepted or declined."""

    iam_action = "organizations:ListHandshakesForAccount"
    template_name = "organizations/handshake_list.html"
    management_only = False

    def get_context_data(self, **kwargs):
        handshakes = list(services.handshakes_for_account(self.account)[:100])
        return super().get_context_data(handshakes=handshakes, received=True, **kwargs)


class HandshakeSentView(OrganizationMixin, TemplateView):
    """Invitations the organization sent: open ones can be canceled."""

    iam_action = "organizations:ListHandshakesForOrganization"
    template_name = "organizations/handshake_list.html"

    def get_context_data(self, **kwargs):
        handshakes = list(services.handshakes_for_organization(self.managed_org)[:100])
        return super().get_context_data(handshakes=handshakes, received=False, **kwargs)


class HandshakeActionMixin(OrganizationMixin, View):
    """A POST on one invitation this account received or its organization sent (404 otherwise)."""

    http_method_names = ["post"]
    management_only = False

    def setup_objects(self) -> None:
        super().setup_objects()
        try:
            self.handshake = services.get_handshake(self.kwargs["handshake_id"], self.account)
        except errors.HandshakeNotFoundException as exc:
            raise Http404(exc.message) from None

    def get_resource_arn(self) -> str:
        return self.handshake.arn

    def post(self, request, *args, **kwargs):
        try:
            return self.perform()
        except errors.OrganizationsError as exc:
            return org_error(request, exc, reverse("organizations:handshake_list"))


class HandshakeAcceptView(HandshakeActionMixin):
    iam_action = "organizations:AcceptHandshake"

    def perform(self):
        member = services.accept_handshake(self.handshake, self.account)
        messages.success(self.request, f"This account joined organization {member.org.org_id}.")
        return redirect(HOME)


class HandshakeDeclineView(HandshakeActionMixin):
    iam_action = "organizations:DeclineHandshake"

    def perform(self):
        services.decline_handshake(self.handshake, self.account)
        messages.success(self.request, f"Invitation {self.handshake.handshake_id} declined.")
        return redirect("organizations:handshake_list")


class HandshakeCancelView(HandshakeActionMixin):
    iam_action = "organizations:CancelHandshake"

    def perform(self):
        if self.handshake.org.management_account_id != self.account.pk:
            raise errors.HandshakeNotFoundException()
        services.cancel_handshake(self.handshake)
        messages.success(self.request, f"Invitation {self.handshake.handshake_id} canceled.")
        return redirect("organizations:handshake_sent")
