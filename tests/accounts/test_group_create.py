"""Create user group (iam-facts §8.2): name rules, optional users, quota, permissions, CSRF."""

from __future__ import annotations

import pytest

from accounts import quotas, services
from accounts.models import Group
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

PATTERN_ERROR = ("1 validation error detected: Value '{}' at 'groupName' failed to satisfy constraint: "
                 "Member must satisfy regular expression pattern: [\\w+=,.@-]+")


def test_the_page_has_the_three_sections_and_awss_button(root_client, alice, bob):
    html = root_client.get("/iam/groups/create/").content.decode()
    assert "User group name" in html
    assert "Maximum 128 characters. Use alphanumeric and &#x27;+=,.@-_&#x27; characters." in html
    assert "Add users to the group – optional" in html
    assert 'type="checkbox" name="users" value="alice"' in html
    assert 'type="checkbox" name="users" value="bob"' in html
    assert "Attach permissions policies – optional" in html
    # The first page of the AWS managed catalogue (1,600 policies: the picker pages them).
    assert 'name="policy_arns" value="arn:aws:iam::aws:policy/' in html
    assert ">Create user group</button>" in html


def test_it_creates_a_group_with_chosen_users_and_says_so(root_client, account, alice, bob):
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Cashiers", "users": ["alice", "bob"]},
                         follow=True)
    assert response.redirect_chain == [("/iam/groups/", 302)]
    assert "Cashiers user group created." in response.content.decode()
    group = Group.objects.get(account=account, name="Cashiers")
    assert sorted(group.members.values_list("user_name", flat=True)) == ["alice", "bob"]
    assert group.arn == f"arn:aws:iam::{account.account_id}:group/Cashiers"


def test_it_attaches_the_chosen_managed_policies(root_client, account, aws_managed_policies):
    arns = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "arn:aws:iam::aws:policy/IAMUserChangePassword"]
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Cashiers", "policy_arns": arns}, follow=True)
    assert "Cashiers user group created." in response.content.decode()
    group = Group.objects.get(account=account, name="Cashiers")
    assert sorted(group.policy_attachments.values_list("policy__name", flat=True)) == [
        "AmazonS3ReadOnlyAccess", "IAMUserChangePassword"]
    row = response.content.decode().split('href="/iam/groups/Cashiers/"')[1]
    assert "<td>Defined</td>" in row.split("</tr>")[0]


def test_an_unknown_policy_arn_is_refused(root_client, account):
    response = csrf_post(root_client, "/iam/groups/create/",
                         {"name": "Cashiers", "policy_arns": ["arn:aws:iam::aws:policy/NoSuchPolicy"]})
    assert response.status_code == 200
    assert not Group.objects.filter(account=account).exists()


def test_it_creates_a_group_without_users(root_client, account):
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Inventory-Specialists"})
    assert response.status_code == 302
    assert Group.objects.get(account=account).members.count() == 0


def test_the_longest_name_and_every_allowed_character_are_accepted(root_client, account):
    for name in ("a" * 128, "Az09_+=,.@-"):
        assert csrf_post(root_client, "/iam/groups/create/", {"name": name}).status_code == 302
    assert Group.objects.filter(account=account).count() == 2


@pytest.mark.parametrize("name", ["Inventory Specialists", "caf\u00e9", "a/b", "a*", "tab\there", " lead"])
def test_names_outside_the_aws_pattern_are_refused_with_awss_message(root_client, account, name):
    response = csrf_post(root_client, "/iam/groups/create/", {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [PATTERN_ERROR.format(name)]
    assert not Group.objects.filter(account=account).exists()


def test_a_name_over_128_characters_is_refused(root_client):
    name = "g" * 129
    response = csrf_post(root_client, "/iam/groups/create/", {"name": name})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [
        f"1 validation error detected: Value '{name}' at 'groupName' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"]


def test_an_empty_name_is_refused(root_client):
    response = csrf_post(root_client, "/iam/groups/create/", {"name": ""})
    assert response.status_code == 200
    assert "Enter a user group name." in response.content.decode()


@pytest.mark.parametrize("taken", ["Cashiers", "CASHIERS", "cashiers"])
def test_a_name_differing_only_in_case_is_a_duplicate(root_client, account, taken):
    services.create_group(account, name="Cashiers")
    response = csrf_post(root_client, "/iam/groups/create/", {"name": taken})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [f"Group with name {taken} already exists."]
    assert Group.objects.filter(account=account).count() == 1


def test_the_same_name_in_another_account_is_fine(root_client, account, mallory):
    services.create_group(mallory.account, name="Cashiers")
    assert csrf_post(root_client, "/iam/groups/create/", {"name": "Cashiers"}).status_code == 302


def test_the_groups_per_account_quota_is_enforced(root_client, account, monkeypatch):
    monkeypatch.setattr(quotas, "GROUPS_PER_ACCOUNT", 2)
    for name in ("one", "two"):
        services.create_group(account, name=name)
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "three"})
    assert response.status_code == 200
    assert "Cannot exceed quota for GroupsPerAccount: 2" in response.content.decode()
    assert Group.objects.filter(account=account).count() == 2


def test_a_user_already_in_10_groups_cannot_be_added_and_nothing_is_created(root_client, account, alice):
    for i in range(quotas.GROUPS_PER_USER):
        services.create_group(account, name=f"g{i}", users=[alice])
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Eleventh", "users": ["alice"]})
    assert response.status_code == 200
    assert "Cannot exceed quota for GroupsPerUser: 10" in response.content.decode()
    assert not Group.objects.filter(name="Eleventh").exists()


def test_users_of_another_account_cannot_be_chosen(root_client, account, mallory):
    services.create_user(mallory.account, user_name="eve")
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Cashiers", "users": ["eve"]})
    assert response.status_code == 200
    assert "Select a valid choice. eve is not one of the available choices." in response.content.decode()
    assert not Group.objects.filter(account=account).exists()


def test_a_user_without_policies_is_denied_on_the_new_groups_arn(bob_client, bob, account):
    assert bob_client.get("/iam/groups/create/").status_code == 403
    response = csrf_post(bob_client, "/iam/groups/create/", {"name": "Cashiers"})
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:CreateGroup on resource: "
            f"arn:aws:iam::{account.account_id}:group/Cashiers because no identity-based policy allows "
            "the iam:CreateGroup action") in response.content.decode()
    assert not Group.objects.exists()


def test_choosing_users_also_needs_add_user_to_group(root_client, account, alice, monkeypatch):
    """CreateGroup allowed, AddUserToGroup denied: nothing is created and AccessDenied names the action."""
    from policies import authz
    from policies.authz import Authorization

    def deny_adding(request, action, resource, context=None):
        allowed = action != "iam:AddUserToGroup"
        return Authorization(allowed, action, resource, request.iam.arn, "allowed" if allowed else "implicitDeny",
                             "" if allowed else f"because no identity-based policy allows the {action} action")

    monkeypatch.setattr(authz, "authorize", deny_adding)
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Cashiers", "users": ["alice"]})
    assert response.status_code == 403
    assert (f"iam:AddUserToGroup on resource: arn:aws:iam::{account.account_id}:group/Cashiers"
            in response.content.decode())
    assert not Group.objects.exists()


def test_attaching_policies_also_needs_attach_group_policy(root_client, account, monkeypatch,
                                                         aws_managed_policies):
    from policies import authz
    from policies.authz import Authorization

    seen = []

    def deny_attaching(request, action, resource, context=None):
        seen.append((action, (context or {}).get("iam:PolicyARN")))
        allowed = action != "iam:AttachGroupPolicy"
        return Authorization(allowed, action, resource, request.iam.arn, "allowed" if allowed else "implicitDeny",
                             "" if allowed else f"because no identity-based policy allows the {action} action")

    monkeypatch.setattr(authz, "authorize", deny_attaching)
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    response = csrf_post(root_client, "/iam/groups/create/", {"name": "Admins", "policy_arns": [arn]})
    assert response.status_code == 403
    assert "iam:AttachGroupPolicy on resource: " in response.content.decode()
    assert ("iam:AttachGroupPolicy", arn) in seen  # the policy is in the request context
    assert not Group.objects.exists()


def test_a_user_allowed_to_create_groups_does_so(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateGroup", "Resource": "*"})
    assert alice_client.get("/iam/groups/create/").status_code == 200
    assert csrf_post(alice_client, "/iam/groups/create/", {"name": "Cashiers"}).status_code == 302
    assert Group.objects.filter(account=account, name="Cashiers").exists()


def test_create_group_scoped_to_a_name_prefix_allows_only_those_names(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateGroup",
                  "Resource": [f"arn:aws:iam::{account.account_id}:group/", f"arn:aws:iam::{account.account_id}:group/shop-*"]})
    assert csrf_post(alice_client, "/iam/groups/create/", {"name": "shop-Cashiers"}).status_code == 302
    assert csrf_post(alice_client, "/iam/groups/create/", {"name": "Admins"}).status_code == 403


def test_an_explicit_deny_beats_an_allow(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:CreateGroup", "Resource": "*"})
    response = csrf_post(alice_client, "/iam/groups/create/", {"name": "Cashiers"})
    assert response.status_code == 403
    assert "with an explicit deny in an identity-based policy" in response.content.decode()
    assert not Group.objects.exists()


def test_posting_without_a_csrf_token_is_refused(root_client):
    assert root_client.post("/iam/groups/create/", {"name": "Cashiers"}).status_code == 403
    assert not Group.objects.exists()
