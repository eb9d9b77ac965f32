"""The credential report over the Query API: GenerateCredentialReport, GetCredentialReport.

Both are one IAM action on resource ``*`` (as AWS authorises them, and the console's
Credential report page), then :mod:`accounts.credential_report`, the console's service.
``Content`` is the CSV base64-encoded in the XML (the model's blob; boto3 gives bytes).
"""

from __future__ import annotations

import base64

from accounts import credential_report

from ..registry import Call, action


@action("iam", "GenerateCredentialReport")
def generate_credential_report(call: Call) -> dict:
    call.authorize("iam:GenerateCredentialReport", "*")
    state, description = credential_report.generate_credential_report(call.account)
    return {"State": state, "Description": description}


@action("iam", "GetCredentialReport")
def get_credential_report(call: Call) -> dict:
    call.authorize("iam:GetCredentialReport", "*")
    report = credential_report.get_credential_report(call.account)
    return {"Content": base64.b64encode(report.content.encode()).decode("ascii"), "ReportFormat": "text/csv",
            "GeneratedTime": report.generated}
