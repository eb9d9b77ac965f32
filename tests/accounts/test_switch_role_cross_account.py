"""#9 M5: Switch Role into another account answers AWS's one AccessDenied whatever the
reason (no such role, a trust policy that does not trust the caller, an external ID or
MFA required): same status, same bytes. In the caller's own account the "Why:" line
still says which check failed."""

from __future__ import annotations

import json
import re

import pytest

from accounts import roles
from accounts.models import Role
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db


def denial(response) -> tuple[int, str]:
    """The status and the refusal block of the Switch Role page."""
    match = re.search(r'<div class="alert alert-error" role="alert" data-testid="switch-denied">.*?</div>',
                      response.content.decode(), re.S)
    assert match, response.content.decode()[:2000]
    return response.status_code, match.group(0)


def switch(client, account_id, role_name="Ops"):
    return csrf_post(client, "/switchrole", {"account": account_id, "role_name": role_name})


CASES = {
    "missing": None,
    "not trusted": lambda other, account: roles.account_trust_policy(other.account_id),
    "external id": lambda other, account: roles.account_trust_policy(account.account_id, external_id="partner-1"),
    "mfa": lambda other, account: roles.account_trust_policy(account.account_id, require_mfa=True),
}


def test_the_four_cross_account_refusals_are_byte_identical(alice_client, alice, account, mallory):
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    other = mallory.account
    answers = {}
    for case, trust in CASES.items():
        Role.objects.filter(account=other).delete()
        if trust is not None:
            roles.create_role(other, name="Ops", trust_policy=trust(other, account))
        answers[case] = denial(switch(alice_client, other.account_id))
    assert len(set(answers.values())) == 1, answers
    status, block = answers["missing"]
    assert status == 403
    assert f"is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{other.account_id}:role/Ops" in block


def test_an_account_id_no_one_has_answers_the_same(alice_client, alice, mallory):
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    roles.create_role(mallory.account, name="Ops", trust_policy=roles.account_trust_policy(mallory.account.account_id))
    status, block = denial(switch(alice_client, mallory.account.account_id))
    nobody_status, nobody = denial(switch(alice_client, "999999999999"))
    assert status == nobody_status == 403
    assert block.replace(mallory.account.account_id, "X") == nobody.replace("999999999999", "X")


def test_the_stored_name_case_is_not_revealed(alice_client, alice, mallory):
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    roles.create_role(mallory.account, name="OpsAdmin", trust_policy=roles.account_trust_policy("999999999999"))
    _, block = denial(switch(alice_client, mallory.account.account_id, "opsadmin"))
    assert "role/opsadmin" in block and "OpsAdmin" not in block


def test_the_callers_own_account_keeps_the_detailed_reason(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    _, missing = denial(switch(alice_client, account.account_id))
    assert "No role with that name exists in that account." in missing
    roles.create_role(account, name="Ops", trust_policy=roles.account_trust_policy(account.account_id,
                                                                                     external_id="partner-1"))
    _, external = denial(switch(alice_client, account.account_id))
    assert "external ID" in external
