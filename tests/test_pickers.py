"""Server-side pickers (iamportal.pickers): the create-user wizard's Set permissions step,
create user group, add to groups and create role show one searchable page of choices, whatever
the size of the account, keep choices across pages, and work without JavaScript."""

from __future__ import annotations

import re

import pytest

from accounts import services
from accounts.models import Group, GroupMembership, User
from iamportal.pickers import PER_PAGE
from policies.models import ManagedPolicy, PolicyAttachment
from tests.accounts.test_user_create_wizard import URL, post_step, post_step_to_permissions, text
from tests.accounts.test_user_list import make_users
from tests.conftest import csrf_post, grant
from tests.policies.helpers import bulk_policies

pytestmark = pytest.mark.django_db


def fill_account(account, users: int, groups: int, policies: int) -> None:
    made = make_users(account, users, prefix="member")
    made_groups = Group.objects.bulk_create(
        Group(account=account, name=f"Team{index:03d}", unique_id=f"AGPA{index:017d}") for index in range(groups))
    GroupMembership.objects.bulk_create(
        GroupMembership(group=made_groups[index % groups], user=user) for index, user in enumerate(made))
    bulk_policies(account, policies)


def navigate(client, picker: str, **fields):
    """Press a button of the Set permissions step that is not Next: a picker's or "Show option"."""
    data = {"user_create_wizard-current_step": "permissions", "picker": picker}
    data.update({f"permissions-{name}": value for name, value in fields.items()})
    return csrf_post(client, URL, data)


def inputs(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="(?:checkbox|radio)" name="{re.escape(name)}" value="([^"]*)"', page)


def hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', page)


# ---------------------------------------------------------------------------
# Create user, Set permissions


@pytest.mark.parametrize("size", [1, 300])
def test_set_permissions_costs_the_same_at_any_account_size(root_client, account, aws_managed_policies,
                                                            size, django_assert_max_num_queries):
    fill_account(account, users=size, groups=min(size, 40), policies=size)
    post_step_to_permissions(root_client)
    with django_assert_max_num_queries(16):
        response = navigate(root_client, "option", option="copy")
    page = text(response)
    assert response.status_code == 200 and "<h1>Set permissions</h1>" in page
    assert len(inputs(page, "permissions-copy_from")) <= PER_PAGE
    assert len(inputs(page, "permissions-policy_arns")) <= PER_PAGE
    assert len(inputs(page, "permissions-groups")) <= PER_PAGE
    assert len(response.content) < 120_000


def test_only_the_chosen_options_panel_is_shown_and_show_option_switches_without_javascript(
        root_client, account, aws_managed_policies):
    page = text(post_step_to_permissions(root_client))
    assert re.search(r'data-option-panel="groups">', page)
    assert re.search(r'data-option-panel="policies" hidden>', page)
    assert re.search(r'data-option-panel="copy" hidden>', page)
    page = text(navigate(root_client, "option", option="policies"))
    assert "<h1>Set permissions</h1>" in page
    assert re.search(r'data-option-panel="policies">', page)
    assert re.search(r'data-option-panel="groups" hidden>', page)


def test_search_and_pages_keep_the_choices_made_and_create_nothing(root_client, account):
    fill_account(account, users=0, groups=45, policies=0)
    post_step_to_permissions(root_client)
    # Tick a group on page 1, then search: the tick travels as a hidden input.
    page = text(navigate(root_client, "permissions-groups:1", option="groups", groups=["Team000"],
                         **{"groups-q": "Team04"}))
    assert "<h1>Set permissions</h1>" in page
    assert inputs(page, "permissions-groups") == [f"Team04{digit}" for digit in range(5)]
    assert hidden(page, "permissions-groups") == ["Team000"]
    assert "Selected (1): Team000" in page
    # The next page of the whole list.
    page = text(navigate(root_client, "permissions-groups:2", option="groups", groups=["Team000", "Team021"]))
    assert inputs(page, "permissions-groups")[0] == f"Team{PER_PAGE:03d}"
    assert 'value="Team021" id="permissions-groups-2" checked' in page
    assert hidden(page, "permissions-groups") == ["Team000"]
    assert not User.objects.filter(user_name="carol").exists()
    # Next: the review lists both groups, and Create user adds the user to them.
    review = text(post_step(root_client, "permissions", option="groups", groups=["Team000", "Team021"]))
    assert "<h1>Review and create</h1>" in review and "Team000" in review and "Team021" in review
    assert post_step(root_client, "review").status_code == 302
    assert sorted(User.objects.get(user_name="carol").iam_groups.values_list("name", flat=True)) == [
        "Team000", "Team021"]


def test_a_page_number_past_the_end_or_made_up_shows_the_first_page(root_client, account):
    fill_account(account, users=0, groups=3, policies=0)
    post_step_to_permissions(root_client)
    for value in ("permissions-groups:999", "permissions-groups:x", "permissions-groups:²", "nonsense"):
        page = text(navigate(root_client, value, option="groups"))
        assert inputs(page, "permissions-groups") == ["Team000", "Team001", "Team002"], value


def test_the_review_says_which_choices_are_not_applied(root_client, account, aws_managed_policies):
    services.create_group(account, name="Cashiers")
    post_step_to_permissions(root_client)
    review = text(post_step(root_client, "permissions", option="groups", groups=["Cashiers"],
                            policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"]))
    assert "Permissions option: <strong>Add user to group</strong>" in review
    assert "Not applied" in review and "Attach policies directly: arn:aws:iam::aws:policy/AdministratorAccess" in review
    assert post_step(root_client, "review").status_code == 302
    assert not PolicyAttachment.objects.filter(user__user_name="carol").exists()


def test_policies_are_searched_and_chosen_from_a_later_page(root_client, account, aws_managed_policies):
    fill_account(account, users=0, groups=0, policies=60)
    post_step_to_permissions(root_client)
    page = text(navigate(root_client, "permissions-policy_arns:1", option="policies", **{"policy_arns-q": "P05"}))
    arns = inputs(page, "permissions-policy_arns")
    assert [arn.rpartition("/")[2] for arn in arns] == [f"P05{digit}" for digit in range(10)]
    response = post_step(root_client, "permissions", option="policies", policy_arns=[arns[3]])
    assert "<h1>Review and create</h1>" in text(response)
    # The review names the policy and its type, as AWS's does (the ARN is its title).
    assert f'<td title="{arns[3]}">P053</td><td>Customer managed</td><td>Permissions policy</td>' in text(response)
    assert post_step(root_client, "review").status_code == 302
    assert list(PolicyAttachment.objects.filter(user__user_name="carol").values_list("policy__name", flat=True)) == [
        "P053"]


# ---------------------------------------------------------------------------
# The other pages with pickers


@pytest.mark.parametrize("size", [1, 300])
def test_create_user_group_lists_one_page_of_users_and_policies(root_client, account, aws_managed_policies,
                                                                size, django_assert_max_num_queries):
    fill_account(account, users=size, groups=1, policies=size)
    with django_assert_max_num_queries(10):
        response = root_client.get("/iam/groups/create/")
    page = text(response)
    assert len(inputs(page, "users")) == min(size, PER_PAGE)
    assert len(inputs(page, "policy_arns")) == min(size + ManagedPolicy.objects.aws_managed().count(), PER_PAGE)


def test_create_user_group_search_shows_the_form_again_and_creates_nothing(root_client, account):
    fill_account(account, users=30, groups=1, policies=0)
    response = csrf_post(root_client, "/iam/groups/create/",
                         {"name": "Baristas", "users": ["member0001"], "users-q": "member002", "picker": "users:1"})
    page = text(response)
    assert response.status_code == 200 and "<h1>Create user group</h1>" in page
    assert 'value="Baristas"' in page
    assert inputs(page, "users") == [f"member002{digit}" for digit in range(10)]
    assert hidden(page, "users") == ["member0001"]
    assert not Group.objects.filter(name="Baristas").exists()
    assert "error" not in re.sub(r"<(script|link)[^>]*>", "", page).split("<main", 1)[-1].lower().replace(
        "_form_errors", "")


def test_add_user_to_groups_pages_the_groups(root_client, account, alice):
    fill_account(account, users=0, groups=30, policies=0)
    page = text(csrf_post(root_client, "/iam/users/alice/groups/add/", {"picker": "groups:2"}))
    assert inputs(page, "groups") == [f"Team{index:03d}" for index in range(PER_PAGE, 30)]


def test_create_role_searches_policies(root_client, account, aws_managed_policies):
    from tests.accounts.test_role_create_wizard import PREFIX as ROLE_PREFIX

    url = "/iam/roles/create/"
    root_client.get(url)
    csrf_post(root_client, url, {f"{ROLE_PREFIX}-current_step": "trusted_entity",
                                 "trusted_entity-entity_type": "aws_account",
                                 "trusted_entity-account_choice": "this"})
    page = text(csrf_post(root_client, url, {f"{ROLE_PREFIX}-current_step": "permissions",
                                             "permissions-policy_arns-q": "ReadOnly",
                                             "picker": "permissions-policy_arns:1"}))
    assert "<h1>Add permissions</h1>" in page
    names = [arn.rpartition("/")[2] for arn in inputs(page, "permissions-policy_arns")]
    assert names and all("ReadOnly" in name for name in names)


# ---------------------------------------------------------------------------
# Attach policies and Set permissions boundary


@pytest.mark.parametrize("size", [1, 300])
def test_attach_policies_lists_one_page_at_any_size(root_client, account, alice, size,
                                                    django_assert_max_num_queries):
    bulk_policies(account, size)
    with django_assert_max_num_queries(12):
        page = text(root_client.get("/iam/users/alice/policies/attach/"))
    assert 0 < len(inputs(page, "policy_arns")) <= PER_PAGE


def test_attach_a_policy_chosen_on_a_later_page_keeps_the_first_pages_choice(root_client, account, alice):
    policies = bulk_policies(account, 45)
    first, later = policies[0].arn, policies[PER_PAGE + 3].arn
    page = text(csrf_post(root_client, "/iam/users/alice/policies/attach/?type=customer",
                          {"policy_arns": [first], "picker": "policy_arns:2"}))
    assert "<h1>Attach policies to alice</h1>" in page
    assert later in inputs(page, "policy_arns") and hidden(page, "policy_arns") == [first]
    assert not PolicyAttachment.objects.filter(user=alice).exists()
    response = csrf_post(root_client, "/iam/users/alice/policies/attach/", {"policy_arns": [first, later]})
    assert response.status_code == 302
    assert set(PolicyAttachment.objects.filter(user=alice).values_list("policy__name", flat=True)) == {
        policies[0].name, policies[PER_PAGE + 3].name}


def test_paging_is_not_an_attach_so_a_limited_delegate_may_page(alice, alice_client, account):
    policies = bulk_policies(account, 30)
    grant(alice, {"Effect": "Allow", "Action": ["iam:AttachUserPolicy", "iam:ListPolicies"], "Resource": "*",
                  "Condition": {"ArnEquals": {"iam:PolicyARN": policies[0].arn}}})
    response = csrf_post(alice_client, "/iam/users/alice/policies/attach/",
                         {"policy_arns": [policies[25].arn], "picker": "policy_arns:2"})
    assert response.status_code == 200
    denied = csrf_post(alice_client, "/iam/users/alice/policies/attach/", {"policy_arns": [policies[25].arn]})
    assert denied.status_code == 403 and not PolicyAttachment.objects.filter(user=alice).exists()


def test_the_boundary_page_pages_and_keeps_the_current_boundary(root_client, account, alice):
    from policies import services as policy_services

    policies = bulk_policies(account, 45)
    policy_services.put_permissions_boundary(alice, policy_arn=policies[40].arn)
    page = text(root_client.get("/iam/users/alice/permissions-boundary/"))
    assert hidden(page, "policy_arn") == [policies[40].arn]  # chosen, on a later page
    page = text(csrf_post(root_client, "/iam/users/alice/permissions-boundary/",
                          {"policy_arn": policies[40].arn, "policy_arn-q": "P04", "picker": "policy_arn:1"}))
    assert f'value="{policies[40].arn}" id="policy_arn-1" checked' in page
    response = csrf_post(root_client, "/iam/roles/nope/permissions-boundary/", {"policy_arn": policies[1].arn})
    assert response.status_code == 404
