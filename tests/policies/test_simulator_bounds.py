"""The policy simulator's bounds (issue 9, M1): what one request may submit, and what its
page repeats. A 130 kB custom policy with 1,000 matching statements on one line once made
a 231 MB page; now every input has AWS's quota or the simulator's documented cap, each
refusal shows the form again with a clear message (never a 5xx), and a result row repeats an excerpt of at most a
few statements, never a whole line."""

from __future__ import annotations

import json

import pytest

from policies.engine import catalogue
from policies.simulator import forms as limits
from policies.simulator import simulation
from tests.conftest import csrf_post, grant

from .helpers import sized_doc

pytestmark = pytest.mark.django_db

URL = "/iam/policies/simulator/"


def one_line_policy(statements: int, sid_length: int = 0) -> str:
    """``statements`` statements that all allow s3:GetObject, on one line (as the review posted)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{n}" + "x" * sid_length, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        for n in range(statements)]}, separators=(",", ":"))


def test_the_reviews_130_kb_policy_is_refused(root_client):
    policy = one_line_policy(1000, sid_length=80)
    assert len(policy) > 130_000
    response = csrf_post(root_client, URL, {"policy": policy, "action": "s3:GetObject", "run": "1"})
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert (f"Custom policy 1 has {len(policy):,} characters; the simulator accepts 16,384 at most, "
            "whitespace included.") in html
    assert response.context["simulation"] is None
    assert len(response.content) < 100_000  # the refused text is not shown back


def test_awss_policy_size_quota_applies_to_custom_policies(root_client):
    response = csrf_post(root_client, URL, {"policy": sized_doc(6145), "action": "s3:ListBucket", "run": "1"})
    assert response.status_code == 200  # the form again, with its errors
    assert "Cannot exceed quota for PolicySize: 6144" in response.content.decode()
    allowed = csrf_post(root_client, URL, {"policy": sized_doc(6144), "action": "s3:ListBucket", "run": "1"})
    assert allowed.status_code == 200


def test_at_most_ten_custom_policies(root_client):
    response = csrf_post(root_client, URL, {"policy": [sized_doc(200)] * 11, "action": "s3:ListBucket"})
    assert response.status_code == 200  # the form again, with its errors
    assert "Paste 10 custom policies at most." in response.content.decode()


def test_at_most_a_hundred_actions_are_looked_up(root_client, alice):
    written = "\n".join(f"iam:Nope{n}" for n in range(limits.MAX_ACTIONS + 1))
    response = csrf_post(root_client, URL, {"principal": "alice", "actions_text": written})
    assert response.status_code == 200  # the form again, with its errors
    html = response.content.decode()
    assert "Simulate 100 actions at most." in html
    assert "is not a known action" not in html  # refused before any was looked up


def test_an_over_long_action_is_refused_without_matching_it(root_client, alice):
    response = csrf_post(root_client, URL, {"principal": "alice", "actions_text": "s3:" + "*a" * 5000})
    assert response.status_code == 200  # the form again, with its errors
    assert "is not a known action." in response.content.decode()


def test_resources_are_bounded_in_number_and_length(root_client, alice):
    many = "\n".join(f"arn:aws:s3:::bucket{n}" for n in range(limits.MAX_RESOURCES + 1))
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "s3:ListBucket", "resource": many})
    assert response.status_code == 200  # the form again, with its errors
    assert "Simulate 10 resources at most." in response.content.decode()

    long_arn = "arn:aws:s3:::" + "b" * limits.RESOURCE_MAX
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "s3:ListBucket", "resource": long_arn})
    assert response.status_code == 200  # the form again, with its errors
    assert "A resource ARN has 2048 characters at most." in response.content.decode()


def test_context_entries_are_bounded(root_client, alice):
    many = {f"context.aws:Key{n}": "x" for n in range(limits.MAX_CONTEXT_ENTRIES + 1)}
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "s3:ListBucket", **many})
    assert response.status_code == 200  # the form again, with its errors
    assert "Give 50 context values at most." in response.content.decode()

    huge = {"context.aws:SourceIp": "1" * (limits.CONTEXT_VALUE_MAX + 1)}
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "s3:ListBucket", **huge})
    assert response.status_code == 200  # the form again, with its errors
    assert "The value of context key aws:SourceIp has 4,096 characters at most." in response.content.decode()


def test_a_result_shows_a_few_statements_each_an_excerpt_of_the_statement(root_client):
    """The largest policy AWS accepts, its statements on one line, all matching."""
    count = 85
    policy = one_line_policy(count)
    assert len(policy) <= 6144
    response = csrf_post(root_client, URL, {"policy": policy, "action": "s3:GetObject", "run": "1"})
    assert response.status_code == 200
    [result] = response.context["simulation"].results
    assert len(result.decision.matched) == count
    assert len(result.matched) == simulation.MAX_STATEMENTS_SHOWN
    assert result.more_matched == count - simulation.MAX_STATEMENTS_SHOWN
    html = response.content.decode()
    assert f"and {count - simulation.MAX_STATEMENTS_SHOWN} more statements" in html
    # Each excerpt is its statement's text, not the whole line it shares with 84 others.
    first = result.matched[0]
    [line] = first.lines
    assert line.text == '{"Sid":"S0","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}'
    assert line.cut_before and line.cut_after  # "…" on both sides
    second = result.matched[1]
    assert second.lines[0].text == '{"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}'
    assert second.lines[0].cut_before and second.lines[0].cut_after


def test_the_page_stays_small_however_many_statements_match(root_client):
    """A hundred actions against the largest one-line policy: the page grows with the input
    (shown once), not with statements × rows."""
    actions = [f"s3:{name}" for name in catalogue.actions_for_service("s3")][:limits.MAX_ACTIONS]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{n}", "Effect": "Allow", "Action": "s3:*", "Resource": "*"} for n in range(90)]},
        separators=(",", ":"))
    assert len(policy) <= 6144
    response = csrf_post(root_client, URL, {"policy": [policy] * limits.MAX_CUSTOM_POLICIES, "action": actions,
                                            "run": "1"})
    assert response.status_code == 200
    results = response.context["simulation"].results
    assert len(results) == limits.MAX_ACTIONS
    assert all(len(r.decision.matched) == 900 and len(r.matched) == 5 for r in results)
    assert len(response.content) < 1_000_000


def test_a_long_statement_is_excerpted_to_a_few_lines(root_client):
    statement = {"Sid": "Long", "Effect": "Allow", "Action": [f"s3:Get{n}" for n in range(40)], "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        dict(statement, Action=["s3:GetObject"] + [f"s3:GetObject{n}" for n in range(40)])]}, indent=4)
    response = csrf_post(root_client, URL, {"policy": policy, "action": "s3:GetObject", "run": "1"})
    assert response.status_code == 200
    row = response.context["simulation"].results[0].matched[0]
    assert len(row.lines) == simulation.EXCERPT_LINES
    assert row.more_lines == row.statement.span.end_line - row.statement.span.start_line + 1 - simulation.EXCERPT_LINES
    assert f"{row.more_lines} more lines</a> in the full policy below" in response.content.decode()


def test_a_stored_policy_is_shown_in_full_once(root_client, alice):
    grant(alice, {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    response = csrf_post(root_client, URL, {"principal": "alice", "actions_text": "s3:Get*", "run": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('id="policy-1-L1"') == 1
