"""Server certificates, signing certificates and SSH public keys, stored and checked as IAM
does. One function per IAM action, named after it; the console and the Query API both call
them, after authorising the action.

- **Server certificates** (per account, at most 20): a PEM certificate, its PEM private key
  (which must be the key of the certificate's public key) and an optional chain that must
  start with the certificate's issuer, each issuing the one before. The private key is kept
  sealed (:func:`accounts.seeds.seal_text`, bound to the certificate's ``ASCA…`` id) and is
  never returned: IAM's API has no call that returns it.
- **Signing certificates** (per user, root included, at most 2): a PEM X.509 certificate with
  an RSA key; the same certificate may not be uploaded twice in an account.
- **SSH public keys** (per IAM user, at most 5): ``ssh-rsa`` in OpenSSH format or a PEM
  public key, RSA of at least 2048 bits; the fingerprint is AWS's (MD5 of the key, colon hex).

Certificates and keys are read with the ``cryptography`` package; every parse failure is
IAM's 4xx error, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from iamportal.errors import (
    DuplicateCertificate,
    DuplicateSSHPublicKey,
    EntityAlreadyExists,
    InvalidCertificate,
    InvalidPublicKey,
    KeyPairMismatch,
    LimitExceeded,
    MalformedCertificate,
    NoSuchEntity,
    UnrecognizedPublicKeyEncoding,
    ValidationError,
)

from . import ids, quotas, seeds, validators
from . import tags as tagging
from .models import Account, ServerCertificate, SigningCertificate, SSHPublicKey, User
from .provider_models import ACTIVE, INACTIVE
from .services import get_named, lock_account_quota, save_new

NAME_MAX = 128
BODY_MAX = 16384
CHAIN_MAX = 2_097_152
#: IAM's pattern for certificate bodies, chains, private keys and SSH keys.
TEXT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
_TEXT_RE = re.compile(r"[\t\n\r\u0020-\u00FF]+")
_ID_RE = re.compile(r"\w+", re.ASCII)
CERTIFICATE_ID_MIN, SSH_KEY_ID_MIN, ID_MAX = 24, 20, 128
STATUSES = (ACTIVE, INACTIVE)
MIN_RSA_BITS = 2048

UNPARSABLE_CERTIFICATE = "Unable to parse certificate. Please ensure the certificate is in PEM format."
UNPARSABLE_KEY = "Unable to parse private key. Please ensure the private key is in PEM format."
MISMATCH = "The private key does not match the public key in the certificate."
BAD_CHAIN = ("Unable to validate certificate chain. The certificate chain must start with the immediate "
             "signing certificate, followed by any intermediaries in order. The index within the chain of "
             "the invalid certificate is: {index}")
DUPLICATE_SSH_KEY = "The SSH public key is already associated with the specified IAM user."
_SEAL_PURPOSE = "server-certificate:"


def _check_text(value: str, member: str, maximum: int) -> None:
    """A certificate, key or chain parameter by IAM's model, never repeated in the message."""
    validators.check_text(value, member, 1, maximum, _TEXT_RE, TEXT_PATTERN, echo=False)


def check_status(status: str) -> None:
    """IAM's ``ValidationError`` unless ``status`` is Active or Inactive."""
    if status not in STATUSES:
        raise ValidationError(
            f"1 validation error detected: Value '{status}' at 'status' failed to satisfy constraint: "
            "Member must satisfy enum value set: [Active, Inactive, Expired]")


def check_id(value: str, member: str, minimum: int) -> None:
    """A certificate or SSH key id by IAM's model: ``minimum``-128 characters of ``[\\w]+``."""
    validators.check_text(value, member, minimum, ID_MAX, _ID_RE, r"[\w]+")


# ---------------------------------------------------------------------------
# Reading PEM


def load_certificate(body: str) -> x509.Certificate:
    """The X.509 certificate of a PEM ``body``, within its validity period, or IAM's
    ``MalformedCertificate``."""
    try:
        certificate = x509.load_pem_x509_certificate(body.strip().encode("latin-1"))
        not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    except ValueError:
        raise MalformedCertificate(UNPARSABLE_CERTIFICATE) from None
    now = timezone.now()
    if not_after < now:
        raise MalformedCertificate("Certificate is no longer valid. The 'Not After' date restriction on the "
                                   "certificate has passed.")
    if not_before > now:
        raise MalformedCertificate("Certificate is not yet valid. The 'Not Before' date restriction on the "
                                   "certificate has not been met.")
    return certificate


def _public_der(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_private_key(certificate: x509.Certificate, private_key: str) -> None:
    """``MalformedCertificate`` unless ``private_key`` is an unencrypted PEM private key,
    ``KeyPairMismatch`` unless it is the key of the certificate's public key."""
    try:
        key = serialization.load_pem_private_key(private_key.strip().encode("latin-1"), password=None)
        matches = _public_der(key.public_key()) == _public_der(certificate.public_key())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise MalformedCertificate(UNPARSABLE_KEY) from None
    if not matches:
        raise KeyPairMismatch(MISMATCH)


def check_chain(certificate: x509.Certificate, chain: str) -> None:
    """``MalformedCertificate`` unless ``chain`` is PEM certificates, the first the issuer of
    ``certificate`` and each the issuer of the one before."""
    try:
        issuers = x509.load_pem_x509_certificates(chain.strip().encode("latin-1"))
    except ValueError:
        raise MalformedCertificate(UNPARSABLE_CERTIFICATE) from None
    for index, (issued, issuer) in enumerate(zip([certificate, *issuers], issuers), start=-1):
        try:
            issued.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise MalformedCertificate(BAD_CHAIN.format(index=index)) from None


# ---------------------------------------------------------------------------
# Server certificates


def _server_certificate_taken(name: str) -> str:
    return f"The Server Certificate with name {name} already exists."


@transaction.atomic
def upload_server_certificate(account: Account, *, name: str, certificate_body: str, private_key: str,
                              certificate_chain: str | None = None, path: str = "/",
                              tags: Iterable[tuple[str, str]] = ()) -> ServerCertificate:
    """UploadServerCertificate (with its tags): the certificate, its key and chain checked;
    the key kept sealed."""
    validators.validate_name_and_path(name, "serverCertificateName", NAME_MAX, path)
    _check_text(certificate_body, "certificateBody", BODY_MAX)
    _check_text(private_key, "privateKey", BODY_MAX)
    if certificate_chain is not None:
        _check_text(certificate_chain, "certificateChain", CHAIN_MAX)
    requested_tags = validators.validate_tags(tags)
    certificate = load_certificate(certificate_body)
    check_private_key(certificate, private_key)
    if certificate_chain:
        check_chain(certificate, certificate_chain)
    others = ServerCertificate.objects.filter(account=account)
    if others.filter(name__iexact=name).exists():
        raise EntityAlreadyExists(_server_certificate_taken(name))
    lock_account_quota(account, others, "ServerCertificatesPerAccount", quotas.SERVER_CERTIFICATES_PER_ACCOUNT)
    certificate_id = ids.unique_id("ASCA")
    uploaded = ServerCertificate(
        account=account, name=name, path=path, server_certificate_id=certificate_id, body=certificate_body,
        chain=certificate_chain or "", expiration=certificate.not_valid_after_utc, tags=requested_tags,
        sealed_private_key=seeds.seal_text(private_key, _SEAL_PURPOSE + certificate_id))
    save_new(uploaded, _server_certificate_taken(name))
    return uploaded


def find_server_certificate(account: Account, name: str) -> ServerCertificate | None:
    """The certificate called ``name`` (whatever the case) in ``account``, or None."""
    try:
        return get_named(ServerCertificate.objects.filter(account=account).select_related("account"), name,
                         kind="server certificate", maximum=NAME_MAX)
    except NoSuchEntity:
        return None


def get_server_certificate(account: Account, name: str) -> ServerCertificate:
    """GetServerCertificate: by name (whatever the case), or ``NoSuchEntity`` in IAM's words.
    What it returns never includes the private key."""
    found = find_server_certificate(account, name)
    if found is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return found


def list_server_certificates(account: Account, *, path_prefix: str = "/") -> QuerySet[ServerCertificate]:
    """ListServerCertificates: those whose path begins ``path_prefix``, by name."""
    return (ServerCertificate.objects.filter(account=account, path__startswith=path_prefix)
            .select_related("account").order_by("name", "pk"))


@transaction.atomic
def update_server_certificate(certificate: ServerCertificate, *, new_name: str | None = None,
                              new_path: str | None = None) -> None:
    """UpdateServerCertificate: a new name and/or path (a name another certificate of the
    account has, whatever the case, is ``EntityAlreadyExists``)."""
    name = certificate.name if new_name is None else new_name
    path = certificate.path if new_path is None else new_path
    validators.validate_name(name, "newServerCertificateName", NAME_MAX)
    validators.validate_path(path, "newPath")
    others = ServerCertificate.objects.filter(account=certificate.account_id).exclude(pk=certificate.pk)
    if others.filter(name__iexact=name).exists():
        raise EntityAlreadyExists(_server_certificate_taken(name))
    certificate.name, certificate.path = name, path
    save_new(certificate, _server_certificate_taken(name))


def delete_server_certificate(certificate: ServerCertificate) -> None:
    """DeleteServerCertificate (its sealed private key goes with it)."""
    certificate.delete()


def tag_server_certificate(certificate: ServerCertificate, requested: Iterable[tuple[str, str]]) -> None:
    """TagServerCertificate."""
    tagging.tag(certificate, requested)


def untag_server_certificate(certificate: ServerCertificate, keys: Iterable[str]) -> None:
    """UntagServerCertificate."""
    tagging.untag(certificate, keys)


def list_server_certificate_tags(certificate: ServerCertificate) -> list[dict[str, str]]:
    """ListServerCertificateTags."""
    return certificate.tag_list


# ---------------------------------------------------------------------------
# Signing certificates


def _der_fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


@transaction.atomic
def upload_signing_certificate(user: User, *, certificate_body: str) -> SigningCertificate:
    """UploadSigningCertificate: an active certificate for ``user`` (root included); at most
    two each; the same certificate at most once in the account."""
    _check_text(certificate_body, "certificateBody", BODY_MAX)
    certificate = load_certificate(certificate_body)
    if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
        raise InvalidCertificate("The certificate is invalid: a signing certificate must hold an RSA public key.")
    fingerprint = _der_fingerprint(certificate)
    # The account's row, not the user's: the same certificate is refused across its users.
    Account.objects.select_for_update().filter(pk=user.account_id).first()
    if SigningCertificate.objects.filter(user__account=user.account_id, fingerprint=fingerprint).exists():
        raise DuplicateCertificate("The same certificate is already associated with an IAM user in the account.")
    if user.signing_certificates.count() >= quotas.SIGNING_CERTIFICATES_PER_USER:
        raise LimitExceeded("Cannot exceed quota for SigningCertificatesPerUser: "
                            f"{quotas.SIGNING_CERTIFICATES_PER_USER}")
    return SigningCertificate.objects.create(user=user, body=certificate_body, fingerprint=fingerprint)


def list_signing_certificates(user: User) -> QuerySet[SigningCertificate]:
    """ListSigningCertificates: the user's, oldest first (at most two)."""
    return user.signing_certificates.order_by("upload_date", "pk")


def get_signing_certificate(user: User, certificate_id: str) -> SigningCertificate:
    """The user's certificate ``certificate_id``; ``NoSuchEntity`` for any other."""
    check_id(certificate_id, "certificateId", CERTIFICATE_ID_MIN)
    found = user.signing_certificates.filter(certificate_id=certificate_id).first()
    if found is None:
        raise NoSuchEntity(f"The Certificate with id {certificate_id} cannot be found.")
    return found


def update_signing_certificate(certificate: SigningCertificate, *, status: str) -> None:
    """UpdateSigningCertificate: make it Active or Inactive."""
    check_status(status)
    if certificate.status != status:
        certificate.status = status
        certificate.save(update_fields=["status"])


def delete_signing_certificate(certificate: SigningCertificate) -> None:
    """DeleteSigningCertificate."""
    certificate.delete()


# ---------------------------------------------------------------------------
# SSH public keys


def load_ssh_public_key(body: str) -> rsa.RSAPublicKey:
    """The RSA key of ``body`` (``ssh-rsa …`` or PEM), of at least 2048 bits, or IAM's error:
    ``UnrecognizedPublicKeyEncoding`` for another encoding, ``InvalidPublicKey`` for a
    malformed, non-RSA or short key."""
    text = body.strip()
    try:
        if text.startswith("ssh-rsa "):
            key = serialization.load_ssh_public_key(text.encode("latin-1"))
        elif text.startswith("-----BEGIN "):
            key = serialization.load_pem_public_key(text.encode("latin-1"))
        else:
            raise UnrecognizedPublicKeyEncoding("The public key encoding format is unsupported or unrecognized.")
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidPublicKey("The public key is malformed or otherwise invalid.") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidPublicKey("The public key is malformed or otherwise invalid: it must be an RSA key.")
    if key.key_size < MIN_RSA_BITS:
        raise InvalidPublicKey(f"The public key is too short: it must be at least {MIN_RSA_BITS} bits long.")
    return key


def _openssh(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def fingerprint(key: rsa.RSAPublicKey) -> str:
    """AWS's fingerprint of an SSH key: the MD5 of its OpenSSH key blob, as colon-separated hex."""
    blob = base64.b64decode(_openssh(key).split()[1])
    return ":".join(f"{byte:02x}" for byte in hashlib.md5(blob, usedforsecurity=False).digest())


@transaction.atomic
def upload_ssh_public_key(user: User, *, body: str) -> SSHPublicKey:
    """UploadSSHPublicKey: an active key for ``user``; at most five each, each key once."""
    _check_text(body, "sSHPublicKeyBody", BODY_MAX)
    key_fingerprint = fingerprint(load_ssh_public_key(body))
    User.objects.select_for_update().filter(pk=user.pk).first()
    if user.ssh_public_keys.filter(fingerprint=key_fingerprint).exists():
        raise DuplicateSSHPublicKey(DUPLICATE_SSH_KEY)
    if user.ssh_public_keys.count() >= quotas.SSH_PUBLIC_KEYS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for SSHPublicKeysPerUser: {quotas.SSH_PUBLIC_KEYS_PER_USER}")
    try:
        with transaction.atomic():
            return SSHPublicKey.objects.create(user=user, body=body, fingerprint=key_fingerprint)
    except IntegrityError:  # the same key, uploaded meanwhile (the database's constraint)
        raise DuplicateSSHPublicKey(DUPLICATE_SSH_KEY) from None


def list_ssh_public_keys(user: User) -> QuerySet[SSHPublicKey]:
    """ListSSHPublicKeys: the user's, oldest first (at most five)."""
    return user.ssh_public_keys.order_by("upload_date", "pk")


def get_ssh_public_key(user: User, key_id: str) -> SSHPublicKey:
    """GetSSHPublicKey's key: the user's key ``key_id``, or ``NoSuchEntity``."""
    check_id(key_id, "sSHPublicKeyId", SSH_KEY_ID_MIN)
    found = user.ssh_public_keys.filter(ssh_public_key_id=key_id).first()
    if found is None:
        raise NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")
    return found


def check_encoding(encoding: str) -> None:
    """IAM's ``ValidationError`` unless ``encoding`` is ``SSH`` or ``PEM``."""
    if encoding not in ("SSH", "PEM"):
        raise ValidationError(f"1 validation error detected: Value '{encoding}' at 'encoding' failed to satisfy "
                              "constraint: Member must satisfy enum value set: [SSH, PEM]")


def ssh_public_key_body(key: SSHPublicKey, encoding: str) -> str:
    """The key in GetSSHPublicKey's ``Encoding``: ``SSH`` (``ssh-rsa …``) or ``PEM``."""
    check_encoding(encoding)
    public_key = load_ssh_public_key(key.body)
    if encoding == "SSH":
        return _openssh(public_key)
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def update_ssh_public_key(key: SSHPublicKey, *, status: str) -> None:
    """UpdateSSHPublicKey: make it Active or Inactive."""
    check_status(status)
    if key.status != status:
        key.status = status
        key.save(update_fields=["status"])


def delete_ssh_public_key(key: SSHPublicKey) -> None:
    """DeleteSSHPublicKey."""
    key.delete()

