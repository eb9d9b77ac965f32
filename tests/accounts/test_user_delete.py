"""Deleting users from the console: what goes with them, and the typed confirmation."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import dependents, services
from accounts.models import GroupMembership, User
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

BULK = "/iam/users/delete/selected/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def alice_with_dependents(account, alice):
    services.create_group(account, name="Cashiers", users=[alice])
    services.create_group(account, name="Baristas", users=[alice])
    TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)
    return alice


def test_the_confirmation_lists_what_goes_with_the_user(root_client, alice_with_dependents):
    response = root_client.get("/iam/users/alice/delete/")
    page = text(response)
    assert response.status_code == 200
    assert "<h1>Delete alice?</h1>" in page
    assert 'Console password <span class="help">(iam:DeleteLoginProfile)</span>' in page
    assert ('MFA devices (1): phone <span class="help">(iam:DeactivateMFADevice, iam:DeleteVirtualMFADevice)'
            '</span>') in page
    assert 'Group memberships (2): Baristas, Cashiers <span class="help">(iam:RemoveUserFromGroup)</span>' in page
    assert "To confirm deletion, enter the user name in the text input field." in page


def test_dependents_other_apps_register_are_listed_and_removed(root_client, alice, monkeypatch):
    removed = []
    keys = dependents.Dependent("Access keys", "delete access keys",
                                lambda user: [] if removed else [
                                    dependents.Removal("AKIAEXAMPLE", (("iam:DeleteAccessKey", user.arn, {}),))],
                                lambda user, removals: removed.append(user.user_name))
    monkeypatch.setitem(dependents.USERS.dependents, "Access keys", keys)
    assert "Access keys (1): AKIAEXAMPLE" in text(root_client.get("/iam/users/alice/delete/"))
    csrf_post(root_client, "/iam/users/alice/delete/", {"confirmation": "alice"})
    assert removed == ["alice"]


def test_a_deny_on_removing_the_mfa_device_keeps_the_user(alice_client, alice, account, bob):
    """Issue 9 M2: deleting a user is each of its implied calls; a Deny on one refuses it all."""
    device = TOTPDevice.objects.create(user=bob, name="bob-phone", confirmed=True)
    services.create_group(account, name="Cashiers", users=[bob])
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeactivateMFADevice", "Resource": bob.arn})
    for url, data in (("/iam/users/bob/delete/", {"confirmation": "bob"}),
                      (BULK, {"users": ["bob"], "confirmation": "delete"})):
        response = csrf_post(alice_client, url, data)
        assert response.status_code == 403
        assert f"iam:DeactivateMFADevice on resource: {bob.arn} with an explicit deny" in text(response)
        assert User.objects.get(pk=bob.pk).has_usable_password()
        assert TOTPDevice.objects.filter(pk=device.pk).exists() and GroupMembership.objects.filter(user=bob).exists()


def test_typing_the_name_deletes_the_user_and_its_dependents(root_client, alice_with_dependents):
    alice = alice_with_dependents
    response = csrf_post(root_client, "/iam/users/alice/delete/", {"confirmation": "alice"})
    assert response.status_code == 302 and response["Location"] == "/iam/users/"
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not GroupMembership.objects.exists() and not TOTPDevice.objects.exists()
    assert "User alice deleted." in text(root_client.get("/iam/users/"))


@pytest.mark.parametrize("typed", ["", "ALICE", "alice ", "delete"])
def test_a_wrong_confirmation_is_refused_and_deletes_nothing(root_client, alice, typed):
    response = csrf_post(root_client, "/iam/users/alice/delete/", {"confirmation": typed})
    assert response.status_code == 200
    assert "The text you entered does not match “alice”." in text(response)
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_confirmation_page_deletes_nothing(root_client, alice):
    root_client.get("/iam/users/alice/delete/?confirmation=alice")
    assert User.objects.filter(pk=alice.pk).exists()


def test_several_users_are_deleted_by_typing_delete(root_client, account, alice_with_dependents, bob):
    page = text(root_client.get(BULK, {"users": ["alice", "bob"]}))
    assert "<h1>Delete 2 users?</h1>" in page
    assert '<th scope="row">alice</th><td>Yes</td><td>Virtual</td><td>2</td>' in page
    assert "To confirm deletion, enter delete in the text input field." in page.replace("<em>", "").replace("</em>", "")
    response = csrf_post(root_client, BULK, {"users": ["alice", "bob"], "confirmation": "delete"})
    assert response.status_code == 302
    assert not User.objects.for_account(account).exists()
    assert "2 users deleted." in text(root_client.get("/iam/users/"))


def test_bulk_delete_refuses_anything_but_delete(root_client, alice, bob):
    response = csrf_post(root_client, BULK, {"users": ["alice", "bob"], "confirmation": "Delete"})
    assert response.status_code == 200
    assert "The text you entered does not match “delete”." in text(response)
    assert User.objects.filter(user_name__in=["alice", "bob"]).count() == 2


def test_bulk_delete_without_a_selection_goes_back_to_the_list(root_client, alice):
    response = root_client.get(BULK)
    assert response.status_code == 302 and response["Location"] == "/iam/users/"
    assert "Select the users to delete." in text(root_client.get("/iam/users/"))


def test_bulk_delete_of_an_unknown_or_foreign_user_is_not_found(root_client, mallory_client, alice):
    assert root_client.get(BULK, {"users": ["alice", "nobody"]}).status_code == 404
    response = csrf_post(mallory_client, BULK, {"users": ["alice"], "confirmation": "delete"})
    assert response.status_code == 404
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_list_offers_the_selection_to_bulk_delete(root_client, alice):
    page = root_client.get("/iam/users/").content.decode()
    assert f'<form method="get" action="{BULK}" id="users-selection">' in page
    assert '<input type="checkbox" name="users" value="alice"' in page


def test_another_accounts_user_cannot_be_deleted(mallory_client, alice):
    assert mallory_client.get("/iam/users/alice/delete/").status_code == 404
    assert csrf_post(mallory_client, "/iam/users/alice/delete/", {"confirmation": "alice"}).status_code == 404
    assert User.objects.filter(pk=alice.pk).exists()


def test_a_user_without_policies_cannot_delete(bob_client, account, alice):
    response = csrf_post(bob_client, "/iam/users/alice/delete/", {"confirmation": "alice"})
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{account.account_id}:user/bob is not authorized to perform: iam:DeleteUser "
            f"on resource: arn:aws:iam::{account.account_id}:user/alice because no identity-based policy "
            "allows the iam:DeleteUser action") in text(response)
    bulk = csrf_post(bob_client, BULK, {"users": ["alice"], "confirmation": "delete"})
    assert bulk.status_code == 403
    assert User.objects.filter(pk=alice.pk).exists()


def test_deleting_needs_the_csrf_token(root_client, alice):
    assert root_client.post("/iam/users/alice/delete/", {"confirmation": "alice"}).status_code == 403
    assert root_client.post(BULK, {"users": ["alice"], "confirmation": "delete"}).status_code == 403
    assert User.objects.filter(pk=alice.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(alice):
    response = Client().post("/iam/users/alice/delete/", {"confirmation": "alice"})
    assert response.status_code == 302 and response["Location"].startswith("/signin/")
    assert User.objects.filter(pk=alice.pk).exists()


def test_an_explicit_deny_on_one_of_several_users_stops_them_all(alice_client, alice, bob, account):
    carol = services.create_user(account, user_name="carol")
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": carol.arn})
    response = csrf_post(alice_client, BULK, {"users": ["bob", "carol"], "confirmation": "delete"})
    assert response.status_code == 403
    assert f"iam:DeleteUser on resource: {carol.arn} with an explicit deny" in text(response)
    assert User.objects.filter(user_name__in=["bob", "carol"]).count() == 2


def test_a_nul_byte_in_a_selected_name_is_simply_not_found(root_client, alice):
    assert root_client.get(BULK, {"users": ["ali\x00ce"]}).status_code == 404


def test_the_implied_calls_carry_the_users_tags(alice_client, alice, account):
    """ABAC holds through the delete: a Deny on deleting inline policies of users tagged
    team=admins refuses deleting such a user, as it refuses the call itself."""
    from policies import services as policy_services
    from tests.policies.helpers import doc

    erin = services.create_user(account, user_name="erin", tags=[("team", "admins")])
    policy_services.put_user_policy(erin, name="own", document=doc())
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteUserPolicy", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/team": "admins"}}})
    response = csrf_post(alice_client, "/iam/users/erin/delete/", {"confirmation": "erin"})
    assert response.status_code == 403
    assert f"iam:DeleteUserPolicy on resource: {erin.arn} with an explicit deny" in text(response)
    assert User.objects.filter(pk=erin.pk).exists()
