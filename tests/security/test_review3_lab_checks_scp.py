"""Review 3 (issue #14): a stored SCP that no longer compiles (an engine change can make an old
document invalid) makes the lab checks fail closed, as authorisation does — Check my progress
raised (a 500, or a traceback from ``manage.py labs check``): the chain's policy is read as a
Deny of everything."""

from __future__ import annotations

import json

import pytest

from labs import checks
from organizations import services as org_services
from organizations.models import ServiceControlPolicy

pytestmark = pytest.mark.django_db

def test_check_my_progress_with_an_scp_that_no_longer_compiles(account, mallory, aws_managed_policies):
    org = org_services.create_organization(account)
    org_services.accept_handshake(org_services.invite_account(org, mallory.account), mallory.account)
    policy = org_services.create_policy(org, name="Old", description="", document=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]}))
    org_services.attach_policy(policy, mallory.account.account_id)
    ServiceControlPolicy.objects.filter(pk=policy.pk).update(document='{"Version": "2012-10-17", "Statement": 5}')
    result = checks.run_check(mallory.account, {"allowed": {"principal": "root", "action": "iam:ListUsers",
                                                            "resource": "*"}})
    assert not result.passed
