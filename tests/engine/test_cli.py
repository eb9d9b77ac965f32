"""The command line: ``python -m policies.engine cases ...`` and ``... validate ...``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
ALLOW = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
REQUEST = {"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject",
           "resource": "arn:aws:s3:::receipts/a.csv", "context": {}}


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policies.engine", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, input=stdin,
                          check=False)


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def case(name: str, expect: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "identity_policies": [ALLOW], "request": REQUEST, "expect": expect,
            **extra}


def test_cases_prints_one_line_per_case_and_a_closing_line(tmp_path):
    path = write(tmp_path / "a.json", [case("read", "allowed"),
                                       case("bounded", "implicitDeny",
                                            permissions_boundary={
                                                "Version": "2012-10-17", "Statement": [{
                                                    "Effect": "Allow", "Action": "iam:*",
                                                    "Resource": "*"}]})])
    result = run("cases", str(path))
    lines = result.stdout.splitlines()
    assert [json.loads(line) for line in lines[:-1]] == [
        {"name": "read", "decision": "allowed", "expect": "allowed", "ok": True},
        {"name": "bounded", "decision": "implicitDeny", "expect": "implicitDeny", "ok": True},
    ]
    assert lines[-1] == "2 passed, 0 failed"
    assert result.returncode == 0


def test_a_wrong_expectation_fails_with_exit_status_one(tmp_path):
    path = write(tmp_path / "a.json", [case("read", "explicitDeny"), case("ok", "allowed")])
    result = run("cases", str(path))
    first = json.loads(result.stdout.splitlines()[0])
    assert first == {"name": "read", "decision": "allowed", "expect": "explicitDeny", "ok": False}
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"
    assert result.returncode == 1


def test_cases_reads_directories_and_several_files(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    write(folder / "b.json", [case("b", "allowed")])
    write(folder / "a.json", [case("a", "allowed")])
    (folder / "notes.txt").write_text("ignored")
    extra = write(tmp_path / "c.json", [case("c", "allowed")])
    result = run("cases", str(folder), str(extra))
    names = [json.loads(line)["name"] for line in result.stdout.splitlines()[:-1]]
    assert names == ["a", "b", "c"]
    assert result.stdout.splitlines()[-1] == "3 passed, 0 failed"


def test_all_optional_case_fields_are_used(tmp_path):
    bucket = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": "arn:aws:s3:::receipts/*"}]}
    path = write(tmp_path / "a.json", [case("denied by bucket", "explicitDeny",
                                            session_policies=[ALLOW], resource_policy=bucket)])
    result = run("cases", str(path), "--verbose")
    record = json.loads(result.stdout.splitlines()[0])
    assert record["ok"] and record["denied_by"] == "resource"
    assert record["matched"][0]["policy_kind"] == "resource"


def test_broken_cases_and_files_count_as_failures(tmp_path):
    broken = write(tmp_path / "a.json", [{"name": "no request", "identity_policies": [],
                                          "expect": "allowed"},
                                         case("bad policy", "allowed",
                                              identity_policies=["{nope"]), "not a case"])
    unreadable = tmp_path / "b.json"
    unreadable.write_text("[", encoding="utf-8")
    result = run("cases", str(broken), str(unreadable), str(tmp_path / "missing.json"))
    records = [json.loads(line) for line in result.stdout.splitlines()[:-1]]
    assert [r["decision"] for r in records] == ["error"] * 5
    assert all(not r["ok"] and r["error"] for r in records)
    assert result.stdout.splitlines()[-1] == "0 passed, 5 failed"
    assert result.returncode == 1


def test_validate_prints_findings_and_fails_on_errors(tmp_path):
    path = write(tmp_path / "p.json", {"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    result = run("validate", str(path), "--json")
    lines = result.stdout.splitlines()
    first = json.loads(lines[0])
    assert first["level"] == "ERROR"
    assert first["message"] == "Statement IDs (SID) in a single policy must be unique."
    assert (first["line"], first["statement"], first["path"]) == (1, 1, "$.Statement[1].Sid")
    assert json.loads(lines[1])["code"] == "REDUNDANT_STATEMENT"  # lints run despite errors
    assert lines[-1] == "2 findings, 1 errors"
    assert result.returncode == 1


def test_validate_takes_a_kind_and_standard_input():
    trust = json.dumps({"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}})
    assert run("validate", "-", "--kind", "trust", stdin=trust).returncode == 0
    identity = run("validate", "-", stdin=trust)
    assert identity.returncode == 1
    assert "Policy document should not specify a principal." in identity.stdout


def test_validate_reports_warnings_without_failing(tmp_path):
    path = write(tmp_path / "p.json", {"Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]})
    result = run("validate", str(path), "--json")
    codes = [json.loads(line)["code"] for line in result.stdout.splitlines()[:-1]]
    assert "MISSING_VERSION" in codes and "ALLOW_NOT_ACTION" in codes
    assert result.returncode == 0


def test_usage_errors_exit_with_two():
    assert run().returncode == 2
    assert run("validate", "/nonexistent/p.json").returncode == 2


def test_validate_prints_access_analyzer_lines(tmp_path):
    path = write(tmp_path / "p.json", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::b", "Condition": {"StringEquals": {"aws:NotARealKey": "x"}}}]})
    result = run("validate", str(path), "--kind", "resource", "--resource-type",
                 "AWS::S3::Bucket")
    level, code, title, where, message = result.stdout.splitlines()[0].split("\t")
    assert (level, code, title) == ("ERROR", "INVALID_GLOBAL_CONDITION_KEY",
                                    "Invalid global condition key")
    assert where.startswith("1:") and where.endswith(
        ' $.Statement[0].Condition.StringEquals["aws:NotARealKey"]')
    assert message == "The condition key aws:NotARealKey does not exist. Use a valid condition key."
    assert result.stdout.splitlines()[-1] == "1 findings, 1 errors"
    assert result.returncode == 1
