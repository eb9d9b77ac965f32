from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


def sync_managed_policies(sender, using="default", apps=None, **kwargs) -> None:
    """After ``migrate`` (and test-database flushes): bring the AWS managed policies up to
    date with ``policies/managed/*.json``."""
    from . import managed

    if apps is None:
        from django.apps import apps
    try:
        policy_model = apps.get_model("policies", "ManagedPolicy")
        version_model = apps.get_model("policies", "PolicyVersion")
    except LookupError:  # migrating backwards past the policies app
        return
    managed.sync(policy_model, version_model, using=using)


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self) -> None:
        """Register the console checks; plug the policies into the accounts app's delete
        rules and the dashboard."""
        from accounts import roles
        from accounts import services as accounts_services
        from iamportal.views import DASHBOARD_COUNTERS

        from . import services
        from .checks import check_console_views

        checks.register(check_console_views)

        # DeleteUser / DeleteGroup refuse while policies remain (iam-facts §11); the
        # console's delete removes them first.
        accounts_services.USER_DEPENDENT_COUNTERS["detach all policies"] = services.count_attached
        accounts_services.USER_DEPENDENT_COUNTERS["delete policies"] = services.count_inline
        if services.remove_policies not in accounts_services.USER_DEPENDENT_REMOVERS:
            accounts_services.USER_DEPENDENT_REMOVERS.append(services.remove_policies)
        accounts_services.GROUP_DEPENDENT_COUNTERS["detach all policies"] = services.count_attached
        accounts_services.GROUP_DEPENDENT_COUNTERS["delete policies"] = services.count_inline
        if services.remove_policies not in accounts_services.GROUP_DEPENDENT_REMOVERS:
            accounts_services.GROUP_DEPENDENT_REMOVERS.append(services.remove_policies)
        roles.ROLE_DEPENDENT_COUNTERS["detach all policies"] = services.count_attached
        roles.ROLE_DEPENDENT_COUNTERS["delete policies"] = services.count_inline
        if services.remove_policies not in roles.ROLE_DEPENDENT_REMOVERS:
            roles.ROLE_DEPENDENT_REMOVERS.append(services.remove_policies)
        DASHBOARD_COUNTERS["Customer managed policies"] = (
            services.count_customer_policies,
            "policies:policy_list",
        )
        post_migrate.connect(
            sync_managed_policies, sender=self, dispatch_uid="policies.sync_managed_policies"
        )
