"""Signature Version 4 (api/sigv4.py): every request here is signed by botocore itself.

Each request goes to the verifier the way the server receives it: the headers through
Django's case-insensitive ``HttpHeaders`` built from a WSGI environ, with the ``Host`` header
the HTTP client adds, the query string as WSGI gives it and the raw body bytes.
"""

from __future__ import annotations

import time
from calendar import timegm
from hashlib import sha256
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from django.http.request import HttpHeaders
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import sigv4
from api.errors import IncompleteSignature, MalformedQueryString, SignatureDoesNotMatch

ENDPOINT = "http://127.0.0.1:8000/"
KEY = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
SESSION = Credentials("ASIAIOSFODNN7EXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
                      "FwoGZXIvYXdzEBYaDHqa0AP1/session+token==")
FORM = "application/x-www-form-urlencoded; charset=utf-8"
ODD = {"Action": "CreateUser", "Version": "2010-05-08", "UserName": "Zoë+Bob/=x",
       "Path": "/division one/", "Tags.member.1.Value": "a b+c=d/é 日本"}
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.")


def post(params=ODD, *, creds=KEY, service="iam", region="us-east-1", headers=None):
    request = AWSRequest(method="POST", url=ENDPOINT, data=percent_encode_sequence(params),
                         headers={"Content-Type": FORM, **(headers or {})})
    SigV4Auth(creds, service, region).add_auth(request)
    return request


def get(params=ODD, *, creds=KEY, service="iam", region="us-east-1"):
    request = AWSRequest(method="GET", url=f"{ENDPOINT}?{percent_encode_sequence(params)}")
    SigV4Auth(creds, service, region).add_auth(request)
    return request


def presign(params=ODD, *, creds=KEY, service="sts", region="us-east-1", expires=900,
            signer=SigV4QueryAuth):
    request = AWSRequest(method="GET", url=f"{ENDPOINT}?{percent_encode_sequence(params)}")
    signer(creds, service, region, expires=expires).add_auth(request)
    return request


def wire(request, **changes):
    """What the server receives for ``request``: parse()'s arguments (``changes`` overrides)."""
    url = urlsplit(request.url)
    body = request.body or b""
    body = body.encode() if isinstance(body, str) else body
    sent = {"Host": url.netloc, "User-Agent": "Boto3/1.0", "Content-Length": str(len(body)),
            **dict(request.headers.items())}
    environ = {}
    for name, value in sent.items():
        key = name.upper().replace("-", "_")
        value = value.decode("latin-1") if isinstance(value, bytes) else value  # as WSGI does
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    args = {"method": request.method, "path": url.path or "/", "raw_query": url.query,
            "headers": HttpHeaders(environ), "body": body}
    args.update(changes)
    return args


def accepted(args, secret=KEY.secret_key, now=None):
    signed = sigv4.parse(**args)
    sigv4.check_time(signed, time.time() if now is None else now)
    sigv4.verify(signed, secret)
    return signed


def refused(args, error, secret=KEY.secret_key):
    with pytest.raises(error) as caught:
        accepted(args, secret)
    return caught.value.message


def signed_at(signed) -> int:
    return timegm(time.strptime(signed.amz_date, "%Y%m%dT%H%M%SZ"))


# -- botocore's signatures verify ------------------------------------------------------------------

@pytest.mark.parametrize("service, region", [
    ("iam", "us-east-1"), ("iam", "us-west-2"), ("sts", "eu-west-3"), ("sts", "ap-southeast-2"),
    ("sts", "il-central-1"),
])
def test_post_form_body_signed_by_botocore_verifies(service, region):
    signed = accepted(wire(post(service=service, region=region)))

    assert (signed.access_key_id, signed.service) == (KEY.access_key, service)
    assert signed.region == region
    assert signed.date == signed.amz_date[:8] and not signed.presigned
    assert signed.signed_headers == ("content-type", "host", "x-amz-date")
    assert signed.security_token is None


def test_get_query_with_odd_characters_verifies():
    signed = accepted(wire(get({**ODD, "Empty": "", "Plus": "+", "Slash": "/", "Eq": "=="})))

    assert signed.service == "iam"


def test_session_credentials_sign_the_security_token():
    request = post(creds=SESSION, service="sts", region="eu-central-1")

    signed = accepted(wire(request), secret=SESSION.secret_key)

    assert signed.security_token == SESSION.token
    assert "x-amz-security-token" in signed.signed_headers


def test_presigned_url_verifies_with_and_without_session_token():
    plain = accepted(wire(presign()))
    session = accepted(wire(presign(creds=SESSION)), secret=SESSION.secret_key)

    assert plain.presigned and plain.expires == 900 and plain.security_token is None
    assert session.security_token == SESSION.token


def test_presigned_url_signed_with_unsigned_payload_verifies():
    """Other SDKs presign with UNSIGNED-PAYLOAD instead of the empty body's hash."""
    accepted(wire(presign(signer=S3SigV4QueryAuth)))


def test_date_header_instead_of_x_amz_date_verifies():
    request = post(headers={"Date": "Thu, 01 Jan 2026 00:00:00 GMT"})
    assert "X-Amz-Date" not in request.headers

    signed = accepted(wire(request))

    assert signed.amz_date == time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(signed_at(signed)))


def test_x_amz_content_sha256_describing_the_body_verifies():
    body = percent_encode_sequence(ODD).encode()

    accepted(wire(post(headers={"X-Amz-Content-SHA256": sha256(body).hexdigest()})))


def test_plain_dict_with_lower_case_names_is_accepted():
    args = wire(post())
    args["headers"] = {name.lower(): value for name, value in args["headers"].items()}

    accepted(args)


def test_boto3_client_request_verifies():
    """The request boto3's own IAM client sends, captured before it leaves."""
    captured = []

    class Sent(Exception):
        pass

    def capture(request, **kwargs):
        captured.append(request)
        raise Sent

    client = boto3.client("iam", endpoint_url=ENDPOINT, region_name="eu-north-1",
                          aws_access_key_id=SESSION.access_key,
                          aws_secret_access_key=SESSION.secret_key,
                          aws_session_token=SESSION.token)
    client.meta.events.register("before-send", capture)
    with pytest.raises(Sent):
        client.create_user(UserName="Zoë+1", Path="/a b/", Tags=[{"Key": "k", "Value": "v=/+"}])

    signed = accepted(wire(captured[0]), secret=SESSION.secret_key)

    assert (signed.service, signed.region) == ("iam", "eu-north-1")


# -- tampering is a mismatch -----------------------------------------------------------------------

def test_wrong_secret_is_signature_does_not_match_in_aws_words():
    message = refused(wire(post()), SignatureDoesNotMatch, secret="not-the-secret")

    assert message == MISMATCH


def test_tampered_body_is_refused():
    body = percent_encode_sequence({**ODD, "UserName": "Mallory"}).encode()

    assert refused(wire(post(), body=body), SignatureDoesNotMatch) == MISMATCH


def test_tampered_signed_header_is_refused():
    args = wire(post())
    environ = {"HTTP_HOST": "evil.example:8000", "CONTENT_TYPE": FORM,
               **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in args["headers"].items()
                  if k.lower() not in ("host", "content-type")}}

    assert refused({**args, "headers": HttpHeaders(environ)}, SignatureDoesNotMatch) == MISMATCH


def test_unsigned_header_may_change():
    args = wire(post())
    headers = {**{k.lower(): v for k, v in args["headers"].items()}, "user-agent": "other"}

    accepted({**args, "headers": headers})


def test_added_query_parameter_is_refused():
    args = wire(get())
    added = args["raw_query"] + "&PermissionsBoundary=x"

    refused({**args, "raw_query": added}, SignatureDoesNotMatch)
    refused({**wire(post()), "raw_query": "Action=DeleteUser"}, SignatureDoesNotMatch)


def test_plus_is_read_as_a_space_so_it_cannot_stand_in_for_an_encoded_plus():
    args = wire(get({"Action": "GetUser", "UserName": "a+b"}))
    assert "a%2Bb" in args["raw_query"]

    refused({**args, "raw_query": args["raw_query"].replace("a%2Bb", "a+b")}, SignatureDoesNotMatch)


def test_tampered_presigned_query_is_refused():
    args = wire(presign())

    refused({**args, "raw_query": args["raw_query"].replace("CreateUser", "DeleteUser")},
            SignatureDoesNotMatch)


def test_unsigned_payload_cannot_leave_a_body_unsigned():
    request = post(headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})

    refused(wire(request), SignatureDoesNotMatch)


def test_declared_content_hash_must_describe_the_body():
    request = post(headers={"X-Amz-Content-SHA256": sha256(b"Action=GetUser").hexdigest()})

    refused(wire(request), SignatureDoesNotMatch)


def test_presigned_url_with_a_body_must_sign_it():
    body = b"Action=DeleteUser&UserName=Bob"

    refused(wire(presign(signer=S3SigV4QueryAuth), body=body), SignatureDoesNotMatch)


# -- time ------------------------------------------------------------------------------------------

def test_skew_of_sixteen_minutes_is_refused_either_way_and_fourteen_accepted():
    signed = sigv4.parse(**wire(post()))
    at = signed_at(signed)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(at))

    def stamp_of(seconds):
        return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(seconds))

    with pytest.raises(SignatureDoesNotMatch) as late:
        sigv4.check_time(signed, at + 16 * 60)
    with pytest.raises(SignatureDoesNotMatch) as early:
        sigv4.check_time(signed, at - 16 * 60)
    sigv4.check_time(signed, at + 14 * 60)
    sigv4.check_time(signed, at - 14 * 60)

    assert late.value.message == (f"Signature expired: {stamp} is now earlier than "
                                   f"{stamp_of(at + 60)} ({stamp_of(at + 16 * 60)} - 15 min.)")
    assert early.value.message == (f"Signature not yet current: {stamp} is still later than "
                                   f"{stamp_of(at - 60)} ({stamp_of(at - 16 * 60)} + 15 min.)")


def test_expired_presigned_url_is_refused():
    signed = sigv4.parse(**wire(presign(expires=60)))
    at = signed_at(signed)
    sigv4.check_time(signed, at + 60)

    with pytest.raises(SignatureDoesNotMatch, match=r"^Signature expired: .* - 60 sec\.\)$"):
        sigv4.check_time(signed, at + 61)


def test_scope_date_other_than_x_amz_date_is_refused():
    args = wire(post())
    signed = sigv4.parse(**args)
    other = "20200101" if signed.date != "20200101" else "20200102"
    header = args["headers"]["Authorization"].replace(f"/{signed.date}/", f"/{other}/")
    headers = {**{k.lower(): v for k, v in args["headers"].items()}, "authorization": header}

    with pytest.raises(SignatureDoesNotMatch) as caught:
        sigv4.check_time(sigv4.parse(**{**args, "headers": headers}), signed_at(signed))

    assert caught.value.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '{other}' != '{signed.date}', from '{signed.amz_date}'.")


# -- malformed or absent signatures ----------------------------------------------------------------

def with_headers(args, **headers):
    lowered = {k.lower(): v for k, v in args["headers"].items()}
    for name, value in headers.items():
        name = name.replace("_", "-").lower()
        if value is None:
            lowered.pop(name, None)
        else:
            lowered[name] = value
    return {**args, "headers": lowered}


def test_unsigned_requests_parse_to_none():
    body = b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15"

    assert sigv4.parse("POST", "/", "", {"host": "h", "content-type": FORM}, body) is None
    query = "Action=GetCallerIdentity&X-Amz-Date=x"
    assert sigv4.parse("GET", "/", query, {"host": "h"}, b"") is None


def test_authorization_without_sigv4_parts_lists_what_is_missing():
    args = with_headers(wire(post()), authorization="Basic dXNlcjpwYXNz", x_amz_date=None)

    assert refused(args, IncompleteSignature) == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=Basic dXNlcjpwYXNz")


def test_authorization_missing_signature_is_incomplete():
    args = wire(post())
    header = args["headers"]["Authorization"].rsplit(", Signature=", 1)[0]

    assert refused(with_headers(args, authorization=header), IncompleteSignature) == (
        f"Authorization header requires 'Signature' parameter. Authorization={header}")


def test_request_without_a_date_is_incomplete():
    args = with_headers(wire(post()), x_amz_date=None)

    assert refused(args, IncompleteSignature) == (
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization={args['headers']['authorization']}")


def test_unsupported_algorithm_and_missing_equal_sign():
    args = wire(post())
    header = args["headers"]["Authorization"]

    assert refused(with_headers(args, authorization=header.replace("SHA256", "SHA512", 1)),
                   IncompleteSignature) == "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'"
    broken = header.replace("SignedHeaders=", "SignedHeaders ")
    assert refused(with_headers(args, authorization=broken), IncompleteSignature).startswith(
        "'SignedHeaders content-type;host;x-amz-date' not a valid key=value pair "
        "(missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=")


def test_malformed_credential_and_date():
    args = wire(post())
    header = args["headers"]["Authorization"]

    message = refused(with_headers(args, authorization=header.replace("/aws4_request", "")),
                      IncompleteSignature)
    assert message.startswith("Credential must have exactly 5 slash-delimited elements, "
                              "e.g. keyid/date/region/service/term, got 'AKIAIOSFODNN7EXAMPLE/")
    assert refused(with_headers(args, x_amz_date="2026-12-03T18:00:00Z"), IncompleteSignature) == (
        "Date must be in ISO-8601 'basic format'. Got '2026-12-03T18:00:00Z'. "
        "See http://en.wikipedia.org/wiki/ISO_8601")
    assert refused(with_headers(args, x_amz_date="20261340T250000Z"), IncompleteSignature)


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1", "moon-base-1", "us-east"])
def test_region_outside_the_aws_partition_is_refused(region):
    args = wire(post(region=region))

    assert refused(args, SignatureDoesNotMatch) == (
        f"Credential should be scoped to a valid region, not '{region}'. ")


def test_host_and_security_token_must_be_signed():
    args = wire(post())
    header = args["headers"]["Authorization"].replace("content-type;host;", "content-type;")

    assert refused(with_headers(args, authorization=header), IncompleteSignature) == (
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    assert refused(with_headers(args, x_amz_security_token="token"), IncompleteSignature) == (
        "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")


def test_huge_authorization_header_is_refused_quickly():
    args = with_headers(wire(post()), authorization="AWS4-HMAC-SHA256 " + "Credential=," * 900)
    started = time.perf_counter()

    refused(args, IncompleteSignature)

    assert time.perf_counter() - started < 0.05


def test_huge_query_string_is_refused():
    refused({**wire(get()), "raw_query": "a=" + "b" * 200_000}, MalformedQueryString)


def test_presigned_query_missing_a_parameter_or_doubled_with_a_header():
    args = wire(presign())
    query = "&".join(p for p in args["raw_query"].split("&")
                     if not p.startswith("X-Amz-Credential="))

    assert refused({**args, "raw_query": query}, IncompleteSignature) == (
        "AWS query-string parameters must include 'X-Amz-Credential'. "
        "Re-examine the query-string parameters.")
    both = with_headers(args, authorization=wire(post())["headers"]["Authorization"])
    assert refused(both, IncompleteSignature).startswith("Only one auth mechanism allowed")
    assert refused({**args, "raw_query": args["raw_query"].replace("X-Amz-Expires=900",
                                                                    "X-Amz-Expires=-5")},
                   IncompleteSignature) == "X-Amz-Expires should be a number"


def test_module_is_pure():
    """Standard library and the API's error classes only: no Django, no database."""
    source = Path(sigv4.__file__).read_text()
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]

    assert not [line for line in imports if "django" in line or "models" in line]


# -- property: whatever botocore signs verifies ----------------------------------------------------

names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=20)
values = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(names, values, max_size=8),
       region=st.sampled_from(["us-east-1", "eu-west-1", "ap-northeast-3", "sa-east-1"]),
       service=st.sampled_from(["iam", "sts"]),
       how=st.sampled_from([post, get, presign]),
       creds=st.sampled_from([KEY, SESSION]))
def test_whatever_botocore_signs_verifies(params, region, service, how, creds):
    request = how(params, creds=creds, service=service, region=region)

    accepted(wire(request), secret=creds.secret_key)


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=300))
def test_any_body_bytes_signed_by_botocore_verify(body):
    request = AWSRequest(method="POST", url=ENDPOINT, data=body, headers={"Content-Type": FORM})
    SigV4Auth(KEY, "iam", "us-east-1").add_auth(request)

    accepted(wire(request))
