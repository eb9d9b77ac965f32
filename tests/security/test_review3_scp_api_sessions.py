"""Review 3 (issue #14): the SCPs of a member account limit Query API calls made with STS
temporary credentials of a role session (whose account is loaded without its membership)."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from accounts import access_keys, roles
from accounts import services as accounts_services
from policies import services as policy_services
from tests.api.helpers import signed_post
from tests.conftest import grant

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(account, mallory):
    org, policy = join_under_scp(account, mallory.account, "NoUserList",
                                 {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    return mallory.account


def temporary(client, key, action, **params):
    response = signed_post(client, key, {"Action": action, "Version": "2011-06-15", **params}, service="sts")
    body = response.content.decode()
    assert response.status_code == 200, body
    found = {name: re.search(rf"<{name}>([^<]+)</{name}>", body)[1]
             for name in ("AccessKeyId", "SecretAccessKey", "SessionToken")}
    return (found["AccessKeyId"], found["SecretAccessKey"]), found["SessionToken"]


def list_users(client, key, token=None):
    return signed_post(client, key, {"Action": "ListUsers", "Version": "2010-05-08"}, token=token)


def test_role_session_credentials_of_a_member_account_are_limited_by_its_scps(member):
    dev = accounts_services.create_user(member, user_name="dev")
    grant(dev, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    role = roles.create_role(member, name="Admin", trust_policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": dev.arn}, "Action": "sts:AssumeRole"}]}))
    policy_services.put_inline_policy(role, name="all", document=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key, secret = access_keys.create_access_key(dev)
    client = Client()
    creds, token = temporary(client, (key.access_key_id, secret), "AssumeRole", RoleArn=role.arn,
                             RoleSessionName="s1")
    refused = list_users(client, creds, token)
    assert refused.status_code == 403
    assert "with an explicit deny in a service control policy" in refused.content.decode()
    # What no SCP denies, the session may do.
    allowed = signed_post(client, creds, {"Action": "ListRoles", "Version": "2010-05-08"}, token=token)
    assert allowed.status_code == 200
