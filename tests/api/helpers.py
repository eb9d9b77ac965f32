"""Raw Query requests through Django's test client, signed by botocore's own SigV4 signer:
for the protocol's edges that boto3 will not send (unknown actions, odd bodies, tampering)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def signed_post(client, key: tuple[str, str] | None, params: dict | str | bytes, *, service: str = "iam",
                region: str = "us-east-1", token: str | None = None, content_type: str = FORM,
                extra_headers: dict | None = None, path: str = "/"):
    """POST ``params`` to ``path`` signed with ``key`` (unsigned when ``key`` is None)."""
    body = params if isinstance(params, (str, bytes)) else urlencode(params)
    body = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": content_type, **(extra_headers or {})}
    if key is not None:
        request = AWSRequest(method="POST", url=f"http://testserver{path}", data=body, headers=headers)
        SigV4Auth(Credentials(key[0], key[1], token), service, region).add_auth(request)
        headers = dict(request.headers.items())
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()
            if name.lower() != "content-type"}
    meta.setdefault("HTTP_HOST", "testserver")  # what every HTTP/1.1 client sends, and botocore signs
    return client.generic("POST", path, body, content_type=headers["Content-Type"], **meta)


def error_of(response) -> tuple[str, str, str]:
    """``(Type, Code, Message)`` of an ``<ErrorResponse>``."""
    root = ET.fromstring(response.content)
    ns = root.tag.split("}")[0] + "}"
    error = root.find(f"{ns}Error")
    return (error.findtext(f"{ns}Type"), error.findtext(f"{ns}Code"), error.findtext(f"{ns}Message"))


def aws_error(exc) -> tuple[str, str, int]:
    """``(Code, Message, HTTP status)`` of a botocore ``ClientError``."""
    response = exc.response
    return (response["Error"]["Code"], response["Error"]["Message"],
            response["ResponseMetadata"]["HTTPStatusCode"])
