"""Switch Role and Switch back (iam-facts §8.7): assume a role in the console, see what
the session may do, return to the user's own identity.

Self-service (``policies.checks.SELF_SERVICE_VIEWS``): whether the caller may assume
the role is the trust policy's and ``sts:AssumeRole``'s decision, taken by
:func:`accounts.roles.assume_role`. The role pages link here (:func:`.roles.switch_role_link`).
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from audit import services as audit

from .. import role_sessions, roles
from ..role_forms import SwitchRoleForm
from .roles import try_request_context


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
        context = {"form": form, "session": identity.role_session, "colours": role_sessions.COLOURS,
                   "history": identity.role_history, "is_root": identity.is_root, **extra}
        if identity.role_session is not None:
            context.update(self.session_capabilities(identity))
        return context

    def session_capabilities(self, identity) -> dict:
        """What the current session may do: sample requests from its role's policies, and
        the "Try a request" form. Self-service, like trying the request itself: it only
        answers for the caller's own session, never shows the policies."""
        from policies.authz import policy_set_for, scps_for

        policy_set = policy_set_for(identity)
        scps = scps_for(identity)

        def decide(action, resource):
            return roles.decide(policy_set, principal=identity.arn, context=identity.context, action=action,
                                resource=resource, scps=scps)

        pairs = roles.sample_requests(policy_set.identity, identity.account.account_id)
        return {"capabilities": [decide(action, resource) for action, resource in pairs],
                **try_request_context(self.request, decide)}

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
            return render(request, self.template_name, self.context(form))
        data = form.cleaned_data
        try:
            grant = roles.assume_role(identity, account_reference=data["account"], role_name=data["role_name"],
                                      chain=data.get("chain") == "session", now=role_sessions.now(),
                                      console_session_ends=role_sessions.console_session_ends(request))
        except roles.AccessDenied as denied:
            audit.switch_role(request, identity, success=False, error_message=denied.message)
            return render(request, self.template_name, self.context(form, denied=denied), status=403)
        audit.switch_role(request, identity, success=True)
        role_sessions.store(request, grant, display_name=data["display_name"], colour=data.get("colour", ""),
                            account_reference=data["account"].strip(), role_reference=data["role_name"])
        messages.success(request, f"You switched to the role {grant.role.name} as {grant.arn}.")
        return redirect("iamportal:console_home")


class SwitchBackView(View):
    """Switch back: end the role session and return to the user's own identity. POST only."""

    http_method_names = ["post"]

    def post(self, request):
        if role_sessions.clear(request):
            messages.success(request, f"You are now signed in as {request.user.user_name}.")
        return redirect("iamportal:console_home")


urlpatterns = [
    re_path(r"^switchrole/?$", SwitchRoleView.as_view(), name="switch_role"),
    path("switchrole/back", SwitchBackView.as_view(), name="switch_back"),
]
