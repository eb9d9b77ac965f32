"""Console URLs of AWS Organizations, under ``/organizations/``.

Objects are named by their AWS ids, as AWS's console names them: an account by its 12 digits, the
root ``r-…``, an OU ``ou-…``, a policy ``p-…``, an invitation ``h-…``; a policy *target* is the
root, an OU or an account.
"""

from django.urls import path, register_converter

from . import views


class AccountIdConverter:
    regex = r"[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OrgIdConverter:
    """An Organizations id: ``r-…``, ``ou-…-…``, ``p-…`` (``p-FullAWSAccess``), ``h-…``."""

    regex = r"(?:r|ou|p|h)-[0-9A-Za-z-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TargetIdConverter:
    """A policy target: the root, an OU or a 12-digit account id."""

    regex = r"(?:[0-9]{12}|(?:r|ou)-[0-9a-z-]{1,64})"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AccountIdConverter, "org_account")
register_converter(OrgIdConverter, "org_id")
register_converter(TargetIdConverter, "org_target")

app_name = "organizations"

POLICY = "organizations/policies/<org_id:policy_id>/"
ACCOUNT = "organizations/accounts/<org_account:account_id>/"
OU = "organizations/ous/<org_id:ou_id>/"
INVITATION = "organizations/invitations/<org_id:handshake_id>/"

urlpatterns = [
    path("organizations/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("organizations/create/", views.OrganizationCreateView.as_view(), name="organization_create"),
    path("organizations/delete/", views.OrganizationDeleteView.as_view(), name="organization_delete"),
    path("organizations/leave/", views.OrganizationLeaveView.as_view(), name="organization_leave"),
    # AWS accounts
    path("organizations/accounts/", views.AccountListView.as_view(), name="account_list"),
    path("organizations/accounts/create/", views.AccountCreateView.as_view(), name="account_create"),
    path("organizations/accounts/created/", views.AccountCreatedView.as_view(), name="account_created"),
    path("organizations/accounts/invite/", views.AccountInviteView.as_view(), name="account_invite"),
    path(ACCOUNT, views.AccountDetailView.as_view(), name="account_detail"),
    path(f"{ACCOUNT}move/", views.AccountMoveView.as_view(), name="account_move"),
    path(f"{ACCOUNT}remove/", views.AccountRemoveView.as_view(), name="account_remove"),
    # The root and organizational units
    path("organizations/roots/<org_id:root_id>/", views.RootDetailView.as_view(), name="root_detail"),
    path("organizations/ous/create/", views.OUCreateView.as_view(), name="ou_create"),
    path(OU, views.OUDetailView.as_view(), name="ou_detail"),
    path(f"{OU}rename/", views.OURenameView.as_view(), name="ou_rename"),
    path(f"{OU}delete/", views.OUDeleteView.as_view(), name="ou_delete"),
    path("organizations/targets/<org_target:target_id>/policies/attach/", views.TargetAttachView.as_view(),
         name="target_attach"),
    # Service control policies
    path("organizations/policies/", views.PolicyListView.as_view(), name="policy_list"),
    path("organizations/policies/create/", views.PolicyCreateView.as_view(), name="policy_create"),
    path(POLICY, views.PolicyDetailView.as_view(), name="policy_detail"),
    path(f"{POLICY}edit/", views.PolicyEditView.as_view(), name="policy_edit"),
    path(f"{POLICY}delete/", views.PolicyDeleteView.as_view(), name="policy_delete"),
    path(f"{POLICY}attach/", views.PolicyAttachView.as_view(), name="policy_attach"),
    path(f"{POLICY}targets/<org_target:target_id>/detach/", views.PolicyDetachView.as_view(), name="policy_detach"),
    # Invitations
    path("organizations/invitations/", views.HandshakeListView.as_view(), name="handshake_list"),
    path("organizations/invitations/sent/", views.HandshakeSentView.as_view(), name="handshake_sent"),
    path(f"{INVITATION}accept/", views.HandshakeAcceptView.as_view(), name="handshake_accept"),
    path(f"{INVITATION}decline/", views.HandshakeDeclineView.as_view(), name="handshake_decline"),
    path(f"{INVITATION}cancel/", views.HandshakeCancelView.as_view(), name="handshake_cancel"),
]
