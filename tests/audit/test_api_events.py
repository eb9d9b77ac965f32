"""The audit trail of the Query API, with boto3 against the live server: one record per
state-changing call (root, an IAM user, STS AssumeRole credentials), every AccessDenied
(reads too), a failure record and no success record for a failed change (after the
rollback), and no secret in any record."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from accounts import services
from accounts.models import User
from audit import services as audit
from audit.models import Event
from policies import services as policy_services
from tests.api.conftest import allow, new_key
from tests.api.test_mfa_api import two_codes
from tests.api.test_role_sessions_api import make_role, session_client


def events(**filters) -> list[Event]:
    return list(Event.objects.filter(**filters).order_by("event_time", "id"))


def test_root_creates_a_user_one_record(iam, account):
    iam.create_user(UserName="carol", Path="/baristas/")
    [event] = events()
    record = event.as_record()
    assert (record["eventName"], record["eventSource"], record["readOnly"]) == (
        "CreateUser", "iam.amazonaws.com", False)
    assert record["requestParameters"] == {"userName": "carol", "path": "/baristas/"}
    assert record["responseElements"]["User"]["UserName"] == "carol"
    assert record["userIdentity"] == {"type": "Root", "principalId": account.account_id,
                                      "arn": account.root_arn, "accountId": account.account_id}
    assert "Boto3" in record["userAgent"] or "botocore" in record["userAgent"]
    assert event.resource_name == "carol" and event.resource_arn.endswith(":user/baristas/carol")
    iam.list_users()  # a successful read is not recorded
    assert len(events()) == 1


def test_an_iam_user_denied_and_allowed(account, user_client):
    dana = user_client("dana", allow("iam:CreateGroup", f"arn:aws:iam::{account.account_id}:group/Tills"))
    dana.create_group(GroupName="Tills")
    with pytest.raises(ClientError):
        dana.create_group(GroupName="Other")
    with pytest.raises(ClientError):
        dana.list_users()
    created, refused, refused_read = events()
    assert created.event_name == "CreateGroup" and not created.error_code
    assert created.user_identity["type"] == "IAMUser" and created.user_identity["userName"] == "dana"
    assert (refused.event_name, refused.error_code) == ("CreateGroup", "AccessDenied")
    assert refused.error_message.startswith("User: arn:aws:iam::") and "iam:CreateGroup" in refused.error_message
    assert refused.resource_arn == account.arn("group/Other")
    assert (refused_read.event_name, refused_read.error_code, refused_read.read_only) == (
        "ListUsers", "AccessDenied", True)


def test_a_failed_change_leaves_only_a_failure_record(iam, account):
    iam.create_group(GroupName="Tills")
    with pytest.raises(ClientError):
        iam.create_group(GroupName="Tills")
    success, failure = events()
    assert not success.error_code
    assert (failure.event_name, failure.error_code) == ("CreateGroup", "EntityAlreadyExists")
    assert failure.response_elements is None


def test_a_change_refused_half_way_is_rolled_back_with_only_its_refusal(account, user_client):
    """CreateUser with tags needs iam:TagUser too: refused, no user, no success record."""
    erin = user_client("erin", allow("iam:CreateUser"))
    with pytest.raises(ClientError):
        erin.create_user(UserName="carol", Tags=[{"Key": "team", "Value": "tills"}])
    assert not User.objects.filter(user_name="carol").exists()
    [refused] = events()
    assert (refused.event_name, refused.error_code) == ("CreateUser", "AccessDenied")
    assert "iam:TagUser" in refused.error_message


def test_sts_assume_role_and_the_sessions_calls(account, client_for):
    erin = services.create_user(account, user_name="erin")
    policy_services.put_inline_policy(erin, name="assume", document=allow("sts:AssumeRole"))
    role = make_role(account, "Builder", allow("iam:CreateGroup"))
    assumed = client_for(new_key(erin), "sts").assume_role(RoleArn=role.arn, RoleSessionName="erin")
    session = session_client(client_for, assumed["Credentials"], "iam")
    session.create_group(GroupName="Tills")
    assume, create = events()
    assert (assume.event_name, assume.event_source, assume.read_only) == ("AssumeRole", "sts.amazonaws.com", True)
    assert assume.request_parameters["roleArn"] == role.arn
    credentials = assume.response_elements["Credentials"]
    assert credentials["SecretAccessKey"] == credentials["SessionToken"] == audit.HIDDEN
    assert credentials["AccessKeyId"] == assumed["Credentials"]["AccessKeyId"]
    identity = create.user_identity
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/Builder/erin"
    assert identity["accessKeyId"] == assumed["Credentials"]["AccessKeyId"]
    assert identity["sessionContext"]["sessionIssuer"]["arn"] == role.arn
    assert create.user_name == "erin"


def test_no_secret_in_any_record(iam, account, client_for):
    password, new_password = "Latte-Secret-Pass-2026!", "Mocha-Secret-Pass-2027!"
    iam.create_user(UserName="carol")
    iam.create_login_profile(UserName="carol", Password=password, PasswordResetRequired=False)
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="carol")["VirtualMFADevice"]
    code1, code2 = two_codes(device["Base32StringSeed"])
    iam.enable_mfa_device(UserName="carol", SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=code1, AuthenticationCode2=code2)
    carol = services.get_user(account, "carol")
    policy_services.put_inline_policy(carol, name="own", document=allow("iam:ChangePassword"))
    carol_client = client_for((key["AccessKeyId"], key["SecretAccessKey"]))
    carol_client.change_password(OldPassword=password, NewPassword=new_password)
    with pytest.raises(ClientError):  # a wrong old password: a failure record, no secret either
        carol_client.change_password(OldPassword="Wrong-Old-Pass-1!", NewPassword=new_password + "x")
    iam.update_login_profile(UserName="carol", Password=new_password + "y")
    names = [event.event_name for event in events()]
    assert names == ["CreateUser", "CreateLoginProfile", "CreateAccessKey", "CreateVirtualMFADevice",
                     "EnableMFADevice", "ChangePassword", "ChangePassword", "UpdateLoginProfile"], names
    assert Event.objects.filter(event_name="ChangePassword").exclude(error_code="").count() == 1
    text = json.dumps([event.as_record() for event in events()])
    seed = device["Base32StringSeed"].decode() if isinstance(device["Base32StringSeed"], bytes) \
        else device["Base32StringSeed"]
    for secret in (password, new_password, new_password + "x", new_password + "y", "Wrong-Old-Pass-1!",
                   key["SecretAccessKey"], seed, code1, code2):
        assert secret not in text, secret
    assert audit.HIDDEN in text
