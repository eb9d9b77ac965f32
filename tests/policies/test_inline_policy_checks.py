"""Custom policy checks on inline policies (/iam/{users,groups,roles}/<name>/policies/inline/
<policy>/checks/): new access against a managed policy or a pasted document, listed actions;
iam:Get{User,Group,Role}Policy and the access-analyzer action authorised; another account's
objects are a 404; bad input a clear 4xx."""

from __future__ import annotations


import pytest

from accounts import roles
from accounts import services as accounts_services
from policies import services
from tests.conftest import csrf_post, grant

from .helpers import DELETE_ALL, READ, TRUST, doc

pytestmark = pytest.mark.django_db



@pytest.fixture
def owners(account, alice):
    """An inline policy "Work" (read + delete) on a user, a group and a role; their URLs."""
    group = accounts_services.create_group(account, name="Cashiers")
    role = roles.create_role(account, name="Worker", trust_policy=TRUST)
    for owner in (alice, group, role):
        services.put_inline_policy(owner, name="Work", document=doc(READ, DELETE_ALL))
    return {
        "user": "/iam/users/alice/policies/inline/Work/checks/",
        "group": "/iam/groups/Cashiers/policies/inline/Work/checks/",
        "role": "/iam/roles/Worker/policies/inline/Work/checks/",
    }


KINDS = ["user", "group", "role"]


@pytest.mark.parametrize("kind", KINDS)
def test_page_offers_the_checks_and_the_detail_page_links_it(root_client, owners, kind):
    page = root_client.get(owners[kind])
    text = page.content.decode()
    assert page.status_code == 200
    assert "Check the inline policy Work" in text
    assert "Another policy (its default version)" in text and "A policy document (JSON)" in text
    assert "of this policy" not in text  # no versions to compare with
    assert "Check that these actions or resources are not granted" in text
    detail = root_client.get(owners[kind].removesuffix("checks/")).content.decode()
    assert f'href="{owners[kind]}"' in detail


@pytest.mark.parametrize("kind", KINDS)
def test_new_access_against_a_pasted_document_names_the_statement(root_client, owners, kind):
    page = csrf_post(root_client, owners[kind], {"check": "new", "against": "json",
                                                 "reference_json": doc(READ)})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Fail" in text and "The modified permissions grant new access" in text
    assert "New access in the statement with index: 1." in text and "DeleteAll" in text
    assert "New access in the statement with index: 0." not in text
    page = csrf_post(root_client, owners[kind], {
        "check": "new", "against": "json",
        "reference_json": doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})})
    assert "do not grant new access" in page.content.decode()


def test_new_access_against_a_managed_policy(root_client, account, owners):
    services.create_policy(account, name="S3Everything", document=doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    services.create_policy(account, name="S3Read", document=doc(READ))
    page = root_client.get(owners["role"] + "?check=new&against=policy&reference=S3Everything")
    assert page.status_code == 200
    assert "do not grant new access" in page.content.decode()
    page = csrf_post(root_client, owners["user"],
                     {"check": "new", "against": "policy", "reference": "S3Read"})
    assert "New access in the statement with index: 1." in page.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_listed_actions(root_client, owners, kind):
    page = root_client.get(owners[kind] + "?check=granted&actions=s3:DeleteBucket")
    text = page.content.decode()
    assert "The policy document grants access" in text
    assert "in the statement with index: 1." in text
    page = root_client.get(owners[kind] + "?check=granted&actions=iam:PassRole")
    assert "does not grant access" in page.content.decode()


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"check": "new"}, 400, "Choose another policy or paste a policy to compare with."),
    ({"check": "new", "against": "v1"}, 400, "Choose another policy or paste a policy"),
    ({"check": "new", "against": "json", "reference_json": " "}, 400,
     "Paste the JSON policy document to compare with."),
    ({"check": "new", "against": "json", "reference_json": "{" * 20_001}, 400,
     "Enter a reference policy of at most 20000 characters."),
    ({"check": "new", "against": "json", "reference_json": "{not json"}, 400,
     "The policy can&#x27;t be checked"),
    ({"check": "new", "against": "policy", "reference": "Nope"}, 404, "was not found"),
    ({"check": "public"}, 400, "Choose one of the checks on this page."),
])
def test_bad_input_is_a_clear_4xx(root_client, owners, data, status, message):
    page = csrf_post(root_client, owners["group"], data)
    assert page.status_code == status
    assert message in page.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_another_accounts_objects_are_404(mallory_client, owners, kind):
    assert mallory_client.get(owners[kind]).status_code == 404
    assert mallory_client.get(owners[kind].replace("/Work/", "/Nope/")).status_code == 404


@pytest.mark.parametrize(("kind", "action"), [("user", "iam:GetUserPolicy"),
                                              ("group", "iam:GetGroupPolicy"),
                                              ("role", "iam:GetRolePolicy")])
def test_each_check_authorises_reading_the_policy_and_its_action(alice_client, alice, owners,
                                                                  kind, action):
    grant(alice, {"Effect": "Allow", "Action": "access-analyzer:*", "Resource": "*"})
    page = alice_client.get(owners[kind])
    assert page.status_code == 403 and action in page.content.decode()
    grant(alice, {"Effect": "Allow", "Action": action, "Resource": "*"})
    assert alice_client.get(owners[kind] + "?check=granted&actions=s3:GetObject").status_code == 200


def test_check_needs_its_access_analyzer_action(alice_client, alice, account, owners):
    services.create_policy(account, name="S3Read", document=doc(READ))
    grant(alice, {"Effect": "Allow", "Action": "iam:GetRolePolicy", "Resource": "*"})
    page = csrf_post(alice_client, owners["role"],
                     {"check": "new", "against": "json", "reference_json": doc(READ)})
    assert page.status_code == 403
    assert "access-analyzer:CheckNoNewAccess" in page.content.decode()
    grant(alice, {"Effect": "Allow", "Action": "access-analyzer:CheckNoNewAccess",
                  "Resource": "*"})
    page = csrf_post(alice_client, owners["role"],
                     {"check": "new", "against": "json", "reference_json": doc(READ)})
    assert page.status_code == 200
    page = csrf_post(alice_client, owners["role"],
                     {"check": "new", "against": "policy", "reference": "S3Read"})
    assert page.status_code == 403 and "iam:GetPolicy" in page.content.decode()


def test_queries_are_bounded(root_client, owners, django_assert_max_num_queries):
    root_client.get(owners["user"])  # warm the per-process caches
    with django_assert_max_num_queries(25):
        page = csrf_post(root_client, owners["user"],
                         {"check": "new", "against": "json", "reference_json": doc(READ)})
    assert page.status_code == 200
