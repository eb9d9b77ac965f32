"""The strict JSON parser: positions, duplicates kept, nothing but RFC 8259 accepted."""

from __future__ import annotations

import pytest

from policies.engine.jsontext import MAX_DEPTH, JsonSyntaxError, Source, parse


def test_values_keep_where_they_stand():
    text = '{\n  "a": [1, "two", true, null],\n  "b": {"c": -1.5e3}\n}'
    root = parse(text)
    source = Source(text)
    a = root.get("a")
    assert a is not None and a.kind == "array"
    assert [item.kind for item in a.items] == ["number", "string", "bool", "null"]
    assert source.position(a.start) == (2, 8)
    assert source.position(a.items[1].start) == (2, 12)
    member = root.member("b")
    assert member is not None and source.position(member.key_start) == (3, 3)
    assert root.to_python() == {"a": [1, "two", True, None], "b": {"c": -1500.0}}


def test_duplicate_keys_are_kept_in_order():
    root = parse('{"a": 1, "a": 2}')
    assert [(m.key, m.value.text) for m in root.members] == [("a", "1"), ("a", "2")]
    assert root.get("a") is not None and root.get("a").text == "1"


def test_strings_are_decoded():
    assert parse(r'"a\"b\\c\/d\n\u00e9\ud83d\ude00"').text == 'a"b\\c/d\né😀'


def test_columns_count_characters_not_bytes():
    text = '{"é": "€", "x": 1}'
    x = parse(text).member("x")
    assert x is not None and Source(text).position(x.key_start) == (1, 12)


@pytest.mark.parametrize(
    "text",
    [
        "", " ", "{", "}", "[1,]", '{"a": 1,}', "{'a': 1}", '{"a" 1}', "NaN", "Infinity",
        "-Infinity", "01", "1.", ".5", "+1", "tru", "nul", '"unterminated', '"bad \\x escape"',
        '"tab\there"', "// comment\n{}", "{} {}", "[1 2]", '{"a": 1 "b": 2}', "\ufeff{}",
        "{a: 1}", "[", "[[]", '{"a":}',
    ],
)
def test_anything_but_strict_json_is_refused(text):
    with pytest.raises(JsonSyntaxError):
        parse(text)


def test_errors_say_where():
    with pytest.raises(JsonSyntaxError) as raised:
        parse('{\n  "a": 1,\n  "b": ]\n}')
    assert Source('{\n  "a": 1,\n  "b": ]\n}').position(raised.value.offset) == (3, 8)


def test_nesting_is_bounded():
    parse("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JsonSyntaxError, match="nesting"):
        parse("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(JsonSyntaxError):
        parse("[" * 100000)


def test_whitespace_around_the_document_is_fine():
    assert parse(" \t\r\n{}\n ").kind == "object"
