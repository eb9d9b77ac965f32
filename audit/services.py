"""Writing the audit trail: one CloudTrail record per audited call, one INSERT each.

Where records are written (docs/audit.md): the Query API's dispatcher (``api.views``), the
console's authorisation mixins (``policies.authz``: :func:`console_response` after a POST,
:func:`denied` on every AccessDenied page), sign-in (:func:`console_login`) and Switch Role
(:func:`switch_role`). :func:`record` builds the record from the request's identity
(``request.iam``), its address and user agent; :func:`redact` hides every secret.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max
from django.utils import timezone

from accounts.addresses import client_address

from .models import Event

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
IAM = "iam.amazonaws.com"
STS = "sts.amazonaws.com"
SIGNIN = "signin.amazonaws.com"
#: The largest requestParameters / responseElements kept, as JSON text.
MAX_JSON = 16 * 1024
MAX_USER_AGENT = 512
MAX_ERROR_MESSAGE = 1024

#: A parameter (or form field) whose name ends with one of these (letters and digits only,
#: lower case) is a secret: Password, OldPassword, NewPassword, console_password,
#: SecretAccessKey, SessionToken, TokenCode, Base32StringSeed, QRCodePNG,
#: AuthenticationCode1/2, the console's MFA ``code``/``code1``/``code2``, PrivateKey,
#: SAMLAssertion, WebIdentityToken, the CSRF token.
SECRET_SUFFIXES = ("password", "passwordconfirm", "secret", "secretaccesskey", "token", "tokencode",
                   "seed", "qrcodepng", "code", "code1", "code2", "privatekey", "samlassertion")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")

#: Calls CloudTrail marks read-only: Get*, List*, Describe*, Simulate*, Generate*, …
READ_PREFIXES = ("Get", "List", "Describe", "Simulate", "Generate", "Lookup", "Validate", "Decode")
#: STS calls that issue credentials: read-only to CloudTrail, yet always recorded.
STS_CREDENTIALS = frozenset({"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
                             "GetSessionToken", "GetFederationToken", "AssumeRoot"})
#: The parameters of a console POST that are the form's machinery, not the call's.
FORM_MACHINERY = ("csrfmiddlewaretoken", "picker")

IDENTITY_TYPES = {"Account": "Root", "User": "IAMUser", "AssumedRole": "AssumedRole",
                  "FederatedUser": "FederatedUser"}


# ---------------------------------------------------------------------------
# What is recorded


def is_read_only(name: str) -> bool:
    """CloudTrail's ``readOnly`` for the call ``name`` (without the service prefix)."""
    return name.startswith(READ_PREFIXES) or name in STS_CREDENTIALS


def audited(name: str) -> bool:
    """Whether a successful call ``name`` is recorded: every state-changing call, and the
    STS calls that issue credentials (a refusal is always recorded)."""
    return not is_read_only(name) or name in STS_CREDENTIALS


def split_action(action: str) -> tuple[str, str]:
    """``iam:CreateUser`` → (``iam.amazonaws.com``, ``CreateUser``)."""
    service, _, name = action.partition(":")
    return f"{service.lower()}.amazonaws.com", name


# ---------------------------------------------------------------------------
# Secrets and sizes


def is_secret(name: str) -> bool:
    """Whether the parameter or field ``name`` holds a secret (see :data:`SECRET_SUFFIXES`)."""
    return _NOT_ALNUM.sub("", str(name).lower()).endswith(SECRET_SUFFIXES)


#: JSON nested deeper than this is cut in the trail (``TOO_DEEP``): a hostile request body may
#: nest to the parser's limit, and the walks below recurse.
MAX_DEPTH = 32
TOO_DEEP = "…"


def redact(value: Any, _depth: int = 0) -> Any:
    """``value`` (JSON data) with the value of every secret member, at any depth, replaced by
    ``HIDDEN_DUE_TO_SECURITY_REASONS``, as CloudTrail does. The one redaction of the trail.
    Below :data:`MAX_DEPTH` levels the value is cut."""
    if _depth > MAX_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {key: HIDDEN if is_secret(key) else redact(item, _depth + 1)
                for key, item in value.items()}
    if isinstance(value, list):
        return [redact(item, _depth + 1) for item in value]
    return value


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def storable(value: Any, _depth: int = 0) -> Any:
    """``value`` (text or JSON data) with every NUL character and lone surrogate (JSON's
    ``\\ud800`` escapes one) replaced by U+FFFD: no database stores a lone surrogate,
    PostgreSQL no NUL, in a text column or in JSON, and a hostile parameter may carry one.
    Below :data:`MAX_DEPTH` levels the value is cut."""
    if _depth > MAX_DEPTH:
        return TOO_DEEP
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(key, _depth + 1): storable(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item, _depth + 1) for item in value]
    return value


def json_member(value: Any) -> Any:
    """``value`` redacted and made plain, storable JSON, or a note when it is larger than
    :data:`MAX_JSON`."""
    if value is None:
        return None
    text = json.dumps(redact(value), cls=_Encoder)
    if len(text) > MAX_JSON:
        return {"omitted": f"larger than {MAX_JSON} characters"}
    return storable(json.loads(text))


def lower_first(name: str) -> str:
    """CloudTrail's member names: ``UserName`` → ``userName``."""
    return name[:1].lower() + name[1:]


# ---------------------------------------------------------------------------
# Who called


def _iso(value: Any) -> str:
    return str(value).replace("+00:00", "Z")


def user_identity(identity: Any) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` of ``identity`` (``request.iam``), without a query."""
    account_id = identity.account.account_id
    kind = IDENTITY_TYPES.get(identity.principal_type, identity.principal_type)
    context = identity.context
    found: dict[str, Any] = {"type": kind, "principalId": context.get("aws:userid", ""),
                             "arn": identity.arn, "accountId": account_id}
    credential = getattr(identity, "credential", None)
    if credential is not None:
        found["accessKeyId"] = credential.access_key_id
    session = identity.role_session
    if session is None and kind != "Root":
        found["userName"] = identity.user.user_name
    if "aws:TokenIssueTime" in context:
        attributes = {"creationDate": _iso(context["aws:TokenIssueTime"]),
                      "mfaAuthenticated": context.get("aws:MultiFactorAuthPresent", "false")}
        session_context: dict[str, Any] = {"attributes": attributes}
        if session is not None:
            role = session.role
            session_context["sessionIssuer"] = {"type": "Role", "principalId": role.unique_id, "arn": role.arn,
                                                "accountId": account_id, "userName": role.name}
            if session.source_identity:
                session_context["sourceIdentity"] = session.source_identity
        found["sessionContext"] = session_context
    return found


def filter_user_name(identity: Any) -> str:
    """The event history's "User name" of ``identity``: the IAM user, the role session's
    name, or ``root``."""
    if identity.is_root:
        return "root"
    if identity.role_session is not None:
        return identity.role_session.session_name
    return identity.user.user_name


def resource_name(arn: str) -> str:
    """The last name of an ARN's resource (``…:user/dev/carol`` → ``carol``); ``""`` for ``*``
    and account-wide ARNs (``…:user/``)."""
    if not arn or arn == "*":
        return ""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1] if "/" in resource else resource


# ---------------------------------------------------------------------------
# The one INSERT


def record(request: Any, *, event_name: str, event_source: str = IAM, identity: Any = None,
           account: Any = None, identity_json: dict[str, Any] | None = None, user_name: str = "",
           event_type: str = "AwsApiCall", region: str = "us-east-1", resource: str = "",
           request_parameters: Any = None, response_elements: Any = None,
           additional_event_data: Any = None, error_code: str = "", error_message: str = "",
           read_only: bool | None = None) -> Event:
    """Write one record, with one INSERT and no other query.

    ``identity`` defaults to ``request.iam``; a call without one (a failed sign-in) gives
    ``account``, ``identity_json`` and ``user_name`` instead. Parameters and response are
    redacted (:func:`redact`) and bounded (:data:`MAX_JSON`).
    """
    if identity is None and identity_json is None:
        identity = request.iam
    error_message, resource = storable(error_message), storable(resource)
    if identity is not None:
        account = identity.account
        identity_json = user_identity(identity)
        user_name = filter_user_name(identity)
    event = Event(
        account=account,
        event_time=timezone.now(),
        event_source=event_source,
        event_name=event_name,
        event_type=event_type,
        aws_region=region,
        source_ip=client_address(request),
        user_agent=storable(request.META.get("HTTP_USER_AGENT", ""))[:MAX_USER_AGENT],
        user_identity=identity_json,
        user_name=storable(user_name)[:128],
        request_parameters=json_member(request_parameters),
        response_elements=json_member(response_elements),
        additional_event_data=json_member(additional_event_data),
        error_code=error_code[:128],
        error_message=error_message[:MAX_ERROR_MESSAGE],
        read_only=is_read_only(event_name) if read_only is None else read_only,
        recipient_account_id=account.account_id,
        resource_name=resource_name(resource)[:512],
        resource_arn="" if resource == "*" else resource[:2048],
    )
    event.save(force_insert=True)
    return event


# ---------------------------------------------------------------------------
# The hooks: API, console, denials, sign-in


def note_call(request: Any, action: str, resource: str) -> None:
    """Called by ``policies.authz.authorize`` for every allowed state-changing action: the
    first one is what a console POST did (and where)."""
    calls = getattr(request, "audit_calls", None)
    if calls is None:
        calls = []
        try:
            request.audit_calls = calls
        except AttributeError:  # pragma: no cover - a request that takes no attributes
            return
    calls.append((action, resource))


def first_call(request: Any) -> tuple[str, str] | None:
    calls = getattr(request, "audit_calls", None)
    return calls[0] if calls else None


def api_parameters(params: Any) -> dict[str, Any]:
    """A Query request's parameters as CloudTrail's ``requestParameters`` (before redaction)."""
    data = params._data
    return {lower_first(key): value for key, value in data.items() if key not in ("Action", "Version")}


def api_call(call: Any, result: Any = None, *, error_code: str = "", error_message: str = "",
             resource: str | None = None) -> Event:
    """The record of one Query API call (``api.views``): the result, or the error (on
    ``resource``, the refused one, for an AccessDenied)."""
    if resource is None:
        noted = first_call(call.request)
        resource = noted[1] if noted else ""
    return record(call.request, event_name=call.action, event_source=f"{call.service}.amazonaws.com",
                  region=call.region, resource=resource,
                  request_parameters=api_parameters(call.params),
                  response_elements=None if error_code else result,
                  error_code=error_code, error_message=error_message)


def console_parameters(request: Any) -> dict[str, Any]:
    """A console POST's URL names and form fields (secrets hidden by :func:`record`)."""
    resolved = getattr(request, "resolver_match", None)
    parameters: dict[str, Any] = dict(resolved.kwargs) if resolved is not None else {}
    for key in request.POST:
        if key not in FORM_MACHINERY and not key.endswith("-current_step"):
            values = request.POST.getlist(key)
            parameters[key] = values[0] if len(values) == 1 else values
    return parameters


def failed(request: Any, exc: Any) -> None:
    """Mark a console POST whose change failed with IAM error ``exc`` (shown on the page):
    it is recorded as a failure, with the error's code and message."""
    request.audit_error = exc


def changed(request: Any) -> None:
    """Mark a console POST that changed something and answers with a page rather than a
    redirect (a one-time password shown once): it is recorded as a redirect would be."""
    request.audit_changed = True


def console_response(request: Any, response: Any) -> Any:
    """After a console view answered: a POST that performed a state-changing action (it
    was authorised, and the view redirected, as the console does after every change, or
    marked itself :func:`changed`) is
    recorded once, named after the first such action; a POST whose change failed with an
    IAM error (``request.audit_error``, set by the form that showed it) is recorded as a
    failure. Everything else (GETs, form errors, wizard steps, picker pages) is not."""
    if request.method != "POST" or getattr(request, "iam", None) is None:
        return response
    noted = first_call(request)
    if noted is None:
        return response
    error = getattr(request, "audit_error", None)
    if not (300 <= response.status_code < 400 or error is not None or getattr(request, "audit_changed", False)):
        return response
    action, resource = noted
    source, name = split_action(action)
    record(request, event_name=name, event_source=source, resource=resource,
           request_parameters=console_parameters(request),
           error_code=error.code if error is not None else "",
           error_message=error.message if error is not None else "")
    return response


def denied(request: Any, auth: Any, *, region: str = "us-east-1") -> Event | None:
    """The record of an AccessDenied (console page or API answer): read calls too."""
    if getattr(request, "iam", None) is None:
        return None
    source, name = split_action(auth.action)
    return record(request, event_name=name, event_source=source, region=region,
                  resource=auth.resource, error_code="AccessDenied", error_message=auth.message)


def console_login(request: Any, user: Any, *, success: bool, mfa_used: bool) -> Event:
    """``ConsoleLogin``: Success once the session starts, Failure for a wrong password or
    MFA code (``user`` is who was named; the account of a failed IAM user sign-in)."""
    account = user.account
    if user.is_root:
        identity = {"type": "Root", "principalId": account.account_id, "arn": account.root_arn,
                    "accountId": account.account_id}
        user_name = "root"
    else:
        identity = {"type": "IAMUser", "principalId": user.unique_id, "arn": user.arn,
                    "accountId": account.account_id, "userName": user.user_name}
        user_name = user.user_name
    return record(request, event_name="ConsoleLogin", event_source=SIGNIN, event_type="AwsConsoleSignIn",
                  account=account, identity_json=identity, user_name=user_name, read_only=False,
                  resource=user.arn if not user.is_root else account.root_arn,
                  response_elements={"ConsoleLogin": "Success" if success else "Failure"},
                  additional_event_data={"MFAUsed": "Yes" if mfa_used else "No",
                                         "LoginTo": request.build_absolute_uri("/console/home/")},
                  error_message="" if success else "Failed authentication")


def unknown_user_login(request: Any, account: Any) -> Event:
    """A failed IAM user sign-in naming no user of ``account``: the name is not kept (it may
    be a password typed in the wrong box), as in CloudTrail."""
    identity = {"type": "IAMUser", "accountId": account.account_id, "userName": HIDDEN}
    return record(request, event_name="ConsoleLogin", event_source=SIGNIN, event_type="AwsConsoleSignIn",
                  account=account, identity_json=identity, user_name="", read_only=False,
                  response_elements={"ConsoleLogin": "Failure"},
                  additional_event_data={"MFAUsed": "No"}, error_message="Failed authentication")


def switch_role(request: Any, identity: Any, *, success: bool, error_message: str = "") -> Event:
    """``SwitchRole`` (signin.amazonaws.com): the switch itself, by the user's own identity."""
    return record(request, event_name="SwitchRole", event_source=SIGNIN, event_type="AwsConsoleSignIn",
                  identity=identity, read_only=False,
                  response_elements={"SwitchRole": "Success" if success else "Failure"},
                  error_code="" if success else "AccessDenied", error_message=error_message)


def last_activity(account_pks: list[int]) -> dict[int, Any]:
    """The time of the latest recorded event of each of the accounts (primary keys), in one
    query (the instructor board's "last activity", labs.board); accounts without events are
    left out."""
    return dict(Event.objects.filter(account_id__in=account_pks).values("account_id")
                .annotate(last=Max("event_time")).values_list("account_id", "last"))
