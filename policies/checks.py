"""System checks that guard the console's self-governance (STYLE.md P27).

``policies.E001``: a console view mixes in IAMActionRequiredMixin without an ``iam_action``.
``policies.E002``: a view's ``iam_action`` (or ``iam_action_post``) is not a known IAM/STS action.
``policies.E003``: a signed-in view neither declares an IAM action nor is listed as self-service.

Registered in :meth:`policies.apps.PoliciesConfig.ready`, as ``django.contrib.auth`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

# Views a signed-in principal may open whatever its policies, as in AWS: Console Home, the
# sign-in flow, signing out, the forced password change, the MFA challenge, switch role
# (governed by the trust policy and sts:AssumeRole instead).
SELF_SERVICE_VIEWS = {
    "home", "console_home", "signin", "signin_iam", "signin_account", "signup", "signout", "password_change",
    "mfa_challenge", "switch_role", "switch_back", "user_create_csv",
    # The visual policy editor's data: AWS's public Service Authorization Reference.
    "policy_service_data",
}
# Django's admin site: for operators (createsuperuser, is_staff), not the console.
OPERATOR_NAMESPACE = "admin"


def iter_patterns(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[tuple[str, Any]]:
    """Every (qualified url name, view callback) of the console (not Django's admin site)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == OPERATOR_NAMESPACE:
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from iter_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", entry.callback


def _view_class(callback: Any) -> type | None:
    return getattr(callback, "view_class", None)


def check_console_views(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from policies.authz import IAMActionRequiredMixin
    from policies.engine import catalogue

    errors: list[checks.CheckMessage] = []
    for name, callback in iter_patterns():
        short = name.rsplit(":", 1)[-1]
        view = _view_class(callback)
        if getattr(callback, "login_required", True) is False or short in SELF_SERVICE_VIEWS:
            continue
        if view is None or not issubclass(view, IAMActionRequiredMixin):
            errors.append(checks.Error(
                f"Console view {name!r} does not declare the IAM action it performs.",
                hint="Mix in policies.authz.IAMActionRequiredMixin and set iam_action.",
                obj=view or callback, id="policies.E003"))
            continue
        actions = [a for a in (view.iam_action, view.iam_action_post) if a]
        if not view.iam_action:
            errors.append(checks.Error(f"Console view {name!r} has no iam_action.",
                                       obj=view, id="policies.E001"))
        for action in actions:
            if not catalogue.is_known_action(action):
                errors.append(checks.Error(f"Console view {name!r} declares unknown action {action!r}.",
                                           hint="Use an action name from the IAM/STS catalogue.",
                                           obj=view, id="policies.E002"))
    return errors
