"""The console governs itself: every signed-in view declares a known IAM action."""

from __future__ import annotations

from django.core import checks
from django.urls import path
from django.views.generic import TemplateView

from policies.authz import IAMActionRequiredMixin
from policies.checks import check_console_views, iter_patterns


class _Forgetful(TemplateView):
    template_name = "base.html"


class _NoAction(IAMActionRequiredMixin, TemplateView):
    template_name = "base.html"


class _Unknown(IAMActionRequiredMixin, TemplateView):
    template_name = "base.html"
    iam_action = "iam:MakeCoffee"


urlpatterns = [
    path("forgetful/", _Forgetful.as_view(), name="forgetful"),
    path("no-action/", _NoAction.as_view(), name="no_action"),
    path("unknown/", _Unknown.as_view(), name="unknown"),
]


def test_the_project_passes_its_own_checks():
    assert check_console_views() == []


def test_it_reports_views_without_an_iam_action(settings):
    settings.ROOT_URLCONF = __name__
    ids = sorted(error.id for error in check_console_views())
    assert ids == ["policies.E001", "policies.E002", "policies.E003"]


def test_the_check_is_registered_with_django():
    assert check_console_views in checks.registry.registry.get_checks()


def test_every_console_view_is_an_iam_action_view_or_self_service():
    from policies.checks import SELF_SERVICE_VIEWS

    for name, callback in iter_patterns():
        view = getattr(callback, "view_class", None)
        short = name.rsplit(":", 1)[-1]
        public = getattr(callback, "login_required", True) is False
        assert public or short in SELF_SERVICE_VIEWS or (view and issubclass(view, IAMActionRequiredMixin)), name
