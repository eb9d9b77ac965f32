"""Wildcard matching is linear in pattern x input, whatever the pattern (issue #9, C1).

A glob translated naively to a regex (each ``*`` a ``.*``) backtracks exponentially:
``arn:aws:s3:::*a*a*a*a*a*a*a*b`` against 60 characters took 15 s. Here:

- a batch of documents with 20+ wildcards in every place a pattern can stand (Action,
  NotAction, Resource, NotResource, resource variables, ARN segments, StringLike/ArnLike
  and their negations, set and IfExists forms, principals) is evaluated and validated
  against 1,000-character inputs in a child process, which must finish in seconds (the
  old engine never finished);
- the linear translation agrees with the naive one (``re.fullmatch`` of the escaped
  translation, the fnmatch-style reference) on small random inputs.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.engine import Policy, Request, catalogue, evaluate, validate
from policies.engine.matching import (
    ActionSet,
    PrincipalSet,
    ResourceSet,
    globs_overlap,
    pieces_regex,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
LONG = "a" * 1000
#: 24 wildcards, and a final ``b`` the input never has: the naive regex's worst case.
STARS = "*a" * 20 + "*?*?*b"
BUDGET = 2.0  # seconds for the whole batch; the naive engine needs longer than the universe

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _statement(effect: str, **elements: Any) -> dict[str, Any]:
    return {"Effect": effect, **elements}


def pathological_documents() -> list[tuple[str, dict[str, Any]]]:
    """``(kind, document)`` pairs with a pathological pattern in every element."""
    arn = f"arn:aws:s3:::{STARS}"
    segments = f"arn:aws:ec2:{STARS}:{STARS}:{STARS}"
    conditions = {
        "StringLike": {"aws:username": STARS,
                       "aws:PrincipalTag/team": "${aws:username}" + STARS},
        "StringNotLike": {"aws:userid": STARS},
        "StringLikeIfExists": {"aws:RequestTag/team": STARS},
        "ForAnyValue:StringLike": {"aws:TagKeys": [STARS, STARS[1:]]},
        "ForAllValues:StringNotLike": {"aws:CalledVia": STARS},
        "ArnLike": {"aws:SourceArn": segments,
                    "aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}{STARS}"},
        "ArnNotLike": {"aws:PrincipalArn": segments},
        "ArnLikeIfExists": {"aws:SourceArn": arn},
        "ForAnyValue:ArnLike": {"aws:PrincipalArn": [segments, arn]},
    }
    identity = {"Version": "2012-10-17", "Statement": [
        _statement("Allow", Action=[f"s3:{STARS}", "s3:GetObject"], Resource=[arn, segments]),
        _statement("Allow", Action="s3:GetObject", Resource=f"arn:aws:s3:::${{aws:username}}/{STARS}"),
        _statement("Allow", Action="s3:GetObject", NotResource=[arn, segments]),
        _statement("Deny", NotAction=[f"s3:{STARS}", f"iam:{STARS}"], Resource=arn),
        _statement("Allow", Action="s3:GetObject", Resource="*", Condition=conditions),
        # The same resources again, for the validator's redundancy check.
        _statement("Allow", Action="s3:GetObject", Resource=[f"arn:aws:s3:::{LONG}", arn]),
        _statement("Allow", Action=f"s3:{LONG}", Resource=f"arn:aws:s3:::{LONG}"),
    ]}
    trust = {"Version": "2012-10-17", "Statement": [
        _statement("Allow", Action="sts:AssumeRole",
                   Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/{LONG}"},
                   Condition={"ArnLike": {"aws:PrincipalArn": segments},
                              "StringLike": {"sts:ExternalId": STARS}}),
        _statement("Deny", Action="sts:AssumeRole", NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/{LONG}"}),
    ]}
    # IAM refuses wildcards in a principal ARN: validated only.
    refused = {"Version": "2012-10-17", "Statement": [
        _statement("Allow", Action="sts:AssumeRole",
                   Principal={"AWS": [f"arn:aws:iam::{ACCOUNT}:user/{STARS}", STARS]})]}
    return [("identity", identity), ("trust", trust), ("trust", refused)]


def run_batch() -> float:
    """Evaluate and validate every pathological document; return the seconds it took."""
    long_arn = f"arn:aws:{LONG}:{LONG}:{LONG}:{LONG}:{LONG}"
    context = {
        "aws:username": LONG, "aws:userid": LONG, "aws:RequestTag/team": LONG,
        "aws:PrincipalTag/team": LONG + LONG,
        "aws:TagKeys": [LONG, LONG + "c"], "aws:CalledVia": [LONG],
        "aws:SourceArn": long_arn, "aws:PrincipalArn": long_arn, "sts:ExternalId": LONG,
    }
    principal = f"arn:aws:iam::{ACCOUNT}:user/{LONG}"
    started = time.perf_counter()
    for kind, document in pathological_documents():
        text = json.dumps(document)
        if any(f.level == "ERROR" for f in validate(text, kind, max_size=0)):
            continue
        policy = Policy.from_json(text, kind=kind, max_size=0)
        for action in (f"s3:{LONG}", "s3:GetObject", f"iam:{LONG}", "sts:AssumeRole"):
            for resource in (f"arn:aws:s3:::{LONG}", long_arn, f"arn:aws:s3:::{LONG}/{LONG}"):
                request = Request(action=action, resource=resource, principal=principal,
                                  context=context)
                if kind == "trust":
                    evaluate(request, resource=policy)
                else:
                    evaluate(request, identity=[policy])
    # What IAM rejects in a document, the matchers still handle: a wildcard service prefix.
    ActionSet.build([f"{STARS}:{STARS}"]).matches(LONG, LONG)
    PrincipalSet.build([("AWS", f"arn:aws:iam::{ACCOUNT}:user/{STARS}")])
    catalogue.expand(STARS)
    catalogue.expand(f"s3:{STARS}")
    return time.perf_counter() - started


def test_pathological_patterns_evaluate_and_validate_in_linear_time():
    code = ("from tests.engine.test_linear_matching import run_batch\n"
            "print(run_batch())\n")
    try:
        result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        raise AssertionError("the pathological batch did not finish in 60 s") from None
    assert result.returncode == 0, result.stderr
    elapsed = float(result.stdout.strip().splitlines()[-1])
    assert elapsed < BUDGET, f"the batch took {elapsed:.2f} s"


def test_the_pathological_documents_are_decided_as_iam_would():
    (_, identity), (_, trust), (_, refused) = pathological_documents()
    identity = Policy.from_json(json.dumps(identity), max_size=0)
    trust = Policy.from_json(json.dumps(trust), kind="trust", max_size=0)
    assert {f.code for f in validate(json.dumps(refused), "trust")
            if f.level == "ERROR"} == {"INVALID_PRINCIPAL"}
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    for action, resource, decision in (
            (f"s3:{LONG}b", f"arn:aws:s3:::{LONG}b", "allowed"),  # Action and Resource globs
            ("s3:GetObject", f"arn:aws:s3:::{LONG}", "allowed"),  # listed as is
            ("s3:GetObject", f"arn:aws:s3:::{LONG}b", "explicitDeny"),  # Deny with NotAction
            (f"s3:{LONG}", f"arn:aws:s3:::{LONG}b", "explicitDeny")):
        ask = Request(action=action, resource=resource, principal=alice)
        assert evaluate(ask, identity=[identity]).decision == decision, (action, resource)
    ask = Request(action="sts:AssumeRole", resource="*",
                  principal=f"arn:aws:iam::{ACCOUNT}:user/{LONG}",
                  context={"aws:PrincipalArn": f"arn:aws:ec2:{LONG}b:{LONG}b:{LONG}b",
                           "sts:ExternalId": f"{LONG}xb"})
    assert evaluate(ask, resource=trust).decision == "allowed"


# ---------------------------------------------------------------- against the reference


def naive_regex(pieces: tuple[tuple[str, bool], ...], arn: bool) -> str:
    """The reference: every character escaped, ``*`` ``.*``, ``?`` ``.``; in an ARN's first
    five segments (of those the pattern has, the last excluded) ``[^:]*`` and ``[^:]``."""
    last = sum(text.count(":") for text, literal in pieces if not literal) if arn else 0
    out: list[str] = []
    segment = 0
    for text, literal in pieces:
        if literal:
            out.append(re.escape(text))
            continue
        for char in text:
            inside = arn and segment < 5 and segment < last
            if char == ":" and arn:
                segment += 1
                out.append(":")
            elif char == "*":
                out.append("[^:]*" if inside else ".*")
            elif char == "?":
                out.append("[^:]" if inside else ".")
            else:
                out.append(re.escape(char))
    return "".join(out)


def reference(pieces: tuple[tuple[str, bool], ...], text: str, *, arn: bool) -> bool:
    return re.fullmatch(naive_regex(pieces, arn), text, re.DOTALL) is not None


def linear(pieces: tuple[tuple[str, bool], ...], text: str, *, arn: bool) -> bool:
    return re.fullmatch(pieces_regex(pieces, arn=arn), text, re.DOTALL) is not None


ALPHABET = "ab:*?."
pieces_strategy = st.lists(st.tuples(st.text(alphabet=ALPHABET, max_size=8), st.booleans()),
                           min_size=1, max_size=3).map(tuple)


@SETTINGS
@given(pieces_strategy, st.text(alphabet=ALPHABET + "\n", max_size=12), st.booleans())
def test_the_linear_translation_matches_as_the_naive_one(pieces, text, arn):
    assert linear(pieces, text, arn=arn) is reference(pieces, text, arn=arn)


@SETTINGS
@given(st.text(alphabet="aAbB*?", max_size=8), st.text(alphabet="aAbB", max_size=10))
def test_actions_match_as_the_reference_ignoring_case(pattern, name):
    expected = reference(((pattern.lower(), False),), name.lower(), arn=False)
    assert ActionSet.build([f"s3:{pattern}"]).matches("s3", name.lower()) is expected


@SETTINGS
@given(st.lists(st.text(alphabet="aAb:/*?", max_size=10).map(lambda t: "arn:aws:" + t),
                min_size=1, max_size=3),
       st.text(alphabet="aAb:/", max_size=14).map(lambda t: "arn:aws:" + t))
def test_resources_match_as_the_reference_case_sensitively(patterns, resource):
    expected = any(reference(((p, False),), resource, arn=True) for p in patterns)
    resources = ResourceSet.build(patterns, variables=False)
    assert resources.matches(resource, {}) is expected
    test = resources.prepare(True)
    assert test is None or test(resource, {}, []) is not expected


@SETTINGS
@given(st.text(alphabet="ab*?", max_size=5), st.text(alphabet="ab*?", max_size=5))
def test_two_globs_overlap_exactly_when_some_string_matches_both(first, second):
    # A shortest common string has at most len(first) + len(second) characters (each is
    # taken by a letter or "?" of one of them), and "a"/"b" are enough to spell it.
    length = len(first) + len(second)
    witness = any(reference(((first, False),), text, arn=False)
                  and reference(((second, False),), text, arn=False)
                  for n in range(length + 1)
                  for text in map("".join, itertools.product("ab", repeat=n)))
    assert globs_overlap(first, second) is witness


def test_examples_of_the_linear_translation():
    assert pieces_regex((("a*b*c", False),), arn=False) == "a(?>.*?b).*c"
    assert pieces_regex((("**", False),), arn=False) == ".*"
    assert pieces_regex((("arn:aws:s3:*:x*y:*", False),), arn=True) == \
        "arn:aws:s3:(?>[^:]*):(?>x[^:]*y):.*"
    assert linear((("arn:aws:s3:::*a*b", False),), "arn:aws:s3:::xaxb", arn=True)
    assert not linear((("arn:aws:*:x", False),), "arn:aws:a:b:x", arn=True)
