"""The engine against the case corpus in ``tests/engine/cases/*.json``.

Each case states one AWS rule (its ``rule`` field) and what AWS answers for one request.
The corpus was written from the AWS documentation, not from the engine, so a failing
case means the engine and AWS disagree; read the case's ``rule`` before touching it.

Only the public contract of DESIGN.md is used: ``Policy``, ``Request``, ``evaluate`` and
the ``python -m policies.engine cases FILE`` command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CASES_DIR = Path(__file__).parent / "cases"
REPO_ROOT = Path(__file__).resolve().parents[2]
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
DECISIONS = {"allowed", "explicitDeny", "implicitDeny"}
CASE_KEYS = {
    "name",
    "rule",
    "identity_policies",
    "permissions_boundary",
    "session_policies",
    "resource_policy",
    "scps",
    "request",
    "expect",
    "expect_reason",
    "missing_context",
}
REQUEST_KEYS = {"principal", "action", "resource", "context"}


def load_cases(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


ALL_CASES = [(path.name, case) for path in CASE_FILES for case in load_cases(path)]


def engine():
    # Imported here so that a missing or broken engine fails each test, not collection.
    import policies.engine as eng

    return eng


def run_case(case: dict):
    eng = engine()
    identity = [eng.Policy.from_json(doc) for doc in case["identity_policies"]]
    boundary = case.get("permissions_boundary")
    boundary = eng.Policy.from_json(boundary) if boundary is not None else None
    sessions = [eng.Policy.from_json(doc) for doc in case.get("session_policies") or []]
    if not sessions:
        session = None
    elif len(sessions) == 1:
        session = sessions[0]
    else:
        session = sessions
    # A resource-based policy (bucket policy, role trust policy) goes in as the plain dict,
    # which evaluate() accepts: Policy.from_json alone would read it as an identity policy.
    resource = case.get("resource_policy")
    # Service control policies: levels from the organization root down to the account.
    scps = case.get("scps")
    if scps is not None:
        scps = [[eng.Policy.from_json(doc, kind="scp") for doc in level] for level in scps]
    raw = case["request"]
    request = eng.Request(
        action=raw["action"],
        resource=raw["resource"],
        principal=raw.get("principal"),
        context=dict(raw.get("context") or {}),
    )
    return eng.evaluate(
        request, identity=identity, boundary=boundary, session=session, resource=resource,
        scps=scps,
    )


@pytest.mark.parametrize(
    "case", [case for _, case in ALL_CASES], ids=[case["name"] for _, case in ALL_CASES]
)
def test_case(case):
    decision = run_case(case)
    assert decision.decision == case["expect"], (
        f"{case['name']}: engine said {decision.decision}, AWS says {case['expect']}. "
        f"Rule: {case['rule']}"
    )
    if "expect_reason" in case:
        assert decision.reason() == case["expect_reason"], (
            f"{case['name']}: AccessDenied tail {decision.reason()!r}, AWS says "
            f"{case['expect_reason']!r}"
        )
    if "missing_context" in case:
        reported = {key.lower() for key in decision.missing_context}
        expected = {key.lower() for key in case["missing_context"]}
        assert reported == expected, (
            f"{case['name']}: missing context {sorted(reported)}, expected {sorted(expected)}"
        )


@pytest.mark.parametrize("path", CASE_FILES, ids=[path.name for path in CASE_FILES])
def test_command_line_runs_the_file(path):
    count = len(load_cases(path))
    result = subprocess.run(
        [sys.executable, "-m", "policies.engine", "cases", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    failed = [
        json.loads(line)["name"]
        for line in lines[:-1]
        if line.startswith("{") and not json.loads(line).get("ok", False)
    ]
    assert lines, f"no output; stderr:\n{result.stderr}"
    assert lines[-1] == f"{count} passed, 0 failed", (
        f"closing line {lines[-1]!r}; failing cases: {failed}; stderr:\n{result.stderr}"
    )
    assert result.returncode == 0


def test_command_line_reports_one_line_per_case():
    path = CASE_FILES[0]
    cases = load_cases(path)
    result = subprocess.run(
        [sys.executable, "-m", "policies.engine", "cases", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [record["name"] for record in records] == [case["name"] for case in cases]
    for record, case in zip(records, cases):
        assert record["expect"] == case["expect"]
        assert record["ok"] == (record["decision"] == case["expect"])


def test_the_corpus_has_at_least_200_cases():
    assert len(ALL_CASES) >= 200


def test_every_case_states_its_rule_and_has_a_unique_name():
    names = [case["name"] for _, case in ALL_CASES]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates
    for filename, case in ALL_CASES:
        rule = case.get("rule")
        assert isinstance(rule, str) and len(rule) > 20, (filename, case["name"])


def test_every_case_has_the_documented_shape():
    for filename, case in ALL_CASES:
        where = (filename, case["name"])
        assert set(case) <= CASE_KEYS, where
        assert case["expect"] in DECISIONS, where
        assert isinstance(case["identity_policies"], list), where
        assert set(case["request"]) <= REQUEST_KEYS, where
        assert {"action", "resource"} <= set(case["request"]), where
        scps = case.get("scps")
        assert scps is None or (
            isinstance(scps, list) and all(isinstance(level, list) for level in scps)
        ), where
        for value in (case["request"].get("context") or {}).values():
            assert isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ), where
