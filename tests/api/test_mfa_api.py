"""Virtual MFA devices over the Query API, with boto3 against the live server.

Codes are real TOTP codes computed from the seed CreateVirtualMFADevice returned
(django-otp's ``totp``): code 1 for the previous time step, code 2 for the current one.
"""

from __future__ import annotations

import io
import logging
import json
from base64 import b32decode

import pytest
from botocore.exceptions import ClientError
from django.test import Client
from django_otp.oath import totp

from accounts import dependents, mfa, services
from accounts.models import MFADeviceInfo, VirtualMFADevice
from policies import services as policy_services
from tests.accounts.test_mfa_helpers import password_step
from tests.aws_examples import MANAGE_OWN_CREDENTIALS_WITH_MFA
from tests.conftest import USER_PASSWORD

from .conftest import allow, new_key
from .helpers import aws_error, error_of, signed_post

INVALID = ("InvalidAuthenticationCode", "Authentication code for device is not valid.", 403)


def key_of(seed: bytes) -> bytes:
    return b32decode(seed + b"=" * (-len(seed) % 8))


def two_codes(seed: bytes, *, ahead: int = 0) -> tuple[str, str]:
    """Two consecutive codes, as the trainee reads them off the app (``ahead`` steps later)."""
    key = key_of(seed)
    return f"{totp(key, drift=ahead - 1):06d}", f"{totp(key, drift=ahead):06d}"


def enable(client, user_name: str, device: dict) -> None:
    code1, code2 = two_codes(device["Base32StringSeed"])
    client.enable_mfa_device(UserName=user_name, SerialNumber=device["SerialNumber"],
                             AuthenticationCode1=code1, AuthenticationCode2=code2)


def iam_user(account, name: str, *documents: str, **kwargs):
    user = services.create_user(account, user_name=name, **kwargs)
    for index, document in enumerate(documents):
        policy_services.put_inline_policy(user, name=f"p{index}", document=document)
    return user


def denied(caller: str, action: str, resource: str) -> str:
    return (f"User: {caller} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


# ---------------------------------------------------------------------------
# The article's case


def test_the_trainee_activates_mfa_with_the_aws_cli_then_the_console_asks_for_a_code(account, client_for):
    """create-virtual-mfa-device → enable-mfa-device with two codes from the seed →
    list-mfa-devices shows it → the console sign-in now asks for a code; the trainee holds
    only AWS's "manage your own credentials with MFA" policy, with ${aws:username}."""
    trainee = iam_user(account, "trainee", json.dumps(MANAGE_OWN_CREDENTIALS_WITH_MFA),
                       console_password=USER_PASSWORD)
    cli = client_for(new_key(trainee))
    _, response = password_step(trainee)
    assert response["Location"] != "/mfa/challenge/"  # no device yet: no code asked

    device = cli.create_virtual_mfa_device(VirtualMFADeviceName="trainee")["VirtualMFADevice"]
    serial = f"arn:aws:iam::{account.account_id}:mfa/trainee"
    assert device["SerialNumber"] == serial
    seed = device["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(seed) == 32 and b32decode(seed)
    saved = VirtualMFADevice.objects.get(name="trainee")
    assert saved.bin_key == key_of(seed) and not saved.confirmed
    # The QR code is the console's otpauth:// URI for this device, as a PNG.
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    assert device["QRCodePNG"] == mfa.qr_png(saved)
    assert f"secret={seed.decode()}" in mfa.otpauth_uri(saved)
    assert "trainee%40" in mfa.otpauth_uri(saved)
    assert cli.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == [
        {"SerialNumber": serial}]

    enable(cli, "trainee", device)

    listed = cli.list_mfa_devices()["MFADevices"]
    assert [(row["UserName"], row["SerialNumber"]) for row in listed] == [("trainee", serial)]
    assert listed[0]["EnableDate"]
    assigned = cli.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert [(row["SerialNumber"], row["User"]["UserName"]) for row in assigned] == [(serial, "trainee")]
    assert "Base32StringSeed" not in assigned[0] and "QRCodePNG" not in assigned[0]
    assert mfa.has_device(trainee)
    _, response = password_step(trainee)
    assert response.status_code == 302 and response["Location"] == "/mfa/challenge/"

    # Still without an MFA session, the same policy refuses what it should.
    with pytest.raises(ClientError) as exc:
        cli.deactivate_mfa_device(UserName="trainee", SerialNumber=serial)
    assert aws_error(exc.value)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        cli.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="123456",
                              AuthenticationCode2="654321")
    assert aws_error(exc.value) == ("AccessDenied", denied(
        trainee.arn, "iam:EnableMFADevice", f"arn:aws:iam::{account.account_id}:user/alice"), 403)

    # With an MFA session (GetSessionToken with the next code) the policy lets it go.
    next_code = f"{totp(key_of(seed), drift=1):06d}"
    session = client_for(new_key(trainee), "sts").get_session_token(SerialNumber=serial, TokenCode=next_code)
    credentials = session["Credentials"]
    with_mfa = client_for((credentials["AccessKeyId"], credentials["SecretAccessKey"]),
                          token=credentials["SessionToken"])
    with_mfa.deactivate_mfa_device(UserName="trainee", SerialNumber=serial)
    assert cli.list_mfa_devices()["MFADevices"] == [] and not mfa.has_device(trainee)


def test_the_article_with_the_aws_cli_itself(aws, account, tmp_path):
    """The trainer's demo, literally: ``aws iam create-virtual-mfa-device`` writes the seed to a
    file, two codes from it go to ``aws iam enable-mfa-device``, ``aws iam list-mfa-devices``
    shows the device, and the console sign-in now asks for a code."""
    trainee = iam_user(account, "trainee", json.dumps(MANAGE_OWN_CREDENTIALS_WITH_MFA),
                       console_password=USER_PASSWORD)
    key = new_key(trainee)
    seed_file = tmp_path / "seed.txt"
    created = aws(key, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "trainee",
                  "--outfile", str(seed_file), "--bootstrap-method", "Base32StringSeed")["VirtualMFADevice"]
    serial = f"arn:aws:iam::{account.account_id}:mfa/trainee"
    assert created["SerialNumber"] == serial
    seed = seed_file.read_bytes()
    assert VirtualMFADevice.objects.get(name="trainee").bin_key == key_of(seed)
    code1, code2 = two_codes(seed)
    aws(key, "iam", "enable-mfa-device", "--user-name", "trainee", "--serial-number", serial,
        "--authentication-code1", code1, "--authentication-code2", code2)
    listed = aws(key, "iam", "list-mfa-devices")["MFADevices"]
    assert [(row["UserName"], row["SerialNumber"]) for row in listed] == [("trainee", serial)]
    _, response = password_step(trainee)
    assert response["Location"] == "/mfa/challenge/"


def test_the_older_policy_revision_names_the_device_after_the_user(account, client_for):
    """AWS's earlier self-service example allowed CreateVirtualMFADevice on
    ``mfa/${aws:username}`` only (iam-facts §6.1)."""
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"],
         "Resource": "arn:aws:iam::*:mfa/${aws:username}"},
        {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"}]})
    carol = iam_user(account, "carol", document)
    cli = client_for(new_key(carol))
    other = f"arn:aws:iam::{account.account_id}:mfa/not-carol"
    with pytest.raises(ClientError) as exc:
        cli.create_virtual_mfa_device(VirtualMFADeviceName="not-carol")
    assert aws_error(exc.value) == ("AccessDenied", denied(carol.arn, "iam:CreateVirtualMFADevice", other), 403)
    device = cli.create_virtual_mfa_device(VirtualMFADeviceName="carol")["VirtualMFADevice"]
    enable(cli, "carol", device)
    assert [row["SerialNumber"] for row in cli.list_mfa_devices(UserName="carol")["MFADevices"]] == [
        device["SerialNumber"]]
    assert VirtualMFADevice.objects.get(name="carol").user == carol


# ---------------------------------------------------------------------------
# Create, enable, and their errors


def test_create_with_path_and_tags_and_awss_errors(iam, account, mallory, client_for):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="Phone.1", Path="/baristas/",
                                           Tags=[{"Key": "team", "Value": "coffee"}])["VirtualMFADevice"]
    serial = f"arn:aws:iam::{account.account_id}:mfa/baristas/Phone.1"
    assert device["SerialNumber"] == serial and device["Tags"] == [{"Key": "team", "Value": "coffee"}]
    info = MFADeviceInfo.objects.get(device__name="Phone.1")
    assert (info.path, info.tags) == ("/baristas/", [{"Key": "team", "Value": "coffee"}])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "team", "Value": "coffee"}]

    for name, path in (("phone.1", "/"), ("PHONE.1", "/other/")):
        with pytest.raises(ClientError) as exc:
            iam.create_virtual_mfa_device(VirtualMFADeviceName=name, Path=path)
        assert aws_error(exc.value) == ("EntityAlreadyExists",
                                        "MFADevice entity at the same path and name already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.create_virtual_mfa_device(VirtualMFADeviceName="my phone", Path="nope")
    assert aws_error(exc.value) == ("ValidationError", (
        "2 validation errors detected: Value 'my phone' at 'virtualMFADeviceName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value 'nope' at 'path' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"),
        400)
    assert VirtualMFADevice.objects.count() == 1

    # Another account neither sees nor reaches this device, and may use the name.
    elsewhere = client_for(new_key(mallory))
    assert elsewhere.list_virtual_mfa_devices()["VirtualMFADevices"] == []
    for call in (lambda: elsewhere.delete_virtual_mfa_device(SerialNumber=serial),
                 lambda: elsewhere.list_mfa_device_tags(SerialNumber=serial)):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("NoSuchEntity", f"VirtualMFADevice with serial number {serial} "
                                                        "doesn't exist.", 404)
    elsewhere.create_virtual_mfa_device(VirtualMFADeviceName="Phone.1")


def test_enable_refuses_wrong_codes_a_used_device_and_unknown_names(iam, account, alice, bob):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="shared")["VirtualMFADevice"]
    serial = device["SerialNumber"]
    code1, code2 = two_codes(device["Base32StringSeed"])
    wrong = f"{(int(code2) + 1) % 1000000:06d}"
    for first, second in ((code1, wrong), (code2, code1), (code1, code1)):
        # Each failure is counted, and stays counted although the call's transaction is rolled
        # back; clear django-otp's back-off so that the next pair is checked too.
        VirtualMFADevice.objects.filter(name="shared").update(throttling_failure_count=0)
        with pytest.raises(ClientError) as exc:
            iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=first,
                                  AuthenticationCode2=second)
        assert aws_error(exc.value) == INVALID
        assert VirtualMFADevice.objects.get(name="shared").throttling_failure_count == 1
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=code1,
                              AuthenticationCode2=code2)
    assert aws_error(exc.value)[0] == "Throttling"  # even the right pair waits out the back-off
    VirtualMFADevice.objects.filter(name="shared").update(throttling_failure_count=0)
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="12345x",
                              AuthenticationCode2="1234567")
    code, message, status = aws_error(exc.value)
    assert (code, status) == ("ValidationError", 400)
    assert message == (
        "2 validation errors detected: Value at 'authenticationCode1' failed to satisfy constraint: Member must "
        "satisfy regular expression pattern: [\\d]+; Value at 'authenticationCode2' failed to satisfy constraint: "
        "Member must have length less than or equal to 6")
    for user_name, missing, text in (
            ("nobody", serial, "The user with name nobody cannot be found."),
            ("alice", serial + "x", f"VirtualMFADevice with serial number {serial}x doesn't exist.")):
        with pytest.raises(ClientError) as exc:
            iam.enable_mfa_device(UserName=user_name, SerialNumber=missing, AuthenticationCode1=code1,
                                  AuthenticationCode2=code2)
        assert aws_error(exc.value) == ("NoSuchEntity", text, 404)
    assert not mfa.has_device(alice)

    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=code1,
                          AuthenticationCode2=code2)
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName="bob", SerialNumber=serial, AuthenticationCode1=code1,
                              AuthenticationCode2=code2)
    assert aws_error(exc.value) == ("EntityAlreadyExists", "MFA Device is already in use.", 409)
    assert [device.user for device in VirtualMFADevice.objects.all()] == [alice]
    assert not mfa.has_device(bob)


def test_wrong_codes_are_throttled_as_on_the_console(iam, alice):
    """The call's transaction is rolled back on the error, but the failure stays counted
    (iamportal.durable), so django-otp's back-off holds over the API as in the console."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="guessed")["VirtualMFADevice"]
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1="000000", AuthenticationCode2="000001")
    assert aws_error(exc.value) == INVALID
    assert VirtualMFADevice.objects.get(name="guessed").throttling_failure_count == 1
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"],
                              AuthenticationCode1="000002", AuthenticationCode2="000003")
    assert aws_error(exc.value)[0] == "Throttling"


def test_the_root_user_enables_its_own_device_without_a_user_name(root, root_key, iam, account):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-phone")["VirtualMFADevice"]
    code1, code2 = two_codes(device["Base32StringSeed"])
    # botocore requires UserName; the API itself reads its absence as "the caller" (the root user).
    response = signed_post(Client(), root_key, {
        "Action": "EnableMFADevice", "Version": "2010-05-08", "SerialNumber": device["SerialNumber"],
        "AuthenticationCode1": code1, "AuthenticationCode2": code2})
    assert response.status_code == 200, response.content
    assert mfa.has_device(root)
    listed = iam.list_mfa_devices()["MFADevices"]
    assert [(row["UserName"], row["SerialNumber"]) for row in listed] == [("root", device["SerialNumber"])]
    assigned = iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]
    assert assigned["User"]["Arn"] == account.root_arn
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 1


# ---------------------------------------------------------------------------
# Resync, deactivate, delete, get


def test_resync_deactivate_and_delete(iam, account, alice):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"]
    enable(iam, "alice", device)
    assert iam.get_mfa_device(UserName="alice", SerialNumber=serial)["SerialNumber"] == serial

    # The phone's clock runs three steps ahead: two of its codes put the device back in step.
    code1, code2 = two_codes(seed, ahead=4)
    iam.resync_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=code1, AuthenticationCode2=code2)
    assert VirtualMFADevice.objects.get(name="alice-phone").drift in (3, 4)
    with pytest.raises(ClientError) as exc:  # the same codes are never accepted twice
        iam.resync_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1=code1,
                              AuthenticationCode2=code2)
    assert aws_error(exc.value) == INVALID
    with pytest.raises(ClientError) as exc:
        iam.resync_mfa_device(UserName="root", SerialNumber=serial, AuthenticationCode1=code1,
                              AuthenticationCode2=code2)
    assert aws_error(exc.value)[0] == "NoSuchEntity"

    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert aws_error(exc.value) == ("DeleteConflict", "MFA Device is still in use.", 409)

    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"] == []
    assert not mfa.has_device(alice)
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == [
        {"SerialNumber": serial}]
    with pytest.raises(ClientError) as exc:
        iam.get_mfa_device(UserName="alice", SerialNumber=serial)
    assert aws_error(exc.value) == ("NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist.",
                                    404)

    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert not VirtualMFADevice.objects.exists() and not MFADeviceInfo.objects.exists()
    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert aws_error(exc.value)[0::2] == ("NoSuchEntity", 404)


def test_a_device_the_console_assigned_is_seen_and_managed_over_the_api(iam, alice):
    console = VirtualMFADevice.objects.create(user=alice, name="console-phone", confirmed=True)
    serial = mfa.serial_number(console)
    assert iam.list_mfa_devices(UserName="alice")["MFADevices"][0]["SerialNumber"] == serial
    iam.tag_mfa_device(SerialNumber=serial, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.untag_mfa_device(SerialNumber=serial, TagKeys=["K"])
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == []
    iam.deactivate_mfa_device(UserName="alice", SerialNumber=serial)
    assert not mfa.has_device(alice)


# ---------------------------------------------------------------------------
# Lists


def test_list_virtual_mfa_devices_filters_and_pages(iam, account, alice):
    for name in ("a-dev", "b-dev", "c-dev"):
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    enable(iam, "alice", device)
    serials = [f"arn:aws:iam::{account.account_id}:mfa/{name}" for name in ("a-dev", "b-dev", "c-dev")]
    seen, marker = [], None
    while True:
        page = iam.list_virtual_mfa_devices(MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += [row["SerialNumber"] for row in page["VirtualMFADevices"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert seen == serials
    assert [row["SerialNumber"] for row in iam.list_virtual_mfa_devices(
        AssignmentStatus="Unassigned")["VirtualMFADevices"]] == serials[:2]
    assert [row["SerialNumber"] for row in iam.list_virtual_mfa_devices(
        AssignmentStatus="Assigned")["VirtualMFADevices"]] == serials[2:]
    with pytest.raises(ClientError) as exc:
        iam.list_virtual_mfa_devices(AssignmentStatus="Mine")
    assert aws_error(exc.value) == ("ValidationError", (
        "1 validation error detected: Value 'Mine' at 'assignmentStatus' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Assigned, Unassigned, Any]"), 400)
    page = iam.list_mfa_devices(UserName="alice", MaxItems=1)
    assert page["IsTruncated"] is False and len(page["MFADevices"]) == 1


def test_lists_of_many_devices_cost_a_bounded_number_of_queries(root, root_key, account, django_assert_max_num_queries):
    users = [services.create_user(account, user_name=f"u{index}") for index in range(30)]
    VirtualMFADevice.objects.bulk_create(
        [VirtualMFADevice(user=user, name=f"{user.user_name}-mfa", confirmed=True) for user in users]
        + [VirtualMFADevice(user=root, name=f"spare-{index}", confirmed=False) for index in range(30)])
    for device in VirtualMFADevice.objects.filter(confirmed=False):
        MFADeviceInfo.objects.create(device=device)
    client = Client()
    with django_assert_max_num_queries(12):
        response = signed_post(client, root_key, {"Action": "ListVirtualMFADevices", "Version": "2010-05-08",
                                                  "MaxItems": "100"})
    assert response.status_code == 200
    assert response.content.count(b"<SerialNumber>") == 60
    assert response.content.count(b"<UserName>") == 30


# ---------------------------------------------------------------------------
# Authorisation


def test_mfa_calls_are_denied_without_a_policy_by_a_boundary_and_by_an_explicit_deny(
        account, alice, user_client, customer_policy):
    serial = f"arn:aws:iam::{account.account_id}:mfa/x-phone"
    nobody = user_client("nobody")
    with pytest.raises(ClientError) as exc:
        nobody.create_virtual_mfa_device(VirtualMFADeviceName="x-phone")
    caller = f"arn:aws:iam::{account.account_id}:user/nobody"
    assert aws_error(exc.value) == ("AccessDenied", denied(caller, "iam:CreateVirtualMFADevice", serial), 403)
    with pytest.raises(ClientError) as exc:
        nobody.list_virtual_mfa_devices()
    assert aws_error(exc.value)[0] == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        nobody.list_mfa_devices(UserName="alice")
    assert aws_error(exc.value)[1] == denied(caller, "iam:ListMFADevices", alice.arn)
    # A user that does not exist is refused the same way: nothing is revealed.
    with pytest.raises(ClientError) as exc:
        nobody.list_mfa_devices(UserName="ghost")
    assert aws_error(exc.value)[0] == "AccessDenied"

    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("ListOnly", allow("iam:List*")))
    bounded.list_virtual_mfa_devices()
    with pytest.raises(ClientError) as exc:
        bounded.create_virtual_mfa_device(VirtualMFADeviceName="x-phone")
    assert aws_error(exc.value)[1].endswith(
        "because no permissions boundary allows the iam:CreateVirtualMFADevice action")

    denier = user_client("denier", allow("iam:*"), allow("iam:DeleteVirtualMFADevice", "*", effect="Deny"))
    denier.create_virtual_mfa_device(VirtualMFADeviceName="x-phone")
    with pytest.raises(ClientError) as exc:
        denier.delete_virtual_mfa_device(SerialNumber=serial)
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    assert VirtualMFADevice.objects.filter(name="x-phone").exists()


def test_tags_are_condition_keys_of_the_device_calls(account, user_client):
    tagger = user_client("tagger", allow("iam:CreateVirtualMFADevice"), allow(
        ["iam:TagMFADevice", "iam:UntagMFADevice", "iam:ListMFADeviceTags", "iam:DeleteVirtualMFADevice"],
        condition={"StringEquals": {"aws:ResourceTag/team": "coffee"}}), allow(
        "iam:TagMFADevice", condition={"StringEquals": {"aws:RequestTag/team": "coffee"}}))
    # Creating with tags is also iam:TagMFADevice, with the request's tags.
    with pytest.raises(ClientError) as exc:
        tagger.create_virtual_mfa_device(VirtualMFADeviceName="t1", Tags=[{"Key": "team", "Value": "tea"}])
    assert "iam:TagMFADevice" in aws_error(exc.value)[1]
    assert not VirtualMFADevice.objects.exists()
    tagged = tagger.create_virtual_mfa_device(VirtualMFADeviceName="t1", Tags=[{"Key": "team", "Value": "coffee"}])
    plain = tagger.create_virtual_mfa_device(VirtualMFADeviceName="t2")
    serial, other = tagged["VirtualMFADevice"]["SerialNumber"], plain["VirtualMFADevice"]["SerialNumber"]
    tagger.untag_mfa_device(SerialNumber=serial, TagKeys=["nothing"])
    assert tagger.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "team", "Value": "coffee"}]
    with pytest.raises(ClientError) as exc:
        tagger.delete_virtual_mfa_device(SerialNumber=other)
    assert aws_error(exc.value)[0] == "AccessDenied"
    tagger.delete_virtual_mfa_device(SerialNumber=serial)
    assert list(VirtualMFADevice.objects.values_list("name", flat=True)) == ["t2"]


def test_raw_requests_never_echo_codes(root_key):
    response = signed_post(Client(), root_key, {
        "Action": "EnableMFADevice", "Version": "2010-05-08", "UserName": "root",
        "SerialNumber": "arn:aws:iam::123456789012:mfa/x", "AuthenticationCode1": "98765a",
        "AuthenticationCode2": "secret"})
    assert response.status_code == 400
    assert error_of(response)[1] == "ValidationError"
    assert b"98765a" not in response.content and b"secret" not in response.content


def test_the_consoles_user_delete_removes_an_api_device_under_its_serial_number(iam, account, alice):
    """The console's delete of a user deactivates and deletes their devices: the
    DeleteVirtualMFADevice it stands for names the device's serial number, path included."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone", Path="/baristas/",
                                           Tags=[{"Key": "team", "Value": "coffee"}])["VirtualMFADevice"]
    enable(iam, "alice", device)
    plan = dependents.USERS.plan(alice, ("iam:DeleteUser", alice.arn, {}))
    assert ("iam:DeleteVirtualMFADevice", device["SerialNumber"], {"aws:ResourceTag/team": "coffee"}) in plan.calls
    with pytest.raises(ClientError) as exc:  # over the API nothing cascades
        iam.delete_user(UserName="alice")
    assert aws_error(exc.value)[0] == "DeleteConflict"


def test_the_operators_root_recovery_keeps_the_accounts_unassigned_devices(iam, root, account):
    """``removemfa`` for the root user removes the root's own devices, not the unassigned
    devices the root user holds for the account."""
    from django.core.management import call_command

    spare = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]
    VirtualMFADevice.objects.create(user=root, name="root-phone", confirmed=True)
    call_command("removemfa", "--account", account.account_id, "--root", stdout=io.StringIO())
    assert list(VirtualMFADevice.objects.values_list("name", flat=True)) == ["spare"]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == [{"SerialNumber": spare["SerialNumber"]}]


def test_listings_leave_out_tags_and_seeds(iam):
    """As IAM's listings: ListVirtualMFADevices gives no tags (ListMFADeviceTags does) and no seed."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="tagged", Tags=[{"Key": "k", "Value": "v"}])
    serial = device["VirtualMFADevice"]["SerialNumber"]
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == [{"SerialNumber": serial}]
    assert iam.list_mfa_device_tags(SerialNumber=serial)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_a_role_session_names_the_user_whose_devices_it_lists(account, alice, client_for):
    """Role credentials are not a user's: "the calling user" is IAM's ValidationError."""
    from .test_role_sessions_api import assume, make_role, session_client

    admin = iam_user(account, "admin", allow(["iam:*", "sts:AssumeRole"]))
    role = make_role(account, "MFAAdmin", allow("iam:*MFADevice*"))
    session = session_client(client_for, assume(client_for, new_key(admin), role)["Credentials"])
    with pytest.raises(ClientError) as exc:
        session.list_mfa_devices()
    assert aws_error(exc.value) == (
        "ValidationError", "Must specify userName when calling with non-User credentials", 400)
    assert session.list_mfa_devices(UserName="alice")["MFADevices"] == []


def test_neither_the_seed_nor_the_codes_are_logged(iam, alice, caplog):
    caplog.set_level(logging.DEBUG)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="quiet")["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    code1, code2 = two_codes(seed)
    iam.enable_mfa_device(UserName="alice", SerialNumber=device["SerialNumber"], AuthenticationCode1=code1,
                          AuthenticationCode2=code2)
    audit = [record.getMessage() for record in caplog.records if record.name == "iamportal.audit"]
    assert any("CreateVirtualMFADevice" in line for line in audit)
    assert any("EnableMFADevice" in line and alice.arn in line for line in audit)
    # What the server logged (the client's own botocore debug log shows its request, of course).
    server = "\n".join(record.getMessage() for record in caplog.records
                       if not record.name.startswith(("botocore", "boto3", "urllib3")))
    assert seed.decode() not in server and code1 not in server and code2 not in server
