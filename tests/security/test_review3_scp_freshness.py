"""Review 3 (issue #14): a change of SCPs applies to the very next request of a signed-in
principal (no SCP chain kept between requests), console and role sessions alike."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest

from accounts import role_sessions
from organizations import services as org_services
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db


def deny_list_users(org, target_id):
    policy = org_services.create_policy(org, name="NoList", description="", document=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]}))
    org_services.attach_policy(policy, target_id)
    return policy


def test_attach_and_detach_apply_at_once_to_root_and_to_a_role_session(account, alice, aws_managed_policies):
    org = org_services.create_organization(account)
    member, _ = org_services.create_account(org, name="Trainee", email="t@class.example")
    trainee_id = member.account.account_id
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    instructor = signed_in_client(alice)
    with mock.patch.object(role_sessions, "now", return_value=float(int(time.time()))):
        switched = csrf_post(instructor, "/switchrole", {"account": trainee_id,
                                                         "role_name": "OrganizationAccountAccessRole"})
    assert switched.status_code == 302
    assert instructor.get("/iam/users/").status_code == 200
    policy = deny_list_users(org, trainee_id)
    assert instructor.get("/iam/users/").status_code == 403
    org_services.detach_policy(policy, trainee_id)
    assert instructor.get("/iam/users/").status_code == 200
    # An OU's Deny reaches the account once it is moved there, and leaves it when it moves back.
    ou = org_services.create_ou(org, parent_id=org.root_id, name="Class")
    org_services.attach_policy(policy, ou.ou_id)
    assert instructor.get("/iam/users/").status_code == 200
    org_services.move_account(org, member.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    assert instructor.get("/iam/users/").status_code == 403
    org_services.move_account(org, member.account, source_parent_id=ou.ou_id, destination_parent_id=org.root_id)
    assert instructor.get("/iam/users/").status_code == 200
    # The management account itself is never limited, even with the Deny on the root.
    org_services.attach_policy(policy, org.root_id)
    assert signed_in_client(alice).get("/iam/users/").status_code in (200, 403)  # alice has no ListUsers
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    assert signed_in_client(alice).get("/iam/users/").status_code == 200
