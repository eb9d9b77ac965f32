"""MFA in policies: AWS's MFA examples (iam-facts §6.1, §6.2) work end to end.

A user under "allow MFA-authenticated IAM users to manage their own credentials" who
signed in without MFA may only set up their own MFA device; after signing in again
with a code, they work normally. Self-service of MFA devices needs policies on the
user's own ARN (``${aws:username}``), exactly as in AWS.
"""

from __future__ import annotations

import json

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from policies import services as policy_services
from tests.accounts.test_mfa_helpers import T, at_step, clock, code, enrol, own_urls, sign_in_with_mfa, user_urls
from tests.aws_examples import MANAGE_OWN_CREDENTIALS_WITH_MFA
from tests.conftest import USER_PASSWORD, csrf_post, signed_in_client

pytestmark = pytest.mark.django_db


# What the user does for a living (read the IAM console), granted beside it.
IAM_READ_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}],
}

# The tutorial's self-service statements (iam-facts §6.1) without the Deny.
SELF_MANAGE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowUserToCreateVirtualMFADevice", "Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice"],
         "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowUserToManageTheirOwnMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice",
                    "iam:DeactivateMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
    ],
}


def put(user, name, document):
    policy_services.put_user_policy(user, name=name, document=json.dumps(document))


def test_without_mfa_the_user_may_only_set_up_mfa_then_with_mfa_works_normally(alice, bob):
    put(alice, "ManageOwnCredentialsWithMFA", MANAGE_OWN_CREDENTIALS_WITH_MFA)
    put(alice, "ReadIAM", IAM_READ_ONLY)
    client = signed_in_client(alice)

    # Signed in without MFA: everything else is explicitly denied.
    for url, action in [("/iam/users/", "iam:ListUsers"), ("/iam/", "iam:GetAccountSummary")]:
        denied = client.get(url)
        assert denied.status_code == 403, url
        assert f"User: {alice.arn} is not authorized to perform: {action}" in denied.content.decode()
        assert "explicit deny" in denied.content.decode()

    # ... but the own security credentials page opens, and a device can be assigned.
    assert client.get("/iam/security-credentials/").status_code == 200
    device = enrol(client, own_urls(), alice, name="alice-phone", step=T)

    # Removing it needs an MFA session (DeactivateMFADevice is not in the NotAction list).
    with clock(at_step(T + 1)):
        response = csrf_post(client, own_urls()["remove"], {"device": "alice-phone", "password": USER_PASSWORD})
    assert response.status_code == 403 and "iam:DeactivateMFADevice" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    csrf_post(client, "/signout/")

    # Signed in again with a code: allowed.
    client = sign_in_with_mfa(alice, device, T + 2)
    with clock(at_step(T + 2) + 30):
        assert client.get("/iam/users/").status_code == 200
        assert client.get("/iam/").status_code == 200
        assert client.get("/iam/users/bob/").status_code == 200
    # Still only their own credentials: bob's MFA is not theirs to manage.
    assert client.get(user_urls("bob")["assign"]).status_code == 403


def test_a_user_with_the_self_service_statements_manages_only_their_own_devices(alice, bob):
    put(alice, "SelfManageMFA", SELF_MANAGE_MFA)
    client = signed_in_client(alice)
    assert client.get("/iam/security-credentials/").status_code == 200
    device = enrol(client, own_urls(), alice, name="alice-phone", step=T)
    # Also through the users pages, for themselves ...
    assert client.get(user_urls("alice")["assign"]).status_code == 200
    # ... but not for bob: the resource arn:aws:iam::<acct>:user/bob is not ${aws:username}.
    denied = client.get(user_urls("bob")["assign"])
    assert denied.status_code == 403
    assert f"iam:EnableMFADevice on resource: {bob.arn}" in denied.content.decode()
    with clock(at_step(T + 1)):
        removed = csrf_post(client, own_urls()["remove"], {"device": "alice-phone", "code": code(device, T + 1)})
    assert removed.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


def test_creating_the_virtual_device_is_authorised_on_its_mfa_arn(alice, account):
    only_named = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
             "Resource": "arn:aws:iam::*:mfa/${aws:username}"},
            {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
        ],
    }
    put(alice, "OwnNameOnly", only_named)
    client = signed_in_client(alice)
    denied = csrf_post(client, own_urls()["assign"], {"name": "work-phone", "device_type": "virtual"})
    assert denied.status_code == 403
    assert (f"iam:CreateVirtualMFADevice on resource: arn:aws:iam::{account.account_id}:mfa/work-phone"
            in denied.content.decode())
    enrol(client, own_urls(), alice, name="alice")


def test_a_policy_can_limit_the_age_of_the_mfa_sign_in(alice):
    recent_mfa_only = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*",
             "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}},
        ],
    }
    put(alice, "RecentMFA", recent_mfa_only)
    assert signed_in_client(alice).get("/iam/users/").status_code == 403  # no MFA, no age
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = sign_in_with_mfa(alice, device, T)
    with clock(at_step(T) + 600):
        assert client.get("/iam/users/").status_code == 200
    with clock(at_step(T) + 4000):
        assert client.get("/iam/users/").status_code == 403
