"""The Query protocol's wire format: request parameters in, XML out (iam-facts §10.2–10.7).

- :class:`Params` reads form-encoded parameters the way botocore serialises them: scalars,
  lists (``Name.member.N``), lists of structures (``Name.member.N.Field``) and tags, with
  IAM's ``ValidationError`` words for a missing or malformed value.
- :func:`render` turns a handler's result (plain dicts, lists, strings, numbers, booleans,
  datetimes; :class:`XmlMap` for maps) into ``<{Action}Response>`` in the service's
  namespace; :func:`render_error` gives ``<ErrorResponse>``.
- :func:`page` pages a queryset or list with ``MaxItems`` and an opaque, signed ``Marker``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.core import signing

from iamportal.errors import ValidationError

NAMESPACES = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
VERSIONS = {"2010-05-08": "iam", "2011-06-15": "sts"}

#: ``MaxItems`` as IAM's model has it.
MAX_ITEMS_DEFAULT, MAX_ITEMS_LIMIT = 100, 1000
#: The most members one list parameter may carry (a bound on work, above every AWS quota).
MAX_MEMBERS = 1000
_MARKER_SALT = "iamportal.api.marker"


def member_name(name: str) -> str:
    """How IAM names a parameter in validation messages: ``UserName`` → ``userName``."""
    return name[:1].lower() + name[1:]


def constraint(value: Any, name: str, text: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{member_name(name)}' failed to satisfy constraint: {text}"


def validation_error(problems: Sequence[str]) -> ValidationError:
    count = len(problems)
    return ValidationError(f"{count} validation error{'s' if count != 1 else ''} detected: "
                           + "; ".join(problems))


class Params:
    """The parameters of one Query request (a Django ``QueryDict``)."""

    def __init__(self, data: Any) -> None:
        self._data = data

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._data.get(name)
        return default if value is None else value

    def require(self, *names: str) -> None:
        """IAM's "Member must not be null" for each of ``names`` that is absent."""
        missing = [constraint(None, name, "Member must not be null") for name in names if name not in self._data]
        if missing:
            raise validation_error(missing)

    def str(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        if required:
            self.require(name)
        return self.get(name, default)

    def int(self, name: str, *, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
        raw = self.get(name)
        if raw is None:
            return default
        if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 12:
            raise _bad_value(name, raw)
        value = int(raw)
        if minimum is not None and value < minimum:
            raise validation_error([constraint(value, name, f"Member must have value greater than or equal to {minimum}")])
        if maximum is not None and value > maximum:
            raise validation_error([constraint(value, name, f"Member must have value less than or equal to {maximum}")])
        return value

    def bool(self, name: str, *, default: bool | None = None) -> bool | None:
        raw = self.get(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise _bad_value(name, raw)
        return raw.lower() == "true"

    def list(self, name: str) -> list[str]:
        """``Name.member.1``, ``Name.member.2``, … in order (a gap ends the list)."""
        values = []
        for index in range(1, MAX_MEMBERS + 1):
            value = self._data.get(f"{name}.member.{index}")
            if value is None:
                break
            values.append(value)
        return values

    def structs(self, name: str, fields: Iterable[str]) -> list[dict[str, str]]:
        """``Name.member.N.Field`` for each of ``fields``, as dicts (absent fields left out)."""
        fields = tuple(fields)
        items = []
        for index in range(1, MAX_MEMBERS + 1):
            prefix = f"{name}.member.{index}."
            item = {field: self._data[prefix + field] for field in fields if prefix + field in self._data}
            if not item:
                break
            items.append(item)
        return items

    def tags(self, name: str = "Tags") -> list[tuple[str, str]]:
        """``Tags.member.N.Key`` / ``.Value`` as ``(key, value)`` pairs (a missing value is "")."""
        return [(item.get("Key", ""), item.get("Value", "")) for item in self.structs(name, ("Key", "Value"))]


def _bad_value(name: str, raw: str) -> ValidationError:
    return validation_error([constraint(raw, name, "Member must be a valid value of its type")])


# ---------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class XmlMap:
    """A map member (GetAccountSummary's ``SummaryMap``): ``<entry><key/><value/></entry>``."""

    items: Sequence[tuple[str, Any]]


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def policy_document(text: str) -> str:
    """A policy document as IAM returns it: URL-encoded JSON (botocore decodes it)."""
    return quote(text, safe="")


#: Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; U+FFFE, U+FFFF):
#: a value that holds one (a NUL in a name an error repeats) would make the answer unreadable.
_NOT_XML = {code: "\ufffd" for code in [*range(0x20), 0xFFFE, 0xFFFF] if code not in (0x09, 0x0A, 0x0D)}


def text(value: Any) -> str:
    """``value`` as XML character data: escaped, with characters XML cannot carry replaced."""
    return escape(str(value).translate(_NOT_XML))


def _xml(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        out.append(f"<{name}>{'true' if value else 'false'}</{name}>")
    elif isinstance(value, datetime):
        out.append(f"<{name}>{timestamp(value)}</{name}>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _xml(key, item, out)
        out.append(f"</{name}>")
    elif isinstance(value, XmlMap):
        out.append(f"<{name}>")
        for key, item in value.items:
            out.append("<entry>")
            _xml("key", key, out)
            _xml("value", item, out)
            out.append("</entry>")
        out.append(f"</{name}>")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append(f"<{name}/>")
            return
        out.append(f"<{name}>")
        for item in value:
            _xml("member", item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{text(value)}</{name}>")


def render(service: str, action: str, result: dict[str, Any] | None, request_id: str) -> str:
    """``<{Action}Response>`` with ``<{Action}Result>`` (left out when ``result`` is None)."""
    out = [f'<{action}Response xmlns="{NAMESPACES[service]}">']
    if result is not None:
        _xml(f"{action}Result", result, out)
    out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>")
    return "".join(out)


def render_error(service: str, code: str, message: str, request_id: str, *, status: int) -> str:
    kind = "Receiver" if status >= 500 else "Sender"
    return (f'<ErrorResponse xmlns="{NAMESPACES.get(service, NAMESPACES["iam"])}"><Error><Type>{kind}</Type>'
            f"<Code>{text(code)}</Code><Message>{text(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>")


# ---------------------------------------------------------------------------
# Pagination


def marker(offset: int) -> str:
    """The opaque, signed token of the page that starts at ``offset`` (IAM's ``Marker``, the
    JSON protocol's ``NextToken``)."""
    return signing.dumps(offset, salt=_MARKER_SALT)


def marker_offset(token: str) -> int | None:
    """The offset a token of :func:`marker` names, or None for anything else."""
    try:
        offset = signing.loads(token, salt=_MARKER_SALT)
    except signing.BadSignature:
        return None
    return offset if isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0 else None


def page(params: Params, rows: Any) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``rows`` (a queryset, sliced in the database, or a list) and the
    ``IsTruncated``/``Marker`` members to add to the result."""
    max_items = params.int("MaxItems", default=MAX_ITEMS_DEFAULT, minimum=1, maximum=MAX_ITEMS_LIMIT)
    offset = 0
    token = params.get("Marker")
    if token is not None:
        offset = marker_offset(token)
        if offset is None:
            raise ValidationError("Invalid Marker.")
    chunk = list(rows[offset:offset + max_items + 1])
    truncated = len(chunk) > max_items
    paging: dict[str, Any] = {"IsTruncated": truncated}
    if truncated:
        paging["Marker"] = marker(offset + max_items)
    return chunk[:max_items], paging
