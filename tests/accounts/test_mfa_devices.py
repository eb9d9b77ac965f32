"""Assigned MFA devices: the list, Remove (with re-authentication), Resync, the dashboard."""

from __future__ import annotations

import logging

import pytest
from django.template.loader import render_to_string

from accounts import mfa, services
from accounts.models import VirtualMFADevice
from iamportal.errors import NoSuchEntity
from tests.accounts.test_mfa_helpers import (
    T,
    at_step,
    clock,
    code,
    enrol,
    own_urls,
    password_step,
    user_urls,
)
from tests.conftest import ROOT_PASSWORD, csrf_post

pytestmark = pytest.mark.django_db

INVALID = "Authentication code for device is not valid."


@pytest.fixture
def alice_device(alice):
    return VirtualMFADevice.objects.create(user=alice, name="alice-phone", confirmed=True)


# ---------------------------------------------------------------------------
# The list


def test_the_user_detail_partial_lists_devices_with_identifier_type_and_date(alice, alice_device, account):
    VirtualMFADevice.objects.create(user=alice, name="pending", confirmed=False)
    html = render_to_string("accounts/mfa/_device_list.html", {"subject": alice})
    assert f"arn:aws:iam::{account.account_id}:mfa/alice-phone" in html
    assert "Virtual" in html and alice_device.created_at.strftime("%B") in html
    assert "pending" not in html  # an unfinished enrolment is not a device yet
    assert 'href="/iam/users/alice/mfa/assign/"' in html
    assert 'href="/iam/users/alice/mfa/remove/?device=alice-phone"' in html
    assert 'href="/iam/users/alice/mfa/resync/?device=alice-phone"' in html


def test_the_partial_says_when_there_are_no_devices(alice):
    html = render_to_string("accounts/mfa/_device_list.html", {"subject": alice})
    assert "No MFA devices" in html and "Assign MFA device" in html


def test_the_partial_costs_one_query(alice, django_assert_max_num_queries):
    for index in range(8):
        VirtualMFADevice.objects.create(user=alice, name=f"d{index}", confirmed=True)
    alice = type(alice).objects.select_related("account").get(pk=alice.pk)
    with django_assert_max_num_queries(1):
        render_to_string("accounts/mfa/_device_list.html", {"subject": alice})


def test_my_security_credentials_uses_the_self_service_links(root_client, root):
    enrol(root_client, own_urls(), root, name="root-phone")
    body = root_client.get("/iam/security-credentials/").content.decode()
    assert 'href="/iam/security-credentials/mfa/remove/?device=root-phone"' in body
    assert "Created on" in body


# ---------------------------------------------------------------------------
# Remove


def test_root_removes_an_iam_users_device_with_its_own_password(root_client, alice, alice_device, caplog):
    caplog.set_level(logging.INFO, logger="iamportal.audit")
    page = root_client.get("/iam/users/alice/mfa/remove/?device=alice-phone")
    assert page.status_code == 200 and "Your password" in page.content.decode()
    assert "current MFA code" not in page.content.decode()  # root does not hold alice's device
    response = csrf_post(root_client, "/iam/users/alice/mfa/remove/",
                         {"device": "alice-phone", "password": ROOT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/iam/users/alice/?tab=security_credentials"
    assert not VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()
    assert "DeactivateMFADevice" in caplog.text and "mfa/alice-phone" in caplog.text
    assert alice_device.key not in caplog.text


def test_removal_needs_the_right_password(root_client, alice_device):
    response = csrf_post(root_client, "/iam/users/alice/mfa/remove/", {"device": "alice-phone", "password": "nope"})
    assert response.status_code == 403
    assert "Your authentication information is incorrect" in response.content.decode()
    assert VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()


def test_removal_needs_some_confirmation(root_client, alice_device):
    response = csrf_post(root_client, "/iam/users/alice/mfa/remove/", {"device": "alice-phone"})
    assert response.status_code == 200
    assert "To confirm, enter your password" in response.content.decode()
    assert VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()


def test_opening_the_remove_page_removes_nothing(root_client, alice_device):
    assert root_client.get("/iam/users/alice/mfa/remove/?device=alice-phone").status_code == 200
    assert VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()


def test_the_owner_may_confirm_removal_with_a_fresh_code_from_the_device(root_client, root):
    device = enrol(root_client, own_urls(), root, name="root-phone", step=T)
    page = root_client.get(own_urls()["remove"] + "?device=root-phone").content.decode()
    assert "current MFA code" in page
    with clock(at_step(T + 1)):
        response = csrf_post(root_client, own_urls()["remove"], {"device": "root-phone",
                                                                 "code": code(device, T + 1)})
    assert response.status_code == 302 and response["Location"] == "/iam/security-credentials/"
    assert not VirtualMFADevice.objects.filter(pk=device.pk).exists()


def test_a_stale_or_wrong_code_does_not_remove_the_device(root_client, root):
    device = enrol(root_client, own_urls(), root, name="root-phone", step=T)
    with clock(at_step(T)):  # the code used to enrol: already spent
        response = csrf_post(root_client, own_urls()["remove"], {"device": "root-phone", "code": code(device, T)})
    assert response.status_code == 403 and INVALID in response.content.decode()
    assert VirtualMFADevice.objects.filter(pk=device.pk).exists()


def test_removing_an_unknown_device_is_404(root_client, alice):
    assert root_client.get("/iam/users/alice/mfa/remove/?device=nope").status_code == 404
    assert csrf_post(root_client, "/iam/users/alice/mfa/remove/",
                     {"device": "nope", "password": ROOT_PASSWORD}).status_code == 404


@pytest.mark.parametrize("name", ["bad\x00name", "x" * 5000, ""])
def test_a_device_name_no_device_can_have_is_404_without_a_query(root_client, alice, name,
                                                                   django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(NoSuchEntity):
        mfa.get_device(alice, name)
    assert csrf_post(root_client, "/iam/users/alice/mfa/resync/",
                     {"device": name, "code1": "123456", "code2": "234567"}).status_code == 404


def test_another_accounts_device_is_404(mallory_client, alice_device):
    assert mallory_client.get("/iam/users/alice/mfa/remove/?device=alice-phone").status_code == 404
    assert mallory_client.get(own_urls()["remove"] + "?device=alice-phone").status_code == 404
    assert VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()


def test_after_removal_sign_in_needs_no_code(root_client, alice, alice_device):
    csrf_post(root_client, "/iam/users/alice/mfa/remove/", {"device": "alice-phone", "password": ROOT_PASSWORD})
    _, response = password_step(alice)
    assert response["Location"] == "/console/home/"


def test_an_iam_user_without_policies_cannot_remove_or_resync(alice_client, alice_device):
    response = csrf_post(alice_client, "/iam/security-credentials/mfa/remove/",
                         {"device": "alice-phone", "password": "x"})
    assert response.status_code == 403 and "iam:DeactivateMFADevice" in response.content.decode()
    response = alice_client.get("/iam/security-credentials/mfa/resync/?device=alice-phone")
    assert response.status_code == 403 and "iam:ResyncMFADevice" in response.content.decode()
    assert VirtualMFADevice.objects.filter(pk=alice_device.pk).exists()


def test_deleting_a_user_removes_their_devices(alice, alice_device):
    services.delete_user(alice, remove_dependents=True)
    assert not VirtualMFADevice.objects.exists()


# ---------------------------------------------------------------------------
# Resync


def test_resync_adopts_the_drift_of_a_device_whose_clock_runs_ahead(root_client, root):
    device = enrol(root_client, own_urls(), root, name="root-phone", step=T)
    # The phone now runs five steps (2.5 minutes) ahead of the server.
    with clock(at_step(T + 2)):
        response = csrf_post(root_client, own_urls()["resync"], {"device": "root-phone",
                                                                 "code1": code(device, T + 6),
                                                                 "code2": code(device, T + 7)})
    assert response.status_code == 302 and response["Location"] == "/iam/security-credentials/"
    device.refresh_from_db()
    assert device.drift == 5 and device.last_t == T + 7
    # Signing in later, the phone's code (its clock still five steps ahead) is accepted.
    client, _ = password_step(root)
    with clock(at_step(T + 4)):
        response = csrf_post(client, "/mfa/challenge/", {"device": "root-phone", "code": code(device, T + 9)})
    assert response.status_code == 302


def test_resync_refuses_codes_that_are_not_consecutive(root_client, alice, alice_device):
    with clock(at_step(T)):
        response = csrf_post(root_client, "/iam/users/alice/mfa/resync/",
                             {"device": "alice-phone", "code1": code(alice_device, T),
                              "code2": code(alice_device, T + 2)})
    assert response.status_code == 200 and INVALID in response.content.decode()
    alice_device.refresh_from_db()
    assert alice_device.drift == 0 and alice_device.throttling_failure_count == 1


def test_resync_refuses_codes_already_used(root_client, root):
    device = enrol(root_client, own_urls(), root, name="root-phone", step=T)
    with clock(at_step(T)):
        response = csrf_post(root_client, own_urls()["resync"], {"device": "root-phone",
                                                                 "code1": code(device, T - 1),
                                                                 "code2": code(device, T)})
    assert response.status_code == 200


def test_resync_of_another_users_device_by_root(root_client, alice, alice_device):
    with clock(at_step(T)):
        response = csrf_post(root_client, user_urls("alice")["resync"],
                             {"device": "alice-phone", "code1": code(alice_device, T - 4),
                              "code2": code(alice_device, T - 3)})
    assert response.status_code == 302
    alice_device.refresh_from_db()
    assert alice_device.drift == -3


# ---------------------------------------------------------------------------
# The dashboard's root MFA recommendation


def test_the_dashboard_recommends_mfa_for_root_until_root_has_a_device(root_client, root):
    page = root_client.get("/iam/").content.decode()
    assert "Add MFA for root user" in page
    VirtualMFADevice.objects.create(user=root, name="pending", confirmed=False)
    assert "Add MFA for root user" in root_client.get("/iam/").content.decode()
    enrol(root_client, own_urls(), root, name="root-phone")
    page = root_client.get("/iam/").content.decode()
    assert "Add MFA for root user" not in page
    assert "Root user has MFA" in page


def test_the_partial_shows_access_denied_instead_of_the_list_when_listing_is_refused(alice, alice_device):
    from policies.authz import Authorization

    denied = Authorization(False, "iam:ListMFADevices", alice.arn, "arn:aws:iam::1:user/bob", "implicitDeny",
                           "because no identity-based policy allows the iam:ListMFADevices action")
    html = render_to_string("accounts/mfa/_device_list.html", {"subject": alice, "mfa_list_auth": denied})
    assert "AccessDenied" in html and "iam:ListMFADevices" in html
    assert "mfa/alice-phone" not in html
    allowed = Authorization(True, "iam:ListMFADevices", alice.arn, "arn:aws:iam::1:root", "allowed")
    html = render_to_string("accounts/mfa/_device_list.html", {"subject": alice, "mfa_list_auth": allowed})
    assert "mfa/alice-phone" in html and "AccessDenied" not in html
