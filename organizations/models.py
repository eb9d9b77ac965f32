"""AWS Organizations: an organization, its tree of organizational units, its member accounts,
invitations (handshakes) and service control policies.

Public identifiers are AWS's (``o-…``, ``r-…``, ``ou-…``, ``p-…``, ``h-…``, 12-digit account
ids), never primary keys. A *target* (of a policy attachment, a move, a ``parent_id``) is named
by its AWS id: the root id, an OU id or an account id.

Django's foreign keys own the ``<field>_id`` attributes (``OrganizationalUnit.parent_id`` and
``Organization.management_account_id`` are primary keys of rows), so the AWS id of a parent is the
property ``parent_aws_id`` and a member's 12-digit id ``Member.account.account_id``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from accounts.models import Account

from . import ids

ROOT_ARN_PREFIX = "arn:aws:organizations::"
HANDSHAKE_DURATION = timedelta(days=15)


class Organization(models.Model):
    """An organization: its management account, its one root, feature set ``ALL``."""

    org_id = models.CharField(max_length=34, unique=True, default=ids.organization_id)
    management_account = models.OneToOneField(Account, on_delete=models.CASCADE,
                                              related_name="managed_organization")
    feature_set = models.CharField(max_length=20, default="ALL")
    created = models.DateTimeField(default=timezone.now)
    root_id = models.CharField(max_length=34, unique=True, default=ids.root_id)

    def __str__(self) -> str:
        return self.org_id

    def _arn(self, resource: str) -> str:
        return f"{ROOT_ARN_PREFIX}{self.management_account.account_id}:{resource}"

    @property
    def arn(self) -> str:
        return self._arn(f"organization/{self.org_id}")

    @property
    def root_arn(self) -> str:
        return self._arn(f"root/{self.org_id}/{self.root_id}")

    @property
    def management_account_arn(self) -> str:
        return self.account_arn(self.management_account.account_id)

    def account_arn(self, account_id: str) -> str:
        return self._arn(f"account/{self.org_id}/{account_id}")


class OrganizationalUnit(models.Model):
    """An OU; ``parent`` None means its parent is the root. ``path`` holds the OU ids from the
    top OU down to this one, joined by ``/`` (OUs never move in AWS, so it never changes): the
    SCP chain of an account reads its OUs from it without walking the tree."""

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ous")
    ou_id = models.CharField(max_length=68, unique=True)
    name = models.CharField(max_length=128)
    # The services delete only an empty OU; deleting the organization (or its management
    # account) takes every OU with it.
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children")
    path = models.CharField(max_length=512, editable=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "ou_id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "parent", "name"], name="org_ou_name_per_parent"),
            models.UniqueConstraint(fields=["org", "name"], condition=models.Q(parent__isnull=True),
                                    name="org_ou_name_under_root"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return self.org._arn(f"ou/{self.org.org_id}/{self.ou_id}")

    @property
    def ou_ids(self) -> list[str]:
        """The OU ids from the top OU down to this one."""
        return self.path.split("/")

    @property
    def parent_aws_id(self) -> str:
        """The parent's AWS id: the root id or an OU id."""
        return self.ou_ids[-2] if self.parent_id else self.org.root_id


class Member(models.Model):
    """An account of an organization, the management account included (as AWS lists it)."""

    CREATED, INVITED = "CREATED", "INVITED"
    ACTIVE, SUSPENDED = "ACTIVE", "SUSPENDED"

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="org_member")
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    parent_ou = models.ForeignKey(OrganizationalUnit, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="accounts")  # never an OU deleted under it: back to the root
    joined_method = models.CharField(max_length=8, choices=[(CREATED, CREATED), (INVITED, INVITED)])
    joined = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=9, default=ACTIVE,
                              choices=[(ACTIVE, ACTIVE), (SUSPENDED, SUSPENDED)])
    email = models.EmailField()  # CreateAccount takes 6–64 characters; a root user's may be longer
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name", "account__account_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.account.account_id})"

    @property
    def arn(self) -> str:
        return self.org.account_arn(self.account.account_id)

    @property
    def is_management(self) -> bool:
        return self.account_id == self.org.management_account_id

    @property
    def parent_aws_id(self) -> str:
        """The parent's AWS id: the root id or an OU id."""
        return self.parent_ou.ou_id if self.parent_ou_id else self.org.root_id


class Handshake(models.Model):
    """An invitation to join an organization (``ActionType`` INVITE), open for 15 days."""

    OPEN, ACCEPTED, DECLINED, CANCELED, EXPIRED = "OPEN", "ACCEPTED", "DECLINED", "CANCELED", "EXPIRED"
    STATES = [OPEN, ACCEPTED, DECLINED, CANCELED, EXPIRED]

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="handshakes")
    handshake_id = models.CharField(max_length=34, unique=True, default=ids.handshake_id)
    target_account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="org_handshakes")
    state = models.CharField(max_length=9, default=OPEN, choices=[(s, s) for s in STATES])
    requested = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()

    class Meta:
        ordering = ["-requested"]

    def __str__(self) -> str:
        return self.handshake_id

    def save(self, *args, **kwargs):
        if self.expires is None:
            self.expires = self.requested + HANDSHAKE_DURATION
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return self.org._arn(f"handshake/{self.org.org_id}/invite/{self.handshake_id}")

    @property
    def current_state(self) -> str:
        """The state as AWS reports it now: an open invitation past its expiry is EXPIRED."""
        if self.state == self.OPEN and self.expires <= timezone.now():
            return self.EXPIRED
        return self.state


class ServiceControlPolicy(models.Model):
    """A service control policy of an organization; every organization has its own row of AWS's
    ``FullAWSAccess`` (``aws_managed``, id ``p-FullAWSAccess``), which cannot be changed."""

    TYPE = "SERVICE_CONTROL_POLICY"

    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="policies")
    policy_id = models.CharField(max_length=130, default=ids.policy_id)
    name = models.CharField(max_length=128)
    description = models.CharField(max_length=512, blank=True)
    document = models.TextField()
    aws_managed = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-aws_managed", "name"]
        constraints = [
            models.UniqueConstraint(fields=["org", "policy_id"], name="org_scp_id"),
            models.UniqueConstraint(fields=["org", "name"], name="org_scp_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        if self.aws_managed:
            return f"{ROOT_ARN_PREFIX}aws:policy/service_control_policy/{self.policy_id}"
        return self.org._arn(f"policy/{self.org.org_id}/service_control_policy/{self.policy_id}")

    @property
    def type(self) -> str:
        return self.TYPE


class PolicyTarget(models.Model):
    """An SCP attached to a target: the root id, an OU id or a 12-digit account id."""

    policy = models.ForeignKey(ServiceControlPolicy, on_delete=models.CASCADE, related_name="targets")
    target_id = models.CharField(max_length=68, db_index=True)
    attached = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["policy", "target_id"], name="scp_target_once")]

    def __str__(self) -> str:
        return f"{self.policy_id} → {self.target_id}"
