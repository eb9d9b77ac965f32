"""The credential report (iam-facts §9): every user of the account and the status of its
credentials, as AWS's CSV.

- :func:`generate_credential_report` (GenerateCredentialReport) makes the report and keeps it
  (:class:`accounts.models.CredentialReport`, one per account, deleted with it); a report
  younger than :data:`REPORT_TTL` is kept as it is, as AWS generates at most every 4 hours.
- :func:`get_credential_report` (GetCredentialReport) returns it: ``ReportNotPresent`` before
  any, ``ReportExpired`` once it is older than :data:`REPORT_TTL`.

The report is made at once (AWS's report is ready a few seconds later), in a bounded number
of queries however many users the account has: the users, their access keys, their signing
certificates, the users with an MFA device, and the password policy.

The Query API's actions and the console's Credential report page call these functions.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from iamportal.errors import ReportExpired, ReportNotPresent

from . import password_policy
from .models import AccessKey, Account, CredentialReport, SigningCertificate, User, VirtualMFADevice

#: AWS generates a new report at most this often, and a report older than this has expired.
REPORT_TTL = timedelta(hours=4)

COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
    "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)
ROOT_NAME = "<root_account>"
NOT_APPLICABLE, NO_INFORMATION, NOT_SUPPORTED = "N/A", "no_information", "not_supported"

STARTED, COMPLETE = "STARTED", "COMPLETE"
STARTED_DESCRIPTION = "No report exists. Starting a new report generation task"
NOT_PRESENT = "Credential report not present"
EXPIRED = ("The credential report has expired (it is older than 4 hours). "
           "To generate a new credential report, use GenerateCredentialReport.")


def iso(value: datetime | None, absent: str = NOT_APPLICABLE) -> str:
    """AWS's times in the report: ISO 8601 to the second, in UTC (``…+00:00``)."""
    return absent if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def flag(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------------------
# The CSV


def _key_columns(keys: list[AccessKey]) -> list[str]:
    columns: list[str] = []
    for key in keys[:2] + [None] * (2 - len(keys[:2])):
        if key is None:
            columns += ["false", NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
            continue
        used = key.last_used is not None
        columns += [flag(key.is_active), iso(key.created), iso(key.last_used),
                    (key.last_used_region or NOT_APPLICABLE) if used else NOT_APPLICABLE,
                    (key.last_used_service or NOT_APPLICABLE) if used else NOT_APPLICABLE]
    return columns


def _cert_columns(certificates: list[SigningCertificate]) -> list[str]:
    columns: list[str] = []
    for cert in certificates[:2] + [None] * (2 - len(certificates[:2])):
        columns += (["false", NOT_APPLICABLE] if cert is None
                    else [flag(cert.status == "Active"), iso(cert.upload_date)])
    return columns


def user_row(user: User, mfa_active: bool) -> list[str]:
    """One user's row (the root user's when ``user.is_root``)."""
    if user.is_root:
        password = [NOT_SUPPORTED, iso(user.last_login, NO_INFORMATION), NOT_SUPPORTED, NOT_SUPPORTED]
    elif user.has_usable_password():
        password = ["true", iso(user.last_login, NO_INFORMATION), iso(user.password_changed or user.created),
                    iso(password_policy.expires_at(user))]
    else:
        password = ["false", NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE]
    return [ROOT_NAME if user.is_root else user.user_name, user.arn, iso(user.created), *password, flag(mfa_active),
            *_key_columns(list(user.access_keys.all())), *_cert_columns(list(user.signing_certificates.all()))]


def report_csv(account: Account) -> str:
    """The report's CSV: the header, the root user's row, then each IAM user's by name."""
    users = (User.objects.filter(account=account)
             .order_by("-is_root", "user_name", "pk")
             .prefetch_related(Prefetch("access_keys", AccessKey.objects.order_by("created", "pk")),
                               Prefetch("signing_certificates", SigningCertificate.objects
                                        .only("user_id", "status", "upload_date").order_by("upload_date", "pk"))))
    with_mfa = set(VirtualMFADevice.objects.filter(user__account=account, confirmed=True)
                   .values_list("user_id", flat=True))
    password_policy.policy_of(account)  # read once: every row's expiry uses it
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for user in users:
        user.account = account
        writer.writerow(user_row(user, user.pk in with_mfa))
    return out.getvalue()


# ---------------------------------------------------------------------------
# Generate / Get


def _fresh(report: CredentialReport | None, now: datetime) -> bool:
    return report is not None and now - report.generated < REPORT_TTL


@transaction.atomic
def generate_credential_report(account: Account) -> tuple[str, str | None]:
    """GenerateCredentialReport: ``(State, Description)``. A new report when none exists or
    the last is 4 hours old (``STARTED``, as AWS's first answer), else the one kept
    (``COMPLETE``). The account's row is locked, so two requests generate once."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    report = CredentialReport.objects.filter(account=account).first()
    now = timezone.now()
    if _fresh(report, now):
        return COMPLETE, None
    if report is None:
        report = CredentialReport(account=account)
    report.content, report.generated = report_csv(account), now
    report.save()
    return STARTED, STARTED_DESCRIPTION


def latest(account: Account) -> CredentialReport | None:
    """The report kept for the account, however old, or None (the console says when it was made)."""
    return CredentialReport.objects.filter(account=account).only("account_id", "generated").first()


def get_credential_report(account: Account) -> CredentialReport:
    """GetCredentialReport: the report kept, or ``ReportNotPresent`` / ``ReportExpired``."""
    report = CredentialReport.objects.filter(account=account).first()
    if report is None:
        raise ReportNotPresent(NOT_PRESENT)
    if not _fresh(report, timezone.now()):
        raise ReportExpired(EXPIRED)
    return report


def report_file_name(report: Any) -> str:
    """The download's file name, as AWS's console names it (``status_reports_<time>.csv``)."""
    return f"status_reports_{report.generated.astimezone(UTC):%Y-%m-%dT%H_%M_%S}+00_00.csv"
