"""Policy.from_json: compile once, cache by content, stay immutable, fail only with PolicyError."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from policies.engine import Policy, PolicyError

ALLOW = {"Version": "2012-10-17",
         "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
                        "Resource": "*"}]}
TEXT = json.dumps(ALLOW)
TRUST = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}}
BUCKET = {"Version": "2012-10-17", "Statement": {
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}


def test_the_same_text_gives_the_same_compiled_object():
    assert Policy.from_json(TEXT) is Policy.from_json(TEXT)
    assert Policy.from_json(TEXT, name="A") is Policy.from_json(TEXT, name="A")
    assert Policy.from_json(ALLOW) is Policy.from_json(dict(ALLOW))


def test_names_label_the_same_compiled_statements():
    a, b = Policy.from_json(TEXT, name="A"), Policy.from_json(TEXT, name="B")
    assert a != b and a.statements is b.statements
    assert a.with_name("B") == b
    assert Policy.from_json(a) is a
    assert Policy.from_json(a, name="B") == b


def test_policies_are_hashable_and_immutable():
    policy = Policy.from_json(TEXT)
    assert {policy: 1}[Policy.from_json(TEXT.encode())] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.statements[0].effect = "Deny"  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.candidates("s3")[0:0] = ()  # type: ignore[index]


def test_a_compiled_policy_exposes_its_document():
    policy = Policy.from_json(TEXT, name="ReadReceipts")
    assert (policy.name, policy.kind, policy.version, policy.id) == (
        "ReadReceipts", "identity", "2012-10-17", None)
    assert policy.to_dict() == ALLOW
    assert len(policy) == 1 and [s.sid for s in policy] == ["Read"]
    assert policy.size == len(TEXT.replace(" ", ""))


def test_a_dict_is_compiled_from_its_four_space_dump():
    policy = Policy.from_json(ALLOW)
    assert policy.text == json.dumps(ALLOW, indent=4)
    assert policy.statements[0].span[:2] == (4, 9)


@pytest.mark.parametrize(
    ("document", "kind"),
    [(ALLOW, "identity"), (TRUST, "trust"), (BUCKET, "resource"),
     ("not json", "identity"), ({"Statement": "x"}, "identity")],
)
def test_the_kind_is_read_from_the_document_unless_given(document, kind):
    try:
        policy = Policy.from_json(document)
    except PolicyError:
        assert kind == "identity"
    else:
        assert policy.kind == kind


def test_an_explicit_kind_is_checked_strictly():
    with pytest.raises(PolicyError, match="Policy document should not specify a principal."):
        Policy.from_json(BUCKET, kind="identity")
    with pytest.raises(PolicyError, match="Missing required field Principal"):
        Policy.from_json(ALLOW, kind="trust")
    assert Policy.from_json(TRUST, kind="trust").kind == "trust"


def test_size_quotas_apply_by_kind_and_can_be_lifted():
    big = {"Version": "2012-10-17", "Statement": [
        {"Sid": "S" * 7000, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    with pytest.raises(PolicyError, match="Cannot exceed quota for PolicySize: 6144"):
        Policy.from_json(big)
    assert Policy.from_json(big, max_size=0).statements
    assert Policy.from_json(big, max_size=10240).statements


@pytest.mark.parametrize(
    "value",
    [None, 1, 1.5, True, [], "", "{}", b"\xff", bytearray(b"[]"), object(), {"a": {1, 2}},
     {"Version": float("inf")}, {"Statement": [{"Effect": "Allow"}]}],
)
def test_malformed_input_raises_policy_error_only(value):
    with pytest.raises(PolicyError) as raised:
        Policy.from_json(value)
    assert raised.value.findings and str(raised.value) == raised.value.findings[0].message


@pytest.mark.parametrize("kind", ["nonsense", None, 3])
def test_a_bad_kind_raises_policy_error(kind):
    if kind is None:
        assert Policy.from_json(ALLOW, kind=kind).kind == "identity"
        return
    with pytest.raises(PolicyError):
        Policy.from_json(ALLOW, kind=kind)  # type: ignore[arg-type]


def test_a_policy_error_says_where():
    with pytest.raises(PolicyError) as raised:
        Policy.from_json('{"Version": "2012-10-17", "Statement": {"Effect": "allow",'
                         ' "Action": "s3:*", "Resource": "*"}}')
    assert raised.value.message == "The policy failed legacy parsing"
    assert (raised.value.location.line, raised.value.location.path) == (
        1, "$.Statement.Effect")


def test_statements_are_compiled_once_per_text():
    first = Policy.from_json(TEXT, name="one")
    second = Policy.from_json(TEXT, name="two")
    assert first.statements[0] is second.statements[0]
    actions: Any = first.statements[0].actions
    assert actions.matches("s3", "getobject")
