"""Condition operators: one table, each operator compiled once to a test function.

Semantics (IAM User Guide, condition operators and multivalued context keys; iam-facts
§3.6-3.7):

- A condition names an operator, a key and one or more values. Several values: OR. Several
  keys under one operator, and several operators in one block: AND (the caller ANDs the
  :class:`Condition` objects of a statement).
- A negated operator (``StringNotEquals``, ``NotIpAddress``, ``ArnNotLike``, ...) is true
  when the request value matches *none* of the policy values.
- Key names are case-insensitive (including the tag-key part of ``aws:PrincipalTag/...``).
- Absent key: ``...IfExists`` is true; ``ForAllValues:`` is true; ``ForAnyValue:`` is
  false; ``Null`` tests exactly that; any other negated operator is true and any other
  positive operator false.
- ``ForAllValues:`` is true when every request value matches (an empty list too);
  ``ForAnyValue:`` when at least one does. With a negated operator, "matches" means
  "matches none of the policy values".
- Without a set qualifier, a list-valued request key matches when any of its values
  matches (a negated operator: when none does).
- Policy variables (Version 2012-10-17 only) work in String, Arn and Bool values.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from operator import eq, ge, gt, le, lt

from .matching import compile_regex, pieces_regex
from .variables import Piece, Template, parse_template

__all__ = [
    "OPERATORS",
    "Condition",
    "OperatorSpec",
    "build_condition",
    "parse_date",
    "parse_number",
    "parse_operator",
]

#: A compiled single-value test: does this request value match any of the policy values?
Test = Callable[[str], bool]

#: Base operator -> (family, negated). A family shares one test builder.
OPERATORS: Mapping[str, tuple[str, bool]] = {
    "StringEquals": ("StringEquals", False),
    "StringNotEquals": ("StringEquals", True),
    "StringEqualsIgnoreCase": ("StringEqualsIgnoreCase", False),
    "StringNotEqualsIgnoreCase": ("StringEqualsIgnoreCase", True),
    "StringLike": ("StringLike", False),
    "StringNotLike": ("StringLike", True),
    "NumericEquals": ("NumericEquals", False),
    "NumericNotEquals": ("NumericEquals", True),
    "NumericLessThan": ("NumericLessThan", False),
    "NumericLessThanEquals": ("NumericLessThanEquals", False),
    "NumericGreaterThan": ("NumericGreaterThan", False),
    "NumericGreaterThanEquals": ("NumericGreaterThanEquals", False),
    "DateEquals": ("DateEquals", False),
    "DateNotEquals": ("DateEquals", True),
    "DateLessThan": ("DateLessThan", False),
    "DateLessThanEquals": ("DateLessThanEquals", False),
    "DateGreaterThan": ("DateGreaterThan", False),
    "DateGreaterThanEquals": ("DateGreaterThanEquals", False),
    "Bool": ("Bool", False),
    "BinaryEquals": ("BinaryEquals", False),
    "IpAddress": ("IpAddress", False),
    "NotIpAddress": ("IpAddress", True),
    "ArnEquals": ("Arn", False),
    "ArnLike": ("Arn", False),
    "ArnNotEquals": ("Arn", True),
    "ArnNotLike": ("Arn", True),
    "Null": ("Null", False),
}

#: Families whose values may hold policy variables.
VARIABLE_FAMILIES = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "Arn",
                               "Bool"})

_QUALIFIERS = ("ForAllValues:", "ForAnyValue:")


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    """A parsed operator name such as ``ForAnyValue:StringLikeIfExists``."""

    name: str
    base: str
    family: str
    negated: bool
    if_exists: bool
    qualifier: str | None  # "ForAllValues" | "ForAnyValue" | None


@functools.lru_cache(maxsize=512)
def parse_operator(name: str) -> OperatorSpec | None:
    """Parse an operator name; None if IAM does not know it (names are case-sensitive)."""
    rest = name
    qualifier = None
    for prefix in _QUALIFIERS:
        if rest.startswith(prefix):
            qualifier = prefix[:-1]
            rest = rest[len(prefix):]
            break
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[: -len("IfExists")] if if_exists else rest
    entry = OPERATORS.get(base)
    if entry is None or (if_exists and base == "Null"):
        return None
    family, negated = entry
    return OperatorSpec(name, base, family, negated, if_exists, qualifier)


# ---------------------------------------------------------------- value parsing

_EPOCH = re.compile(r"[0-9]+")
_EPOCH_REQUEST = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_ISO = re.compile(
    r"(?P<neg>-?)(?P<y>[0-9]+)(?:-(?P<m>[0-9]+)(?:-(?P<d>[0-9]+))?)?"
    r"(?:t(?:(?P<H>[0-9]+)(?::(?P<M>[0-9]+)(?::(?P<S>[0-9]+)(?:\.(?P<f>[0-9]+))?)?)?"
    r"(?P<tz>z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?)?"
)
_MAX_EPOCH = 9223372036854775807


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (any year)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_date(value: str, *, policy: bool = True) -> Decimal | None:
    """Read a date as IAM does: W3C ISO 8601 or epoch seconds.

    Accepts ``2020-01-01``, ``2020-01-01T10:00:00Z``, ``2016-12-13t2:00:00.593194+23``,
    ``-292275054`` (a year), ``1700000000`` (epoch seconds; a request value may also have
    a fraction). Ranges follow IAM's legacy parser: year -292275054..292278993, fraction of
    a second at most 999999999, epoch at most 2**63-1, time-zone hours two digits.

    Args:
        value: the text.
        policy: True for a value written in a policy (stricter epoch form).

    Returns:
        Seconds since the epoch (UTC), or None if the text is not a date.
    """
    text = value.strip().lower()
    if "t" not in text and "-" not in text:
        if (_EPOCH if policy else _EPOCH_REQUEST).fullmatch(text) is None:
            return None
        seconds = Decimal(text)
        return seconds if seconds <= _MAX_EPOCH else None
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    year = int(match["y"]) * (-1 if match["neg"] else 1)
    month = int(match["m"] or 1)
    day = int(match["d"] or 1)
    hour, minute, second = int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0)
    fraction = match["f"]
    if not (-292275054 <= year <= 292278993 and 1 <= month <= 12 and 1 <= day <= 31
            and hour <= 23 and minute <= 59 and second <= 59):
        return None
    if fraction is not None and int(fraction) > 999999999:
        return None
    offset = 0
    tz = match["tz"]
    if tz and tz != "z":
        digits = tz[1:].replace(":", "")
        tz_hours, tz_minutes = int(digits[:2]), int(digits[2:] or 0)
        if tz_hours > 23 or tz_minutes > 59:
            return None
        offset = (tz_hours * 60 + tz_minutes) * 60 * (-1 if tz[0] == "-" else 1)
    whole = (_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60
             + second - offset)
    return Decimal(whole) + (Decimal("0." + fraction) if fraction else Decimal(0))


def parse_number(value: str) -> Decimal | None:
    """Read an integer or decimal number; None if it is not one."""
    try:
        number = Decimal(value.strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _parse_base64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------- request values

# A request's values repeat across conditions, statements and requests (the same source
# address, the same MFA age, ...): each is parsed once and remembered, boundedly.


@functools.lru_cache(maxsize=4096)
def _request_number(value: str) -> Decimal | None:
    return parse_number(value)


@functools.lru_cache(maxsize=4096)
def _request_date(value: str) -> Decimal | None:
    return parse_date(value, policy=False)


@functools.lru_cache(maxsize=4096)
def _request_address(value: str) -> tuple[int, int] | None:
    """(IP version, address as an integer), or None when the value is not an address."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return address.version, int(address)


# ---------------------------------------------------------------- test builders

_COMPARE: Mapping[str, Callable[[Decimal, Decimal], bool]] = {
    "Equals": eq,
    "LessThan": lt,
    "LessThanEquals": le,
    "GreaterThan": gt,
    "GreaterThanEquals": ge,
}


def _never(_: str) -> bool:
    return False


def _join(pieces: tuple[Piece, ...]) -> str:
    return "".join(text for text, _ in pieces)


@functools.lru_cache(maxsize=4096)
def _build_test(family: str, values: tuple[tuple[Piece, ...], ...]) -> Test:
    """Build the single-value test of a family for (resolved) policy values.

    Everything that depends on the policy alone (sets, regexes, numbers, dates, networks)
    is prepared here, once; the returned test only reads the request value.
    """
    if not values:
        return _never
    if family == "StringEquals":
        exact = frozenset(_join(v) for v in values)
        return exact.__contains__
    if family == "StringEqualsIgnoreCase":
        folded = frozenset(_join(v).casefold() for v in values)
        return lambda request: request.casefold() in folded
    if family in ("StringLike", "Arn"):
        regex = "|".join(f"(?:{pieces_regex(v, arn=family == 'Arn')})" for v in values)
        fullmatch = compile_regex(regex).fullmatch
        return lambda request: fullmatch(request) is not None
    if family == "Bool":
        flags = frozenset(_join(v).lower() for v in values)
        return lambda request: request.lower() in flags
    if family == "BinaryEquals":
        blobs = frozenset(b for b in (_parse_base64(_join(v)) for v in values) if b is not None)

        def binary(request: str) -> bool:
            data = _parse_base64(request)
            return (data if data is not None else request.encode()) in blobs
        return binary
    if family == "IpAddress":
        # (version, network address, netmask) as integers: ``address in network`` is
        # ``address & netmask == network address`` for an address of the same version.
        networks = tuple((n.version, int(n.network_address), int(n.netmask))
                         for n in (_parse_network(_join(v)) for v in values) if n is not None)

        def ip(request: str) -> bool:
            parsed = _request_address(request)
            if parsed is None:
                return False
            version, number = parsed
            for network_version, network, mask in networks:
                if network_version == version and number & mask == network:
                    return True
            return False
        return ip
    if family.startswith(("Numeric", "Date")):
        is_date = family.startswith("Date")
        parse: Callable[..., Decimal | None] = parse_date if is_date else parse_number
        read = _request_date if is_date else _request_number
        compare = _COMPARE[family[4:] if is_date else family[7:]]
        limits = tuple(n for n in (parse(_join(v)) for v in values) if n is not None)
        if len(limits) == 1:
            limit = limits[0]

            def ordered_one(request: str) -> bool:
                number = read(request)
                return number is not None and compare(number, limit)
            return ordered_one

        def ordered(request: str) -> bool:
            number = read(request)
            if number is None:
                return False
            for limit in limits:
                if compare(number, limit):
                    return True
            return False
        return ordered
    return _never


# ---------------------------------------------------------------- conditions

#: A prepared condition: does it hold for this normalised context? Appends to the list
#: the keys it needed and did not find (see :meth:`Condition.evaluate`).
Check = Callable[[Mapping[str, tuple[str, ...]], list[str]], bool]
#: Records what a :data:`Check` would record as missing, without evaluating.
Note = Callable[[Mapping[str, tuple[str, ...]], list[str]], None]


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """One ``operator -> key -> values`` test of a statement, compiled.

    Attributes:
        operator: the operator as written (``ForAnyValue:StringLikeIfExists``).
        key: the context key as written; ``key_lower`` is what is looked up.
        values: the policy values as strings (JSON booleans and numbers as written).
        spec: the parsed operator.
        templates: the values as templates when one holds a policy variable, else None.
        test: the compiled single-value test when there are no variables.
        check: the whole condition prepared as one function of the context (built from
            the fields above when the condition is created).
        note: what :meth:`note_missing` runs; None when it never records anything.
    """

    operator: str
    key: str
    key_lower: str
    values: tuple[str, ...]
    spec: OperatorSpec
    templates: tuple[Template, ...] | None
    test: Test | None
    check: Check = field(init=False, repr=False)
    note: Note | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check, note = _prepare(self)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "note", note)

    def _test(self, context: Mapping[str, tuple[str, ...]], missing: list[str] | None) -> Test:
        if self.templates is None:
            assert self.test is not None
            return self.test
        resolved = []
        for template in self.templates:
            pieces = template.resolve(context, missing)
            if pieces is not None:  # an unresolved value matches nothing
                resolved.append(pieces)
        return _build_test(self.spec.family, tuple(resolved))

    def evaluate(self, context: Mapping[str, tuple[str, ...]],
                 missing: list[str] | None = None) -> bool:
        """Evaluate against a request context (lower-case keys, tuple-of-string values).

        Args:
            context: the request's normalised context.
            missing: receives keys this condition needed but the context lacks (not for
                ``IfExists``, ``Null`` or ``ForAllValues:``, whose result is defined by the
                absence), and the keys of unresolved policy variables.
        """
        return self.check(context, [] if missing is None else missing)

    def _evaluate(self, context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
        """The general rule, for every operator (the prepared checks are its special cases)."""
        spec = self.spec
        request = context.get(self.key_lower)
        if spec.family == "Null":
            present = bool(request)
            return any((flag == "true") != present for flag in self.values
                       if flag in ("true", "false"))
        if request is None:
            if spec.if_exists or spec.qualifier == "ForAllValues":
                return True
            missing.append(self.key)
            return spec.negated and spec.qualifier is None
        test = self._test(context, missing)
        if spec.qualifier == "ForAllValues":
            if spec.negated:
                return not any(test(value) for value in request)
            return all(test(value) for value in request)
        if spec.qualifier == "ForAnyValue":
            if spec.negated:
                return not all(test(value) for value in request)
            return any(test(value) for value in request)
        hit = any(test(value) for value in request)
        return not hit if spec.negated else hit

    def note_missing(self, context: Mapping[str, tuple[str, ...]], missing: list[str]) -> None:
        """Record what :meth:`evaluate` would record as missing, without evaluating."""
        if self.note is not None:
            self.note(context, missing)

    def _note_missing(self, context: Mapping[str, tuple[str, ...]], missing: list[str]) -> None:
        spec = self.spec
        if spec.family == "Null":
            return
        if self.key_lower not in context:
            if not (spec.if_exists or spec.qualifier == "ForAllValues"):
                missing.append(self.key)
            return
        if self.templates is not None:
            for template in self.templates:
                template.resolve(context, missing)


def _prepare(condition: Condition) -> tuple[Check, Note | None]:
    """Specialise a condition into one closure (and its missing-key note).

    The common shapes (no set qualifier, no policy variable) get a closure with the
    operator's decisions taken at compile time; the rest use :meth:`Condition._evaluate`.
    Both give the same answers and record the same missing keys.
    """
    spec = condition.spec
    key, written = condition.key_lower, condition.key
    if spec.family == "Null":
        flags = tuple(flag == "true" for flag in condition.values if flag in ("true", "false"))
        when_present = any(not flag for flag in flags)
        when_absent = any(flags)

        def null(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
            return when_present if context.get(key) else when_absent
        return null, None

    absence_defined = spec.if_exists or spec.qualifier == "ForAllValues"
    note: Note | None
    if condition.templates is not None:
        note = condition._note_missing
    elif absence_defined:
        note = None
    else:
        def note_absent(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> None:
            if key not in context:
                missing.append(written)
        note = note_absent

    if condition.templates is not None or spec.qualifier is not None:
        return condition._evaluate, note

    test = condition.test
    assert test is not None
    negated = spec.negated
    record = not spec.if_exists
    when_absent = True if spec.if_exists else negated

    if spec.family == "StringEquals":
        exact = frozenset(condition.values)

        def equals(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
            values = context.get(key)
            if values is None:
                if record:
                    missing.append(written)
                return when_absent
            return exact.isdisjoint(values) == negated
        return equals, note

    def check(context: Mapping[str, tuple[str, ...]], missing: list[str]) -> bool:
        values = context.get(key)
        if values is None:
            if record:
                missing.append(written)
            return when_absent
        for value in values:
            if test(value):
                return not negated
        return negated
    return check, note


def build_condition(operator: str, key: str, values: tuple[str, ...], *,
                    variables: bool) -> Condition | None:
    """Compile one condition; None for an operator IAM does not know.

    Args:
        operator: the operator name as written.
        key: the context key as written.
        values: the policy values as strings.
        variables: True under Version 2012-10-17 (policy variables are recognised).
    """
    spec = parse_operator(operator)
    if spec is None:
        return None
    if spec.family == "Null":
        values = tuple(v.lower() for v in values)
    templates: tuple[Template, ...] | None = None
    if variables and spec.family in VARIABLE_FAMILIES:
        parsed = tuple(parse_template(v) for v in values)
        if any(t.has_vars for t in parsed):
            templates = parsed
    test = None
    if templates is None:
        test = _build_test(spec.family, tuple(((v, False),) for v in values))
    return Condition(operator, key, key.lower(), values, spec, templates, test)
