"""Helpers for the MFA tests: real TOTP codes from a device's key, at chosen times.

Codes are computed with django-otp's own HOTP function for an explicit time step,
and the server's clock is fixed with ``unittest.mock.patch("time.time")`` (which is what
``VirtualMFADevice.verify_token`` and the MFA services read), so no test depends on timing luck.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from unittest import mock

from django.test import Client
from django_otp.oath import hotp

from accounts.models import VirtualMFADevice
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, csrf_post

STEP = 30
#: A fixed instant, 5 seconds into a time step, close to the real clock.
BASE = (int(time.time()) // STEP) * STEP + 5
#: The time step at BASE.
T = BASE // STEP


def code(device: VirtualMFADevice, step: int) -> str:
    """The device's code for time step ``step`` (drift not applied: the app's view)."""
    return f"{hotp(device.bin_key, step, device.digits):0{device.digits}d}"


@contextmanager
def clock(ts: float):
    """Fix the server's ``time.time()`` at ``ts``."""
    with mock.patch("time.time", return_value=float(ts)):
        yield


def at_step(step: int, into: int = 5) -> float:
    return step * STEP + into


def own_urls() -> dict[str, str]:
    base = "/iam/security-credentials/mfa/"
    return {"assign": base + "assign/", "setup": base + "assign/setup/",
            "remove": base + "remove/", "resync": base + "resync/"}


def user_urls(user_name: str) -> dict[str, str]:
    base = f"/iam/users/{user_name}/mfa/"
    return {"assign": base + "assign/", "setup": base + "assign/setup/",
            "remove": base + "remove/", "resync": base + "resync/"}


def start_enrolment(client: Client, urls: dict[str, str], owner, name: str = "phone") -> VirtualMFADevice:
    response = csrf_post(client, urls["assign"], {"name": name, "device_type": "virtual"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == urls["setup"]
    return VirtualMFADevice.objects.get(user=owner, name=name, confirmed=False)


def enrol(client: Client, urls: dict[str, str], owner, name: str = "phone", step: int = T) -> VirtualMFADevice:
    """Assign a device through the two pages, typing the codes of ``step - 1`` and ``step``."""
    device = start_enrolment(client, urls, owner, name)
    with clock(at_step(step)):
        response = csrf_post(client, urls["setup"], {"code1": code(device, step - 1),
                                                      "code2": code(device, step)})
    assert response.status_code == 302, response.content.decode()[:2000]
    device.refresh_from_db()
    assert device.confirmed
    return device


def password_step(user, *, next_url: str = "") -> tuple[Client, object]:
    """Post the right password; returns the client and the response (not followed)."""
    client = Client(enforce_csrf_checks=True)
    if user.is_root:
        url, data = "/signin/", {"email": user.email, "password": ROOT_PASSWORD}
    else:
        url, data = f"/signin/{user.account.account_id}/", {"user_name": user.user_name,
                                                            "password": USER_PASSWORD}
    client.get(url)
    if next_url:
        data["next"] = next_url
    return client, csrf_post(client, url, data)


def sign_in_with_mfa(user, device: VirtualMFADevice, step: int) -> Client:
    """Password, then the device's code for ``step`` (the server's clock at that step)."""
    client, response = password_step(user)
    assert response["Location"] == "/mfa/challenge/"
    with clock(at_step(step)):
        response = csrf_post(client, "/mfa/challenge/", {"device": device.name, "code": code(device, step)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client
