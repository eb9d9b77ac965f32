"""The console paths that compile a pasted policy are bounded in size and in work
(issue #9, C1): the live validation endpoint, the Create policy editor, Edit policy and
the inline editors. Oversized or deeply nested input gets AWS's words and never a 5xx or a
long computation; pathological wildcards are checked quickly. And the learner's findings
of issue #11 item 8 reach the editor."""

from __future__ import annotations

import json
import time

import pytest

from accounts import roles
from accounts import services as accounts_services
from policies import services
from policies.models import ManagedPolicy
from tests.conftest import USER_PASSWORD, csrf_post, grant, signed_in_client

from .helpers import doc, sized_doc

pytestmark = pytest.mark.django_db

VALIDATE = "/iam/policies/validate/"
CREATE = "/iam/policies/create/"
STEP = "policy_create_wizard-current_step"
WIRE_MESSAGE = "Member must have length less than or equal to 131072"
NESTED = "[" * 3000 + "]" * 3000  # within the size quota, deeper than any parser recursion


def validate(client, document: str, **data: str):
    return csrf_post(client, VALIDATE, {"document": document, **data})


def codes(response) -> list[str]:
    return [f["code"] for f in response.json()["findings"]]


@pytest.fixture
def policy(account):
    return services.create_policy(account, name="ReceiptsReadOnly", document=doc())


# ---------------------------------------------------------------- the validation endpoint


def test_validation_refuses_a_document_over_the_wire_length_in_aws_words(root_client):
    response = validate(root_client, " " * 131073)
    assert response.status_code == 400
    assert response.json()["code"] == "ValidationError"
    assert WIRE_MESSAGE in response.json()["error"]


@pytest.mark.parametrize("max_size", ["0", "", "131072", "50000"])
def test_validation_never_runs_unbounded(root_client, max_size):
    """ "0" used to mean "no quota": a 100 kB document was then linted in full."""
    response = validate(root_client, sized_doc(20000), max_size=max_size)
    assert response.status_code == 200
    assert codes(response) == ["POLICY_SIZE_EXCEEDED"]
    assert response.json()["findings"][0]["message"] == "Cannot exceed quota for PolicySize: 6144"


def test_validation_takes_the_largest_inline_quota_from_the_editor(root_client):
    assert codes(validate(root_client, sized_doc(9000), max_size="10240")) == []
    response = validate(root_client, sized_doc(11000), max_size="10240")
    assert response.json()["findings"][0]["message"] == \
        "Cannot exceed quota for RolePolicySize: 10240"


def test_deeply_nested_json_is_a_syntax_error_not_a_crash(root_client):
    response = validate(root_client, NESTED)
    assert response.status_code == 200
    assert response.json()["findings"][0]["message"] == "Syntax errors in policy."


def test_pathological_wildcards_are_validated_quickly(root_client):
    pattern = "arn:aws:s3:::" + "*a" * 24 + "*b"
    document = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern},
                   {"Effect": "Allow", "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::" + "a" * 1000},
                   {"Effect": "Allow", "Action": "s3:" + "*a" * 24 + "*b", "Resource": "*",
                    "Condition": {"StringLike": {"aws:username": "*a" * 24 + "*b"}}})
    started = time.perf_counter()
    response = validate(root_client, document)
    assert response.status_code == 200
    assert time.perf_counter() - started < 2.0


def test_the_console_authorises_a_long_name_against_pathological_patterns_quickly(account):
    """The console's own authorisation: a user whose policy holds such patterns and whose
    name is long (the review's fourth way in)."""
    name = "a" * 64
    user = accounts_services.create_user(account, user_name=name, console_password=USER_PASSWORD)
    stars = "*a" * 12 + "*b"  # within UserPolicySize: 2048
    grant(user, {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
          {"Effect": "Deny", "Action": f"iam:{stars}",
           "Resource": f"arn:aws:iam::*:user/{stars}",
           "Condition": {"StringLike": {"aws:username": stars},
                         "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::*:user/{stars}"}}})
    client = signed_in_client(user)
    started = time.perf_counter()
    page = client.get(f"/iam/users/{name}/")
    assert page.status_code == 200
    assert time.perf_counter() - started < 2.0


# ---------------------------------------------------------------- issue #11 item 8


def test_the_editor_flags_an_unknown_service(root_client):
    response = validate(root_client, doc({"Effect": "Allow", "Action": "ec3:RunInstances",
                                          "Resource": "*"}))
    (finding,) = response.json()["findings"]
    assert (finding["level"], finding["code"]) == ("ERROR", "INVALID_SERVICE_IN_ACTION")
    assert "The service ec3 specified in the action ec3:RunInstances does not exist" \
        in finding["message"].replace("the service", "The service")


def test_a_typo_warning_is_shown_next_to_an_error(root_client):
    response = validate(root_client, doc(
        {"Effect": "Allow", "Action": "s3:ListBuckets", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:ListBucket"}))
    data = response.json()
    assert data["has_errors"]
    assert codes(response) == ["MISSING_RESOURCE", "INVALID_ACTION"]
    assert "The action s3:ListBuckets does not exist" in data["findings"][1]["message"]


def test_an_object_action_on_a_bucket_arn_is_flagged(root_client):
    response = validate(root_client, doc({"Effect": "Allow", "Action": "s3:GetObject",
                                          "Resource": "arn:aws:s3:::receipts-bucket"}))
    (finding,) = response.json()["findings"]
    assert finding["code"] == "NO_APPLICABLE_RESOURCE"
    assert finding["message"].startswith(
        "One or more actions do not have an applicable resource: s3:GetObject")


def test_the_create_editor_shows_the_warnings_and_lets_the_policy_through(root_client, account):
    document = doc({"Effect": "Allow", "Action": ["ec3:RunInstances", "s3:GetObject"],
                    "Resource": "arn:aws:s3:::receipts-bucket"})
    page = csrf_post(root_client, CREATE, {STEP: "permissions", "permissions-document": document})
    assert page.status_code == 200 and "Review and create" in page.content.decode()


# ---------------------------------------------------------------- the editors


def test_create_refuses_a_document_over_the_wire_length(root_client, account):
    page = csrf_post(root_client, CREATE,
                     {STEP: "permissions", "permissions-document": sized_doc(131100)})
    assert page.status_code < 500
    assert WIRE_MESSAGE in page.content.decode()
    assert not ManagedPolicy.objects.filter(account=account).exists()


def test_create_refuses_deeply_nested_json(root_client, account):
    page = csrf_post(root_client, CREATE, {STEP: "permissions", "permissions-document": NESTED})
    assert page.status_code < 500
    assert "Syntax errors in policy." in page.content.decode()


@pytest.mark.parametrize("document", [sized_doc(6145), sized_doc(131100), NESTED])
def test_edit_refuses_oversized_and_nested_documents(root_client, policy, document):
    page = csrf_post(root_client, f"/iam/policies/{policy.owner}/{policy.name}/edit/",
                     {"document": document, "set_as_default": "on"})
    text = page.content.decode()
    assert page.status_code < 500
    assert ("Cannot exceed quota for PolicySize: 6144" in text or WIRE_MESSAGE in text
            or "Syntax errors in policy." in text)
    assert policy.versions.count() == 1


def test_the_role_inline_editor_has_the_role_quota(root_client, account):
    roles.create_role(account, name="Big",
                      trust_policy=roles.account_trust_policy(account.account_id))
    page = root_client.get("/iam/roles/Big/policies/inline/create/")
    assert 'data-max-size="10240"' in page.content.decode()
    refused = csrf_post(root_client, "/iam/roles/Big/policies/inline/create/",
                        {"name": "huge", "document": sized_doc(20000)})
    assert refused.status_code < 500
    assert "Cannot exceed quota for RolePolicySize: 10240" in refused.content.decode()
    assert not roles.Role.objects.get(name="Big").inline_policies.exists()


def test_the_sized_documents_are_what_they_say():
    assert services.policy_size(sized_doc(6145)) == 6145
    assert json.loads(sized_doc(6145))["Version"] == "2012-10-17"
