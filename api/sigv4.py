"""AWS Signature Version 4 for the IAM and STS Query API (iam-facts §10.3).

Verifies what botocore's ``SigV4Auth`` (``Authorization`` header) and ``SigV4QueryAuth``
(presigned query string) produce, so unmodified boto3, the aws CLI and the SDKs are accepted.
Standard library only: no Django, no database. The dispatcher calls, in this order,

1. :func:`parse` — the request as it arrived → a :class:`SignedRequest`, or ``None`` when it
   carries no signature at all;
2. :func:`check_time` — the 15-minute clock-skew window, a presigned URL's expiry and the
   credential scope's date;
3. (looks the access key up) then :func:`verify` with the key's secret.

Every input is bounded before it is parsed, and parsing is splitting and slicing only (no
regular expressions), so hostile input costs linear time at most.
"""

from __future__ import annotations

import hashlib
import hmac
from calendar import timegm
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_tz
from urllib.parse import quote, unquote_to_bytes

from api.errors import IncompleteSignature, MalformedQueryString, SignatureDoesNotMatch

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_SKEW = 15 * 60  # seconds either way
MAX_EXPIRES = 7 * 24 * 3600  # X-Amz-Expires: a week at most, as AWS

MAX_AUTHORIZATION = 4096  # botocore's header is ~200 characters plus the signed headers
MAX_QUERY = 128 * 1024  # a GET may carry a policy document, percent-encoded
MAX_PATH = 2048
MAX_DATE = 64
# Regions of the ``aws`` partition: ^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$ (botocore's
# endpoints.json), checked here without a regular expression.
AWS_REGION_PREFIXES = frozenset({"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx"})
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_DIGITS = frozenset("0123456789")

PRESIGN_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders",
                  "X-Amz-Signature", "X-Amz-Expires", "X-Amz-Security-Token")


@dataclass(frozen=True)
class SignedRequest:
    access_key_id: str
    date: str  # yyyymmdd of the credential scope
    region: str
    service: str
    amz_date: str  # 20261203T180000Z
    signed_headers: tuple[str, ...]
    signature: str
    security_token: str | None
    presigned: bool
    expires: int | None  # X-Amz-Expires of a presigned URL, in seconds
    # The canonical request without its last line (the payload hash), and what decides it.
    canonical_head: str
    content_sha256: str | None  # the X-Amz-Content-Sha256 header, when sent
    body_sha256: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{TERMINATOR}"


def parse(method: str, path: str, raw_query: str, headers: Mapping[str, str],
          body: bytes) -> SignedRequest | None:
    """The signature a request carries, or ``None`` when it carries none.

    ``path`` is the path as sent (``/`` for the Query API), ``raw_query`` the query string as
    WSGI gives it (``request.META["QUERY_STRING"]``), ``headers`` any mapping of header names to
    values — case-insensitive (Django's ``request.headers``) or with lower-case names — and
    ``body`` the raw body bytes (``request.body``), before any form parsing.
    """
    if len(raw_query) > MAX_QUERY:
        raise MalformedQueryString(f"The query string is longer than {MAX_QUERY} characters.")
    lowered = {name.lower(): value for name, value in headers.items()}
    pairs = _query_pairs(raw_query)
    authorization = lowered.get("authorization")
    presigned = any(name == b"X-Amz-Algorithm" for name, _ in pairs)
    if authorization is None and not presigned:
        return None
    if authorization is not None and presigned:
        raise IncompleteSignature(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
            "or the Authorization header should be specified")
    if presigned:
        fields = _presigned_fields(pairs)
        pairs = [(name, value) for name, value in pairs if name != b"X-Amz-Signature"]
        security_token = fields.get("X-Amz-Security-Token")
    else:
        fields = _authorization_fields(authorization, lowered)
        security_token = lowered.get("x-amz-security-token")
    access_key_id, date, region, service = _credential(fields["Credential"])
    signed_headers = tuple(fields["SignedHeaders"].split(";"))
    lowered_signed = {name.lower() for name in signed_headers}
    if "host" not in lowered_signed:
        raise IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    token_unsigned = "x-amz-security-token" not in lowered_signed
    if not presigned and security_token is not None and token_unsigned:
        raise IncompleteSignature(
            "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")
    canonical_head = "\n".join((
        method.upper(),
        _canonical_uri(path),
        _canonical_query(pairs),
        "".join(f"{name.lower()}:{_trim(lowered.get(name.lower(), ''))}\n"
                for name in signed_headers),
        fields["SignedHeaders"],
    ))
    return SignedRequest(
        access_key_id=access_key_id, date=date, region=region, service=service,
        amz_date=fields["Date"], signed_headers=signed_headers, signature=fields["Signature"],
        security_token=security_token, presigned=presigned, expires=fields.get("Expires"),
        canonical_head=canonical_head, content_sha256=lowered.get("x-amz-content-sha256"),
        body_sha256=hashlib.sha256(body).hexdigest(),
    )


def check_time(signed: SignedRequest, now: float) -> None:
    """Refuse a request signed more than 15 minutes away from ``now`` (a Unix time), a
    presigned URL past its ``X-Amz-Expires``, and a scope date that isn't X-Amz-Date's."""
    signed_at = timegm(datetime.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ").timetuple())
    now = int(now)
    if signed_at < now - MAX_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{_amz(now - MAX_SKEW)} ({_amz(now)} - 15 min.)")
    if signed_at > now + MAX_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{_amz(now + MAX_SKEW)} ({_amz(now)} + 15 min.)")
    if signed.expires is not None and signed_at + signed.expires < now:
        raise SignatureDoesNotMatch(
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{_amz(now - signed.expires)} ({_amz(now)} - {signed.expires} sec.)")
    if signed.date != signed.amz_date[:8]:
        raise SignatureDoesNotMatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{signed.date}' != '{signed.amz_date[:8]}', from '{signed.amz_date}'.")


def verify(signed: SignedRequest, secret: str) -> None:
    """Recompute the signature with ``secret``; SignatureDoesNotMatch unless it is the one sent."""
    key = _signing_key(secret, signed.date, signed.region, signed.service)
    sent = signed.signature.encode()
    matched = False
    for payload_hash in _payload_hashes(signed):
        canonical = f"{signed.canonical_head}\n{payload_hash}"
        string_to_sign = "\n".join((
            ALGORITHM, signed.amz_date, signed.scope,
            hashlib.sha256(canonical.encode()).hexdigest()))
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        matched |= hmac.compare_digest(expected.encode(), sent)
    if not matched:
        raise SignatureDoesNotMatch()


def _payload_hashes(signed: SignedRequest) -> tuple[str, ...]:
    """The payload hashes the client may have signed with, each covering the body we hold.

    A declared X-Amz-Content-Sha256 is what the client signed, and it must describe the body:
    UNSIGNED-PAYLOAD only for an empty one, as the Query API's parameters may be in the body.
    A presigned URL has an empty body; SDKs sign it either as the empty hash (botocore) or as
    UNSIGNED-PAYLOAD (others).
    """
    empty = signed.body_sha256 == EMPTY_SHA256
    declared = signed.content_sha256
    if declared is None:
        if signed.presigned and empty:
            return (EMPTY_SHA256, UNSIGNED_PAYLOAD)
        return (signed.body_sha256,)
    if declared == signed.body_sha256 or (declared == UNSIGNED_PAYLOAD and empty):
        return (declared,)
    return ()


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


# -- the Authorization header ------------------------------------------------------------------

def _authorization_fields(authorization: str, headers: Mapping[str, str]) -> dict:
    if len(authorization) > MAX_AUTHORIZATION:
        raise IncompleteSignature(
            f"The Authorization header is longer than {MAX_AUTHORIZATION} characters.")
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm.startswith("AWS4-") and algorithm != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{algorithm}'")
    fields: dict = {}
    if algorithm == ALGORITHM:
        for component in rest.split(","):
            component = component.strip()
            if not component:
                continue
            name, equals, value = component.partition("=")
            if not equals:
                raise IncompleteSignature(
                    f"'{component}' not a valid key=value pair (missing equal-sign) in "
                    f"Authorization header: '{authorization}'.")
            if name in ("Credential", "SignedHeaders", "Signature") and value:
                fields[name] = value
    date = _request_date(headers)
    missing = [f"Authorization header requires '{name}' parameter. "
               for name in ("Credential", "Signature", "SignedHeaders") if name not in fields]
    if date is None:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' "
                       "or a 'Date' header. ")
    if missing:
        raise IncompleteSignature("".join(missing) + f"Authorization={authorization}")
    fields["Date"] = date
    return fields


def _request_date(headers: Mapping[str, str]) -> str | None:
    """X-Amz-Date, else the Date header, as yyyymmddThhmmssZ; None when neither is sent."""
    amz_date = headers.get("x-amz-date")
    if amz_date is not None:
        return _amz_date(amz_date)
    date = headers.get("date")
    if date is None:
        return None
    parsed = parsedate_tz(date) if len(date) <= MAX_DATE else None
    if parsed is None or parsed[9] is None:
        raise _bad_date(date)
    try:  # RFC 2822 allows any year; datetime stops at 9999
        return _amz(timegm(parsed[:9]) - parsed[9])
    except (ValueError, OverflowError):
        raise _bad_date(date) from None


def _amz_date(value: str) -> str:
    """``value`` if it is a valid yyyymmddThhmmssZ (ISO 8601 basic format, UTC)."""
    ok = (len(value) == 16 and value[8] == "T" and value[15] == "Z"
          and set(value[:8] + value[9:15]) <= _DIGITS)
    if ok:
        try:
            datetime.strptime(value, "%Y%m%dT%H%M%SZ")
        except ValueError:
            ok = False
    if not ok:
        raise _bad_date(value)
    return value


def _bad_date(value: str) -> IncompleteSignature:
    return IncompleteSignature(
        f"Date must be in ISO-8601 'basic format'. Got '{value[:MAX_DATE]}'. "
        "See http://en.wikipedia.org/wiki/ISO_8601")


# -- the presigned query string -----------------------------------------------------------------

def _presigned_fields(pairs: list[tuple[bytes, bytes]]) -> dict:
    values: dict[str, str] = {}
    for name, value in pairs:
        text = name.decode("utf-8", "replace")
        if text in PRESIGN_PARAMS:
            if text in values:
                raise IncompleteSignature(
                    f"The '{text}' query-string parameter may appear only once.")
            values[text] = value.decode("utf-8", "replace")
    for required in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                     "X-Amz-SignedHeaders", "X-Amz-Signature"):
        if not values.get(required):
            raise IncompleteSignature(f"AWS query-string parameters must include '{required}'. "
                                      "Re-examine the query-string parameters.")
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported AWS 'algorithm': '{values['X-Amz-Algorithm'][:MAX_DATE]}'")
    if len(values["X-Amz-Credential"]) + len(values["X-Amz-SignedHeaders"]) > MAX_AUTHORIZATION:
        raise IncompleteSignature("The signature's query-string parameters are longer than "
                                  f"{MAX_AUTHORIZATION} characters.")
    fields = {"Credential": values["X-Amz-Credential"],
              "SignedHeaders": values["X-Amz-SignedHeaders"],
              "Signature": values["X-Amz-Signature"],
              "Date": _amz_date(values["X-Amz-Date"]),
              "X-Amz-Security-Token": values.get("X-Amz-Security-Token")}
    expires = values.get("X-Amz-Expires")
    if expires is not None:
        if not expires or len(expires) > 7 or not set(expires) <= _DIGITS:
            raise IncompleteSignature("X-Amz-Expires should be a number")
        if not 0 < int(expires) <= MAX_EXPIRES:
            raise IncompleteSignature(
                f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES}")
        fields["Expires"] = int(expires)
    return fields


# -- shared pieces -------------------------------------------------------------------------------

def _credential(credential: str) -> tuple[str, str, str, str]:
    """AKID/yyyymmdd/region/service/aws4_request → its four values (AWS's words when not)."""
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'")
    access_key_id, date, region, service, terminator = parts
    if terminator != TERMINATOR:
        raise SignatureDoesNotMatch("Credential should be scoped with a valid terminator: "
                                    f"'{TERMINATOR}', not '{terminator}'. ")
    if not _is_aws_region(region):
        raise SignatureDoesNotMatch(
            f"Credential should be scoped to a valid region, not '{region}'. ")
    return access_key_id, date, region, service


def _is_aws_region(region: str) -> bool:
    parts = region.split("-")
    return (len(parts) == 3 and parts[0] in AWS_REGION_PREFIXES
            and bool(parts[1]) and set(parts[1]) <= _ALNUM
            and bool(parts[2]) and set(parts[2]) <= _DIGITS)


def _query_pairs(raw_query: str) -> list[tuple[bytes, bytes]]:
    """Decoded (name, value) byte pairs, read as Django's QueryDict reads them ('+' is a space)."""
    try:
        raw = raw_query.encode("latin-1")  # WSGI's str: one character per byte sent
    except UnicodeEncodeError:
        raw = raw_query.encode()
    pairs = []
    for piece in raw.split(b"&"):
        if piece:
            name, _, value = piece.partition(b"=")
            pairs.append((unquote_to_bytes(name.replace(b"+", b" ")),
                          unquote_to_bytes(value.replace(b"+", b" "))))
    return pairs


def _canonical_query(pairs: list[tuple[bytes, bytes]]) -> str:
    """URI-encode names and values (RFC 3986 unreserved kept) and sort, as botocore does."""
    encoded = sorted((quote(name, safe="-_.~"), quote(value, safe="-_.~")) for name, value in pairs)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _canonical_uri(path: str) -> str:
    """botocore's ``quote(normalize_url_path(path), safe='/~')``: dot segments and empty
    segments removed, then percent-encoded (a second time, for an already-encoded path)."""
    if len(path) > MAX_PATH:
        raise IncompleteSignature(f"The request path is longer than {MAX_PATH} characters.")
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    normalized = ("/" if path[0] == "/" else "") + "/".join(segments)
    if path[-1] == "/" and segments:
        normalized += "/"
    return quote(normalized, safe="/~")


def _trim(value: str) -> str:
    """SigV4's Trimall: surrounding whitespace removed, inner runs collapsed to one space."""
    return " ".join(value.split())


def _amz(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
