"""The Query API endpoint: dispatch, authentication, the error envelope, test mode.

Raw requests (Django's client, signed by botocore's signer) probe the protocol's edges;
boto3 on the live server shows that an unmodified SDK works end to end.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from django.test import Client, override_settings

from accounts import access_keys, services
from accounts.models import Account, User
from api import testmode

from .conftest import allow, new_key
from .helpers import aws_error, error_of, signed_post

GET_CALLER = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
LIST_USERS = {"Action": "ListUsers", "Version": "2010-05-08"}


@pytest.fixture
def raw():
    return Client()


def test_get_slash_is_still_the_console(raw, db):
    response = raw.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/console/home/"


def test_an_unsigned_call_is_refused_in_awss_words(raw, db):
    response = signed_post(raw, None, GET_CALLER)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/xml")
    assert error_of(response) == ("Sender", "MissingAuthenticationToken", "Request is missing Authentication Token")
    assert b'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"' in response.content


def test_the_endpoint_needs_no_csrf_token_and_sets_no_cookie(raw, root):
    raw = Client(enforce_csrf_checks=True)
    response = signed_post(raw, new_key(root), LIST_USERS)
    assert response.status_code == 200
    assert not response.cookies
    assert response["x-amzn-RequestId"] in response.content.decode()


def test_unknown_and_missing_actions(raw, root):
    key = new_key(root)
    response = signed_post(raw, key, {"Action": "MakeCoffee", "Version": "2010-05-08"})
    assert response.status_code == 400
    assert error_of(response)[1:] == ("InvalidAction", "Could not find operation MakeCoffee for version 2010-05-08")
    response = signed_post(raw, key, {"Version": "2010-05-08"})
    assert (response.status_code, error_of(response)[1]) == (400, "MissingAction")
    # An IAM action signed for STS is not an STS action.
    response = signed_post(raw, key, LIST_USERS, service="sts")
    assert error_of(response)[1] == "InvalidAction"


@pytest.mark.parametrize("body, content_type", [
    ('{"Action": "ListUsers"}', "application/json"),
    (b"\xff\xfe\x00garbage=%%%", "application/x-www-form-urlencoded"),
    ("Action=ListUsers&Version=2010-05-08&" + "&".join(f"p{i}=1" for i in range(1200)),
     "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_answer_awss_errors_never_a_500(raw, root, body, content_type):
    response = signed_post(raw, new_key(root), body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert error_of(response)[0] == "Sender"


def test_a_huge_body_is_refused_before_it_is_read(raw, root):
    response = raw.generic("POST", "/", b"x", content_type="application/x-www-form-urlencoded",
                           CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413
    assert error_of(response)[1] == "RequestEntityTooLarge"


def test_authentication_failures(raw, root):
    key_id, secret = new_key(root)
    response = signed_post(raw, ("AKIAUNKNOWNKEY000000", secret), LIST_USERS)
    assert (response.status_code, error_of(response)[1:]) == (
        403, ("InvalidClientTokenId", "The security token included in the request is invalid."))
    response = signed_post(raw, (key_id, "x" + secret[1:]), LIST_USERS)
    assert response.status_code == 403
    assert error_of(response)[1:] == (
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.")
    access_keys.update_access_key(access_keys.find_access_key(key_id), status="Inactive")
    response = signed_post(raw, (key_id, secret), LIST_USERS)
    assert (response.status_code, error_of(response)[1]) == (403, "InvalidClientTokenId")


@override_settings(IAMPORTAL_API_KEY_FAILURES=3)
def test_failed_authentications_are_throttled_per_key_even_for_the_right_secret(raw, root):
    key_id, secret = new_key(root)
    for _ in range(3):
        assert error_of(signed_post(raw, (key_id, "wrong" + secret[5:]), LIST_USERS))[1] == "SignatureDoesNotMatch"
    response = signed_post(raw, (key_id, secret), LIST_USERS)
    assert (response.status_code, error_of(response)[1:]) == (400, ("Throttling", "Rate exceeded"))
    # Another key from the same address is not locked out by them.
    assert signed_post(raw, new_key(root), LIST_USERS).status_code == 200


def test_successes_are_not_counted(raw, root):
    key = new_key(root)
    with override_settings(IAMPORTAL_API_KEY_FAILURES=2):
        for _ in range(5):
            assert signed_post(raw, key, LIST_USERS).status_code == 200


def test_a_secret_never_appears_in_a_response_or_the_log(raw, root, caplog):
    key_id, secret = new_key(root)
    response = signed_post(raw, (key_id, secret[:-1] + "A"), LIST_USERS)
    assert secret.encode() not in response.content
    assert secret not in caplog.text


# ---------------------------------------------------------------------------
# boto3 on the live server


def test_boto3_identifies_the_root_user_and_an_iam_user(sts, client_for, account, alice):
    identity = sts.get_caller_identity()
    assert (identity["Account"], identity["Arn"], identity["UserId"]) == (
        account.account_id, account.root_arn, account.account_id)
    user_sts = client_for(new_key(alice), "sts", region="eu-west-3")
    identity = user_sts.get_caller_identity()
    assert (identity["Arn"], identity["UserId"]) == (alice.arn, alice.unique_id)


def test_boto3_signing_any_region_of_the_aws_partition_is_accepted(client_for, root_key):
    for region in ("us-west-2", "ap-southeast-2", "sa-east-1"):
        assert client_for(root_key, region=region).list_users()["Users"] == []


def test_boto3_create_get_list_delete_user(iam, account):
    created = iam.create_user(UserName="Bob", Path="/division/", Tags=[{"Key": "team", "Value": "cafe"}])["User"]
    assert created["Arn"] == f"arn:aws:iam::{account.account_id}:user/division/Bob"
    assert created["UserId"].startswith("AIDA")
    got = iam.get_user(UserName="bob")["User"]
    assert (got["UserName"], got["Tags"]) == ("Bob", [{"Key": "team", "Value": "cafe"}])
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["Bob"]
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName="BOB")
    assert aws_error(raised.value) == ("EntityAlreadyExists", "User with name BOB already exists.", 409)
    iam.delete_user(UserName="Bob")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as raised:
        iam.get_user(UserName="Bob")
    assert aws_error(raised.value) == ("NoSuchEntity", "The user with name Bob cannot be found.", 404)


def test_boto3_validation_errors_are_iams(iam):
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName="bad name")
    assert aws_error(raised.value) == (
        "ValidationError",
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+", 400)


def test_boto3_paginates_with_max_items_and_an_opaque_marker(iam, account):
    for index in range(7):
        services.create_user(account, user_name=f"user{index}")
    first = iam.list_users(MaxItems=3)
    assert first["IsTruncated"] is True and len(first["Users"]) == 3
    assert "user" not in first["Marker"]
    names = [user["UserName"] for page in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2})
             for user in page["Users"]]
    assert names == [f"user{index}" for index in range(7)]
    with pytest.raises(ClientError) as raised:
        iam.list_users(Marker="forged")
    assert aws_error(raised.value)[0] == "ValidationError"


def test_boto3_calls_are_decided_by_the_callers_policies(user_client, account):
    nobody = user_client("nobody")
    with pytest.raises(ClientError) as raised:
        nobody.list_users()
    assert aws_error(raised.value) == (
        "AccessDenied",
        f"User: arn:aws:iam::{account.account_id}:user/nobody is not authorized to perform: iam:ListUsers on "
        f"resource: arn:aws:iam::{account.account_id}:user/ because no identity-based policy allows the "
        "iam:ListUsers action", 403)
    reader = user_client("reader", allow("iam:ListUsers"))
    assert {u["UserName"] for u in reader.list_users()["Users"]} == {"nobody", "reader"}
    denied = user_client("denied", allow("iam:*"), allow("iam:CreateUser", effect="Deny"))
    with pytest.raises(ClientError) as raised:
        denied.create_user(UserName="x")
    assert "with an explicit deny in an identity-based policy" in aws_error(raised.value)[1]
    assert not User.objects.filter(account=account, user_name="x").exists()


def test_another_accounts_user_is_not_found(iam, mallory):
    services.create_user(mallory.account, user_name="secret-user")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="secret-user")


# ---------------------------------------------------------------------------
# Test mode


def test_test_hooks_are_off_by_default(raw, db):
    assert raw.post("/_test/reset").status_code == 404


@override_settings(IAMPORTAL_TEST_HOOKS=True)
def test_test_mode_key_and_reset(client_for, mallory):
    iam = client_for((testmode.ACCESS_KEY_ID, testmode.SECRET_ACCESS_KEY))
    iam.create_user(UserName="leftover")
    sts = client_for((testmode.ACCESS_KEY_ID, testmode.SECRET_ACCESS_KEY), "sts")
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:root"
    services.create_user(mallory.account, user_name="kept")
    assert Client().post("/_test/reset").status_code == 200
    assert iam.list_users()["Users"] == []
    assert User.objects.filter(account=mallory.account, user_name="kept").exists()
    assert Account.objects.filter(account_id="123456789012").count() == 1


def test_a_presigned_get_and_a_signed_get_are_served(iam, api_url, account):
    """AWS also answers query-string GETs: a URL boto3 presigns works in any HTTP client."""
    import urllib.request

    services.create_user(account, user_name="presigned")
    url = iam.generate_presigned_url("list_users", Params={"MaxItems": 5}, ExpiresIn=300, HttpMethod="GET")
    assert url.startswith(api_url + "/?") and "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=30) as response:
        body = response.read().decode()
    assert "<ListUsersResponse" in body and "<UserName>presigned</UserName>" in body
    tampered = url.replace("MaxItems=5", "MaxItems=6")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(tampered, timeout=30)
    assert raised.value.code == 403


def test_an_error_that_repeats_a_control_character_is_still_readable_xml(iam):
    """IAM's messages repeat the bad value; a NUL or an escape character in it is replaced,
    so botocore can read the answer."""
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName="bad\x00name\x1b")
    code, message, status = aws_error(raised.value)
    assert (code, status) == ("ValidationError", 400)
    assert "bad\ufffdname\ufffd" in message
