from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


def sync_managed_policies(sender, using="default", apps=None, plan=None, **kwargs) -> None:
    """After ``migrate``: bring the AWS managed policies up to date with the catalogue
    (``policies/managed/catalogue.json.gz``). After a ``flush`` (no migration plan; the test
    suite flushes after every transactional test) restore only ``managed.CORE``:
    ``syncmanagedpolicies`` restores the rest."""
    from . import managed

    if apps is None:
        from django.apps import apps
    try:
        policy_model = apps.get_model("policies", "ManagedPolicy")
        version_model = apps.get_model("policies", "PolicyVersion")
    except LookupError:  # migrating backwards past the policies app
        return
    names = managed.CORE if plan is None else None
    managed.sync(policy_model, version_model, using=using, names=names)


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies"

    def ready(self) -> None:
        """Register the console checks; plug the policies into the accounts app's delete
        rules and the dashboard."""
        from accounts import dependents
        from iamportal.views import DASHBOARD_COUNTERS

        from . import managed, services
        from .checks import check_console_views
        from .engine import validation

        checks.register(check_console_views)
        # Actions newer than the engine's service data are not "invalid" (read when first needed).
        validation.known_actions_source(managed.literal_actions)

        # DeleteUser / DeleteGroup / DeleteRole refuse while policies remain (iam-facts §11);
        # the console's delete detaches and deletes them first, one authorised call each.
        for registry in (dependents.USERS, dependents.GROUPS, dependents.ROLES):
            registry.register(services.ATTACHED_DEPENDENT)
            registry.register(services.INLINE_DEPENDENT)
        dependents.USERS.register(services.BOUNDARY_DEPENDENT)
        dependents.ROLES.register(services.BOUNDARY_DEPENDENT)
        DASHBOARD_COUNTERS["Customer managed policies"] = (
            services.count_customer_policies,
            "policies:policy_list",
        )
        post_migrate.connect(
            sync_managed_policies, sender=self, dispatch_uid="policies.sync_managed_policies"
        )
