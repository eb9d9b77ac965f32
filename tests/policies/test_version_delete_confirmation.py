"""Issue 11 item 11: deleting a policy version asks first, as AWS's "Delete policy version"
does: the versions tab's Delete is a link to a page naming the version and the policy, with
Cancel; only its form (POST) deletes. The page is authorised as iam:DeletePolicyVersion itself
(with the policy's tags), refuses the default version in IAM's words, and another account's
policy or a missing version is a 404."""

from __future__ import annotations

import html

import pytest

from policies import services
from tests.conftest import csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(account):
    policy = services.create_policy(account, name="ReceiptsReadOnly", document=doc(),
                                    tags=[("team", "cafe")])
    services.create_policy_version(policy, document=doc(indent=2), set_as_default=True)  # v2
    return policy


def url(policy, suffix=""):
    return f"/iam/policies/{policy.owner}/{policy.name}/{suffix}"


def versions(policy) -> list[str]:
    return sorted(v.version_id for v in policy.versions.all())


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_delete_on_the_versions_tab_links_to_a_confirmation_that_changes_nothing(root_client, policy):
    delete_url = url(policy, "versions/v1/delete/")
    tab = root_client.get(url(policy, "versions/")).content.decode()
    assert f'href="{delete_url}"' in tab  # a link, not a one-click form
    page = root_client.get(delete_url)
    assert page.status_code == 200
    assert "<h1>Delete version v1 of policy ReceiptsReadOnly?</h1>" in text(page)
    assert "The default version, v2, stays in force" in text(page)
    assert f'<a class="button" href="{url(policy, "versions/")}">Cancel</a>' in page.content.decode()
    assert versions(policy) == ["v1", "v2"]


def test_posting_the_confirmation_deletes_the_version(root_client, policy):
    response = csrf_post(root_client, url(policy, "versions/v1/delete/"), follow=True)
    assert response.redirect_chain == [(url(policy, "versions/"), 302)]
    assert "Version v1 deleted." in text(response)
    assert versions(policy) == ["v2"]


def test_the_default_version_is_refused_in_iams_words(root_client, policy):
    for response in (root_client.get(url(policy, "versions/v2/delete/")),
                     csrf_post(root_client, url(policy, "versions/v2/delete/"))):
        assert response.status_code == 409
        assert "Cannot delete the default version of a policy." in text(response)
    assert versions(policy) == ["v1", "v2"]


def test_a_missing_version_is_not_found_in_iams_words(root_client, policy):
    response = root_client.get(url(policy, "versions/v7/delete/"))
    assert response.status_code == 404
    assert f"Policy {policy.arn} version v7 does not exist or is not attachable." in text(response)


def test_another_accounts_policy_is_not_found(mallory_client, policy):
    assert mallory_client.get(url(policy, "versions/v1/delete/")).status_code == 404
    assert csrf_post(mallory_client, url(policy, "versions/v1/delete/")).status_code == 404
    assert versions(policy) == ["v1", "v2"]


def test_a_deny_on_the_policys_tag_refuses_the_page_and_the_post(alice_client, alice, policy):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeletePolicyVersion", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "cafe"}}})
    for response in (alice_client.get(url(policy, "versions/v1/delete/")),
                     csrf_post(alice_client, url(policy, "versions/v1/delete/"))):
        assert response.status_code == 403
        assert (f"User: {alice.arn} is not authorized to perform: iam:DeletePolicyVersion on resource: "
                f"{policy.arn} with an explicit deny") in text(response)
    assert versions(policy) == ["v1", "v2"]


def test_without_the_tag_the_same_user_may_open_it(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeletePolicyVersion", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "cafe"}}})
    other = services.create_policy(account, name="Untagged", document=doc())
    services.create_policy_version(other, document=doc(indent=2), set_as_default=True)
    assert alice_client.get(url(other, "versions/v1/delete/")).status_code == 200
