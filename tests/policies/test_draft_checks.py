""""Check for new access" on a draft: the edit pages of a managed policy and of inline policies
(users, groups, roles) check the text being edited against the default version / the saved
inline policy without saving, and show PASS/FAIL with the statements responsible and the
edited text (policies/views/draft_checks.py)."""

from __future__ import annotations

import html

import pytest

from accounts import roles
from accounts import services as accounts_services
from policies import services
from policies.models import InlinePolicy
from tests.conftest import csrf_post, grant

from .helpers import DELETE_ALL, READ, TRUST, doc

pytestmark = pytest.mark.django_db

CHECK = {"check_new_access": "1"}


@pytest.fixture
def policy(account):
    return services.create_policy(account, name="Receipts", document=doc(READ))


@pytest.fixture
def edit_urls(account, alice, policy):
    """An inline policy "Work" (READ) on a user, a group and a role, and every edit page."""
    group = accounts_services.create_group(account, name="Cashiers")
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    for owner in (alice, group, role):
        services.put_inline_policy(owner, name="Work", document=doc(READ))
    return {
        "managed": f"/iam/policies/{policy.owner}/Receipts/edit/",
        "user": "/iam/users/alice/policies/inline/Work/edit/",
        "group": "/iam/groups/Cashiers/policies/inline/Work/edit/",
        "role": "/iam/roles/Worker/policies/inline/Work/edit/",
    }


PAGES = ["managed", "user", "group", "role"]


def saved(policy):
    """What is stored: every version of the managed policy and every inline document."""
    return ([v.document for v in policy.versions.order_by("number")],
            sorted(InlinePolicy.objects.values_list("document", flat=True)))


@pytest.mark.parametrize("page", PAGES)
def test_edit_page_offers_the_check(root_client, edit_urls, page):
    text = root_client.get(edit_urls[page]).content.decode()
    assert 'name="check_new_access"' in text and "Check for new access" in text
    assert "without saving" in text
    assert 'id="check-result"' not in text  # no answer before asking


@pytest.mark.parametrize("page", PAGES)
def test_new_access_fails_with_the_statement_keeps_the_text_and_saves_nothing(
        root_client, edit_urls, policy, page):
    before = saved(policy)
    draft = doc(READ, DELETE_ALL)
    response = csrf_post(root_client, edit_urls[page], {"document": draft, **CHECK})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Fail" in text and "The modified permissions grant new access" in text
    assert "New access in the statement with index: 1." in text and "DeleteAll" in text
    assert html.escape(draft) in text  # the edited text is kept in the editor
    assert saved(policy) == before


@pytest.mark.parametrize("page", PAGES)
def test_no_new_access_passes(root_client, edit_urls, page):
    narrower = doc({**READ, "Resource": "arn:aws:s3:::receipts/2026/*"})
    text = csrf_post(root_client, edit_urls[page], {"document": narrower, **CHECK}).content.decode()
    assert "Pass" in text
    assert "The modified permissions do not grant new access compared to your existing policy." in text
    assert "Statements responsible" not in text


def test_managed_check_compares_with_the_default_version(root_client, edit_urls, policy):
    services.create_policy_version(policy, document=doc(READ, DELETE_ALL), set_as_default=True)
    text = csrf_post(root_client, edit_urls["managed"],
                     {"document": doc(READ, DELETE_ALL), **CHECK}).content.decode()
    assert "(v2)" in text and "do not grant new access" in text


def test_managed_check_at_the_version_limit_needs_no_version_to_delete(root_client, edit_urls,
                                                                       policy):
    for _ in range(4):
        services.create_policy_version(policy, document=doc(READ), set_as_default=True)
    response = csrf_post(root_client, edit_urls["managed"],
                         {"document": doc(READ, DELETE_ALL), **CHECK})
    text = response.content.decode()
    assert "New access in the statement with index: 1." in text
    assert "This field is required" not in text
    assert policy.versions.count() == 5


@pytest.mark.parametrize("page", ["managed", "role"])
def test_a_draft_with_errors_is_not_checked(root_client, edit_urls, page):
    response = csrf_post(root_client, edit_urls[page], {"document": '{"Version": ', **CHECK})
    text = response.content.decode()
    assert "Fix the errors in the policy before checking it for new access." in text
    assert "The modified permissions" not in text


def test_the_check_authorises_its_action_and_the_read(alice_client, alice, edit_urls, policy):
    grant(alice, {"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:PutUserPolicy",
                                                "iam:GetPolicy"], "Resource": "*"})
    draft = {"document": doc(READ, DELETE_ALL), **CHECK}
    response = csrf_post(alice_client, edit_urls["managed"], draft)
    assert response.status_code == 403
    assert "access-analyzer:CheckNoNewAccess" in response.content.decode()
    grant(alice, {"Effect": "Allow", "Action": "access-analyzer:CheckNoNewAccess", "Resource": "*"})
    response = csrf_post(alice_client, edit_urls["managed"], draft)
    assert response.status_code == 403
    assert f"iam:GetPolicyVersion on resource: {policy.arn}" in response.content.decode()
    response = csrf_post(alice_client, edit_urls["user"], draft)
    assert response.status_code == 403 and "iam:GetUserPolicy" in response.content.decode()
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicyVersion", "iam:GetUserPolicy"],
                  "Resource": "*"})
    assert "grant new access" in csrf_post(alice_client, edit_urls["managed"],
                                           draft).content.decode()
    assert "grant new access" in csrf_post(alice_client, edit_urls["user"],
                                           draft).content.decode()


def test_save_still_saves(root_client, edit_urls, policy):
    response = csrf_post(root_client, edit_urls["role"], {"document": doc(READ, DELETE_ALL)})
    assert response.status_code == 302
    assert "DeleteAll" in InlinePolicy.objects.get(role__name="Worker").document


def test_create_page_has_no_check(root_client, edit_urls):
    text = root_client.get("/iam/roles/Worker/policies/inline/create/").content.decode()
    assert 'name="check_new_access"' not in text


def test_another_accounts_policy_is_404(mallory_client, edit_urls):
    for page in PAGES:
        response = csrf_post(mallory_client, edit_urls[page], {"document": doc(READ), **CHECK})
        assert response.status_code == 404


def test_a_draft_too_complex_to_check_says_so_and_saves_nothing(root_client, account):
    wild = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + "*a" * 2900}
    policy = services.create_policy(account, name="Wild", document=doc(wild, indent=None))
    before = [v.document for v in policy.versions.all()]
    long = {**wild, "Resource": "arn:aws:s3:::" + "a" * 5800 + "b"}
    response = csrf_post(root_client, f"/iam/policies/{policy.owner}/Wild/edit/",
                         {"document": doc(long, indent=None), **CHECK})
    text = response.content.decode()
    assert response.status_code == 400
    assert "The policy can&#x27;t be checked: The policies are too complex to check" in text
    assert [v.document for v in policy.versions.all()] == before
