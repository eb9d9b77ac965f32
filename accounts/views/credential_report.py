"""Credential report (IAM › Access reports › Credential report): download the account's
credential report as AWS's CSV (:mod:`accounts.credential_report`).

Opening the page is ``iam:GetCredentialReport`` (it says when the kept report was made);
**Download credentials report** posts, and is GenerateCredentialReport then
GetCredentialReport, as AWS's console calls them: both actions must be allowed. A report is
made at most every 4 hours; a newer download gets the one kept.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from policies.authz import ConditionalIAMActionMixin

from .. import credential_report


class CredentialReportView(ConditionalIAMActionMixin, TemplateView):
    template_name = "accounts/credential_report.html"
    iam_action = "iam:GetCredentialReport"
    iam_action_post = "iam:GenerateCredentialReport"
    http_method_names = ["get", "post", "head"]

    def get_authorizations(self):
        if self.request.method == "POST":
            return [("iam:GenerateCredentialReport", "*", {}), ("iam:GetCredentialReport", "*", {})]
        return super().get_authorizations()

    def get_context_data(self, **kwargs):
        account = self.request.iam.account
        return {**super().get_context_data(**kwargs), "report": credential_report.latest(account),
                "ttl_hours": int(credential_report.REPORT_TTL.total_seconds() // 3600)}

    def post(self, request, *args, **kwargs):
        account = request.iam.account
        credential_report.generate_credential_report(account)
        report = credential_report.get_credential_report(account)
        response = HttpResponse(report.content, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{credential_report.report_file_name(report)}"'
        return response


urlpatterns = [
    path("iam/credential-report/", CredentialReportView.as_view(), name="credential_report"),
]
