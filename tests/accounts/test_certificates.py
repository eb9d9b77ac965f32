"""Server certificates, signing certificates and SSH public keys (accounts.certificates):
uploaded, checked, listed, changed and deleted as IAM's API does, with AWS's codes, messages
and statuses for every refusal, the quotas, duplicates, another account's objects not found,
and a server certificate's private key sealed and never returned."""

from __future__ import annotations

import hashlib

import pytest

from accounts import certificates, quotas, seeds
from accounts.models import ServerCertificate, SigningCertificate, SSHPublicKey
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

from . import pem

pytestmark = pytest.mark.django_db


def refused(error, call, *args, **kwargs):
    """The IAM error ``call`` raises: (code, message, HTTP status)."""
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    return caught.value.code, caught.value.message, caught.value.status


def upload(account, name="www", **changes):
    bundle = pem.server_bundle()
    arguments = {"name": name, "certificate_body": bundle["body"], "private_key": bundle["key"],
                 "certificate_chain": bundle["chain"], **changes}
    return certificates.upload_server_certificate(account, **arguments)


# ---------------------------------------------------------------------------
# Server certificates


def test_it_uploads_a_server_certificate_and_seals_its_private_key(account):
    bundle = pem.server_bundle()
    uploaded = upload(account, path="/cloudfront/", tags=[("env", "prod")])
    assert uploaded.server_certificate_id.startswith("ASCA") and len(uploaded.server_certificate_id) == 21
    assert uploaded.arn == f"arn:aws:iam::{account.account_id}:server-certificate/cloudfront/www"
    assert uploaded.expiration.isoformat() == bundle["expiration"]
    stored = ServerCertificate.objects.get()
    assert bundle["key"] not in repr(list(ServerCertificate.objects.values_list()))  # sealed at rest
    assert "PRIVATE KEY" not in stored.sealed_private_key
    assert seeds.open_text(stored.sealed_private_key, "server-certificate:" + stored.server_certificate_id) \
        == bundle["key"]
    got = certificates.get_server_certificate(account, "WWW")  # names compare whatever the case
    assert (got.body, got.chain, got.path) == (bundle["body"], bundle["chain"], "/cloudfront/")
    assert certificates.list_server_certificate_tags(got) == [{"Key": "env", "Value": "prod"}]


def test_no_operation_returns_the_private_key(account):
    """What the operations hand back (the API's and console's only source) has the key only sealed."""
    key = pem.server_bundle()["key"]
    uploaded = upload(account)
    for found in (uploaded, certificates.get_server_certificate(account, "www"),
                  *certificates.list_server_certificates(account)):
        public = {field: value for field, value in vars(found).items() if field != "sealed_private_key"}
        assert key not in repr(public) and "PRIVATE KEY" not in repr(vars(found))


def test_a_chain_is_optional_and_must_start_with_the_issuer(account):
    bundle = pem.server_bundle()
    upload(account, "no-chain", certificate_chain=None)
    code, text, status = refused(MalformedCertificate, upload, account, certificate_chain=bundle["wrong_chain"])
    assert (code, text, status) == ("MalformedCertificate", certificates.BAD_CHAIN.format(index=-1), 400)
    middle_only = bundle["chain"].split("-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
    upload(account, "partial-chain", certificate_chain=middle_only)
    leaf_twice = middle_only + bundle["body"]
    code, text, status = refused(MalformedCertificate, upload, account, certificate_chain=leaf_twice)
    assert text.endswith("The index within the chain of the invalid certificate is: 0")
    code, text, status = refused(MalformedCertificate, upload, account, certificate_chain="not a chain")
    assert text == "Unable to parse certificate. Please ensure the certificate is in PEM format."


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"certificate_body": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"}, MalformedCertificate,
     "Unable to parse certificate. Please ensure the certificate is in PEM format."),
    ({"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"}, MalformedCertificate,
     "Unable to parse private key. Please ensure the private key is in PEM format."),
    ({"private_key": pem.private_pem(pem.rsa_key("other"))}, KeyPairMismatch,
     "The private key does not match the public key in the certificate."),
    ({"certificate_body": pem.self_signed("expired", days=10, starts_in_days=-20)}, MalformedCertificate,
     "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed."),
    ({"certificate_body": pem.self_signed("future", starts_in_days=5)}, MalformedCertificate,
     "Certificate is not yet valid. The 'Not Before' date restriction on the certificate has not been met."),
])
def test_it_refuses_bad_certificates_and_keys_as_iam_does(account, changes, error, message):
    code, text, status = refused(error, upload, account, **changes)
    assert (text, status) == (message, 400)
    assert not ServerCertificate.objects.exists()


def test_parameters_are_checked_by_iams_model_and_the_key_is_never_repeated(account):
    code, text, status = refused(ValidationError, upload, account, "bad name")
    assert text == ("1 validation error detected: Value 'bad name' at 'serverCertificateName' failed to satisfy "
                    r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+")
    code, text, status = refused(ValidationError, upload, account, path="no-slashes")
    assert "at 'path' failed to satisfy constraint" in text
    secret = "x" * 16385
    code, text, status = refused(ValidationError, upload, account, private_key=secret)
    assert text == ("1 validation error detected: Value at 'privateKey' failed to satisfy constraint: "
                    "Member must have length less than or equal to 16384")
    code, text, status = refused(ValidationError, upload, account, private_key="key\x00")
    assert "Value at 'privateKey'" in text and "\x00" not in text
    code, text, status = refused(ValidationError, upload, account, certificate_body="")
    assert "at 'certificateBody' failed to satisfy constraint: Member must have length greater than" in text


def test_names_are_unique_whatever_the_case_and_an_account_has_at_most_20(account, mallory):
    upload(account, "www")
    code, text, status = refused(EntityAlreadyExists, upload, account, "WWW")
    assert (text, status) == ("The Server Certificate with name WWW already exists.", 409)
    upload(mallory.account, "www")
    for n in range(quotas.SERVER_CERTIFICATES_PER_ACCOUNT - 1):
        upload(account, f"cert-{n}")
    code, text, status = refused(LimitExceeded, upload, account, "one-more")
    assert (text, status) == ("Cannot exceed quota for ServerCertificatesPerAccount: 20", 409)


def test_list_filters_by_path_prefix_and_update_renames_and_moves(account):
    upload(account, "www", path="/cloudfront/")
    upload(account, "api")
    assert [c.name for c in certificates.list_server_certificates(account)] == ["api", "www"]
    assert [c.name for c in certificates.list_server_certificates(account, path_prefix="/cloudfront")] == ["www"]
    www = certificates.get_server_certificate(account, "www")
    code, text, status = refused(EntityAlreadyExists, certificates.update_server_certificate, www, new_name="API")
    assert text == "The Server Certificate with name API already exists."
    code, text, status = refused(ValidationError, certificates.update_server_certificate, www, new_path="x")
    assert "at 'newPath' failed to satisfy constraint" in text
    certificates.update_server_certificate(www, new_name="www2", new_path="/elb/")
    moved = certificates.get_server_certificate(account, "www2")
    assert moved.arn.endswith(":server-certificate/elb/www2")
    refused(NoSuchEntity, certificates.get_server_certificate, account, "www")


def test_tags_and_delete_and_another_accounts_certificate_is_not_found(account, mallory):
    upload(mallory.account, "theirs")
    code, text, status = refused(NoSuchEntity, certificates.get_server_certificate, account, "theirs")
    assert (code, text, status) == ("NoSuchEntity", "The Server Certificate with name theirs cannot be found.", 404)
    code, text, status = refused(NoSuchEntity, certificates.get_server_certificate, account, "bad name\x00")
    assert text == "The Server Certificate with name bad name\x00 cannot be found."
    www = upload(account, "www")
    certificates.tag_server_certificate(www, [("team", "web")])
    certificates.untag_server_certificate(www, ["absent"])
    assert certificates.list_server_certificate_tags(www) == [{"Key": "team", "Value": "web"}]
    certificates.delete_server_certificate(www)
    assert list(ServerCertificate.objects.values_list("name", flat=True)) == ["theirs"]


# ---------------------------------------------------------------------------
# Signing certificates


def test_users_and_the_root_user_upload_two_signing_certificates_each(root, alice):
    for owner in (root, alice):
        first = certificates.upload_signing_certificate(owner, certificate_body=pem.self_signed(f"{owner.pk}-1"))
        certificates.upload_signing_certificate(owner, certificate_body=pem.self_signed(f"{owner.pk}-2"))
        assert first.status == "Active" and len(first.certificate_id) == 32
        code, text, status = refused(LimitExceeded, certificates.upload_signing_certificate, owner,
                                     certificate_body=pem.self_signed(f"{owner.pk}-3"))
        assert (text, status) == ("Cannot exceed quota for SigningCertificatesPerUser: 2", 409)
        assert certificates.list_signing_certificates(owner).count() == 2


def test_the_same_signing_certificate_twice_in_an_account_is_duplicate_certificate(alice, bob, mallory):
    body = pem.self_signed("shared")
    certificates.upload_signing_certificate(alice, certificate_body=body)
    for owner in (alice, bob):
        code, text, status = refused(DuplicateCertificate, certificates.upload_signing_certificate, owner,
                                     certificate_body=body)
        assert (code, status) == ("DuplicateCertificate", 409)
    certificates.upload_signing_certificate(mallory, certificate_body=body)  # another account may


@pytest.mark.parametrize(("body", "error", "message"), [
    ("not a certificate", MalformedCertificate,
     "Unable to parse certificate. Please ensure the certificate is in PEM format."),
    (pem.self_signed("old", days=1, starts_in_days=-3), MalformedCertificate,
     "Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed."),
    (pem.ec_certificate(), InvalidCertificate,
     "The certificate is invalid: a signing certificate must hold an RSA public key."),
])
def test_it_refuses_bad_signing_certificates(alice, body, error, message):
    code, text, status = refused(error, certificates.upload_signing_certificate, alice, certificate_body=body)
    assert (text, status) == (message, 400)
    assert not SigningCertificate.objects.exists()


def test_signing_certificates_are_deactivated_and_deleted_and_another_users_are_not_found(alice, bob):
    mine = certificates.upload_signing_certificate(alice, certificate_body=pem.self_signed("mine"))
    found = certificates.get_signing_certificate(alice, mine.certificate_id)
    certificates.update_signing_certificate(found, status="Inactive")
    found.refresh_from_db()
    assert found.status == "Inactive"
    code, text, status = refused(ValidationError, certificates.update_signing_certificate, found, status="Paused")
    assert text == ("1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: "
                    "Member must satisfy enum value set: [Active, Inactive, Expired]")
    code, text, status = refused(NoSuchEntity, certificates.get_signing_certificate, bob, mine.certificate_id)
    assert (text, status) == (f"The Certificate with id {mine.certificate_id} cannot be found.", 404)
    code, text, status = refused(ValidationError, certificates.get_signing_certificate, alice, "short")
    assert "at 'certificateId' failed to satisfy constraint: Member must have length greater than or equal " \
           "to 24" in text
    certificates.delete_signing_certificate(found)
    assert not SigningCertificate.objects.exists()


# ---------------------------------------------------------------------------
# SSH public keys


def aws_fingerprint(ssh_line: str) -> str:
    import base64

    digest = hashlib.md5(base64.b64decode(ssh_line.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def test_it_uploads_an_ssh_key_with_awss_fingerprint(alice):
    line = pem.ssh_rsa()
    key = certificates.upload_ssh_public_key(alice, body=line)
    assert key.ssh_public_key_id.startswith("APKA") and key.status == "Active"
    assert key.fingerprint == aws_fingerprint(line) and len(key.fingerprint) == 47
    got = certificates.get_ssh_public_key(alice, key.ssh_public_key_id)
    assert certificates.ssh_public_key_body(got, "SSH") == line.rsplit(" ", 1)[0]
    assert certificates.ssh_public_key_body(got, "PEM") == pem.ssh_pem()
    code, text, status = refused(ValidationError, certificates.ssh_public_key_body, got, "DER")
    assert text.endswith("Member must satisfy enum value set: [SSH, PEM]")


def test_a_pem_key_is_the_same_key_as_its_openssh_form(alice):
    certificates.upload_ssh_public_key(alice, body=pem.ssh_pem("pem-key"))
    code, text, status = refused(DuplicateSSHPublicKey, certificates.upload_ssh_public_key, alice,
                                 body=pem.ssh_rsa("pem-key", comment=""))
    assert (code, text, status) == ("DuplicateSSHPublicKey",
                                    "The SSH public key is already associated with the specified IAM user.", 400)


@pytest.mark.parametrize(("body", "error", "message"), [
    ("hello", UnrecognizedPublicKeyEncoding, "The public key encoding format is unsupported or unrecognized."),
    (pem.ssh_ed25519(), UnrecognizedPublicKeyEncoding,
     "The public key encoding format is unsupported or unrecognized."),
    ("ssh-rsa AAAAnotbase64!!", InvalidPublicKey, "The public key is malformed or otherwise invalid."),
    (pem.ec_public_pem(), InvalidPublicKey,
     "The public key is malformed or otherwise invalid: it must be an RSA key."),
    (pem.ssh_rsa("short", bits=1024), InvalidPublicKey,
     "The public key is too short: it must be at least 2048 bits long."),
])
def test_it_refuses_keys_as_iam_does(alice, body, error, message):
    code, text, status = refused(error, certificates.upload_ssh_public_key, alice, body=body)
    assert (text, status) == (message, 400)
    assert not SSHPublicKey.objects.exists()


def test_a_user_has_at_most_five_keys_each_once(alice, bob):
    for n in range(quotas.SSH_PUBLIC_KEYS_PER_USER):
        certificates.upload_ssh_public_key(alice, body=pem.ssh_rsa(f"k{n}"))
    code, text, status = refused(LimitExceeded, certificates.upload_ssh_public_key, alice, body=pem.ssh_rsa("k6"))
    assert (text, status) == ("Cannot exceed quota for SSHPublicKeysPerUser: 5", 409)
    certificates.upload_ssh_public_key(bob, body=pem.ssh_rsa("k0"))  # another user may hold the same key


def test_ssh_keys_are_deactivated_and_deleted_and_another_users_are_not_found(alice, bob):
    key = certificates.upload_ssh_public_key(alice, body=pem.ssh_rsa())
    certificates.update_ssh_public_key(key, status="Inactive")
    assert certificates.list_ssh_public_keys(alice).get().status == "Inactive"
    code, text, status = refused(NoSuchEntity, certificates.get_ssh_public_key, bob, key.ssh_public_key_id)
    assert (text, status) == (f"The Public Key with id {key.ssh_public_key_id} cannot be found.", 404)
    code, text, status = refused(ValidationError, certificates.get_ssh_public_key, alice, "APKA-not-an-id-at-all")
    assert r"at 'sSHPublicKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: " \
           r"[\w]+" in text
    certificates.delete_ssh_public_key(key)
    assert not certificates.list_ssh_public_keys(alice).exists()


# ---------------------------------------------------------------------------
# Deleting a user: its signing certificates and SSH keys are dependents (iam-facts §11)


def _with_certificate_and_key(user):
    signing = certificates.upload_signing_certificate(user, certificate_body=pem.self_signed(f"{user.pk}-del"))
    key = certificates.upload_ssh_public_key(user, body=pem.ssh_rsa(f"{user.pk}-del"))
    return signing, key


def test_delete_user_without_clean_up_is_delete_conflict_while_certificates_or_keys_remain(alice):
    from accounts import services
    from iamportal.errors import DeleteConflict

    services.remove_console_access(alice)
    signing, key = _with_certificate_and_key(alice)
    for message, clear in [("Cannot delete entity, must delete signing certificates first.", signing.delete),
                           ("Cannot delete entity, must delete SSH public keys first.", key.delete)]:
        code, text, status = refused(DeleteConflict, services.delete_user, alice, remove_dependents=False)
        assert (code, text, status) == ("DeleteConflict", message, 409)
        clear()
    services.delete_user(alice, remove_dependents=False)


def test_the_consoles_delete_removes_them_as_deletesigningcertificate_and_deletesshpublickey_calls(alice):
    from accounts import services

    signing, key = _with_certificate_and_key(alice)
    plan = services.delete_user_plan(alice)
    assert ("Signing certificates", [signing.certificate_id], ["iam:DeleteSigningCertificate"]) in plan.summary
    assert ("SSH public keys", [key.ssh_public_key_id], ["iam:DeleteSSHPublicKey"]) in plan.summary
    authorised = []
    services.delete_user(alice, remove_dependents=True, authorize=authorised.extend)
    assert ("iam:DeleteSigningCertificate", alice.arn, {}) in authorised
    assert ("iam:DeleteSSHPublicKey", alice.arn, {}) in authorised
    assert not SigningCertificate.objects.exists() and not SSHPublicKey.objects.exists()
