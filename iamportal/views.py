"""The console's front page (the IAM dashboard) and the error pages.

The error handlers render the portal's templates without ``requires_csrf_token`` (Django's
defaults have it): a request whose body the CSRF check cannot read (a form posted as
``charset=utf-16`` is a ``BadRequest``) would raise again inside the handler and end as a
500. The error pages hold no form, so they need no token.
"""

from __future__ import annotations

from django.http import HttpResponseServerError
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.template.loader import render_to_string
from django.urls import Resolver404
from django.views.generic import TemplateView

from accounts import services
from audit import last_accessed
from accounts.models import AccessKey, Group, User
from policies.authz import IAMActionRequiredMixin

from . import recent
from .context_processors import navigation_for

# Extra resource counters (roles, policies) registered by the apps that own them:
# label -> (function(account) -> int, url name)
DASHBOARD_COUNTERS: dict = {}


class ConsoleHomeView(TemplateView):
    """Console Home, as AWS's: every signed-in principal may open it, whatever its policies
    (it is self-service, policies.checks). Who the caller is, links to what the caller may
    open (decided by the engine, like the navigation), and the pages visited last."""

    template_name = "console/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["quick_links"] = [item for item in navigation_for(self.request) if item["allowed"]]
        context["recent"] = recent.visited(self.request)
        return context


class DashboardView(IAMActionRequiredMixin, TemplateView):
    """IAM dashboard: resource counts, the account, its sign-in URL, security recommendations."""

    template_name = "console/dashboard.html"
    iam_action = "iam:GetAccountSummary"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        identity = self.request.iam
        account = identity.account
        usage = last_accessed.user_usage(account)
        users = usage["users"]
        counts = [
            ("User groups", Group.objects.filter(account=account).count(), "accounts:group_list"),
            ("Users", users, "accounts:user_list"),
        ]
        for label, (counter, url_name) in DASHBOARD_COUNTERS.items():
            counts.append((label, counter(account), url_name))
        root = User.objects.annotate(last_activity=last_accessed.root_activity(account)).get(
            account=account, is_root=True)
        from django_otp import user_has_device

        # (level, title, text, action): the action, a link the template shows, is the
        # recommendation's next step: "add_mfa" (the root user's own MFA, only the root user
        # can add it), "root_access_keys" (the root user's own keys, likewise) or
        # "create_user" (the create-user wizard, greyed if refused).
        recommendations = []
        if not user_has_device(root, confirmed=True):
            recommendations.append(("warning", "Add MFA for root user",
                                    "Add MFA for the root user to improve security for this account.", "add_mfa"))
        else:
            recommendations.append(("success", "Root user has MFA",
                                    "Having MFA for the root user improves security.", ""))
        if AccessKey.objects.filter(user=root, status=AccessKey.ACTIVE).exists():
            recommendations.append(("warning", "Deactivate or delete access keys for root user",
                                    "Using access keys attached to an IAM user instead of the root user "
                                    "improves security.", "root_access_keys"))
        else:
            recommendations.append(("success", "Root user has no active access keys",
                                    "Using access keys attached to an IAM user instead of the root user "
                                    "improves security.", ""))
        if users == 0:
            recommendations.append(("warning", "Don't use the root user for everyday tasks",
                                    "Create an IAM user with administrator access and use it instead of the root user.",
                                    "create_user"))
        recommendations += last_accessed.recommendations(usage, root.last_activity)
        context.update({
            "counts": counts,
            "account": account,
            "signin_url": services.iam_user_signin_url(account, request=self.request),
            "recommendations": recommendations,
        })
        return context


@login_not_required
def favicon(request):
    """``/favicon.ico``, which browsers ask for on pages without ``<link rel="icon">``."""
    return redirect(static("favicon.svg"))


def _error_page(request, template_name: str, status: int, message: str = ""):
    return render(request, template_name, {"message": message}, status=status)


def bad_request(request, exception=None):
    return _error_page(request, "400.html", 400)


def permission_denied(request, exception=None):
    return _error_page(request, "403.html", 403)


def page_not_found(request, exception=None):
    """The portal's 404, with IAM's ``NoSuchEntity`` message when the view raised one
    (``get_or_404``), never the URL resolver's internals."""
    message = ""
    if exception is not None and not isinstance(exception, Resolver404) and exception.args:
        message = exception.args[0] if isinstance(exception.args[0], str) else ""
    return _error_page(request, "404.html", 404, message)


def server_error(request):
    # No request context: the database or a context processor may be what failed.
    return HttpResponseServerError(render_to_string("500.html"))
