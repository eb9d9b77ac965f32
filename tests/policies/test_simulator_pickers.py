"""The simulator's pickers (issue 10, item 3): users, groups, roles and actions are searched
and paged on the server, so the page costs the same queries and the same bytes at 1 and at
hundreds of users, and lists a bounded number of actions."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from accounts import ids
from accounts.models import Group, Role, User
from policies.simulator.pickers import ACTIONS_PER_PAGE, PRINCIPALS_PER_PAGE
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

URL = "/iam/policies/simulator/"


def crowd(account, users: int, groups: int = 0, roles: int = 0) -> None:
    """``users`` users (``user0000``…), and groups and roles, straight into the database."""
    User.objects.bulk_create(
        User(account=account, user_name=f"user{n:04d}", login_key=f"{account.account_id}:user{n:04d}",
             unique_id=ids.unique_id("AIDA")) for n in range(users))
    Group.objects.bulk_create(Group(account=account, name=f"group{n:04d}", unique_id=ids.unique_id("AGPA"))
                              for n in range(groups))
    Role.objects.bulk_create(Role(account=account, name=f"role{n:04d}", unique_id=ids.unique_id("AROA"),
                                  trust_policy="{}") for n in range(roles))


def option_count(html: str) -> int:
    return html.count("<option ")


@pytest.mark.parametrize("users", [1, 600])
def test_queries_do_not_grow_with_the_account(root_client, account, users, django_assert_max_num_queries):
    crowd(account, users, groups=users // 10, roles=users // 5)
    with django_assert_max_num_queries(12):
        response = root_client.get(URL)
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = root_client.get(f"{URL}?" + urlencode({"who": "0", "who_page": "2"}))
    assert response.status_code == 200


@pytest.mark.parametrize("caller", ["root", "iam user"])
def test_the_page_does_not_grow_with_the_number_of_users(root_client, account, alice, caller):
    grant(alice, {"Effect": "Allow", "Action": ["iam:SimulatePrincipalPolicy", "iam:List*"], "Resource": "*"})
    client = root_client if caller == "root" else signed_in_client(alice)
    crowd(account, 30, groups=30, roles=30)
    small = client.get(URL)
    crowd_more = User.objects.bulk_create(
        User(account=account, user_name=f"user{n:04d}", login_key=f"{account.account_id}:user{n:04d}",
             unique_id=ids.unique_id("AIDA")) for n in range(30, 1000))
    assert len(crowd_more) == 970
    large = client.get(URL)
    assert small.status_code == large.status_code == 200
    assert abs(len(large.content) - len(small.content)) < 200
    assert option_count(large.content.decode()) == option_count(small.content.decode())


def test_each_list_shows_one_page_and_says_more_follow(root_client, account):
    crowd(account, 45, groups=3)
    response = root_client.get(URL)
    users = response.context["choices"]["users"]["page"]
    assert users.entries == [f"user{n:04d}" for n in range(PRINCIPALS_PER_PAGE)] and users.has_next
    html = response.content.decode()
    assert "Users 1–20; more on the next page." in html
    assert '<button type="submit" name="who_page" value="2"' in html

    third = root_client.get(f"{URL}?who_page=3")
    assert third.context["choices"]["users"]["page"].entries == [f"user{n:04d}" for n in range(40, 45)]
    assert "Users 41–45." in third.content.decode()
    assert third.context["choices"]["groups"]["page"].entries == []
    # A made-up page number is the first page, not an error.
    assert root_client.get(f"{URL}?who_page=x%00").status_code == 200


def test_searching_finds_a_principal_beyond_the_first_page(root_client, account):
    crowd(account, 300, groups=2, roles=2)
    response = root_client.get(f"{URL}?" + urlencode({"who": "USER0299"}))
    assert response.context["choices"]["users"]["page"].entries == ["user0299"]
    assert response.context["choices"]["roles"]["page"].entries == []
    assert "No roles whose name contains “USER0299”." in response.content.decode()


def test_the_chosen_principal_stays_chosen_on_any_page(root_client, account):
    crowd(account, 60)
    response = csrf_post(root_client, URL, {"principal": "user0055", "action": "iam:ListUsers", "run": "1"})
    assert response.status_code == 200
    assert response.context["target"].name == "user0055"
    assert '<option value="user0055" selected>user0055</option>' in response.content.decode()


def test_the_action_list_is_one_page_of_the_listed_services(root_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})
    response = csrf_post(root_client, URL, {"principal": "alice", "action": "iam:UploadSSHPublicKey"})
    picker = response.context["actions"]
    assert picker["page"].total > ACTIONS_PER_PAGE  # iam (the chosen action's) and ec2
    offered = [a for g in picker["groups"] for a in g["actions"]]
    assert len(offered) == ACTIONS_PER_PAGE + 1  # a page of iam's, and the chosen action (further on)
    assert {"name": "iam:UploadSSHPublicKey", "selected": True} in offered
    html = response.content.decode()
    assert f"Actions 1–{ACTIONS_PER_PAGE} of {picker['page'].total}; the chosen ones are always listed." in html
    assert '<button type="submit" name="action_page" value="2"' in html
