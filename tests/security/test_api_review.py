"""A hostile review of the Query API (issue #12): signed raw requests (Django's test client,
botocore's signer) that an SDK would never send, each finding's regression test, and a
fuzz of every registered action with random parameters (never a 5xx)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from accounts import federation, services
from audit.models import Event
from policies import services as policy_services
from tests.accounts.pem import saml_metadata
from tests.api.conftest import allow, new_key
from tests.api.helpers import error_of, signed_post

IAM = "2010-05-08"
STS = "2011-06-15"


@pytest.fixture
def raw():
    return Client()


def call(client, key, action: str, *, service: str = "iam", **params):
    return signed_post(client, key, {"Action": action, "Version": IAM if service == "iam" else STS, **params},
                       service=service)


def user_key(account, name: str, *documents: str) -> tuple[str, str]:
    user = services.create_user(account, user_name=name)
    for index, document in enumerate(documents):
        policy_services.put_inline_policy(user, name=f"p{index}", document=document)
    return new_key(user)


# ---------------------------------------------------------------------------
# Authentication


def test_a_date_header_past_year_9999_is_incomplete_signature_not_a_500(raw, root):
    """sigv4 turned the Date header into X-Amz-Date with datetime, which has no year 10000."""
    key_id, _ = new_key(root)
    authorization = (f"AWS4-HMAC-SHA256 Credential={key_id}/20261203/us-east-1/iam/aws4_request, "
                     "SignedHeaders=date;host, Signature=" + "0" * 64)
    for date in ("Fri, 01 Jan 10000 00:00:00 +0000", "Fri, 01 Jan 99999999999999999999 00:00:00 +0000"):
        response = raw.post("/", "Action=ListUsers&Version=2010-05-08",
                            content_type="application/x-www-form-urlencoded",
                            HTTP_AUTHORIZATION=authorization, HTTP_DATE=date)
        assert response.status_code == 400, date
        assert error_of(response)[1] == "IncompleteSignature"


# ---------------------------------------------------------------------------
# Authorisation


def test_a_saml_provider_is_authorised_on_its_own_arn_whatever_the_case_asked(raw, account):
    """find_saml_provider matches the name case-insensitively; the action was authorised on
    the ARN as the caller spelled it, so a Deny on the provider's ARN was walked around."""
    provider = federation.create_saml_provider(account, name="CorpIdP", metadata_document=saml_metadata())
    key = user_key(account, "eve", allow("iam:*"),
                   allow("iam:DeleteSAMLProvider", provider.arn, effect="Deny"))
    other_case = provider.arn.replace("CorpIdP", "corpidp")
    response = call(raw, key, "DeleteSAMLProvider", SAMLProviderArn=other_case)
    assert response.status_code == 403
    assert error_of(response)[1] == "AccessDenied"
    assert provider.arn in error_of(response)[2]
    assert type(provider).objects.filter(pk=provider.pk).exists()


# ---------------------------------------------------------------------------
# Secrets


def test_an_mfa_code_of_the_wrong_length_is_never_repeated_in_the_error_or_the_trail(raw, alice):
    key = new_key(alice)
    for action in ("GetSessionToken", "AssumeRole"):
        response = call(raw, key, action, service="sts", SerialNumber="arn:aws:iam::123456789012:mfa/alice",
                        TokenCode="9081726", RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="s")
        assert response.status_code == 400
        assert error_of(response)[1] == "ValidationError"
        assert "9081726" not in response.content.decode()
    assert not any("9081726" in json.dumps(event.as_record()) for event in Event.objects.all())
