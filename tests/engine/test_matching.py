"""Action, ARN and principal matchers: exactly how far each wildcard reaches."""

from __future__ import annotations

import pytest

from policies.engine.matching import ActionSet, Caller, PrincipalSet, ResourceSet, glob_regex
from policies.engine.variables import parse_template

# ---------------------------------------------------------------- actions


def action_matches(patterns: list[str], action: str) -> bool:
    prefix, _, name = action.lower().partition(":")
    return ActionSet.build(patterns).matches(prefix, name)


@pytest.mark.parametrize(
    ("patterns", "action", "expected"),
    [
        (["*"], "s3:GetObject", True),
        (["*"], "iam:CreateUser", True),
        (["s3:*"], "s3:GetObject", True),
        (["s3:*"], "s3-object-lambda:GetObject", False),
        (["s3:*"], "iam:GetUser", False),
        (["s3:Get*"], "s3:GetObject", True),
        (["s3:Get*"], "s3:Get", True),
        (["s3:Get*"], "s3:PutObject", False),
        (["s3:Get*"], "s3:ListGetters", False),
        (["s3:?etObject"], "s3:GetObject", True),
        (["s3:?etObject"], "s3:SetObject", True),
        (["s3:?etObject"], "s3:etObject", False),
        (["s3:?etObject"], "s3:GGetObject", False),
        (["iam:*AccessKey*"], "iam:CreateAccessKey", True),
        (["iam:*AccessKey*"], "iam:ListAccessKeys", True),
        (["iam:*AccessKey*"], "iam:ListUsers", False),
        (["s3:*Object"], "s3:GetObject", True),
        (["s3:*Object"], "s3:GetObjectAcl", False),
        (["s3:GetObject"], "s3:GetObjectAcl", False),
        (["s3:GetObject"], "s3:GetObjec", False),
    ],
)
def test_action_wildcards_reach_exactly_this_far(patterns, action, expected):
    assert action_matches(patterns, action) is expected


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("iam:ListAccessKeys", "IAM:listaccesskeys"),
        ("IAM:LISTACCESSKEYS", "iam:ListAccessKeys"),
        ("S3:get*", "s3:GetObject"),
        ("s3:GET?BJECT", "s3:getobject"),
    ],
)
def test_actions_match_case_insensitively(pattern, action):
    assert action_matches([pattern], action)


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("s3:Get.*", "s3:GetObject"),  # "." is a literal dot, not "any character"
        ("s3:Get(Object)", "s3:GetObject"),
        ("s3:[G]etObject", "s3:GetObject"),
        ("s3:Get+", "s3:Gett"),
    ],
)
def test_regex_characters_in_actions_are_literal(pattern, action):
    assert not action_matches([pattern], action)


def test_an_action_set_knows_which_services_it_can_match():
    assert ActionSet.build(["s3:GetObject", "iam:List*"]).prefixes == {"s3", "iam"}
    assert ActionSet.build(["*"]).prefixes is None


def test_glob_regex_escapes_everything_but_star_and_question_mark():
    assert glob_regex("a.b*c?") == r"a\.b.*c."


# ---------------------------------------------------------------- resources


def resource_matches(pattern: str, arn: str, context: dict[str, tuple[str, ...]] | None = None
                     ) -> bool:
    return ResourceSet.build([pattern], variables=True).matches(arn, context or {})


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", "arn:aws:s3:::anything", True),
        ("*", "*", True),
        ("arn:aws:s3:::receipts", "arn:aws:s3:::receipts", True),
        ("arn:aws:s3:::receipts", "arn:aws:s3:::receipts/a.csv", False),
        ("arn:aws:s3:::receipts/*", "arn:aws:s3:::receipts/2026/01.csv", True),
        ("arn:aws:s3:::receipts/*", "arn:aws:s3:::receipts", False),
        ("arn:aws:s3:::receipts*", "arn:aws:s3:::receipts-archive/x", True),
        # iam-facts §3.4: inside the resource part "*" also swallows "/"
        ("arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1/2/test/3/x.jpg", True),
        ("arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket//test/object.jpg", True),
        ("arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/1/test/", True),
        ("arn:aws:s3:::bucket/*/test/*", "arn:aws:s3:::bucket/test/object.jpg", False),
        # the resource part may contain colons, which "*" spans
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b:c", True),
        ("arn:aws:logs:*:*:log-group:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s",
         True),
        # in the first five segments a wildcard never crosses a colon
        ("arn:aws:*:us-east-1:123456789012:instance/*",
         "arn:aws:ec2:us-east-1:123456789012:instance/i-1", True),
        ("arn:aws:ec2:*:123456789012:instance/*",
         "arn:aws:ec2:us-east-1:123456789012:instance/i-1", True),
        ("arn:aws:ec2:us-east-*:123456789012:instance/*",
         "arn:aws:ec2:us-east-2:123456789012:instance/i-1", True),
        ("arn:aws:ec2:us-east-*:123456789012:instance/*",
         "arn:aws:ec2:eu-west-1:123456789012:instance/i-1", False),
        ("arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:user/alice", True),
        ("arn:aws:iam::*:user/*", "arn:aws:iam::123456789012:role/alice", False),
        ("arn:aws:iam::123456789012:user/division_abc*",
         "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/JaneDoe", True),
        ("arn:aws:iam::123456789012:user/division_abc*",
         "arn:aws:iam::123456789012:user/JaneDoe", False),
        ("arn:aws:s3:::receipts/?.csv", "arn:aws:s3:::receipts/a.csv", True),
        ("arn:aws:s3:::receipts/?.csv", "arn:aws:s3:::receipts/ab.csv", False),
        ("arn:aws:ec2:us-east-?:1:instance/i", "arn:aws:ec2:us-east-1:1:instance/i", True),
        # fewer than six segments: the last segment absorbs the rest (our choice)
        ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:s3", "arn:aws:s3:::bucket", False),
    ],
)
def test_arn_wildcards_match_segment_by_segment(pattern, arn, expected):
    assert resource_matches(pattern, arn) is expected


@pytest.mark.parametrize(
    ("pattern", "arn"),
    [
        ("arn:aws:iam::123456789012:user/bob", "arn:aws:iam::123456789012:user/Bob"),
        ("arn:aws:s3:::Receipts/*", "arn:aws:s3:::receipts/a"),
        ("arn:aws:S3:::receipts", "arn:aws:s3:::receipts"),
    ],
)
def test_arns_match_case_sensitively(pattern, arn):
    assert not resource_matches(pattern, arn)


@pytest.mark.parametrize(
    ("pattern", "arn"),
    [
        ("arn:aws:s3:::a.b", "arn:aws:s3:::aXb"),
        ("arn:aws:s3:::a+", "arn:aws:s3:::aa"),
        ("arn:aws:s3:::(a)", "arn:aws:s3:::a"),
        ("arn:aws:s3:::a$", "arn:aws:s3:::a"),
    ],
)
def test_regex_characters_in_arns_are_literal(pattern, arn):
    assert not resource_matches(pattern, arn)


def test_resource_variables_are_filled_from_the_context():
    pattern = "arn:aws:s3:::home/${aws:username}/*"
    assert resource_matches(pattern, "arn:aws:s3:::home/alice/x", {"aws:username": ("alice",)})
    assert not resource_matches(pattern, "arn:aws:s3:::home/bob/x", {"aws:username": ("alice",)})


def test_a_resource_with_an_unresolved_variable_matches_nothing_and_reports_the_key():
    missing: list[str] = []
    resources = ResourceSet.build(["arn:aws:s3:::home/${aws:username}/*"], variables=True)
    assert not resources.matches("arn:aws:s3:::home/${aws:username}/x", {}, missing)
    assert missing == ["aws:username"]


def test_a_variable_value_is_literal_even_with_wildcard_characters():
    pattern = "arn:aws:s3:::home/${aws:PrincipalTag/team}/x"
    context = {"aws:principaltag/team": ("*",)}
    assert resource_matches(pattern, "arn:aws:s3:::home/*/x", context)
    assert not resource_matches(pattern, "arn:aws:s3:::home/blue/x", context)


def test_variables_are_plain_text_without_version_2012():
    resources = ResourceSet.build(["arn:aws:s3:::home/${aws:username}"], variables=False)
    assert resources.matches("arn:aws:s3:::home/${aws:username}", {"aws:username": ("a",)})
    assert not resources.matches("arn:aws:s3:::home/a", {"aws:username": ("a",)})


def test_variables_outside_the_resource_part_are_plain_text():
    template = ResourceSet.build(["arn:aws:iam::${aws:PrincipalAccount}:user/x"],
                                 variables=True)
    assert template.templates == ()
    assert template.matches("arn:aws:iam::${aws:PrincipalAccount}:user/x", {})


def test_special_literals_match_their_character_only():
    pattern = "arn:aws:s3:::a${*}b${?}c${$}"
    assert resource_matches(pattern, "arn:aws:s3:::a*b?c$")
    assert not resource_matches(pattern, "arn:aws:s3:::aXXbYc$")
    assert parse_template("a${*}").has_vars


# ---------------------------------------------------------------- principals

ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Cashier/carol"


def grant(entries: list[tuple[str, str]], principal: str | None,
          principal_arn: str | None = None) -> str | None:
    return PrincipalSet.build(entries).match(Caller.of(principal, principal_arn))


@pytest.mark.parametrize(
    ("entries", "principal", "expected"),
    [
        ([("*", "*")], ALICE, "everyone"),
        ([("*", "*")], None, "everyone"),
        ([("AWS", "*")], ALICE, "everyone"),
        ([("AWS", ACCOUNT)], ALICE, "account"),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:root")], ALICE, "account"),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:root")], SESSION, "account"),
        ([("AWS", "111122223333")], ALICE, None),
        ([("AWS", ALICE)], ALICE, "principal"),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:user/Alice")], ALICE, None),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:user/bob")], ALICE, None),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:role/Cashier")], SESSION, "role"),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:role/shop/Cashier")], SESSION, "role"),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:role/Inventory")], SESSION, None),
        ([("AWS", "arn:aws:iam::111122223333:role/Cashier")], SESSION, None),
        ([("AWS", SESSION)], SESSION, "principal"),
        ([("Service", "ec2.amazonaws.com")], "ec2.amazonaws.com", "principal"),
        ([("Service", "ec2.amazonaws.com")], ALICE, None),
        ([("Federated", "accounts.google.com")], "accounts.google.com", "principal"),
        ([("AWS", ALICE), ("AWS", ACCOUNT)], ALICE, "principal"),
        ([("AWS", ALICE)], None, None),
    ],
)
def test_principal_elements_name_callers_as_documented(entries, principal, expected):
    assert grant(entries, principal) == expected


def test_a_session_matches_a_role_arn_with_a_path_through_aws_principal_arn():
    entries = [("AWS", f"arn:aws:iam::{ACCOUNT}:role/shop/Cashier")]
    assert grant(entries, SESSION, f"arn:aws:iam::{ACCOUNT}:role/shop/Cashier") == "role"


@pytest.mark.parametrize(
    ("entries", "principal", "excluded"),
    [
        ([("AWS", ALICE)], ALICE, True),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:root")], ALICE, False),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:root")], f"arn:aws:iam::{ACCOUNT}:root", True),
        ([("AWS", f"arn:aws:iam::{ACCOUNT}:role/Cashier")], SESSION, False),
        ([("AWS", SESSION)], SESSION, True),
    ],
)
def test_not_principal_names_callers_exactly(entries, principal, excluded):
    assert PrincipalSet.build(entries).names_exactly(Caller.of(principal)) is excluded


@pytest.mark.parametrize(
    ("principal", "account", "role_session"),
    [
        (ALICE, ACCOUNT, None),
        (SESSION, ACCOUNT, (ACCOUNT, "Cashier")),
        (ACCOUNT, ACCOUNT, None),
        ("ec2.amazonaws.com", None, None),
        (None, None, None),
    ],
)
def test_the_caller_is_read_from_its_principal(principal, account, role_session):
    caller = Caller.of(principal)
    assert (caller.account, caller.role_session) == (account, role_session)
