"""Review 3 (issue #14): a stored SCP that no longer compiles (an engine change can make an old
document invalid) makes the lab checks fail closed, as authorisation does — Check my progress
raised (a 500, or a traceback from ``manage.py labs check``): the chain's policy is read as a
Deny of everything."""

from __future__ import annotations

import pytest

from labs import checks
from organizations.models import ServiceControlPolicy

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db


def test_check_my_progress_with_an_scp_that_no_longer_compiles(account, mallory, aws_managed_policies):
    _org, policy = join_under_scp(account, mallory.account, "Old",
                                  {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"})
    ServiceControlPolicy.objects.filter(pk=policy.pk).update(document='{"Version": "2012-10-17", "Statement": 5}')
    result = checks.run_check(mallory.account, {"allowed": {"principal": "root", "action": "iam:ListUsers",
                                                            "resource": "*"}})
    assert not result.passed
