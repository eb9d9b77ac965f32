"""The audit trail of the console and of sign-in: one CloudTrail record per change, with
the caller's userIdentity (root, IAM user, a Switch Role session), every AccessDenied, a
failure record (never a success record) for a failed change, ConsoleLogin, and one INSERT
per record."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from accounts import roles
from accounts import services as accounts_services
from audit import services as audit
from audit.models import Event
from policies import services as policy_services
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, attach_aws_policy, csrf_post, signed_in_client

pytestmark = pytest.mark.django_db

DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'


def only_event(**filters) -> Event:
    events = list(Event.objects.filter(**filters))
    assert len(events) == 1, [(e.event_name, e.error_code) for e in Event.objects.all()]
    return events[0]


def test_root_creates_a_group_one_record(root, account):
    client = signed_in_client(root)
    Event.objects.all().delete()  # the sign-in's ConsoleLogin
    response = csrf_post(client, "/iam/groups/create/", {"name": "Baristas"},
                         HTTP_USER_AGENT="Mozilla/5.0 (trainee)")
    assert response.status_code == 302
    event = only_event()
    record = event.as_record()
    assert record["eventName"] == "CreateGroup" and record["eventSource"] == "iam.amazonaws.com"
    assert record["eventVersion"] == "1.08" and record["eventType"] == "AwsApiCall"
    assert record["readOnly"] is False and record["managementEvent"] is True
    assert record["recipientAccountId"] == account.account_id
    assert record["sourceIPAddress"] == "127.0.0.1" and record["userAgent"] == "Mozilla/5.0 (trainee)"
    assert record["requestParameters"] == {"name": "Baristas"}
    assert "errorCode" not in record
    identity = record["userIdentity"]
    assert identity["type"] == "Root" and identity["arn"] == account.root_arn
    assert identity["accountId"] == account.account_id and identity["principalId"] == account.account_id
    assert identity["sessionContext"]["attributes"]["mfaAuthenticated"] == "false"
    assert identity["sessionContext"]["attributes"]["creationDate"].endswith("Z")
    assert event.resource_name == "Baristas" and event.resource_arn == account.arn("group/Baristas")
    assert event.user_name == "root"


def test_an_iam_user_tags_a_user_one_record(account, alice, bob, aws_managed_policies):
    attach_aws_policy(bob, "AdministratorAccess")
    client = signed_in_client(bob)
    Event.objects.all().delete()
    response = csrf_post(client, "/iam/users/alice/tags/", {"key_0": "team", "value_0": "baristas"})
    assert response.status_code == 302
    event = only_event()
    assert event.event_name == "TagUser" and event.user_name == "bob"
    assert event.user_identity["type"] == "IAMUser"
    assert event.user_identity["userName"] == "bob" and event.user_identity["arn"] == bob.arn
    assert event.user_identity["principalId"] == bob.unique_id
    assert event.resource_name == "alice"


def test_a_switch_role_session_records_switchrole_then_assumed_role_calls(account, alice):
    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.attach_role_policy(role, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    attach_aws_policy(alice, "AdministratorAccess")
    client = signed_in_client(alice)
    Event.objects.all().delete()
    response = csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": "Cashier",
                                                 "display_name": "", "colour": ""})
    assert response.status_code == 302, response.content[:500]
    switched = only_event()
    assert (switched.event_name, switched.event_source, switched.event_type) == (
        "SwitchRole", "signin.amazonaws.com", "AwsConsoleSignIn")
    assert switched.response_elements == {"SwitchRole": "Success"}
    assert switched.user_identity["type"] == "IAMUser"

    assert csrf_post(client, "/iam/groups/create/", {"name": "Tills"}).status_code == 302
    event = only_event(event_name="CreateGroup")
    identity = event.user_identity
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{account.account_id}:assumed-role/Cashier/alice"
    assert identity["principalId"] == f"{role.unique_id}:alice"
    issuer = identity["sessionContext"]["sessionIssuer"]
    assert issuer == {"type": "Role", "principalId": role.unique_id, "arn": role.arn,
                      "accountId": account.account_id, "userName": "Cashier"}
    assert event.user_name == "alice"


@pytest.fixture(autouse=True)
def _catalog(aws_managed_policies):
    return aws_managed_policies


def test_a_denied_call_is_recorded_and_changes_nothing(account, bob):
    client = signed_in_client(bob)
    Event.objects.all().delete()
    response = csrf_post(client, "/iam/groups/create/", {"name": "Baristas"})
    assert response.status_code == 403
    event = only_event()
    assert event.event_name == "CreateGroup" and event.error_code == "AccessDenied"
    assert event.error_message == (f"User: {bob.arn} is not authorized to perform: iam:CreateGroup on resource: "
                                   f"{account.arn('group/Baristas')} because no identity-based policy allows "
                                   "the iam:CreateGroup action")
    assert event.user_identity["userName"] == "bob"
    # A refused read is recorded too (read-only).
    client.get("/iam/users/")
    read = only_event(event_name="ListUsers")
    assert read.error_code == "AccessDenied" and read.read_only is True


def test_a_failed_change_leaves_a_failure_record_and_no_success_record(root, account):
    accounts_services.create_group(account, name="Baristas")
    client = signed_in_client(root)
    Event.objects.all().delete()
    response = csrf_post(client, "/iam/groups/create/", {"name": "Baristas"})
    assert response.status_code == 200 and "already exists" in response.content.decode()
    event = only_event()
    assert event.event_name == "CreateGroup" and event.error_code == "EntityAlreadyExists"
    assert "Baristas" in event.error_message
    assert event.response_elements is None
    # IAM's own validation refuses the call: a failure record too, as CloudTrail's.
    csrf_post(client, "/iam/groups/create/", {"name": "bad name!"})
    assert only_event(error_code="ValidationError").event_name == "CreateGroup"


def _device_named(account):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    alice = accounts_services.create_user(account, user_name="alice")
    TOTPDevice.objects.create(user=alice, name="till-phone", confirmed=True)


def _default_version(account):
    policy = policy_services.create_policy(account, name="Receipts", document=DOC)
    return f"/iam/policies/{policy.owner}/Receipts/versions/v1/delete/", {}


FAILURES = {
    # (setup, url, data, event name, error code): pages outside the common form mixin (the
    # setup returns the url and data when they name what it made)
    "an MFA device name taken": (_device_named, "/iam/security-credentials/mfa/assign/",
                                 {"name": "till-phone", "device_type": "virtual"}, "CreateVirtualMFADevice",
                                 "EntityAlreadyExists"),
    "delete the default version": (_default_version, None, None, "DeletePolicyVersion", "DeleteConflict"),
    "disable console access it lacks": (lambda account: accounts_services.create_user(account, user_name="alice"),
                                        "/iam/users/alice/console-access/disable/", {}, "DeleteLoginProfile",
                                        "NoSuchEntity"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_failures_on_every_kind_of_page_are_recorded(root, account, aws_managed_policies, case):
    setup, url, data, name, code = FAILURES[case]
    client = signed_in_client(root)
    made = setup(account)
    if url is None:
        url, data = made
    Event.objects.all().delete()
    response = csrf_post(client, url, data)
    assert response.status_code < 500
    assert Event.objects.count() == 1, (response.status_code, response.content.decode()[-3000:])
    event = only_event()
    assert (event.event_name, event.error_code) == (name, code), response.content.decode()[:2000]
    assert event.error_message


def test_reads_form_errors_and_wizard_steps_are_not_recorded(root, account):
    client = signed_in_client(root)
    Event.objects.all().delete()
    client.get("/iam/users/")
    client.get("/iam/groups/create/")
    csrf_post(client, "/iam/groups/create/", {"name": ""})  # the form's own error: no call was made
    csrf_post(client, "/iam/users/create/", {"user_create_wizard-current_step": "details",
                                             "details-user_name": "carol", "details-path": "/"})
    assert not Event.objects.exists(), [(e.event_name, e.error_code, e.error_message) for e in Event.objects.all()]


def test_console_login_success_and_failures(root, account, alice):
    signed_in_client(root)
    success = only_event(user_name="root")
    assert success.as_record()["responseElements"] == {"ConsoleLogin": "Success"}
    assert success.additional_event_data["MFAUsed"] == "No"
    assert success.event_source == "signin.amazonaws.com" and success.event_type == "AwsConsoleSignIn"
    assert success.user_identity["type"] == "Root"
    Event.objects.all().delete()

    client = Client()
    client.post(f"/signin/{account.account_id}/", {"user_name": "alice", "password": "wrong-password-1"})
    failed = only_event()
    assert failed.event_name == "ConsoleLogin" and failed.error_message == "Failed authentication"
    assert failed.response_elements == {"ConsoleLogin": "Failure"}
    assert failed.user_identity["type"] == "IAMUser" and failed.user_identity["userName"] == "alice"
    Event.objects.all().delete()
    client.post(f"/signin/{account.account_id}/", {"user_name": "nobody", "password": USER_PASSWORD})
    unknown = only_event()
    assert unknown.user_identity["userName"] == audit.HIDDEN and unknown.account_id == account.pk
    Event.objects.all().delete()
    client.post("/signin/", {"email": root.email, "password": "not-" + ROOT_PASSWORD})
    assert only_event().user_identity["type"] == "Root"
    assert not any(USER_PASSWORD in str(e.as_record()) or ROOT_PASSWORD in str(e.as_record())
                   for e in Event.objects.all())


def test_record_is_one_insert(account, alice, django_assert_num_queries):
    client = signed_in_client(alice)
    request = RequestFactory().post("/iam/users/create/", HTTP_USER_AGENT="ua")
    request.session = client.session
    from accounts.identity import identity_for

    request.user = alice
    request.iam = identity_for(request)
    with django_assert_num_queries(1):
        audit.record(request, event_name="CreateUser", resource=account.arn("user/carol"),
                     request_parameters={"UserName": "carol", "Password": "S3cret-pass!"})
    event = Event.objects.get(event_name="CreateUser")
    assert event.request_parameters == {"UserName": "carol", "Password": audit.HIDDEN}


def test_redaction_by_parameter_name():
    hidden = audit.redact({
        "UserName": "carol", "Password": "a", "OldPassword": "b", "NewPassword": "c",
        "AccessKey": {"AccessKeyId": "AKIA1", "SecretAccessKey": "d"},
        "Credentials": {"SessionToken": "e", "AccessKeyId": "ASIA1"},
        "VirtualMFADevice": {"Base32StringSeed": "f", "QRCodePNG": "g", "SerialNumber": "arn"},
        "AuthenticationCode1": "1", "AuthenticationCode2": "2", "TokenCode": "3", "PrivateKey": "k",
        "console_password": "x", "code1": "4", "code": "5", "custom_password": "y",
        "MinimumPasswordLength": 8, "PasswordResetRequired": True, "Tags": [{"Key": "Password", "Value": "v"}],
    })
    assert hidden["UserName"] == "carol" and hidden["AccessKey"]["AccessKeyId"] == "AKIA1"
    assert hidden["Credentials"]["AccessKeyId"] == "ASIA1"
    assert hidden["MinimumPasswordLength"] == 8 and hidden["PasswordResetRequired"] is True
    assert hidden["VirtualMFADevice"]["SerialNumber"] == "arn"
    for secret in "abcdefgk12345xy":
        assert secret not in [v for v in _leaves(hidden) if v != "arn" and v != "carol"], secret


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def test_large_members_are_bounded():
    member = audit.json_member({"PolicyDocument": "x" * (audit.MAX_JSON + 1)})
    assert member == {"omitted": f"larger than {audit.MAX_JSON} characters"}


def test_the_trail_cuts_json_nested_too_deep_and_replaces_what_no_database_stores():
    deep: list = []
    for _ in range(500):  # as deep as a request body may nest, more than the walks may recurse
        deep = [deep]
    member = audit.json_member({"UserName": "carol", "Odd": deep})
    assert member["UserName"] == "carol"
    level, depth = member["Odd"], 1
    while isinstance(level, list):
        level, depth = level[0], depth + 1
    assert level == audit.TOO_DEEP and depth <= audit.MAX_DEPTH + 2
    assert audit.storable({"a\ud800": "b\x00\udfff"}) == {"a\ufffd": "b\ufffd\ufffd"}
