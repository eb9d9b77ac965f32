"""Sign-up: no email-existence oracle before the form is otherwise valid, a per-address
throttle, and concurrent sign-ups with one email end in one account and clean refusals."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from accounts import services
from accounts.models import Account, User
from iamportal.errors import EntityAlreadyExists
from tests.conftest import ROOT_PASSWORD

pytestmark = pytest.mark.django_db

TAKEN = "An account with this email address already exists."


def refused(response) -> bool:
    """The sign-up page came back with its errors: no account, no 5xx (its status is the
    console's choice for a re-rendered form)."""
    return response.status_code != 302 and response.status_code < 500


def sign_up(email: str, password: str = ROOT_PASSWORD, confirm: str | None = None,
            address: str = "203.0.113.7"):
    return Client().post("/signup/", {"email": email, "password": password,
                                      "password_confirm": password if confirm is None else confirm},
                         REMOTE_ADDR=address)


@pytest.mark.parametrize("password, confirm", [
    ("password", None),                 # too common
    ("short", None),                    # too short
    (ROOT_PASSWORD, "something-else"),  # not confirmed
])
def test_an_existing_email_answers_like_a_new_one_while_the_form_is_invalid(root, password, confirm):
    existing = sign_up("OWNER@coffee.example", password, confirm)
    new = sign_up("nobody@coffee.example", password, confirm)
    assert refused(existing) and existing.status_code == new.status_code
    assert TAKEN not in existing.content.decode()
    assert existing.context["form"].errors == new.context["form"].errors


def test_an_email_in_use_shows_only_once_everything_else_is_valid(root):
    response = sign_up("owner@coffee.example")
    assert refused(response) and TAKEN in response.content.decode()
    assert Account.objects.count() == 1


def test_sign_ups_are_throttled_per_client_address(db, settings):
    settings.IAMPORTAL_SIGNUP_PER_ADDRESS = 2
    assert sign_up("one@shop.example").status_code == 302
    assert sign_up("two@shop.example").status_code == 302
    refused = sign_up("three@shop.example")
    assert refused.status_code == 429
    assert "Too many accounts were created from your network" in refused.content.decode()
    assert not User.objects.filter(email="three@shop.example").exists()
    assert sign_up("three@shop.example", address="198.51.100.9").status_code == 302


def test_an_invalid_sign_up_does_not_use_up_the_throttle(db, settings):
    settings.IAMPORTAL_SIGNUP_PER_ADDRESS = 1
    for _ in range(3):
        assert refused(sign_up("learner@shop.example", "password"))
    assert sign_up("learner@shop.example").status_code == 302


def test_probing_emails_uses_up_the_throttle(root, settings):
    settings.IAMPORTAL_SIGNUP_PER_ADDRESS = 3
    emails = ["owner@coffee.example", "a@coffee.example", "b@coffee.example", "c@coffee.example"]
    taken, first, second, third = [sign_up(email) for email in emails]
    assert refused(taken) and TAKEN in taken.content.decode()
    assert first.status_code == second.status_code == 302
    assert third.status_code == 429


def test_a_sign_up_that_loses_the_race_is_entity_already_exists(db, monkeypatch):
    """Between the email check and the insert, another sign-up takes the email (here in the
    same transaction, so both roll back; the PostgreSQL test below races real connections)."""
    real_set_password = User.set_password

    def competing_sign_up_first(user, raw):
        monkeypatch.setattr(User, "set_password", real_set_password)
        services.sign_up(email="race@shop.example", password=ROOT_PASSWORD)
        real_set_password(user, raw)

    monkeypatch.setattr(User, "set_password", competing_sign_up_first)
    with pytest.raises(EntityAlreadyExists, match=TAKEN):
        services.sign_up(email="Race@shop.example", password=ROOT_PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_sign_ups_with_one_email_make_one_account(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers, so the race needs PostgreSQL (CI runs both)")
    settings.IAMPORTAL_SIGNUP_PER_ADDRESS = 100
    barrier = threading.Barrier(10)
    responses = []

    def attempt(index):
        try:
            barrier.wait()
            responses.append(sign_up("same@shop.example", address=f"198.51.100.{index}"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [response.status_code for response in responses].count(302) == 1
    losers = [response for response in responses if response.status_code != 302]
    assert len(losers) == 9
    assert all(refused(response) and TAKEN in response.content.decode() for response in losers)
    assert User.objects.filter(email="same@shop.example").count() == 1
    assert Account.objects.count() == 1
