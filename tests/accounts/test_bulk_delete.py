"""Issue 11 item 13: the User groups and Roles lists have the Users list's toolbar — tick rows,
Delete, a confirmation naming each entity and what its delete removes, type "delete"."""

from __future__ import annotations

import html

import pytest

from accounts import roles, services
from accounts.models import Group, GroupMembership, InstanceProfile, Role, User
from accounts.views.bulk import MAX_SELECTED
from policies import services as policy_services
from tests.conftest import csrf_post, grant
from tests.policies.helpers import doc

pytestmark = pytest.mark.django_db

GROUPS = "/iam/groups/delete/selected/"
ROLES = "/iam/roles/delete/selected/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def groups(account, alice, bob):
    cashiers = services.create_group(account, name="Cashiers", users=[alice, bob])
    policy_services.put_group_policy(cashiers, name="till", document=doc())
    baristas = services.create_group(account, name="Baristas", users=[alice])
    return cashiers, baristas


@pytest.fixture
def two_roles(account):
    web = roles.create_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    policy_services.put_role_policy(web, name="logs", document=doc())  # and its instance profile, as the console
    auditor = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id))
    return web, auditor


# ---------------------------------------------------------------------------
# The lists' toolbar


def test_the_groups_list_offers_a_selection_and_delete(root_client, groups):
    page = root_client.get("/iam/groups/").content.decode()
    assert f'<form method="get" action="{GROUPS}" id="groups-selection">' in page
    assert '<input type="checkbox" name="groups" value="Cashiers" aria-label="Select Cashiers">' in page
    assert '<button type="submit" form="groups-selection">Delete</button>' in page


def test_the_roles_list_offers_a_selection_and_delete(root_client, two_roles):
    page = root_client.get("/iam/roles/").content.decode()
    assert f'<form method="get" action="{ROLES}" id="roles-selection">' in page
    assert '<input type="checkbox" name="roles" value="Auditor" aria-label="Select Auditor">' in page
    assert '<button type="submit" form="roles-selection">Delete</button>' in page


def test_delete_is_disabled_with_the_reason_for_a_caller_who_may_not_delete(alice_client, alice, groups,
                                                                              two_roles):
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListGroups", "iam:ListRoles"], "Resource": "*"})
    for url, action in (("/iam/groups/", "iam:DeleteGroup"), ("/iam/roles/", "iam:DeleteRole")):
        page = text(alice_client.get(url))
        assert f'data-denied-action="{action}"' in page, url
        assert f"is not authorized to perform: {action}" in page, url


# ---------------------------------------------------------------------------
# User groups


def test_the_confirmation_names_each_group_and_what_its_delete_removes(root_client, groups):
    response = root_client.get(GROUPS, {"groups": ["Cashiers", "Baristas"]})
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Delete 2 user groups?</h1>" in page
    assert '<th scope="row">Cashiers</th>' in page and '<th scope="row">Baristas</th>' in page
    assert 'Users (2): alice, bob <span class="help">(iam:RemoveUserFromGroup)</span>' in page
    assert 'Inline policies (1): till <span class="help">(iam:DeleteGroupPolicy)</span>' in page
    assert 'Users (1): alice <span class="help">(iam:RemoveUserFromGroup)</span>' in page
    assert "To confirm deletion, enter <em>delete</em> in the text input field." in page
    assert '<input type="hidden" name="groups" value="Cashiers">' in page
    assert Group.objects.count() == 2  # opening the page deletes nothing


def test_typing_delete_deletes_the_groups_and_their_memberships(root_client, account, groups, alice):
    response = csrf_post(root_client, GROUPS, {"groups": ["Cashiers", "Baristas"], "confirmation": "delete"})
    assert response.status_code == 302 and response["Location"] == "/iam/groups/"
    assert not Group.objects.filter(account=account).exists()
    assert not GroupMembership.objects.exists()
    assert User.objects.filter(pk=alice.pk).exists()  # the members themselves stay
    assert "2 user groups deleted." in text(root_client.get("/iam/groups/"))


def test_a_deny_on_one_implied_call_of_one_group_keeps_every_group(alice_client, alice, groups):
    cashiers, _ = groups
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteGroupPolicy", "Resource": cashiers.arn})
    response = csrf_post(alice_client, GROUPS, {"groups": ["Baristas", "Cashiers"], "confirmation": "delete"})
    assert response.status_code == 403
    assert f"iam:DeleteGroupPolicy on resource: {cashiers.arn} with an explicit deny" in text(response)
    assert set(Group.objects.values_list("name", flat=True)) == {"Cashiers", "Baristas"}
    assert GroupMembership.objects.count() == 3  # Baristas, deleted first, was rolled back


def test_a_wrong_confirmation_deletes_no_group(root_client, groups):
    response = csrf_post(root_client, GROUPS, {"groups": ["Cashiers"], "confirmation": "Cashiers"})
    assert response.status_code == 200
    assert "The text you entered does not match “delete”." in text(response)
    assert Group.objects.count() == 2


def test_another_accounts_group_is_not_found_and_nothing_is_deleted(mallory_client, root_client, groups):
    response = csrf_post(mallory_client, GROUPS, {"groups": ["Cashiers"], "confirmation": "delete"})
    assert response.status_code == 404
    assert "The group with name Cashiers cannot be found." in text(response)
    # The owner's own name next to an unknown one: the unknown one is named, nothing goes.
    response = csrf_post(root_client, GROUPS, {"groups": ["Cashiers", "Nobody"], "confirmation": "delete"})
    assert response.status_code == 404
    assert "The group with name Nobody cannot be found." in text(response)
    assert Group.objects.count() == 2


def test_no_selection_goes_back_to_the_groups_list(root_client, groups):
    response = root_client.get(GROUPS)
    assert response.status_code == 302 and response["Location"] == "/iam/groups/"
    assert "Select the user groups to delete." in text(root_client.get("/iam/groups/"))


def test_a_user_without_policies_may_not_delete_groups(bob_client, bob, groups):
    response = csrf_post(bob_client, GROUPS, {"groups": ["Cashiers"], "confirmation": "delete"})
    assert response.status_code == 403
    assert f"User: {bob.arn} is not authorized to perform: iam:DeleteGroup" in text(response)
    assert Group.objects.count() == 2


# ---------------------------------------------------------------------------
# Roles


def test_the_confirmation_names_each_role_and_what_its_delete_removes(root_client, two_roles):
    page = text(root_client.get(ROLES, {"roles": ["WebServer", "Auditor"]}))
    assert "<h1>Delete 2 roles?</h1>" in page
    assert '<th scope="row">WebServer</th>' in page
    assert "Instance profiles (1): WebServer" in page
    assert "Inline policies (1): logs" in page


def test_typing_delete_deletes_the_roles_and_their_instance_profile(root_client, account, two_roles):
    response = csrf_post(root_client, ROLES, {"roles": ["WebServer", "Auditor"], "confirmation": "delete"})
    assert response.status_code == 302 and response["Location"] == "/iam/roles/"
    assert not Role.objects.for_account(account).exists()
    assert not InstanceProfile.objects.exists()
    assert "2 roles deleted." in text(root_client.get("/iam/roles/"))


def test_a_deny_on_one_implied_call_of_one_role_keeps_every_role(alice_client, alice, two_roles):
    web, _ = two_roles
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:RemoveRoleFromInstanceProfile", "Resource": "*"})
    response = csrf_post(alice_client, ROLES, {"roles": ["Auditor", "WebServer"], "confirmation": "delete"})
    assert response.status_code == 403
    assert "iam:RemoveRoleFromInstanceProfile on resource: " in text(response)
    assert Role.objects.count() == 2 and InstanceProfile.objects.filter(role=web).exists()


def test_a_wrong_confirmation_deletes_no_role(root_client, two_roles):
    response = csrf_post(root_client, ROLES, {"roles": ["Auditor"], "confirmation": "Delete"})
    assert response.status_code == 200
    assert "The text you entered does not match “delete”." in text(response)
    assert Role.objects.count() == 2


def test_another_accounts_role_is_not_found(mallory_client, two_roles):
    response = csrf_post(mallory_client, ROLES, {"roles": ["Auditor"], "confirmation": "delete"})
    assert response.status_code == 404
    assert "The role with name Auditor cannot be found." in text(response)
    assert Role.objects.count() == 2


# ---------------------------------------------------------------------------
# Bounds and hostile selections (every list)


@pytest.mark.parametrize("url, param", [(GROUPS, "groups"), (ROLES, "roles"), ("/iam/users/delete/selected/", "users")])
def test_a_selection_of_more_than_100_names_is_refused_before_any_lookup(root_client, url, param,
                                                                         django_assert_max_num_queries):
    names = [f"n{i}" for i in range(MAX_SELECTED + 1)]
    with django_assert_max_num_queries(8):
        response = csrf_post(root_client, url, {param: names, "confirmation": "delete"})
    assert response.status_code == 400
    assert f"Select at most {MAX_SELECTED} " in text(response) and "(101 were selected)" in text(response)


@pytest.mark.parametrize("url, param, kind", [(GROUPS, "groups", "group"), (ROLES, "roles", "role")])
def test_a_nul_byte_in_a_selected_name_is_simply_not_found(root_client, groups, url, param, kind):
    response = root_client.get(url, {param: ["Cash\x00iers"]})
    assert response.status_code == 404
    assert f"The {kind} with name Cash" in text(response)


def test_the_confirmation_page_reads_a_bounded_number_of_queries_per_group(root_client, account,
                                                                          django_assert_max_num_queries):
    names = [f"G{i}" for i in range(50)]
    for name in names:
        policy_services.put_group_policy(services.create_group(account, name=name), name="p", document=doc())
    with django_assert_max_num_queries(50 * 3 + 20):
        assert root_client.get(GROUPS, {"groups": names}).status_code == 200
