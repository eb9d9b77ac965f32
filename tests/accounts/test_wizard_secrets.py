"""The create-user wizard keeps no password readable in the session row (#9 L4): a typed
custom password is sealed in the wizard's storage between steps, and the password kept for
the one .csv download is sealed too (accounts.seeds, a key derived from SECRET_KEY)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from accounts import services
from tests.accounts.test_user_create_wizard import CSV_URL, URL, create, post_step, shown_password
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

PASSWORD = "Flat-White-2026!"


def session_row(client) -> str:
    """Everything the session row holds, decoded, as an attacker reading the table would see."""
    return str(Session.objects.get(pk=client.session.session_key).get_decoded())


def test_a_custom_password_is_sealed_between_steps_and_still_set(root_client, account):
    root_client.get(URL)
    post_step(root_client, "details", user_name="carol", path="/", console_access="on",
              password_type="custom", custom_password=PASSWORD, password_reset_required="")
    assert "<h1>Review and create</h1>" in post_step(root_client, "permissions", option="groups").content.decode()
    assert PASSWORD not in session_row(root_client)
    assert post_step(root_client, "review").status_code == 200  # Retrieve password
    assert PASSWORD not in session_row(root_client)
    assert services.get_user(account, "carol").check_password(PASSWORD)


def test_the_password_kept_for_the_csv_is_sealed(root_client, account):
    response = create(root_client, {"user_name": "carol", "console_access": "on"})
    password = shown_password(response)
    assert password not in session_row(root_client)
    csv = csrf_post(root_client, CSV_URL).content.decode()
    assert password in csv and "carol" in csv
    assert "sealed_password" not in session_row(root_client)


def test_a_password_sealed_under_an_old_secret_key_is_gone_not_a_server_error(root_client, settings):
    create(root_client, {"user_name": "carol", "console_access": "on"})
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    response = csrf_post(root_client, CSV_URL)
    assert response.status_code in (302, 410)
