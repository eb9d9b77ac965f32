"""Strict JSON with positions: a small parser that keeps where every value stands.

Python's :mod:`json` gives no positions and silently keeps the last of duplicate keys, so
the engine parses policy text itself. The grammar is RFC 8259 exactly: no comments, no
trailing commas, no ``NaN``/``Infinity``, no single quotes; strings are decoded by the
standard library's own scanner. Duplicate keys are kept (in order) for the grammar checks
to report; nesting deeper than :data:`MAX_DEPTH` is refused, so no input can exhaust the
stack.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import bisect
import json.decoder
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_DEPTH", "JsonSyntaxError", "Member", "Node", "Source", "parse"]

#: Deepest nesting accepted. A policy needs 5 levels; 64 leaves room for odd documents.
MAX_DEPTH = 64

#: The standard library's (C-accelerated) JSON string scanner: (text, index after the
#: opening quote, strict) -> (decoded string, index after the closing quote).
_scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(  # noqa: B009 - untyped
    json.decoder, "scanstring")

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


class JsonSyntaxError(ValueError):
    """The text is not one strict JSON value.

    Attributes:
        detail: what is wrong, in plain words.
        offset: index in the text where the problem was found.
    """

    def __init__(self, detail: str, offset: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.offset = offset


@dataclass(frozen=True, slots=True, eq=False)
class Member:
    """One ``"key": value`` pair of an object, with the key's position."""

    key: str
    key_start: int
    value: Node


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One JSON value and the span of text it came from.

    Attributes:
        kind: ``"object"``, ``"array"``, ``"string"``, ``"number"``, ``"bool"`` or ``"null"``.
        start: offset of the value's first character.
        end: offset just past its last character.
        text: the decoded string, the number as written, ``"true"``/``"false"``/``"null"``.
        members: an object's pairs in document order (duplicates kept).
        items: an array's elements.
    """

    kind: str
    start: int
    end: int
    text: str = ""
    members: tuple[Member, ...] = ()
    items: tuple[Node, ...] = ()

    def get(self, key: str) -> Node | None:
        """Return the value of the first member named ``key`` (objects only), else None."""
        for member in self.members:
            if member.key == key:
                return member.value
        return None

    def member(self, key: str) -> Member | None:
        """Return the first member named ``key``, else None."""
        for member in self.members:
            if member.key == key:
                return member
        return None

    def to_python(self) -> Any:
        """Convert to plain Python values (the last of duplicate keys wins, as in json)."""
        if self.kind == "string":
            return self.text
        if self.kind == "object":
            return {m.key: m.value.to_python() for m in self.members}
        if self.kind == "array":
            return [item.to_python() for item in self.items]
        if self.kind == "bool":
            return self.text == "true"
        if self.kind == "null":
            return None
        number = self.text
        if "." in number or "e" in number or "E" in number:
            return float(number)
        return int(number)


class Source:
    """Maps offsets in a text to 1-based (line, column) pairs; columns count characters."""

    __slots__ = ("_line_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._line_starts: list[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        """Give the 1-based line and column of ``offset``."""
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            index = find("\n")
            while index != -1:
                starts.append(index + 1)
                index = find("\n", index + 1)
            self._line_starts = starts
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line + 1, offset - self._line_starts[line] + 1


def parse(text: str) -> Node:
    """Parse one strict JSON value.

    Args:
        text: the whole document.

    Returns:
        The root :class:`Node`.

    Raises:
        JsonSyntaxError: the text is not exactly one JSON value.
    """
    parser = _Parser(text)
    pos = parser.skip(0)
    node = parser.value(pos, 0)
    pos = parser.skip(node.end)
    if pos != len(text):
        raise JsonSyntaxError("unexpected text after the end of the document", pos)
    return node


class _Parser:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, pos: int) -> int:
        match = _WS.match(self.text, pos)
        return match.end() if match else pos

    def value(self, pos: int, depth: int) -> Node:
        text = self.text
        if pos >= len(text):
            raise JsonSyntaxError("the document ends where a value was expected", pos)
        char = text[pos]
        if char == "{":
            return self.object(pos, depth + 1)
        if char == "[":
            return self.array(pos, depth + 1)
        if char == '"':
            value, end = self.string(pos)
            return Node("string", pos, end, value)
        for literal, kind in (("true", "bool"), ("false", "bool"), ("null", "null")):
            if text.startswith(literal, pos):
                return Node(kind, pos, pos + len(literal), literal)
        match = _NUMBER.match(text, pos)
        if match and match.end() > pos:
            return Node("number", pos, match.end(), match.group())
        raise JsonSyntaxError(f"unexpected character {char!r} where a value was expected", pos)

    def string(self, pos: int) -> tuple[str, int]:
        try:
            value, end = _scanstring(self.text, pos + 1, True)
        except ValueError as error:
            offset = getattr(error, "pos", pos)
            raise JsonSyntaxError(f"invalid string: {getattr(error, 'msg', error)}",
                                  offset) from None
        return value, end

    def object(self, start: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise JsonSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", start)
        text = self.text
        members: list[Member] = []
        pos = self.skip(start + 1)
        if pos < len(text) and text[pos] == "}":
            return Node("object", start, pos + 1)
        while True:
            if pos >= len(text) or text[pos] != '"':
                raise JsonSyntaxError("expected a quoted member name", pos)
            key_start = pos
            key, pos = self.string(pos)
            pos = self.skip(pos)
            if pos >= len(text) or text[pos] != ":":
                raise JsonSyntaxError("expected ':' after a member name", pos)
            value = self.value(self.skip(pos + 1), depth)
            members.append(Member(key, key_start, value))
            pos = self.skip(value.end)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "}":
                return Node("object", start, pos + 1, members=tuple(members))
            raise JsonSyntaxError("expected ',' or '}' after an object member", pos)

    def array(self, start: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise JsonSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", start)
        text = self.text
        items: list[Node] = []
        pos = self.skip(start + 1)
        if pos < len(text) and text[pos] == "]":
            return Node("array", start, pos + 1)
        while True:
            item = self.value(pos, depth)
            items.append(item)
            pos = self.skip(item.end)
            if pos < len(text) and text[pos] == ",":
                pos = self.skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                return Node("array", start, pos + 1, items=tuple(items))
            raise JsonSyntaxError("expected ',' or ']' after an array element", pos)
