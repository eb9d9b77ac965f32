"""Second hostile review of #9's late changes: the simulator's tag-aware reads. A managed
policy's text needs iam:GetPolicyVersion with the policy's tags, as its own page asks."""

from __future__ import annotations

import json

import pytest

from policies import services as policy_services
from tests.conftest import grant, signed_in_client
from tests.policies.test_simulator import simulate

pytestmark = pytest.mark.django_db

SECRET = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Vault", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::top-secret-vault/*"}]}


def test_a_deny_by_tag_on_get_policy_version_hides_a_managed_policys_text(account, alice, bob):
    policy = policy_services.create_policy(account, name="Vault", document=json.dumps(SECRET),
                                           tags=[("team", "admins")])
    policy_services.attach_policy(alice, policy_arn=policy.arn)
    grant(bob, {"Effect": "Allow", "Action": ["iam:SimulatePrincipalPolicy", "iam:GetPolicyVersion",
                                              "iam:GetPolicy", "iam:GetUser", "iam:GetUserPolicy"],
                "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:GetPolicyVersion", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    client = signed_in_client(bob)
    # The policy's own page refuses its text...
    page = client.get(f"/iam/policies/{account.account_id}/Vault/").content.decode()
    assert "top-secret-vault" not in page
    # ...and so does the simulator.
    response = simulate(client, principal="alice", action="s3:GetObject", resource="arn:aws:s3:::x/y")
    assert response.status_code == 200
    assert "top-secret-vault" not in response.content.decode()


def test_the_pages_of_a_user_group_or_role_keep_a_hidden_policys_text_out(account, alice, bob):
    from accounts import roles, services

    policy = policy_services.create_policy(account, name="Vault", document=json.dumps(SECRET),
                                           tags=[("team", "admins")])
    role = roles.create_role(account, name="ops", trust_policy=roles.account_trust_policy(account.account_id))
    group = services.create_group(account, name="Vaulters")
    for entity in (role, group, alice):
        policy_services.attach_policy(entity, policy_arn=policy.arn)
    grant(bob, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:GetPolicyVersion", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    client = signed_in_client(bob)
    for url in ("/iam/roles/ops/", "/iam/roles/ops/?tab=permissions", "/iam/groups/Vaulters/",
                "/iam/groups/Vaulters/?tab=permissions", "/iam/users/alice/", "/iam/users/alice/?tab=permissions",
                "/iam/users/alice/policies/", "/iam/groups/Vaulters/policies/"):
        response = client.get(url)
        assert response.status_code < 500, url
        assert "top-secret-vault" not in response.content.decode(), url
