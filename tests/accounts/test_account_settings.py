"""Account settings: account id, alias (create, edit, delete) and the IAM user sign-in URL."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from accounts.models import Account
from tests.conftest import USER_PASSWORD, csrf_post, grant

pytestmark = pytest.mark.django_db


def _alias(account) -> str | None:
    return Account.objects.get(pk=account.pk).alias


def test_it_shows_the_account_id_and_the_sign_in_url_by_id(root_client, account):
    response = root_client.get("/iam/account/")
    assert response.status_code == 200
    html = response.content.decode()
    assert account.account_id in html
    assert f"http://testserver/signin/{account.account_id}/" in html
    assert ">Create</a>" in html
    assert ">Delete</" not in html


def test_the_sign_in_url_is_on_the_host_serving_the_page_not_the_base_url(root_client, account, settings):
    settings.IAMPORTAL_BASE_URL = "https://iam.training.example"  # for management commands only
    html = root_client.get("/iam/account/", HTTP_HOST="localhost:8211").content.decode()
    assert f"http://localhost:8211/signin/{account.account_id}/" in html
    assert "iam.training.example" not in html


def test_with_an_alias_it_shows_both_sign_in_urls(root_client, account):
    services.set_account_alias(account, "coffee-shop")
    html = root_client.get("/iam/account/").content.decode()
    assert "http://testserver/signin/coffee-shop/" in html
    assert "The URL with the account ID keeps working" in html
    assert f"http://testserver/signin/{account.account_id}/" in html
    assert ">Edit</a>" in html and '<a class="button danger" href="/iam/account/alias/delete/">Delete</a>' in html


def test_the_nav_item_account_settings_leads_here(root_client):
    assert 'href="/iam/account/" aria-current="page">Account settings' in root_client.get("/iam/account/").content.decode()


def test_creating_an_alias_sets_it_and_tells_the_new_url(root_client, account):
    response = csrf_post(root_client, "/iam/account/alias/", {"alias": "coffee-shop"}, follow=True)
    assert response.redirect_chain == [("/iam/account/", 302)]
    assert ("The account alias is now coffee-shop. IAM users sign in at "
            "http://testserver/signin/coffee-shop/") in response.content.decode()
    assert _alias(account) == "coffee-shop"


def test_the_edit_form_starts_with_the_current_alias(root_client, account):
    services.set_account_alias(account, "coffee-shop")
    html = root_client.get("/iam/account/alias/").content.decode()
    assert "Edit account alias" in html and 'value="coffee-shop"' in html


@pytest.mark.parametrize("alias", ["abc", "a" * 63, "coffee-shop-2", "123-456", "12345678901", "1234567890123"])
def test_aliases_within_the_rules_are_accepted(root_client, account, alias):
    assert csrf_post(root_client, "/iam/account/alias/", {"alias": alias}).status_code == 302
    assert _alias(account) == alias


PATTERN = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"


@pytest.mark.parametrize(("alias", "message"), [
    ("ab", f"2 validation errors detected: Value 'ab' at 'accountAlias' failed to satisfy constraint: "
           f"Member must have length greater than or equal to 3; Value 'ab' at 'accountAlias' failed to "
           f"satisfy constraint: Member must satisfy regular expression pattern: {PATTERN}"),
    ("a" * 64, f"2 validation errors detected: Value '{'a' * 64}' at 'accountAlias' failed to satisfy "
               f"constraint: Member must have length less than or equal to 63; Value '{'a' * 64}' at "
               f"'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: "
               f"{PATTERN}"),
    ("Coffee-Shop", None),   # upper case
    ("coffee_shop", None),   # underscore
    ("coffee shop", None),   # space
    ("-coffee", None),       # leading hyphen
    ("coffee-", None),       # trailing hyphen
    ("coffee--shop", None),  # double hyphen
])
def test_aliases_breaking_a_rule_are_refused_with_awss_message(root_client, account, alias, message):
    response = csrf_post(root_client, "/iam/account/alias/", {"alias": alias})
    assert response.status_code == 200
    errors = response.context["form"].errors["alias"]
    assert errors == [message or (f"1 validation error detected: Value '{alias}' at 'accountAlias' failed to "
                                  f"satisfy constraint: Member must satisfy regular expression pattern: {PATTERN}")]
    assert _alias(account) is None


def test_a_12_digit_alias_is_refused(root_client, account):
    response = csrf_post(root_client, "/iam/account/alias/", {"alias": "123456789012"})
    assert response.status_code == 200
    assert response.context["form"].errors["alias"] == ["The account alias cannot be a 12-digit number."]


def test_an_empty_alias_is_refused(root_client, account):
    response = csrf_post(root_client, "/iam/account/alias/", {"alias": ""})
    assert response.status_code == 200
    assert "Enter an account alias." in response.content.decode()


def test_an_alias_another_account_has_is_refused(root_client, account, mallory):
    services.set_account_alias(mallory.account, "coffee-shop")
    response = csrf_post(root_client, "/iam/account/alias/", {"alias": "coffee-shop"})
    assert response.status_code == 200
    assert response.context["form"].errors["alias"] == ["The account alias coffee-shop already exists."]
    assert _alias(account) is None


def test_setting_the_same_alias_again_is_fine(root_client, account):
    services.set_account_alias(account, "coffee-shop")
    assert csrf_post(root_client, "/iam/account/alias/", {"alias": "coffee-shop"}).status_code == 302


def test_iam_users_sign_in_by_the_new_alias_and_the_old_one_stops_working(root_client, account, alice):
    csrf_post(root_client, "/iam/account/alias/", {"alias": "coffee-shop"})
    signin = {"user_name": "alice", "password": USER_PASSWORD}
    assert Client().post("/signin/coffee-shop/", signin).status_code == 302

    csrf_post(root_client, "/iam/account/alias/", {"alias": "bean-counter"})
    assert Client().post("/signin/bean-counter/", signin).status_code == 302
    assert Client().get("/signin/coffee-shop/").status_code == 404
    assert Client().post("/signin-iam/", {"account": "coffee-shop", **signin}).status_code == 401
    # The URL with the account id keeps working throughout.
    assert Client().post(f"/signin/{account.account_id}/", signin).status_code == 302


def test_an_alias_freed_by_one_account_can_be_taken_by_another(root_client, account, mallory_client, mallory):
    services.set_account_alias(account, "coffee-shop")
    csrf_post(root_client, "/iam/account/alias/delete/")
    assert csrf_post(mallory_client, "/iam/account/alias/", {"alias": "coffee-shop"}).status_code == 302
    assert _alias(mallory.account) == "coffee-shop"


def test_deleting_the_alias_falls_back_to_the_account_id(root_client, account, alice):
    services.set_account_alias(account, "coffee-shop")
    response = csrf_post(root_client, "/iam/account/alias/delete/", follow=True)
    assert response.redirect_chain == [("/iam/account/", 302)]
    assert "Account alias deleted." in response.content.decode()
    assert _alias(account) is None
    assert Client().get("/signin/coffee-shop/").status_code == 404
    assert Client().post(f"/signin/{account.account_id}/",
                         {"user_name": "alice", "password": USER_PASSWORD}).status_code == 302


def test_deleting_when_there_is_no_alias_is_404_in_awss_words(root_client, account):
    response = csrf_post(root_client, "/iam/account/alias/delete/")
    assert response.status_code == 404
    assert f"The account alias for account {account.account_id} cannot be found." in response.content.decode()


def test_delete_asks_first_naming_the_alias_and_the_url_users_then_sign_in_at(root_client, account):
    services.set_account_alias(account, "coffee-shop")
    page = root_client.get("/iam/account/alias/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Delete account alias coffee-shop?</h1>" in html
    assert (f"IAM users then sign in with the account ID, at http://testserver/signin/{account.account_id}/; "
            "the sign-in URL with coffee-shop stops working") in html
    assert '<a class="button" href="/iam/account/">Cancel</a>' in html
    assert _alias(account) == "coffee-shop"  # opening it deletes nothing


def test_the_confirmation_without_an_alias_is_404_in_awss_words(root_client, account):
    response = root_client.get("/iam/account/alias/delete/")
    assert response.status_code == 404
    assert f"The account alias for account {account.account_id} cannot be found." in response.content.decode()


@pytest.mark.parametrize(("url", "data"), [("/iam/account/alias/", {"alias": "coffee-shop"}),
                                           ("/iam/account/alias/delete/", {})])
def test_alias_changes_need_a_csrf_token(root_client, account, url, data):
    services.set_account_alias(account, "bean-counter")
    assert root_client.post(url, data).status_code == 403
    assert _alias(account) == "bean-counter"


@pytest.mark.parametrize(("method", "url", "action"), [
    ("get", "/iam/account/", "iam:ListAccountAliases"),
    ("get", "/iam/account/alias/", "iam:CreateAccountAlias"),
    ("post", "/iam/account/alias/", "iam:CreateAccountAlias"),
    ("get", "/iam/account/alias/delete/", "iam:DeleteAccountAlias"),
    ("post", "/iam/account/alias/delete/", "iam:DeleteAccountAlias"),
])
def test_a_user_without_policies_gets_awss_access_denied(bob_client, bob, account, method, url, action):
    services.set_account_alias(account, "coffee-shop")
    if method == "get":
        response = bob_client.get(url)
    else:
        response = csrf_post(bob_client, url, {"alias": "bobs-shop"})
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: {action} on resource: * because no "
            f"identity-based policy allows the {action} action") in response.content.decode()
    assert _alias(account) == "coffee-shop"


def test_each_account_sees_and_changes_only_its_own_alias(mallory_client, account, mallory):
    services.set_account_alias(account, "coffee-shop")
    html = mallory_client.get("/iam/account/").content.decode()
    assert mallory.account.account_id in html and "coffee-shop" not in html
    confirm = mallory_client.get("/iam/account/alias/delete/")  # her account has no alias
    assert confirm.status_code == 404 and "coffee-shop" not in confirm.content.decode()
    csrf_post(mallory_client, "/iam/account/alias/delete/")
    assert _alias(account) == "coffee-shop"


def test_an_explicit_deny_refuses_the_confirmation_and_the_delete(alice_client, alice, account):
    services.set_account_alias(account, "coffee-shop")
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteAccountAlias", "Resource": "*"})
    for response in (alice_client.get("/iam/account/alias/delete/"),
                     csrf_post(alice_client, "/iam/account/alias/delete/")):
        assert response.status_code == 403
        assert (f"User: {alice.arn} is not authorized to perform: iam:DeleteAccountAlias on resource: * "
                "with an explicit deny") in response.content.decode()
    assert _alias(account) == "coffee-shop"
