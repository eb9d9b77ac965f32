"""Review 3 (issue #14): "What this role can do" (the role page) and the Try-a-request form of
one's own role session (the Switch Role page) answer within the account's SCPs; they said
"Allowed" for a request an SCP denies, which the real request then refused."""

from __future__ import annotations

import json
import time
from html import unescape
from unittest import mock

import pytest

from accounts import role_sessions, roles
from accounts import services as accounts_services
from tests.conftest import USER_PASSWORD, csrf_post, grant, signed_in_client

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db

EXPLICIT = "with an explicit deny in a service control policy"
TRY = "action=iam:ListUsers&resource=*"


@pytest.fixture
def member(account, mallory):
    org, policy = join_under_scp(account, mallory.account, "NoUserList",
                                 {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    return mallory.account


@pytest.fixture
def dev(member):
    user = accounts_services.create_user(member, user_name="dev", console_password=USER_PASSWORD)
    grant(user, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    role = roles.create_role(member, name="Admin", trust_policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}]}))
    from policies import services as policy_services
    policy_services.put_inline_policy(role, name="all", document=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    return user


def test_the_role_page_answers_within_the_scps(dev, mallory):
    page = unescape(signed_in_client(mallory).get(f"/iam/roles/Admin/?{TRY}").content.decode())
    assert "<strong>Allowed</strong>: iam:ListUsers" not in page
    assert EXPLICIT in page


def test_the_switch_role_page_answers_within_the_scps_for_ones_own_session(dev, member):
    client = signed_in_client(dev)
    now = float(int(time.time()))
    with mock.patch.object(role_sessions, "now", return_value=now):
        assert csrf_post(client, "/switchrole", {"account": member.account_id, "role_name": "Admin"}).status_code == 302
        page = unescape(client.get(f"/switchrole?{TRY}").content.decode())
    assert "<strong>Allowed</strong>: iam:ListUsers" not in page
    assert EXPLICIT in page
