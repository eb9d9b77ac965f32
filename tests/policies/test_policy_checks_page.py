"""The console's custom policy checks (/iam/policies/<owner>/<name>/checks/ and a role's
/iam/roles/<name>/trust/checks/): results with the statements responsible, authorisation
as AWS does it, bad input as a 4xx with a clear message, a bounded number of queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import roles
from policies import services
from tests.conftest import csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db

READ_OBJECTS = {"Sid": "ReadReceipts", "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::receipts/*"}
DELETE_ALL = {"Sid": "DeleteAll", "Effect": "Allow", "Action": "s3:Delete*", "Resource": "*"}


@pytest.fixture
def policy(account):
    policy = services.create_policy(account, name="Receipts", document=doc(READ_OBJECTS))
    services.create_policy_version(policy, document=doc(READ_OBJECTS, DELETE_ALL),
                                   set_as_default=True)
    return policy


def url(policy, query=""):
    return f"/iam/policies/{policy.owner}/{policy.name}/checks/{query}"


def test_tab_offers_the_checks(root_client, policy):
    page = root_client.get(url(policy))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Check for new access" in text and "Version v1 of this policy" in text
    assert "Check that these actions or resources are not granted" in text
    assert 'aria-current="page">Check policy</a>' in text
    assert "Check for public access" not in text  # an identity policy


def test_new_access_against_the_previous_version_names_the_statement(root_client, policy):
    page = root_client.get(url(policy, "?check=new&against=v1"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Fail" in text and "The modified permissions grant new access" in text
    assert "New access in the statement with index: 1." in text and "DeleteAll" in text


def test_new_access_against_an_aws_managed_policy(root_client, policy, aws_managed_policies):
    text = root_client.get(url(policy, "?check=new&against=policy&reference=AmazonS3FullAccess"))
    assert "The modified permissions do not grant new access" in text.content.decode()
    arn = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    text = root_client.get(url(policy, f"?check=new&against=policy&reference={arn}"))
    assert "New access in the statement with index: 1." in text.content.decode()


def test_new_access_against_a_customer_policy(root_client, account, policy):
    services.create_policy(account, name="Everything", document=doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))
    page = root_client.get(url(policy, "?check=new&against=policy&reference=Everything"))
    assert page.status_code == 200
    assert "do not grant new access" in page.content.decode()


def test_new_access_against_a_pasted_document_is_posted(root_client, policy):
    page = csrf_post(root_client, url(policy), {"check": "new", "against": "json",
                                                "reference_json": doc(READ_OBJECTS)})
    text = page.content.decode()
    assert page.status_code == 200
    assert "New access in the statement with index: 1." in text and "DeleteAll" in text
    assert 'id="against-json" name="against" value="json" checked' in text  # kept
    page = csrf_post(root_client, url(policy), {"check": "new", "against": "v1"})
    assert "New access in the statement with index: 1." in page.content.decode()


def test_listed_actions(root_client, policy):
    page = root_client.get(url(policy, "?check=granted&actions=s3:DeleteBucket%0Aiam:PassRole"))
    text = page.content.decode()
    assert "The policy document grants access" in text
    assert "One or more of the listed actions or resources in the statement with index: 1." in text
    page = root_client.get(url(policy, "?check=granted&actions=iam:PassRole"))
    assert "does not grant access" in page.content.decode()
    page = root_client.get(url(policy, "?check=granted&actions=s3:GetObject"
                                       "&resources=arn:aws:s3:::payroll/x"))
    assert "does not grant access" in page.content.decode()


@pytest.mark.parametrize(("query", "status", "message"), [
    ("?check=granted", 400, "Specify at least one action or resource to check."),
    ("?check=granted&actions=" + "s3:X%0A" * 101, 400, "Specify at most 100 actions"),
    ("?check=granted&actions=" + "s" * 20_001, 400, "Enter at most 20000 characters."),
    ("?check=new&against=v9", 400, "Choose a previous version or another policy"),
    ("?check=new&against=policy", 400, "Enter the name or ARN of the policy"),
    ("?check=new&against=policy&reference=NoSuchPolicy", 404, "was not found"),
    ("?check=new&against=policy&reference=arn:aws:iam::999999999999:policy/Theirs", 404,
     "was not found"),
    ("?check=public", 400, "Choose one of the checks on this page."),
    ("?check=nope", 400, "Choose one of the checks on this page."),
])
def test_bad_input_is_a_clear_4xx(root_client, policy, query, status, message):
    page = root_client.get(url(policy, query))
    assert page.status_code == status
    assert message in page.content.decode()


def test_another_accounts_policy_is_404(mallory_client, policy):
    assert mallory_client.get(url(policy, "?check=granted&actions=s3:GetObject")).status_code == 404


def test_each_check_needs_its_access_analyzer_action(alice_client, alice, policy):
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
                  "Resource": "*"})
    page = alice_client.get(url(policy, "?check=granted&actions=s3:GetObject"))
    assert page.status_code == 403
    assert "access-analyzer:CheckAccessNotGranted" in page.content.decode()
    page = alice_client.get(url(policy, "?check=new&against=v1"))
    assert page.status_code == 403
    assert "access-analyzer:CheckNoNewAccess" in page.content.decode()
    grant(alice, {"Effect": "Allow", "Action": "access-analyzer:CheckAccessNotGranted",
                  "Resource": "*"})
    assert alice_client.get(url(policy, "?check=granted&actions=s3:GetObject")).status_code == 200


def test_reading_the_documents_needs_get_policy_version(alice_client, alice, account, policy):
    other = services.create_policy(account, name="Other", document=doc())
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetPolicy", "access-analyzer:Check*"],
                  "Resource": "*"},
          {"Effect": "Allow", "Action": "iam:GetPolicyVersion", "Resource": policy.arn})
    assert alice_client.get(url(policy, "?check=new&against=v1")).status_code == 200
    page = alice_client.get(url(policy, "?check=new&against=policy&reference=Other"))
    assert page.status_code == 403
    assert f"iam:GetPolicyVersion on resource: {other.arn}" in page.content.decode()
    page = alice_client.get(url(other, "?check=granted&actions=s3:GetObject"))
    assert page.status_code == 403


def test_page_needs_get_policy(alice_client, alice, policy):
    grant(alice, {"Effect": "Allow", "Action": "access-analyzer:*", "Resource": "*"})
    assert alice_client.get(url(policy)).status_code == 403


def test_queries_do_not_grow_with_the_policies_offered(root_client, account, policy):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert root_client.get(url(policy, "?check=new&against=v1")).status_code == 200
        return len(captured)

    count()  # warm the per-process caches
    before = count()
    for number in range(15):
        services.create_policy(account, name=f"P{number}", document=doc())
    assert count() == before


TRUST_PUBLIC = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
TRUST_ORG = {**TRUST_PUBLIC, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}


@pytest.mark.parametrize(("statement", "expected"), [
    (TRUST_PUBLIC, "The resource policy grants public access"),
    (TRUST_ORG, "The resource policy does not grant public access"),
])
def test_role_trust_policy_public_access(root_client, account, statement, expected):
    roles.create_role(account, name="Open", trust_policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))
    assert "Check the trust policy" in root_client.get("/iam/roles/Open/?tab=trust").content.decode()
    page = root_client.get("/iam/roles/Open/trust/checks/?check=public")
    assert page.status_code == 200
    assert expected in page.content.decode()


def test_role_public_check_needs_its_action(alice_client, alice, account):
    roles.create_role(account, name="Open", trust_policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [TRUST_PUBLIC]}))
    grant(alice, {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"})
    page = alice_client.get("/iam/roles/Open/trust/checks/?check=public")
    assert page.status_code == 403
    assert "access-analyzer:CheckNoPublicAccess" in page.content.decode()
    assert alice_client.get("/iam/roles/Nobody/trust/checks/").status_code == 404
