"""Server certificates, signing certificates and SSH public keys over the Query API, over
:mod:`accounts.certificates`:

- server certificates: UploadServerCertificate, GetServerCertificate, ListServerCertificates,
  UpdateServerCertificate, DeleteServerCertificate, TagServerCertificate,
  UntagServerCertificate, ListServerCertificateTags — authorised on the certificate's ARN
  (``server-certificate/<path><name>``) with its tags; renaming or moving one needs the
  action on the new ARN too, as AWS requires. No response carries the private key;
- signing certificates: UploadSigningCertificate, ListSigningCertificates,
  UpdateSigningCertificate, DeleteSigningCertificate — without ``UserName`` on the caller's
  own, the root user's included;
- SSH public keys: UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys,
  UpdateSSHPublicKey, DeleteSSHPublicKey.

Signing certificates and SSH keys are authorised on their user's ARN with its tags and
boundary, as access keys are, so AWS's "manage your own credentials" policies work.
"""

from __future__ import annotations

from typing import Any

from accounts import certificates, dependents, quotas, tags, validators
from accounts.models import ServerCertificate, SigningCertificate, SSHPublicKey, User
from iamportal.errors import NoSuchEntity

from .. import shapes
from ..protocol import member_name, page
from ..registry import Call, action
from .roles import path_prefix_param, tag_keys_param, tags_param
from .users import caller_or_named, named_user, on_user

# ---------------------------------------------------------------------------
# Shapes


def server_certificate_metadata(certificate: ServerCertificate) -> dict[str, Any]:
    return {"Path": certificate.path, "ServerCertificateName": certificate.name,
            "ServerCertificateId": certificate.server_certificate_id, "Arn": certificate.arn,
            "UploadDate": certificate.upload_date, "Expiration": certificate.expiration}


def signing_certificate_shape(user: User, certificate: SigningCertificate) -> dict[str, Any]:
    return {"UserName": user.user_name, "CertificateId": certificate.certificate_id,
            "CertificateBody": certificate.body, "Status": certificate.status, "UploadDate": certificate.upload_date}


def ssh_key_shape(user: User, key: SSHPublicKey, body: str | None = None) -> dict[str, Any]:
    """``SSHPublicKey`` with ``body``; without one, ``SSHPublicKeyMetadata`` (ListSSHPublicKeys)."""
    if body is None:
        return {"UserName": user.user_name, "SSHPublicKeyId": key.ssh_public_key_id, "Status": key.status,
                "UploadDate": key.upload_date}
    return {"UserName": user.user_name, "SSHPublicKeyId": key.ssh_public_key_id, "Fingerprint": key.fingerprint,
            "SSHPublicKeyBody": body, "Status": key.status, "UploadDate": key.upload_date}


# ---------------------------------------------------------------------------
# Parameters


def _name(call: Call, member: str) -> str:
    call.params.require(member)
    name = call.params.get(member)
    validators.validate_name(name, member_name(member), certificates.NAME_MAX)
    return name


def server_certificate(call: Call, action_name: str, context: dict[str, Any] | None = None) -> ServerCertificate:
    """The certificate ``ServerCertificateName`` names, once ``action_name`` is allowed on it
    (with its tags and ``context``); IAM's ``NoSuchEntity`` after. For a name no certificate
    has, the action is authorised on ``server-certificate/<name>``, so a denied caller learns
    nothing of whether it exists."""
    name = _name(call, "ServerCertificateName")
    certificate = certificates.find_server_certificate(call.account, name)
    arn = certificate.arn if certificate else call.account.arn(f"server-certificate/{name}")
    call.authorize(action_name, arn, {**(dependents.on(certificate) if certificate else {}), **(context or {})})
    if certificate is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return certificate


def _status(call: Call) -> str:
    call.params.require("Status")
    return call.params.get("Status")


# ---------------------------------------------------------------------------
# Server certificates


@action("iam", "UploadServerCertificate")
def upload_server_certificate(call: Call) -> dict:
    params = call.params
    params.require("ServerCertificateName", "CertificateBody", "PrivateKey")
    name, path = params.get("ServerCertificateName"), params.get("Path", "/")
    validators.validate_name_and_path(name, "serverCertificateName", certificates.NAME_MAX, path)
    requested_tags = params.tags()
    validators.validate_tags(requested_tags)
    arn = call.account.arn(f"server-certificate{path}{name}")
    requested = tags.tag_context(requested_tags)
    call.authorize_all([("iam:UploadServerCertificate", arn, requested)]
                       + ([("iam:TagServerCertificate", arn, requested)] if requested_tags else []))
    certificate = certificates.upload_server_certificate(
        call.account, name=name, path=path, certificate_body=params.get("CertificateBody"),
        private_key=params.get("PrivateKey"), certificate_chain=params.get("CertificateChain"), tags=requested_tags)
    return {"ServerCertificateMetadata": server_certificate_metadata(certificate),
            "Tags": shapes.tags(certificate) or None}


@action("iam", "GetServerCertificate")
def get_server_certificate(call: Call) -> dict:
    certificate = server_certificate(call, "iam:GetServerCertificate")
    return {"ServerCertificate": {"ServerCertificateMetadata": server_certificate_metadata(certificate),
                                  "CertificateBody": certificate.body, "CertificateChain": certificate.chain or None,
                                  "Tags": shapes.tags(certificate) or None}}


@action("iam", "ListServerCertificates")
def list_server_certificates(call: Call) -> dict:
    prefix = path_prefix_param(call)
    call.authorize("iam:ListServerCertificates", "*")
    rows, paging = page(call.params, certificates.list_server_certificates(call.account, path_prefix=prefix))
    return {"ServerCertificateMetadataList": [server_certificate_metadata(row) for row in rows], **paging}


@action("iam", "UpdateServerCertificate")
def update_server_certificate(call: Call) -> None:
    params = call.params
    new_name, new_path = params.get("NewServerCertificateName"), params.get("NewPath")
    if new_name is not None:
        validators.validate_name(new_name, "newServerCertificateName", certificates.NAME_MAX)
    if new_path is not None:
        validators.validate_path(new_path, "newPath")
    certificate = server_certificate(call, "iam:UpdateServerCertificate")
    new_arn = call.account.arn(f"server-certificate{new_path or certificate.path}{new_name or certificate.name}")
    call.authorize("iam:UpdateServerCertificate", new_arn, dependents.on(certificate))
    certificates.update_server_certificate(certificate, new_name=new_name, new_path=new_path)


@action("iam", "DeleteServerCertificate")
def delete_server_certificate(call: Call) -> None:
    certificates.delete_server_certificate(server_certificate(call, "iam:DeleteServerCertificate"))


@action("iam", "TagServerCertificate")
def tag_server_certificate(call: Call) -> None:
    requested = tags_param(call)
    certificate = server_certificate(call, "iam:TagServerCertificate", tags.tag_context(requested))
    certificates.tag_server_certificate(certificate, requested)


@action("iam", "UntagServerCertificate")
def untag_server_certificate(call: Call) -> None:
    keys = tag_keys_param(call)
    certificate = server_certificate(call, "iam:UntagServerCertificate", tags.untag_context(keys))
    certificates.untag_server_certificate(certificate, keys)


@action("iam", "ListServerCertificateTags")
def list_server_certificate_tags(call: Call) -> dict:
    certificate = server_certificate(call, "iam:ListServerCertificateTags")
    rows, paging = page(call.params, shapes.tags(certificate))
    return {"Tags": rows, **paging}


# ---------------------------------------------------------------------------
# Signing certificates


def certificate_owner(call: Call, action_name: str) -> User:
    """The user ``UserName`` names (or the caller, root included), once ``action_name`` is
    allowed on that user."""
    user = caller_or_named(call)
    call.authorize(action_name, user.arn, on_user(user))
    return user


def signing_certificate(call: Call, action_name: str) -> tuple[User, SigningCertificate]:
    call.params.require("CertificateId")
    certificate_id = call.params.get("CertificateId")
    certificates.check_id(certificate_id, "certificateId", certificates.CERTIFICATE_ID_MIN)
    user = certificate_owner(call, action_name)
    return user, certificates.get_signing_certificate(user, certificate_id)


@action("iam", "UploadSigningCertificate")
def upload_signing_certificate(call: Call) -> dict:
    call.params.require("CertificateBody")
    body = call.params.get("CertificateBody")
    user = certificate_owner(call, "iam:UploadSigningCertificate")
    certificate = certificates.upload_signing_certificate(user, certificate_body=body)
    return {"Certificate": signing_certificate_shape(user, certificate)}


@action("iam", "ListSigningCertificates")
def list_signing_certificates(call: Call) -> dict:
    user = certificate_owner(call, "iam:ListSigningCertificates")
    rows, paging = page(call.params, certificates.list_signing_certificates(user))
    return {"Certificates": [signing_certificate_shape(user, row) for row in rows], **paging}


@action("iam", "UpdateSigningCertificate")
def update_signing_certificate(call: Call) -> None:
    status = _status(call)
    certificates.check_status(status)
    _, certificate = signing_certificate(call, "iam:UpdateSigningCertificate")
    certificates.update_signing_certificate(certificate, status=status)


@action("iam", "DeleteSigningCertificate")
def delete_signing_certificate(call: Call) -> None:
    _, certificate = signing_certificate(call, "iam:DeleteSigningCertificate")
    certificates.delete_signing_certificate(certificate)


# ---------------------------------------------------------------------------
# SSH public keys


def key_owner(call: Call, action_name: str) -> User:
    """The IAM user ``UserName`` names (required), once ``action_name`` is allowed on it."""
    user = named_user(call, "UserName", quotas.USER_NAME_MAX)
    call.authorize(action_name, user.arn, on_user(user))
    return user


def ssh_key(call: Call, action_name: str) -> tuple[User, SSHPublicKey]:
    call.params.require("UserName", "SSHPublicKeyId")
    key_id = call.params.get("SSHPublicKeyId")
    certificates.check_id(key_id, "sSHPublicKeyId", certificates.SSH_KEY_ID_MIN)
    user = key_owner(call, action_name)
    return user, certificates.get_ssh_public_key(user, key_id)


@action("iam", "UploadSSHPublicKey")
def upload_ssh_public_key(call: Call) -> dict:
    call.params.require("UserName", "SSHPublicKeyBody")
    body = call.params.get("SSHPublicKeyBody")
    user = key_owner(call, "iam:UploadSSHPublicKey")
    key = certificates.upload_ssh_public_key(user, body=body)
    return {"SSHPublicKey": ssh_key_shape(user, key, key.body)}


@action("iam", "GetSSHPublicKey")
def get_ssh_public_key(call: Call) -> dict:
    call.params.require("UserName", "SSHPublicKeyId", "Encoding")
    encoding = call.params.get("Encoding")
    certificates.check_encoding(encoding)
    user, key = ssh_key(call, "iam:GetSSHPublicKey")
    return {"SSHPublicKey": ssh_key_shape(user, key, certificates.ssh_public_key_body(key, encoding))}


@action("iam", "ListSSHPublicKeys")
def list_ssh_public_keys(call: Call) -> dict:
    user = caller_or_named(call, maximum=quotas.USER_NAME_MAX, root=False)
    call.authorize("iam:ListSSHPublicKeys", user.arn, on_user(user))
    rows, paging = page(call.params, certificates.list_ssh_public_keys(user))
    return {"SSHPublicKeys": [ssh_key_shape(user, row) for row in rows], **paging}


@action("iam", "UpdateSSHPublicKey")
def update_ssh_public_key(call: Call) -> None:
    status = _status(call)
    certificates.check_status(status)
    _, key = ssh_key(call, "iam:UpdateSSHPublicKey")
    certificates.update_ssh_public_key(key, status=status)


@action("iam", "DeleteSSHPublicKey")
def delete_ssh_public_key(call: Call) -> None:
    _, key = ssh_key(call, "iam:DeleteSSHPublicKey")
    certificates.delete_ssh_public_key(key)
