"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}``.

A value that may hold variables is parsed once into a :class:`Template`; at evaluation the
template is resolved against the request context into *pieces*: ``(text, literal)`` pairs,
where ``literal`` is True for text that must match character for character (a variable's
value, ``${*}``, ``${?}``, ``${$}``) and False for policy text, in which ``*`` and ``?`` are
still wildcards where the operator allows them.

Rules (IAM User Guide, "IAM policy elements: Variables and tags"):

- Variables are recognised only under ``"Version": "2012-10-17"``; under 2008-10-17 or with
  no Version, ``${...}`` is plain text (the caller simply does not parse the value).
- A variable's key is looked up case-insensitively; it must be single-valued (a context
  list of exactly one value counts as single-valued).
- An absent key takes the default value if one is written, else the template is
  *unresolved*: the caller then treats the value as matching nothing.
- ``${...}`` that is not a well-formed variable stays as plain text.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Piece", "Template", "Var", "has_variables", "parse_template"]

#: A resolved piece of a value: (text, literal).
Piece = tuple[str, bool]

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_SPECIALS = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Var:
    """A ``${key}`` or ``${key, 'default'}`` reference."""

    key: str
    key_lower: str
    default: str | None = None


@dataclass(frozen=True, slots=True)
class _Lit:
    """Text that matches itself, even ``*`` and ``?`` (``${*}``, ``${?}``, ``${$}``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Template:
    """A value split into policy text, literal text and variable references.

    Attributes:
        source: the value as written.
        parts: ``str`` (policy text), literal text, or :class:`Var`, in order.
        has_vars: whether any part is a variable or special literal.
    """

    source: str
    parts: tuple[str | _Lit | Var, ...]
    has_vars: bool

    @property
    def variables(self) -> tuple[Var, ...]:
        """The variable references, in order."""
        return tuple(part for part in self.parts if isinstance(part, Var))

    def resolve(self, context: Mapping[str, tuple[str, ...]],
                missing: list[str] | None = None) -> tuple[Piece, ...] | None:
        """Fill in the variables.

        Args:
            context: request context with lower-case keys, values as tuples of strings.
            missing: if given, receives the keys (as written) of unresolved variables.

        Returns:
            The pieces, or None when a variable has neither a value nor a default.
        """
        pieces: list[Piece] = []
        unresolved = False
        for part in self.parts:
            if isinstance(part, str):
                pieces.append((part, False))
            elif isinstance(part, _Lit):
                pieces.append((part.text, True))
            else:
                values = context.get(part.key_lower)
                if values is not None and len(values) == 1:
                    pieces.append((values[0], True))
                elif values is None and part.default is not None:
                    pieces.append((part.default, True))
                else:
                    unresolved = True
                    if missing is not None and values is None:
                        missing.append(part.key)
        return None if unresolved else tuple(pieces)


def has_variables(value: str) -> bool:
    """Tell whether ``value`` contains a well-formed ``${...}`` reference."""
    return parse_template(value).has_vars


def _reference(inner: str) -> Var | None:
    """The ``key`` or ``key, 'default'`` inside ``${...}`` (whitespace around each part
    ignored; a key holds no comma or quote), or None. String operations, not a regular
    expression: ``\\s*(key)\\s*`` backtracks quadratically over a run of whitespace."""
    key, comma, rest = inner.strip().partition(",")
    key = key.rstrip()
    if not key or "'" in key:
        return None
    if not comma:
        return Var(key, key.lower())
    rest = rest.lstrip()
    if len(rest) < 2 or rest[0] != "'" or rest[-1] != "'" or "'" in rest[1:-1]:
        return None
    return Var(key, key.lower(), rest[1:-1])


def parse_template(value: str) -> Template:
    """Split a 2012-10-17 value into text and variable references.

    Args:
        value: the string as written in the policy.

    Returns:
        Its :class:`Template` (``has_vars`` False when there is nothing to substitute).
    """
    if "${" not in value:
        return Template(value, (value,) if value else (), False)
    parts: list[str | _Lit | Var] = []
    position = 0
    found = False
    for match in _VARIABLE.finditer(value):
        inner = match.group(1)
        part: _Lit | Var | None = None
        if inner in _SPECIALS:
            part = _Lit(_SPECIALS[inner])
        else:
            part = _reference(inner)
        if part is None:
            continue
        found = True
        if match.start() > position:
            parts.append(value[position:match.start()])
        parts.append(part)
        position = match.end()
    if position < len(value):
        parts.append(value[position:])
    if not found:
        return Template(value, (value,), False)
    return Template(value, tuple(parts), True)
