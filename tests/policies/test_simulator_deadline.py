"""A simulation stops at its deadline (policies.simulator.forms.SIMULATION_SECONDS) with the
results it has: ten custom policies of ~1,900-character patterns against 4,000-character
context values and 200 rows once held a worker for 74 s (the hostile review's request)."""

from __future__ import annotations

import json
import time

import pytest

from policies.simulator import forms as limits
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

URL = "/iam/policies/simulator/"
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:DeleteObject", "s3:GetBucketPolicy",
           "s3:PutBucketPolicy", "s3:GetObjectAcl", "s3:PutObjectAcl", "s3:GetBucketAcl", "s3:PutBucketAcl",
           "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:GetBucketTagging",
           "s3:PutBucketTagging", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:PutBucketVersioning",
           "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"]


def slow_policy(n: int) -> str:
    patterns = ["*" + "q" * 1900 + f"x{n}{i}" for i in range(3)]
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Action": "*", "Resource": "*",
        "Condition": {"StringLike": {"aws:PrincipalTag/k": patterns}}}]})


def test_a_costly_simulation_stops_at_its_deadline_with_the_results_it_has(root_client, monkeypatch):
    monkeypatch.setattr(limits, "SIMULATION_SECONDS", 0.5)
    data = {"run": "1", "policy": [slow_policy(n) for n in range(10)], "actions_text": "\n".join(ACTIONS),
            "resource": [f"arn:aws:s3:::bucket{n}/key" for n in range(10)],
            "context.aws:PrincipalTag/k": "q" * 4090}
    started = time.monotonic()
    response = csrf_post(root_client, URL, data)
    elapsed = time.monotonic() - started
    page = response.content.decode()
    assert response.status_code == 200
    assert "The simulation stopped after 0.5 seconds with " in page and " of 200 results" in page
    assert elapsed < 10, elapsed  # 74 s without the deadline
    results = response.context["simulation"].results
    assert 0 < len(results) < 200
