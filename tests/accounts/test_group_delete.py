"""Delete a user group: the console's confirmation and clean-up, IAM's DeleteConflict."""

from __future__ import annotations

import html

import pytest

from accounts import services
from accounts.models import Group, GroupMembership, User
from iamportal.errors import DeleteConflict
from tests.conftest import attach_aws_policy, csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashiers(account, alice, bob):
    return services.create_group(account, name="Cashiers", users=[alice, bob])


def test_the_confirmation_lists_the_members_the_console_removes(root_client, cashiers):
    html = root_client.get("/iam/groups/Cashiers/delete/").content.decode()
    assert "Delete Cashiers?" in html
    assert "Users (2): alice, bob <span class=\"help\">(iam:RemoveUserFromGroup)</span>" in html
    assert "To confirm deletion, enter the user group name in the text input field." in html


def test_deleting_a_group_with_policies_detaches_and_deletes_them(root_client, cashiers, aws_managed_policies):
    from policies import services as policy_services
    from policies.models import InlinePolicy, PolicyAttachment
    from tests.policies.helpers import doc

    attach_aws_policy(cashiers, "AmazonS3ReadOnlyAccess")
    policy_services.put_group_policy(cashiers, name="receipts", document=doc())
    html = root_client.get("/iam/groups/Cashiers/delete/").content.decode()
    assert "Attached managed policies (1): AmazonS3ReadOnlyAccess <span class=\"help\">(iam:DetachGroupPolicy)" in html
    assert "Inline policies (1): receipts <span class=\"help\">(iam:DeleteGroupPolicy)" in html
    with pytest.raises(DeleteConflict, match="^Cannot delete entity, must remove users from group first.$"):
        services.delete_group(cashiers, remove_dependents=False)
    assert csrf_post(root_client, "/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"}).status_code == 302
    assert not PolicyAttachment.objects.filter(group_id=cashiers.pk).exists()
    assert not InlinePolicy.objects.filter(group_id=cashiers.pk).exists()


def test_a_member_cannot_escape_a_deny_group_by_deleting_it(account, bob, cashiers, aws_managed_policies):
    """Issue 9 H2: bob may delete groups, but not leave Cashiers (nor strip its policies);
    deleting it would do both, so the whole delete is refused and nothing changes."""
    from policies import services as policy_services
    from policies.models import InlinePolicy
    from tests.policies.helpers import doc

    policy_services.put_group_policy(cashiers, name="NoS3", document=doc(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}))
    grant(bob, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": ["iam:RemoveUserFromGroup", "iam:DeleteGroupPolicy"],
           "Resource": cashiers.arn})
    bob_client = signed_in_client(bob)
    response = csrf_post(bob_client, "/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"})
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:RemoveUserFromGroup on resource: "
            f"{cashiers.arn} with an explicit deny") in html.unescape(response.content.decode())
    assert Group.objects.filter(pk=cashiers.pk).exists()
    assert sorted(cashiers.members.values_list("user_name", flat=True)) == ["alice", "bob"]
    assert InlinePolicy.objects.filter(group=cashiers, name="NoS3").exists()


def test_an_empty_group_says_there_is_nothing_else_to_remove(root_client, account):
    services.create_group(account, name="Empty")
    assert "The group has no users and no policies." in root_client.get("/iam/groups/Empty/delete/").content.decode()


def test_typing_the_name_deletes_the_group_and_its_memberships_but_not_the_users(root_client, cashiers):
    response = csrf_post(root_client, "/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"}, follow=True)
    assert response.redirect_chain == [("/iam/groups/", 302)]
    assert "Cashiers user group deleted." in response.content.decode()
    assert not Group.objects.filter(pk=cashiers.pk).exists()
    assert not GroupMembership.objects.exists()
    assert User.objects.filter(user_name__in=["alice", "bob"]).count() == 2


@pytest.mark.parametrize("typed", ["", "cashiers", "Cashier", "delete"])
def test_anything_but_the_exact_name_keeps_the_group(root_client, cashiers, typed):
    response = csrf_post(root_client, "/iam/groups/Cashiers/delete/", {"confirm": typed})
    assert response.status_code == 200
    assert Group.objects.filter(pk=cashiers.pk).exists()


def test_the_service_refuses_with_delete_conflict_while_users_remain(cashiers):
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must remove users from group first\.$"):
        services.delete_group(cashiers, remove_dependents=False)
    assert Group.objects.filter(pk=cashiers.pk).exists()


def test_the_service_deletes_an_empty_group_without_clean_up(account):
    group = services.create_group(account, name="Empty")
    services.delete_group(group, remove_dependents=False)
    assert not Group.objects.filter(pk=group.pk).exists()


def test_deleting_needs_delete_group(bob_client, bob, cashiers):
    response = csrf_post(bob_client, "/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"})
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:DeleteGroup on resource: {cashiers.arn} "
            "because no identity-based policy allows the iam:DeleteGroup action") in response.content.decode()
    assert Group.objects.filter(pk=cashiers.pk).exists()


def test_deleting_needs_a_csrf_token(root_client, cashiers):
    assert root_client.post("/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"}).status_code == 403
    assert Group.objects.filter(pk=cashiers.pk).exists()
