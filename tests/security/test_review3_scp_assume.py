"""Review 3 (issue #14): sts:AssumeRole is limited by service control policies.

Switch Role (console) and AssumeRole (Query API) decide with ``accounts.roles.check_assume``,
which evaluated the trust policy and the caller's own policies but not the caller's SCPs: an
IAM user of a member account whose SCP denies ``sts:AssumeRole`` still switched into the role.
"""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest

from accounts import role_sessions, roles
from accounts import services as accounts_services
from accounts.identity import principal_identity
from accounts.models import Role
from tests.conftest import USER_PASSWORD, csrf_post, grant, signed_in_client

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db

T0 = float(int(time.time()))


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def member(account, mallory):
    """mallory's account joins ``account``'s organization; an SCP on it denies switching into
    role/Admin."""
    org, policy = join_under_scp(account, mallory.account, "NoAdminRole",
                                 {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/Admin"})
    return mallory.account


@pytest.fixture
def dev(member):
    user = accounts_services.create_user(member, user_name="dev", console_password=USER_PASSWORD)
    grant(user, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    trust = document({"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"})
    roles.create_role(member, name="Admin", trust_policy=trust)
    roles.create_role(member, name="Other", trust_policy=trust)
    return user


def switch(client, account_id, role_name):
    with mock.patch.object(role_sessions, "now", return_value=T0):
        return csrf_post(client, "/switchrole", {"account": account_id, "role_name": role_name})


def test_switch_role_is_refused_when_an_scp_denies_assume_role(dev, member):
    client = signed_in_client(dev)
    refused = switch(client, member.account_id, "Admin")
    assert refused.status_code != 302, "an SCP's Deny of sts:AssumeRole was ignored by Switch Role"
    assert "service control policy" in refused.content.decode()
    # A role no SCP protects still works.
    assert switch(client, member.account_id, "Other").status_code == 302


def test_check_assume_used_by_the_api_applies_the_scps(dev, member):
    identity = principal_identity(dev, {})
    admin = Role.objects.get(account=member, name="Admin")
    other = Role.objects.get(account=member, name="Other")
    assert not roles.check_assume(identity, admin).allowed
    assert roles.check_assume(principal_identity(dev, {}), other).allowed
