"""Users list: the console's columns, search, sort, pagination, and a fixed number of queries."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import ids, services
from accounts.models import GroupMembership, User, iam_login_key
from tests.conftest import grant

pytestmark = pytest.mark.django_db

URL = "/iam/users/"
# Session, caller, count, page rows, the rows' groups, the lab panel's running lab: nothing per row.
MAX_QUERIES = 7


def make_users(account, count: int, prefix: str = "user") -> list[User]:
    """``count`` IAM users in one INSERT, with what ``User.save`` would have set."""
    users = []
    for index in range(count):
        name = f"{prefix}{index:04d}"
        user = User(account=account, user_name=name, login_key=iam_login_key(account.account_id, name),
                    unique_id=ids.unique_id("AIDA"))
        user.set_unusable_password()
        users.append(user)
    return User.objects.bulk_create(users)


def names_on(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', response.content.decode())


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_lists_the_accounts_users_with_the_consoles_columns(root_client, alice, bob):
    response = root_client.get(URL)
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Users (2)</h1>" in page
    for heading in ("User name", "Groups", "Last activity", "MFA", "Password age", "Creation time"):
        assert f">{heading}</a></th>" in page
    assert names_on(response) == ["alice", "bob"]
    assert 'href="/iam/users/alice/"' in page
    assert 'href="/iam/users/create/">Create user</a>' in page
    assert ">Delete</button>" in page


def test_the_columns_show_groups_activity_mfa_password_age_and_creation(root_client, account, alice, bob):
    services.create_group(account, name="Cashiers", users=[alice])
    services.create_group(account, name="Baristas", users=[alice])
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    TOTPDevice.objects.create(user=bob, name="unfinished", confirmed=False)
    User.objects.filter(pk=alice.pk).update(last_login=timezone.now() - timedelta(hours=2),
                                            password_changed=timezone.now() - timedelta(days=3),
                                            created=timezone.now() - timedelta(days=40))
    carol = services.create_user(account, user_name="carol")  # no console access
    page = text(root_client.get(URL))
    alice_row = re.search(r"alice</a></th>(.*?)</tr>", page, re.S).group(1)
    bob_row = re.search(r"bob</a></th>(.*?)</tr>", page, re.S).group(1)
    carol_row = re.search(rf"{carol.user_name}</a></th>(.*?)</tr>", page, re.S).group(1)
    assert "2 <span" in alice_row and "(Baristas, Cashiers)" in alice_row
    two_hours_ago = timezone.now() - timedelta(hours=2)
    assert f'<time datetime="{two_hours_ago:%Y-%m-%dT%H:%M}' in alice_row  # AWS's date format, one everywhere
    assert "<td>Virtual</td>" in alice_row and "<td>3 days</td>" in alice_row
    forty_days_ago = timezone.now() - timedelta(days=40)
    assert f"{forty_days_ago:%B} {forty_days_ago.day}, {forty_days_ago:%Y}, " in alice_row
    assert "<td>0</td>" in bob_row and "<td>Never</td>" in bob_row and "<td>-</td>" in bob_row
    assert "<td>0 days</td>" in bob_row
    assert "<td>None</td>" in carol_row


def test_it_shows_only_the_callers_account(mallory_client, alice):
    response = mallory_client.get(URL)
    assert names_on(response) == [] and "No users to display." in text(response)


def test_search_is_a_case_insensitive_contains_on_the_name(root_client, account):
    for name in ("Barista-Ann", "head-barista", "cashier"):
        services.create_user(account, user_name=name)
    response = root_client.get(URL, {"q": "BARISTA"})
    assert names_on(response) == ["Barista-Ann", "head-barista"]
    assert 'value="BARISTA"' in text(response)
    none = root_client.get(URL, {"q": "manager"})
    assert names_on(none) == [] and "No users whose name contains “manager”." in text(none)


@pytest.mark.parametrize("sort, expected", [
    ("name", ["amy", "Ben", "cy"]),
    ("-name", ["cy", "Ben", "amy"]),
    ("groups", ["cy", "amy", "Ben"]),
    ("-groups", ["Ben", "amy", "cy"]),
    ("last_activity", ["cy", "Ben", "amy"]),  # never, long ago, recently
    ("-last_activity", ["amy", "Ben", "cy"]),
    ("mfa", ["Ben", "cy", "amy"]),
    ("-mfa", ["amy", "Ben", "cy"]),
    ("password_age", ["Ben", "amy", "cy"]),  # youngest password first; no password last
    ("-password_age", ["amy", "Ben", "cy"]),
    ("created", ["cy", "amy", "Ben"]),
    ("-created", ["Ben", "amy", "cy"]),
    ("nonsense", ["amy", "Ben", "cy"]),
])
def test_it_sorts_by_every_column(root_client, account, sort, expected):
    now = timezone.now()
    amy = services.create_user(account, user_name="amy", console_password="Mocha-Latte-2026!")
    ben = services.create_user(account, user_name="Ben", console_password="Mocha-Latte-2026!")
    cy = services.create_user(account, user_name="cy")
    User.objects.filter(pk=amy.pk).update(last_login=now - timedelta(hours=1), password_changed=now - timedelta(days=9),
                                          created=now - timedelta(days=5))
    User.objects.filter(pk=ben.pk).update(last_login=now - timedelta(days=30), password_changed=now - timedelta(days=1),
                                          created=now - timedelta(days=1))
    User.objects.filter(pk=cy.pk).update(created=now - timedelta(days=10))
    services.create_group(account, name="G1", users=[amy, ben])
    services.create_group(account, name="G2", users=[ben])
    TOTPDevice.objects.create(user=amy, name="phone", confirmed=True)
    assert names_on(root_client.get(URL, {"sort": sort})) == expected


def test_the_sorted_column_says_so_and_links_to_the_other_direction(root_client, alice):
    page = root_client.get(URL, {"sort": "groups", "q": "a"}).content.decode()
    assert '<th scope="col" aria-sort="ascending"><a href="?sort=-groups&amp;q=a">Groups</a></th>' in page
    assert '<th scope="col"><a href="?sort=name&amp;q=a">User name</a></th>' in page


def test_it_pages_fifty_users_at_a_time_keeping_search_and_sort(root_client, account):
    make_users(account, 120)
    first = root_client.get(URL, {"sort": "-name"})
    assert len(names_on(first)) == 50 and names_on(first)[0] == "user0119"
    page = first.content.decode()
    assert '<span aria-current="page"><strong>1</strong></span>' in page
    assert 'href="?sort=-name&amp;page=2"' in page and 'href="?sort=-name&amp;page=3"' in page
    last = root_client.get(URL, {"sort": "-name", "page": 3})
    assert names_on(last) == [f"user{i:04d}" for i in range(19, -1, -1)]
    assert "Previous</a>" in last.content.decode()


def test_a_page_out_of_range_is_not_found(root_client, alice):
    assert root_client.get(URL, {"page": 9}).status_code == 404
    assert root_client.get(URL, {"page": "x"}).status_code == 404


@pytest.mark.parametrize("count", [1, 500])
def test_the_list_costs_a_fixed_number_of_queries(root_client, account, count, django_assert_max_num_queries):
    users = make_users(account, count)
    group = services.create_group(account, name="Everyone")
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=user) for user in users])
    TOTPDevice.objects.bulk_create([TOTPDevice(user=user, name="phone") for user in users[::2]])
    with django_assert_max_num_queries(MAX_QUERIES):
        response = root_client.get(URL, {"sort": "groups"})
    assert response.status_code == 200
    assert len(names_on(response)) == min(count, 50)
    assert "Virtual" in text(response)


def test_one_row_and_fifty_rows_cost_the_same(root_client, account):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert root_client.get(URL).status_code == 200
        return len(captured.captured_queries)

    make_users(account, 1, prefix="first")
    queries()  # the first request also records the caller's use of iam:ListUsers (last accessed)
    one = queries()
    make_users(account, 499)
    assert queries() == one


def test_a_user_without_policies_is_denied_in_awss_words(bob_client, account):
    response = bob_client.get(URL)
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{account.account_id}:user/bob is not authorized to perform: iam:ListUsers "
            f"on resource: arn:aws:iam::{account.account_id}:user/ because no identity-based policy allows "
            "the iam:ListUsers action") in text(response)


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_a_user_allowed_to_list_users_sees_them(alice_client, alice, bob, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": f"arn:aws:iam::{account.account_id}:user/"})
    assert names_on(alice_client.get(URL)) == ["alice", "bob"]


def test_an_explicit_deny_beats_an_allow(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    response = alice_client.get(URL)
    assert response.status_code == 403 and "with an explicit deny" in text(response)


def test_a_nul_byte_in_the_search_is_ignored(root_client, alice):
    response = root_client.get(URL, {"q": "ali\x00ce"})
    assert response.status_code == 200 and names_on(response) == ["alice"]


def outer_query(sql: str) -> str:
    """``sql`` without its parenthesised subqueries and argument lists."""
    while (stripped := re.sub(r"\([^()]*\)", "", sql)) != sql:
        sql = stripped
    return sql


def test_the_page_reads_the_rows_it_shows_not_a_join_over_the_whole_account(root_client, account):
    """No query joins every membership of the account to group and count it before the
    page is cut (the groups column is a per-row count), and the default order is the plain
    name order of the (account, lower(name)) index, so the database reads 50 entries."""
    users = make_users(account, 60)
    group = services.create_group(account, name="Everyone")
    GroupMembership.objects.bulk_create([GroupMembership(group=group, user=user) for user in users])
    with CaptureQueriesContext(connection) as captured:
        response = root_client.get(URL)
    assert names_on(response)[0] == "user0000" and "Users (60)" in text(response)
    assert "(Everyone)" in text(response)
    listing = [outer_query(q["sql"]) for q in captured.captured_queries
               if 'FROM "accounts_user"' in outer_query(q["sql"]) and "LIMIT" in q["sql"]]
    assert listing
    for sql in listing:
        assert "GROUP BY" not in sql and 'JOIN "accounts_groupmembership"' not in sql, sql
        assert "NULLS FIRST" not in sql, sql
