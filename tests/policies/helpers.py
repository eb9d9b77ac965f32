"""Documents and shortcuts shared by the policies tests."""

from __future__ import annotations

import json

S3_LIST = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::receipts"}
# An inline policy's statements for the custom check pages, and a role trust policy.
READ = {"Sid": "ReadReceipts", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::receipts/*"}
DELETE_ALL = {"Sid": "DeleteAll", "Effect": "Allow", "Action": "s3:Delete*", "Resource": "*"}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def doc(*statements: dict, indent: int | None = 4) -> str:
    """A policy document with ``statements`` (default: list the receipts bucket)."""
    return json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements) or [S3_LIST]}, indent=indent
    )


def sized_doc(non_ws_chars: int) -> str:
    """A valid document of exactly ``non_ws_chars`` non-whitespace characters (Sid padding)."""
    base = json.dumps(
        {"Version": "2012-10-17", "Statement": [dict(S3_LIST, Sid="")]}, separators=(",", ":")
    )
    pad = non_ws_chars - len(base)
    assert pad >= 0, "too small to pad"
    return base.replace('"Sid":""', '"Sid":"' + "A" * pad + '"')


def bulk_policies(account, count: int, prefix: str = "P") -> list:
    """``count`` customer policies with one default version each, written in two queries."""
    from accounts import ids
    from policies.models import ManagedPolicy, PolicyVersion

    policies = ManagedPolicy.objects.bulk_create(
        ManagedPolicy(
            account=account,
            name=f"{prefix}{i:03d}",
            policy_id=ids.unique_id("ANPA"),
            next_version=2,
        )
        for i in range(count)
    )
    PolicyVersion.objects.bulk_create(
        PolicyVersion(policy=p, number=1, document=doc(), is_default=True) for p in policies
    )
    return policies
