"""IAM's own verdicts: every document of ``reference/iam-grammar-cases.json``.

The suite keeps its own copy beside this file (``tests/engine/reference/``), taken from
the project's shared reference, so it runs wherever the repository is checked out.

The file lists documents IAM's CreatePolicy rejects, each with IAM's exact message
(``why``), and documents it accepts (from moto's tests, which were checked against AWS).
``validate`` must give an ERROR whose message is ``why`` (as the first ERROR, since IAM
reports one message) for the first kind, and no blocking ERROR for the second (Access
Analyzer's ERROR checks may still fire on a document IAM accepts); ``Policy.from_json``
must raise with that message, or compile.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.engine import ERROR, Policy, PolicyError, validate

GRAMMAR_FILE = Path(__file__).resolve().parent / "reference" / "iam-grammar-cases.json"
CASES = json.loads(GRAMMAR_FILE.read_text(encoding="utf-8"))
REJECTED = [case for case in CASES if case["expect"] == "error"]
ACCEPTED = [case for case in CASES if case["expect"] != "error"]


def test_the_grammar_cases_file_holds_both_kinds():
    assert len(REJECTED) > 50 and len(ACCEPTED) > 50


@pytest.mark.parametrize("case", REJECTED, ids=[case["name"] for case in REJECTED])
def test_iam_rejects_with_this_message(case):
    errors = [f for f in validate(case["policy"], kind=case["kind"]) if f.level == ERROR]
    assert errors, f"{case['name']}: no ERROR, IAM says {case['why']!r}"
    assert errors[0].message == case["why"], [e.message for e in errors]
    with pytest.raises(PolicyError) as raised:
        Policy.from_json(case["policy"], kind=case["kind"])
    assert str(raised.value) == case["why"]


@pytest.mark.parametrize("case", ACCEPTED, ids=[case["name"] for case in ACCEPTED])
def test_iam_accepts(case):
    errors = [f for f in validate(case["policy"], kind=case["kind"])
              if f.level == ERROR and f.blocking]
    assert not errors, [(e.message, e.detail) for e in errors]
    assert Policy.from_json(case["policy"], kind=case["kind"]).statements
