"""Django's admin site for operators: createsuperuser, sign-in through the console's root
form, changelists of every account's rows; console users never get in."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from tests.conftest import ROOT_PASSWORD

pytestmark = pytest.mark.django_db

OPERATOR = "ops@portal.example"


@pytest.fixture
def operator_client(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", ROOT_PASSWORD)
    call_command("createsuperuser", "--noinput", "--login_key", OPERATOR, verbosity=0)
    client = Client()
    assert client.post("/signin/", {"email": OPERATOR, "password": ROOT_PASSWORD}).status_code == 302
    return client


def test_createsuperuser_makes_an_operator_with_an_account_of_its_own(operator_client, account):
    operator = User.objects.get(login_key=f"root:{OPERATOR}")
    assert operator.is_staff and operator.is_superuser and operator.is_root
    assert operator.account != account


@pytest.mark.parametrize("url", ["/admin/", "/admin/accounts/user/", "/admin/policies/managedpolicy/",
                                 "/admin/accounts/group/", "/admin/policies/policyattachment/",
                                 "/admin/accounts/passwordpolicy/"])
def test_an_operator_opens_the_admin_changelists(operator_client, alice, url):
    assert operator_client.get(url).status_code == 200


def test_the_changelist_shows_every_accounts_users(operator_client, alice, mallory):
    page = operator_client.get("/admin/accounts/user/").content.decode()
    assert "alice" in page and "mallory@elsewhere.example" in page


def test_console_users_are_not_operators(root_client, alice_client):
    for client in (root_client, alice_client):
        response = client.get("/admin/accounts/user/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_login_page_is_the_root_sign_in_form():
    response = Client().get("/admin/login/")
    assert response.status_code == 302 and response["Location"] == "/signin/?next=/admin/"
