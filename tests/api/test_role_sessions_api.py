"""Temporary credentials at work (api/sessions.py): what a role session, a GetSessionToken
session and their tokens may do, with unmodified boto3 against the live server.

A role session is decided by the role's policies (and boundary, and session policies) only:
the user's own rights never leak into it. Expired or tampered tokens are refused as AWS
refuses them, and MFA, external ids and session tags reach the trust policy.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from accounts import roles, services
from accounts.models import SessionCredential, VirtualMFADevice
from policies import services as policy_services
from tests.accounts.test_mfa_helpers import code
from tests.api.conftest import allow, new_key


def trust(principal: str, *, actions=("sts:AssumeRole",), condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_role(account, name: str, *documents: str, trust_policy: str | None = None, tags=(), **options):
    role = roles.create_role(account, name=name, trust_policy=trust_policy or trust(account.root_arn),
                             tags=tags, **options)
    for index, document in enumerate(documents):
        policy_services.put_inline_policy(role, name=f"r{index}", document=document)
    return role


def error(exc: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def session_client(client_for, credentials: dict, service: str = "iam", *, token: str | None = None):
    return client_for((credentials["AccessKeyId"], credentials["SecretAccessKey"]), service,
                      token=credentials["SessionToken"] if token is None else token)


@pytest.fixture
def alice_key(account):
    """alice: an administrator of account A (iam:* and sts:AssumeRole on every role)."""
    alice = services.create_user(account, user_name="alice")
    policy_services.put_inline_policy(alice, name="admin", document=allow(["iam:*", "sts:*"]))
    return alice, new_key(alice)


def assume(client_for, key, role, session: str = "s1", **extra) -> dict:
    return client_for(key, "sts").assume_role(RoleArn=role.arn, RoleSessionName=session, **extra)


def test_a_role_session_has_the_roles_permissions_only(account, alice_key, client_for):
    alice, key = alice_key
    role = make_role(account, "Reader", allow("iam:GetUser"))
    client_for(key).list_users()  # alice herself may

    result = assume(client_for, key, role, "reading")
    session = session_client(client_for, result["Credentials"])
    assert session.get_user(UserName="alice")["User"]["UserName"] == "alice"
    with pytest.raises(ClientError) as exc:
        session.list_users()
    assert error(exc) == (
        "AccessDenied",
        f"User: arn:aws:sts::{account.account_id}:assumed-role/Reader/reading is not authorized to perform: "
        f"iam:ListUsers on resource: arn:aws:iam::{account.account_id}:user/ because no identity-based policy "
        "allows the iam:ListUsers action", 403)
    identity = session_client(client_for, result["Credentials"], "sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/Reader/reading"
    assert identity["UserId"] == f"{role.unique_id}:reading"
    assert identity["Account"] == account.account_id


def test_a_session_policy_narrows_and_the_roles_boundary_applies(account, alice_key, client_for):
    _, key = alice_key
    role = make_role(account, "Admin", allow("iam:*"))
    only_list = allow("iam:ListUsers")
    session = session_client(client_for, assume(client_for, key, role, Policy=only_list)["Credentials"])
    session.list_users()
    with pytest.raises(ClientError) as exc:
        session.get_user(UserName="alice")
    assert error(exc)[1].endswith("because no session policy allows the iam:GetUser action")

    managed = policy_services.create_policy(account, name="OnlyGetUser", document=allow("iam:GetUser"))
    session = session_client(client_for, assume(client_for, key, role,
                                                PolicyArns=[{"arn": managed.arn}])["Credentials"])
    session.get_user(UserName="alice")
    with pytest.raises(ClientError) as exc:
        session.list_users()
    assert error(exc)[0] == "AccessDenied"

    policy_services.put_permissions_boundary(role, policy_arn=managed.arn)
    session = session_client(client_for, assume(client_for, key, role)["Credentials"])
    session.get_user(UserName="alice")
    with pytest.raises(ClientError) as exc:
        session.list_users()
    assert error(exc)[1].endswith("because no permissions boundary allows the iam:ListUsers action")


def test_expired_tampered_and_missing_tokens_are_refused(account, alice_key, client_for):
    _, key = alice_key
    role = make_role(account, "Reader", allow("iam:ListUsers"))
    credentials = assume(client_for, key, role)["Credentials"]
    token = credentials["SessionToken"]
    assert len(token) >= 300 and credentials["AccessKeyId"].startswith("ASIA")
    record = SessionCredential.objects.get(access_key_id=credentials["AccessKeyId"])
    assert token not in json.dumps([record.token_digest, record.sealed_secret])
    assert credentials["SecretAccessKey"] not in record.sealed_secret

    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (tampered, "x"):
        with pytest.raises(ClientError) as exc:
            session_client(client_for, credentials, token=bad).list_users()
        assert error(exc) == ("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
    with pytest.raises(ClientError) as exc:  # no token at all
        client_for((credentials["AccessKeyId"], credentials["SecretAccessKey"])).list_users()
    assert error(exc)[0] == "InvalidClientTokenId"

    SessionCredential.objects.filter(pk=record.pk).update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ClientError) as exc:
        session_client(client_for, credentials).list_users()
    assert error(exc) == ("ExpiredToken", "The security token included in the request is expired", 403)
    with pytest.raises(ClientError) as exc:  # the wrong secret still fails on the signature first
        client_for((credentials["AccessKeyId"], "x" * 40), token=token).list_users()
    assert error(exc)[0] == "SignatureDoesNotMatch"


def test_a_role_that_requires_mfa_needs_the_callers_code(account, alice_key, client_for):
    alice, key = alice_key
    device = VirtualMFADevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    serial = f"arn:aws:iam::{account.account_id}:mfa/alice-phone"
    role = make_role(account, "Guarded",
                     allow("iam:ListUsers", condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                     trust_policy=roles.account_trust_policy(account.account_id, require_mfa=True))
    with pytest.raises(ClientError) as exc:
        assume(client_for, key, role)
    assert error(exc) == ("AccessDenied", f"User: {alice.arn} is not authorized to perform: sts:AssumeRole "
                                          f"on resource: {role.arn}", 403)
    with pytest.raises(ClientError) as exc:
        assume(client_for, key, role, SerialNumber=serial, TokenCode="000000" if code(
            device, int(time.time()) // 30) != "000000" else "111111")
    assert error(exc) == ("AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.", 403)
    with pytest.raises(ClientError) as exc:
        assume(client_for, key, role, SerialNumber=serial)
    assert error(exc)[0] == "AccessDenied"

    time.sleep(1.1)  # django-otp's back-off after the wrong code
    result = assume(client_for, key, role, SerialNumber=serial, TokenCode=code(device, int(time.time()) // 30 + 1))
    session = session_client(client_for, result["Credentials"])
    session.list_users()  # the session itself is MFA-authenticated
    assert SessionCredential.objects.get(access_key_id=result["Credentials"]["AccessKeyId"]).mfa_authenticated_at


def test_the_external_id_reaches_the_trust_policy(account, alice_key, client_for):
    _, key = alice_key
    role = make_role(account, "Partner", allow("iam:ListUsers"),
                     trust_policy=roles.account_trust_policy(account.account_id, external_id="shop-42"))
    for extra in ({}, {"ExternalId": "shop-41"}):
        with pytest.raises(ClientError) as exc:
            assume(client_for, key, role, **extra)
        assert error(exc)[0] == "AccessDenied"
    session_client(client_for, assume(client_for, key, role, ExternalId="shop-42")["Credentials"]).list_users()


def test_cross_account_needs_the_callers_own_permission_too(account, mallory, client_for):
    other = mallory.account
    role = make_role(other, "Auditor", allow("iam:ListUsers"), trust_policy=trust(account.root_arn))
    services.create_user(other, user_name="bea")
    carol = services.create_user(account, user_name="carol")
    policy_services.put_inline_policy(carol, name="lists", document=allow("iam:ListUsers"))
    key = new_key(carol)
    with pytest.raises(ClientError) as exc:
        assume(client_for, key, role)
    assert error(exc) == ("AccessDenied", f"User: {carol.arn} is not authorized to perform: sts:AssumeRole "
                                          f"on resource: {role.arn}", 403)
    policy_services.put_inline_policy(carol, name="assume", document=allow("sts:AssumeRole", role.arn))
    result = assume(client_for, key, role, "audit")
    assert result["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{other.account_id}:assumed-role/Auditor/audit"
    session = session_client(client_for, result["Credentials"])
    assert [user["UserName"] for user in session.list_users()["Users"]] == ["bea"]
    caller = session_client(client_for, result["Credentials"], "sts").get_caller_identity()
    assert caller["Account"] == other.account_id


def test_session_tags_need_tag_session_and_become_principal_tags(account, alice_key, client_for):
    alice, key = alice_key
    by_team = allow("iam:ListUsers", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}})
    role = make_role(account, "Team", by_team)
    with pytest.raises(ClientError) as exc:
        assume(client_for, key, role, Tags=[{"Key": "team", "Value": "blue"}])
    assert error(exc) == ("AccessDenied", f"User: {alice.arn} is not authorized to perform: sts:TagSession "
                                          f"on resource: {role.arn}", 403)
    roles.update_trust_policy(role, trust(account.root_arn, actions=("sts:AssumeRole", "sts:TagSession")))
    result = assume(client_for, key, role, Tags=[{"Key": "team", "Value": "blue"}])
    assert 0 < result["PackedPolicySize"] <= 100
    session_client(client_for, result["Credentials"]).list_users()
    result = assume(client_for, key, role, Tags=[{"Key": "team", "Value": "red"}])
    with pytest.raises(ClientError):
        session_client(client_for, result["Credentials"]).list_users()


def test_role_chaining_is_capped_at_an_hour_and_keeps_transitive_tags(account, alice_key, client_for):
    _, key = alice_key
    second = make_role(account, "Second",
                       allow("iam:ListUsers", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
                       max_session_duration=7200)
    first = make_role(account, "First", allow("sts:AssumeRole", second.arn),
                      trust_policy=trust(account.root_arn, actions=("sts:AssumeRole", "sts:TagSession")))
    roles.update_trust_policy(second, trust(first.arn, actions=("sts:AssumeRole", "sts:TagSession")))
    result = assume(client_for, key, first, Tags=[{"Key": "team", "Value": "blue"}], TransitiveTagKeys=["team"])
    sts = session_client(client_for, result["Credentials"], "sts")
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=second.arn, RoleSessionName="chain", DurationSeconds=7200)
    assert error(exc) == ("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                                             "for roles assumed by role chaining.", 400)
    chained = sts.assume_role(RoleArn=second.arn, RoleSessionName="chain")
    session_client(client_for, chained["Credentials"]).list_users()  # team=blue came along
    # A role session cannot ask for session or federation tokens.
    for call in (sts.get_session_token, lambda: sts.get_federation_token(Name="fed")):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[0] == "AccessDenied" and "with session credentials" in error(exc)[1]


def test_the_articles_cli_with_mfa_case(account, client_for):
    """GetSessionToken with MFA: the Deny of ``BoolIfExists aws:MultiFactorAuthPresent false``
    refuses the user's access key and a session without MFA, and lets the MFA session in."""
    dana = services.create_user(account, user_name="dana")
    device = VirtualMFADevice.objects.create(user=dana, name="dana-phone", confirmed=True)
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:ListUsers", "sts:AssumeRole"], "Resource": "*"},
        {"Effect": "Deny", "NotAction": ["sts:GetSessionToken", "iam:ListMFADevices"], "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]})
    policy_services.put_inline_policy(dana, name="mfa", document=document)
    key = new_key(dana)
    with pytest.raises(ClientError) as exc:
        client_for(key).list_users()
    assert error(exc)[1].endswith("with an explicit deny in an identity-based policy")

    sts = client_for(key, "sts")
    plain = sts.get_session_token()["Credentials"]
    with pytest.raises(ClientError) as exc:  # no MFA: IAM refuses these credentials, as AWS does
        session_client(client_for, plain).list_users()
    assert error(exc)[0] == "InvalidClientTokenId"
    assert session_client(client_for, plain, "sts").get_caller_identity()["Arn"] == dana.arn
    role = make_role(account, "Till")
    with pytest.raises(ClientError) as exc:  # the Deny sees aws:MultiFactorAuthPresent = false
        session_client(client_for, plain, "sts").assume_role(RoleArn=role.arn, RoleSessionName="dana")
    assert error(exc)[0] == "AccessDenied"

    serial = f"arn:aws:iam::{account.account_id}:mfa/dana-phone"
    with_mfa = sts.get_session_token(SerialNumber=serial, TokenCode=code(device, int(time.time()) // 30))
    users = session_client(client_for, with_mfa["Credentials"]).list_users()["Users"]
    assert [user["UserName"] for user in users] == ["dana"]
    assumed = session_client(client_for, with_mfa["Credentials"], "sts").assume_role(
        RoleArn=role.arn, RoleSessionName="dana")
    assert SessionCredential.objects.get(access_key_id=assumed["Credentials"]["AccessKeyId"]).mfa_authenticated_at
