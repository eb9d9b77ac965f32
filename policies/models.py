"""Managed policies and their versions, inline policies, attachments, permissions boundaries.

- A :class:`ManagedPolicy` belongs to one account (customer managed) or to none (AWS
  managed, shared by every account, read-only, loaded from the catalogue in
  ``policies/managed/``; those under the path ``/job-function/`` are AWS's job-function policies).
- It keeps up to five :class:`PolicyVersion` rows, exactly one of them the default;
  version ids (``v1``, ``v2``, …) are never reused.
- An :class:`InlinePolicy` is embedded in exactly one user, group or role.
- A :class:`PolicyAttachment` links a managed policy to exactly one user, group or role.
- A :class:`PermissionsBoundary` sets one managed policy as a user's or a role's boundary.

Roles (``accounts.Role``) own inline policies, attachments and a boundary the same way,
through a nullable ``role`` foreign key on each; the ``*_one_owner`` check constraints
require exactly one owner.

Attachments and boundaries carry their ``account`` (the entity's account) so that the
counts and entity lists of an AWS-managed policy, which every account shares, are
scoped to the caller's account with one indexed filter.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

from accounts import ids
from accounts.models import Account, Group, Role, User

AWS_OWNER = "aws"
#: The path of AWS's job-function policies (the console's type "AWS managed - job function").
JOB_FUNCTION_PATH = "/job-function/"


class ManagedPolicyQuerySet(models.QuerySet):
    def visible_to(self, account: Account) -> "ManagedPolicyQuerySet":
        """The policies an account can see and attach: AWS managed ones and its own."""
        return self.filter(Q(account__isnull=True) | Q(account=account))

    def attachable_by(self, account: Account) -> "ManagedPolicyQuerySet":
        """:meth:`visible_to`, by name, with what their ARNs need (the policy pickers)."""
        return self.visible_to(account).select_related("account").order_by("name")

    def with_usage(self, account: Account) -> "ManagedPolicyQuerySet":
        """Annotate ``attached_count`` and ``boundary_count``: how many of ``account``'s
        users, groups and roles each policy is attached to or bounds (the list's "Used as";
        an AWS managed policy is shared, so only this account's rows count)."""

        def uses(model: type[models.Model]) -> Coalesce:
            rows = model.objects.filter(policy=OuterRef("pk"), account=account).order_by()
            counts = rows.values("policy").annotate(n=Count("pk")).values("n")
            return Coalesce(Subquery(counts, output_field=models.IntegerField()), Value(0))

        return self.annotate(
            attached_count=uses(PolicyAttachment), boundary_count=uses(PermissionsBoundary)
        )

    def for_account(self, account: Account) -> "ManagedPolicyQuerySet":
        """The account's customer managed policies."""
        return self.filter(account=account)

    def aws_managed(self) -> "ManagedPolicyQuerySet":
        return self.filter(account__isnull=True)


class ManagedPolicy(models.Model):
    """A managed policy: AWS managed (``account`` is null) or customer managed.

    The ARN is ``arn:aws:iam::aws:policy/<path><name>`` or
    ``arn:aws:iam::<account>:policy/<path><name>``; the name is unique per account
    case-insensitively (a database constraint). The description cannot change after
    creation, as in IAM.
    """

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="managed_policies"
    )
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    description = models.CharField(max_length=1000, blank=True)
    policy_id = models.CharField(max_length=32, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)
    tags = models.JSONField(default=list, blank=True)
    #: The number the next version gets; only ever grows, so version ids are never reused.
    next_version = models.PositiveIntegerField(default=1)

    objects = ManagedPolicyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "managed policies"
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "account", name="policies_managedpolicy_name_ci"
            ),
            models.UniqueConstraint(
                Lower("name"), condition=Q(account__isnull=True), name="policies_awspolicy_name_ci"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.policy_id:
            self.policy_id = ids.unique_id("ANPA")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("policies:policy_detail", args=[self.owner, self.name])

    @property
    def owner(self) -> str:
        """The ARN's account segment: ``aws`` or the 12-digit account id."""
        return AWS_OWNER if self.account_id is None else self.account.account_id

    @property
    def is_aws_managed(self) -> bool:
        return self.account_id is None

    @property
    def type_label(self) -> str:
        if not self.is_aws_managed:
            return "Customer managed"
        return "AWS managed - job function" if self.path == JOB_FUNCTION_PATH else "AWS managed"

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.owner}:policy{self.path}{self.name}"

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class PolicyVersionQuerySet(models.QuerySet):
    def defaults(self) -> "PolicyVersionQuerySet":
        return self.filter(is_default=True)


class PolicyVersion(models.Model):
    """One version of a managed policy: ``v<number>``, the document exactly as submitted."""

    policy = models.ForeignKey(ManagedPolicy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.TextField()
    is_default = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint("policy", "number", name="policies_version_number_unique"),
            models.UniqueConstraint(
                "policy", condition=Q(is_default=True), name="policies_one_default_version"
            ),
        ]

    def __str__(self) -> str:
        return self.version_id

    @property
    def version_id(self) -> str:
        return f"v{self.number}"


# Exactly one of user, group, role owns an inline policy or an attachment.
_ONE_OWNER = (
    Q(user__isnull=False, group__isnull=True, role__isnull=True)
    | Q(user__isnull=True, group__isnull=False, role__isnull=True)
    | Q(user__isnull=True, group__isnull=True, role__isnull=False)
)


def _owner_key(to: type[models.Model], related_name: str, *, one: bool = False) -> models.Field:
    """The nullable key to one kind of owner (``one``: an owner has at most one such row)."""
    field = models.OneToOneField if one else models.ForeignKey
    return field(to, on_delete=models.CASCADE, null=True, blank=True, related_name=related_name)


def _unique_per_owner(first: Any, name: str) -> list[models.UniqueConstraint]:
    """``first`` is unique among the rows of each user, group and role (``name`` is the
    constraint's name with ``{}`` for the owner's kind)."""
    return [
        models.UniqueConstraint(
            first, owner, condition=Q(**{f"{owner}__isnull": False}), name=name.format(owner)
        )
        for owner in ("user", "group", "role")
    ]


class OwnedMixin:
    """A row that belongs to one of the entities named by ``OWNER_FIELDS``."""

    OWNER_FIELDS: tuple[str, ...] = ("user", "group", "role")

    @property
    def owner(self) -> User | Group | Role:
        field = next(
            (f for f in self.OWNER_FIELDS if getattr(self, f"{f}_id")), self.OWNER_FIELDS[-1]
        )
        return getattr(self, field)


class InlinePolicy(OwnedMixin, models.Model):
    """A policy embedded in exactly one user, group or role; its name is unique per owner."""

    user = _owner_key(User, "inline_policies")
    group = _owner_key(Group, "inline_policies")
    role = _owner_key(Role, "inline_policies")
    name = models.CharField(max_length=128)
    document = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "inline policies"
        constraints = [
            models.CheckConstraint(condition=_ONE_OWNER, name="policies_inline_one_owner"),
            *_unique_per_owner(Lower("name"), "policies_inline_{}_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyAttachment(OwnedMixin, models.Model):
    """A managed policy attached to exactly one user, group or role of ``account``."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(ManagedPolicy, on_delete=models.CASCADE, related_name="attachments")
    user = _owner_key(User, "policy_attachments")
    group = _owner_key(Group, "policy_attachments")
    role = _owner_key(Role, "policy_attachments")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["policy", "account"], name="policies_attach_policy_acct")]
        constraints = [
            models.CheckConstraint(condition=_ONE_OWNER, name="policies_attachment_one_owner"),
            *_unique_per_owner("policy", "policies_attachment_{}_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} → {self.owner}"


class PermissionsBoundary(OwnedMixin, models.Model):
    """The managed policy that caps a user's or a role's permissions (at most one each)."""

    OWNER_FIELDS = ("user", "role")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    policy = models.ForeignKey(ManagedPolicy, on_delete=models.CASCADE, related_name="boundaries")
    user = _owner_key(User, "permissions_boundary", one=True)
    role = _owner_key(Role, "permissions_boundary", one=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "permissions boundaries"
        indexes = [models.Index(fields=["policy", "account"], name="policies_boundary_policy_acct")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, role__isnull=True)
                    | Q(user__isnull=True, role__isnull=False)
                ),
                name="policies_boundary_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} bounds {self.owner}"
