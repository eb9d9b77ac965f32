"""Template tags of the policy partials other apps include.

``{% entity_permissions subject as perms %}`` gathers every policy that applies to a
user (four queries) or group (two); ``{% attachable_policies as policies %}`` lists the
policies the caller's account can attach (one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import Q

from accounts.models import Group, GroupMembership, User
from policies import services
from policies.models import InlinePolicy, ManagedPolicy, PolicyAttachment

register = template.Library()


@dataclass
class AppliedPolicy:
    """One row of a Permissions tab: a policy and how it reaches the subject."""

    name: str
    type_label: str
    via_group: Group | None
    managed: ManagedPolicy | None = None
    inline: InlinePolicy | None = None

    @property
    def attached_via(self) -> str:
        return f"Group {self.via_group.name}" if self.via_group else "Attached directly"

    @property
    def direct(self) -> bool:
        return self.via_group is None


@register.simple_tag
def entity_permissions(subject: User | Group) -> dict[str, Any]:
    """Every policy that applies to ``subject``.

    Returns:
        ``{"policies": [AppliedPolicy, ...], "boundary": ManagedPolicy | None,
        "attached_count": int, "is_user": bool}``; for a user, the rows include the
        policies of each of its groups with ``via_group`` set.
    """
    is_user = isinstance(subject, User)
    if is_user:
        # The user's rows and its groups' rows by the groups' ids, read first: the database
        # answers "user = … OR group IN (ids)" from the two foreign-key indexes. Joining the
        # memberships (with an OR, or in a subquery) made PostgreSQL scan or merge-join the
        # attachments of the whole server (~100 ms for a user's page at 5,000 users).
        group_ids = list(GroupMembership.objects.filter(user=subject).values_list("group_id", flat=True))
        owner = Q(user=subject) | Q(group_id__in=group_ids)
    else:
        owner = Q(group=subject)
    attachments = (
        PolicyAttachment.objects.filter(owner)
        .select_related("policy__account", "group")
        .order_by("group__name", "policy__name")
    )
    inline = (
        InlinePolicy.objects.filter(owner)
        .select_related("group")
        .order_by("group__name", "name")
    )
    rows = [
        AppliedPolicy(
            a.policy.name, a.policy.type_label, a.group if (is_user and a.group_id) else None,
            managed=a.policy
        )
        for a in attachments
    ]
    rows += [
        AppliedPolicy(
            p.name, "Customer inline", p.group if (is_user and p.group_id) else None, inline=p
        )
        for p in inline
    ]
    rows.sort(
        key=lambda r: (
            not r.direct,
            r.via_group.name.lower() if r.via_group else "",
            r.name.lower(),
        )
    )
    boundary = None
    if is_user:
        found = services.get_permissions_boundary(subject)
        boundary = found.policy if found else None
    return {
        "policies": rows,
        "boundary": boundary,
        "is_user": is_user,
        "attached_count": sum(1 for r in rows if r.direct and r.managed is not None),
    }


@register.simple_tag(takes_context=True)
def attachable_policies(context: template.Context) -> list[ManagedPolicy]:
    """The managed policies the caller's account can attach, AWS managed and its own."""
    identity = context.get("iam")
    if identity is None:
        return []
    return list(ManagedPolicy.objects.attachable_by(identity.account))


@register.filter
def policy_name(arn: str) -> str:
    """The name of the managed policy ``arn`` names (the part after its path)."""
    return str(arn).rpartition("/")[2]


@register.filter
def policy_type(arn: str) -> str:
    """``AWS managed`` or ``Customer managed``, as the console's tables say, for a policy ARN."""
    return "AWS managed" if str(arn).startswith("arn:aws:iam::aws:policy/") else "Customer managed"
