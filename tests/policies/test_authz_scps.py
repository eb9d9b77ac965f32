"""Service control policies through the console (policies.authz, the AccessDenied page, the
policy simulator).

The cast: ``account`` (root ``owner@coffee.example``, IAM user ``alice``) creates the
organization and is its management account; ``mallory``'s account joins it by invitation and
is moved into the OU ``Trainees``, which gets an SCP denying ``iam:ListUsers``. ``dev`` is an
administrator of mallory's account.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts_services
from organizations import services as org_services
from policies.authz import scps_for
from tests.conftest import USER_PASSWORD, grant, signed_in_client

pytestmark = pytest.mark.django_db

SIMULATOR = "/iam/policies/simulator/"
EXPLICIT = "with an explicit deny in a service control policy"
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def org(account):
    return org_services.create_organization(account)


@pytest.fixture
def trainees(org, mallory):
    """mallory's account, a member in the OU Trainees (FullAWSAccess everywhere)."""
    handshake = org_services.invite_account(org, mallory.account)
    org_services.accept_handshake(handshake, mallory.account)
    ou = org_services.create_ou(org, parent_id=org.root_id, name="Trainees")
    org_services.move_account(org, mallory.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    return ou


def attach_scp(org, target_id, name, *statements):
    policy = org_services.create_policy(org, name=name, description="", document=document(*statements))
    org_services.attach_policy(policy, target_id)
    return policy


@pytest.fixture
def no_user_list(org, trainees):
    return attach_scp(org, trainees.ou_id, "NoUserList",
                      {"Sid": "NoUserList", "Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})


@pytest.fixture
def dev(mallory):
    user = accounts_services.create_user(mallory.account, user_name="dev", console_password=USER_PASSWORD)
    grant(user, ADMIN)
    return user


def message(response):
    return response.content.decode()


def test_an_ou_deny_refuses_a_member_accounts_iam_user_in_aws_words(no_user_list, dev, mallory):
    client = signed_in_client(dev)
    denied = client.get("/iam/users/")
    assert denied.status_code == 403
    html = message(denied)
    assert f"User: {dev.arn} is not authorized to perform: iam:ListUsers on resource: " in html
    assert EXPLICIT in html
    # The SCP belongs to the management account: the page does not show its name or text.
    assert "A service control policy of your organization" in html and "NoUserList" not in html
    # What no SCP denies stays allowed by the user's own policies.
    assert client.get("/iam/groups/").status_code == 200


def test_the_root_user_of_a_member_account_is_refused_too(no_user_list, mallory):
    denied = signed_in_client(mallory).get("/iam/users/")
    assert denied.status_code == 403
    assert (f"User: {mallory.account.root_arn} is not authorized to perform: iam:ListUsers" in message(denied)
            and EXPLICIT in message(denied))


def test_an_allow_list_without_the_action_is_an_implicit_deny_in_aws_words(org, trainees, dev):
    allow_list = attach_scp(org, trainees.ou_id, "OnlyS3AndGroups",
                            {"Effect": "Allow", "Action": ["s3:*", "iam:ListGroups"], "Resource": "*"})
    org_services.detach_policy(org.policies.get(name="FullAWSAccess"), trainees.ou_id)
    assert allow_list.targets.count() == 1
    client = signed_in_client(dev)
    denied = client.get("/iam/users/")
    assert denied.status_code == 403
    assert "because no service control policy allows the iam:ListUsers action" in message(denied)
    assert client.get("/iam/groups/").status_code == 200


def test_the_management_account_is_not_affected(org, no_user_list, root, alice, trainees):
    attach_scp(org, org.root_id, "NoGroupsAnywhere",
               {"Effect": "Deny", "Action": ["iam:ListUsers", "iam:ListGroups"], "Resource": "*"})
    grant(alice, ADMIN)
    for user in (root, alice):
        client = signed_in_client(user)
        assert client.get("/iam/users/").status_code == 200
        assert client.get("/iam/groups/").status_code == 200


def test_the_simulator_shows_the_scp_denial_and_lists_the_scps(no_user_list, dev):
    client = signed_in_client(dev)
    response = client.get(SIMULATOR, {"principal": "dev", "action": ["iam:ListUsers", "iam:ListGroups"]})
    assert response.status_code == 200
    simulation = response.context["simulation"]
    results = {r.action: r for r in simulation.results}
    assert results["iam:ListUsers"].decision.decision == "explicitDeny"
    assert results["iam:ListUsers"].reason == EXPLICIT
    assert results["iam:ListGroups"].decision.decision == "allowed"
    listed = [(p.source, p.name) for p in simulation.policies]
    assert ("Service control policy", "NoUserList") in listed
    assert ("Service control policy", "FullAWSAccess") in listed
    html = message(response)
    assert "Service control policy NoUserList · Sid NoUserList (Deny)" in html
    assert EXPLICIT in html
    # The member account may not read the management account's SCP (another account's
    # policy), but AWS's FullAWSAccess is readable.
    hidden = {p.name: p.text_hidden for p in simulation.policies if p.source == "Service control policy"}
    assert hidden == {"FullAWSAccess": False, "NoUserList": True}
    assert '"Sid": "NoUserList"' not in html


def test_the_simulator_of_the_management_account_lists_no_scps(org, no_user_list, alice):
    grant(alice, ADMIN)
    response = signed_in_client(alice).get(SIMULATOR, {"principal": "alice", "action": "iam:ListUsers"})
    simulation = response.context["simulation"]
    assert [r.decision.decision for r in simulation.results] == ["allowed"]
    assert all(p.source != "Service control policy" for p in simulation.policies)


def queries_of(client, path):
    client.get(path)  # the first request of a principal also notes its use (last accessed)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def organizations_queries(sqls):
    return [sql for sql in sqls if 'FROM "organizations_' in sql]


def test_an_account_outside_any_organization_asks_nothing_of_organizations(alice):
    grant(alice, ADMIN)
    assert organizations_queries(queries_of(signed_in_client(alice), "/iam/users/")) == []


def test_a_member_account_reads_its_scps_once_per_request(org, trainees, dev):
    sqls = queries_of(signed_in_client(dev), "/iam/users/")
    assert 1 <= len(organizations_queries(sqls)) <= 2


def test_the_management_account_asks_nothing_of_organizations(org, alice):
    grant(alice, ADMIN)
    assert organizations_queries(queries_of(signed_in_client(alice), "/iam/users/")) == []


def test_service_linked_role_sessions_are_exempt():
    identity = SimpleNamespace(role_session=SimpleNamespace(role=SimpleNamespace(service_linked=True)),
                               _scps=([["an SCP"]],))
    assert scps_for(identity) is None
    identity.role_session.role.service_linked = False
    assert scps_for(identity) == [["an SCP"]]
