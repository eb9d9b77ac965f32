"""Accounts and the identities that live in them: root users, IAM users and user groups.

Every IAM name is unique per account *case-insensitively* (``ADMINS`` and
``admins`` cannot coexist) and the database enforces it with functional unique
constraints. Public identifiers are names and ``AIDA…``-style ids, never primary keys.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import ids, seeds


class AccountQuerySet(models.QuerySet):
    def for_signin(self, slug: str) -> "Account | None":
        """The account an IAM user sign-in names, by 12-digit id or by alias."""
        slug = (slug or "").strip().lower()
        # Only a 12-digit id or a well-formed alias can name an account; anything else
        # (a NUL byte, say, which PostgreSQL refuses outright) names none.
        if not slug or len(slug) > 63 or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
            return None
        return self.filter(Q(account_id=slug) | Q(alias=slug)).first()


class Account(models.Model):
    """An AWS account: a 12-digit id, an optional alias, and exactly one root user."""

    account_id = models.CharField(max_length=12, unique=True, default=ids.account_id)
    alias = models.CharField(max_length=63, unique=True, null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    #: SetSecurityTokenServicePreferences: 1 (v1Token, AWS's default) or 2 (v2Token).
    global_endpoint_token_version = models.PositiveSmallIntegerField(default=1)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["account_id"]

    def __str__(self) -> str:
        return self.alias or self.account_id

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    @property
    def signin_slug(self) -> str:
        """What the IAM user sign-in URL names: the alias when there is one, else the id."""
        return self.alias or self.account_id

    @property
    def suspended(self) -> bool:
        """Whether the account's organization suspended it (a class ended with its accounts
        disabled: ``organizations.Member.status``): nobody enters it, roles included. Read from
        the membership row when it was loaded with the account, else one query."""
        member = getattr(self, "org_member", None)  # the organizations app's reverse one-to-one
        return member is not None and member.status == "SUSPENDED"

    def arn(self, resource: str) -> str:
        """The ARN of an IAM resource of this account, e.g. ``arn("user/bob")``."""
        return f"arn:aws:iam::{self.account_id}:{resource}"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def for_account(self, account: Account) -> models.QuerySet["User"]:
        """The IAM users of one account (never its root user)."""
        return self.filter(account=account, is_root=False)

    def get_by_natural_key(self, login_key: str) -> "User":
        return self.get(login_key=login_key)

    def create_superuser(self, login_key: str, password: str | None = None, **extra) -> "User":
        """``manage.py createsuperuser``: an operator of Django's admin site (``/admin/``),
        the root user of an account of its own, named by the email entered as the login
        key. The console never looks at the operator flags."""
        email = login_key.removeprefix("root:").strip()
        user = User(account=Account.objects.create(), is_root=True, email=email, user_name="root",
                    is_staff=True, is_superuser=True)
        user.set_password(password)
        user.save()
        return user


def root_login_key(email: str) -> str:
    return "root:" + email.strip().lower()


def iam_login_key(account_id: str, user_name: str) -> str:
    return f"{account_id}:{user_name.lower()}"


class User(AbstractBaseUser):
    """A principal that signs in: the root user of an account or one of its IAM users.

    Django wants one globally unique ``USERNAME_FIELD``, but IAM user names are
    only unique per account, so ``login_key`` is a surrogate: ``root:<email>``
    for a root user and ``<account id>:<lower-case user name>`` for an IAM user.
    Console access is a usable password (AWS's "login profile").
    """

    login_key = models.CharField(max_length=320, unique=True, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="principals")
    is_root = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    user_name = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=512, default="/")
    unique_id = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    password_reset_required = models.BooleanField(default=False)
    password_changed = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    #: Operators of Django's admin site (``createsuperuser``); the console never reads them.
    is_staff = models.BooleanField(default=False)
    is_superuser = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "login_key"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["user_name"]
        # The Users list: one account's IAM users by name, 50 at a time, read in index order.
        indexes = [
            models.Index("account", Lower("user_name"), condition=Q(is_root=False), name="accounts_user_acct_name"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("user_name"), "account", condition=Q(is_root=False), name="accounts_user_name_ci"
            ),
            models.UniqueConstraint(Lower("email"), condition=Q(is_root=True), name="accounts_root_email_ci"),
            models.UniqueConstraint("account", condition=Q(is_root=True), name="accounts_one_root_per_account"),
        ]

    def __str__(self) -> str:
        return self.email if self.is_root else self.user_name

    def save(self, *args, **kwargs) -> None:
        if self.is_root:
            self.login_key = root_login_key(self.email)
        else:
            self.login_key = iam_login_key(self.account.account_id, self.user_name)
            if not self.unique_id:
                self.unique_id = ids.unique_id("AIDA")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.user_name])

    @property
    def arn(self) -> str:
        if self.is_root:
            return self.account.root_arn
        return self.account.arn(f"user{self.path}{self.user_name}")

    def has_perm(self, perm: str, obj=None) -> bool:
        """Django admin permissions: an operator is a superuser, nobody else has any."""
        return self.is_active and self.is_superuser

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and self.is_superuser

    @property
    def display_name(self) -> str:
        """How the identity menu names this principal."""
        return "Root user" if self.is_root else self.user_name

    @property
    def has_console_access(self) -> bool:
        return self.has_usable_password()

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class Group(models.Model):
    """An IAM user group: a name, a path, an ``AGPA…`` id, and member users."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    unique_id = models.CharField(max_length=32, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    members = models.ManyToManyField(User, through="GroupMembership", related_name="iam_groups")

    class Meta:
        ordering = ["name"]
        # The User groups list: one account's groups by name, read in index order.
        indexes = [models.Index("account", Lower("name"), name="accounts_group_acct_name")]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="accounts_group_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.unique_id:
            self.unique_id = ids.unique_id("AGPA")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("accounts:group_detail", args=[self.name])

    @property
    def arn(self) -> str:
        return self.account.arn(f"group{self.path}{self.name}")


class GroupMembership(models.Model):
    """A user's membership of a group (one row each; a user is in at most 10 groups)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint("group", "user", name="accounts_membership_no_duplicates"),
        ]


def membership_count(side: str) -> Coalesce:
    """How many memberships each row of the outer query has: ``"user"`` counts a user's
    groups, ``"group"`` a group's users. A correlated subquery on the membership indexes,
    so a list computes it for the rows it shows, not for the whole account."""
    rows = GroupMembership.objects.filter(**{side: OuterRef("pk")}).order_by()
    counts = rows.values(side).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counts, output_field=models.IntegerField()), Value(0))


class Throttle(models.Model):
    """A fixed-window counter of accounts.throttle, shared by every worker through the database."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField(db_index=True)  # pruning finds stale rows by it
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class VirtualMFADevice(TOTPDevice):
    """A django-otp TOTP device whose seed (``key``) is sealed at rest (:mod:`accounts.seeds`).

    The console reads and writes MFA devices through this proxy only: django-otp's own
    ``TOTPDevice.bin_key`` would read a sealed seed as hex.
    """

    class Meta:
        proxy = True

    @property
    def bin_key(self) -> bytes:
        return seeds.unseal(self.key)

    def save(self, *args, **kwargs) -> None:
        if not seeds.sealed_with_current_key(self.key):
            self.key = seeds.seal(self.bin_key)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "key"}
        super().save(*args, **kwargs)


class MFADeviceInfo(models.Model):
    """What IAM keeps about a virtual MFA device besides its django-otp row: the path in its
    serial number, its tags and when it was enabled (:mod:`accounts.mfa`).

    CreateVirtualMFADevice makes one with its device, which stays *unassigned* — unconfirmed,
    held by the account's root user — until EnableMFADevice assigns it to a user or
    DeleteVirtualMFADevice deletes it. The console's enrolment makes none: its unconfirmed
    device is one step of a page flow and expires (``accounts.mfa.PENDING_TTL``). A device
    without a row is at path ``/``, untagged, enabled when it was created.
    """

    device = models.OneToOneField(TOTPDevice, on_delete=models.CASCADE, primary_key=True, related_name="iam_info")
    path = models.CharField(max_length=512, default="/")
    tags = models.JSONField(default=list, blank=True)
    enable_date = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.path}{self.device.name}"

    @property
    def arn(self) -> str:
        """The device's serial number (its ARN)."""
        return self.device.user.account.arn(f"mfa{self.path}{self.device.name}")

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return self.tags


# ---------------------------------------------------------------------------
# Roles and instance profiles (iam-facts §1.1, §2, §4.4, §8.3)


class RoleQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "RoleQuerySet":
        """The roles of one account; every role lookup starts here (STYLE P10)."""
        return self.filter(account=account)


class Role(models.Model):
    """An IAM role: an identity with a trust policy (who may assume it) and permissions.

    The name is unique per account case-insensitively (``Cashier`` and ``cashier``
    cannot coexist); the ``AROA…`` id is drawn once and never changes. A session of
    the role is ``arn:aws:sts::<account>:assumed-role/<name>/<session>`` (no path).
    """

    MIN_SESSION_DURATION = 3600
    MAX_SESSION_DURATION = 43200

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=64)
    path = models.CharField(max_length=512, default="/")
    unique_id = models.CharField(max_length=32, unique=True, editable=False)
    description = models.CharField(max_length=1000, blank=True)
    trust_policy = models.TextField(help_text="The AssumeRolePolicyDocument, as entered (JSON).")
    max_session_duration = models.PositiveIntegerField(default=MIN_SESSION_DURATION)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    #: Created by CreateServiceLinkedRole: its service owns it (path ``/aws-service-role/<service>/``);
    #: its trust policy cannot change and only DeleteServiceLinkedRole deletes it.
    service_linked = models.BooleanField(default=False)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="accounts_role_name_ci"),
            models.CheckConstraint(
                condition=Q(max_session_duration__gte=3600, max_session_duration__lte=43200),
                name="accounts_role_max_session_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.unique_id:
            self.unique_id = ids.unique_id("AROA")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("accounts:role_detail", args=[self.name])

    @property
    def arn(self) -> str:
        return self.account.arn(f"role{self.path}{self.name}")

    def session_arn(self, session_name: str) -> str:
        """The ARN of a session of this role; AWS leaves the role's path out of it."""
        return f"arn:aws:sts::{self.account.account_id}:assumed-role/{self.name}/{session_name}"

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class InstanceProfile(models.Model):
    """An EC2 instance profile: a container for (at most) one role, ``AIPA…`` id.

    The console creates one with the same name as a role that trusts
    ``ec2.amazonaws.com`` and deletes it with that role.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="instance_profiles")
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    unique_id = models.CharField(max_length=32, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    # IAM allows one role per instance profile; a role may sit in several profiles.
    role = models.ForeignKey(Role, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="instance_profiles")
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="accounts_instanceprofile_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.unique_id:
            self.unique_id = ids.unique_id("AIPA")
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return self.account.arn(f"instance-profile{self.path}{self.name}")

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


# ---------------------------------------------------------------------------
# Programmatic credentials: access keys and STS session credentials (docs/api.md)


class AccessKey(models.Model):
    """A long-term access key of an IAM user or of the root user (at most two each).

    The secret is kept sealed (:func:`accounts.seeds.seal_text`, AES-SIV under a key derived
    from ``SECRET_KEY``): SigV4 verification needs the secret itself, so a one-way hash
    cannot serve. It is shown once, when the key is created.
    """

    ACTIVE, INACTIVE = "Active", "Inactive"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=128, unique=True)
    sealed_secret = models.CharField(max_length=200)
    status = models.CharField(max_length=8, default=ACTIVE,
                              choices=[(ACTIVE, ACTIVE), (INACTIVE, INACTIVE)])
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)
    last_used_service = models.CharField(max_length=64, blank=True)
    last_used_region = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["created", "pk"]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE


class SessionCredential(models.Model):
    """Temporary security credentials issued by STS (``ASIA…`` id, secret, session token).

    ``kind`` says which call issued them: ``session`` (GetSessionToken: the user's own
    permissions), ``role`` (AssumeRole: the role's), ``federation`` (GetFederationToken).
    The secret is sealed as an access key's is; the session token is kept only as its
    SHA-256, which is all that verification needs.
    """

    SESSION, ROLE, FEDERATION = "session", "role", "federation"

    access_key_id = models.CharField(max_length=32, unique=True)
    sealed_secret = models.CharField(max_length=200)
    token_digest = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="session_credentials")
    #: The long-term principal the chain of sessions started from (root or IAM user), if any.
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="session_credentials")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="session_credentials")
    session_name = models.CharField(max_length=64, blank=True)
    source_identity = models.CharField(max_length=64, blank=True)
    #: Session policies: a JSON list of policy documents (inline ``Policy`` and the
    #: documents of ``PolicyArns``), fixed when the credentials were issued.
    session_policies = models.JSONField(default=list, blank=True)
    #: Session tags, ``[{"Key": …, "Value": …}]``, and the transitive keys among them.
    tags = models.JSONField(default=list, blank=True)
    transitive_tag_keys = models.JSONField(default=list, blank=True)
    mfa_authenticated_at = models.DateTimeField(null=True, blank=True)
    issued = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires"], name="accounts_sessioncred_expires")]

    def __str__(self) -> str:
        return self.access_key_id


# ---------------------------------------------------------------------------
# The account password policy (iam-facts §1.1, §8.9; docs/password-policy.md)


class PasswordPolicy(models.Model):
    """An account's custom password policy (UpdateAccountPasswordPolicy), one at most.

    An account without one has IAM's default policy (:mod:`accounts.password_policy`).
    It governs the passwords of IAM users only, never the root user's. ``max_password_age``
    and ``password_reuse_prevention`` are ``None`` when off (AWS's 0 / absent).
    """

    MIN_LENGTH_RANGE = (6, 128)
    MAX_AGE_RANGE = (1, 1095)
    REUSE_RANGE = (1, 24)

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="password_policy")
    minimum_password_length = models.PositiveSmallIntegerField(default=6)
    require_symbols = models.BooleanField(default=False)
    require_numbers = models.BooleanField(default=False)
    require_uppercase_characters = models.BooleanField(default=False)
    require_lowercase_characters = models.BooleanField(default=False)
    allow_users_to_change_password = models.BooleanField(default=False)
    max_password_age = models.PositiveSmallIntegerField(null=True, blank=True)
    password_reuse_prevention = models.PositiveSmallIntegerField(null=True, blank=True)
    hard_expiry = models.BooleanField(default=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "password policies"
        constraints = [
            models.CheckConstraint(condition=Q(minimum_password_length__gte=6, minimum_password_length__lte=128),
                                   name="accounts_passwordpolicy_min_length_range"),
            models.CheckConstraint(condition=Q(max_password_age__isnull=True)
                                   | Q(max_password_age__gte=1, max_password_age__lte=1095),
                                   name="accounts_passwordpolicy_max_age_range"),
            models.CheckConstraint(condition=Q(password_reuse_prevention__isnull=True)
                                   | Q(password_reuse_prevention__gte=1, password_reuse_prevention__lte=24),
                                   name="accounts_passwordpolicy_reuse_range"),
        ]

    def __str__(self) -> str:
        return f"Password policy of {self.account}"

    @property
    def expire_passwords(self) -> bool:
        """AWS's derived ``ExpirePasswords``: true when ``MaxPasswordAge`` is set."""
        return bool(self.max_password_age)


class PreviousPassword(models.Model):
    """The hash of a password an IAM user had before the current one, for
    ``PasswordReusePrevention``. At most 23 are kept per user: with the current password
    they are the 24 the largest policy remembers."""

    KEPT = 23

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="previous_passwords")
    password = models.CharField(max_length=128)
    replaced = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced", "-pk"]
        indexes = [models.Index(fields=["user", "-replaced"], name="accounts_prevpassword_user")]

    def __str__(self) -> str:
        return f"Previous password of {self.user}"


class CredentialReport(models.Model):
    """The account's latest credential report (GenerateCredentialReport), kept until the next
    one replaces it (:mod:`accounts.credential_report`): the CSV and when it was generated."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="credential_report")
    content = models.TextField()
    generated = models.DateTimeField()

    def __str__(self) -> str:
        return f"Credential report of {self.account}"


# Identity providers, server and signing certificates, SSH public keys: a module of their own,
# loaded with these models (it imports Account and User from here).
from .provider_models import (  # noqa: E402, F401
    OpenIDConnectProvider,
    SAMLProvider,
    ServerCertificate,
    ServiceSpecificCredential,
    SigningCertificate,
    SSHPublicKey,
)
