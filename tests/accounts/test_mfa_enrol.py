"""Assign MFA device: device name and type, QR code and secret, two consecutive codes."""

from __future__ import annotations

import logging
from base64 import b32encode
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from accounts import mfa, services
from accounts.models import VirtualMFADevice
from tests.accounts.test_mfa_helpers import (
    T,
    at_step,
    clock,
    code,
    enrol,
    own_urls,
    start_enrolment,
    user_urls,
)
from tests.conftest import csrf_post, signed_in_client

pytestmark = pytest.mark.django_db

INVALID = "Authentication code for device is not valid."


def secret_of(device: VirtualMFADevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


# ---------------------------------------------------------------------------
# Step 1: name and type


def test_root_assigns_a_device_from_my_security_credentials(root_client, root):
    page = root_client.get("/iam/security-credentials/")
    assert page.status_code == 200
    assert "Assign MFA device" in page.content.decode()
    step1 = root_client.get("/iam/security-credentials/mfa/assign/")
    body = step1.content.decode()
    assert step1.status_code == 200
    assert "Authenticator app" in body and "Passkey or security key" in body and "Hardware TOTP token" in body
    assert body.count("disabled") >= 2  # the two unsupported types cannot be chosen
    device = enrol(root_client, own_urls(), root, name="root-phone")
    assert mfa.serial_number(device) == f"arn:aws:iam::{root.account.account_id}:mfa/root-phone"
    listing = root_client.get("/iam/security-credentials/").content.decode()
    assert f"arn:aws:iam::{root.account.account_id}:mfa/root-phone" in listing
    assert "Virtual" in listing


def test_root_assigns_a_device_to_an_iam_user_from_the_users_pages(root_client, alice):
    device = enrol(root_client, user_urls("alice"), alice, name="alice-phone")
    assert device.user == alice and device.confirmed


def test_setup_page_shows_an_inline_svg_qr_code_and_the_secret_key(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    page = root_client.get("/iam/security-credentials/mfa/assign/setup/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body and 'role="img"' in body and "<img" not in body
    assert "<details>" in body and "Show secret key" in body
    assert secret_of(device) in body
    assert "MFA code 1" in body and "MFA code 2" in body
    assert "no-store" in page["Cache-Control"]


def test_otpauth_uri_names_the_portal_and_user_at_account(root, alice, account):
    device = VirtualMFADevice.objects.create(user=alice, name="phone", confirmed=False)
    uri = urlparse(mfa.otpauth_uri(device))
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == f"/IAM Portal:alice@{account.account_id}"
    query = parse_qs(uri.query)
    assert query["issuer"] == ["IAM Portal"] and query["secret"] == [secret_of(device)]
    assert query["digits"] == ["6"] and query["period"] == ["30"]
    services.set_account_alias(account, "coffee-shop")
    root_device = VirtualMFADevice.objects.create(user=root, name="r", confirmed=False)
    root_device.user.account.refresh_from_db()
    assert unquote(urlparse(mfa.otpauth_uri(root_device)).path) == "/IAM Portal:root@coffee-shop"


@pytest.mark.parametrize("name", ["bad name", "phone/1", "tél", "x" * 65, "semi;colon"])
def test_it_refuses_device_names_that_break_iams_rules(root_client, name):
    response = csrf_post(root_client, "/iam/security-credentials/mfa/assign/",
                         {"name": name, "device_type": "virtual"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "validation error detected" in body and "virtualMFADeviceName" in body
    assert not VirtualMFADevice.objects.exists()


def test_it_refuses_an_empty_name(root_client):
    response = csrf_post(root_client, "/iam/security-credentials/mfa/assign/", {"name": "", "device_type": "virtual"})
    assert response.status_code == 200
    assert not VirtualMFADevice.objects.exists()


def test_it_accepts_every_character_iam_allows(root_client, root):
    device = start_enrolment(root_client, own_urls(), root, name="a+b=c,d.e@f-g_h9")
    assert device.name == "a+b=c,d.e@f-g_h9"
    start_enrolment(root_client, own_urls(), root, name="x" * mfa.DEVICE_NAME_MAX)


def test_it_refuses_a_name_already_used_in_the_account_whatever_the_case(root_client, root, alice):
    enrol(root_client, own_urls(), root, name="phone")
    response = csrf_post(root_client, "/iam/users/alice/mfa/assign/", {"name": "PHONE", "device_type": "virtual"})
    assert response.status_code == 200
    assert "MFADevice entity at the same path and name already exists." in response.content.decode()


def test_another_accounts_device_names_do_not_clash(root_client, root, mallory_client, mallory):
    enrol(root_client, own_urls(), root, name="phone")
    start_enrolment(mallory_client, own_urls(), mallory, name="phone")


def test_it_refuses_device_types_that_are_not_supported(root_client):
    response = csrf_post(root_client, "/iam/security-credentials/mfa/assign/",
                         {"name": "key", "device_type": "passkey"})
    assert response.status_code == 200
    assert "Only authenticator apps are supported" in response.content.decode()
    assert not VirtualMFADevice.objects.exists()


def test_a_user_may_have_at_most_8_devices(root_client, alice):
    for index in range(8):
        VirtualMFADevice.objects.create(user=alice, name=f"d{index}", confirmed=True)
    page = root_client.get("/iam/users/alice/mfa/assign/")
    assert "Cannot exceed quota for MFADevicesPerUser: 8" in page.content.decode()
    response = csrf_post(root_client, "/iam/users/alice/mfa/assign/", {"name": "ninth", "device_type": "virtual"})
    assert response.status_code == 200
    assert "Cannot exceed quota for MFADevicesPerUser: 8" in response.content.decode()
    assert not VirtualMFADevice.objects.filter(name="ninth").exists()


def test_the_quota_is_checked_again_at_activation(root_client, alice):
    for index in range(7):
        VirtualMFADevice.objects.create(user=alice, name=f"d{index}", confirmed=True)
    device = start_enrolment(root_client, user_urls("alice"), alice, name="eighth")
    VirtualMFADevice.objects.create(user=alice, name="raced", confirmed=True)
    with clock(at_step(T)):
        response = csrf_post(root_client, user_urls("alice")["setup"],
                             {"code1": code(device, T - 1), "code2": code(device, T)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed


def test_starting_again_replaces_the_unfinished_enrolment(root_client, root):
    first = start_enrolment(root_client, own_urls(), root, name="phone")
    second = start_enrolment(root_client, own_urls(), root, name="phone")
    assert not VirtualMFADevice.objects.filter(pk=first.pk).exists()
    assert second.key != first.key


# ---------------------------------------------------------------------------
# Step 2: two consecutive codes


def post_codes(client, urls, code1, code2, step=T):
    with clock(at_step(step)):
        return csrf_post(client, urls["setup"], {"code1": code1, "code2": code2})


def test_two_consecutive_codes_activate_the_device(root_client, alice):
    device = start_enrolment(root_client, user_urls("alice"), alice)
    response = post_codes(root_client, user_urls("alice"), code(device, T - 1), code(device, T))
    assert response.status_code == 302 and response["Location"] == "/iam/users/alice/?tab=security_credentials"
    device.refresh_from_db()
    assert device.confirmed and device.last_t == T and device.throttling_failure_count == 0


def test_codes_typed_a_little_before_pressing_the_button_still_work(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), code(device, T - 3), code(device, T - 2))
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_it_refuses_the_same_code_twice(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), code(device, T), code(device, T))
    assert response.status_code == 200
    assert INVALID in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_it_refuses_codes_that_are_not_consecutive(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), code(device, T - 2), code(device, T))
    assert response.status_code == 200 and INVALID in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and device.throttling_failure_count == 1


def test_it_refuses_consecutive_codes_in_the_wrong_order(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), code(device, T), code(device, T - 1))
    assert response.status_code == 200


def test_it_refuses_codes_from_long_ago(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), code(device, T - 20), code(device, T - 19))
    assert response.status_code == 200


def test_it_refuses_wrong_codes_and_throttles_the_device(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    wrong = f"{(int(code(device, T)) + 1) % 1000000:06d}"
    response = post_codes(root_client, own_urls(), code(device, T - 1), wrong)
    assert response.status_code == 200 and INVALID in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Straight away, even the right codes wait for django-otp's back-off.
    response = post_codes(root_client, own_urls(), code(device, T - 1), code(device, T))
    assert response.status_code == 429
    assert "Too many invalid codes" in response.content.decode()
    VirtualMFADevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5))
    response = post_codes(root_client, own_urls(), code(device, T - 1), code(device, T))
    assert response.status_code == 302


@pytest.mark.parametrize("bad", ["12345", "1234567", "abcdef", ""])
def test_it_asks_for_six_digits(root_client, root, bad):
    device = start_enrolment(root_client, own_urls(), root)
    response = post_codes(root_client, own_urls(), bad, code(device, T))
    assert response.status_code == 200
    assert "6-digit code" in response.content.decode() or "This field is required" in response.content.decode()


def test_spaces_inside_codes_are_ignored(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    c1, c2 = code(device, T - 1), code(device, T)
    response = post_codes(root_client, own_urls(), f"{c1[:3]} {c1[3:]}", f" {c2} ")
    assert response.status_code == 302


def test_an_expired_enrolment_must_start_again(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    VirtualMFADevice.objects.filter(pk=device.pk).update(created_at=timezone.now() - timedelta(hours=1))
    page = root_client.get(own_urls()["setup"])
    assert page.status_code == 302 and page["Location"] == own_urls()["assign"]
    response = post_codes(root_client, own_urls(), code(device, T - 1), code(device, T))
    assert response.status_code == 302 and response["Location"] == own_urls()["assign"]
    device.refresh_from_db()
    assert not device.confirmed


def test_setup_without_an_enrolment_in_progress_starts_again(root_client):
    response = root_client.get(own_urls()["setup"])
    assert response.status_code == 302 and response["Location"] == own_urls()["assign"]


# ---------------------------------------------------------------------------
# Secrets stay on the enrolment page


def test_the_secret_is_never_shown_after_activation(root_client, root, caplog):
    caplog.set_level(logging.DEBUG)
    device = start_enrolment(root_client, own_urls(), root)
    secret = secret_of(device)
    wrong = post_codes(root_client, own_urls(), "000000", "111111")
    # A failed attempt re-renders the enrolment page itself, and nothing else carries the secret.
    assert wrong.status_code == 200
    assert secret not in root_client.get("/iam/security-credentials/").content.decode()
    VirtualMFADevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    done = post_codes(root_client, own_urls(), code(device, T - 1), code(device, T))
    assert done.status_code == 302
    for url in ["/iam/security-credentials/", own_urls()["setup"], own_urls()["assign"],
                own_urls()["resync"] + "?device=phone", own_urls()["remove"] + "?device=phone"]:
        response = root_client.get(url, follow=True)
        body = response.content.decode()
        assert secret not in body and device.key not in body, url
        assert "otpauth://" not in body
    assert secret not in caplog.text and device.key not in caplog.text
    assert all(secret not in str(value) and device.key not in str(value)
               for value in root_client.session.values())


def test_the_secret_is_not_kept_in_the_session_during_enrolment(root_client, root):
    device = start_enrolment(root_client, own_urls(), root)
    stored = str(dict(root_client.session.items()))
    assert device.key not in stored and secret_of(device) not in stored


def test_enrolment_codes_cannot_be_used_again_to_sign_in(root_client, root):
    device = enrol(root_client, own_urls(), root, step=T)
    assert not mfa.verify_code(device, code(device, T))


# ---------------------------------------------------------------------------
# Who may do it


def test_anonymous_visitors_are_sent_to_sign_in():
    client = Client()
    for url in ["/iam/security-credentials/", own_urls()["assign"], "/iam/users/alice/mfa/assign/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_another_accounts_user_is_404(mallory_client, alice):
    for url in user_urls("alice").values():
        assert mallory_client.get(url + "?device=phone").status_code == 404
    response = csrf_post(mallory_client, user_urls("alice")["assign"], {"name": "x", "device_type": "virtual"})
    assert response.status_code == 404
    assert not VirtualMFADevice.objects.exists()


def test_an_unknown_user_is_404(root_client):
    assert root_client.get("/iam/users/nobody/mfa/assign/").status_code == 404


def test_an_iam_user_without_policies_is_denied_in_awss_words(alice_client, alice):
    response = alice_client.get("/iam/security-credentials/")
    assert response.status_code == 403
    assert (f"User: {alice.arn} is not authorized to perform: iam:ListMFADevices on resource: {alice.arn}"
            in response.content.decode())
    response = csrf_post(alice_client, own_urls()["assign"], {"name": "mine", "device_type": "virtual"})
    assert response.status_code == 403  # AWS's console: CreateVirtualMFADevice on the device it names
    device_arn = alice.account.arn("mfa/mine")
    assert (f"User: {alice.arn} is not authorized to perform: iam:CreateVirtualMFADevice on resource: {device_arn}"
            in response.content.decode())
    assert not VirtualMFADevice.objects.exists()


def test_posts_need_a_csrf_token(root):
    client = signed_in_client(root)
    response = client.post(own_urls()["assign"], {"name": "phone", "device_type": "virtual"})
    assert response.status_code == 403
    assert not VirtualMFADevice.objects.exists()


def test_the_identity_menu_links_to_security_credentials(root_client):
    page = root_client.get("/iam/security-credentials/")
    assert 'href="/iam/security-credentials/"' in page.content.decode()
