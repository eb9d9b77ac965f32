"""IAM Access Analyzer's policy checks over its own API (restJson1, ``access-analyzer``
2019-11-01), for unmodified boto3 (``boto3.client("accessanalyzer", endpoint_url=…)``)
and the aws CLI:

- ``POST /policy/validation``: ValidatePolicy (:func:`policies.engine.validate`), its findings
  with AWS's ``findingType``, ``issueCode``, ``findingDetails``, ``learnMoreLink`` and
  ``locations`` (``path`` of ``value``/``index``/``key`` elements and a ``span`` of line,
  column and offset); paged by ``maxResults``/``nextToken`` in the query string.
- ``POST /policy/check-no-new-access``, ``/policy/check-access-not-granted``,
  ``/policy/check-no-public-access``: the custom policy checks
  (:mod:`policies.engine.custom_checks`): ``result``, ``message``, ``reasons``.

Authentication is the Query API's (:mod:`api.credentials`): a SigV4 signature scoped to the
service ``access-analyzer`` (any region of the ``aws`` partition), access keys or STS
session credentials, the same failure budget (a throttled key is ``ThrottlingException``).
Each operation authorises ``access-analyzer:<Operation>`` on ``*`` as the caller; a refusal
is ``AccessDeniedException`` with AWS's sentence, recorded in the audit trail (a successful
check changes nothing and is not recorded, as the other read calls). Errors are restJson1's:
the code in ``x-amzn-ErrorType`` and the body ``{"message": …}`` (``ValidationException`` with
``reason`` and ``fieldList``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from audit import services as audit
from iamportal import durable
from iamportal.errors import IAMError
from policies.authz import ActionDenied
from policies.engine import PolicyError, check_access_not_granted, check_no_new_access
from policies.engine import check_no_public_access, validate
from policies.engine.custom_checks import PUBLIC_ACCESS_RESOURCE_TYPES
from policies.engine.findings import Finding
from policies.engine.validation import RESOURCE_TYPES

from . import credentials, protocol, sigv4, testmode
from .errors import AccessDenied, MissingAuthenticationToken, SignatureDoesNotMatch
from .jsonproto import SerializationException, json_object
from .registry import Call
from .views import _body

SERVICE = "access-analyzer"
CONTENT_TYPE = "application/json"
#: The largest policy document read (AWS states none; a bound on the engine's work, some ten
#: times IAM's largest stored policy).
MAX_DOCUMENT = 65_536
#: The most findings one ValidatePolicy page holds when ``maxResults`` is absent.
DEFAULT_RESULTS = 100
POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY",
                "RESOURCE_CONTROL_POLICY")
ACCESS_CHECK_POLICY_TYPES = ("IDENTITY_POLICY", "RESOURCE_POLICY")
LOCALES = ("DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW")
LEARN_MORE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

#: The Query API's errors under the names Access Analyzer's protocol gives them.
CODES = {
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "IncompleteSignature": "IncompleteSignatureException",
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "ExpiredToken": "ExpiredTokenException",
    "Throttling": "ThrottlingException",
    "AccessDenied": "AccessDeniedException",
    "RequestEntityTooLarge": "RequestEntityTooLargeException",
    "MalformedQueryString": "SerializationException",
}
STATUSES = {"ThrottlingException": 429}


class ValidationException(IAMError):
    """Access Analyzer's ValidationException: ``reason`` and the fields concerned."""

    code, status = "ValidationException", 400

    def __init__(self, message: str, *, reason: str = "fieldValidationFailed",
                 fields: list[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.fields = list(fields)


def _invalid(name: str, value: Any, constraint: str) -> ValidationException:
    shown = "null" if value is None else f"'{value}'"
    text = f"Value {shown} at '{name}' failed to satisfy constraint: {constraint}"
    return ValidationException(f"1 validation error detected: {text}", fields=[(name, text)])


class Body:
    """The members of a request's JSON body, read as the model has them."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def string(self, name: str, *, required: bool = False, maximum: int | None = None,
               choices: tuple[str, ...] | None = None) -> str | None:
        value = self._data.get(name)
        if value is None:
            if required:
                raise _invalid(name, None, "Member must not be null")
            return None
        if not isinstance(value, str):
            raise SerializationException(f"Expected a string for {name}.")
        if maximum is not None and len(value) > maximum:
            raise _invalid(name, f"{value[:20]}…", f"Member must have length less than or "
                                                   f"equal to {maximum}")
        if choices is not None and value not in choices:
            raise _invalid(name, value[:128], "Member must satisfy enum value set: "
                                              f"[{', '.join(choices)}]")
        return value

    def strings(self, name: str, *, maximum: int) -> list[str]:
        value = self._data.get(name, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SerializationException(f"Expected a list of strings for {name}.")
        if len(value) > maximum:
            raise _invalid(name, None if not value else f"[{len(value)} items]",
                           f"Member must have length less than or equal to {maximum}")
        return value

    def structures(self, name: str, *, required: bool, maximum: int) -> list[Body]:
        value = self._data.get(name)
        if value is None:
            if required:
                raise _invalid(name, None, "Member must not be null")
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise SerializationException(f"Expected a list of structures for {name}.")
        if len(value) > maximum:
            raise _invalid(name, f"[{len(value)} items]",
                           f"Member must have length less than or equal to {maximum}")
        return [Body(item) for item in value]


class AuditedParams:
    """The request's members as the audit record shows them: policy documents hidden (the
    model marks them sensitive, as CloudTrail does)."""

    #: The members the operations' models have (others are not read, nor recorded).
    MODELLED = frozenset({"policyDocument", "newPolicyDocument", "existingPolicyDocument",
                          "policyType", "locale", "validatePolicyResourceType", "resourceType",
                          "access", "maxResults", "nextToken"})

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = {key[:1].upper() + key[1:]: HIDDEN if key.endswith("PolicyDocument")
                      or key == "policyDocument" else value for key, value in data.items()
                      if key in self.MODELLED}


# ---------------------------------------------------------------------------
# Operations


def _document(body: Body, name: str) -> str:
    return body.string(name, required=True, maximum=MAX_DOCUMENT)


def _checked(run: Callable[[], Any]) -> dict[str, Any]:
    """Run a custom check; a document IAM would reject or a bad argument is a
    ValidationException with the reason."""
    try:
        result = run()
    except PolicyError as error:
        raise ValidationException(f"Invalid policy document: {error}", reason="other") from None
    except ValueError as error:
        raise ValidationException(str(error)) from None
    return {"result": result.result, "message": result.message,
            "reasons": [{key: reason[key] for key in ("description", "statementIndex",
                                                       "statementId")
                         if reason.get(key) is not None} for reason in result.reasons]}


def check_no_new_access_operation(call: Call, body: Body) -> dict[str, Any]:
    new = _document(body, "newPolicyDocument")
    existing = _document(body, "existingPolicyDocument")
    policy_type = body.string("policyType", required=True, choices=ACCESS_CHECK_POLICY_TYPES)
    call.authorize("access-analyzer:CheckNoNewAccess", "*")
    kind = "identity" if policy_type == "IDENTITY_POLICY" else "resource"
    return _checked(lambda: check_no_new_access(new, existing, kind))


def check_access_not_granted_operation(call: Call, body: Body) -> dict[str, Any]:
    document = _document(body, "policyDocument")
    access = body.structures("access", required=True, maximum=1)
    policy_type = body.string("policyType", required=True, choices=ACCESS_CHECK_POLICY_TYPES)
    actions = [a for item in access for a in item.strings("actions", maximum=100)]
    resources = [r for item in access for r in item.strings("resources", maximum=100)]
    call.authorize("access-analyzer:CheckAccessNotGranted", "*")
    kind = "identity" if policy_type == "IDENTITY_POLICY" else None
    return _checked(lambda: check_access_not_granted(document, actions, resources, kind=kind))


def check_no_public_access_operation(call: Call, body: Body) -> dict[str, Any]:
    document = _document(body, "policyDocument")
    resource_type = body.string("resourceType", required=True,
                                choices=PUBLIC_ACCESS_RESOURCE_TYPES)
    call.authorize("access-analyzer:CheckNoPublicAccess", "*")
    return _checked(lambda: check_no_public_access(document, resource_type))


def validate_policy_operation(call: Call, body: Body) -> dict[str, Any]:
    document = _document(body, "policyDocument")
    policy_type = body.string("policyType", required=True, choices=POLICY_TYPES)
    body.string("locale", choices=LOCALES)
    resource_type = body.string("validatePolicyResourceType", choices=RESOURCE_TYPES)
    query = call.request.GET
    size = _max_results(query.get("maxResults"))
    offset = 0
    token = query.get("nextToken")
    if token is not None:
        offset = protocol.marker_offset(token)
        if offset is None:
            raise ValidationException("Invalid nextToken.", fields=[("nextToken", "Invalid")])
    call.authorize("access-analyzer:ValidatePolicy", "*")
    if policy_type == "RESOURCE_CONTROL_POLICY":
        raise ValidationException("Resource control policies are not supported here.",
                                  reason="notSupported")
    kind = {"IDENTITY_POLICY": "identity", "RESOURCE_POLICY": "resource",
            "SERVICE_CONTROL_POLICY": "scp"}[policy_type]
    findings = validate(document, kind=kind,
                        resource_type=resource_type if kind == "resource" else None, max_size=0)
    lines = _line_starts(document)
    chunk = findings[offset:offset + size]
    result: dict[str, Any] = {"findings": [_finding(f, document, lines) for f in chunk]}
    if offset + size < len(findings):
        result["nextToken"] = protocol.marker(offset + size)
    return result


def _max_results(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_RESULTS
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise _invalid("maxResults", raw[:32], "Member must be a positive integer")
    return int(raw)


# ---------------------------------------------------------------------------
# ValidatePolicy's findings as AWS shapes them


_LEVEL_SLUGS = {"ERROR": "error", "SECURITY_WARNING": "security-warning",
                "WARNING": "warning", "SUGGESTION": "suggestion"}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def learn_more_link(finding: Finding) -> str:
    """The check's entry in AWS's policy check reference (the page itself for IAM's errors)."""
    if not finding.title:
        return LEARN_MORE
    slug = _NOT_SLUG.sub("-", finding.title.lower()).strip("-")
    level = _LEVEL_SLUGS.get(finding.level, "error")
    return f"{LEARN_MORE}#access-analyzer-reference-policy-checks-{level}-{slug}"


def _finding(finding: Finding, text: str, lines: list[int]) -> dict[str, Any]:
    details = finding.message
    if finding.title:
        details = details.removeprefix(f"{finding.title}: ")
    return {"findingDetails": details, "findingType": finding.level,
            "issueCode": finding.code, "learnMoreLink": learn_more_link(finding),
            "locations": [_location(finding, text, lines)]}


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(index + 1 for index, char in enumerate(text) if char == "\n")
    return starts


def path_elements(path: str) -> list[dict[str, Any]]:
    """``$.Statement[0].Condition.StringEquals["aws:TagKeys"]`` as AWS's path:
    ``[{"value": "Statement"}, {"index": 0}, …, {"value": "aws:TagKeys"}]`` (one pass)."""
    elements: list[dict[str, Any]] = []
    index, end = 1 if path.startswith("$") else 0, len(path)
    while index < end:
        char = path[index]
        if char == ".":
            stop = index + 1
            while stop < end and path[stop] not in ".[":
                stop += 1
            elements.append({"value": path[index + 1:stop]})
            index = stop
        elif char == "[" and path[index + 1:index + 2] == '"':
            decoder = json.JSONDecoder()
            try:
                key, stop = decoder.raw_decode(path, index + 1)
            except ValueError:
                break
            elements.append({"value": key})
            index = stop + 1  # past the closing bracket
        elif char == "[":
            stop = path.find("]", index)
            if stop < 0 or not path[index + 1:stop].isdigit():
                break
            elements.append({"index": int(path[index + 1:stop])})
            index = stop + 1
        else:
            break
    return elements


def _location(finding: Finding, text: str, lines: list[int]) -> dict[str, Any]:
    where = finding.location
    line = min(max(where.line, 1), len(lines))
    start = min(lines[line - 1] + max(where.column, 1) - 1, len(text))
    path = path_elements(where.path)
    end = _token_end(text, start)
    after = end
    while after < len(text) and text[after] in " \t\r\n":
        after += 1
    if path and "value" in path[-1] and after < len(text) and text[after] == ":" \
            and text[start:start + 1] == '"':
        path[-1] = {"key": path[-1]["value"]}  # the finding points at the key itself
    return {"path": path, "span": {"start": _position(start, lines),
                                   "end": _position(end, lines)}}


def _position(offset: int, lines: list[int]) -> dict[str, int]:
    low, high = 0, len(lines) - 1
    while low < high:  # the last line starting at or before offset
        middle = (low + high + 1) // 2
        if lines[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return {"line": low + 1, "column": offset - lines[low] + 1, "offset": offset}


def _token_end(text: str, start: int) -> int:
    """Where the JSON value (or key) starting at ``start`` ends (one pass; ``start`` when
    nothing readable starts there)."""
    if start >= len(text):
        return start
    char = text[start]
    if char == '"':
        index = start + 1
        while index < len(text):
            if text[index] == "\\":
                index += 2
                continue
            if text[index] == '"':
                return index + 1
            index += 1
        return len(text)
    if char in "[{":
        depth, index, quoted = 0, start, False
        while index < len(text):
            current = text[index]
            if quoted:
                if current == "\\":
                    index += 1
                elif current == '"':
                    quoted = False
            elif current == '"':
                quoted = True
            elif current in "[{":
                depth += 1
            elif current in "]}":
                depth -= 1
                if depth == 0:
                    return index + 1
            index += 1
        return len(text)
    index = start
    while index < len(text) and text[index] not in ",]} \t\r\n":
        index += 1
    return index


# ---------------------------------------------------------------------------
# The endpoint


OPERATIONS: dict[str, tuple[str, Callable[[Call, Body], dict[str, Any]]]] = {
    "validation": ("ValidatePolicy", validate_policy_operation),
    "check-no-new-access": ("CheckNoNewAccess", check_no_new_access_operation),
    "check-access-not-granted": ("CheckAccessNotGranted", check_access_not_granted_operation),
    "check-no-public-access": ("CheckNoPublicAccess", check_no_public_access_operation),
}


def _answer(data: dict[str, Any], status: int, request_id: str,
            error_type: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = request_id
    if error_type is not None:
        response["x-amzn-ErrorType"] = error_type
    return response


def error_code(error: IAMError) -> str:
    return CODES.get(error.code, error.code)


def error_response(error: IAMError, request_id: str) -> HttpResponse:
    code = error_code(error)
    body: dict[str, Any] = {"message": error.message}
    if isinstance(error, ValidationException):
        body["reason"] = error.reason
        if error.fields:
            body["fieldList"] = [{"name": name, "message": text} for name, text in error.fields]
    status = STATUSES.get(code, 500 if error.status >= 500 else error.status)
    return _answer(body, status, request_id, code)


def _read(body: bytes) -> Body:
    return Body(json_object(body))


def serve(request: Any, slug: str) -> HttpResponse:
    """Serve one Access Analyzer request for the operation at ``/policy/<slug>``."""
    request_id = str(uuid.uuid4())
    name, operation = OPERATIONS[slug]
    call = None
    try:
        if request.method != "POST":
            raise SerializationException(f"{name} is a POST.")
        raw = _body(request)
        signed = sigv4.parse(request.method, request.path, request.META.get("QUERY_STRING", ""),
                             request.headers, raw)
        if signed is None:
            raise MissingAuthenticationToken()
        if signed.service != SERVICE:
            raise SignatureDoesNotMatch(f"Credential should be scoped to correct service: "
                                        f"'{SERVICE}'. ")
        testmode.ensure()
        request.iam = credentials.authenticate(signed, request)
        body = _read(raw)
        call = Call(request=request, params=AuditedParams(body._data), service=SERVICE,
                    action=name, region=signed.region)
        with durable.collecting(), transaction.atomic():
            result = operation(call, body)
        return _answer(result, 200, request_id)
    except ActionDenied as denied:
        error: IAMError = AccessDenied(denied.auth.message)
        if call is not None:
            audit.api_call(call, error_code=error_code(error), error_message=denied.auth.message,
                           resource=denied.auth.resource)
    except IAMError as failure:
        error = failure
    return error_response(error, request_id)


def view(slug: str) -> Callable[[Any], HttpResponse]:
    """The view of ``/policy/<slug>`` (no CSRF, no session: a signature authenticates)."""

    @csrf_exempt
    @login_not_required
    def respond(request: Any) -> HttpResponse:
        return serve(request, slug)

    respond.__name__ = f"access_analyzer_{slug.replace('-', '_')}"
    return respond


urlpatterns_data = [(f"policy/{slug}", view(slug), f"access_analyzer_{slug.replace('-', '_')}")
                    for slug in OPERATIONS]
