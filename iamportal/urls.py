"""Top-level URLs: Console Home at /console/home/, the IAM dashboard at /iam/, the accounts and policies apps, the error pages."""

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from api import accessanalyzer
from api import views as api_views

from . import views

dashboard_patterns = ([
    path("iam/", views.DashboardView.as_view(), name="dashboard"),
    path("console/home/", views.ConsoleHomeView.as_view(), name="console_home"),
], "iamportal")

urlpatterns = [
    # GET / is the console's front door; POST / (and GET /?Action=…) the IAM and STS Query APIs.
    path("", api_views.root, name="home"),
    path("_test/reset", api_views.test_reset, name="api_test_reset"),
    # IAM Access Analyzer's ValidatePolicy and custom policy checks (restJson1, POST /policy/…).
    *(path(route, view, name=name) for route, view, name in accessanalyzer.urlpatterns_data),
    # Operators (createsuperuser) sign in with the root sign-in form, then use the admin site.
    path("admin/login/", login_not_required(RedirectView.as_view(url="/signin/?next=/admin/")),
         name="admin_signin"),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("", include(dashboard_patterns)),
    path("", include("accounts.urls")),
    path("", include("policies.urls")),
    path("", include("audit.views")),
    path("", include("organizations.urls")),
    path("", include("labs.urls")),
]

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
