"""Tags and ABAC (#9 H1): every call that carries tags is authorised with
``aws:RequestTag/<key>`` and ``aws:TagKeys`` (Untag*: the removed keys), the implied
``iam:Tag<Entity>`` of a create-with-tags is authorised too, and the existing resource's
tags are ``aws:ResourceTag/<key>`` (``iam:ResourceTag/<key>`` for users and roles).

The reproduction: a user who may tag and create roles, but not with the key ``team``,
must not be able to give a role they may assume ``team=admins`` (an ABAC policy on that
role allows everything to principals tagged so)."""

from __future__ import annotations

import json

import pytest

from accounts import roles, services
from accounts.models import Role
from policies import services as policy_services
from policies.models import ManagedPolicy
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

NO_TEAM_TAG = {"Effect": "Deny", "Action": ["iam:Tag*", "iam:CreateRole"], "Resource": "*",
               "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}}
TAGGER = {"Effect": "Allow", "Resource": "*",
          "Action": ["iam:TagRole", "iam:TagUser", "iam:CreateRole", "sts:AssumeRole", "iam:GetRole",
                     "iam:ListRoleTags", "iam:ListUserTags", "iam:GetUser", "iam:ListRoles"]}
ABAC_ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "admins"}}}]})


def trusting(user) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def ops(account, alice):
    """A role alice may assume, which an ABAC policy makes admin once tagged team=admins."""
    role = roles.create_role(account, name="Ops", trust_policy=trusting(alice))
    policy_services.put_inline_policy(role, name="abac", document=ABAC_ADMIN)
    return role


@pytest.fixture
def tagger(alice):
    grant(alice, TAGGER, NO_TEAM_TAG)
    return alice


def rows(*tags: tuple[str, str], prefix: str = "") -> dict[str, str]:
    """The tag editor's fields for ``tags`` (``key_<n>`` / ``value_<n>``)."""
    data = {}
    for index, (key, value) in enumerate(tags):
        data[f"{prefix}key_{index}"], data[f"{prefix}value_{index}"] = key, value
    return data


def refused(response, action: str) -> bool:
    page = response.content.decode()
    return response.status_code == 403 and "AccessDenied" in page and action in page


# ---------------------------------------------------------------------------
# The reproduction: roles


def test_tagging_a_role_team_admins_is_refused_and_nothing_saved(alice_client, tagger, ops):
    response = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("team", "admins")))
    assert refused(response, "iam:TagRole")
    assert Role.objects.get(pk=ops.pk).tag_list == []


def test_switching_to_the_untagged_role_gives_no_admin(alice_client, tagger, ops, account):
    csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("team", "admins")))
    switched = csrf_post(alice_client, "/switchrole", {"account": account.account_id, "role_name": "Ops"})
    assert switched.status_code == 302
    assert alice_client.get("/iam/users/").status_code == 403


def test_other_tag_keys_are_still_allowed(alice_client, tagger, ops):
    response = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("env", "dev")))
    assert response.status_code == 302
    assert Role.objects.get(pk=ops.pk).tag_list == [{"Key": "env", "Value": "dev"}]


def test_a_deny_ignoring_case_catches_the_key_in_any_case(alice_client, alice, ops):
    # StringEquals compares values case-sensitively, as in AWS; IAM's tag keys are unique
    # regardless of case, so a guard on a key uses StringEqualsIgnoreCase.
    grant(alice, TAGGER, {"Effect": "Deny", "Action": "iam:Tag*", "Resource": "*",
                          "Condition": {"ForAnyValue:StringEqualsIgnoreCase": {"aws:TagKeys": ["team"]}}})
    response = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("TEAM", "admins")))
    assert refused(response, "iam:TagRole")
    assert Role.objects.get(pk=ops.pk).tag_list == []


def test_request_tag_keys_match_whatever_their_case(alice_client, alice, ops):
    grant(alice, TAGGER, {"Effect": "Deny", "Action": "iam:TagRole", "Resource": "*",
                          "Condition": {"StringEquals": {"aws:RequestTag/team": "admins"}}})
    response = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("Team", "admins")))
    assert refused(response, "iam:TagRole")


def create_role(client, tags):
    url, prefix = "/iam/roles/create/", "role_create_wizard"
    client.get(url)
    csrf_post(client, url, {f"{prefix}-current_step": "trusted_entity",
                            "trusted_entity-entity_type": "aws_account",
                            "trusted_entity-account_choice": "this"})
    csrf_post(client, url, {f"{prefix}-current_step": "permissions"})
    return csrf_post(client, url, {f"{prefix}-current_step": "details", "details-name": "Escalator",
                                   **rows(*tags, prefix="details-")})


def test_creating_a_role_tagged_team_admins_is_refused(alice_client, tagger):
    response = create_role(alice_client, [("team", "admins")])
    assert refused(response, "iam:CreateRole")
    assert not Role.objects.filter(name="Escalator").exists()


def test_creating_a_role_with_tags_needs_tag_role_too(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:TagRole"], "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:TagRole", "Resource": "*",
           "Condition": {"StringEquals": {"aws:RequestTag/env": "prod"}}})
    response = create_role(alice_client, [("env", "prod")])
    assert refused(response, "iam:TagRole")
    assert not Role.objects.filter(name="Escalator").exists()
    assert create_role(alice_client, [("env", "dev")]).status_code == 302
    assert Role.objects.get(name="Escalator").tag_list == [{"Key": "env", "Value": "dev"}]


def test_untagging_a_role_passes_the_removed_keys(alice_client, alice, account):
    roles.create_role(account, name="Ops", trust_policy=trusting(alice), tags=[("team", "ops"), ("env", "dev")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListRoleTags", "iam:TagRole", "iam:UntagRole"],
                  "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:UntagRole", "Resource": "*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}})
    kept_team = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("team", "ops")))
    assert kept_team.status_code == 302
    gone = csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("env", "dev")))
    assert refused(gone, "iam:UntagRole")
    assert Role.objects.get(name="Ops").tag_list == [{"Key": "team", "Value": "ops"}]


@pytest.mark.parametrize("key", ["aws:ResourceTag/team", "iam:ResourceTag/team"])
def test_role_pages_see_the_roles_own_tags(alice_client, alice, account, key):
    roles.create_role(account, name="Ops", trust_policy=trusting(alice), tags=[("team", "admins")])
    roles.create_role(account, name="Till", trust_policy=trusting(alice), tags=[("team", "bar")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetRole", "iam:ListRoleTags", "iam:TagRole"],
                  "Resource": "*", "Condition": {"StringEquals": {key: "bar"}}})
    assert alice_client.get("/iam/roles/Till/").status_code == 200
    assert alice_client.get("/iam/roles/Ops/").status_code == 403
    assert refused(csrf_post(alice_client, "/iam/roles/Ops/tags/edit/", rows(("team", "bar"))), "iam:")


# ---------------------------------------------------------------------------
# Users: the same Deny holds


def test_tagging_a_user_team_admins_is_refused(alice_client, tagger, bob):
    response = csrf_post(alice_client, "/iam/users/bob/tags/", rows(("team", "admins")))
    assert refused(response, "iam:TagUser")
    assert services.get_user(bob.account, "bob").tag_list == []


def test_user_pages_see_the_users_own_tags(alice_client, alice, account):
    services.create_user(account, user_name="carol", tags=[("team", "bar")])
    services.create_user(account, user_name="dave", tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListUserTags", "iam:TagUser"], "Resource": "*",
                  "Condition": {"StringEquals": {"iam:ResourceTag/team": "bar"}}})
    assert alice_client.get("/iam/users/carol/tags/").status_code == 200
    assert alice_client.get("/iam/users/dave/tags/").status_code == 403


# ---------------------------------------------------------------------------
# Customer managed policies


def test_creating_a_policy_with_a_denied_tag_key_is_refused(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": ["iam:CreatePolicy", "iam:TagPolicy"], "Resource": "*"},
          {"Effect": "Deny", "Action": ["iam:TagPolicy"], "Resource": "*",
           "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}})
    url, prefix = "/iam/policies/create/", "policy_create_wizard"
    alice_client.get(url)
    document = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
    csrf_post(alice_client, url, {f"{prefix}-current_step": "permissions", "permissions-document": document})
    response = csrf_post(alice_client, url, {f"{prefix}-current_step": "review", "review-name": "Receipts",
                                             **rows(("team", "admins"), prefix="review-")})
    assert refused(response, "iam:TagPolicy")
    assert not ManagedPolicy.objects.filter(name="Receipts").exists()


def test_user_policy_pages_see_the_users_own_tags(alice_client, alice, account):
    services.create_user(account, user_name="carol", tags=[("team", "bar")])
    services.create_user(account, user_name="dave", tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": "iam:ListAttachedUserPolicies", "Resource": "*",
                  "Condition": {"StringEquals": {"iam:ResourceTag/team": "bar"}}})
    assert alice_client.get("/iam/users/carol/policies/").status_code == 200
    assert alice_client.get("/iam/users/dave/policies/").status_code == 403


def test_policy_pages_see_the_policys_own_tags(alice_client, alice, account):
    document = json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]})
    policy_services.create_policy(account, name="Bar", document=document, tags=[("team", "bar")])
    policy_services.create_policy(account, name="Admins", document=document, tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"], "Resource": "*",
                  "Condition": {"StringEquals": {"aws:ResourceTag/team": "bar"}}})
    assert alice_client.get(f"/iam/policies/{account.account_id}/Bar/").status_code == 200
    assert alice_client.get(f"/iam/policies/{account.account_id}/Admins/").status_code == 403
