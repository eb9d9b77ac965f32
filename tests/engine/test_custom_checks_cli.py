"""The command line's custom policy checks: ``python -m policies.engine check-no-new-access``,
``check-access-not-granted`` and ``check-no-public-access`` print PASS/FAIL and the
statements responsible (``--json``: the AWS CLI's output) with exit status 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_cli import run, write

READ = {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::receipts/*"}
DELETE = {"Effect": "Allow", "Action": "s3:Delete*", "Resource": "*"}
PUBLIC = {"Sid": "Anyone", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": "arn:aws:s3:::receipts/*"}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    return {name: str(write(tmp_path / f"{name}.json", document)) for name, document in {
        "read": doc(READ), "read_delete": doc(READ, DELETE), "public": doc(PUBLIC),
        "bad": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}}.items()}


def test_new_access_fails_with_the_statement_as_the_aws_cli_prints_it(files):
    result = run("check-no-new-access", files["read_delete"], "--existing", files["read"],
                 "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {
        "result": "FAIL",
        "message": "The modified permissions grant new access compared to your existing policy.",
        "reasons": [{"description": "New access in the statement with index: 1.",
                     "statementIndex": 1}]}  # no Sid: no statementId, as AWS answers


def test_new_access_passes_and_text_output(files):
    result = run("check-no-new-access", files["read"], "--existing", files["read_delete"])
    assert result.returncode == 0
    assert result.stdout.startswith("PASS\tThe modified permissions do not grant new access")
    result = run("check-no-new-access", files["read_delete"], "--existing", files["read"])
    assert result.stdout.splitlines()[1] == "statement 1: New access in the statement with index: 1."


def test_standard_input(files):
    text = json.dumps(doc(READ, DELETE))
    result = run("check-no-new-access", "-", "--existing", files["read"], stdin=text)
    assert result.returncode == 1
    result = run("check-no-new-access", "-", "--existing", "-", stdin=text)
    assert result.returncode == 2 and "standard input" in result.stderr


def test_access_not_granted(files):
    result = run("check-access-not-granted", files["read_delete"], "--action", "s3:DeleteBucket",
                 "--action", "iam:PassRole", "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["result"] == "FAIL" and [r["statementIndex"] for r in answer["reasons"]] == [1]
    result = run("check-access-not-granted", files["read_delete"], "--action",
                 "s3:GetObject,s3:PutObject", "--resource", "arn:aws:s3:::payroll/x")
    assert result.returncode == 0 and result.stdout.startswith("PASS\t")
    result = run("check-access-not-granted", files["read"], "--resource",
                 "arn:aws:s3:::receipts/2026.csv")
    assert result.returncode == 1
    assert "statement 0 (Sid Read): One or more of the listed actions" in result.stdout


def test_public_access(files):
    result = run("check-no-public-access", files["public"], "--resource-type", "AWS::S3::Bucket",
                 "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["reasons"] == [{
        "description": "Public access granted in the following statement with index: 0.",
        "statementIndex": 0, "statementId": "Anyone"}]
    result = run("check-no-public-access", files["read"], "--resource-type", "AWS::S3::Bucket")
    assert result.returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (("check-no-new-access", "{bad}", "--existing", "{read}"), "the policy can't be checked"),
    (("check-no-new-access", "{read}", "--existing", "/nonexistent.json"), "cannot read"),
    (("check-access-not-granted", "{read}"), "Specify at least one action or resource"),
    (("check-no-public-access", "{read}", "--resource-type", "AWS::Nope"), "invalid choice"),
    (("check-no-new-access", "{read}"), "--existing"),
])
def test_bad_input_is_exit_status_2_with_the_reason(files, args, message):
    result = run(*(arg.format(**files) for arg in args))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
