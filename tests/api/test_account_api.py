"""The account over the Query API: its alias, its summary and its password policy (boto3 on
the live server)."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import botocore
import pytest
from botocore.exceptions import ClientError
from django.test import Client
from django.utils import timezone

from accounts import password_policy, services
from accounts.models import Account, PasswordPolicy, User, VirtualMFADevice
from accounts.summary import QUOTAS
from policies import services as policy_services
from .conftest import allow, new_key
from .helpers import aws_error, signed_post


def denied(caller: str, action: str) -> str:
    return (f"User: {caller} is not authorized to perform: {action} on resource: * "
            f"because no identity-based policy allows the {action} action")


# ---------------------------------------------------------------------------
# Alias


def test_account_alias_create_list_replace_and_delete(iam, account, mallory):
    listed = iam.list_account_aliases()
    assert (listed["AccountAliases"], listed["IsTruncated"]) == ([], False)
    iam.create_account_alias(AccountAlias="coffee-shop")
    assert iam.list_account_aliases()["AccountAliases"] == ["coffee-shop"]
    iam.create_account_alias(AccountAlias="coffee-shop-2")  # replaces it: one alias per account
    assert iam.list_account_aliases()["AccountAliases"] == ["coffee-shop-2"]
    assert Account.objects.get(pk=account.pk).alias == "coffee-shop-2"

    services.set_account_alias(mallory.account, "taken")
    with pytest.raises(ClientError) as exc:
        iam.create_account_alias(AccountAlias="taken")
    assert aws_error(exc.value) == ("EntityAlreadyExists", "The account alias taken already exists.", 409)
    with pytest.raises(ClientError) as exc:
        iam.create_account_alias(AccountAlias="Bad--Alias")
    assert aws_error(exc.value) == ("ValidationError", (
        "1 validation error detected: Value 'Bad--Alias' at 'accountAlias' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"), 400)
    with pytest.raises(ClientError) as exc:
        iam.create_account_alias(AccountAlias="123456789012")
    assert aws_error(exc.value)[0::2] == ("InvalidInput", 400)
    assert Account.objects.get(pk=account.pk).alias == "coffee-shop-2"

    with pytest.raises(ClientError) as exc:
        iam.delete_account_alias(AccountAlias="taken")
    assert aws_error(exc.value) == ("NoSuchEntity", "The account alias taken cannot be found.", 404)
    iam.delete_account_alias(AccountAlias="coffee-shop-2")
    assert iam.list_account_aliases()["AccountAliases"] == []
    with pytest.raises(ClientError) as exc:
        iam.delete_account_alias(AccountAlias="coffee-shop-2")
    assert aws_error(exc.value) == (
        "NoSuchEntity", f"The account alias for account {account.account_id} cannot be found.", 404)
    assert Account.objects.get(pk=mallory.account.pk).alias == "taken"


def test_alias_actions_are_authorised(account, user_client):
    nobody = user_client("nobody")
    caller = f"arn:aws:iam::{account.account_id}:user/nobody"
    for call, action in ((lambda: nobody.create_account_alias(AccountAlias="mine"), "iam:CreateAccountAlias"),
                         (lambda: nobody.list_account_aliases(), "iam:ListAccountAliases")):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == ("AccessDenied", denied(caller, action), 403)
    editor = user_client("editor", allow("iam:*AccountAlias*"), allow("iam:DeleteAccountAlias", effect="Deny"))
    editor.create_account_alias(AccountAlias="mine")
    assert editor.list_account_aliases()["AccountAliases"] == ["mine"]
    with pytest.raises(ClientError) as exc:
        editor.delete_account_alias(AccountAlias="mine")
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    assert Account.objects.get(pk=account.pk).alias == "mine"


# ---------------------------------------------------------------------------
# Summary


def summary_keys() -> set[str]:
    model = Path(botocore.__file__).parent / "data" / "iam" / "2010-05-08" / "service-2.json.gz"
    return set(json.loads(gzip.open(model).read())["shapes"]["summaryKeyType"]["enum"])


def test_account_summary_counts_the_account_and_states_its_quotas(iam, root, account, alice, mallory):
    services.create_group(account, name="Baristas")
    mine = policy_services.create_policy(account, name="Mine", document=allow("s3:*"))
    policy_services.attach_policy(alice, policy_arn=mine.arn)
    VirtualMFADevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")
    services.create_user(mallory.account, user_name="elsewhere")  # another account's: not counted

    summary = iam.get_account_summary()["SummaryMap"]
    assert set(summary) == summary_keys()
    assert {key: summary[key] for key in ("Users", "Groups", "Policies", "MFADevices", "MFADevicesInUse",
                                          "AccountMFAEnabled", "AccountAccessKeysPresent",
                                          "AccountPasswordPresent", "AccountSigningCertificatesPresent",
                                          "Roles", "InstanceProfiles", "ServerCertificates", "Providers",
                                          "PolicyVersionsInUse")} == {
        "Users": 1, "Groups": 1, "Policies": 1, "MFADevices": 2, "MFADevicesInUse": 1,
        "AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "AccountPasswordPresent": 1,
        "AccountSigningCertificatesPresent": 0, "Roles": 0, "InstanceProfiles": 0, "ServerCertificates": 0,
        "Providers": 0, "PolicyVersionsInUse": 1}
    assert {key: summary[key] for key in QUOTAS} == QUOTAS
    assert (summary["UsersQuota"], summary["GroupsQuota"], summary["RolesQuota"], summary["PoliciesQuota"],
            summary["PolicySizeQuota"], summary["AttachedPoliciesPerUserQuota"], summary["GroupsPerUserQuota"],
            summary["AccessKeysPerUserQuota"]) == (5000, 300, 1000, 1500, 6144, 10, 10, 2)


def test_account_summary_costs_the_same_queries_for_a_large_account(root, account, django_assert_max_num_queries):
    key = new_key(root)
    client = Client()
    signed_post(client, key, {"Action": "GetAccountSummary", "Version": "2010-05-08"})  # warm the caches

    def cost() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = signed_post(client, key, {"Action": "GetAccountSummary", "Version": "2010-05-08"})
        assert response.status_code == 200
        return len(queries)

    small = cost()
    users = User.objects.bulk_create([User(account=account, user_name=f"u{index}",
                                           login_key=f"{account.account_id}:u{index}") for index in range(60)])
    VirtualMFADevice.objects.bulk_create([VirtualMFADevice(user=user, name=f"d{user.pk}", confirmed=True)
                                          for user in users])
    for index in range(60):
        services.create_group(account, name=f"g{index}")
    with django_assert_max_num_queries(small):
        response = signed_post(client, key, {"Action": "GetAccountSummary", "Version": "2010-05-08"})
    assert b"<key>Users</key><value>60</value>" in response.content
    assert b"<key>MFADevicesInUse</key><value>60</value>" in response.content


def test_account_summary_is_authorised(account, user_client):
    with pytest.raises(ClientError) as exc:
        user_client("nobody").get_account_summary()
    assert aws_error(exc.value) == (
        "AccessDenied", denied(f"arn:aws:iam::{account.account_id}:user/nobody", "iam:GetAccountSummary"), 403)
    assert user_client("reader", allow("iam:GetAccountSummary")).get_account_summary()["SummaryMap"]["Users"] == 2


# ---------------------------------------------------------------------------
# Password policy


def test_password_policy_get_update_and_delete(iam, account):
    missing = ("NoSuchEntity", f"The Password Policy with domain name {account.account_id} cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.get_account_password_policy()
    assert aws_error(exc.value) == missing

    iam.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True, MaxPasswordAge=90,
                                       PasswordReusePrevention=5, AllowUsersToChangePassword=True)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5, "HardExpiry": False}
    # As in IAM, what an update leaves out goes back to its default.
    iam.update_account_password_policy(RequireNumbers=True)
    saved = PasswordPolicy.objects.get(account=account)
    assert (saved.minimum_password_length, saved.require_numbers, saved.max_password_age,
            saved.allow_users_to_change_password) == (6, True, None, False)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["ExpirePasswords"] is False and "MaxPasswordAge" not in policy

    with pytest.raises(ClientError) as exc:
        iam.update_account_password_policy(MinimumPasswordLength=200, PasswordReusePrevention=25)
    assert aws_error(exc.value) == ("ValidationError", (
        "2 validation errors detected: Value '200' at 'minimumPasswordLength' failed to satisfy constraint: "
        "Member must have value less than or equal to 128; Value '25' at 'passwordReusePrevention' failed to "
        "satisfy constraint: Member must have value less than or equal to 24"), 400)
    assert PasswordPolicy.objects.get(account=account).require_numbers is True

    iam.delete_account_password_policy()
    assert password_policy.policy_of(Account.objects.get(pk=account.pk)) is None
    for call in (iam.delete_account_password_policy, iam.get_account_password_policy):
        with pytest.raises(ClientError) as exc:
            call()
        assert aws_error(exc.value) == missing


def test_password_policy_actions_are_authorised(account, user_client):
    reader = user_client("reader", allow("iam:GetAccountPasswordPolicy"),
                         allow("iam:UpdateAccountPasswordPolicy", effect="Deny"))
    caller = f"arn:aws:iam::{account.account_id}:user/reader"
    with pytest.raises(ClientError) as exc:
        reader.delete_account_password_policy()
    assert aws_error(exc.value) == ("AccessDenied", denied(caller, "iam:DeleteAccountPasswordPolicy"), 403)
    with pytest.raises(ClientError) as exc:
        reader.update_account_password_policy(MinimumPasswordLength=12)
    assert aws_error(exc.value)[1].endswith("with an explicit deny in an identity-based policy")
    assert not PasswordPolicy.objects.filter(account=account).exists()
    # AllowUsersToChangePassword lets every IAM user read the policy without a policy of their own.
    password_policy.update_account_password_policy(account, AllowUsersToChangePassword=True)
    assert user_client("plain").get_account_password_policy()["PasswordPolicy"]["AllowUsersToChangePassword"]
    assert reader.get_account_password_policy()["PasswordPolicy"]["MinimumPasswordLength"] == 6


def test_account_summary_leaves_out_abandoned_console_enrolments(iam, alice):
    """An MFA set-up left unfinished in the console expires after 30 minutes: the summary
    stops counting it, as ListVirtualMFADevices stops listing it."""
    pending = VirtualMFADevice.objects.create(user=alice, name="half-done", confirmed=False)
    assert iam.get_account_summary()["SummaryMap"]["MFADevices"] == 1
    VirtualMFADevice.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert iam.get_account_summary()["SummaryMap"]["MFADevices"] == 0
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []
