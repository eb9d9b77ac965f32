"""The one endpoint of the Query APIs: ``POST /`` (and ``GET /?Action=…``).

``GET /`` without ``Action`` is the console's (a redirect to Console Home). Everything else
is a Query request: form-encoded ``Action=…&Version=…``, dispatched to the handler of the
SigV4 credential scope's service (``iam`` or ``sts``), or, for an unsigned request, of the
service ``Version`` names. No CSRF (a signature, not a cookie, authenticates it), no
session. Each action runs in one transaction; any error is AWS's ``ErrorResponse``.

A request whose ``X-Amz-Target`` names AWS Organizations (``AWSOrganizationsV20161128.<Op>``)
is the JSON 1.1 protocol (:mod:`api.jsonproto`): its operation comes from that header, its
parameters from the JSON body, and it is answered in JSON; everything between — signature,
authentication and its throttling, the registry's handler (service ``organizations``), the
transaction, the audit record — is the same code path.
"""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.csrf import csrf_exempt

from audit import services as audit
from iamportal import durable
from iamportal.errors import IAMError
from policies.authz import ActionDenied

from . import credentials, jsonproto, protocol, sigv4, testmode
from .errors import (
    AccessDenied,
    InvalidAction,
    MissingAction,
    MissingAuthenticationToken,
    RequestEntityTooLarge,
    SignatureDoesNotMatch,
)
from .registry import ACTIONS, Call

logger = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
#: The largest request body read (a SAML metadata document is the largest IAM input).
MAX_BODY = 10 * 1024 * 1024 + 64 * 1024
_ACTION_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _response(body: str, status: int, request_id: str) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def _error(service: str, error: IAMError, request_id: str) -> HttpResponse:
    return _response(protocol.render_error(service, error.code, error.message, request_id, status=error.status),
                     error.status, request_id)


def _body(request) -> bytes:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        raise RequestEntityTooLarge("Request body is too large.")
    try:
        return request.body
    except RequestDataTooBig:
        raise RequestEntityTooLarge("Request body is too large.") from None


def _params(request, body: bytes) -> protocol.Params:
    """The form body (POST) or the query string (GET) — never both, so nothing unsigned
    can ride along a signed body."""
    try:
        if request.method == "POST":
            content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if content_type != FORM:
                return protocol.Params(QueryDict(""))
            return protocol.Params(QueryDict(body, encoding="utf-8"))
        return protocol.Params(request.GET)
    except (TooManyFieldsSent, UnicodeDecodeError, ValueError):
        raise RequestEntityTooLarge("Too many parameters.") from None


def _service(signed: sigv4.SignedRequest | None, params: protocol.Params) -> str:
    if signed is not None:
        if signed.service not in protocol.NAMESPACES:
            raise SignatureDoesNotMatch(f"Credential should be scoped to correct service: "
                                        f"'{protocol.VERSIONS.get(params.get('Version') or '', 'iam')}'. ")
        return signed.service
    return protocol.VERSIONS.get(params.get("Version") or "", "iam")


def _query_action(request, body: bytes, signed: sigv4.SignedRequest | None) -> tuple[str, str, protocol.Params]:
    """A Query request's service, action name and parameters."""
    params = _params(request, body)
    service = _service(signed, params)
    name = params.get("Action")
    if not name:
        raise MissingAction("Missing Action")
    return service, name, params


def query_api(request) -> HttpResponse:
    """Serve one Query request, or one JSON request (``X-Amz-Target``: AWS Organizations,
    :mod:`api.jsonproto`), the same way (see module doc)."""
    request_id = str(uuid.uuid4())
    target = jsonproto.operation(request)
    service = "iam" if target is None else target[0]
    call = None
    try:
        body = _body(request)
        signed = sigv4.parse(request.method, request.path, request.META.get("QUERY_STRING", ""),
                             request.headers, body)
        if target is None:
            service, name, params = _query_action(request, body, signed)
        else:
            name = target[1]
            params = jsonproto.read(request, body, service, name, signed.service if signed else None)
        found = ACTIONS.get((service, name)) if len(name) <= 128 and set(name) <= _ACTION_CHARS else None
        if found is None:
            if target is not None:
                raise jsonproto.UnknownOperation()
            version = params.get("Version") or ""
            raise InvalidAction(f"Could not find operation {name[:128]} for version {version[:32]}")
        if signed is None:
            if not found.unsigned:
                raise MissingAuthenticationToken()
            request.iam = None
        else:
            testmode.ensure()
            request.iam = credentials.authenticate(signed, request)
        call = Call(request=request, params=params, service=service, action=name,
                    region=signed.region if signed else "us-east-1")
        # Failures counted inside (MFA codes, old passwords) are counted again after a rollback.
        with durable.collecting(), transaction.atomic():
            result = found.handler(call)
            if audit.audited(name):  # the change and its record commit together
                audit.api_call(call, result)
        if target is not None:
            return jsonproto.response(result, request_id)
        return _response(protocol.render(service, name, result, request_id), 200, request_id)
    except ActionDenied as denied:
        error = AccessDenied(denied.auth.message)
        if call is not None:  # recorded after the rollback, as every failure
            audit.api_call(call, error_code=jsonproto.code(error) if target else error.code,
                           error_message=denied.auth.message,
                           resource=denied.auth.resource)
    except IAMError as failure:
        error = failure
        if call is not None and audit.audited(name):
            audit.api_call(call, error_code=jsonproto.code(error) if target else error.code,
                           error_message=error.message)
    if target is not None:
        return jsonproto.error_response(error, request_id)
    return _error(service, error, request_id)


@csrf_exempt
@login_not_required
def root(request) -> HttpResponse:
    """``/``: the Query API, or (a plain ``GET /``) the console's front door."""
    if request.method == "GET" and "Action" not in request.GET and "X-Amz-Algorithm" not in request.GET:
        return redirect("iamportal:console_home")
    if request.method not in ("GET", "POST"):
        return _error("iam", InvalidAction(f"Unsupported method {request.method[:16]}"), str(uuid.uuid4()))
    return query_api(request)


@csrf_exempt
@login_not_required
def test_reset(request) -> HttpResponse:
    """``POST /_test/reset`` in test mode: account 123456789012 back to its first state."""
    if not testmode.enabled() or request.method != "POST":
        return HttpResponse(status=404)
    testmode.reset()
    return HttpResponse("OK", content_type="text/plain")
