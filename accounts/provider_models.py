"""Identity providers (OpenID Connect and SAML), server and signing certificates, and SSH
public keys: what IAM stores for them (the portal keeps them; federation sign-in itself is
out of scope). Loaded with :mod:`accounts.models`, whose names they re-export.

Operations: :mod:`accounts.federation` (providers) and :mod:`accounts.certificates`
(certificates and SSH keys). A server certificate's private key is kept sealed
(:func:`accounts.seeds.seal_text`, bound to the certificate's id) and no operation returns it.
"""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from . import ids
from .models import Account, User

ACTIVE, INACTIVE = "Active", "Inactive"
STATUS_CHOICES = [(ACTIVE, ACTIVE), (INACTIVE, INACTIVE)]


class OpenIDConnectProvider(models.Model):
    """An OIDC identity provider: its URL (kept, and returned, without ``https://``; unique per
    account), the audiences (client ids) and certificate thumbprints it is trusted with."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="oidc_providers")
    url = models.CharField(max_length=255)
    client_ids = models.JSONField(default=list, blank=True)
    thumbprints = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["url"]
        constraints = [models.UniqueConstraint("account", "url", name="accounts_oidcprovider_url")]

    def __str__(self) -> str:
        return self.url

    @property
    def arn(self) -> str:
        return self.account.arn(f"oidc-provider/{self.url}")

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class SAMLProvider(models.Model):
    """A SAML 2.0 identity provider: a name (unique per account whatever the case) and the
    IdP's metadata document, as uploaded."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="saml_providers")
    name = models.CharField(max_length=128)
    metadata_document = models.TextField()
    valid_until = models.DateTimeField()
    tags = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "account", name="accounts_samlprovider_name_ci")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return self.account.arn(f"saml-provider/{self.name}")

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class ServerCertificate(models.Model):
    """An X.509 server certificate with its chain and private key (``ASCA…`` id).

    The private key is sealed (AES-SIV under a key derived from ``SECRET_KEY``, bound to the
    certificate id) and never leaves the portal: IAM's API has no call that returns it.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="server_certificates")
    name = models.CharField(max_length=128)
    path = models.CharField(max_length=512, default="/")
    server_certificate_id = models.CharField(max_length=32, unique=True, editable=False)
    body = models.TextField()
    chain = models.TextField(blank=True)
    sealed_private_key = models.TextField()
    expiration = models.DateTimeField()
    upload_date = models.DateTimeField(default=timezone.now)
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "account", name="accounts_servercertificate_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.server_certificate_id:
            self.server_certificate_id = ids.unique_id("ASCA")
        super().save(*args, **kwargs)

    @property
    def arn(self) -> str:
        return self.account.arn(f"server-certificate{self.path}{self.name}")

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return list(self.tags or [])


class SigningCertificate(models.Model):
    """An X.509 signing certificate of an IAM user or of the root user (at most two each).

    ``fingerprint`` (SHA-256 of the DER) finds the same certificate uploaded for another user
    of the account, which IAM refuses (``DuplicateCertificate``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signing_certificates")
    certificate_id = models.CharField(max_length=128, unique=True, editable=False)
    body = models.TextField()
    fingerprint = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=8, default=ACTIVE, choices=STATUS_CHOICES)
    upload_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["upload_date", "pk"]

    def __str__(self) -> str:
        return self.certificate_id

    def save(self, *args, **kwargs) -> None:
        if not self.certificate_id:  # AWS's are 24-128 characters of [A-Z0-9]
            self.certificate_id = ids.unique_id("", 32)
        super().save(*args, **kwargs)


class SSHPublicKey(models.Model):
    """An SSH public key of an IAM user (``APKA…`` id; at most five each), for CodeCommit.

    ``fingerprint`` is AWS's: the MD5 of the key, colon-separated hex; a user cannot hold
    the same key twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="ssh_public_keys")
    ssh_public_key_id = models.CharField(max_length=128, unique=True, editable=False)
    body = models.TextField()
    fingerprint = models.CharField(max_length=47)
    status = models.CharField(max_length=8, default=ACTIVE, choices=STATUS_CHOICES)
    upload_date = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["upload_date", "pk"]
        constraints = [
            models.UniqueConstraint("user", "fingerprint", name="accounts_sshpublickey_no_duplicates"),
        ]

    def __str__(self) -> str:
        return self.ssh_public_key_id

    def save(self, *args, **kwargs) -> None:
        if not self.ssh_public_key_id:
            self.ssh_public_key_id = ids.unique_id("APKA")
        super().save(*args, **kwargs)


class ServiceSpecificCredential(models.Model):
    """A service-specific credential of an IAM user (``ACCA…`` id; at most two per user and
    service): a Git user name and password for CodeCommit, a Cassandra one for Keyspaces, or
    a Bedrock API key (an alias and a secret, which may expire).

    Nothing in the portal signs in with these, so only a SHA-256 hash of the password (or of
    the API key's secret) is kept: the secret itself is returned once, by Create and Reset."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="service_specific_credentials")
    credential_id = models.CharField(max_length=128, unique=True, editable=False)
    service_name = models.CharField(max_length=64)
    #: ``<user>-at-<account>`` (CodeCommit, Keyspaces), or a Bedrock API key's alias.
    service_user_name = models.CharField(max_length=200)
    secret_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=8, default=ACTIVE, choices=STATUS_CHOICES)
    created = models.DateTimeField(default=timezone.now)
    expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["user", "service_name"], name="accounts_ssc_user_service")]

    def __str__(self) -> str:
        return self.credential_id

    def save(self, *args, **kwargs) -> None:
        if not self.credential_id:
            self.credential_id = ids.unique_id("ACCA")
        super().save(*args, **kwargs)
