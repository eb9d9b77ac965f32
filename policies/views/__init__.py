"""Console pages of policies, by part:

- :mod:`.managed`: managed policies (list, create, detail tabs, versions, edit, delete);
- :mod:`.pages`: the policy pages of one user, group or role, as mixins (the role pages
  of ``accounts.views.roles`` use them too);
- :mod:`.entity`: those pages for users and groups, and a user's permissions boundary;
- :mod:`.base`: what they share.

Every name other modules use is importable from ``policies.views``.
"""

from ..services import boundary_context
from .base import (
    ENTITY_LOOKUPS,
    PAGE_SIZE,
    document_context,
    entity_url,
    filter_policies,
    iam_error,
)
from .entity import (
    GROUP_VIEWS,
    USER_VIEWS,
    EntityAttachView,
    EntityDetachView,
    EntityMixin,
    EntityPermissionsView,
    InlinePolicyCreateView,
    InlinePolicyDeleteView,
    InlinePolicyDetailView,
    InlinePolicyEditView,
    UserBoundaryDeleteView,
    UserBoundaryView,
    entity_views,
)
from .managed import (
    PolicyBulkDeleteView,
    PolicyCreateWizard,
    PolicyDeleteView,
    PolicyDetailView,
    PolicyEditView,
    PolicyEntitiesView,
    PolicyEntityDetachView,
    PolicyListView,
    PolicyObjectMixin,
    PolicyTagsEditView,
    PolicyValidateView,
    PolicyVersionActionView,
    PolicyVersionDeleteView,
    PolicyVersionDetailView,
    PolicyVersionObjectMixin,
    PolicyVersionSetDefaultView,
    PolicyVersionsView,
)
from .pages import (
    BoundaryDeleteMixin,
    BoundaryFormMixin,
    InlinePolicyDeleteMixin,
    InlinePolicyDetailMixin,
    InlinePolicyEditMixin,
    InlinePolicyFormMixin,
    InlinePolicyObjectMixin,
    PolicyAttachMixin,
    PolicyDetachMixin,
    PolicyPagesMixin,
)

__all__ = [
    "ENTITY_LOOKUPS",
    "GROUP_VIEWS",
    "PAGE_SIZE",
    "USER_VIEWS",
    "BoundaryDeleteMixin",
    "BoundaryFormMixin",
    "EntityAttachView",
    "EntityDetachView",
    "EntityMixin",
    "EntityPermissionsView",
    "InlinePolicyCreateView",
    "InlinePolicyDeleteMixin",
    "InlinePolicyDeleteView",
    "InlinePolicyDetailMixin",
    "InlinePolicyDetailView",
    "InlinePolicyEditMixin",
    "InlinePolicyEditView",
    "InlinePolicyFormMixin",
    "InlinePolicyObjectMixin",
    "PolicyAttachMixin",
    "PolicyBulkDeleteView",
    "PolicyCreateWizard",
    "PolicyDeleteView",
    "PolicyDetachMixin",
    "PolicyDetailView",
    "PolicyEditView",
    "PolicyEntitiesView",
    "PolicyEntityDetachView",
    "PolicyListView",
    "PolicyObjectMixin",
    "PolicyPagesMixin",
    "PolicyTagsEditView",
    "PolicyValidateView",
    "PolicyVersionActionView",
    "PolicyVersionDeleteView",
    "PolicyVersionDetailView",
    "PolicyVersionObjectMixin",
    "PolicyVersionSetDefaultView",
    "PolicyVersionsView",
    "UserBoundaryDeleteView",
    "UserBoundaryView",
    "boundary_context",
    "document_context",
    "entity_url",
    "entity_views",
    "filter_policies",
    "iam_error",
]
