"""STS's actions over the Query API (api/actions/sts.py) with unmodified boto3 against the
live server: GetCallerIdentity for every kind of credentials, AssumeRole's, GetSessionToken's
and GetFederationToken's parameters and errors, GetAccessKeyInfo, DecodeAuthorizationMessage,
and the pruning of expired credentials."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from django.utils import timezone

from accounts import roles, services
from accounts.models import SessionCredential, VirtualMFADevice
from api import sessions
from policies import services as policy_services
from tests.accounts.test_mfa_helpers import code
from tests.api.conftest import allow, new_key
from tests.api.test_role_sessions_api import error, make_role, session_client, trust


@pytest.fixture
def erin(account):
    """erin: may assume roles (tagging the session, setting its source identity) and read users."""
    user = services.create_user(account, user_name="erin")
    policy_services.put_inline_policy(user, name="assume", document=allow(
        ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity", "iam:ListUsers"]))
    return user


def seconds_left(expiration: datetime) -> float:
    return (expiration - datetime.now(UTC)).total_seconds()


def test_get_caller_identity_answers_for_every_kind_of_credentials(account, root_key, erin, client_for):
    erin_key = new_key(erin)
    assert client_for(root_key, "sts").get_caller_identity()["Arn"] == account.root_arn
    mine = client_for(erin_key, "sts").get_caller_identity()
    assert (mine["UserId"], mine["Arn"], mine["Account"]) == (erin.unique_id, erin.arn, account.account_id)

    session = client_for(erin_key, "sts").get_session_token()["Credentials"]
    assert session_client(client_for, session, "sts").get_caller_identity()["Arn"] == erin.arn

    federated = client_for(root_key, "sts").get_federation_token(Name="kiosk")
    assert federated["FederatedUser"] == {"FederatedUserId": f"{account.account_id}:kiosk",
                                          "Arn": f"arn:aws:sts::{account.account_id}:federated-user/kiosk"}
    caller = session_client(client_for, federated["Credentials"], "sts").get_caller_identity()
    assert (caller["UserId"], caller["Arn"]) == (f"{account.account_id}:kiosk", federated["FederatedUser"]["Arn"])

    role = make_role(account, "Reader")
    assumed = client_for(erin_key, "sts").assume_role(RoleArn=role.arn, RoleSessionName="erin")
    caller = session_client(client_for, assumed["Credentials"], "sts").get_caller_identity()
    assert caller["UserId"] == assumed["AssumedRoleUser"]["AssumedRoleId"] == f"{role.unique_id}:erin"


def test_assume_role_returns_credentials_for_the_roles_duration(account, erin, client_for):
    role = make_role(account, "Reader", allow("iam:ListUsers"), max_session_duration=7200)
    sts = client_for(new_key(erin), "sts")
    result = sts.assume_role(RoleArn=role.arn, RoleSessionName="erin@shop")
    assert result["AssumedRoleUser"] == {
        "Arn": f"arn:aws:sts::{account.account_id}:assumed-role/Reader/erin@shop",
        "AssumedRoleId": f"{role.unique_id}:erin@shop"}
    assert 3590 < seconds_left(result["Credentials"]["Expiration"]) <= 3600
    assert "PackedPolicySize" not in result and "SourceIdentity" not in result
    longer = sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", DurationSeconds=7200)
    assert 7190 < seconds_left(longer["Credentials"]["Expiration"]) <= 7200
    record = SessionCredential.objects.get(access_key_id=longer["Credentials"]["AccessKeyId"])
    assert (record.kind, record.role, record.user, record.session_name) == ("role", role, erin, "erin")
    role.refresh_from_db()
    assert role.last_used is not None

    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", DurationSeconds=7201)
    assert error(exc) == ("ValidationError",
                          "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)


@pytest.mark.parametrize(("extra", "message"), [
    ({"RoleSessionName": "bad name"},
     "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
    ({"RoleSessionName": "x" * 65},
     f"1 validation error detected: Value '{'x' * 65}' at 'roleSessionName' failed to satisfy constraint: "
     "Member must have length less than or equal to 64"),
    ({"DurationSeconds": 43201},
     "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: "
     "Member must have value less than or equal to 43200"),
    ({"ExternalId": "a b"},
     "1 validation error detected: Value 'a b' at 'externalId' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"),
    ({"RoleArn": "arn:aws:iam::123456789012:role/a\x7fb"},
     "1 validation error detected: Value 'arn:aws:iam::123456789012:role/a\x7fb' at 'roleArn' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: "
     "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+"),
    ({"TransitiveTagKeys": ["team"]},
     "1 validation error detected: Value 'team' at 'transitiveTagKeys' failed to satisfy constraint: "
     "Member must be the key of a tag in tags"),
    ({"TokenCode": "12345a", "SerialNumber": "arn:aws:iam::123456789012:mfa/x"},
     # An MFA code is never repeated (docs/security.md), even a malformed one.
     "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [\\d]*"),
])
def test_assume_role_validates_its_parameters_first(account, erin, client_for, extra, message):
    role = make_role(account, "Reader")
    params = {"RoleArn": role.arn, "RoleSessionName": "erin", **extra}
    with pytest.raises(ClientError) as exc:
        client_for(new_key(erin), "sts").assume_role(**params)
    assert error(exc) == ("ValidationError", message, 400)


def test_assume_role_refusals(account, root_key, erin, mallory, client_for):
    role = make_role(account, "Reader")
    with pytest.raises(ClientError) as exc:
        client_for(root_key, "sts").assume_role(RoleArn=role.arn, RoleSessionName="root")
    assert error(exc) == ("AccessDenied", "Roles may not be assumed by root accounts.", 403)

    sts = client_for(new_key(erin), "sts")
    # A missing role, a malformed ARN and another account's role that does not trust us are
    # the same AccessDenied: nothing to probe.
    elsewhere = make_role(mallory.account, "Secret", trust_policy=trust(mallory.account.root_arn))
    for arn in (f"arn:aws:iam::{account.account_id}:role/Nobody", "arn:aws:iam::12:role/Nobody-x",
                elsewhere.arn):
        with pytest.raises(ClientError) as exc:
            sts.assume_role(RoleArn=arn, RoleSessionName="erin")
        assert error(exc) == ("AccessDenied", f"User: {erin.arn} is not authorized to perform: sts:AssumeRole "
                                              f"on resource: {arn}", 403)
    # The trust policy names only the account: erin's own policy must allow it too.
    policy_services.put_inline_policy(erin, name="assume", document=allow("iam:ListUsers"))
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin")
    assert error(exc)[0] == "AccessDenied"
    # Naming erin herself in the trust policy is enough.
    roles.update_trust_policy(role, trust(erin.arn))
    sts.assume_role(RoleArn=role.arn, RoleSessionName="erin")


def test_session_policies_are_checked_and_measured(account, erin, client_for):
    role = make_role(account, "Reader", allow("iam:*"))
    sts = client_for(new_key(erin), "sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", Policy='{"Version": "2012-10-17", "Statement": [')
    assert error(exc)[0] == "MalformedPolicyDocument"
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin",
                        PolicyArns=[{"arn": f"arn:aws:iam::{account.account_id}:policy/P{i:020d}"} for i in range(11)])
    assert error(exc) == ("ValidationError", "1 validation error detected: Value '[...]' at 'policyArns' failed to "
                                             "satisfy constraint: Member must have length less than or equal to 10", 400)
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin",
                        PolicyArns=[{"arn": f"arn:aws:iam::{account.account_id}:policy/Missing"}])
    assert error(exc) == ("NoSuchEntity", f"Policy arn:aws:iam::{account.account_id}:policy/Missing does not "
                                          "exist or is not attachable.", 404)
    result = sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", Policy=allow("iam:ListUsers"))
    assert 0 < result["PackedPolicySize"] < 100
    record = SessionCredential.objects.get(access_key_id=result["Credentials"]["AccessKeyId"])
    assert record.session_policies == [allow("iam:ListUsers")]

    roles.update_trust_policy(role, trust(account.root_arn, actions=("sts:AssumeRole", "sts:TagSession")))
    noisy = [{"Key": f"k{i}", "Value": secrets.token_urlsafe(180)} for i in range(50)]
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", Tags=noisy)
    code_, message, status = error(exc)
    assert (code_, status) == ("PackedPolicyTooLarge", 400)
    assert message.startswith("Packed policy consumes ") and message.endswith("% of allotted space, please use "
                                                                               "smaller policy.")


def test_source_identity_needs_set_source_identity(account, erin, client_for):
    role = make_role(account, "Reader", allow("iam:ListUsers"))
    sts = client_for(new_key(erin), "sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", SourceIdentity="erin-laptop")
    assert error(exc) == ("AccessDenied", f"User: {erin.arn} is not authorized to perform: sts:SetSourceIdentity "
                                          f"on resource: {role.arn}", 403)
    roles.update_trust_policy(role, trust(account.root_arn, actions=("sts:AssumeRole", "sts:SetSourceIdentity")))
    result = sts.assume_role(RoleArn=role.arn, RoleSessionName="erin", SourceIdentity="erin-laptop")
    assert result["SourceIdentity"] == "erin-laptop"
    gated = allow("iam:ListUsers", condition={"StringEquals": {"aws:SourceIdentity": "erin-laptop"}})
    policy_services.put_inline_policy(role, name="r0", document=gated)
    session_client(client_for, result["Credentials"]).list_users()


def test_get_session_token(account, root_key, erin, client_for):
    root_session = client_for(root_key, "sts").get_session_token()["Credentials"]
    assert 3590 < seconds_left(root_session["Expiration"]) <= 3600
    capped = client_for(root_key, "sts").get_session_token(DurationSeconds=7200)["Credentials"]
    assert seconds_left(capped["Expiration"]) <= 3600

    sts = client_for(new_key(erin), "sts")
    session = sts.get_session_token()["Credentials"]
    assert 43190 < seconds_left(session["Expiration"]) <= 43200
    assert session["AccessKeyId"].startswith("ASIA")
    assert seconds_left(sts.get_session_token(DurationSeconds=900)["Credentials"]["Expiration"]) <= 900
    with pytest.raises(ClientError) as exc:
        sts.get_session_token(DurationSeconds=129601)
    assert error(exc) == ("ValidationError", "1 validation error detected: Value '129601' at 'durationSeconds' "
                                             "failed to satisfy constraint: Member must have value less than or "
                                             "equal to 129600", 400)
    with pytest.raises(ClientError) as exc:
        session_client(client_for, session, "sts").get_session_token()
    assert error(exc) == ("AccessDenied", "Cannot call GetSessionToken with session credentials", 403)
    # Session credentials may assume a role, though not call IAM without MFA.
    role = make_role(account, "Reader", allow("iam:ListUsers"))
    assumed = session_client(client_for, session, "sts").assume_role(RoleArn=role.arn, RoleSessionName="erin")
    session_client(client_for, assumed["Credentials"]).list_users()

    policy_services.put_inline_policy(erin, name="no-tokens", document=allow("sts:GetSessionToken", effect="Deny"))
    with pytest.raises(ClientError) as exc:
        sts.get_session_token()
    assert error(exc)[1].endswith("with an explicit deny in an identity-based policy")


def test_get_session_token_with_mfa(account, erin, client_for):
    device = VirtualMFADevice.objects.create(user=erin, name="erin-phone", confirmed=True)
    serial = f"arn:aws:iam::{account.account_id}:mfa/erin-phone"
    sts = client_for(new_key(erin), "sts")
    step = int(time.time()) // 30
    wrong = "123456" if code(device, step) != "123456" else "654321"
    for params in ({"SerialNumber": serial, "TokenCode": wrong},
                   {"SerialNumber": f"arn:aws:iam::{account.account_id}:mfa/other", "TokenCode": code(device, step)}):
        with pytest.raises(ClientError) as exc:
            sts.get_session_token(**params)
        assert error(exc) == ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.",
                              403)
    time.sleep(1.1)  # django-otp's back-off after the wrong code
    result = sts.get_session_token(SerialNumber=serial, TokenCode=code(device, step + 1))
    record = SessionCredential.objects.get(access_key_id=result["Credentials"]["AccessKeyId"])
    assert record.kind == "session" and record.mfa_authenticated_at is not None
    assert [u["UserName"] for u in session_client(client_for, result["Credentials"]).list_users()["Users"]] == ["erin"]


def test_get_federation_token(account, root_key, erin, client_for):
    sts = client_for(new_key(erin), "sts")
    arn = f"arn:aws:sts::{account.account_id}:federated-user/kiosk"
    with pytest.raises(ClientError) as exc:
        sts.get_federation_token(Name="kiosk")
    assert error(exc) == ("AccessDenied", f"User: {erin.arn} is not authorized to perform: sts:GetFederationToken "
                                          f"on resource: {arn} because no identity-based policy allows the "
                                          "sts:GetFederationToken action", 403)
    with pytest.raises(ClientError) as exc:
        sts.get_federation_token(Name="kiosk #1")
    assert error(exc)[0] == "ValidationError"

    policy_services.put_inline_policy(erin, name="federate", document=allow("sts:GetFederationToken", arn))
    result = sts.get_federation_token(Name="kiosk", Policy=allow("iam:ListUsers"))
    assert result["FederatedUser"]["Arn"] == arn and 0 < result["PackedPolicySize"] <= 100
    assert 43190 < seconds_left(result["Credentials"]["Expiration"]) <= 43200
    with pytest.raises(ClientError) as exc:  # federated users cannot call IAM, as AWS
        session_client(client_for, result["Credentials"]).list_users()
    assert error(exc)[0] == "InvalidClientTokenId"
    federated_sts = session_client(client_for, result["Credentials"], "sts")
    for call in (federated_sts.get_session_token, lambda: federated_sts.get_federation_token(Name="again")):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[0] == "AccessDenied"

    tagged = {"Name": "kiosk", "Tags": [{"Key": "till", "Value": "1"}]}
    policy_services.put_inline_policy(erin, name="no-tags", document=allow("sts:TagSession", effect="Deny"))
    with pytest.raises(ClientError) as exc:  # tags need sts:TagSession too
        sts.get_federation_token(**tagged)
    assert error(exc)[1] == (f"User: {erin.arn} is not authorized to perform: sts:TagSession on resource: {arn} "
                             "with an explicit deny in an identity-based policy")
    policy_services.delete_inline_policy(erin, name="no-tags")
    record = SessionCredential.objects.get(
        access_key_id=sts.get_federation_token(**tagged)["Credentials"]["AccessKeyId"])
    assert record.tags == [{"Key": "till", "Value": "1"}]

    root_sts = client_for(root_key, "sts")
    assert seconds_left(root_sts.get_federation_token(Name="kiosk")["Credentials"]["Expiration"]) <= 3600
    with pytest.raises(ClientError) as exc:
        root_sts.get_federation_token(Name="kiosk", Policy="{}")
    assert error(exc)[0] == "MalformedPolicyDocument"


def test_a_federated_users_permissions_are_the_users_intersected_with_the_session_policy(account, erin):
    """Federated users cannot call IAM, so their policy set is checked where it is built."""
    policy_services.put_inline_policy(erin, name="more", document=allow(["iam:ListUsers", "iam:GetUser"]))
    record = sessions.issue(kind="federation", account=account, user=erin, seconds=900, session_name="kiosk",
                            session_policies=[allow(["iam:ListUsers", "iam:CreateUser"])]).record
    identity = sessions.session_identity(record, {}, time.time())
    from policies.engine import Request, evaluate

    def decide(action):
        policy_set = identity._policy_set
        return evaluate(Request(action=action, resource="*", principal=identity.arn, context=identity.context),
                        identity=policy_set.identity, boundary=policy_set.boundary,
                        session=policy_set.session).decision

    assert [decide(a) for a in ("iam:ListUsers", "iam:GetUser", "iam:CreateUser")] == [
        "allowed", "implicitDeny", "implicitDeny"]
    bare = sessions.issue(kind="federation", account=account, user=erin, seconds=900, session_name="bare").record
    identity = sessions.session_identity(bare, {}, time.time())
    assert decide("iam:ListUsers") == "implicitDeny"


def test_get_access_key_info(account, root_key, erin, mallory, client_for):
    sts = client_for(root_key, "sts")
    assert sts.get_access_key_info(AccessKeyId=new_key(mallory)[0])["Account"] == mallory.account.account_id
    temporary = sts.get_session_token()["Credentials"]["AccessKeyId"]
    assert sts.get_access_key_info(AccessKeyId=temporary)["Account"] == account.account_id
    with pytest.raises(ClientError) as exc:
        sts.get_access_key_info(AccessKeyId="AKIA-not-a-key-id")
    assert error(exc)[0] == "ValidationError"
    with pytest.raises(ClientError) as exc:
        client_for(new_key(erin), "sts").get_access_key_info(AccessKeyId=temporary)
    assert error(exc) == ("AccessDenied", f"User: {erin.arn} is not authorized to perform: sts:GetAccessKeyInfo on "
                                          "resource: * because no identity-based policy allows the "
                                          "sts:GetAccessKeyInfo action", 403)


def test_decode_authorization_message(root_key, erin, client_for):
    with pytest.raises(ClientError) as exc:
        client_for(root_key, "sts").decode_authorization_message(EncodedMessage="abc")
    assert error(exc) == ("InvalidAuthorizationMessageException",
                          "The message provided is not a valid encoded authorization message.", 400)
    with pytest.raises(ClientError) as exc:
        client_for(new_key(erin), "sts").decode_authorization_message(EncodedMessage="abc")
    assert error(exc)[0] == "AccessDenied"


def test_expired_credentials_are_pruned(account, erin):
    fresh = sessions.issue(kind="session", account=account, user=erin, seconds=900).record
    for _ in range(3):
        sessions.issue(kind="session", account=account, user=erin, seconds=900)
    SessionCredential.objects.exclude(pk=fresh.pk).update(expires=timezone.now() - timedelta(seconds=1))
    call_command("prunesessions", stdout=open("/dev/null", "w"))
    assert list(SessionCredential.objects.all()) == [fresh]

    SessionCredential.objects.filter(pk=fresh.pk).update(expires=timezone.now() - timedelta(seconds=1))
    newest = sessions.issue(kind="session", account=account, user=erin, seconds=900).record
    assert list(SessionCredential.objects.all()) == [newest]  # issuing prunes a batch too
    assert json.dumps(newest.session_policies) == "[]"
