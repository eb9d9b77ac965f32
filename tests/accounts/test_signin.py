"""Sign-up, root and IAM user sign-in, sign-out, forced password change, throttling."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services
from accounts.models import User
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, csrf_post, signed_in_client

pytestmark = pytest.mark.django_db


def test_sign_up_creates_an_account_with_a_12_digit_id_and_signs_in_as_root():
    client = Client()
    response = client.post("/signup/", {"email": "new@shop.example", "password": ROOT_PASSWORD,
                                        "password_confirm": ROOT_PASSWORD}, follow=True)
    assert response.status_code == 200
    root = User.objects.get(email="new@shop.example")
    assert root.is_root and len(root.account.account_id) == 12 and root.account.account_id.isdigit()
    assert f"Account {root.account.account_id} created" in response.content.decode()
    assert "<h1>Console Home</h1>" in response.content.decode()


def test_sign_up_refuses_a_weak_password_and_a_taken_email(root):
    client = Client()
    weak = client.post("/signup/", {"email": "x@shop.example", "password": "password",
                                    "password_confirm": "password"})
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()
    taken = client.post("/signup/", {"email": "OWNER@coffee.example", "password": ROOT_PASSWORD,
                                     "password_confirm": ROOT_PASSWORD})
    assert taken.status_code == 200
    assert "already exists" in taken.content.decode()


def test_root_signs_in_with_email_and_password(root):
    client = Client()
    response = client.post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/console/home/"
    page = client.get("/iam/")
    assert "Root user @" in page.content.decode()


def test_wrong_root_password_is_refused_with_awss_message(root):
    response = Client().post("/signin/", {"email": "owner@coffee.example", "password": "nope"})
    assert response.status_code == 401
    assert "Your authentication information is incorrect" in response.content.decode()


def test_iam_user_signs_in_at_the_account_url_by_id_and_by_alias(alice, account):
    client = Client()
    response = client.post(f"/signin/{account.account_id}/", {"user_name": "alice", "password": USER_PASSWORD})
    assert response.status_code == 302
    services.set_account_alias(account, "coffee-shop")
    client = Client()
    response = client.post("/signin/coffee-shop/", {"user_name": "alice", "password": USER_PASSWORD})
    assert response.status_code == 302


def test_iam_user_signs_in_at_the_generic_form_with_an_account_field(alice, account):
    response = Client().post("/signin-iam/", {"account": account.account_id, "user_name": "alice",
                                              "password": USER_PASSWORD})
    assert response.status_code == 302


def test_iam_user_cannot_use_the_root_form_nor_another_accounts_url(alice, mallory):
    assert Client().post("/signin/", {"email": "alice@x.example", "password": USER_PASSWORD}).status_code == 401
    response = Client().post(f"/signin/{mallory.account.account_id}/", {"user_name": "alice",
                                                                          "password": USER_PASSWORD})
    assert response.status_code == 401


def test_unknown_account_url_is_404():
    assert Client().get("/signin/no-such-alias/").status_code == 404


def test_user_without_console_access_cannot_sign_in(account):
    services.create_user(account, user_name="keysonly")
    response = Client().post(f"/signin/{account.account_id}/", {"user_name": "keysonly", "password": ""})
    assert response.status_code == 200


def test_must_change_password_forces_the_change_page_before_anything_else(account):
    services.create_user(account, user_name="carol", console_password=USER_PASSWORD, password_reset_required=True)
    client = Client()
    response = client.post(f"/signin/{account.account_id}/", {"user_name": "carol", "password": USER_PASSWORD})
    assert response["Location"] == "/password/change/"
    assert client.get("/iam/")["Location"] == "/password/change/"
    new = "Espresso-Double-Shot-77"
    response = client.post("/password/change/", {"old_password": USER_PASSWORD, "new_password": new,
                                                 "new_password_confirm": new})
    assert response.status_code == 302
    carol = User.objects.get(user_name="carol")
    assert not carol.password_reset_required and carol.check_password(new)
    # Still signed in after the change, and no longer redirected.
    assert client.get("/iam/").status_code in (200, 403)


def test_forced_change_refuses_wrong_old_password(account):
    services.create_user(account, user_name="dave", console_password=USER_PASSWORD, password_reset_required=True)
    client = Client()
    client.post(f"/signin/{account.account_id}/", {"user_name": "dave", "password": USER_PASSWORD})
    response = client.post("/password/change/", {"old_password": "wrong", "new_password": "Xx-123456789!",
                                                 "new_password_confirm": "Xx-123456789!"})
    assert response.status_code == 200
    assert "The old password is incorrect." in response.content.decode()


def test_voluntary_password_change_needs_iam_change_password(bob_client):
    response = bob_client.get("/password/change/")
    assert response.status_code == 403
    assert "iam:ChangePassword" in response.content.decode()


def test_sign_out_is_post_only_and_ends_the_session(root_client):
    assert root_client.get("/signout/").status_code == 405
    response = csrf_post(root_client, "/signout/")
    assert response.status_code == 302
    assert root_client.get("/iam/").status_code == 302


def test_sign_in_needs_a_csrf_token(root):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD})
    assert response.status_code == 403


def test_anonymous_console_pages_redirect_to_sign_in():
    response = Client().get("/iam/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/?next=")


def test_next_parameter_cannot_redirect_off_site(root):
    response = Client().post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD,
                                          "next": "https://evil.example/"})
    assert response["Location"] == "/console/home/"


def test_repeated_failures_are_throttled(root, settings):
    settings.IAMPORTAL_SIGNIN_ATTEMPTS = 3
    client = Client()
    codes = [client.post("/signin/", {"email": "owner@coffee.example", "password": "bad"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # Even the right password waits out the window.
    response = client.post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_an_iam_user_without_policies_is_denied_the_dashboard(alice):
    client = signed_in_client(alice)
    assert client.get("/iam/").status_code == 403  # no policies: AccessDenied on the dashboard


def test_an_account_url_with_a_nul_byte_or_odd_characters_is_404():
    assert Client().get("/signin/%00/").status_code == 404
    assert Client().get("/signin/%C3%A9t%C3%A9/").status_code == 404


def test_root_changes_its_own_password_without_any_policy(root_client, root):
    new = "Cold-Brew-Owner-2027!"
    response = csrf_post(root_client, "/password/change/", {"old_password": ROOT_PASSWORD, "new_password": new,
                                                            "new_password_confirm": new})
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.check_password(new)


@pytest.mark.parametrize("next_url", ["x", "dashboard", "iamportal:dashboard", "//evil.example/", "/\\evil.example"])
def test_a_next_that_is_not_a_path_on_this_site_is_ignored(root, alice, account, next_url):
    landing = Client().post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD})["Location"]
    response = Client().post(f"/signin/?next={next_url}", {"email": "owner@coffee.example",
                                                             "password": ROOT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == landing
    response = Client().post(f"/signin/{account.account_id}/", {"user_name": "alice", "password": USER_PASSWORD,
                                                                "next": next_url})
    assert response.status_code == 302 and response["Location"] == landing


def test_a_next_path_on_this_site_is_honoured(root):
    response = Client().post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD,
                                          "next": "/iam/users/"})
    assert response["Location"] == "/iam/users/"


def test_a_pbkdf2_password_still_signs_in_and_is_upgraded_to_argon2(root, settings):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from iamportal import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    root.password = PBKDF2PasswordHasher().encode(ROOT_PASSWORD, "legacysalt1234", iterations=1000)
    root.save(update_fields=["password"])
    response = Client().post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD})
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert Client().post("/signin/", {"email": "owner@coffee.example", "password": ROOT_PASSWORD}).status_code == 302
