"""URLs of the policies app.

A managed policy is ``/iam/policies/<owner>/<name>/``: ``owner`` is the ARN's account
segment, ``aws`` for AWS managed policies or the 12-digit account id for customer
managed ones (``policy.get_absolute_url()``). Users' and groups' policy pages hang
under ``/iam/users/<name>/`` and ``/iam/groups/<name>/``.
"""

from django.urls import path, register_converter

from . import views
from .views.policy_checks import PolicyChecksView, RoleTrustChecksView
from .views.service_data import ServiceDataView
from .views.policy_checks import GroupInlinePolicyChecksView, RoleInlinePolicyChecksView
from .views.policy_checks import UserInlinePolicyChecksView


class OwnerConverter:
    """The account segment of a policy ARN: ``aws`` or 12 digits."""

    regex = r"aws|[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class IAMNameConverter:
    """An IAM user, group or policy name: ``[\\w+=,.@-]+``."""

    regex = r"[A-Za-z0-9_+=,.@-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OwnerConverter, "owner")
register_converter(IAMNameConverter, "iamname")

app_name = "policies"

POLICY = "iam/policies/<owner:owner>/<iamname:name>/"


def entity_patterns(kind: str, prefix: str, entity_views: dict) -> list:
    base = f"{prefix}/<iamname:entity_name>/policies/"
    return [
        path(base, entity_views["permissions"].as_view(), name=f"policy_{kind}_permissions"),
        path(f"{base}attach/", entity_views["attach"].as_view(), name=f"policy_{kind}_attach"),
        path(f"{base}detach/", entity_views["detach"].as_view(), name=f"policy_{kind}_detach"),
        path(
            f"{base}inline/create/",
            entity_views["inline_create"].as_view(),
            name=f"policy_{kind}_inline_create",
        ),
        path(
            f"{base}inline/<iamname:policy_name>/",
            entity_views["inline_detail"].as_view(),
            name=f"policy_{kind}_inline_detail",
        ),
        path(
            f"{base}inline/<iamname:policy_name>/edit/",
            entity_views["inline_edit"].as_view(),
            name=f"policy_{kind}_inline_edit",
        ),
        path(
            f"{base}inline/<iamname:policy_name>/delete/",
            entity_views["inline_delete"].as_view(),
            name=f"policy_{kind}_inline_delete",
        ),
    ]


urlpatterns = [
    path("iam/policies/", views.PolicyListView.as_view(), name="policy_list"),
    path("iam/policies/create/", views.PolicyCreateWizard.as_view(), name="policy_create"),
    path("iam/policies/validate/", views.PolicyValidateView.as_view(), name="policy_validate"),
    path("iam/policies/delete/selected/", views.PolicyBulkDeleteView.as_view(), name="policy_bulk_delete"),
    # The visual editor's data: AWS's public reference, for any signed-in principal.
    path("iam/policies/service-data/", ServiceDataView.as_view(), name="policy_service_data"),
    path(POLICY, views.PolicyDetailView.as_view(), name="policy_detail"),
    path(f"{POLICY}entities/", views.PolicyEntitiesView.as_view(), name="policy_entities"),
    path(f"{POLICY}checks/", PolicyChecksView.as_view(), name="policy_checks"),
    path("iam/roles/<str:role_name>/trust/checks/", RoleTrustChecksView.as_view(),
         name="role_trust_checks"),
    path("iam/users/<iamname:entity_name>/policies/inline/<iamname:policy_name>/checks/",
         UserInlinePolicyChecksView.as_view(), name="policy_user_inline_checks"),
    path("iam/groups/<iamname:entity_name>/policies/inline/<iamname:policy_name>/checks/",
         GroupInlinePolicyChecksView.as_view(), name="policy_group_inline_checks"),
    path("iam/roles/<str:role_name>/policies/inline/<str:policy_name>/checks/",
         RoleInlinePolicyChecksView.as_view(), name="role_inline_checks"),
    path(
        f"{POLICY}entities/detach/",
        views.PolicyEntityDetachView.as_view(),
        name="policy_entity_detach",
    ),
    path(f"{POLICY}versions/", views.PolicyVersionsView.as_view(), name="policy_versions"),
    path(
        f"{POLICY}versions/<str:version_id>/",
        views.PolicyVersionDetailView.as_view(),
        name="policy_version_detail",
    ),
    path(
        f"{POLICY}versions/<str:version_id>/set-default/",
        views.PolicyVersionSetDefaultView.as_view(),
        name="policy_version_set_default",
    ),
    path(
        f"{POLICY}versions/<str:version_id>/delete/",
        views.PolicyVersionDeleteView.as_view(),
        name="policy_version_delete",
    ),
    path(f"{POLICY}edit/", views.PolicyEditView.as_view(), name="policy_edit"),
    path(f"{POLICY}tags/edit/", views.PolicyTagsEditView.as_view(), name="policy_tags_edit"),
    path(f"{POLICY}delete/", views.PolicyDeleteView.as_view(), name="policy_delete"),
    *entity_patterns("user", "iam/users", views.USER_VIEWS),
    *entity_patterns("group", "iam/groups", views.GROUP_VIEWS),
    path(
        "iam/users/<iamname:entity_name>/permissions-boundary/",
        views.UserBoundaryView.as_view(),
        name="policy_user_boundary",
    ),
    path(
        "iam/users/<iamname:entity_name>/permissions-boundary/delete/",
        views.UserBoundaryDeleteView.as_view(),
        name="policy_user_boundary_delete",
    ),
    # The policy simulator's urlpatterns (policies:simulator).
    path("", ("policies.simulator", None, None)),
]
