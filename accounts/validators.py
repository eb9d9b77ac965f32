"""Name, path, alias and tag rules exactly as IAM's API model states them (iam-facts §1.1).

Each check raises :class:`iamportal.errors.ValidationError` (or ``InvalidInput``)
with the message IAM returns, e.g.
``1 validation error detected: Value 'bad name' at 'userName' failed to satisfy
constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from iamportal.errors import InvalidInput, ValidationError

from . import quotas

NAME_PATTERN = r"[\w+=,.@-]+"
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
ALIAS_PATTERN = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"
TAG_KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
TAG_VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
#: Tag keys beginning ``aws:`` (in any case) are AWS's own.
RESERVED_TAG_PREFIX = "aws:"
RESERVED_TAG_MESSAGE = "Tag keys starting with 'aws:' are reserved for internal use."

_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]+", re.ASCII)
_PATH_RE = re.compile(r"/|/[\u0021-\u007E]+/")
_ALIAS_RE = re.compile(ALIAS_PATTERN)
PATH_PREFIX_PATTERN = r"\u002F[\u0021-\u007F]*"
_PATH_PREFIX_RE = re.compile(r"/[\u0021-\u007F]*")


def _constraint(value: str, member: str, constraint: str) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"


def _raise(problems: list[str]) -> None:
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(problems))


def range_problems(value: int, member: str, minimum: int, maximum: int) -> list[str]:
    """What is wrong with an integer parameter outside ``minimum..maximum``, in IAM's words."""
    if value > maximum:
        return [_constraint(str(value), member, f"Member must have value less than or equal to {maximum}")]
    if value < minimum:
        return [_constraint(str(value), member, f"Member must have value greater than or equal to {minimum}")]
    return []


def raise_problems(problems: list[str]) -> None:
    """Raise IAM's ``ValidationError`` ("N validation errors detected: …") for ``problems``, if any."""
    _raise(problems)


def _length_and_pattern(value: str, member: str, maximum: int, regex: re.Pattern[str],
                        pattern: str, minimum: int = 1) -> list[str]:
    problems = []
    if len(value) > maximum:
        problems.append(_constraint(value, member, f"Member must have length less than or equal to {maximum}"))
    if len(value) < minimum:
        problems.append(_constraint(value, member, f"Member must have length greater than or equal to {minimum}"))
    if value and not regex.fullmatch(value):
        problems.append(_constraint(value, member, f"Member must satisfy regular expression pattern: {pattern}"))
    return problems


def text_problems(value: str, member: str, minimum: int, maximum: int, regex: re.Pattern[str] | None = None,
                  pattern: str = "", *, echo: bool = True) -> list[str]:
    """What is wrong with a string parameter of ``minimum``..``maximum`` characters that must
    match ``regex`` (IAM's ``pattern``), in IAM's words. ``echo=False`` leaves the value out
    of the message ("Value at 'privateKey' failed …"), for a secret or a long document."""
    shown = f"Value '{value}' at" if echo else "Value at"
    problems = []
    if len(value) > maximum:
        problems.append(f"Member must have length less than or equal to {maximum}")
    if len(value) < minimum:
        problems.append(f"Member must have length greater than or equal to {minimum}")
    if regex is not None and value and not regex.fullmatch(value):
        problems.append(f"Member must satisfy regular expression pattern: {pattern}")
    return [f"{shown} '{member}' failed to satisfy constraint: {problem}" for problem in problems]


def check_text(value: str, member: str, minimum: int, maximum: int, regex: re.Pattern[str] | None = None,
               pattern: str = "", *, echo: bool = True) -> None:
    """Raise IAM's ``ValidationError`` for what :func:`text_problems` finds, if anything."""
    _raise(text_problems(value, member, minimum, maximum, regex, pattern, echo=echo))


def validate_name(value: str, member: str, maximum: int) -> None:
    """A user, group, role or policy name: ``[\\w+=,.@-]+``, 1..maximum characters."""
    _raise(_length_and_pattern(value, member, maximum, _NAME_RE, NAME_PATTERN))


def validate_path(value: str, member: str = "path") -> None:
    """A user/group/role path: ``/`` or ``/something/``, at most 512 characters."""
    _raise(_length_and_pattern(value, member, quotas.PATH_MAX, _PATH_RE, PATH_PATTERN))


def name_and_path_problems(name: str, name_member: str, maximum: int, path: str,
                           path_member: str = "path") -> list[str]:
    """What is wrong with a new entity's name and path, in IAM's words (empty: nothing)."""
    problems = _length_and_pattern(name, name_member, maximum, _NAME_RE, NAME_PATTERN)
    problems += _length_and_pattern(path, path_member, quotas.PATH_MAX, _PATH_RE, PATH_PATTERN)
    return problems


def validate_name_and_path(name: str, name_member: str, maximum: int, path: str,
                           path_member: str = "path") -> None:
    """Both checks at once, so two faults give IAM's "2 validation errors detected"
    (``path_member``: ``newPath`` for Update*)."""
    _raise(name_and_path_problems(name, name_member, maximum, path, path_member))


def validate_path_prefix(value: str) -> None:
    """``PathPrefix`` of List* actions: ``/`` then characters U+0021-U+007F, 1-512 in all."""
    _raise(_length_and_pattern(value, "pathPrefix", quotas.PATH_MAX, _PATH_PREFIX_RE, PATH_PREFIX_PATTERN))


def validate_alias(value: str) -> None:
    """An account alias: 3-63 of ``a-z 0-9 -``, no leading/trailing/double hyphen, not 12 digits."""
    problems = []
    if len(value) > 63:
        problems.append(_constraint(value, "accountAlias", "Member must have length less than or equal to 63"))
    if len(value) < 3:
        problems.append(_constraint(value, "accountAlias", "Member must have length greater than or equal to 3"))
    if not _ALIAS_RE.fullmatch(value):
        problems.append(_constraint(value, "accountAlias",
                                    f"Member must satisfy regular expression pattern: {ALIAS_PATTERN}"))
    _raise(problems)
    if value.isdigit() and len(value) == 12:
        raise InvalidInput("The account alias cannot be a 12-digit number.")


def _tag_char_ok(ch: str) -> bool:
    import unicodedata

    if ch in "_.:/=+-@":
        return True
    category = unicodedata.category(ch)
    return category[0] in ("L", "Z", "N")


def validate_tag_keys(keys: Sequence[str]) -> None:
    """``TagKeys`` of Untag*: at most 50 keys, each 1-128 of IAM's tag characters."""
    problems = []
    for index, key in enumerate(keys, start=1):
        member = f"tagKeys.{index}.member"
        if not 1 <= len(key) <= quotas.TAG_KEY_MAX:
            problems.append(_constraint(key, member,
                                        f"Member must have length less than or equal to {quotas.TAG_KEY_MAX}"
                                        if key else "Member must have length greater than or equal to 1"))
        elif not all(_tag_char_ok(ch) for ch in key):
            problems.append(_constraint(key, member, f"Member must satisfy regular expression pattern: {TAG_KEY_PATTERN}"))
    if len(keys) > quotas.TAGS_PER_ENTITY:
        problems.append(_constraint("[...]", "tagKeys",
                                    f"Member must have length less than or equal to {quotas.TAGS_PER_ENTITY}"))
    _raise(problems)


def validate_tags(tags: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Tag keys and values by IAM's rules (iam-facts §1.1: at most 50 tags, keys of 1-128 and
    values of 0-256 characters of ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, keys unique regardless of
    case and not beginning ``aws:``); returns the tags as ``[{"Key":..,"Value":..}]``."""
    result: list[dict[str, str]] = []
    seen: set[str] = set()
    problems: list[str] = []
    for index, (key, value) in enumerate(tags, start=1):
        member = f"tags.{index}.member"
        if not 1 <= len(key) <= quotas.TAG_KEY_MAX:
            problems.append(_constraint(key, f"{member}.key",
                                        f"Member must have length less than or equal to {quotas.TAG_KEY_MAX}"
                                        if key else "Member must have length greater than or equal to 1"))
        elif not all(_tag_char_ok(ch) for ch in key):
            problems.append(_constraint(key, f"{member}.key",
                                        f"Member must satisfy regular expression pattern: {TAG_KEY_PATTERN}"))
        if len(value) > quotas.TAG_VALUE_MAX:
            problems.append(_constraint(value, f"{member}.value",
                                        f"Member must have length less than or equal to {quotas.TAG_VALUE_MAX}"))
        elif not all(_tag_char_ok(ch) for ch in value):
            problems.append(_constraint(value, f"{member}.value",
                                        f"Member must satisfy regular expression pattern: {TAG_VALUE_PATTERN}"))
        if key.lower().startswith(RESERVED_TAG_PREFIX):
            raise InvalidInput(RESERVED_TAG_MESSAGE)
        if key.lower() in seen:
            raise InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
        result.append({"Key": key, "Value": value})
    _raise(problems)
    if len(result) > quotas.TAGS_PER_ENTITY:
        problems.append(_constraint("[...]", "tags",
                                    f"Member must have length less than or equal to {quotas.TAGS_PER_ENTITY}"))
        _raise(problems)
    return result
