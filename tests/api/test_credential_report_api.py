"""GenerateCredentialReport and GetCredentialReport with boto3 against the live server."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from django.test import Client, override_settings
from django.utils import timezone

from accounts import credential_report, services
from api import testmode
from accounts.models import CredentialReport

from .conftest import allow


def error(raised: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_generate_then_get_the_report(iam, account, mallory):
    services.create_user(account, user_name="alice")
    services.create_user(mallory.account, user_name="stranger")
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException) as raised:
        iam.get_credential_report()
    assert error(raised) == ("ReportNotPresent", "Credential report not present", 410)

    started = iam.generate_credential_report()
    assert (started["State"], started["Description"]) == (
        "STARTED", "No report exists. Starting a new report generation task")
    again = iam.generate_credential_report()
    assert again["State"] == "COMPLETE" and "Description" not in again

    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    assert isinstance(report["Content"], bytes)
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert list(rows[0]) == list(credential_report.COLUMNS)
    assert [row["user"] for row in rows] == ["<root_account>", "alice"]  # never another account's users
    generated = CredentialReport.objects.get(account=account).generated
    assert report["GeneratedTime"] == generated.replace(microsecond=0).astimezone(UTC)

    CredentialReport.objects.filter(account=account).update(generated=timezone.now() - timedelta(hours=5))
    with pytest.raises(iam.exceptions.CredentialReportExpiredException) as raised:
        iam.get_credential_report()
    assert error(raised)[::2] == ("ReportExpired", 410)
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.get_credential_report()["GeneratedTime"] > datetime.now(UTC) - timedelta(minutes=1)


def test_credential_report_authorisation(account, user_client, customer_policy):
    reader = user_client("reader", allow(["iam:GenerateCredentialReport", "iam:GetCredentialReport"]))
    assert reader.generate_credential_report()["State"] == "STARTED"
    assert reader.get_credential_report()["Content"].startswith(b"user,arn,")

    acct = account.account_id
    nobody = user_client("nobody")
    for run, action_name in ((nobody.generate_credential_report, "iam:GenerateCredentialReport"),
                             (nobody.get_credential_report, "iam:GetCredentialReport")):
        with pytest.raises(ClientError) as raised:
            run()
        assert error(raised) == ("AccessDenied", f"User: arn:aws:iam::{acct}:user/nobody is not authorized to "
                                 f"perform: {action_name} on resource: * because no identity-based policy allows "
                                 f"the {action_name} action", 403)
    denied = user_client("denied", allow("iam:*"), allow("iam:GetCredentialReport", effect="Deny"))
    with pytest.raises(ClientError) as raised:
        denied.get_credential_report()
    assert error(raised)[1].endswith("with an explicit deny in an identity-based policy")
    bounded = user_client("bounded", allow("iam:*"), boundary=customer_policy("OnlyGets", allow("iam:Get*")))
    with pytest.raises(ClientError) as raised:
        bounded.generate_credential_report()
    assert error(raised)[1].endswith("because no permissions boundary allows the iam:GenerateCredentialReport action")
    assert bounded.get_credential_report()["ReportFormat"] == "text/csv"


@override_settings(IAMPORTAL_TEST_HOOKS=True)
def test_test_mode_reset_clears_the_credential_report(client_for, account):
    iam = client_for((testmode.ACCESS_KEY_ID, testmode.SECRET_ACCESS_KEY))
    assert iam.generate_credential_report()["State"] == "STARTED"
    credential_report.generate_credential_report(account)  # another account's stays
    assert Client().post("/_test/reset").status_code == 200
    with pytest.raises(iam.exceptions.CredentialReportNotPresentException):
        iam.get_credential_report()
    assert CredentialReport.objects.filter(account=account).exists()
