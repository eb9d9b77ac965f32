"""The IAM dashboard: resource counts, the account, its sign-in URL, security recommendations."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services

pytestmark = pytest.mark.django_db


def _html(client) -> str:
    response = client.get("/iam/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_counts_the_accounts_users_and_groups_with_links(root_client, account, alice, bob, mallory):
    services.create_group(account, name="Cashiers", users=[alice])
    services.create_group(mallory.account, name="Elsewhere")
    services.create_user(mallory.account, user_name="eve")
    response = root_client.get("/iam/")
    counts = {label: count for label, count, _ in response.context["counts"]}
    assert counts["User groups"] == 1
    assert counts["Users"] == 2  # IAM users only: the root user is not one
    html = response.content.decode()
    assert '<a class="count" href="/iam/groups/">1</a>' in html
    assert '<a class="count" href="/iam/users/">2</a>' in html


def test_it_shows_the_account_id_and_the_sign_in_url_by_id(root_client, account):
    html = _html(root_client)
    assert f'<dd class="mono">{account.account_id}</dd>' in html
    assert f"http://testserver/signin/{account.account_id}/" in html
    assert 'href="/iam/account/">Create</a>' in html


def test_with_an_alias_it_shows_the_alias_and_the_alias_url(root_client, account):
    services.set_account_alias(account, "coffee-shop")
    html = _html(root_client)
    assert "coffee-shop" in html
    assert "http://testserver/signin/coffee-shop/" in html
    assert 'href="/iam/account/">Edit</a>' in html


def test_it_recommends_mfa_while_root_has_no_confirmed_device(root_client, root):
    assert "Add MFA for root user" in _html(root_client)
    TOTPDevice.objects.create(user=root, name="phone", confirmed=False)
    assert "Add MFA for root user" in _html(root_client)
    TOTPDevice.objects.filter(user=root).update(confirmed=True)
    html = _html(root_client)
    assert "Add MFA for root user" not in html
    assert "Root user has MFA" in html


def test_it_says_the_root_user_has_no_active_access_keys(root_client):
    assert "Root user has no active access keys" in _html(root_client)


def test_it_warns_against_everyday_root_use_until_an_iam_user_exists(root_client, account):
    assert "Don&#x27;t use the root user for everyday tasks" in _html(root_client)
    services.create_user(account, user_name="admin")
    assert "Don&#x27;t use the root user for everyday tasks" not in _html(root_client)


def test_each_account_sees_only_its_own_figures(mallory_client, mallory, account, alice):
    services.create_group(account, name="Cashiers")
    response = mallory_client.get("/iam/")
    counts = {label: count for label, count, _ in response.context["counts"]}
    assert counts["User groups"] == 0 and counts["Users"] == 0
    assert mallory.account.account_id in response.content.decode()
    assert account.account_id not in response.content.decode()


def test_queries_do_not_grow_with_users_and_groups(root_client, account, django_assert_max_num_queries):
    for i in range(20):
        services.create_group(account, name=f"g{i}", users=[services.create_user(account, user_name=f"u{i}")])
    with django_assert_max_num_queries(11):  # 10, and the lab panel's look-up of a running lab
        root_client.get("/iam/")


def test_a_user_without_policies_gets_awss_access_denied(bob_client, bob):
    response = bob_client.get("/iam/")
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:GetAccountSummary on resource: * because "
            "no identity-based policy allows the iam:GetAccountSummary action") in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in():
    assert Client().get("/iam/")["Location"] == "/signin/?next=/iam/"


def test_each_recommendation_carries_its_next_step_as_a_link(root_client, account):
    """#11 item 13: "Add MFA" opens the root user's MFA assignment, "Create user" the wizard."""
    html = _html(root_client)
    assert '<a class="button" href="/iam/security-credentials/mfa/assign/">Add MFA</a>' in html
    assert '<a class="button" href="/iam/users/create/">Create user</a>' in html
