"""The audit trail: one :class:`Event` per CloudTrail record (docs/audit.md).

The record's members are columns (the JSON members as JSON), so a record is written with
one INSERT and read back as CloudTrail's JSON by :meth:`Event.as_record`. The event
history's filters each have an index that starts with the account and ends with the time,
so a filtered page reads one index range, newest first.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models

from accounts.models import Account

EVENT_VERSION = "1.08"


class Event(models.Model):
    """One CloudTrail management event of one account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events", db_index=False)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_version = models.CharField(max_length=8, default=EVENT_VERSION)
    event_time = models.DateTimeField()
    event_source = models.CharField(max_length=32)
    event_name = models.CharField(max_length=64)
    event_type = models.CharField(max_length=32, default="AwsApiCall")
    aws_region = models.CharField(max_length=32, default="us-east-1")
    source_ip = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=512, blank=True)
    user_identity = models.JSONField()
    # The "User name" filter: the IAM user, the role session's name, or "root".
    user_name = models.CharField(max_length=128, blank=True)
    request_parameters = models.JSONField(null=True, blank=True)
    response_elements = models.JSONField(null=True, blank=True)
    additional_event_data = models.JSONField(null=True, blank=True)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.CharField(max_length=1024, blank=True)
    read_only = models.BooleanField(default=False)
    management_event = models.BooleanField(default=True)
    recipient_account_id = models.CharField(max_length=12)
    # The "Resource name" filter: the resource the call acted on, by name and by ARN.
    resource_name = models.CharField(max_length=512, blank=True)
    resource_arn = models.CharField(max_length=2048, blank=True)

    class Meta:
        ordering = ["-event_time", "-id"]
        indexes = [
            models.Index(fields=["account", "-event_time", "-id"], name="audit_event_acct_time"),
            models.Index(fields=["account", "event_name", "-event_time"], name="audit_event_acct_name"),
            models.Index(fields=["account", "user_name", "-event_time"], name="audit_event_acct_user"),
            models.Index(fields=["account", "resource_name", "-event_time"], name="audit_event_acct_rname"),
            models.Index(fields=["account", "resource_arn", "-event_time"], name="audit_event_acct_rarn"),
            models.Index(fields=["account", "event_source", "-event_time"], name="audit_event_acct_source"),
            models.Index(fields=["account", "read_only", "-event_time"], name="audit_event_acct_ro"),
            models.Index(fields=["event_time"], name="audit_event_time"),  # pruning
        ]

    def __str__(self) -> str:
        return f"{self.event_name} {self.event_time:%Y-%m-%dT%H:%M:%SZ}"

    def as_record(self) -> dict[str, Any]:
        """The CloudTrail record, members in CloudTrail's order; absent ones left out."""
        record: dict[str, Any] = {
            "eventVersion": self.event_version,
            "userIdentity": self.user_identity,
            "eventTime": self.event_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "eventSource": self.event_source,
            "eventName": self.event_name,
            "awsRegion": self.aws_region,
            "sourceIPAddress": self.source_ip,
            "userAgent": self.user_agent,
        }
        if self.error_code:
            record["errorCode"] = self.error_code
        if self.error_message:
            record["errorMessage"] = self.error_message
        record["requestParameters"] = self.request_parameters
        record["responseElements"] = self.response_elements
        if self.additional_event_data is not None:
            record["additionalEventData"] = self.additional_event_data
        record.update({
            "eventID": str(self.event_id),
            "readOnly": self.read_only,
            "eventType": self.event_type,
            "managementEvent": self.management_event,
            "recipientAccountId": self.recipient_account_id,
            "eventCategory": "Management",
        })
        return record


from .last_accessed import ServiceAccess  # noqa: E402,F401  access advisor's table (audit/last_accessed.py)
