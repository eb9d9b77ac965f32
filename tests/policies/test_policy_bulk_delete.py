"""Issue 11 item 13: the Policies list has the Users list's toolbar — tick customer managed
policies (AWS managed ones have no checkbox), Delete, a confirmation naming each policy and
what its delete detaches, type "delete"."""

from __future__ import annotations

import html

import pytest

from accounts import services as accounts_services
from policies import services
from policies.models import ManagedPolicy, PermissionsBoundary, PolicyAttachment
from tests.conftest import csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db

BULK = "/iam/policies/delete/selected/"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def policies(account, alice, bob):
    receipts = services.create_policy(account, name="Receipts", document=doc())
    services.create_policy_version(receipts, document=doc(), set_as_default=True)
    services.attach_policy(alice, policy_arn=receipts.arn)
    refunds = services.create_policy(account, name="Refunds", document=doc())
    services.attach_policy(accounts_services.create_group(account, name="Cashiers"), policy_arn=refunds.arn)
    services.put_permissions_boundary(bob, policy_arn=refunds.arn)
    return receipts, refunds


def test_the_list_offers_a_checkbox_on_customer_managed_policies_only(root_client, policies, aws_managed_policies):
    receipts, _ = policies
    page = root_client.get("/iam/policies/", {"q": "Receipts"}).content.decode()
    assert f'<form method="get" action="{BULK}" id="policies-selection">' in page
    assert f'<input type="checkbox" name="policies" value="{receipts.arn}" aria-label="Select Receipts">' in page
    assert '<button type="submit" form="policies-selection">Delete</button>' in page
    aws = root_client.get("/iam/policies/", {"q": "IAMReadOnly"}).content.decode()
    assert "IAMReadOnlyAccess" in aws
    assert 'value="arn:aws:iam::aws:policy/' not in aws


def test_the_confirmation_names_each_policy_and_what_its_delete_detaches(root_client, policies):
    receipts, refunds = policies
    response = root_client.get(BULK, {"policies": [receipts.arn, refunds.arn]})
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Delete 2 policies?</h1>" in page
    assert '<th scope="row">Receipts</th>' in page and '<th scope="row">Refunds</th>' in page
    assert 'Attached to (1): User alice <span class="help">(iam:DetachUserPolicy)</span>' in page
    assert 'Versions other than the default <span class="help">(iam:DeletePolicyVersion)</span>' in page
    assert 'Attached to (1): Group Cashiers <span class="help">(iam:DetachGroupPolicy)</span>' in page
    assert 'Permissions boundary of (1): User bob <span class="help">(iam:DeleteUserPermissionsBoundary)</span>' in page
    assert ManagedPolicy.objects.filter(account__isnull=False).count() == 2


def test_typing_delete_deletes_the_policies_and_detaches_them(root_client, account, policies):
    receipts, refunds = policies
    response = csrf_post(root_client, BULK, {"policies": [receipts.arn, refunds.arn], "confirmation": "delete"})
    assert response.status_code == 302 and response["Location"] == "/iam/policies/"
    assert not ManagedPolicy.objects.for_account(account).exists()
    assert not PolicyAttachment.objects.exists() and not PermissionsBoundary.objects.exists()
    assert "2 policies deleted." in text(root_client.get("/iam/policies/"))


def test_a_deny_on_one_implied_call_of_one_policy_keeps_every_policy(alice_client, alice, bob, policies):
    receipts, refunds = policies
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteUserPermissionsBoundary", "Resource": bob.arn})
    response = csrf_post(alice_client, BULK, {"policies": [receipts.arn, refunds.arn], "confirmation": "delete"})
    assert response.status_code == 403
    assert f"iam:DeleteUserPermissionsBoundary on resource: {bob.arn} with an explicit deny" in text(response)
    # Receipts, deleted first, is back with its versions and its attachment to alice.
    assert set(ManagedPolicy.objects.filter(account__isnull=False).values_list("name", flat=True)) == {
        "Receipts", "Refunds"}
    assert receipts.versions.count() == 2 and PolicyAttachment.objects.filter(user=alice).exists()


def test_a_wrong_confirmation_deletes_no_policy(root_client, policies):
    receipts, _ = policies
    response = csrf_post(root_client, BULK, {"policies": [receipts.arn], "confirmation": "Receipts"})
    assert response.status_code == 200
    assert "The text you entered does not match “delete”." in text(response)
    assert ManagedPolicy.objects.filter(pk=receipts.pk).exists()


def test_an_aws_managed_policy_cannot_be_selected(root_client, policies, aws_managed_policies):
    receipts, _ = policies
    response = csrf_post(root_client, BULK, {"policies": [receipts.arn, READ_ONLY], "confirmation": "delete"})
    assert response.status_code == 400
    assert f"Policy {READ_ONLY} is an AWS managed policy and cannot be modified." in text(response)
    assert ManagedPolicy.objects.filter(pk=receipts.pk).exists()
    assert ManagedPolicy.objects.filter(name="ReadOnlyAccess", account__isnull=True).exists()


def test_another_accounts_policy_is_not_found(mallory_client, root_client, policies):
    receipts, _ = policies
    response = csrf_post(mallory_client, BULK, {"policies": [receipts.arn], "confirmation": "delete"})
    assert response.status_code == 404
    assert f"Policy {receipts.arn} was not found." in text(response)
    unknown = receipts.arn.replace("Receipts", "Nothing")
    response = root_client.get(BULK, {"policies": [receipts.arn, unknown, "arn:aws:iam::aws:policy/Nothing\x00"]})
    assert response.status_code == 404
    assert f"Policy {unknown} was not found." in text(response)
    assert ManagedPolicy.objects.filter(pk=receipts.pk).exists()


def test_a_user_without_policies_may_not_delete_policies(bob_client, bob, policies):
    receipts, _ = policies
    response = csrf_post(bob_client, BULK, {"policies": [receipts.arn], "confirmation": "delete"})
    assert response.status_code == 403
    assert f"User: {bob.arn} is not authorized to perform: iam:DeletePolicy" in text(response)
    assert ManagedPolicy.objects.filter(pk=receipts.pk).exists()


def test_the_delete_call_carries_the_policys_tags(alice_client, alice, account):
    tagged = services.create_policy(account, name="Admins", document=doc(), tags=[("team", "admins")])
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeletePolicy", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    response = csrf_post(alice_client, BULK, {"policies": [tagged.arn], "confirmation": "delete"})
    assert response.status_code == 403
    assert ManagedPolicy.objects.filter(pk=tagged.pk).exists()


def test_no_selection_goes_back_to_the_policies_list(root_client, policies):
    response = root_client.get(BULK)
    assert response.status_code == 302 and response["Location"] == "/iam/policies/"
    assert "Select the policies to delete." in text(root_client.get("/iam/policies/"))
