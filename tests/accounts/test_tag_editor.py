"""#11 item 13: one tag editor for every entity (users, roles, customer managed policies): the
same key/value rows with "Remove" and "Add new tag", the same rules and messages."""

from __future__ import annotations

import json

import pytest

from accounts import roles, services, tags
from accounts.models import Role
from iamportal.errors import InvalidInput
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

EDITOR = 'name="add_tag"'
DOCUMENT = json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})


@pytest.fixture
def cashier(account):
    return roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id),
                             tags=[("team", "front")])


def open_role_wizard_details(client):
    url, prefix = "/iam/roles/create/", "role_create_wizard"
    client.get(url)
    csrf_post(client, url, {f"{prefix}-current_step": "trusted_entity", "trusted_entity-entity_type": "aws_account",
                            "trusted_entity-account_choice": "this"})
    return csrf_post(client, url, {f"{prefix}-current_step": "permissions"})


def open_policy_wizard_review(client):
    url = "/iam/policies/create/"
    client.get(url)
    return csrf_post(client, url, {"policy_create_wizard-current_step": "permissions",
                                   "permissions-document": DOCUMENT})


def test_every_entity_uses_the_same_editor(root_client, account, cashier, alice):
    pages = [root_client.get("/iam/users/alice/tags/"), root_client.get("/iam/roles/Cashier/tags/edit/"),
             open_role_wizard_details(root_client), open_policy_wizard_review(root_client)]
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200 and EDITOR in text and 'name="remove_tag"' in text, text[:300]
        assert "Key=Value" not in text and "tag_key" not in text  # no other editor
    assert 'value="front"' in pages[1].content.decode()


def test_add_and_remove_rows_on_the_role_tags_page_save_nothing(root_client, cashier):
    added = csrf_post(root_client, "/iam/roles/Cashier/tags/edit/", {"key_0": "team", "value_0": "front",
                                                                     "add_tag": "1"})
    assert added.status_code == 200 and 'name="key_1"' in added.content.decode()
    removed = csrf_post(root_client, "/iam/roles/Cashier/tags/edit/", {"key_0": "team", "value_0": "front",
                                                                       "key_1": "env", "value_1": "dev",
                                                                       "remove_tag": "0"})
    text = removed.content.decode()
    assert removed.status_code == 200 and 'value="env"' in text and 'value="front"' not in text
    assert Role.objects.get(name="Cashier").tag_list == [{"Key": "team", "Value": "front"}]


def test_add_a_row_in_the_create_role_wizard_keeps_the_name(root_client):
    open_role_wizard_details(root_client)
    page = csrf_post(root_client, "/iam/roles/create/", {
        "role_create_wizard-current_step": "details", "details-name": "Barista",
        "details-key_0": "team", "details-value_0": "bar", "add_tag": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and 'value="Barista"' in text and 'name="details-key_1"' in text
    assert not Role.objects.filter(name="Barista").exists()


def test_add_a_row_in_the_create_policy_wizard_keeps_the_name(root_client):
    open_policy_wizard_review(root_client)
    page = csrf_post(root_client, "/iam/policies/create/", {
        "policy_create_wizard-current_step": "review", "review-name": "Receipts",
        "review-key_0": "team", "review-value_0": "bar", "add_tag": "1"})
    text = page.content.decode()
    assert page.status_code == 200 and 'value="Receipts"' in text and 'name="review-key_1"' in text


@pytest.mark.parametrize("key", ["aws:team", "AWS:Team"])
def test_the_aws_prefix_is_reserved_everywhere(root_client, cashier, key):
    with pytest.raises(InvalidInput, match="Tag keys starting with 'aws:' are reserved for internal use."):
        tags.save_tags(cashier, [(key, "x")])
    page = csrf_post(root_client, "/iam/roles/Cashier/tags/edit/", {"key_0": key, "value_0": "x"})
    assert "Tag keys starting with &#x27;aws:&#x27; are reserved for internal use." in page.content.decode()
    assert Role.objects.get(name="Cashier").tag_list == [{"Key": "team", "Value": "front"}]


def test_the_limits_are_the_same_for_every_entity(account, cashier, alice):
    too_many = [(f"k{i}", "v") for i in range(51)]
    for entity in (cashier, alice):
        with pytest.raises(Exception, match="Member must have length less than or equal to 50"):
            tags.save_tags(entity, too_many)
        with pytest.raises(Exception, match="less than or equal to 128"):
            tags.save_tags(entity, [("k" * 129, "")])
        with pytest.raises(Exception, match="less than or equal to 256"):
            tags.save_tags(entity, [("k", "v" * 257)])


def test_create_user_carries_the_tags_and_needs_tag_user(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": ["iam:CreateUser", "iam:TagUser"], "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}})
    url, prefix = "/iam/users/create/", "user_create_wizard"
    alice_client.get(url)
    csrf_post(alice_client, url, {f"{prefix}-current_step": "details", "details-user_name": "carol"})
    csrf_post(alice_client, url, {f"{prefix}-current_step": "permissions", "permissions-option": "groups"})
    refused = csrf_post(alice_client, url, {f"{prefix}-current_step": "review", "review-key_0": "team",
                                            "review-value_0": "admins"})
    assert refused.status_code == 403 and "iam:CreateUser" in refused.content.decode()
    assert not services.User.objects.filter(user_name="carol").exists()


def test_calls_of_a_tags_page_save(cashier):
    calls = tags.update_calls(cashier, [("Team", "front"), ("env", "dev")])
    assert [call[0] for call in calls] == ["iam:TagRole"]
    assert calls[0][2]["aws:TagKeys"] == ["Team", "env"]
    assert calls[0][2]["iam:ResourceTag/team"] == "front"
    (untag,) = tags.update_calls(cashier, [])
    assert untag[0] == "iam:UntagRole" and untag[2]["aws:TagKeys"] == ["team"]
    assert tags.update_calls(cashier, [("team", "front")]) == []
