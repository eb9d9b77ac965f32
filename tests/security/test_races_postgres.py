"""Races on PostgreSQL (docs/security.md, "Running the checks"): what a class of browsers
clicking at the same moment does to uniqueness, the five-version limit and the quotas.

Each scenario prepares several signed-in browsers up to the last click (a wizard's final
step, a form), then releases them together from threads, each on its own database
connection. Exactly one wins; the others get AWS's error in AWS's words; no answer is a
5xx. SQLite serialises writers, so the scenarios only mean something on PostgreSQL (CI
runs the suite on both):

    DATABASE_URL=postgres://iamportal:iamportal@127.0.0.1:5432/iamportal \\
        .venv/bin/python -m pytest tests/security/test_races_postgres.py
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from accounts import services as account_services
from accounts.models import Group, User
from accounts.quotas import GROUPS_PER_ACCOUNT
from policies import services as policy_services
from policies.models import ManagedPolicy
from policies.services import POLICIES_PER_ACCOUNT, VERSION_LIMIT_MESSAGE
from tests.accounts.test_role_create_wizard import step as role_step
from tests.accounts.test_user_create_wizard import post_step as user_step
from tests.conftest import ROOT_PASSWORD, csrf_post, signed_in_client
from tests.policies.helpers import bulk_policies, doc
from tests.policies.test_policy_create import step1 as policy_step1
from tests.policies.test_policy_create import step2 as policy_step2

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="races need concurrent writers: run with DATABASE_URL=postgres://… (CI does)"),
    pytest.mark.django_db(transaction=True),
]

BROWSERS = 6


def race(clients: list[Client], click) -> list:
    """``click(client)`` from every client at once, each thread on its own connection; the
    responses (a 500 for an exception the view let through)."""
    barrier = threading.Barrier(len(clients))
    responses: list = [None] * len(clients)

    def run(i: int) -> None:
        clients[i].raise_request_exception = False
        try:
            barrier.wait()
            responses[i] = click(clients[i])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def assert_one_wins(responses, refusal: str) -> None:
    """One success (a redirect); every other answer a 4xx or the form again, with ``refusal``."""
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), statuses
    winners = [r for r in responses if r.status_code in (302, 303)]
    assert len(winners) == 1, statuses
    for loser in (r for r in responses if r not in winners):
        assert refusal in loser.content.decode(), (loser.status_code, loser.content.decode()[:1500])


@pytest.fixture
def browsers(root):
    """Several browsers, each signed in as the account's root user in its own session."""
    return [signed_in_client(root) for _ in range(BROWSERS)]


def test_one_of_several_same_name_groups_is_created(browsers, account):
    responses = race(browsers, lambda c: csrf_post(c, "/iam/groups/create/", {"name": "Baristas", "path": "/"}))
    assert_one_wins(responses, "Group with name Baristas already exists.")
    assert Group.objects.filter(account=account, name__iexact="Baristas").count() == 1


def test_one_of_several_same_name_users_is_created(browsers, account):
    for client in browsers:  # every browser on "Review and create" for carol
        assert user_step(client, "details", user_name="carol", path="/").status_code == 200
        assert user_step(client, "permissions", option="groups").status_code == 200
    responses = race(browsers, lambda c: user_step(c, "review"))
    assert_one_wins(responses, "User with name carol already exists.")
    assert User.objects.for_account(account).filter(user_name__iexact="carol").count() == 1


def test_one_of_several_same_name_roles_is_created(browsers, account):
    for client in browsers:
        client.get("/iam/roles/create/")
        assert role_step(client, "trusted_entity", {"entity_type": "aws_account", "account_choice": "this"}
                         ).status_code == 200
        assert role_step(client, "permissions", {}).status_code == 200
    responses = race(browsers, lambda c: role_step(c, "details", {"name": "Cashier"}))
    assert_one_wins(responses, "Role with name Cashier already exists.")
    assert account.roles.filter(name__iexact="Cashier").count() == 1


def test_one_of_several_same_name_policies_is_created(browsers, account):
    for client in browsers:
        assert policy_step1(client, doc()).status_code == 200
    responses = race(browsers, lambda c: policy_step2(c, name="Receipts"))
    assert_one_wins(responses, "A policy called Receipts already exists. Duplicate names are not allowed.")
    assert ManagedPolicy.objects.for_account(account).filter(name__iexact="Receipts").count() == 1


def test_one_of_several_sign_ups_with_one_email_gets_the_account():
    clients = [Client() for _ in range(BROWSERS)]
    for client in clients:
        client.get("/signup/")

    def sign_up(client):
        address = f"192.0.2.{clients.index(client) + 1}"  # one browser per address: no throttle in the way
        return csrf_post(client, "/signup/", {"email": "owner@race.example", "password": ROOT_PASSWORD,
                                              "password_confirm": ROOT_PASSWORD}, REMOTE_ADDR=address)

    assert_one_wins(race(clients, sign_up), account_services.EMAIL_IN_USE)
    assert User.objects.filter(is_root=True, email__iexact="owner@race.example").count() == 1


def test_the_fifth_version_goes_to_one_of_several_editors(browsers, account):
    policy = policy_services.create_policy(account, name="Receipts", document=doc())
    for _ in range(3):
        policy_services.create_policy_version(policy, document=doc())
    url = f"/iam/policies/{account.account_id}/Receipts/edit/"
    responses = race(browsers, lambda c: csrf_post(c, url, {"document": doc(indent=2), "set_as_default": "on"}))
    assert_one_wins(responses, VERSION_LIMIT_MESSAGE)
    assert policy.versions.count() == 5


def test_the_last_group_under_the_quota_goes_to_one_browser(browsers, account):
    Group.objects.bulk_create(Group(account=account, name=f"G{i:03d}", unique_id=f"AGPARACE{i:012d}")
                              for i in range(GROUPS_PER_ACCOUNT - 1))
    responses = race(browsers, lambda c: csrf_post(
        c, "/iam/groups/create/", {"name": f"Last{browsers.index(c)}", "path": "/"}))
    assert_one_wins(responses, f"Cannot exceed quota for GroupsPerAccount: {GROUPS_PER_ACCOUNT}")
    assert Group.objects.filter(account=account).count() == GROUPS_PER_ACCOUNT


def test_the_last_policy_under_the_quota_goes_to_one_browser(browsers, account):
    bulk_policies(account, POLICIES_PER_ACCOUNT - 1)
    for client in browsers:
        assert policy_step1(client, doc()).status_code == 200
    responses = race(browsers, lambda c: policy_step2(c, name=f"Last{browsers.index(c)}"))
    assert_one_wins(responses, f"Cannot exceed quota for PoliciesPerAccount: {POLICIES_PER_ACCOUNT}")
    assert ManagedPolicy.objects.for_account(account).count() == POLICIES_PER_ACCOUNT
