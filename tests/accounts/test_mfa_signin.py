"""The sign-in challenge: after the password, a code from one of the user's MFA devices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.identity import SESSION_MFA_AT
from accounts.models import VirtualMFADevice
from accounts.views.mfa import SESSION_PENDING_SIGNIN
from tests.accounts.test_mfa_helpers import T, at_step, clock, code, password_step, sign_in_with_mfa
from tests.conftest import USER_PASSWORD, csrf_post

pytestmark = pytest.mark.django_db

INCORRECT = "Your authentication information is incorrect. Please try again."


@pytest.fixture
def root_device(root):
    return VirtualMFADevice.objects.create(user=root, name="root-phone", confirmed=True)


@pytest.fixture
def alice_device(alice):
    return VirtualMFADevice.objects.create(user=alice, name="alice-phone", confirmed=True)


def challenge(client, device, step, *, code_value=None, at=None):
    with clock(at if at is not None else at_step(step)):
        return csrf_post(client, "/mfa/challenge/", {"device": device.name,
                                                     "code": code_value or code(device, step)})


def test_root_with_a_device_is_asked_for_a_code_after_the_password(root, root_device):
    client, response = password_step(root)
    assert response.status_code == 302 and response["Location"] == "/mfa/challenge/"
    page = client.get("/mfa/challenge/")
    assert page.status_code == 200
    assert "Multi-factor authentication" in page.content.decode()
    assert not page.wsgi_request.user.is_authenticated
    response = challenge(client, root_device, T)
    assert response.status_code == 302 and response["Location"] == "/console/home/"
    page = client.get("/iam/security-credentials/")
    assert page.status_code == 200
    assert page.wsgi_request.user == root and page.wsgi_request.user.is_verified()
    assert client.session[SESSION_MFA_AT]
    assert SESSION_PENDING_SIGNIN not in client.session


def test_an_iam_user_with_a_device_is_asked_too(alice, alice_device):
    client, response = password_step(alice)
    assert response["Location"] == "/mfa/challenge/"
    assert challenge(client, alice_device, T).status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_user_without_a_device_signs_in_with_the_password_alone(alice):
    client, response = password_step(alice)
    assert response["Location"] == "/console/home/"
    assert SESSION_MFA_AT not in client.session


def test_an_unfinished_enrolment_does_not_trigger_the_challenge(alice):
    VirtualMFADevice.objects.create(user=alice, name="pending", confirmed=False)
    client, response = password_step(alice)
    assert response["Location"] == "/console/home/"


def test_a_wrong_code_is_refused_and_the_throttle_is_stored_on_the_device(root, root_device):
    client, _ = password_step(root)
    wrong = f"{(int(code(root_device, T)) + 1) % 1000000:06d}"
    response = challenge(client, root_device, T, code_value=wrong)
    assert response.status_code == 401 and INCORRECT in response.content.decode()
    assert "_auth_user_id" not in client.session
    root_device.refresh_from_db()
    assert root_device.throttling_failure_count == 1
    # The right code straight away meets django-otp's back-off, kept in the database.
    response = challenge(client, root_device, T)
    assert response.status_code == 429 and "Too many invalid codes" in response.content.decode()
    VirtualMFADevice.objects.filter(pk=root_device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=10))
    response = challenge(client, root_device, T)
    assert response.status_code == 302
    root_device.refresh_from_db()
    assert root_device.throttling_failure_count == 0


def test_repeated_wrong_codes_lock_the_device_for_longer_and_longer(root, root_device):
    client, _ = password_step(root)
    for expected in (1, 2, 3):
        VirtualMFADevice.objects.filter(pk=root_device.pk).update(
            throttling_failure_timestamp=timezone.now() - timedelta(seconds=2 ** expected))
        challenge(client, root_device, T, code_value="000000" if code(root_device, T) != "000000" else "111111")
        root_device.refresh_from_db()
        assert root_device.throttling_failure_count == expected


def test_a_code_cannot_be_replayed(root, root_device):
    first = sign_in_with_mfa(root, root_device, T)
    csrf_post(first, "/signout/")
    client, _ = password_step(root)
    response = challenge(client, root_device, T)
    assert response.status_code == 401 and INCORRECT in response.content.decode()
    root_device.refresh_from_db()
    assert root_device.last_t == T
    # The next time step's code is fine.
    VirtualMFADevice.objects.filter(pk=root_device.pk).update(throttling_failure_count=0,
                                                        throttling_failure_timestamp=None)
    assert challenge(client, root_device, T + 1).status_code == 302


def test_codes_one_step_early_or_late_are_accepted(root, root_device):
    client, _ = password_step(root)
    response = challenge(client, root_device, T, code_value=code(root_device, T - 1), at=at_step(T))
    assert response.status_code == 302


def test_the_challenge_cannot_be_skipped_by_browsing_elsewhere(root, root_device, alice):
    client, _ = password_step(root)
    for url in ["/iam/", "/iam/security-credentials/", "/iam/users/alice/mfa/assign/",
                "/iam/security-credentials/mfa/assign/", "/password/change/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/"), url
        assert not response.wsgi_request.user.is_authenticated
    response = csrf_post(client, "/iam/security-credentials/mfa/assign/", {"name": "x", "device_type": "virtual"})
    assert response.status_code == 302 and response["Location"].startswith("/signin/")
    assert VirtualMFADevice.objects.filter(user=root).count() == 1
    # The challenge itself is still waiting.
    assert challenge(client, root_device, T).status_code == 302


def test_the_half_signed_in_state_expires_after_five_minutes(root, root_device):
    client = None
    with clock(at_step(T)):
        client, response = password_step(root)
    assert response["Location"] == "/mfa/challenge/"
    response = challenge(client, root_device, T + 11, at=at_step(T) + 301)
    assert response.status_code == 302 and response["Location"] == "/signin/"
    assert SESSION_PENDING_SIGNIN not in client.session
    assert "_auth_user_id" not in client.session
    page = client.get("/signin/")
    assert "Your sign-in session has expired" in page.content.decode()
    assert client.get("/mfa/challenge/")["Location"] == "/signin/"


def test_within_five_minutes_the_challenge_still_works(root, root_device):
    with clock(at_step(T)):
        client, _ = password_step(root)
    assert challenge(client, root_device, T + 9, at=at_step(T) + 295).status_code == 302


def test_an_expired_iam_user_goes_back_to_the_accounts_sign_in_page(alice, alice_device, account):
    with clock(at_step(T)):
        client, _ = password_step(alice)
    with clock(at_step(T) + 400):
        response = client.get("/mfa/challenge/")
    assert response["Location"] == f"/signin/{account.account_id}/"


def test_without_a_pending_sign_in_the_challenge_sends_you_to_sign_in(client, db):
    response = client.get("/mfa/challenge/")
    assert response.status_code == 302 and response["Location"] == "/signin/"


def test_a_password_change_meanwhile_voids_the_pending_sign_in(alice, alice_device):
    client, _ = password_step(alice)
    services.set_console_password(alice, "Another-Strong-Pass-2026!", reset_required=False)
    response = challenge(client, alice_device, T)
    assert response.status_code == 302 and response["Location"].startswith("/signin/")
    assert "_auth_user_id" not in client.session


def test_cancel_forgets_the_pending_sign_in(root, root_device):
    client, _ = password_step(root)
    response = csrf_post(client, "/mfa/challenge/", {"cancel": "1"})
    assert response["Location"] == "/signin/"
    assert SESSION_PENDING_SIGNIN not in client.session


def test_a_safe_next_is_honoured_after_the_code(root, root_device):
    client, response = password_step(root, next_url="/iam/security-credentials/")
    assert response["Location"] == "/mfa/challenge/"
    response = challenge(client, root_device, T)
    assert response["Location"] == "/iam/security-credentials/"


def test_an_unsafe_next_is_ignored(root, root_device):
    client, _ = password_step(root, next_url="https://evil.example/steal")
    assert challenge(client, root_device, T)["Location"] == "/console/home/"


def test_the_forced_password_change_follows_the_code(account, alice_device, alice):
    services.set_console_password(alice, USER_PASSWORD, reset_required=True)
    client, response = password_step(alice)
    assert response["Location"] == "/mfa/challenge/"
    response = challenge(client, alice_device, T)
    assert response["Location"] == "/password/change/"


def test_any_one_of_several_devices_will_do(root, root_device):
    tablet = VirtualMFADevice.objects.create(user=root, name="tablet", confirmed=True)
    client, _ = password_step(root)
    page = client.get("/mfa/challenge/").content.decode()
    assert "root-phone" in page and "tablet" in page
    assert challenge(client, tablet, T).status_code == 302
    root_device.refresh_from_db()
    assert root_device.throttling_failure_count == 0


def test_a_code_for_one_device_does_not_open_with_another(root, root_device):
    tablet = VirtualMFADevice.objects.create(user=root, name="tablet", confirmed=True)
    client, _ = password_step(root)
    response = challenge(client, tablet, T, code_value=code(root_device, T))
    assert response.status_code == 401


def test_another_users_device_cannot_be_chosen(root, root_device, alice_device):
    client, _ = password_step(root)
    response = challenge(client, alice_device, T)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_sign_in_throttle_applies_to_codes_too(root, root_device, settings):
    settings.IAMPORTAL_SIGNIN_ATTEMPTS = 3
    client, _ = password_step(root)
    for _ in range(3):
        VirtualMFADevice.objects.filter(pk=root_device.pk).update(throttling_failure_count=0,
                                                            throttling_failure_timestamp=None)
        challenge(client, root_device, T, code_value="000000" if code(root_device, T) != "000000" else "111111")
    response = challenge(client, root_device, T)
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_in_while_signed_in_as_someone_else_drops_the_old_session(root, alice, alice_device):
    from tests.conftest import signed_in_client

    client = signed_in_client(root)
    url = f"/signin/{alice.account.account_id}/"
    response = csrf_post(client, url, {"user_name": "alice", "password": USER_PASSWORD})
    assert response["Location"] == "/mfa/challenge/"
    assert client.get("/iam/security-credentials/").status_code == 302
    assert challenge(client, alice_device, T).status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_the_code_is_never_echoed_back(root, root_device):
    client, _ = password_step(root)
    wrong = "000000" if code(root_device, T) != "000000" else "111111"
    response = challenge(client, root_device, T, code_value=wrong)
    assert f'value="{wrong}"' not in response.content.decode()


@pytest.mark.parametrize("next_url", ["x", "dashboard"])
def test_a_next_that_names_no_path_is_ignored_after_the_code(root, root_device, next_url):
    client, _ = password_step(root, next_url=next_url)
    response = challenge(client, root_device, T)
    client, _ = password_step(root)
    landing = challenge(client, root_device, T + 1)["Location"]
    assert response.status_code == 302 and response["Location"] == landing and next_url not in landing


def test_a_wrong_code_from_another_address_does_not_lock_the_challenge(root, root_device, settings):
    settings.IAMPORTAL_SIGNIN_ATTEMPTS = 2
    client, _ = password_step(root)
    for _ in range(3):
        VirtualMFADevice.objects.filter(pk=root_device.pk).update(throttling_failure_count=0,
                                                                  throttling_failure_timestamp=None)
        with clock(at_step(T)):
            csrf_post(client, "/mfa/challenge/", {"device": root_device.name, "code": "000000"
                      if code(root_device, T) != "000000" else "111111"}, REMOTE_ADDR="198.51.100.66")
    VirtualMFADevice.objects.filter(pk=root_device.pk).update(throttling_failure_count=0,
                                                              throttling_failure_timestamp=None)
    assert challenge(client, root_device, T).status_code == 302
