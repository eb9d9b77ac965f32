"""Review of #9's fixes: a policy variable padded with whitespace must not cost quadratic time.

``${key}`` was parsed with ``\\s*([^,'\\s][^,']*?)\\s*``: over a run of whitespace inside the
braces (U+00A0 is allowed by IAM's document pattern and not counted by PolicySize) every
position of the lazy group rescanned the run, so one 130 kB POST to /iam/policies/validate/
(any signed-in root: sign-up is open) held a worker for minutes (32,000 spaces: ~50 s).
"""

import json
import time

from policies.engine.variables import parse_template
from tests.conftest import csrf_post


def _document(value: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringLike": {"aws:username": value}}}]}, ensure_ascii=False)


def test_a_variable_padded_with_whitespace_parses_in_linear_time():
    started = time.perf_counter()
    for space in (" ", "\u00a0", "\t"):
        assert parse_template("${a" + space * 100_000 + "x}").has_vars  # a key may hold spaces
        template = parse_template("${" + space * 50_000 + "aws:username" + space * 50_000 + "}")
        assert template.has_vars
    assert time.perf_counter() - started < 2


def test_variables_keep_their_meaning():
    (var,) = [p for p in parse_template("${ aws:username , 'nobody' }").parts if not isinstance(p, str)]
    assert (var.key, var.default) == ("aws:username", "nobody")
    assert not parse_template("${a, b}").has_vars
    assert not parse_template("${a'b}").has_vars
    assert not parse_template("${a, 'x', 'y'}").has_vars


def test_the_validation_endpoint_answers_a_padded_variable_quickly(root_client):
    document = _document("${a" + "\u00a0" * 120_000 + "x}")
    started = time.perf_counter()
    response = csrf_post(root_client, "/iam/policies/validate/", {"document": document})
    assert response.status_code == 200
    assert time.perf_counter() - started < 5
