"""A customer managed policy's Tags tab and Manage tags page (#9 H1, for policies).

The tab (``?tab=tags`` on the policy's page) shows the tags behind ``iam:ListPolicyTags``;
Manage tags saves through :func:`accounts.tags.update_calls`: ``iam:TagPolicy`` with the tags
added or changed (``aws:RequestTag/<key>``, ``aws:TagKeys``), ``iam:UntagPolicy`` with the
keys removed (``aws:TagKeys``), both with the policy's own tags (``aws:ResourceTag/<key>``),
and nothing is saved unless both are allowed. AWS managed policies can't be tagged; another
account's policy is a 404.
"""

from __future__ import annotations

import pytest

from policies import services as policy_services
from policies.models import ManagedPolicy
from tests.accounts.test_tags_abac import refused, rows
from tests.conftest import csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db

TAGGER = {"Effect": "Allow", "Resource": "*",
          "Action": ["iam:GetPolicy", "iam:ListPolicyTags", "iam:TagPolicy", "iam:UntagPolicy"]}


def deny_key(action: str, key: str = "team") -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": [key]}}}


def make_policy(account, name="Receipts", tags=()):
    return policy_services.create_policy(account, name=name, document=doc(), tags=list(tags))


def tags_url(account, name="Receipts") -> str:
    return f"/iam/policies/{account.account_id}/{name}/tags/edit/"


def tags_of(name="Receipts") -> list[dict]:
    return ManagedPolicy.objects.get(name=name, account__isnull=False).tag_list


# ---------------------------------------------------------------------------
# The ABAC reproduction, for policies


def test_a_deny_on_the_key_team_refuses_adding_it_and_saves_nothing(alice_client, alice, account):
    make_policy(account, tags=[("env", "dev")])
    grant(alice, TAGGER, deny_key("iam:Tag*"))
    response = csrf_post(alice_client, tags_url(account), rows(("env", "dev"), ("team", "x")))
    assert refused(response, "iam:TagPolicy")
    assert f"on resource: {account.arn('policy/Receipts')}" in response.content.decode()
    assert tags_of() == [{"Key": "env", "Value": "dev"}]


def test_other_keys_are_still_allowed(alice_client, alice, account):
    make_policy(account)
    grant(alice, TAGGER, deny_key("iam:Tag*"))
    response = csrf_post(alice_client, tags_url(account), rows(("env", "dev")))
    assert response.status_code == 302
    assert response["Location"] == f"/iam/policies/{account.account_id}/Receipts/?tab=tags"
    assert tags_of() == [{"Key": "env", "Value": "dev"}]
    page = alice_client.get(response["Location"]).content.decode()
    assert "Tags saved for policy Receipts." in page


def test_a_deny_on_untagging_the_key_team_refuses_removing_it(alice_client, alice, account):
    make_policy(account, tags=[("team", "ops"), ("env", "dev")])
    grant(alice, TAGGER, deny_key("iam:UntagPolicy"))
    gone = csrf_post(alice_client, tags_url(account), rows(("env", "dev")))
    assert refused(gone, "iam:UntagPolicy")
    assert tags_of() == [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}]
    kept_team = csrf_post(alice_client, tags_url(account), rows(("team", "ops")))
    assert kept_team.status_code == 302
    assert tags_of() == [{"Key": "team", "Value": "ops"}]


def test_adding_and_removing_at_once_needs_both_calls(alice_client, alice, account):
    make_policy(account, tags=[("team", "ops")])
    grant(alice, TAGGER, deny_key("iam:UntagPolicy"))
    # TagPolicy (env) is allowed, UntagPolicy (team) is not: nothing of the request is saved.
    response = csrf_post(alice_client, tags_url(account), rows(("env", "dev")))
    assert refused(response, "iam:UntagPolicy")
    assert tags_of() == [{"Key": "team", "Value": "ops"}]


def test_tag_policy_only_on_policies_with_a_given_resource_tag(alice_client, alice, account):
    make_policy(account, name="Bar", tags=[("team", "bar")])
    make_policy(account, name="Admins", tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListPolicyTags", "iam:TagPolicy"], "Resource": "*",
                  "Condition": {"StringEquals": {"aws:ResourceTag/team": "bar"}}})
    allowed = csrf_post(alice_client, tags_url(account, "Bar"), rows(("team", "bar"), ("env", "dev")))
    assert allowed.status_code == 302
    assert tags_of("Bar") == [{"Key": "team", "Value": "bar"}, {"Key": "env", "Value": "dev"}]
    denied = csrf_post(alice_client, tags_url(account, "Admins"), rows(("team", "admins"), ("env", "dev")))
    assert refused(denied, "iam:ListPolicyTags")
    assert tags_of("Admins") == [{"Key": "team", "Value": "admins"}]


def test_tag_policy_denied_by_resource_tag_even_with_list_allowed(alice_client, alice, account):
    make_policy(account, name="Admins", tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": "iam:ListPolicyTags", "Resource": "*"},
          {"Effect": "Allow", "Action": "iam:TagPolicy", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "bar"}}})
    assert alice_client.get(tags_url(account, "Admins")).status_code == 200
    denied = csrf_post(alice_client, tags_url(account, "Admins"), rows(("team", "admins"), ("env", "dev")))
    assert refused(denied, "iam:TagPolicy")
    assert tags_of("Admins") == [{"Key": "team", "Value": "admins"}]


# ---------------------------------------------------------------------------
# The Tags tab: iam:ListPolicyTags


def test_the_tags_tab_needs_list_policy_tags(alice_client, alice, account):
    make_policy(account, tags=[("team", "till-secret")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"], "Resource": "*"})
    url = f"/iam/policies/{account.account_id}/Receipts/"
    permissions = alice_client.get(url).content.decode()
    assert "Tags (1)" in permissions and "till-secret" not in permissions
    response = alice_client.get(f"{url}?tab=tags")
    page = response.content.decode()
    assert response.status_code == 200
    assert "AccessDenied" in page and "iam:ListPolicyTags" in page
    assert "till-secret" not in page
    assert alice_client.get(tags_url(account)).status_code == 403


def test_the_tags_tab_lists_the_tags_and_manage_tags(alice_client, alice, account):
    make_policy(account, tags=[("team", "till")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicy", "iam:ListPolicyTags", "iam:TagPolicy"],
                  "Resource": "*"})
    page = alice_client.get(f"/iam/policies/{account.account_id}/Receipts/?tab=tags").content.decode()
    assert "<td>team</td><td>till</td>" in page
    assert f'href="{tags_url(account)}"' in page
    assert "Permissions defined in this policy" not in page


def test_the_manage_tags_page_shows_the_editor_with_the_tags(root_client, account):
    make_policy(account, tags=[("team", "till")])
    page = root_client.get(tags_url(account)).content.decode()
    assert "Manage tags" in page and 'value="till"' in page and "You can add up to 50 tags." in page


def test_add_and_remove_rows_save_nothing(root_client, account):
    make_policy(account, tags=[("team", "till")])
    added = csrf_post(root_client, tags_url(account), {**rows(("team", "till")), "add_tag": "1"})
    assert added.status_code == 200 and 'name="key_1"' in added.content.decode()
    removed = csrf_post(root_client, tags_url(account), {**rows(("team", "till"), ("env", "dev")), "remove_tag": "0"})
    text = removed.content.decode()
    assert removed.status_code == 200 and 'value="env"' in text and 'value="till"' not in text
    assert tags_of() == [{"Key": "team", "Value": "till"}]


def test_more_than_fifty_tags_are_refused_in_aws_words(root_client, account):
    make_policy(account)
    response = csrf_post(root_client, tags_url(account), rows(*[(f"k{i}", "v") for i in range(51)]))
    assert response.status_code == 200
    assert "Member must have length less than or equal to 50" in response.content.decode()
    assert tags_of() == []
    assert csrf_post(root_client, tags_url(account), rows(*[(f"k{i}", "v") for i in range(50)])).status_code == 302
    assert len(tags_of()) == 50


# ---------------------------------------------------------------------------
# Other accounts' and AWS managed policies


def test_another_accounts_policy_is_a_404(mallory_client, account):
    make_policy(account, tags=[("team", "till")])
    assert mallory_client.get(tags_url(account)).status_code == 404
    assert csrf_post(mallory_client, tags_url(account), rows(("team", "x"))).status_code == 404
    assert mallory_client.get(f"/iam/policies/{account.account_id}/Receipts/?tab=tags").status_code == 404
    assert tags_of() == [{"Key": "team", "Value": "till"}]


def test_an_aws_managed_policy_cannot_be_tagged(root_client, aws_managed_policies):
    url = "/iam/policies/aws/ReadOnlyAccess/tags/edit/"
    for response in (root_client.get(url), csrf_post(root_client, url, rows(("team", "x")))):
        page = response.content.decode()
        assert response.status_code == 400
        assert "InvalidInput" in page and "Tags not supported for policies in this domain." in page
    assert aws_managed_policies.get(name="ReadOnlyAccess").tag_list == []
    # Its page has no Tags tab, and ?tab=tags shows the permissions.
    page = root_client.get("/iam/policies/aws/ReadOnlyAccess/?tab=tags").content.decode()
    assert "?tab=tags" not in page and "Permissions defined in this policy" in page
