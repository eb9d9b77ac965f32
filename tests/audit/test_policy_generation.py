"""Generate a policy from activity: the document allows exactly what the entity was allowed to
use in the period, is valid and deterministic, and opens in the create policy editor."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audit import last_accessed, policy_generation
from audit.last_accessed import ServiceAccess
from policies.engine import ERROR, Policy, Request, evaluate, validate
from tests.conftest import csrf_post, grant, signed_in_client


@pytest.fixture(autouse=True)
def _fresh_writes():
    last_accessed.forget_writes()
    yield
    last_accessed.forget_writes()


def allows(document: str, action: str, resource: str) -> bool:
    policy = Policy.from_json(document)
    return evaluate(Request(action=action, resource=resource, principal="p", context={}),
                    identity=[policy]).decision == "allowed"


def test_generated_policy_allows_exactly_what_was_used(account, root, alice, bob):
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser", "iam:ListUserTags",
                                                "iam:GetRole", "s3:*"], "Resource": "*"})
    client = signed_in_client(alice)
    assert client.get("/iam/users/").status_code == 200
    assert client.get("/iam/users/bob/?tab=tags").status_code == 200
    # An old use falls outside a short period.
    ServiceAccess.objects.create(account=account, key="old", principal_arn=alice.arn, service="iam",
                                 action="iam:GetRole", resource=account.arn("role/Old"),
                                 last_authenticated=timezone.now() - timedelta(days=10))
    used = set(ServiceAccess.objects.filter(principal_arn=alice.arn, last_authenticated__gte=timezone.now()
                                            - timedelta(days=1)).values_list("action", "resource"))
    assert ("iam:GetUser", bob.arn) in used and ("iam:ListUserTags", bob.arn) in used

    root_client = signed_in_client(root)
    response = csrf_post(root_client, "/iam/users/alice/generate-policy/", {"days": "7"})
    assert response.status_code == 302 and response["Location"] == "/iam/policies/create/?generated=1"
    editor = root_client.get(response["Location"]).content.decode()
    text = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", editor, re.S).group(1)).strip()
    document = json.loads(text)
    assert [finding for finding in validate(text) if finding.level == ERROR] == []
    for action, resource in used:
        assert allows(text, action, resource), (action, resource)
    assert not allows(text, "iam:GetRole", account.arn("role/Old"))  # 10 days ago
    assert not allows(text, "iam:GetUser", account.arn("user/carol"))  # never on carol
    assert not allows(text, "s3:GetObject", "arn:aws:s3:::bucket/key")  # allowed, never used
    assert not allows(text, "iam:DeleteUser", bob.arn)
    # Grouped per service and resources, sorted: the same document every time.
    assert [s["Sid"] for s in document["Statement"]] == [f"Iam{i}" for i in range(1, len(document["Statement"]) + 1)]
    assert text == policy_generation.generate(account, alice.arn, 7)
    # Opening the editor without ?generated=1 shows the default document.
    assert "iam:GetUser" not in root_client.get("/iam/policies/create/").content.decode()


def test_period_and_access(account, root, alice, bob):
    root_client = signed_in_client(root)
    page = csrf_post(root_client, "/iam/users/alice/generate-policy/", {"days": "91"})
    assert page.status_code == 200
    assert "Ensure this value is less than or equal to 90." in page.content.decode()
    assert root_client.get("/iam/users/nobody/generate-policy/").status_code == 404
    assert root_client.get("/iam/roles/nobody/generate-policy/").status_code == 404
    grant(bob, {"Effect": "Allow", "Action": "iam:GenerateServiceLastAccessedDetails", "Resource": "*"})
    denied = signed_in_client(bob).get("/iam/users/alice/generate-policy/")
    assert denied.status_code == 403
    assert "iam:GetServiceLastAccessedDetails on resource: *" in denied.content.decode()


def test_document_for_groups_resources_and_wildcards():
    document = policy_generation.document_for({
        "iam:GetUser": {"arn:aws:iam::1:user/b", "arn:aws:iam::1:user/a"},
        "iam:ListUserTags": {"arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b"},
        "iam:ListUsers": {"*", "arn:aws:iam::1:user/"},
        "sts:GetCallerIdentity": {"*"},
    })
    assert document["Statement"] == [
        {"Sid": "Iam1", "Effect": "Allow", "Action": ["iam:ListUsers"], "Resource": "*"},
        {"Sid": "Iam2", "Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUserTags"],
         "Resource": ["arn:aws:iam::1:user/a", "arn:aws:iam::1:user/b"]},
        {"Sid": "Sts1", "Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"},
    ]
