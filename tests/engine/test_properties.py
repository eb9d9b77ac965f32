"""Properties the policy engine must keep for every input (hypothesis).

- ``Policy.from_json`` raises nothing but ``PolicyError``, whatever JSON value or text it
  is given, including near-valid policy documents built from plausible pieces;
- ``validate`` never raises and returns a list, and for identity policies it reports an
  ERROR exactly when ``Policy.from_json`` rejects the document;
- adding a Deny statement never turns a decision into ``allowed``; adding an Allow statement
  never turns ``allowed`` into a deny; ``evaluate`` is deterministic.

Only the public contract of DESIGN.md is used.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def engine():
    import policies.engine as eng

    return eng


# --- arbitrary JSON ------------------------------------------------------------------

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)

# --- plausible pieces of policies ----------------------------------------------------

VERSIONS = ["2012-10-17", "2008-10-17", "2013-10-17", "", 2012, None]
EFFECTS = ["Allow", "Deny", "allow", "DENY", "", 1, None]
ACTIONS = [
    "*", "s3:*", "s3:GetObject", "s3:Get*", "s3:?etObject", "iam:*AccessKey*", "IAM:listusers",
    "ec2:RunInstances", "sts:AssumeRole", "s3", "s3:Get:Object", ":GetObject", "", "*:*",
]
RESOURCES = [
    "*", "arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*", "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:iam::123456789012:user/${aws:username}", "arn:aws:iam::*:user/*",
    "arn:aws:s3:::receipts/${aws:PrincipalTag/team, 'company-wide'}/*", "arn:aws:s3:::a${*}b",
    "arn:aws:ec2:us-east-*:123456789012:instance/*", "arn:aws:iam::123456789012:u*", "arn:aws",
    "receipts", "", "arn:aws:s3:::${unclosed",
]
OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringLike", "StringNotLike",
    "NumericLessThan", "NumericEquals", "DateGreaterThan", "DateLessThan", "Bool", "BoolIfExists",
    "IpAddress", "NotIpAddress", "ArnLike", "ArnNotEquals", "Null", "BinaryEquals",
    "ForAllValues:StringEquals", "ForAnyValue:StringLike", "StringLikeIfExists",
    "ForAnyValue:StringNotEqualsIfExists", "NullIfExists", "StringEqualz",
    "ForSomeValues:StringLike", "",
]
KEYS = [
    "aws:username", "aws:SourceIp", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge",
    "aws:CurrentTime", "aws:PrincipalTag/team", "aws:TagKeys", "aws:PrincipalArn", "s3:prefix",
    "AWS:SourceIP", "nocolon", "",
]
VALUES = [
    "alice", "true", "false", "3600", "2026-01-01T00:00:00Z", "1767225600", "203.0.113.0/24",
    "2001:DB8::/32", "arn:aws:iam::123456789012:role/*", "home/${aws:username}/*", "team*",
    "not-an-ip", "not-a-date", "QmluYXJ5", "", True, 10, 2.5, None,
]
GOOD_ACTIONS = ["*", "s3:*", "s3:GetObject", "s3:Get*", "s3:PutObject", "iam:*", "iam:List*",
                "ec2:RunInstances", "IAM:ListUsers", "s3:?etObject"]
PRINCIPALS = [
    "*", {"AWS": "*"}, {"AWS": "123456789012"}, {"AWS": "arn:aws:iam::123456789012:root"},
    {"AWS": "arn:aws:iam::123456789012:user/alice"}, {"Service": "ec2.amazonaws.com"},
    {"AWS": ["arn:aws:iam::123456789012:role/Cashier", "111122223333"]},
]


def one_or_list(pool, max_size=3):
    return st.sampled_from(pool) | st.lists(st.sampled_from(pool), min_size=0, max_size=max_size)


def one_or_more(pool):
    return st.sampled_from(pool) | st.lists(st.sampled_from(pool), min_size=1, max_size=3)


condition_blocks = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(st.sampled_from(KEYS), one_or_list(VALUES), min_size=0, max_size=2)
    | st.sampled_from(["x", 1, None, []]),
    max_size=3,
)


GOOD_RESOURCES = ["*", "arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*", "arn:aws:s3:::*",
                  "arn:aws:s3:::home/${aws:username}/*", "arn:aws:iam::*:user/${aws:username}",
                  "arn:aws:iam::123456789012:user/*", "arn:aws:ec2:*:*:instance/*"]
GOOD_CONDITIONS = [
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"StringEquals": {"aws:username": ["alice", "bob"]}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "blue"}},
    {"StringLike": {"s3:prefix": ["home/${aws:username}/*", ""]}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8::/32"]}},
    {"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
    {"Null": {"aws:PrincipalTag/team": "false"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
    {"ForAnyValue:StringLike": {"aws:TagKeys": ["te*"]}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/*"}},
]

def pick(draw, good, bad, odds=5):
    """A plausible piece: usually drawn from ``good``, one time in ``odds`` from ``bad``."""
    return draw(bad) if draw(st.integers(0, odds - 1)) == 0 else draw(good)


@st.composite
def near_valid_statements(draw, with_principal=True):
    statement = {}
    if draw(st.integers(0, 3)) == 0:
        statement["Sid"] = pick(draw, st.sampled_from(["S1", "Stmt2"]),
                                st.sampled_from(["bad sid", "", 3]))
    if draw(st.integers(0, 19)):
        statement["Effect"] = pick(draw, st.sampled_from(EFFECTS[:2]), st.sampled_from(EFFECTS[2:]))
    key = pick(draw, st.sampled_from(["Action", "NotAction"]), st.sampled_from([None, "Actions"]),
               odds=20)
    if key:
        statement[key] = pick(draw, one_or_more(GOOD_ACTIONS), one_or_list(ACTIONS))
    key = pick(draw, st.sampled_from(["Resource", "NotResource"]), st.none(), odds=20)
    if key:
        statement[key] = pick(draw, one_or_more(GOOD_RESOURCES), one_or_list(RESOURCES))
    if draw(st.integers(0, 3)) == 0:
        statement["Condition"] = pick(draw, st.sampled_from(GOOD_CONDITIONS),
                                      condition_blocks | json_values)
    if with_principal and draw(st.integers(0, 9)) == 0:
        key = draw(st.sampled_from(["Principal", "NotPrincipal"]))
        statement[key] = draw(st.sampled_from(PRINCIPALS))
    return statement


@st.composite
def near_valid_documents(draw, with_principal=True):
    doc = {}
    if draw(st.integers(0, 9)):
        doc["Version"] = pick(draw, st.just("2012-10-17"), st.sampled_from(VERSIONS))
    shape = draw(st.integers(0, 19))
    if shape < 14:
        doc["Statement"] = draw(st.lists(near_valid_statements(with_principal), min_size=1,
                                         max_size=3))
    elif shape < 18:
        doc["Statement"] = draw(near_valid_statements(with_principal))
    elif shape < 19:
        doc["Statement"] = []
    if with_principal and draw(st.integers(0, 19)) == 0:
        doc["Id"] = "policy-id"
    if draw(st.integers(0, 19)) == 0:
        doc[draw(st.sampled_from(["Statements", "version", "Extra"]))] = []
    return doc


# --- well-formed policies and requests for the decision properties -------------------



@st.composite
def good_statements(draw, effect=None, principal=False):
    statement = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))}
    if principal:
        statement["Principal"] = draw(st.sampled_from(PRINCIPALS))
    key = "Action" if draw(st.integers(0, 4)) else "NotAction"
    statement[key] = draw(one_or_more(GOOD_ACTIONS))
    key = "Resource" if draw(st.integers(0, 4)) else "NotResource"
    statement[key] = draw(one_or_more(GOOD_RESOURCES))
    if draw(st.booleans()):
        condition = {}
        for block in draw(st.lists(st.sampled_from(GOOD_CONDITIONS), max_size=2)):
            for operator, body in block.items():
                condition.setdefault(operator, {}).update(body)
        statement["Condition"] = condition
    return statement


def good_documents(principal=False):
    return st.builds(
        lambda version, statements: {"Version": version, "Statement": statements},
        st.sampled_from(["2012-10-17", "2008-10-17"]),
        st.lists(good_statements(principal=principal), min_size=1, max_size=2),
    )


CONTEXT_VALUES = {
    "aws:username": st.sampled_from(["alice", "bob"]),
    "aws:MultiFactorAuthPresent": st.sampled_from(["true", "false"]),
    "aws:MultiFactorAuthAge": st.sampled_from(["30", "7200"]),
    "aws:SourceIp": st.sampled_from(["203.0.113.5", "198.51.100.7", "2001:db8::1"]),
    "aws:CurrentTime": st.sampled_from(["2025-06-01T00:00:00Z", "2026-06-01T00:00:00Z"]),
    "aws:PrincipalTag/team": st.sampled_from(["blue", "red"]),
    "aws:TagKeys": st.lists(st.sampled_from(["env", "team", "cost"]), max_size=3),
    "aws:PrincipalArn": st.sampled_from(["arn:aws:iam::123456789012:user/alice",
                                         "arn:aws:iam::123456789012:role/Cashier"]),
    "s3:prefix": st.sampled_from(["home/alice/", "home/bob/", ""]),
}


@st.composite
def contexts(draw):
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_VALUES)), unique=True, max_size=6))
    return {key: draw(CONTEXT_VALUES[key]) for key in keys}


REQUEST_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:ListUsers",
                   "iam:ChangePassword", "ec2:RunInstances", "IAM:createuser"]
REQUEST_RESOURCES = ["arn:aws:s3:::receipts", "arn:aws:s3:::receipts/a.csv",
                     "arn:aws:s3:::home/alice/x", "arn:aws:iam::123456789012:user/alice",
                     "arn:aws:iam::123456789012:user/bob",
                     "arn:aws:ec2:us-east-1:123456789012:instance/i-1", "*"]
REQUEST_PRINCIPALS = ["arn:aws:iam::123456789012:user/alice",
                      "arn:aws:iam::123456789012:user/bob",
                      "arn:aws:sts::123456789012:assumed-role/Cashier/carol"]


@st.composite
def requests(draw):
    return engine().Request(
        action=draw(st.sampled_from(REQUEST_ACTIONS)),
        resource=draw(st.sampled_from(REQUEST_RESOURCES)),
        principal=draw(st.sampled_from(REQUEST_PRINCIPALS)),
        context=draw(contexts()),
    )


def compile_or_reject(doc):
    eng = engine()
    try:
        return eng.Policy.from_json(doc)
    except eng.PolicyError:
        assume(False)


@st.composite
def scenarios(draw):
    identity = [compile_or_reject(doc) for doc in draw(st.lists(good_documents(), max_size=2))]
    boundary = compile_or_reject(draw(good_documents())) if draw(st.booleans()) else None
    session = compile_or_reject(draw(good_documents())) if draw(st.integers(0, 3)) == 0 else None
    resource = None
    if draw(st.integers(0, 3)) == 0:
        resource = compile_or_reject(draw(good_documents(principal=True)))
    return {"identity": identity, "boundary": boundary, "session": session, "resource": resource}


def decide(request, scenario, extra=None):
    eng = engine()
    identity = list(scenario["identity"]) + ([extra] if extra is not None else [])
    return eng.evaluate(
        request,
        identity=identity,
        boundary=scenario["boundary"],
        session=scenario["session"],
        resource=scenario["resource"],
    ).decision


def is_error(finding):
    """An ERROR IAM itself gives (Access Analyzer's ERROR checks are not blocking)."""
    if not (finding.get("blocking", True) if isinstance(finding, dict)
            else getattr(finding, "blocking", True)):
        return False
    level = finding["level"] if isinstance(finding, dict) else finding.level
    name = getattr(level, "name", None) or getattr(level, "value", None) or level
    return str(name).upper() == "ERROR"


def from_json_outcome(document):
    eng = engine()
    try:
        eng.Policy.from_json(document)
    except eng.PolicyError:
        return "rejected"
    return "accepted"


# --- properties -----------------------------------------------------------------------


@SETTINGS
@given(json_values)
def test_from_json_raises_only_policy_error_on_any_json_value(value):
    from_json_outcome(value)
    from_json_outcome(json.dumps(value))


@SETTINGS
@given(st.text())
def test_from_json_raises_only_policy_error_on_any_text(text):
    from_json_outcome(text)


@SETTINGS
@given(near_valid_documents())
def test_from_json_raises_only_policy_error_on_near_valid_documents(document):
    event(from_json_outcome(document))
    from_json_outcome(json.dumps(document))


@SETTINGS
@given(st.text() | near_valid_documents().map(json.dumps) | json_values.map(json.dumps),
       st.sampled_from(["identity", "trust", "resource"]))
def test_validate_never_raises_and_returns_a_list(text, kind):
    findings = engine().validate(text, kind=kind)
    assert isinstance(findings, list)


@SETTINGS
@given(near_valid_documents(with_principal=False).map(json.dumps) | st.text(max_size=40))
def test_validate_errors_exactly_when_from_json_rejects_an_identity_policy(text):
    # Documents without Principal/NotPrincipal/Id: Policy.from_json(text) is not told the
    # kind, and a document naming a Principal is a well-formed resource policy to it.
    findings = engine().validate(text, kind="identity")
    has_error = any(is_error(finding) for finding in findings)
    event(f"error finding: {has_error}")
    assert has_error == (from_json_outcome(text) == "rejected"), findings


@SETTINGS
@given(near_valid_documents().map(json.dumps) | st.text(max_size=40),
       st.sampled_from(["identity", "trust", "resource"]))
def test_validate_errors_exactly_when_from_json_rejects_for_the_same_kind(text, kind):
    # With the kind named on both sides they agree on every document, Principal or not.
    has_error = any(is_error(finding) for finding in engine().validate(text, kind=kind))
    try:
        engine().Policy.from_json(text, kind=kind)
        rejected = False
    except engine().PolicyError:
        rejected = True
    event(f"{kind} rejected: {rejected}")
    assert has_error == rejected


@SETTINGS
@given(requests(), scenarios(), good_statements(effect="Deny"))
def test_adding_a_deny_never_makes_a_request_allowed(request, scenario, deny_statement):
    before = decide(request, scenario)
    extra = compile_or_reject({"Version": "2012-10-17", "Statement": [deny_statement]})
    after = decide(request, scenario, extra)
    event(f"{before} -> {after}")
    if before != "allowed":
        assert after != "allowed"
    if before == "explicitDeny":
        assert after == "explicitDeny"


@SETTINGS
@given(requests(), scenarios(), good_statements(effect="Allow"))
def test_adding_an_allow_never_denies_an_allowed_request(request, scenario, allow_statement):
    before = decide(request, scenario)
    extra = compile_or_reject({"Version": "2012-10-17", "Statement": [allow_statement]})
    after = decide(request, scenario, extra)
    event(f"{before} -> {after}")
    if before == "allowed":
        assert after == "allowed"


@SETTINGS
@given(requests(), st.lists(good_documents(), min_size=1, max_size=3))
def test_evaluate_is_deterministic(request, documents):
    eng = engine()
    first = [compile_or_reject(doc) for doc in documents]
    second = [eng.Policy.from_json(json.dumps(doc)) for doc in documents]
    one = eng.evaluate(request, identity=first)
    two = eng.evaluate(request, identity=first)
    three = eng.evaluate(request, identity=second)
    four = eng.evaluate(request, identity=documents)
    assert one.decision == two.decision == three.decision == four.decision
    assert list(one.missing_context) == list(two.missing_context)
