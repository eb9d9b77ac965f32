"""The create-role wizard: trusted entity → permissions → name, review, create (iam-facts §8.3)."""

from __future__ import annotations

import json

import pytest

from accounts import roles
from accounts.models import InstanceProfile, Role
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

URL = "/iam/roles/create/"
PREFIX = "role_create_wizard"


def step(client, name, data):
    payload = {f"{PREFIX}-current_step": name, **{f"{name}-{key}": value for key, value in data.items()}}
    return csrf_post(client, URL, payload)


def run_wizard(client, entity, details):
    client.get(URL)
    first = step(client, "trusted_entity", entity)
    assert first.status_code == 200, first.content.decode()[:3000]
    second = step(client, "permissions", {})
    assert second.status_code == 200
    return step(client, "details", details)


def test_the_first_step_offers_the_five_tiles_and_use_cases(root_client):
    page = root_client.get(URL).content.decode()
    for tile in ["AWS service", "AWS account", "Web identity", "SAML 2.0 federation", "Custom trust policy"]:
        assert tile in page
    assert "EC2" in page and "Lambda" in page and "Elastic Container Service Task" in page
    assert "out of scope" in page


def test_aws_service_ec2_role_gets_the_service_trust_policy_and_an_instance_profile(root_client, account):
    root_client.get(URL)
    step(root_client, "trusted_entity", {"entity_type": "aws_service", "use_case": "ec2"})
    review = step(root_client, "permissions", {})
    page = review.content.decode()
    assert "ec2.amazonaws.com" in page and "Name, review, and create" in page
    assert "Allows EC2 instances to call AWS services on your behalf." in page  # default description
    response = step(root_client, "details", {"name": "WebServer",
                                             "description": "Allows EC2 instances to call AWS services on your behalf.",
                                             "key_0": "tier", "value_0": "web"})
    assert response.status_code == 302 and response["Location"] == "/iam/roles/WebServer/"
    role = Role.objects.get(name="WebServer")
    assert role.trust_policy == roles.service_trust_policy("ec2.amazonaws.com")
    assert role.tag_list == [{"Key": "tier", "Value": "web"}]
    assert InstanceProfile.objects.get(role=role).name == "WebServer"


def test_aws_account_this_account_with_mfa(root_client, account):
    response = run_wizard(root_client, {"entity_type": "aws_account", "account_choice": "this", "require_mfa": "on"},
                          {"name": "Cashier"})
    assert response.status_code == 302
    statement = json.loads(Role.objects.get(name="Cashier").trust_policy)["Statement"][0]
    assert statement["Principal"] == {"AWS": f"arn:aws:iam::{account.account_id}:root"}
    assert statement["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def test_aws_account_another_account_with_external_id(root_client):
    response = run_wizard(root_client, {"entity_type": "aws_account", "account_choice": "another",
                                        "other_account_id": "210987654321", "require_external_id": "on",
                                        "external_id": "partner-42"}, {"name": "Partner"})
    assert response.status_code == 302
    assert Role.objects.get(name="Partner").trust_policy == roles.account_trust_policy(
        "210987654321", external_id="partner-42")


def test_another_account_needs_a_12_digit_id(root_client):
    root_client.get(URL)
    response = step(root_client, "trusted_entity", {"entity_type": "aws_account", "account_choice": "another",
                                                    "other_account_id": "12345"})
    assert response.status_code == 200
    assert "Enter a 12-digit account ID." in response.content.decode()


def test_web_identity_and_saml_generate_their_policies_and_say_sign_in_is_out_of_scope(root_client, account):
    root_client.get(URL)
    step(root_client, "trusted_entity", {"entity_type": "web_identity", "web_provider": "google",
                                         "audience": "client-1"})
    review = step(root_client, "permissions", {}).content.decode()
    assert "out of scope" in review and "accounts.google.com:aud" in review
    assert step(root_client, "details", {"name": "GoogleUsers"}).status_code == 302
    assert Role.objects.get(name="GoogleUsers").trust_policy == roles.web_identity_trust_policy(
        roles.PROVIDERS_BY_KEY["google"], "client-1")
    response = run_wizard(root_client, {"entity_type": "saml", "saml_provider": "CorpIdP", "saml_access": "console"},
                          {"name": "Federated"})
    assert response.status_code == 302
    assert Role.objects.get(name="Federated").trust_policy == roles.saml_trust_policy(account.account_id, "CorpIdP")


def test_custom_trust_policy_errors_block_next_with_line_and_column(root_client):
    root_client.get(URL)
    page = root_client.get(URL).content.decode()
    assert "Statement1" in page  # the template
    bad = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},\n' \
          '    "Action": "s3:GetObject"}]\n}'
    response = step(root_client, "trusted_entity", {"entity_type": "custom", "custom_policy": bad})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Line 4, column" in text and "Trust Policy statement actions can only be" in text
    assert "Select trusted entity" in text  # still on step 1


def test_custom_trust_policy_is_stored_as_written(root_client, account):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"},
         "Action": ["sts:AssumeRole", "sts:TagSession"]}]}, indent=2)
    response = run_wizard(root_client, {"entity_type": "custom", "custom_policy": policy}, {"name": "Custom"})
    assert response.status_code == 302
    assert Role.objects.get(name="Custom").trust_policy == policy


def test_name_rules_and_duplicates_are_checked_on_the_last_step(root_client, account):
    roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    entity = {"entity_type": "aws_account", "account_choice": "this"}
    duplicate = run_wizard(root_client, entity, {"name": "CASHIER"})
    assert duplicate.status_code == 200
    assert "Role with name CASHIER already exists." in duplicate.content.decode()
    bad = step(root_client, "details", {"name": "two words"})
    assert bad.status_code == 200
    assert "at &#x27;roleName&#x27; failed to satisfy constraint" in bad.content.decode()
    long_description = step(root_client, "details", {"name": "Fine", "description": "x" * 1001})
    assert long_description.status_code == 200
    assert step(root_client, "details", {"name": "Fine"}).status_code == 302


def test_create_role_is_authorised_on_the_new_roles_arn(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": f"arn:aws:iam::{account.account_id}:role/*"},
          {"Effect": "Deny", "Action": "iam:CreateRole", "Resource": f"arn:aws:iam::{account.account_id}:role/Admin*"})
    entity = {"entity_type": "aws_account", "account_choice": "this"}
    denied = run_wizard(alice_client, entity, {"name": "AdminRole"})
    assert denied.status_code == 403
    assert f"iam:CreateRole on resource: arn:aws:iam::{account.account_id}:role/AdminRole" in denied.content.decode()
    assert run_wizard(alice_client, entity, {"name": "Cashier"}).status_code == 302
    tags = run_wizard(alice_client, entity, {"name": "Tagged", "key_0": "a", "value_0": "b"})
    assert tags.status_code == 403 and "iam:TagRole" in tags.content.decode()
    assert set(Role.objects.values_list("name", flat=True)) == {"Cashier"}


def test_bob_without_permissions_cannot_open_the_wizard(bob_client, account):
    response = bob_client.get(URL)
    assert response.status_code == 403 and "iam:CreateRole" in response.content.decode()
