"""Review 3 (issue #14): starting or resetting a lab wipes the account through the console, and
every removal the wipe stands for is authorised like the console's own delete — the caller's
policies and its account's SCPs. Before, ``labs:StartLab`` alone deleted every user, group, role
and policy: an IAM user allowed only ``labs:*`` removed the account's administrators, and a
member account's root removed what an SCP protects (a Deny of ``iam:DeleteUser`` on a user).
"""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from accounts.models import User
from labs import services as lab_services
from labs.models import LabRun
from labs.panel import run_token
from tests.conftest import csrf_post, grant, signed_in_client

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db

LAB = "secure-the-root-user"


@pytest.fixture
def protected(account, mallory):
    """mallory's account, a member whose SCP denies deleting the user ``auditor``."""
    org, policy = join_under_scp(account, mallory.account, "KeepAuditor",
                                 {"Effect": "Deny", "Action": "iam:*", "Resource": "arn:aws:iam::*:user/auditor"})
    accounts_services.create_user(mallory.account, user_name="auditor")
    return mallory.account


def test_a_member_root_cannot_wipe_what_an_scp_protects_by_starting_a_lab(protected, mallory):
    client = signed_in_client(mallory)
    response = csrf_post(client, f"/labs/{LAB}/start/")
    assert response.status_code == 403
    assert "iam:DeleteUser" in response.content.decode()
    assert "with an explicit deny in a service control policy" in response.content.decode()
    assert User.objects.filter(account=protected, user_name="auditor").exists()
    assert not LabRun.objects.filter(account=protected).exists()


def test_a_member_root_cannot_wipe_it_by_resetting_a_lab_either(protected, mallory):
    run = lab_services.start_lab(protected, LAB)  # the wipe removes auditor: it comes back after
    accounts_services.create_user(protected, user_name="auditor")
    client = signed_in_client(mallory)
    response = csrf_post(client, f"/labs/runs/{run.pk}/reset/", {"run": run_token(run)})
    assert response.status_code == 403
    assert User.objects.filter(account=protected, user_name="auditor").exists()


def test_an_iam_user_allowed_only_labs_cannot_delete_the_accounts_administrators(account, alice):
    grant(alice, {"Effect": "Allow", "Action": "labs:*", "Resource": "*"})
    admin = accounts_services.create_user(account, user_name="admin")
    grant(admin, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    response = csrf_post(signed_in_client(alice), f"/labs/{LAB}/start/")
    assert response.status_code == 403
    assert User.objects.filter(account=account, user_name="admin").exists()
    # With the IAM permissions the wipe stands for, the lab starts.
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    response = csrf_post(signed_in_client(alice), f"/labs/{LAB}/start/")
    assert response.status_code == 302
    assert not User.objects.filter(account=account, user_name="admin").exists()


def test_a_member_root_cannot_create_what_an_scp_forbids_by_starting_a_lab(account, mallory):
    org, policy = join_under_scp(account, mallory.account, "NoNewUsers",
                                 {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"})
    response = csrf_post(signed_in_client(mallory), "/labs/groups-for-admins-and-developers/start/")
    assert response.status_code == 403
    assert not User.objects.filter(account=mallory.account, is_root=False).exists()


def test_starting_a_lab_asks_for_each_attachment_with_its_policy_arn(account, mallory, aws_managed_policies):
    join_under_scp(account, mallory.account, "NoAdminAttachments", {
        "Effect": "Deny", "Action": "iam:AttachUserPolicy", "Resource": "*",
        "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}}})
    response = csrf_post(signed_in_client(mallory), "/labs/groups-for-admins-and-developers/start/")
    assert response.status_code == 403
    assert "iam:AttachUserPolicy" in response.content.decode()
    assert not User.objects.filter(account=mallory.account, is_root=False).exists()
