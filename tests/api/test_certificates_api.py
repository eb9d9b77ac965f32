"""Server certificates, signing certificates and SSH public keys over the Query API:
unmodified boto3 against the live server, for every action: the happy path, AWS's errors,
pagination, authorisation (allowed, denied by an identity policy, by a boundary, by an
explicit deny; the users' own credentials through ``${aws:username}``), and a server
certificate's private key never in any response."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from accounts.models import ServerCertificate, SigningCertificate, SSHPublicKey
from tests.accounts import pem

from .conftest import allow
from .helpers import aws_error

pytestmark = pytest.mark.django_db(transaction=True)


def error(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return aws_error(caught.value)


def upload(client, name="www", **changes):
    bundle = pem.server_bundle()
    arguments = {"ServerCertificateName": name, "CertificateBody": bundle["body"], "PrivateKey": bundle["key"],
                 "CertificateChain": bundle["chain"], **changes}
    return client.upload_server_certificate(**arguments)


class Recorder:
    """Every response body the client reads (to show the private key is in none)."""

    def __init__(self, client):
        self.bodies: list[bytes] = []
        client.meta.events.register("after-call.iam", self.record)

    def record(self, http_response, **kwargs):
        self.bodies.append(http_response.content)


# ---------------------------------------------------------------------------
# Server certificates


def test_server_certificate_lifecycle_and_the_private_key_never_comes_back(iam, account):
    recorder = Recorder(iam)
    bundle = pem.server_bundle()
    made = upload(iam, Path="/cloudfront/", Tags=[{"Key": "env", "Value": "prod"}])
    metadata = made["ServerCertificateMetadata"]
    arn = f"arn:aws:iam::{account.account_id}:server-certificate/cloudfront/www"
    assert (metadata["Arn"], metadata["Path"], metadata["ServerCertificateName"]) == (arn, "/cloudfront/", "www")
    assert metadata["ServerCertificateId"].startswith("ASCA")
    assert metadata["Expiration"].isoformat()[:19] == bundle["expiration"][:19]
    assert made["Tags"] == [{"Key": "env", "Value": "prod"}]
    got = iam.get_server_certificate(ServerCertificateName="www")["ServerCertificate"]
    assert (got["CertificateBody"], got["CertificateChain"]) == (bundle["body"], bundle["chain"])
    assert got["Tags"] == [{"Key": "env", "Value": "prod"}]

    for n in range(2):
        upload(iam, f"more-{n}", CertificateChain=bundle["chain"])
    first = iam.list_server_certificates(MaxItems=2)
    assert [c["ServerCertificateName"] for c in first["ServerCertificateMetadataList"]] == ["more-0", "more-1"]
    rest = iam.list_server_certificates(Marker=first["Marker"])
    assert [c["ServerCertificateName"] for c in rest["ServerCertificateMetadataList"]] == ["www"]
    assert [c["ServerCertificateName"] for c in iam.list_server_certificates(PathPrefix="/cloud")[
        "ServerCertificateMetadataList"]] == ["www"]

    iam.update_server_certificate(ServerCertificateName="www", NewServerCertificateName="www2", NewPath="/elb/")
    iam.tag_server_certificate(ServerCertificateName="www2", Tags=[{"Key": "team", "Value": "web"}])
    iam.untag_server_certificate(ServerCertificateName="www2", TagKeys=["env"])
    assert iam.list_server_certificate_tags(ServerCertificateName="www2")["Tags"] == [
        {"Key": "team", "Value": "web"}]
    iam.delete_server_certificate(ServerCertificateName="www2")
    assert error(iam.get_server_certificate, ServerCertificateName="www2") == (
        "NoSuchEntity", "The Server Certificate with name www2 cannot be found.", 404)
    assert recorder.bodies and not any(b"PRIVATE KEY" in body for body in recorder.bodies)


def test_server_certificate_errors_in_awss_words(iam, unchecked_iam):
    bundle = pem.server_bundle()
    assert error(upload, client=iam, PrivateKey=pem.private_pem(pem.rsa_key("other"))) == (
        "KeyPairMismatch", "The private key does not match the public key in the certificate.", 400)
    assert error(upload, client=iam, CertificateBody="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----") \
        == ("MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.", 400)
    code, message, status = error(upload, client=iam, CertificateChain=bundle["wrong_chain"])
    assert (code, status) == ("MalformedCertificate", 400) and message.endswith("certificate is: -1")
    code, message, status = error(upload, client=unchecked_iam, PrivateKey="k" * 16385)
    assert (code, message, status) == ("ValidationError", "1 validation error detected: Value at 'privateKey' "
                                       "failed to satisfy constraint: Member must have length less than or equal "
                                       "to 16384", 400)
    upload(iam)
    assert error(upload, client=iam, name="WWW") == (
        "EntityAlreadyExists", "The Server Certificate with name WWW already exists.", 409)
    upload(iam, "api")
    assert error(iam.update_server_certificate, ServerCertificateName="www", NewServerCertificateName="api") == (
        "EntityAlreadyExists", "The Server Certificate with name api already exists.", 409)
    assert ServerCertificate.objects.count() == 2


def test_another_accounts_server_certificate_is_not_found(iam, mallory):
    from accounts import certificates

    bundle = pem.server_bundle()
    certificates.upload_server_certificate(mallory.account, name="theirs", certificate_body=bundle["body"],
                                           private_key=bundle["key"])
    for call in (iam.get_server_certificate, iam.delete_server_certificate, iam.list_server_certificate_tags):
        assert error(call, ServerCertificateName="theirs") == (
            "NoSuchEntity", "The Server Certificate with name theirs cannot be found.", 404)
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []


def test_server_certificate_authorisation(iam, user_client, account, customer_policy):
    upload(iam, "www", Tags=[{"Key": "team", "Value": "web"}])
    arn = f"arn:aws:iam::{account.account_id}:server-certificate/www"
    reader = user_client("reader", allow(["iam:GetServerCertificate", "iam:ListServerCertificates"]))
    reader.get_server_certificate(ServerCertificateName="www")
    reader.list_server_certificates()
    code, message, status = error(reader.delete_server_certificate, ServerCertificateName="www")
    assert (code, status) == ("AccessDenied", 403)
    assert f"is not authorized to perform: iam:DeleteServerCertificate on resource: {arn}" in message
    # A denied caller learns nothing of whether a certificate exists.
    for name in ("www", "nothing-here"):
        code, message, status = error(reader.list_server_certificate_tags, ServerCertificateName=name)
        assert (code, status) == ("AccessDenied", 403) and f"server-certificate/{name}" in message
    # Renaming needs the action on the new name too.
    renamer = user_client("renamer", allow("iam:UpdateServerCertificate", arn))
    code, message, status = error(renamer.update_server_certificate, ServerCertificateName="www",
                                  NewServerCertificateName="prod")
    assert f"iam:UpdateServerCertificate on resource: {arn.replace('www', 'prod')}" in message
    # Uploading with tags needs iam:TagServerCertificate with the request's tags.
    uploader = user_client("uploader", allow("iam:UploadServerCertificate"))
    assert error(upload, client=uploader, name="new", Tags=[{"Key": "team", "Value": "x"}])[0] == "AccessDenied"
    upload(uploader, "new")
    # An explicit deny on the certificate's tag; a boundary without the action.
    denied = user_client("denied", allow("iam:*"), allow("iam:GetServerCertificate", effect="Deny", condition={
        "StringEquals": {"aws:ResourceTag/team": "web"}}))
    assert error(denied.get_server_certificate, ServerCertificateName="www")[0] == "AccessDenied"
    denied.get_server_certificate(ServerCertificateName="new")
    bounded = user_client("bounded", allow("iam:*"),
                          boundary=customer_policy("OnlyList", allow("iam:ListServerCertificates")))
    assert error(bounded.get_server_certificate, ServerCertificateName="www")[0] == "AccessDenied"
    assert sorted(ServerCertificate.objects.values_list("name", flat=True)) == ["new", "www"]


# ---------------------------------------------------------------------------
# Signing certificates


def test_signing_certificates_of_a_user_and_of_the_root_user(iam, account):
    own = iam.upload_signing_certificate(CertificateBody=pem.self_signed("root-cert"))["Certificate"]
    assert (own["Status"], own["CertificateBody"]) == ("Active", pem.self_signed("root-cert"))
    iam.create_user(UserName="bob")
    bobs = iam.upload_signing_certificate(UserName="bob", CertificateBody=pem.self_signed("bob-1"))["Certificate"]
    iam.upload_signing_certificate(UserName="bob", CertificateBody=pem.self_signed("bob-2"))
    assert error(iam.upload_signing_certificate, UserName="bob", CertificateBody=pem.self_signed("bob-3")) == (
        "LimitExceeded", "Cannot exceed quota for SigningCertificatesPerUser: 2", 409)
    assert error(iam.upload_signing_certificate, CertificateBody=pem.self_signed("bob-1"))[:1] == (
        "DuplicateCertificate",)
    first = iam.list_signing_certificates(UserName="bob", MaxItems=1)
    assert [c["CertificateId"] for c in first["Certificates"]] == [bobs["CertificateId"]] and first["IsTruncated"]
    assert len(iam.list_signing_certificates(UserName="bob", Marker=first["Marker"])["Certificates"]) == 1
    assert [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]] == [own["CertificateId"]]

    iam.update_signing_certificate(UserName="bob", CertificateId=bobs["CertificateId"], Status="Inactive")
    statuses = {c["CertificateId"]: c["Status"] for c in iam.list_signing_certificates(UserName="bob")["Certificates"]}
    assert statuses[bobs["CertificateId"]] == "Inactive"
    iam.delete_signing_certificate(UserName="bob", CertificateId=bobs["CertificateId"])
    assert error(iam.delete_signing_certificate, UserName="bob", CertificateId=bobs["CertificateId"]) == (
        "NoSuchEntity", f"The Certificate with id {bobs['CertificateId']} cannot be found.", 404)
    assert error(iam.update_signing_certificate, CertificateId=own["CertificateId"], Status="Paused")[0] == (
        "ValidationError")
    assert error(iam.upload_signing_certificate, CertificateBody="nope") == (
        "MalformedCertificate", "Unable to parse certificate. Please ensure the certificate is in PEM format.", 400)
    assert error(iam.upload_signing_certificate, CertificateBody=pem.ec_certificate())[0] == "InvalidCertificate"
    assert SigningCertificate.objects.count() == 2


def test_users_manage_their_own_signing_certificates_and_ssh_keys(user_client, account):
    own = allow(["iam:UploadSigningCertificate", "iam:ListSigningCertificates", "iam:UpdateSigningCertificate",
                 "iam:DeleteSigningCertificate", "iam:UploadSSHPublicKey", "iam:GetSSHPublicKey",
                 "iam:ListSSHPublicKeys", "iam:UpdateSSHPublicKey", "iam:DeleteSSHPublicKey"],
                f"arn:aws:iam::{account.account_id}:user/${{aws:username}}")
    alice = user_client("alice", own)
    user_client("bob")
    made = alice.upload_signing_certificate(CertificateBody=pem.self_signed("alice"))["Certificate"]
    assert made["UserName"] == "alice"
    alice.update_signing_certificate(CertificateId=made["CertificateId"], Status="Inactive")
    key = alice.upload_ssh_public_key(UserName="alice", SSHPublicKeyBody=pem.ssh_rsa("alice"))["SSHPublicKey"]
    alice.get_ssh_public_key(UserName="alice", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="SSH")
    for call, kwargs in [
            (alice.upload_signing_certificate, {"UserName": "bob", "CertificateBody": pem.self_signed("x")}),
            (alice.list_signing_certificates, {"UserName": "bob"}),
            (alice.upload_ssh_public_key, {"UserName": "bob", "SSHPublicKeyBody": pem.ssh_rsa("x")}),
            (alice.list_ssh_public_keys, {"UserName": "bob"})]:
        code, message, status = error(call, **kwargs)
        assert (code, status) == ("AccessDenied", 403)
        assert f"on resource: arn:aws:iam::{account.account_id}:user/bob" in message
    # Another user's certificate id, named as one's own, is not found.
    assert error(alice.delete_signing_certificate, CertificateId="A" * 32)[0] == "NoSuchEntity"


# ---------------------------------------------------------------------------
# SSH public keys


def test_ssh_public_key_lifecycle(iam):
    iam.create_user(UserName="bob")
    line = pem.ssh_rsa("bob")
    made = iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=line)["SSHPublicKey"]
    key_id = made["SSHPublicKeyId"]
    assert key_id.startswith("APKA") and made["SSHPublicKeyBody"] == line and made["Status"] == "Active"
    assert len(made["Fingerprint"]) == 47
    as_pem = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding="PEM")["SSHPublicKey"]
    assert as_pem["SSHPublicKeyBody"] == pem.ssh_pem("bob") and as_pem["Fingerprint"] == made["Fingerprint"]
    as_ssh = iam.get_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Encoding="SSH")["SSHPublicKey"]
    assert as_ssh["SSHPublicKeyBody"] == line.rsplit(" ", 1)[0]
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=pem.ssh_rsa("bob-2"))
    first = iam.list_ssh_public_keys(UserName="bob", MaxItems=1)
    assert [k["SSHPublicKeyId"] for k in first["SSHPublicKeys"]] == [key_id] and first["IsTruncated"]
    assert "SSHPublicKeyBody" not in first["SSHPublicKeys"][0]
    iam.update_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id, Status="Inactive")
    iam.delete_ssh_public_key(UserName="bob", SSHPublicKeyId=key_id)
    assert error(iam.get_ssh_public_key, UserName="bob", SSHPublicKeyId=key_id, Encoding="SSH") == (
        "NoSuchEntity", f"The Public Key with id {key_id} cannot be found.", 404)
    assert [k.status for k in SSHPublicKey.objects.all()] == ["Active"]


def test_ssh_public_key_errors_in_awss_words(iam, unchecked_iam):
    iam.create_user(UserName="bob")
    assert error(iam.upload_ssh_public_key, UserName="bob", SSHPublicKeyBody="hello") == (
        "UnrecognizedPublicKeyEncoding", "The public key encoding format is unsupported or unrecognized.", 400)
    assert error(iam.upload_ssh_public_key, UserName="bob", SSHPublicKeyBody=pem.ssh_rsa("short", 1024)) == (
        "InvalidPublicKey", "The public key is too short: it must be at least 2048 bits long.", 400)
    iam.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=pem.ssh_rsa("bob"))
    assert error(iam.upload_ssh_public_key, UserName="bob", SSHPublicKeyBody=pem.ssh_pem("bob")) == (
        "DuplicateSSHPublicKey", "The SSH public key is already associated with the specified IAM user.", 400)
    assert error(iam.upload_ssh_public_key, UserName="nobody", SSHPublicKeyBody=pem.ssh_rsa("bob")) == (
        "NoSuchEntity", "The user with name nobody cannot be found.", 404)
    key_id = SSHPublicKey.objects.get().ssh_public_key_id
    code, message, status = error(unchecked_iam.get_ssh_public_key, UserName="bob", SSHPublicKeyId=key_id,
                                  Encoding="DER")
    assert (code, status) == ("ValidationError", 400) and message.endswith("enum value set: [SSH, PEM]")
    assert error(unchecked_iam.upload_ssh_public_key, UserName="bob")[:2] == (
        "ValidationError", "1 validation error detected: Value null at 'sSHPublicKeyBody' failed to satisfy "
        "constraint: Member must not be null")


# ---------------------------------------------------------------------------
# Role sessions


def test_a_role_sessions_calls_are_decided_by_the_roles_policies(client_for, user_client, account, iam):
    import json

    from accounts import roles
    from policies import services as policy_services

    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": account.root_arn}, "Action": "sts:AssumeRole"}]}
    role = roles.create_role(account, name="KeyManager", trust_policy=json.dumps(trust))
    policy_services.put_inline_policy(role, name="keys", document=allow(
        ["iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys", "iam:UploadSigningCertificate",
         "iam:CreateOpenIDConnectProvider"], [f"arn:aws:iam::{account.account_id}:user/bob",
                                              f"arn:aws:iam::{account.account_id}:oidc-provider/*"]))
    iam.create_user(UserName="bob")
    iam.create_user(UserName="carol")
    assumer = user_client("assumer", allow("sts:AssumeRole"), service="sts")
    credentials = assumer.assume_role(RoleArn=role.arn, RoleSessionName="s1")["Credentials"]
    session = client_for((credentials["AccessKeyId"], credentials["SecretAccessKey"]),
                         token=credentials["SessionToken"])
    session.upload_ssh_public_key(UserName="bob", SSHPublicKeyBody=pem.ssh_rsa("bob"))
    assert len(session.list_ssh_public_keys(UserName="bob")["SSHPublicKeys"]) == 1
    code, message, status = error(session.upload_ssh_public_key, UserName="carol", SSHPublicKeyBody=pem.ssh_rsa())
    assert (code, status) == ("AccessDenied", 403)
    assert "assumed-role/KeyManager/s1 is not authorized to perform: iam:UploadSSHPublicKey" in message
    # "The calling user" is no one for a role session.
    assert error(session.upload_signing_certificate, CertificateBody=pem.self_signed("s")) == (
        "ValidationError", "Must specify userName when calling with non-User credentials", 400)
    session.create_open_id_connect_provider(Url="https://ci.example.com")
    assert error(session.list_open_id_connect_providers)[0] == "AccessDenied"
    assert SSHPublicKey.objects.get().user.user_name == "bob"
