"""Create policy: the JSON editor step (findings with location, Next blocked on errors),
the review step (name, description, tags, summary) and CreatePolicy on the new ARN."""

from __future__ import annotations

import json

import pytest

from policies.models import ManagedPolicy
from tests.conftest import attach_aws_policy, csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db

URL = "/iam/policies/create/"
STEP = "policy_create_wizard-current_step"

BROKEN = (
    '{\n    "Version": "2012-10-17",\n    "Statement": [\n'
    '        {"Effect": "Allow", "Action": "s3:ListBucket"}\n    ]\n}'
)


def step1(client, document):
    return csrf_post(client, URL, {STEP: "permissions", "permissions-document": document})


def step2(client, **data):
    payload = {STEP: "review", "review-name": "ReceiptsReadOnly", "review-description": ""}
    payload.update({f"review-{k}": v for k, v in data.items()})
    return csrf_post(client, URL, payload)


def test_editor_starts_with_a_template_and_a_line_gutter(root_client):
    page = root_client.get(URL)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Specify permissions" in text and "&quot;Version&quot;: &quot;2012-10-17&quot;" in text
    assert 'class="editor-gutter"' in text and '<li class="" data-line="11">11</li>' in text


def test_validation_errors_are_listed_with_line_and_column_and_block_next(root_client):
    page = step1(root_client, BROKEN)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Policy statement must contain resources." in text
    assert "Ln 4, Col 9 · Statement 1" in text
    assert '<li class="mark-error" data-line="4">4</li>' in text  # the offending line is marked
    assert "Specify permissions" in text  # still on step 1


def test_syntax_errors_point_at_the_character(root_client):
    text = step1(root_client, '{"Version": "2012-10-17",\n "Statement": [}').content.decode()
    assert "Syntax errors in policy." in text and "Ln 2, Col" in text


def test_full_flow_creates_the_policy_with_description_and_tags(root_client, account):
    page = step1(root_client, doc())
    text = page.content.decode()
    assert page.status_code == 200 and "Review and create" in text
    assert "Amazon S3" in text and "arn:aws:s3:::receipts" in text  # summary table
    done = step2(
        root_client,
        name="ReceiptsReadOnly",
        description="Cashiers list receipts",
        key_0="team",
        value_0="cafe",
    )
    assert done.status_code == 302
    assert done["Location"] == f"/iam/policies/{account.account_id}/ReceiptsReadOnly/"
    policy = ManagedPolicy.objects.get(account=account, name="ReceiptsReadOnly")
    assert policy.description == "Cashiers list receipts"
    assert policy.tag_list == [{"Key": "team", "Value": "cafe"}]
    assert policy.versions.get().document == doc()


def test_duplicate_name_is_shown_on_the_review_step(root_client, account):
    step1(root_client, doc())
    step2(root_client)
    step1(root_client, doc())
    page = step2(root_client, name="receiptsreadonly")
    assert page.status_code == 200  # the wizard re-renders the step
    assert (
        "A policy called receiptsreadonly already exists. Duplicate names are not allowed."
        in page.content.decode()
    )
    assert ManagedPolicy.objects.filter(account=account).count() == 1


def test_bad_tags_and_names_are_refused(root_client):
    step1(root_client, doc())
    text = step2(
        root_client, name="bad name", key_0="a", value_0="1", key_1="A", value_1="2"
    ).content.decode()
    assert "Member must satisfy regular expression pattern" in text
    assert "Duplicate tag keys found. Please note that Tag keys are case insensitive." in text


def test_too_large_policy_is_refused_on_step_1(root_client):
    statement = {
        "Effect": "Allow",
        "Action": [f"s3:GetObject{i}" for i in range(400)],
        "Resource": "*",
    }
    page = step1(root_client, json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    assert page.status_code == 200
    assert "Cannot exceed quota for PolicySize: 6144" in page.content.decode()


def test_live_validation_endpoint_returns_findings(root_client):
    response = csrf_post(root_client, "/iam/policies/validate/", {"document": BROKEN})
    data = response.json()
    assert response.status_code == 200 and data["has_errors"]
    assert {
        "level": "ERROR",
        "line": 4,
        "message": "Policy statement must contain resources.",
    }.items() <= data["findings"][0].items()


@pytest.mark.parametrize("max_size", ["\u00b2", "\u0663", "-1", "99999999999999999999", "x"])
def test_live_validation_ignores_a_size_that_is_not_a_plain_number(root_client, max_size):
    response = csrf_post(
        root_client, "/iam/policies/validate/", {"document": doc(), "max_size": max_size}
    )
    assert response.status_code == 200 and not response.json()["has_errors"]


def test_posts_need_the_csrf_token(root_client):
    assert (
        root_client.post(URL, {STEP: "permissions", "permissions-document": doc()}).status_code
        == 403
    )
    assert root_client.post("/iam/policies/validate/", {"document": doc()}).status_code == 403


def test_user_with_no_policies_cannot_open_create(alice_client, alice):
    page = alice_client.get(URL)
    assert page.status_code == 403
    assert (
        f"is not authorized to perform: iam:CreatePolicy on resource: "
        f"arn:aws:iam::{alice.account.account_id}:policy/*"
    ) in page.content.decode()


def test_iam_read_only_user_can_view_but_not_create(alice_client, alice, account):
    attach_aws_policy(alice, "IAMReadOnlyAccess")
    assert alice_client.get("/iam/policies/").status_code == 200
    assert alice_client.get("/iam/policies/aws/IAMReadOnlyAccess/").status_code == 200
    page = alice_client.get(URL)
    assert page.status_code == 403
    assert (
        "because no identity-based policy allows the iam:CreatePolicy action"
        in page.content.decode()
    )


def test_administrator_can_create(alice_client, alice, account):
    attach_aws_policy(alice, "AdministratorAccess")
    step1(alice_client, doc())
    assert step2(alice_client).status_code == 302
    assert ManagedPolicy.objects.filter(account=account, name="ReceiptsReadOnly").exists()


def test_create_is_authorised_on_the_new_policys_arn(alice_client, alice, account):
    grant(
        alice,
        {
            "Effect": "Allow",
            "Action": "iam:CreatePolicy",
            "Resource": f"arn:aws:iam::{account.account_id}:policy/*",
        },
        {
            "Effect": "Deny",
            "Action": "iam:CreatePolicy",
            "Resource": f"arn:aws:iam::{account.account_id}:policy/Admin*",
        },
    )
    step1(alice_client, doc())
    denied = step2(alice_client, name="AdminEverything")
    assert denied.status_code == 403
    assert (
        f"iam:CreatePolicy on resource: arn:aws:iam::{account.account_id}:policy/AdminEverything"
        " with an explicit deny"
    ) in denied.content.decode()
    assert step2(alice_client, name="ReceiptsReadOnly").status_code in (200, 302)


def test_create_policy_sees_the_request_tags(alice_client, alice, account):
    grant(
        alice,
        {
            "Effect": "Allow",
            "Action": ["iam:CreatePolicy", "iam:TagPolicy"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/team": "cafe"}},
        },
    )
    step1(alice_client, doc())
    untagged = step2(alice_client)
    assert untagged.status_code == 403
    step1(alice_client, doc())
    tagged = step2(alice_client, key_0="team", value_0="cafe")
    assert tagged.status_code == 302


def test_access_analyzer_errors_block_next(root_client, account):
    """Access Analyzer's ERROR findings (IAM would accept the document) are listed as errors
    with their location and keep the editor on step 1, as AWS's editor does."""
    document = (
        '{\n    "Version": "2012-10-17",\n    "Statement": [\n'
        '        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",\n'
        '         "Condition": {"StringEquals": {"aws:NotARealKey": "x"}}}\n    ]\n}'
    )
    text = step1(root_client, document).content.decode()
    assert "Invalid global condition key: The condition key aws:NotARealKey does not exist." in text
    assert "Ln 5, Col 41 · Statement 1" in text
    assert "<h1>Specify permissions</h1>" in text  # still on step 1
    assert not ManagedPolicy.objects.filter(account=account).exists()
