"""Sign-in throttling: failures only, per client address + account + name, a per-address
ceiling a classroom fits under, the client address from trusted proxies only, pruning."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts import services, throttle
from accounts.addresses import client_address
from accounts.identity import base_context
from accounts.models import Throttle
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD

pytestmark = pytest.mark.django_db

IN, WRONG, THROTTLED = "signed in", "wrong password", "throttled"


def outcome(response) -> str:
    """What the person signing in sees."""
    if response.status_code == 302:
        return IN
    body = response.content.decode()
    if "Too many sign-in attempts" in body:
        assert response.status_code == 429
        return THROTTLED
    assert "Your authentication information is incorrect" in body
    return WRONG


def iam_sign_in(account_slug: str, name: str, password: str, address: str = "203.0.113.7", **extra) -> str:
    return outcome(Client().post(f"/signin/{account_slug}/", {"user_name": name, "password": password},
                                 REMOTE_ADDR=address, **extra))


def root_sign_in(password: str, address: str = "203.0.113.7") -> str:
    return outcome(Client().post("/signin/", {"email": "owner@coffee.example", "password": password},
                                 REMOTE_ADDR=address))


def test_eleven_users_signing_in_correctly_from_one_address_all_succeed(account):
    for index in range(11):
        services.create_user(account, user_name=f"trainee{index}", console_password=USER_PASSWORD)
    outcomes = [iam_sign_in(account.account_id, f"trainee{index}", USER_PASSWORD) for index in range(11)]
    assert outcomes == [IN] * 11


def test_one_user_signing_in_again_and_again_is_never_throttled(alice, account):
    outcomes = {iam_sign_in(account.account_id, "alice", USER_PASSWORD) for _ in range(15)}
    assert outcomes == {IN}


def test_a_class_of_50_behind_one_address_each_making_two_typos_all_sign_in(account):
    names = [f"student{index:02d}" for index in range(50)]
    for name in names:
        services.create_user(account, user_name=name, console_password=USER_PASSWORD)
    for name in names:
        assert iam_sign_in(account.account_id, name, "typo-1") == WRONG
        assert iam_sign_in(account.account_id, name, "typo-2") == WRONG
        assert iam_sign_in(account.account_id, name, USER_PASSWORD) == IN, name


def test_ten_failures_lock_the_name_from_that_address_even_with_the_right_password(alice, account):
    outcomes = [iam_sign_in(account.account_id, "alice", "wrong") for _ in range(10)]
    assert outcomes == [WRONG] * 10
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == THROTTLED


def test_failures_from_another_address_do_not_lock_the_user_out(alice, account):
    for _ in range(12):
        iam_sign_in(account.account_id, "alice", "wrong", address="198.51.100.66")
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD, address="203.0.113.7") == IN


def test_root_failures_from_another_address_do_not_lock_root_out(root):
    outcomes = [root_sign_in("wrong", address="198.51.100.66") for _ in range(11)]
    assert outcomes[-1] == THROTTLED
    assert root_sign_in(ROOT_PASSWORD, address="203.0.113.7") == IN


def test_the_alias_and_the_account_id_share_one_budget(alice, account):
    services.set_account_alias(account, "coffee-shop")
    outcomes = [iam_sign_in(slug, "alice", "wrong")
             for slug in ["coffee-shop", account.account_id] * 5]
    assert outcomes == [WRONG] * 10
    assert iam_sign_in("coffee-shop", "alice", "wrong") == THROTTLED
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == THROTTLED


def test_a_success_clears_that_names_failures(alice, account):
    for _ in range(9):
        iam_sign_in(account.account_id, "alice", "wrong")
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == IN
    outcomes = [iam_sign_in(account.account_id, "alice", "wrong") for _ in range(9)]
    assert outcomes == [WRONG] * 9
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == IN


def test_the_per_address_ceiling_stops_guessing_across_many_names(alice, account, settings):
    settings.IAMPORTAL_SIGNIN_ADDRESS_FAILURES = 5
    outcomes = [iam_sign_in(account.account_id, f"guess{index}", "wrong") for index in range(6)]
    assert outcomes == [WRONG] * 5 + [THROTTLED]
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == THROTTLED
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD, address="198.51.100.1") == IN


def test_a_refused_attempt_does_not_use_up_the_address_ceiling(alice, account, settings):
    settings.IAMPORTAL_SIGNIN_ATTEMPTS = 2
    settings.IAMPORTAL_SIGNIN_ADDRESS_FAILURES = 4
    for _ in range(10):  # 2 failures, then 8 refusals that check nothing
        iam_sign_in(account.account_id, "mallet", "wrong")
    bob = services.create_user(account, user_name="bob", console_password=USER_PASSWORD)
    assert iam_sign_in(account.account_id, bob.user_name, "wrong") == WRONG
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == IN


def test_the_window_ends_the_lock(alice, account):
    for _ in range(10):
        iam_sign_in(account.account_id, "alice", "wrong")
    Throttle.objects.update(window_start=timezone.now() - timedelta(minutes=6))
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD) == IN


def test_the_table_stores_no_emails_or_user_names(root, alice, account):
    root_sign_in("wrong")
    iam_sign_in(account.account_id, "alice", "wrong")
    keys = " ".join(Throttle.objects.values_list("key", flat=True))
    assert "owner@coffee.example" not in keys and "alice" not in keys


# ---------------------------------------------------------------------------
# The client address


def request_from(peer: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **extra)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.0/8")]
    # The client forged "1.2.3.4"; the outer proxy 10.0.0.9 appended the real client.
    assert client_address(request_from("10.0.0.5", "1.2.3.4, 198.51.100.1, 10.0.0.9")) == "198.51.100.1"
    assert client_address(request_from("10.0.0.5", "garbage, 198.51.100.1")) == "198.51.100.1"
    assert client_address(request_from("10.0.0.5", "198.51.100.1, garbage")) == "10.0.0.5"
    assert client_address(request_from("10.0.0.5")) == "10.0.0.5"


def test_aws_source_ip_is_the_client_address(settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.5/32")]
    request = request_from("10.0.0.5", "198.51.100.1")
    request.session = {}
    assert base_context(request)["aws:SourceIp"] == "198.51.100.1"
    forged = request_from("203.0.113.7", "198.51.100.1")
    forged.session = {}
    assert base_context(forged)["aws:SourceIp"] == "203.0.113.7"


def test_a_forged_x_forwarded_for_does_not_escape_the_lock(alice, account, settings):
    settings.TRUSTED_PROXIES = []
    for index in range(10):
        iam_sign_in(account.account_id, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{index}")
    forged = "198.51.100.200"
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD, HTTP_X_FORWARDED_FOR=forged) == THROTTLED


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(alice, account, settings):
    settings.TRUSTED_PROXIES = [ip_network("10.0.0.5/32")]
    for _ in range(10):
        iam_sign_in(account.account_id, "alice", "wrong", address="10.0.0.5",
                    HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD, address="10.0.0.5",
                       HTTP_X_FORWARDED_FOR="198.51.100.66") == THROTTLED
    assert iam_sign_in(account.account_id, "alice", USER_PASSWORD, address="10.0.0.5",
                       HTTP_X_FORWARDED_FOR="203.0.113.7") == IN


# ---------------------------------------------------------------------------
# Pruning


def test_stale_counters_are_pruned_when_a_new_one_is_written(root):
    old = timezone.now() - timedelta(days=1)
    Throttle.objects.bulk_create(Throttle(key=f"signin:addr:old{index}", window_start=old, count=3)
                                 for index in range(20))
    Throttle.objects.create(key="signin:addr:recent", window_start=timezone.now(), count=1)
    root_sign_in("wrong")
    keys = set(Throttle.objects.values_list("key", flat=True))
    assert not any(key.startswith("signin:addr:old") for key in keys)
    assert "signin:addr:recent" in keys


def test_one_write_prunes_a_bounded_batch(db, monkeypatch):
    monkeypatch.setattr(throttle, "PRUNE_BATCH", 5)
    old = timezone.now() - timedelta(days=1)
    Throttle.objects.bulk_create(Throttle(key=f"old{index}", window_start=old) for index in range(12))
    throttle.spend("fresh", limit=1, window=60)
    assert Throttle.objects.filter(window_start__lt=timezone.now() - timedelta(hours=2)).count() == 7
