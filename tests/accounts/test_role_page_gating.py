"""#9 M3: iam:GetRole opens a role's page, but each tab and embedded tool authorises what
AWS's API needs for what it shows: the policy list (ListAttachedRolePolicies,
ListRolePolicies), the tags (ListRoleTags), the policy documents (GetRolePolicy,
GetPolicyVersion) and the simulator ("What this role can do": SimulatePrincipalPolicy)."""

from __future__ import annotations

import json

import pytest

from accounts import roles
from policies import services as policy_services
from tests.conftest import grant

pytestmark = pytest.mark.django_db

SECRET = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "SecretSid", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::vault-bucket/*"}]})
LIST = ["iam:ListAttachedRolePolicies", "iam:ListRolePolicies"]
READ = ["iam:GetRolePolicy", "iam:GetPolicyVersion"]


@pytest.fixture
def vault(account):
    role = roles.create_role(account, name="Vault", trust_policy=roles.account_trust_policy(account.account_id),
                             tags=[("team", "secret-team")])
    policy_services.put_inline_policy(role, name="vault-inline", document=SECRET)
    return role


def allow(alice, *actions):
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetRole", *actions], "Resource": "*"})


def test_get_role_alone_shows_the_summary_but_no_policies_and_no_simulator(alice_client, alice, vault):
    allow(alice)
    response = alice_client.get("/iam/roles/Vault/?action=s3:GetObject&resource=arn:aws:s3:::vault-bucket/x")
    page = response.content.decode()
    assert response.status_code == 200
    assert vault.arn in page and "Summary" in page
    assert "iam:ListAttachedRolePolicies" in page and "AccessDenied" in page
    for secret in ("vault-inline", "vault-bucket", "SecretSid", "Try a request", 'data-testid="tried"',
                   'data-testid="capabilities"'):
        assert secret not in page.replace(vault.arn, "")


def test_listing_shows_the_names_but_not_the_documents_or_the_simulator(alice_client, alice, vault):
    allow(alice, *LIST)
    page = alice_client.get("/iam/roles/Vault/?action=s3:GetObject&resource=arn:aws:s3:::vault-bucket/x")
    text = page.content.decode()
    assert "vault-inline" in text
    assert "iam:GetRolePolicy" in text  # the AccessDenied of "What this role can do"
    for secret in ("vault-bucket", "SecretSid", "Try a request", 'data-testid="tried"'):
        assert secret not in text


def test_reading_without_simulate_shows_no_simulator(alice_client, alice, vault):
    allow(alice, *LIST, *READ)
    text = alice_client.get("/iam/roles/Vault/?action=s3:GetObject&resource=arn:aws:s3:::x").content.decode()
    assert "iam:SimulatePrincipalPolicy" in text
    assert "Try a request" not in text and 'data-testid="tried"' not in text


def test_with_every_action_the_tab_and_its_tools_are_shown(alice_client, alice, vault):
    allow(alice, *LIST, *READ, "iam:SimulatePrincipalPolicy")
    text = alice_client.get(
        "/iam/roles/Vault/?action=s3:GetObject&resource=arn:aws:s3:::vault-bucket/x").content.decode()
    assert "vault-inline" in text and "Try a request" in text and 'data-testid="tried"' in text
    assert "<strong>AccessDenied</strong>" not in text


def test_the_tags_tab_needs_list_role_tags(alice_client, alice, vault):
    allow(alice)
    denied = alice_client.get("/iam/roles/Vault/?tab=tags").content.decode()
    assert "secret-team" not in denied and "iam:ListRoleTags" in denied
    allow(alice, "iam:ListRoleTags")
    assert "secret-team" in alice_client.get("/iam/roles/Vault/?tab=tags").content.decode()


def test_the_trust_tab_is_what_get_role_returns(alice_client, alice, vault):
    allow(alice)
    text = alice_client.get("/iam/roles/Vault/?tab=trust").content.decode()
    assert "sts:AssumeRole" in text and "<strong>AccessDenied</strong>" not in text
