"""manage.py removemfa: the operator's recovery for a lost MFA device."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.accounts.test_mfa_helpers import password_step

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("removemfa", *args, stdout=out)
    return out.getvalue()


def test_it_removes_an_iam_users_devices_and_logs_it(alice, bob, account, caplog):
    caplog.set_level(logging.INFO, logger="iamportal.audit")
    phone = TOTPDevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    TOTPDevice.objects.create(user=alice, name="alice-pending", confirmed=False)
    keep = TOTPDevice.objects.create(user=bob, name="bob-phone", confirmed=True)
    output = run("--account", account.account_id, "--user", "ALICE")
    assert f"arn:aws:iam::{account.account_id}:mfa/alice-phone" in output
    assert "Removed 2 MFA device(s)" in output
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert TOTPDevice.objects.filter(pk=keep.pk).exists()
    records = [r for r in caplog.records if r.name == "iamportal.audit"]
    assert len(records) == 2
    assert "operator (manage.py removemfa)" in caplog.text and alice.arn in caplog.text
    assert phone.key not in caplog.text


def test_it_removes_the_root_users_devices_by_account_alias(root, account):
    services.set_account_alias(account, "coffee-shop")
    TOTPDevice.objects.create(user=root, name="root-phone", confirmed=True)
    _, before = password_step(root)
    assert before["Location"] == "/mfa/challenge/"
    output = run("--account", "coffee-shop", "--root")
    assert "Removed 1 MFA device(s)" in output and account.root_arn in output
    _, after = password_step(root)
    assert after["Location"] == "/console/home/"


def test_a_user_without_devices_is_reported(alice, account):
    assert "has no MFA devices" in run("--account", account.account_id, "--user", "alice")


def test_unknown_accounts_and_users_are_errors(alice, account, mallory):
    TOTPDevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    with pytest.raises(CommandError, match="No account"):
        run("--account", "000000000000", "--user", "alice")
    with pytest.raises(CommandError, match="cannot be found"):
        run("--account", account.account_id, "--user", "nobody")
    with pytest.raises(CommandError, match="cannot be found"):
        run("--account", mallory.account.account_id, "--user", "alice")
    assert TOTPDevice.objects.filter(user=alice).exists()


def test_it_needs_exactly_one_of_user_and_root(account):
    with pytest.raises(CommandError):
        run("--account", account.account_id)
    with pytest.raises(CommandError):
        run("--account", account.account_id, "--user", "alice", "--root")
