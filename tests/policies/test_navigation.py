"""The navigation shows what the caller cannot open (greyed, with AWS's reason), and the
``iam`` template tags show denied buttons disabled. Both ask the same engine as the pages,
on the same resources, so what is greyed is exactly what would end on a 403 page."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import resolve

from iamportal import context_processors
from iamportal.context_processors import NAVIGATION
from tests.conftest import attach_aws_policy, grant, signed_in_client

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav class="sidenav".*?</nav>', re.S)


def sidenav(response) -> str:
    match = NAV.search(response.content.decode())
    assert match, "no navigation on the page"
    return match.group(0)


def nav_items(response) -> dict[str, dict]:
    return {item["label"]: item for item in response.context["navigation"]}


# ---------------------------------------------------------------------------
# In sync with the pages


def test_each_item_asks_the_action_its_page_declares():
    for item in NAVIGATION:
        view = resolve(context_processors.reverse(item.url_name)).func.view_class
        assert view.iam_action == item.action, item.label


POLICY_SETS = {
    "users only": lambda bob: grant(bob, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}),
    "scoped to user/*": lambda bob: grant(bob, {
        "Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListGroups", "iam:ListRoles"],
        "Resource": ["arn:aws:iam::*:user/*", "arn:aws:iam::*:group/*"]}),
    "read-only but no roles": lambda bob: (attach_aws_policy(bob, "IAMReadOnlyAccess"), grant(
        bob, {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"})),
    "dashboard and simulator of oneself": lambda bob: grant(
        bob, {"Effect": "Allow", "Action": "iam:GetAccountSummary", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy",
         "Resource": "arn:aws:iam::*:user/${aws:username}"}),
    "account settings": lambda bob: grant(bob, {"Effect": "Allow", "Action": "iam:ListAccountAliases",
                                                "Resource": "*"}),
}


@pytest.mark.parametrize("policy_set", sorted(POLICY_SETS))
def test_greyed_items_are_exactly_the_pages_that_deny(policy_set, bob, aws_managed_policies):
    POLICY_SETS[policy_set](bob)
    client = signed_in_client(bob)
    page = client.get("/iam/security-credentials/")  # any page: the navigation is the same
    items = nav_items(page)
    assert items
    for label, item in items.items():
        status = client.get(item["url"]).status_code
        assert status == (200 if item["allowed"] else 403), (policy_set, label, status)


# ---------------------------------------------------------------------------
# What the caller sees


def test_root_sees_every_item_as_a_link(root_client):
    response = root_client.get("/iam/")
    html = sidenav(response)
    assert 'class="denied"' not in html
    for item in response.context["navigation"]:
        assert f'href="{item["url"]}"' in html
    assert "Policy simulator" in html


def test_the_current_item_is_the_most_specific(root_client):
    items = nav_items(root_client.get("/iam/policies/simulator/"))
    assert [label for label, item in items.items() if item["active"]] == ["Policy simulator"]
    items = nav_items(root_client.get("/iam/policies/"))
    assert [label for label, item in items.items() if item["active"]] == ["Policies"]
    items = nav_items(root_client.get("/iam/"))
    assert [label for label, item in items.items() if item["active"]] == ["Dashboard"]


def test_a_user_without_policies_sees_greyed_items_with_the_reason(bob_client, bob, account):
    response = bob_client.get("/iam/users/")
    assert response.status_code == 403
    html = sidenav(response)
    assert 'href="/iam/users/"' not in html and 'href="/iam/groups/"' not in html
    users = (f'<span class="denied" role="link" aria-disabled="true" title="User: {bob.arn} is not authorized '
             f'to perform: iam:ListUsers on resource: {account.arn("user/")} because no identity-based policy '
             'allows the iam:ListUsers action" data-action="iam:ListUsers">Users')
    assert users in html
    assert '<span class="visually-hidden"> (AccessDenied: User: ' in html
    assert html.count('class="denied"') == len(response.context["navigation"])


def test_read_only_users_see_everything_but_an_explicit_deny_greys(bob, aws_managed_policies):
    attach_aws_policy(bob, "IAMReadOnlyAccess")
    grant(bob, {"Effect": "Deny", "Action": "iam:ListRoles", "Resource": "*"})
    response = signed_in_client(bob).get("/iam/users/")
    items = nav_items(response)
    # Event history needs cloudtrail:LookupEvents and AWS Organizations organizations:DescribeOrganization,
    # which IAMReadOnlyAccess does not grant (as in AWS); Labs the portal's labs:ListLabs.
    assert [label for label, item in items.items() if not item["allowed"]] == [
        "Roles", "Event history", "Labs", "AWS Organizations"]
    assert "with an explicit deny in an identity-based policy" in items["Roles"]["denied"].message
    assert items["Users"]["active"]


def test_the_navigation_costs_no_query_beyond_the_policy_load(bob, aws_managed_policies, monkeypatch):
    attach_aws_policy(bob, "IAMReadOnlyAccess")
    client = signed_in_client(bob)
    client.get("/iam/account/")  # warm up (session, caches)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as with_nav:
        assert client.get("/iam/account/").status_code == 200
    monkeypatch.setattr(context_processors, "NAVIGATION", [])
    with CaptureQueriesContext(connection) as without_nav:
        assert client.get("/iam/account/").status_code == 200
    assert len(with_nav) == len(without_nav)


def test_the_navigation_is_computed_once_per_request(bob, monkeypatch):
    calls = []
    real = context_processors.authorize
    monkeypatch.setattr(context_processors, "authorize", lambda *a, **k: calls.append(a) or real(*a, **k))
    client = signed_in_client(bob)
    response = client.get("/iam/users/")
    request = response.wsgi_request
    first = len(calls)
    # The navigation's items, and the identity menu's Security credentials and Change password.
    assert first == len(NAVIGATION) + 2
    assert context_processors.navigation_for(request) is context_processors.navigation_for(request)
    assert context_processors.self_links_for(request) is context_processors.self_links_for(request)
    assert len(calls) == first


def test_a_role_session_sees_the_roles_permissions(bob, account, aws_managed_policies):
    from accounts import roles

    role = roles.create_role(account, name="Reader", trust_policy=roles.account_trust_policy(account.account_id))
    attach_aws_policy(role, "IAMReadOnlyAccess")
    grant(bob, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn})
    client = signed_in_client(bob)
    assert not nav_items(client.get("/switchrole"))["Users"]["allowed"]
    from tests.conftest import csrf_post

    switched = csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": "Reader",
                                                 "display_name": "Reader"})
    assert switched.status_code == 302, switched.content.decode()[:1000]
    items = nav_items(client.get("/iam/users/"))
    assert items["Users"]["allowed"]
    assert items["Policy simulator"]["resource"] == role.arn  # the simulator preselects the role


# ---------------------------------------------------------------------------
# Inline denials: the iam template tags


def render(response, source: str, **extra) -> str:
    request = response.wsgi_request
    return Template("{% load iam %}" + source).render(Context({"request": request, **extra}))


def test_iam_button_is_a_link_when_allowed_and_a_disabled_button_when_denied(bob, aws_managed_policies):
    attach_aws_policy(bob, "IAMReadOnlyAccess")
    response = signed_in_client(bob).get("/iam/users/")
    html = render(response, '{% iam_button "iam:CreateUser" "user/" "Create user" href="/iam/users/create/" '
                            'classes="primary" %}')
    assert html.startswith('<button type="button" class="button primary" disabled aria-disabled="true" '
                           f'title="User: {bob.arn} is not authorized to perform: iam:CreateUser on resource: '
                           f'{bob.account.arn("user/")} because no identity-based policy allows the '
                           'iam:CreateUser action"')
    assert '<span class="visually-hidden denied-reason">User: ' in html
    allowed = render(response, '{% iam_button "iam:ListUsers" "user/" "Users" href="/iam/users/" %}')
    assert allowed == '<a class="button" href="/iam/users/">Users</a>'


def test_iam_can_with_objects_arns_and_paths(bob, alice, account):
    grant(bob, {"Effect": "Allow", "Action": "iam:GetUser", "Resource": alice.arn})
    response = signed_in_client(bob).get("/iam/users/alice/")
    source = ('{% iam_can "iam:GetUser" target as a %}{% iam_can "iam:GetUser" arn as b %}'
              '{% iam_can "iam:GetUser" "user/alice" as c %}{% iam_can "iam:GetUser" "user/bob" as d %}'
              '{{ a.allowed }} {{ b.allowed }} {{ c.allowed }} {{ d.allowed }}'
              '{% if not d %} {{ d.resource }}{% endif %}')
    assert render(response, source, target=alice, arn=alice.arn) == f"True True True False {bob.arn}"


def test_iam_disabled_and_denied_reason(bob):
    response = signed_in_client(bob).get("/iam/")
    html = render(response, '{% iam_can "iam:DeleteUser" "user/alice" as can %}'
                            '<button {% iam_disabled can %}>Delete</button>{% iam_denied_reason can %}')
    assert html.startswith('<button disabled aria-disabled="true" title="User: ')
    assert "iam:DeleteUser on resource: arn:aws:iam::" in html
    assert '<span class="visually-hidden denied-reason">' in html


def test_tags_say_nothing_when_allowed(root_client):
    response = root_client.get("/iam/")
    html = render(response, '{% iam_can "iam:DeleteUser" "user/x" as can %}[{% iam_disabled can %}]'
                            '[{% iam_denied_reason can %}]')
    assert html == "[][]"


def test_tags_escape_the_message(bob):
    response = signed_in_client(bob).get("/iam/")
    html = render(response, '{% iam_can "iam:DeleteUser" "user/<x>" as can %}<b {% iam_disabled can %}>'
                            '{% iam_denied_reason can %}')
    assert "user/<x>" not in html and "user/&lt;x&gt;" in html


def test_tags_answer_once_per_request(bob, monkeypatch):
    from policies.templatetags import iam as tags

    response = signed_in_client(bob).get("/iam/")
    calls = []
    real = tags.authorize
    monkeypatch.setattr(tags, "authorize", lambda *a, **k: calls.append(a) or real(*a, **k))
    render(response, '{% iam_can "iam:CreateUser" "user/" as a %}{% iam_can "iam:CreateUser" "user/" as b %}')
    assert len(calls) == 1
