"""The AWS JSON 1.1 protocol, as AWS Organizations speaks it, on the Query API's endpoint.

A request is ``POST /`` with ``X-Amz-Target: AWSOrganizationsV20161128.<Operation>`` and a JSON
object as its body (``Content-Type: application/x-amz-json-1.1``), signed for the service
``organizations``. :func:`operation` tells the dispatcher (``api.views``) such a request from a
Query request; :func:`read` gives its :class:`JsonParams` (and :func:`window` a list's page);
:func:`response` and :func:`error_response` answer JSON: the result's members, or
``{"__type": "<Code>", "Message": "…"}`` (and ``Reason`` when the error has one) with HTTP 400
(500 for a fault).

Everything else — authentication, throttling, the handler registry, one transaction per
operation, the audit record — is the dispatcher's, exactly as for IAM and STS. Parameter
errors are Organizations' ``InvalidInputException`` with AWS's reason codes; the protocol and
authentication errors of :mod:`api.errors` keep their words under the JSON protocol's codes
(``UnrecognizedClientException``, ``InvalidSignatureException``, …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from django.http import HttpResponse

from iamportal.errors import IAMError
from organizations.errors import InvalidInputException

from . import protocol
from .errors import SignatureDoesNotMatch

CONTENT_TYPE = "application/x-amz-json-1.1"
#: ``X-Amz-Target`` prefixes → the service (the SigV4 scope) they belong to.
TARGETS = {"AWSOrganizationsV20161128": "organizations"}
#: The longest operation name read from ``X-Amz-Target``.
MAX_OPERATION = 128
_OPERATION_RE = re.compile(r"[A-Za-z0-9]{1,128}")

#: Organizations' ``MaxResults``: 1–20 (the model's range), 20 when absent.
MAX_RESULTS = 20

#: The protocol and authentication errors (``api.errors``) as a JSON service names them.
JSON_CODES = {
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "IncompleteSignature": "IncompleteSignatureException",
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "ExpiredToken": "ExpiredTokenException",
    "Throttling": "TooManyRequestsException",
    "AccessDenied": "AccessDeniedException",
    "InvalidAction": "UnknownOperationException",
    "MissingAction": "UnknownOperationException",
    "RequestEntityTooLarge": "RequestEntityTooLargeException",
    "MalformedQueryString": "SerializationException",
    "ValidationError": "InvalidInputException",
}

# InvalidInputException's reasons, with AWS's words.
INPUT_REQUIRED = ("INPUT_REQUIRED", "You must specify a value for all required parameters.")
INVALID_PATTERN = ("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
INVALID_ENUM = ("INVALID_ENUM", "You specified an invalid value.")
MAX_LENGTH_EXCEEDED = ("MAX_LENGTH_EXCEEDED", "You provided a string parameter that is longer than allowed.")
MIN_LENGTH_EXCEEDED = ("MIN_LENGTH_EXCEEDED", "You provided a string parameter that is shorter than allowed.")
MAX_VALUE_EXCEEDED = ("MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed.")
MIN_VALUE_EXCEEDED = ("MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed.")
INVALID_NEXT_TOKEN = ("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken. You must get the "
                      "value from the response to a previous call to the API.")


def invalid(reason: tuple[str, str]) -> InvalidInputException:
    code, message = reason
    return InvalidInputException(message, reason=code)


class UnknownOperation(IAMError):
    code, status = "UnknownOperationException", 400

    def __init__(self, message: str = "The operation named by X-Amz-Target is not supported.") -> None:
        super().__init__(message)


class SerializationException(IAMError):
    code, status = "SerializationException", 400


def operation(request: Any) -> tuple[str, str] | None:
    """``(service, operation)`` that ``X-Amz-Target`` names, or None when the request has no
    target of a JSON service (a Query request). The operation is ``""`` when unreadable."""
    prefix, dot, name = request.headers.get("X-Amz-Target", "").partition(".")
    service = TARGETS.get(prefix)
    if service is None:
        return None
    return service, name if dot and _OPERATION_RE.fullmatch(name) else ""


def json_object(body: bytes) -> dict[str, Any]:
    """The JSON object a request body holds (``{}`` for an empty body), or SerializationException."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SerializationException("Malformed request body: not a JSON document.") from None
    if not isinstance(data, dict):
        raise SerializationException("Malformed request body: expected a JSON object.")
    return data


def read(request: Any, body: bytes, service: str, name: str, signed_service: str | None) -> JsonParams:
    """The parameters of a JSON request whose target is ``service``'s ``name``, once the
    request is known to be a POST signed for ``service``."""
    if signed_service is not None and signed_service != service:
        raise SignatureDoesNotMatch(f"Credential should be scoped to correct service: '{service}'. ")
    if request.method != "POST" or not name:
        raise UnknownOperation()
    data = json_object(body)
    if not _storable(data):
        raise invalid(INVALID_PATTERN)
    return JsonParams(data)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(data: Any) -> bool:
    """Whether every string of ``data`` (keys too) can be stored: no NUL (PostgreSQL stores
    none) and no lone surrogate (JSON's ``\\ud800`` escapes one; no database stores it).
    Walked without recursion: the body's size bounds the work."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            return False
    return True


class JsonParams:
    """The members of one JSON request body, read and validated as the model has them."""

    def __init__(self, data: dict[str, Any]) -> None:
        #: The body as sent (the audit record's ``requestParameters``).
        self._data = data

    def __contains__(self, name: str) -> bool:
        return self._data.get(name) is not None

    def get(self, name: str, default: Any = None) -> Any:
        value = self._data.get(name)
        return default if value is None else value

    def require(self, *names: str) -> None:
        if any(name not in self for name in names):
            raise invalid(INPUT_REQUIRED)

    def str(self, name: str, *, required: bool = False, minimum: int = 0, maximum: int | None = None,
            pattern: re.Pattern[str] | None = None, reason: tuple[str, str] = INVALID_PATTERN) -> str | None:
        """A string member within its length and (``fullmatch``) pattern (``reason`` when not)."""
        if required:
            self.require(name)
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise SerializationException(f"Expected a string for {name}.")
        if len(value) < minimum:
            raise invalid(MIN_LENGTH_EXCEEDED)
        if maximum is not None and len(value) > maximum:
            raise invalid(MAX_LENGTH_EXCEEDED)
        if pattern is not None and not pattern.fullmatch(value):
            raise invalid(reason)
        return value

    def enum(self, name: str, values: Iterable[str], *, required: bool = False,
             reason: tuple[str, str] = INVALID_ENUM) -> str | None:
        value = self.str(name, required=required)
        if value is not None and value not in values:
            raise invalid(reason)
        return value

    def int(self, name: str, *, minimum: int, maximum: int) -> int | None:
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise SerializationException(f"Expected an integer for {name}.")
        if value < minimum:
            raise invalid(MIN_VALUE_EXCEEDED)
        if value > maximum:
            raise invalid(MAX_VALUE_EXCEEDED)
        return value

    def struct(self, name: str, *, required: bool = False) -> JsonParams | None:
        """A structure member, read with the same methods."""
        if required:
            self.require(name)
        value = self.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise SerializationException(f"Expected a structure for {name}.")
        return JsonParams(value)

    def strings(self, name: str) -> list[str]:
        value = self.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SerializationException(f"Expected a list of strings for {name}.")
        return value


# ---------------------------------------------------------------------------
# Pages


class Window(NamedTuple):
    """Where a page starts and how long it is, read from ``NextToken`` and ``MaxResults``."""

    offset: int
    size: int

    def page(self, rows: Any) -> tuple[list[Any], dict[str, Any]]:
        """This page of ``rows`` (a queryset, sliced in the database, or a list) and the
        ``NextToken`` member to add (only when more follow)."""
        chunk = list(rows[self.offset:self.offset + self.size + 1])
        more = {"NextToken": protocol.marker(self.offset + self.size)} if len(chunk) > self.size else {}
        return chunk[:self.size], more


def window(params: JsonParams) -> Window:
    """The page a list operation asks for, validated (as every member, before anything else):
    after ``NextToken``, ``MaxResults`` long (20 when absent)."""
    size = params.int("MaxResults", minimum=1, maximum=MAX_RESULTS) or MAX_RESULTS
    token = params.str("NextToken", maximum=100000)
    offset = 0
    if token is not None:
        offset = protocol.marker_offset(token)
        if offset is None:
            raise invalid(INVALID_NEXT_TOKEN)
    return Window(offset, size)


# ---------------------------------------------------------------------------
# Answers


def _plain(value: Any) -> Any:
    """``value`` as JSON data: timestamps as epoch seconds, None members left out."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _answer(data: dict[str, Any], status: int, request_id: str) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = request_id
    return response


def response(result: dict[str, Any] | None, request_id: str) -> HttpResponse:
    return _answer(_plain(result or {}), 200, request_id)


def code(error: IAMError) -> str:
    """``error``'s code as the JSON protocol names it."""
    return JSON_CODES.get(error.code, error.code)


def error_response(error: IAMError, request_id: str) -> HttpResponse:
    """``{"__type", "Message"[, "Reason"]}``: HTTP 400, or 500 for a fault."""
    body = {"__type": code(error), "Message": error.message}
    reason = getattr(error, "reason", "")
    if reason:
        body["Reason"] = reason
    return _answer(body, 500 if error.status >= 500 else 400, request_id)
