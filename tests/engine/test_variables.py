"""Policy variables: parsing ``${...}`` and filling it from the request context."""

from __future__ import annotations

import pytest

from policies.engine.variables import Var, parse_template


def resolve(value: str, context: dict[str, tuple[str, ...]]) -> str | None:
    missing: list[str] = []
    pieces = parse_template(value).resolve(context, missing)
    return None if pieces is None else "".join(text for text, _ in pieces)


@pytest.mark.parametrize(
    ("value", "context", "expected"),
    [
        ("home/${aws:username}/*", {"aws:username": ("alice",)}, "home/alice/*"),
        ("${aws:userid}", {"aws:userid": ("AIDAEXAMPLE",)}, "AIDAEXAMPLE"),
        ("${aws:PrincipalTag/team}", {"aws:principaltag/team": ("blue",)}, "blue"),
        ("${AWS:USERNAME}", {"aws:username": ("alice",)}, "alice"),
        ("${aws:PrincipalTag/team, 'company-wide'}", {}, "company-wide"),
        ("${aws:PrincipalTag/team, 'company-wide'}", {"aws:principaltag/team": ("red",)}, "red"),
        ("${aws:PrincipalTag/team,'x'}", {}, "x"),
        ("${*}${?}${$}", {}, "*?$"),
        ("a${aws:username}b${aws:userid}c", {"aws:username": ("u",), "aws:userid": ("i",)},
         "aubic"),
        ("no variables", {}, "no variables"),
        ("${aws:username}", {}, None),
        ("${aws:TagKeys}", {"aws:tagkeys": ("a", "b")}, None),
        ("${aws:TagKeys}", {"aws:tagkeys": ()}, None),
    ],
)
def test_templates_resolve_from_the_context(value, context, expected):
    assert resolve(value, context) == expected


@pytest.mark.parametrize("value", ["${}", "${unclosed", "$aws:username", "${a, b}", "{aws:x}"])
def test_text_that_is_not_a_variable_stays_text(value):
    template = parse_template(value)
    assert not template.has_vars
    assert resolve(value, {}) == value


def test_substituted_values_are_marked_literal():
    pieces = parse_template("a*${aws:username}").resolve({"aws:username": ("b*",)})
    assert pieces == (("a*", False), ("b*", True))


def test_unresolved_variables_are_reported_by_their_key_as_written():
    missing: list[str] = []
    parse_template("${aws:PrincipalTag/Team}/${aws:username}").resolve({}, missing)
    assert missing == ["aws:PrincipalTag/Team", "aws:username"]


def test_a_template_lists_its_variables():
    template = parse_template("${aws:username}-${x:y, 'd'}")
    assert template.variables == (Var("aws:username", "aws:username"), Var("x:y", "x:y", "d"))
