"""The console's front page: the IAM dashboard."""

from __future__ import annotations

from django.views.generic import TemplateView

from accounts import services
from accounts.models import Group, User
from policies.authz import IAMActionRequiredMixin

# Extra resource counters (roles, policies) registered by the apps that own them:
# label -> (function(account) -> int, url name)
DASHBOARD_COUNTERS: dict = {}


class DashboardView(IAMActionRequiredMixin, TemplateView):
    """IAM dashboard: resource counts, the account, its sign-in URL, security recommendations."""

    template_name = "console/dashboard.html"
    iam_action = "iam:GetAccountSummary"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        identity = self.request.iam
        account = identity.account
        users = User.objects.for_account(account).count()
        counts = [
            ("User groups", Group.objects.filter(account=account).count(), "accounts:group_list"),
            ("Users", users, "accounts:user_list"),
        ]
        for label, (counter, url_name) in DASHBOARD_COUNTERS.items():
            counts.append((label, counter(account), url_name))
        root = User.objects.get(account=account, is_root=True)
        from django_otp import user_has_device

        recommendations = []
        if not user_has_device(root, confirmed=True):
            recommendations.append(("warning", "Add MFA for root user",
                                    "Add MFA for the root user to improve security for this account."))
        else:
            recommendations.append(("success", "Root user has MFA", "Having MFA for the root user improves security."))
        recommendations.append(("success", "Root user has no active access keys",
                                "Using access keys attached to an IAM user instead of the root user improves security."))
        if users == 0:
            recommendations.append(("warning", "Don't use the root user for everyday tasks",
                                    "Create an IAM user with administrator access and use it instead of the root user."))
        context.update({
            "counts": counts,
            "account": account,
            "signin_url": services.iam_user_signin_url(account),
            "recommendations": recommendations,
        })
        return context
