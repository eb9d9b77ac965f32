"""aws:MultiFactorAuthPresent and aws:MultiFactorAuthAge, as the console session carries them."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.test_mfa_helpers import T, at_step, clock, sign_in_with_mfa
from tests.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def context_of(client, ts=None):
    if ts is None:
        response = client.get("/iam/security-credentials/")
    else:
        with clock(ts):
            response = client.get("/iam/security-credentials/")
    assert response.status_code in (200, 403)
    return response.wsgi_request.iam.context


def test_a_session_signed_in_with_mfa_says_true_and_how_long_ago(root):
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    client = sign_in_with_mfa(root, device, T)
    context = context_of(client, at_step(T) + 125)
    assert context["aws:MultiFactorAuthPresent"] == "true"
    assert context["aws:MultiFactorAuthAge"] == "125"
    assert context_of(client, at_step(T) + 3600)["aws:MultiFactorAuthAge"] == "3600"


def test_an_iam_users_mfa_session_carries_the_keys_too(alice):
    device = TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    client = sign_in_with_mfa(alice, device, T)
    context = context_of(client, at_step(T) + 7)
    assert context["aws:MultiFactorAuthPresent"] == "true" and context["aws:MultiFactorAuthAge"] == "7"


def test_a_session_without_mfa_says_false_and_has_no_age(alice, root):
    for user in (alice, root):
        context = context_of(signed_in_client(user))
        # Console sessions are temporary credentials: the key is present, "false".
        assert context["aws:MultiFactorAuthPresent"] == "false"
        assert "aws:MultiFactorAuthAge" not in context


def test_assigning_a_device_does_not_make_the_current_session_an_mfa_session(root_client, root):
    from tests.accounts.test_mfa_helpers import enrol, own_urls

    enrol(root_client, own_urls(), root)
    assert context_of(root_client)["aws:MultiFactorAuthPresent"] == "false"
