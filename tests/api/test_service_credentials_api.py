"""Service-specific credentials over the Query API (boto3 against the live server): the
CodeCommit/Keyspaces Git-style credentials and Bedrock API keys, their quota, AWS's errors,
DeleteUser's DeleteConflict, authorisation (AWS's "manage your own Git credentials" policy,
a denial, an explicit deny, a boundary, another account's user), and the password returned
by Create and Reset only, kept nowhere in the database, the responses of other calls or the
audit trail."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from botocore.exceptions import ClientError

from accounts import service_credentials, services
from accounts.models import ServiceSpecificCredential
from audit.models import Event
from policies import services as policy_services

from .conftest import allow, new_key
from .helpers import aws_error

pytestmark = pytest.mark.django_db(transaction=True)

CODECOMMIT, KEYSPACES, BEDROCK = "codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"
#: AWS's example: users manage their own CodeCommit credentials.
OWN_CREDENTIALS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["iam:CreateServiceSpecificCredential", "iam:ListServiceSpecificCredentials",
                                  "iam:ResetServiceSpecificCredential", "iam:UpdateServiceSpecificCredential",
                                  "iam:DeleteServiceSpecificCredential"],
    "Resource": "arn:aws:iam::*:user/${aws:username}"}]})


def error(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return aws_error(caught.value)


def denied(caller: str, action: str, resource: str) -> tuple[str, str, int]:
    return ("AccessDenied", f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action", 403)


def test_git_credentials_lifecycle_and_the_password_comes_back_only_on_create_and_reset(iam, account, alice,
                                                                                       caplog):
    caplog.set_level(logging.DEBUG)
    bodies: list[bytes] = []
    iam.meta.events.register("after-call.iam", lambda http_response, **kw: bodies.append(http_response.content))
    made = iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]
    password = made["ServicePassword"]
    assert made["ServiceUserName"] == f"alice-at-{account.account_id}"
    assert (made["UserName"], made["ServiceName"], made["Status"]) == ("alice", CODECOMMIT, "Active")
    assert made["ServiceSpecificCredentialId"].startswith("ACCA") and len(made["ServiceSpecificCredentialId"]) == 21
    assert len(password) == 44 and made["CreateDate"] and "ExpirationDate" not in made
    stored = ServiceSpecificCredential.objects.get(credential_id=made["ServiceSpecificCredentialId"])
    assert stored.user == alice and password not in stored.secret_hash
    assert stored.secret_hash == hashlib.sha256(password.encode()).hexdigest()

    second = iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]
    assert second["ServiceUserName"] == f"alice+1-at-{account.account_id}"
    keyspaces = iam.create_service_specific_credential(UserName="alice", ServiceName=KEYSPACES)[
        "ServiceSpecificCredential"]
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"]
    assert [row["ServiceSpecificCredentialId"] for row in listed] == [
        made["ServiceSpecificCredentialId"], second["ServiceSpecificCredentialId"],
        keyspaces["ServiceSpecificCredentialId"]]
    assert not any("ServicePassword" in row for row in listed)
    only = iam.list_service_specific_credentials(UserName="alice", ServiceName=KEYSPACES)
    assert [row["ServiceName"] for row in only["ServiceSpecificCredentials"]] == [KEYSPACES]
    first_page = iam.list_service_specific_credentials(UserName="alice", MaxItems=2)
    assert first_page["IsTruncated"] and len(first_page["ServiceSpecificCredentials"]) == 2
    rest = iam.list_service_specific_credentials(UserName="alice", MaxItems=2, Marker=first_page["Marker"])
    assert [row["ServiceName"] for row in rest["ServiceSpecificCredentials"]] == [KEYSPACES]

    reset = iam.reset_service_specific_credential(
        UserName="alice", ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"])["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != password and len(reset["ServicePassword"]) == 44
    assert reset["ServiceUserName"] == made["ServiceUserName"]
    stored.refresh_from_db()
    assert stored.secret_hash == hashlib.sha256(reset["ServicePassword"].encode()).hexdigest()

    iam.update_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=made[
        "ServiceSpecificCredentialId"], Status="Inactive")
    assert ServiceSpecificCredential.objects.get(pk=stored.pk).status == "Inactive"
    iam.delete_service_specific_credential(UserName="alice",
                                           ServiceSpecificCredentialId=second["ServiceSpecificCredentialId"])
    assert list(alice.service_specific_credentials.values_list("credential_id", flat=True)) == [
        made["ServiceSpecificCredentialId"], keyspaces["ServiceSpecificCredentialId"]]

    # Passwords: in the responses of Create and Reset only, never in a server log or an audit record.
    secrets = [password, second["ServicePassword"], keyspaces["ServicePassword"], reset["ServicePassword"]]
    carrying = [body for body in bodies if any(secret.encode() in body for secret in secrets)]
    assert len(carrying) == 4 and all(b"ServicePassword" in body for body in carrying)
    server = "\n".join(record.getMessage() for record in caplog.records
                       if not record.name.startswith(("botocore", "boto3", "urllib3")))
    trail = json.dumps([event.response_elements for event in Event.objects.all()])
    assert "ResetServiceSpecificCredential" in "".join(Event.objects.values_list("event_name", flat=True))
    assert not any(secret in server or secret in trail for secret in secrets)


def test_bedrock_api_keys_have_an_alias_a_secret_and_an_expiry(iam, account, alice):
    made = iam.create_service_specific_credential(UserName="alice", ServiceName=BEDROCK, CredentialAgeDays=30)[
        "ServiceSpecificCredential"]
    assert made["ServiceCredentialAlias"].startswith("BedrockAPIKey-")
    assert made["ServiceCredentialAlias"].endswith(f"-at-{account.account_id}")
    assert len(made["ServiceCredentialSecret"]) == 44
    assert "ServicePassword" not in made and "ServiceUserName" not in made
    assert (made["ExpirationDate"] - made["CreateDate"]).days == 30
    listed = iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"][0]
    assert "ServiceCredentialSecret" not in listed and listed["ExpirationDate"] == made["ExpirationDate"]
    ServiceSpecificCredential.objects.update(expires=made["CreateDate"])  # its time has come
    assert iam.list_service_specific_credentials(UserName="alice")["ServiceSpecificCredentials"][0][
        "Status"] == "Expired"


def test_service_credential_errors_and_quota_in_awss_words(iam, unchecked_iam, alice, mallory):
    for _ in range(2):
        iam.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)
    assert error(iam.create_service_specific_credential, UserName="alice", ServiceName=CODECOMMIT) == (
        "LimitExceeded", "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2", 409)
    iam.create_service_specific_credential(UserName="alice", ServiceName=KEYSPACES)  # another service's quota
    assert alice.service_specific_credentials.count() == 3
    assert error(iam.create_service_specific_credential, UserName="alice", ServiceName="s3.amazonaws.com") == (
        "NotSupportedService", "Service s3.amazonaws.com is not supported for service-specific credentials.", 404)
    assert error(iam.list_service_specific_credentials, UserName="alice", ServiceName="git") == (
        "NotSupportedService", "Service git is not supported for service-specific credentials.", 404)
    assert error(iam.create_service_specific_credential, UserName="alice", ServiceName=CODECOMMIT,
                 CredentialAgeDays=5)[0] == "InvalidInput"
    assert error(unchecked_iam.create_service_specific_credential, UserName="alice", ServiceName=BEDROCK,
                 CredentialAgeDays=0) == (
        "ValidationError", "1 validation error detected: Value '0' at 'credentialAgeDays' failed to satisfy "
        "constraint: Member must have value greater than or equal to 1", 400)
    assert error(iam.create_service_specific_credential, UserName="nobody", ServiceName=CODECOMMIT) == (
        "NoSuchEntity", "The user with name nobody cannot be found.", 404)
    missing = "ACCAAAAAAAAAAAAAAAAAA"
    for call in (iam.reset_service_specific_credential, iam.delete_service_specific_credential):
        assert error(call, UserName="alice", ServiceSpecificCredentialId=missing) == (
            "NoSuchEntity", f"No such credential {missing} exists", 404)
    assert error(unchecked_iam.delete_service_specific_credential, UserName="alice",
                 ServiceSpecificCredentialId="short")[0] == "ValidationError"
    first = alice.service_specific_credentials.first().credential_id
    assert error(iam.update_service_specific_credential, UserName="alice", ServiceSpecificCredentialId=first,
                 Status="Paused") == (
        "ValidationError", "1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, Inactive, Expired]", 400)
    # The root user has none: "the caller" must be an IAM user.
    assert error(iam.list_service_specific_credentials) == (
        "ValidationError", "Must specify userName when calling with non-User credentials", 400)
    # Another account's user and credential are not there.
    theirs = services.create_user(mallory.account, user_name="theirs")
    their_credential, _ = service_credentials.create_service_specific_credential(theirs, service_name=CODECOMMIT)
    assert error(iam.list_service_specific_credentials, UserName="theirs") == (
        "NoSuchEntity", "The user with name theirs cannot be found.", 404)
    assert error(iam.delete_service_specific_credential, UserName="alice",
                 ServiceSpecificCredentialId=their_credential.credential_id)[0] == "NoSuchEntity"
    assert ServiceSpecificCredential.objects.filter(pk=their_credential.pk).exists()
    assert error(iam.list_service_specific_credentials, UserName="alice", AllUsers=True)[0] == "InvalidInput"
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert {row["UserName"] for row in everyone} == {"alice"} and len(everyone) == 3


def test_service_credentials_block_delete_user_over_the_api(iam):
    iam.create_user(UserName="carol")
    made = iam.create_service_specific_credential(UserName="carol", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]
    assert error(iam.delete_user, UserName="carol") == (
        "DeleteConflict", "Cannot delete entity, must remove service specific credentials first.", 409)
    iam.delete_service_specific_credential(UserName="carol",
                                           ServiceSpecificCredentialId=made["ServiceSpecificCredentialId"])
    iam.delete_user(UserName="carol")
    assert not ServiceSpecificCredential.objects.exists()


def test_users_manage_their_own_credentials_with_awss_example_policy(client_for, account, alice, bob):
    policy_services.put_inline_policy(alice, name="own", document=OWN_CREDENTIALS)
    own = client_for(new_key(alice))
    made = own.create_service_specific_credential(UserName="alice", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredential"]
    credential_id = made["ServiceSpecificCredentialId"]
    assert [row["UserName"] for row in own.list_service_specific_credentials()["ServiceSpecificCredentials"]] == [
        "alice"]
    assert own.reset_service_specific_credential(ServiceSpecificCredentialId=credential_id)[
        "ServiceSpecificCredential"]["ServicePassword"]
    own.update_service_specific_credential(ServiceSpecificCredentialId=credential_id, Status="Inactive")
    own.delete_service_specific_credential(ServiceSpecificCredentialId=credential_id)
    bobs, _ = service_credentials.create_service_specific_credential(bob, service_name=CODECOMMIT)
    for action, call in (
            ("iam:CreateServiceSpecificCredential",
             lambda: own.create_service_specific_credential(UserName="bob", ServiceName=CODECOMMIT)),
            ("iam:ListServiceSpecificCredentials", lambda: own.list_service_specific_credentials(UserName="bob")),
            ("iam:ResetServiceSpecificCredential", lambda: own.reset_service_specific_credential(
                UserName="bob", ServiceSpecificCredentialId=bobs.credential_id)),
            ("iam:DeleteServiceSpecificCredential", lambda: own.delete_service_specific_credential(
                UserName="bob", ServiceSpecificCredentialId=bobs.credential_id))):
        with pytest.raises(ClientError) as caught:
            call()
        assert aws_error(caught.value) == denied(alice.arn, action, bob.arn)
    assert error(own.list_service_specific_credentials, AllUsers=True) == denied(
        alice.arn, "iam:ListServiceSpecificCredentials", "*")
    assert list(bob.service_specific_credentials.all()) == [bobs] and not alice.service_specific_credentials.exists()


def test_explicit_deny_tags_and_boundary(user_client, customer_policy, account):
    services.create_user(account, user_name="admin", tags=[("team", "admins")])
    services.create_user(account, user_name="dev", tags=[("team", "devs")])
    keeper = user_client("keeper", allow("iam:*ServiceSpecificCredential*"), allow(
        "iam:CreateServiceSpecificCredential", "*", effect="Deny",
        condition={"StringEquals": {"aws:ResourceTag/team": "admins"}}))
    keeper.create_service_specific_credential(UserName="dev", ServiceName=CODECOMMIT)
    code, message, status = error(keeper.create_service_specific_credential, UserName="admin",
                                  ServiceName=CODECOMMIT)
    assert (code, status) == ("AccessDenied", 403)
    assert message.endswith("with an explicit deny in an identity-based policy")
    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("ListOnly", allow("iam:List*")))
    assert len(bounded.list_service_specific_credentials(UserName="dev")["ServiceSpecificCredentials"]) == 1
    code, message, status = error(bounded.create_service_specific_credential, UserName="dev",
                                  ServiceName=KEYSPACES)
    assert message.endswith("because no permissions boundary allows the iam:CreateServiceSpecificCredential action")
    assert services.get_user(account, "admin").service_specific_credentials.count() == 0
    assert services.get_user(account, "dev").service_specific_credentials.count() == 1


def test_listing_all_users_credentials_is_bounded(client, root, account, django_assert_max_num_queries):
    from .helpers import signed_post

    for index in range(30):
        user = services.create_user(account, user_name=f"u{index:02}")
        for service in (CODECOMMIT, KEYSPACES):
            service_credentials.create_service_specific_credential(user, service_name=service)
    key = new_key(root)
    with django_assert_max_num_queries(12):
        response = signed_post(client, key, {"Action": "ListServiceSpecificCredentials", "Version": "2010-05-08",
                                             "AllUsers": "true"})
    assert response.status_code == 200 and response.content.decode().count("<member>") == 60
