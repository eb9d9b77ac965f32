"""The formats IAM checks in single values: resource ARNs, actions, principals.

Messages are IAM's own (``reference/iam-grammar-cases.json``); the sets of accepted values
are moto's, checked against AWS, widened where docs/engine.md says so.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import re

__all__ = ["PARTITIONS", "TRUST_ACTIONS", "action_error", "principal_value_ok",
           "resource_format_error"]

#: Partitions a resource ARN may name ("*" included).
PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e",
                        "aws-iso-f", "aws-eusc", "*"})
_IAM_RESOURCE_TYPES = ("user/", "federated-user/", "role/", "group/", "instance-profile/",
                       "mfa/", "server-certificate/", "policy/", "sms-mfa/", "saml-provider/",
                       "oidc-provider/", "report/", "access-report/")
_IAM_EXTRA_RESOURCE_TYPES = ("u2f/", "role-template/")  # accepted although IAM's message does not list them
_S3_REGIONAL_TYPES = ("accesspoint/", "job/", "storage-lens/", "storage-lens-group/",
                      "access-grants/", "async-request/")
#: The actions a role trust policy may name (lower-case).
TRUST_ACTIONS = frozenset(a.lower() for a in (
    "sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
    "sts:DecodeAuthorizationMessage", "sts:GetAccessKeyInfo", "sts:GetCallerIdentity",
    "sts:GetFederationToken", "sts:GetServiceBearerToken", "sts:GetSessionToken",
    "sts:SetSourceIdentity", "sts:TagSession"))
_VENDOR = re.compile(r"[A-Za-z0-9.\-]*")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
#: A principal's unique id (AIDA..., AROA...): IAM writes these into a trust policy in place
#: of a deleted principal's ARN, so stored documents may hold them.
_UNIQUE_ID = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,124}")


def resource_format_error(resource: str) -> str | None:
    """IAM's message for a Resource value that is not ``"*"`` or a well-formed ARN, or None.

    The first ARN segment is not checked (IAM reports ``a:b:c`` as a partition error).
    """
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition not in PARTITIONS:
        parts = rest.split(":")
        arn1 = parts[0] if parts[0] != "" or len(parts) > 1 else "*"
        arn2 = parts[1] if len(parts) > 1 else "*"
        arn3 = parts[2] if len(parts) > 2 else "*"
        arn4 = ":".join(parts[3:]) if len(parts) > 3 else "*"
        return (f'Partition "{partition}" is not valid for resource '
                f'"arn:{partition}:{arn1}:{arn2}:{arn3}:{arn4}".')
    service, _, rest = rest.partition(":")
    if not colon or "*" in service or "?" in service:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    region, _, rest = rest.partition(":")
    _account, _, resource_part = rest.partition(":")
    if region:
        if service == "iam":
            return f"IAM resource {resource} cannot contain region information."
        if service == "s3" and not resource_part.startswith(_S3_REGIONAL_TYPES):
            return f"Resource {resource} can not contain region information."
    if service == "iam" and resource_part not in ("*", "root") and not resource_part.startswith(
            _IAM_RESOURCE_TYPES + _IAM_EXTRA_RESOURCE_TYPES):
        return ('IAM resource path must either be "*" or start with '
                + ", ".join(_IAM_RESOURCE_TYPES) + ".")
    return None


def action_error(action: str) -> str | None:
    """IAM's message for an action that is not ``"*"`` or ``vendor:Name``, or None."""
    parts = action.split(":")
    if len(parts) == 1 and action != "*":
        return "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    if len(parts) > 2:
        return "Actions/Condition can contain only one colon."
    if len(parts) == 2 and _VENDOR.fullmatch(parts[0]) is None:
        return f"Vendor {parts[0]} is not valid"
    return None


def principal_value_ok(kind: str, value: str) -> bool:
    """Whether a Principal value of type ``kind`` (AWS, Service, ...) is one IAM accepts."""
    if not value or any(c.isspace() for c in value):
        return False
    if kind == "AWS":
        if value == "*" or _ACCOUNT_ID.fullmatch(value) or _UNIQUE_ID.fullmatch(value):
            return True
        parts = value.split(":", 5)
        return (len(parts) == 6 and parts[0] == "arn" and bool(parts[2])
                and "*" not in value and "?" not in value)
    return "*" not in value and "?" not in value
