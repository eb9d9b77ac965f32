"""AWS Organizations console pages (issue #14): the organization (create, delete, leave), AWS
accounts (list and tree, create, invite, move, remove, detail with its effective SCPs), the root
and OUs (create, rename, delete), service control policies (list, create, edit, delete, attach,
detach) and invitations (received: accept, decline; sent: cancel).

Every page authorises its ``organizations:<Action>`` on AWS's resource ARN through
:class:`policies.authz.IAMActionRequiredMixin`, so the audit trail records each change once.
The pages that manage an organization answer for the organization the caller's account
manages: a root, OU, account, policy or invitation of any other organization is a 404. A
member account (or an account outside any organization) opening a management page is sent to
the organization page (a GET), or told AWS's error (a POST, 4xx, recorded as a failed call).

The pages live in :mod:`.accounts` (the organization and its accounts), :mod:`.units` (the root
and OUs), :mod:`.policies` (service control policies) and :mod:`.invitations`; :mod:`.base` holds
what they share.
"""

from .accounts import (AccountCreatedView, AccountCreateView, AccountDetailView, AccountInviteView, AccountListView,
                       AccountMoveView, AccountRemoveView, OrganizationCreateView, OrganizationDeleteView,
                       OrganizationDetailView, OrganizationLeaveView)
from .invitations import (HandshakeAcceptView, HandshakeCancelView, HandshakeDeclineView, HandshakeListView,
                          HandshakeSentView)
from .policies import (PolicyAttachView, PolicyCreateView, PolicyDeleteView, PolicyDetachView, PolicyDetailView,
                       PolicyEditView, PolicyListView, TargetAttachView)
from .units import OUCreateView, OUDeleteView, OUDetailView, OURenameView, RootDetailView

__all__ = [
    "AccountCreateView", "AccountCreatedView", "AccountDetailView", "AccountInviteView", "AccountListView",
    "AccountMoveView", "AccountRemoveView", "HandshakeAcceptView", "HandshakeCancelView", "HandshakeDeclineView",
    "HandshakeListView", "HandshakeSentView", "OUCreateView", "OUDeleteView", "OUDetailView", "OURenameView",
    "OrganizationCreateView", "OrganizationDeleteView", "OrganizationDetailView", "OrganizationLeaveView",
    "PolicyAttachView", "PolicyCreateView", "PolicyDeleteView", "PolicyDetachView", "PolicyDetailView",
    "PolicyEditView", "PolicyListView", "RootDetailView", "TargetAttachView",
]
