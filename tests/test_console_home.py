"""Console Home (#11 item 5): every signed-in principal lands on a page it may open, with who
it is, links to what its policies let it open, its own settings (greyed when refused, as in the
identity menu) and the pages it visited last."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from accounts import roles
from tests.accounts.test_switch_role import switch, trusting
from tests.conftest import USER_PASSWORD, csrf_post, grant

pytestmark = pytest.mark.django_db

HOME = "/console/home/"


def text(response) -> str:
    return html.unescape(response.content.decode())


def quick_links(page: str) -> list[str]:
    section = page.split('id="links-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li><a href="[^"]+">([^<]+)</a></li>', section)


def test_a_user_without_policies_lands_on_console_home_not_a_403(alice, account):
    client = Client()
    url = f"/signin/{account.account_id}/"
    client.get(url)
    response = client.post(url, {"user_name": "alice", "password": USER_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == HOME and response.status_code == 200
    page = text(response)
    assert "IAM user</dt><dd>alice" in page and account.account_id in page
    assert "Signed in without MFA" in page
    assert quick_links(page) == ["Switch role"]  # governed by trust policies, not here
    assert "Your permissions don't let you open any IAM page yet" in page


def test_root_lands_on_console_home_with_every_page(root):
    client = Client()
    client.get("/signin/")
    response = client.post("/signin/", {"email": root.email, "password": "Coffee-Shop-Owner-2026!"}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    links = quick_links(text(response))
    assert {"Dashboard", "Users", "User groups", "Roles", "Policies", "Security credentials",
            "Change password"} <= set(links)


def test_the_slash_url_opens_console_home(root_client):
    assert root_client.get("/").url == HOME


def test_quick_links_are_what_the_callers_policies_allow(alice, alice_client):
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"})
    links = quick_links(text(alice_client.get(HOME)))
    assert "Users" in links
    assert "User groups" not in links and "Dashboard" not in links


def test_change_password_is_greyed_when_refused_and_a_link_when_allowed(alice, alice_client):
    page = text(alice_client.get(HOME))
    assert re.search(r'<span class="denied"[^>]*>Change password<span class="visually-hidden"> '
                     r'\(AccessDenied: User: arn:aws:iam::\d+:user/alice is not authorized to perform: '
                     r'iam:ChangePassword', page)
    grant(alice, {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": alice.arn})
    page = text(alice_client.get(HOME))
    assert '<li><a href="/password/change/">Change password</a></li>' in page


def test_roots_identity_menu_offers_change_password(root_client):
    menu = text(root_client.get(HOME)).split('class="identity-links"', 1)[1].split("</ul>", 1)[0]
    assert '<a href="/password/change/">Change password</a>' in menu
    assert '<a href="/iam/security-credentials/">Security credentials</a>' in menu


def test_recently_visited_lists_the_callers_pages_newest_first(root_client, alice, alice_client):
    root_client.get("/iam/users/")
    root_client.get("/iam/users/alice/")
    root_client.get("/iam/users/nobody/")  # a 404 is not a page visited
    page = text(root_client.get(HOME))
    recent = page.split('id="recent-heading"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', recent) == [
        ("/iam/users/alice/", "User alice"), ("/iam/users/", "Users")]
    # The cookie names root's ARN: another principal on the same browser sees none of it.
    alice_client.cookies["iamportal_recent"] = root_client.cookies["iamportal_recent"].value
    assert "User alice" not in text(alice_client.get(HOME)).split('id="recent-heading"', 1)[1]


def test_a_forged_recent_cookie_is_ignored(root_client):
    root_client.cookies["iamportal_recent"] = '{"arn":"x","pages":[{"label":"evil","path":"https://evil.example"}]}'
    page = text(root_client.get(HOME))
    assert "evil" not in page and "Pages you open appear here." in page


def test_switch_role_and_switch_back_land_on_console_home(alice, alice_client, account):
    roles.create_role(account, name="Cashier", trust_policy=trusting(alice))
    response = switch(alice_client, account.account_id, "Cashier")
    assert response.status_code == 302 and response.url == HOME
    page = text(alice_client.get(HOME))
    assert "Cashier (session alice)" in page and "Switched from</dt><dd>IAM user alice" in page
    response = csrf_post(alice_client, "/switchrole/back")
    assert response.status_code == 302 and response.url == HOME


def test_console_home_needs_sign_in(client):
    response = client.get(HOME)
    assert response.status_code == 302 and "/signin/" in response.url


def test_an_access_denied_page_leads_home(alice_client):
    page = text(alice_client.get("/iam/users/"))
    assert '<a href="/console/home/">Go to Console Home</a>' in page


def test_roots_security_credentials_offer_change_password_which_can_be_cancelled(root_client):
    page = text(root_client.get("/iam/security-credentials/"))
    assert '<a href="/password/change/">Change password</a>' in page
    page = text(root_client.get("/password/change/"))
    assert '<a href="/console/home/">Cancel</a>' in page


def test_a_forced_password_change_offers_sign_out_not_cancel(account):
    from accounts import services

    services.create_user(account, user_name="newbie", console_password=USER_PASSWORD, password_reset_required=True)
    client = Client()
    url = f"/signin/{account.account_id}/"
    client.get(url)
    page = text(client.post(url, {"user_name": "newbie", "password": USER_PASSWORD}, follow=True))
    assert "You must change your password to continue" in page
    assert "Sign out</button>" in page and ">Cancel</a>" not in page


def test_an_access_denied_page_suggests_the_simulator_only_to_who_may_open_it(alice, alice_client):
    assert "Ask your administrator to grant the permission.</p>" in alice_client.get("/iam/users/").content.decode()
    grant(alice, {"Effect": "Allow", "Action": "iam:SimulatePrincipalPolicy", "Resource": alice.arn})
    assert "or find out why with the policy simulator." in alice_client.get("/iam/users/").content.decode()
