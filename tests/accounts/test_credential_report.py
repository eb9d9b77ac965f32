"""The credential report (accounts/credential_report.py): AWS's columns and order, its value
conventions, generation at most every 4 hours, expiry, and a bounded number of queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts import access_keys, credential_report, password_policy, services
from accounts.models import CredentialReport, SigningCertificate, User, VirtualMFADevice
from iamportal.errors import ReportExpired, ReportNotPresent
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

HEADER = ("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
          "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
          "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
          "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,"
          "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def test_columns_order_and_conventions(account, root):
    User.objects.filter(pk=root.pk).update(created=WHEN)
    alice = services.create_user(account, user_name="alice", console_password="Correct-Horse-9")
    User.objects.filter(pk=alice.pk).update(created=WHEN, password_changed=WHEN + timedelta(seconds=1),
                                            last_login=WHEN + timedelta(days=1))
    password_policy.update_account_password_policy(account, MaxPasswordAge=90)
    first, _ = access_keys.create_access_key(alice)
    second, _ = access_keys.create_access_key(alice)
    first.created, first.last_used = WHEN, WHEN + timedelta(hours=1)
    first.last_used_service, first.last_used_region = "iam", "eu-central-1"
    first.save()
    access_keys.update_access_key(second, status="Inactive")
    SigningCertificate.objects.create(user=alice, body="-", fingerprint="f", upload_date=WHEN)
    VirtualMFADevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    services.create_user(account, user_name="bob")  # no password, no keys

    text = credential_report.report_csv(account)
    assert text.splitlines()[0] == HEADER
    root_row, alice_row, bob_row = rows_of(text)
    assert root_row == {
        "user": "<root_account>", "arn": f"arn:aws:iam::{account.account_id}:root", "user_creation_time": at(WHEN),
        "password_enabled": "not_supported", "password_last_used": "no_information",
        "password_last_changed": "not_supported", "password_next_rotation": "not_supported", "mfa_active": "false",
        "access_key_1_active": "false", "access_key_1_last_rotated": "N/A", "access_key_1_last_used_date": "N/A",
        "access_key_1_last_used_region": "N/A", "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "false", "access_key_2_last_rotated": "N/A", "access_key_2_last_used_date": "N/A",
        "access_key_2_last_used_region": "N/A", "access_key_2_last_used_service": "N/A",
        "cert_1_active": "false", "cert_1_last_rotated": "N/A", "cert_2_active": "false", "cert_2_last_rotated": "N/A"}
    assert alice_row["user"] == "alice" and alice_row["arn"] == alice.arn
    assert alice_row["user_creation_time"] == "2024-01-02T03:04:05+00:00"
    assert (alice_row["password_enabled"], alice_row["password_last_used"], alice_row["password_last_changed"],
            alice_row["password_next_rotation"]) == (
        "true", at(WHEN + timedelta(days=1)), at(WHEN + timedelta(seconds=1)), at(WHEN + timedelta(days=90, seconds=1)))
    assert alice_row["mfa_active"] == "true"
    assert [alice_row[f"access_key_1_{c}"] for c in ("active", "last_rotated", "last_used_date", "last_used_region",
                                                     "last_used_service")] == [
        "true", at(WHEN), at(WHEN + timedelta(hours=1)), "eu-central-1", "iam"]
    assert alice_row["access_key_2_active"] == "false" and alice_row["access_key_2_last_rotated"] != "N/A"
    assert alice_row["access_key_2_last_used_date"] == "N/A"
    assert (alice_row["cert_1_active"], alice_row["cert_1_last_rotated"]) == ("true", at(WHEN))
    assert (alice_row["cert_2_active"], alice_row["cert_2_last_rotated"]) == ("false", "N/A")
    assert [bob_row[c] for c in ("password_enabled", "password_last_used", "password_last_changed",
                                 "password_next_rotation", "mfa_active")] == ["false", "N/A", "N/A", "N/A", "false"]
    # A password never used says no_information; without an expiry policy the next rotation is N/A.
    password_policy.delete_account_password_policy(account)
    User.objects.filter(pk=alice.pk).update(last_login=None)
    alice_row = rows_of(credential_report.report_csv(account))[1]
    assert (alice_row["password_last_used"], alice_row["password_next_rotation"]) == ("no_information", "N/A")


def test_generated_at_most_every_four_hours_and_expired_after(account, monkeypatch):
    with pytest.raises(ReportNotPresent) as raised:
        credential_report.get_credential_report(account)
    assert (raised.value.code, raised.value.status, raised.value.message) == (
        "ReportNotPresent", 410, "Credential report not present")
    assert credential_report.generate_credential_report(account) == (
        "STARTED", "No report exists. Starting a new report generation task")
    generated = credential_report.get_credential_report(account).generated
    services.create_user(account, user_name="later")
    # Within 4 hours: the report kept, without the new user.
    assert credential_report.generate_credential_report(account) == ("COMPLETE", None)
    report = credential_report.get_credential_report(account)
    assert report.generated == generated and ",later," not in report.content

    later = timezone.now() + timedelta(hours=4, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(ReportExpired) as raised:
        credential_report.get_credential_report(account)
    assert (raised.value.code, raised.value.status) == ("ReportExpired", 410)
    assert credential_report.generate_credential_report(account)[0] == "STARTED"
    report = credential_report.get_credential_report(account)
    assert report.generated == later and "later,arn:" in report.content
    assert CredentialReport.objects.filter(account=account).count() == 1


def test_a_thousand_users_in_a_bounded_number_of_queries(account, django_assert_max_num_queries):
    User.objects.bulk_create([User(account=account, user_name=f"u{n:04}", login_key=f"{account.account_id}:u{n:04}",
                                   unique_id=f"AIDATEST{n:012}") for n in range(1000)])
    for user in User.objects.filter(account=account, user_name__in=["u0001", "u0500"]):
        access_keys.create_access_key(user)
        SigningCertificate.objects.create(user=user, body="-", fingerprint=user.user_name)
    account = type(account).objects.get(pk=account.pk)
    with django_assert_max_num_queries(10):  # lock, report, MFA, policy, users, keys, certs, save, savepoint x2
        credential_report.generate_credential_report(account)
    rows = rows_of(credential_report.get_credential_report(account).content)
    assert len(rows) == 1001 and rows[0]["user"] == "<root_account>" and rows[1]["user"] == "u0000"
    assert rows[2]["access_key_1_active"] == "true" and rows[2]["cert_1_active"] == "true"


# ---------------------------------------------------------------------------
# The console's Credential report page

URL = "/iam/credential-report/"


def test_console_page_downloads_the_report(root_client, account, alice):
    page = root_client.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>Credential report</h1>" in body and "No report has been generated yet." in body
    assert "Download credentials report" in body and 'href="/iam/credential-report/"' in body  # in the sidebar
    response = csrf_post(root_client, URL)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="status_reports_')
    rows = rows_of(response.content.decode())
    assert [row["user"] for row in rows] == ["<root_account>", "alice"]
    assert "Last generated:" in root_client.get(URL).content.decode()


def test_console_download_needs_both_actions(alice, alice_client):
    grant(alice, {"Effect": "Allow", "Action": "iam:GetCredentialReport", "Resource": "*"})
    page = alice_client.get(URL).content.decode()
    assert "Download credentials report" in page and "iam:GenerateCredentialReport" in page  # disabled, with why
    response = csrf_post(alice_client, URL)
    assert response.status_code == 403
    assert (f"User: {alice.arn} is not authorized to perform: iam:GenerateCredentialReport on resource: * "
            "because no identity-based policy allows the iam:GenerateCredentialReport action") in response.content.decode()
    assert not CredentialReport.objects.exists()
    grant(alice, {"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"})
    assert csrf_post(alice_client, URL)["Content-Type"] == "text/csv; charset=utf-8"
