"""One user group: Summary, the Users tab (add, remove) and the Permissions tab."""

from __future__ import annotations

import pytest

from accounts import quotas, services
from accounts.models import GroupMembership
from tests.conftest import attach_aws_policy, csrf_post, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashiers(account, alice):
    return services.create_group(account, name="Cashiers", users=[alice])


def test_the_summary_shows_name_arn_and_creation_time(root_client, account, cashiers):
    response = root_client.get("/iam/groups/Cashiers/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Cashiers</h1>" in html
    assert f"arn:aws:iam::{account.account_id}:group/Cashiers" in html
    assert "Creation time" in html
    assert cashiers.created.strftime("%B") in html


def test_breadcrumbs_lead_back_to_user_groups(root_client, cashiers):
    html = root_client.get("/iam/groups/Cashiers/").content.decode()
    assert '<li><a href="/iam/groups/">User groups</a></li><li aria-current="page">Cashiers</li>' in html


def test_the_users_tab_lists_members_with_a_remove_button(root_client, cashiers):
    html = root_client.get("/iam/groups/Cashiers/").content.decode()
    assert "Users (1)" in html
    assert '<td><a href="/iam/users/alice/">alice</a></td>' in html
    assert 'href="/iam/groups/Cashiers/users/alice/remove/"' in html  # to its confirmation
    assert 'href="/iam/groups/Cashiers/users/add/"' in html


def test_the_permissions_tab_lists_the_groups_policies(root_client, cashiers, aws_managed_policies):
    html = root_client.get("/iam/groups/Cashiers/?tab=permissions").content.decode()
    assert "No policies." in html
    assert 'href="/iam/users/alice/"' not in html
    attach_aws_policy(cashiers, "AmazonS3ReadOnlyAccess")
    html = root_client.get("/iam/groups/Cashiers/?tab=permissions").content.decode()
    assert ">AmazonS3ReadOnlyAccess</a>" in html
    assert 'href="/iam/groups/Cashiers/policies/attach/"' in html


def test_the_permissions_tab_needs_list_attached_group_policies(bob_client, bob, cashiers):
    grant(bob, {"Effect": "Allow", "Action": "iam:GetGroup", "Resource": "*"})
    assert bob_client.get("/iam/groups/Cashiers/").status_code == 200
    response = bob_client.get("/iam/groups/Cashiers/?tab=permissions")
    assert response.status_code == 200
    assert (f"User: {bob.arn} is not authorized to perform: iam:ListAttachedGroupPolicies on resource: "
            f"{cashiers.arn}") in response.content.decode()


def test_the_name_in_the_url_is_matched_case_insensitively_like_iam(root_client, cashiers):
    assert root_client.get("/iam/groups/cashiers/").status_code == 200


def test_an_unknown_group_is_404_in_awss_words(root_client):
    response = root_client.get("/iam/groups/Nobody/")
    assert response.status_code == 404
    assert "The group with name Nobody cannot be found." in response.content.decode()


@pytest.mark.parametrize("url", [
    "/iam/groups/Cashiers/",
    "/iam/groups/Cashiers/?tab=permissions",
    "/iam/groups/Cashiers/users/add/",
    "/iam/groups/Cashiers/edit/",
    "/iam/groups/Cashiers/delete/",
])
def test_another_accounts_group_pages_are_404(mallory_client, cashiers, url):
    assert mallory_client.get(url).status_code == 404


def test_another_account_cannot_post_to_a_group(mallory_client, cashiers):
    for url, data in [("/iam/groups/Cashiers/users/alice/remove/", {}),
                      ("/iam/groups/Cashiers/users/add/", {"users": ["alice"]}),
                      ("/iam/groups/Cashiers/edit/", {"name": "Mine"}),
                      ("/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"})]:
        assert csrf_post(mallory_client, url, data).status_code == 404
    assert cashiers.members.count() == 1


def test_a_user_without_policies_cannot_read_the_group(bob_client, bob, cashiers):
    response = bob_client.get("/iam/groups/Cashiers/")
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:GetGroup on resource: {cashiers.arn} "
            "because no identity-based policy allows the iam:GetGroup action") in response.content.decode()


# --- Add users


def test_the_add_users_page_offers_only_users_not_in_the_group(root_client, cashiers, bob):
    html = root_client.get("/iam/groups/Cashiers/users/add/").content.decode()
    assert 'value="bob"' in html
    assert 'value="alice"' not in html
    assert "Add users to Cashiers" in html


def test_adding_users_puts_them_in_the_group(root_client, cashiers, bob):
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/add/", {"users": ["bob"]}, follow=True)
    assert response.redirect_chain == [("/iam/groups/Cashiers/", 302)]
    assert "Added to Cashiers: bob." in response.content.decode()
    assert sorted(cashiers.members.values_list("user_name", flat=True)) == ["alice", "bob"]


def test_adding_nobody_is_a_form_error(root_client, cashiers):
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/add/", {})
    assert response.status_code == 200
    assert "Select at least one user to add." in response.content.decode()


def test_a_user_in_10_groups_is_refused_with_awss_quota_message(root_client, account, cashiers, bob):
    for i in range(quotas.GROUPS_PER_USER):
        services.create_group(account, name=f"g{i}", users=[bob])
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/add/", {"users": ["bob"]})
    assert response.status_code == 200
    assert "Cannot exceed quota for GroupsPerUser: 10" in response.content.decode()
    assert not cashiers.members.filter(user_name="bob").exists()


def test_the_quota_refusal_rolls_back_every_user_of_the_request(root_client, account, cashiers, bob):
    carol = services.create_user(account, user_name="carol")
    for i in range(quotas.GROUPS_PER_USER):
        services.create_group(account, name=f"g{i}", users=[carol])
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/add/", {"users": ["bob", "carol"]})
    assert response.status_code == 200
    assert cashiers.members.count() == 1


def test_a_user_allowed_on_this_group_only_adds_users_to_it(bob_client, bob, account, cashiers):
    grant(bob, {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": cashiers.arn})
    services.create_group(account, name="Bakers")
    assert csrf_post(bob_client, "/iam/groups/Cashiers/users/add/", {"users": ["bob"]}).status_code == 302
    assert csrf_post(bob_client, "/iam/groups/Bakers/users/add/", {"users": ["bob"]}).status_code == 403


def test_adding_users_needs_add_user_to_group(bob_client, cashiers):
    response = csrf_post(bob_client, "/iam/groups/Cashiers/users/add/", {"users": ["bob"]})
    assert response.status_code == 403
    assert "iam:AddUserToGroup" in response.content.decode()
    assert cashiers.members.count() == 1


def test_adding_users_needs_a_csrf_token(root_client, cashiers, bob):
    assert root_client.post("/iam/groups/Cashiers/users/add/", {"users": ["bob"]}).status_code == 403


# --- Remove


def test_remove_takes_the_user_out_of_the_group(root_client, cashiers, alice):
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/alice/remove/", follow=True)
    assert response.redirect_chain == [("/iam/groups/Cashiers/", 302)]
    assert "alice removed from Cashiers." in response.content.decode()
    assert not GroupMembership.objects.filter(group=cashiers).exists()


def test_removing_a_non_member_is_404(root_client, cashiers, bob):
    response = csrf_post(root_client, "/iam/groups/Cashiers/users/bob/remove/")
    assert response.status_code == 404
    assert "The user with name bob cannot be found." in response.content.decode()


def test_removing_an_unknown_user_is_404(root_client, cashiers):
    assert csrf_post(root_client, "/iam/groups/Cashiers/users/nobody/remove/").status_code == 404


def test_remove_opened_with_get_only_confirms(root_client, cashiers):
    assert root_client.get("/iam/groups/Cashiers/users/alice/remove/").status_code == 200
    assert cashiers.members.count() == 1


def test_remove_needs_a_csrf_token(root_client, cashiers):
    assert root_client.post("/iam/groups/Cashiers/users/alice/remove/").status_code == 403
    assert cashiers.members.count() == 1


def test_remove_needs_remove_user_from_group(bob_client, bob, cashiers):
    response = csrf_post(bob_client, "/iam/groups/Cashiers/users/alice/remove/")
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:RemoveUserFromGroup on resource: "
            f"{cashiers.arn}") in response.content.decode()
    assert cashiers.members.count() == 1


@pytest.mark.parametrize("url", ["/iam/groups/a%00b/", "/iam/groups/two%20words/", f"/iam/groups/{'g' * 129}/",
                                 "/iam/groups/Cashiers/users/a%00b/remove/"])
def test_a_name_iam_could_never_hold_is_404_not_a_database_error(root_client, cashiers, url):
    """PostgreSQL refuses NUL bytes in queries; such a name is looked for nowhere."""
    response = csrf_post(root_client, url) if url.endswith("/remove/") else root_client.get(url)
    assert response.status_code == 404


def _members(account, group, count):
    from tests.accounts.test_user_list import make_users

    users = make_users(account, count, prefix="member")
    GroupMembership.objects.bulk_create(GroupMembership(group=group, user=user) for user in users)


def test_the_users_tab_shows_50_members_a_page(root_client, account, cashiers):
    _members(account, cashiers, 60)  # and alice: 61
    first = root_client.get("/iam/groups/Cashiers/")
    html = first.content.decode()
    assert "Users (61)" in html
    assert html.count('href="/iam/groups/Cashiers/users/member') + html.count('href="/iam/groups/Cashiers/users/alice/') == 50
    assert "Page 1 of 2" in html and 'href="?page=2"' in html
    second = root_client.get("/iam/groups/Cashiers/", {"page": 2}).content.decode()
    assert second.count('href="/iam/groups/Cashiers/users/member') == 11
    assert 'href="/iam/users/member0059/"' in second


@pytest.mark.parametrize("count", [1, 500])
def test_the_users_tab_costs_a_fixed_number_of_queries(root_client, account, cashiers, count,
                                                       django_assert_max_num_queries):
    _members(account, cashiers, count)
    with django_assert_max_num_queries(8):
        response = root_client.get("/iam/groups/Cashiers/")
    assert response.status_code == 200
    assert f"Users ({count + 1})" in response.content.decode()
