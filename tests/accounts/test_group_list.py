"""User groups list: columns, search, sort, pages, bounded queries, who may see it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import ids, services
from accounts.models import Group, GroupMembership
from tests.conftest import attach_aws_policy, grant

pytestmark = pytest.mark.django_db


def _bulk_groups(account, count, members=()):
    """``count`` groups straight into the database (faster than the service for 500 rows)."""
    groups = Group.objects.bulk_create(
        Group(account=account, name=f"team-{i:03d}", unique_id=ids.unique_id("AGPA")) for i in range(count))
    GroupMembership.objects.bulk_create(GroupMembership(group=g, user=u) for g in groups for u in members)
    return groups


def test_it_lists_groups_with_member_count_permissions_and_creation_time(root_client, account, alice, bob):
    services.create_group(account, name="Cashiers", users=[alice, bob])
    services.create_group(account, name="Inventory-Specialists")
    response = root_client.get("/iam/groups/")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Group name", "Users", "Permissions", "Creation time"):
        assert heading in html
    rows = {g.name: g.user_count for g in response.context["groups"]}
    assert rows == {"Cashiers": 2, "Inventory-Specialists": 0}
    assert 'href="/iam/groups/Cashiers/"' in html
    assert "Not defined" in html
    assert re.search(r"<time datetime=\"[0-9T:Z-]+\">\w+ \d+, \d{4}, \d\d:\d\d \(UTC\+00:00\)</time>", html)


def test_it_shows_an_empty_state_with_a_create_link(root_client):
    html = root_client.get("/iam/groups/").content.decode()
    assert "No user groups to display." in html
    assert 'href="/iam/groups/create/"' in html


def test_search_matches_part_of_the_name_case_insensitively(root_client, account):
    for name in ("Cashiers", "Inventory-Specialists", "Bakers"):
        services.create_group(account, name=name)
    response = root_client.get("/iam/groups/", {"q": "CASH"})
    assert [g.name for g in response.context["groups"]] == ["Cashiers"]
    empty = root_client.get("/iam/groups/", {"q": "tea"})
    assert "No user group matches “tea”." in empty.content.decode()


def test_it_sorts_by_name_users_and_creation_time_both_ways(root_client, account, alice, bob):
    now = timezone.now()
    services.create_group(account, name="b-two", users=[alice, bob])
    services.create_group(account, name="a-none")
    services.create_group(account, name="C-one", users=[alice])
    Group.objects.filter(name="b-two").update(created=now - timedelta(days=3))
    Group.objects.filter(name="C-one").update(created=now - timedelta(days=2))

    def names(sort):
        return [g.name for g in root_client.get("/iam/groups/", {"sort": sort}).context["groups"]]

    assert names("name") == ["a-none", "b-two", "C-one"]  # case-insensitive, like the console
    assert names("-name") == ["C-one", "b-two", "a-none"]
    assert names("users") == ["a-none", "C-one", "b-two"]
    assert names("-users") == ["b-two", "C-one", "a-none"]
    assert names("created") == ["b-two", "C-one", "a-none"]
    assert names("-created") == ["a-none", "C-one", "b-two"]
    assert names("nonsense") == names("name")


def test_the_header_link_reverses_the_current_sort(root_client):
    html = root_client.get("/iam/groups/", {"sort": "users"}).content.decode()
    assert 'href="?sort=-users"' in html
    assert 'aria-sort="ascending"' in html


def test_it_shows_50_groups_a_page_and_keeps_the_search_in_page_links(root_client, account):
    _bulk_groups(account, 120)
    first = root_client.get("/iam/groups/", {"q": "team"})
    assert len(first.context["groups"]) == 50
    html = first.content.decode()
    assert "Page 1 of 3" in html
    assert 'href="?q=team&amp;page=2"' in html
    last = root_client.get("/iam/groups/", {"q": "team", "page": 3})
    assert len(last.context["groups"]) == 20
    assert root_client.get("/iam/groups/", {"page": 99}).status_code == 404
    assert root_client.get("/iam/groups/", {"page": "x"}).status_code == 404


@pytest.mark.parametrize("rows", [1, 500])
def test_queries_do_not_grow_with_the_number_of_groups(root_client, account, alice, bob, rows,
                                                      django_assert_max_num_queries):
    _bulk_groups(account, rows, members=[alice, bob])
    with django_assert_max_num_queries(6):
        response = root_client.get("/iam/groups/")
    assert response.status_code == 200
    assert response.context["paginator"].count == rows


def test_other_accounts_groups_are_not_listed(root_client, mallory):
    services.create_group(mallory.account, name="Mallorys-Crew")
    assert "Mallorys-Crew" not in root_client.get("/iam/groups/").content.decode()


def test_a_user_without_policies_gets_awss_access_denied(bob_client, bob, account):
    response = bob_client.get("/iam/groups/")
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:ListGroups on resource: "
            f"arn:aws:iam::{account.account_id}:group/ because no identity-based policy allows "
            "the iam:ListGroups action") in response.content.decode()


def test_a_user_allowed_to_list_groups_sees_them(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*"})
    services.create_group(account, name="Cashiers")
    response = alice_client.get("/iam/groups/")
    assert response.status_code == 200
    assert [g.name for g in response.context["groups"]] == ["Cashiers"]


def test_an_explicit_deny_beats_an_allow(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:ListGroups", "Resource": "*"})
    response = alice_client.get("/iam/groups/")
    assert response.status_code == 403
    assert "with an explicit deny in an identity-based policy" in response.content.decode()


def test_the_permissions_column_says_defined_once_a_policy_is_attached_or_inline(root_client, account):
    from policies import services as policy_services
    from tests.policies.helpers import doc

    services.create_group(account, name="Empty")
    policy_services.put_group_policy(services.create_group(account, name="Inline"), name="p", document=doc())
    attach_aws_policy(services.create_group(account, name="Managed"), "IAMUserChangePassword")
    html = root_client.get("/iam/groups/").content.decode()
    cells = {name: html.split(f'>{name}</a></th>')[1].split("</tr>")[0] for name in ("Empty", "Inline", "Managed")}
    assert "<td>Not defined</td>" in cells["Empty"]
    assert "<td>Defined</td>" in cells["Inline"] and "<td>Defined</td>" in cells["Managed"]


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/iam/groups/")
    assert response.status_code == 302 and response["Location"] == "/signin/?next=/iam/groups/"


def test_a_search_with_a_nul_byte_is_not_a_database_error(root_client, account):
    services.create_group(account, name="Cashiers")
    response = root_client.get("/iam/groups/", {"q": "Cash\x00"})
    assert response.status_code == 200
    assert [g.name for g in response.context["groups"]] == ["Cashiers"]


def test_member_counts_are_per_row_not_a_join_over_every_membership(root_client, account, alice, bob):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.accounts.test_user_list import outer_query

    _bulk_groups(account, 3, members=[alice, bob])
    with CaptureQueriesContext(connection) as captured:
        response = root_client.get("/iam/groups/")
    assert [g.user_count for g in response.context["groups"]] == [2, 2, 2]
    listing = [outer_query(q["sql"]) for q in captured.captured_queries
               if 'FROM "accounts_group"' in outer_query(q["sql"])]
    assert listing
    for sql in listing:
        assert "GROUP BY" not in sql and 'JOIN "accounts_groupmembership"' not in sql, sql
