"""Switch Role in the console: the form and its link, the role session as the request's
identity, expiry, role chaining, switch back, the history of five, and no leak of the
user's own permissions into the session."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from unittest import mock

import pytest

from accounts import role_sessions, roles
from accounts.models import Role
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

# Role sessions are capped by the console session (sign-in + 12 h), so the clock starts now.
T0 = float(int(time.time()))


def trusting(user, *, mfa=False) -> str:
    """A trust policy naming ``user`` itself: no identity policy is needed to assume it."""
    statement = {"Effect": "Allow", "Principal": {"AWS": user.arn}, "Action": "sts:AssumeRole"}
    if mfa:
        statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make(account, name, trust, **kwargs):
    return roles.create_role(account, name=name, trust_policy=trust, **kwargs)


def switch(client, account_ref, role_name, *, at=T0, **extra):
    data = {"account": account_ref, "role_name": role_name, **extra}
    with mock.patch.object(role_sessions, "now", return_value=at):
        return csrf_post(client, "/switchrole", data)


def get(client, url, *, at=T0):
    with mock.patch.object(role_sessions, "now", return_value=at):
        return client.get(url)


def identity_of(response):
    return response.context["iam"]


# ---------------------------------------------------------------------------
# The form and AWS's link form


def test_link_parameters_prefill_the_form(alice_client, account):
    url = f"/switchrole?account={account.account_id}&roleName=Cashier&displayName=Till&color=FAD791"
    page = alice_client.get(url).content.decode()
    assert f'value="{account.account_id}"' in page
    assert 'value="Cashier"' in page and 'value="Till"' in page
    assert 'value="FAD791"' in page and "checked" in page.split('value="FAD791"')[1].split(">")[0]
    for name in ("Red", "Orange", "Yellow", "Green", "Blue"):
        assert name in page


def test_an_unknown_colour_in_the_link_is_ignored(alice_client):
    page = alice_client.get("/switchrole?color=red;background:url(x)").content.decode()
    assert "url(x)" not in page


def test_switching_needs_csrf(alice_client, account, alice):
    make(account, "Cashier", trusting(alice))
    response = alice_client.post("/switchrole", {"account": account.account_id, "role_name": "Cashier"})
    assert response.status_code == 403
    assert role_sessions.SESSION_ROLE not in alice_client.session


def test_root_cannot_switch_role(root_client, account):
    make(account, "Cashier", roles.account_trust_policy(account.account_id))
    page = root_client.get("/switchrole").content.decode()
    assert "Roles may not be assumed by root accounts." in page
    response = switch(root_client, account.account_id, "Cashier")
    assert response.status_code == 403
    assert "Roles may not be assumed by root accounts." in response.content.decode()
    assert role_sessions.SESSION_ROLE not in root_client.session


def test_refusal_uses_awss_access_denied_wording(bob_client, account):
    make(account, "Cashier", roles.account_trust_policy(account.account_id))
    response = switch(bob_client, account.account_id, "Cashier")
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{account.account_id}:user/bob is not authorized to perform: sts:AssumeRole "
            f"on resource: arn:aws:iam::{account.account_id}:role/Cashier") in response.content.decode()
    assert role_sessions.SESSION_ROLE not in bob_client.session


def test_the_account_may_be_given_by_alias(alice_client, account, alice):
    from accounts import services

    services.set_account_alias(account, "coffee-shop")
    make(account, "Cashier", trusting(alice))
    response = switch(alice_client, "coffee-shop", "Cashier")
    assert response.status_code == 302
    assert alice_client.session[role_sessions.SESSION_ROLE]["display_name"] == "Cashier @ coffee-shop"


# ---------------------------------------------------------------------------
# The role session


def test_the_session_is_the_roles_identity(alice_client, account, alice):
    role = make(account, "Cashier", trusting(alice), tags=[("team", "front")])
    response = switch(alice_client, account.account_id, "Cashier", display_name="Till", colour="B7CA9D")
    assert response.status_code == 302 and response["Location"] == "/console/home/"
    page = get(alice_client, "/switchrole", at=T0 + 10)
    identity = identity_of(page)
    assert identity.arn == f"arn:aws:sts::{account.account_id}:assumed-role/Cashier/alice"
    assert identity.principal_type == "AssumedRole"
    assert identity.account == account
    context = identity.context
    assert context["aws:PrincipalType"] == "AssumedRole"
    assert context["aws:PrincipalArn"] == role.arn
    assert context["aws:userid"] == f"{role.unique_id}:alice"
    assert context["aws:TokenIssueTime"] == datetime.fromtimestamp(T0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert context["aws:PrincipalTag/team"] == "front"
    assert "aws:username" not in context
    html = page.content.decode()
    # The navigation shows the display name in its colour.
    assert re.search(r'class="role-badge colour-B7CA9D">\s*Till\s*</summary>', html)
    role.refresh_from_db()
    assert role.last_used is not None


def test_mfa_at_sign_in_carries_into_the_role_session(alice_client, account, alice):
    make(account, "Cashier", trusting(alice, mfa=True))
    assert switch(alice_client, account.account_id, "Cashier").status_code == 403
    session = alice_client.session
    session["iam_mfa_verified_at"] = T0 - 60
    session.save()
    assert switch(alice_client, account.account_id, "Cashier").status_code == 302
    assert identity_of(get(alice_client, "/switchrole")).context["aws:MultiFactorAuthPresent"] == "true"


def test_the_session_expires_at_the_roles_maximum_and_says_so(alice_client, account, alice):
    make(account, "Cashier", trusting(alice), max_session_duration=7200)
    switch(alice_client, account.account_id, "Cashier")
    assert identity_of(get(alice_client, "/switchrole", at=T0 + 7199)).principal_type == "AssumedRole"
    page = get(alice_client, "/switchrole", at=T0 + 7200)
    identity = identity_of(page)
    assert identity.principal_type == "User" and identity.arn == alice.arn
    assert "Your role session has expired. You are now signed in as alice." in page.content.decode()
    assert role_sessions.SESSION_ROLE not in alice_client.session


def test_default_duration_is_one_hour(alice_client, account, alice):
    make(account, "Cashier", trusting(alice))
    switch(alice_client, account.account_id, "Cashier")
    assert alice_client.session[role_sessions.SESSION_ROLE]["expires"] == T0 + 3600


def test_a_deleted_role_ends_its_sessions(alice_client, account, alice):
    role = make(account, "Cashier", trusting(alice))
    switch(alice_client, account.account_id, "Cashier")
    roles.delete_role(role, remove_dependents=True)
    page = get(alice_client, "/switchrole")
    assert identity_of(page).principal_type == "User"
    assert "no longer exists" in page.content.decode()


def test_switch_back_returns_to_the_users_identity(alice_client, account, alice):
    make(account, "Cashier", trusting(alice))
    switch(alice_client, account.account_id, "Cashier")
    assert alice_client.get("/switchrole/back").status_code == 405  # POST only
    response = csrf_post(alice_client, "/switchrole/back")
    assert response.status_code == 302
    assert role_sessions.SESSION_ROLE not in alice_client.session
    assert identity_of(alice_client.get("/switchrole")).arn == alice.arn


def test_history_keeps_the_last_five_roles_most_recent_first(alice_client, account, alice):
    for name in ["R1", "R2", "R3", "R4", "R5", "R6"]:
        make(account, name, trusting(alice))
        switch(alice_client, account.account_id, name, at=T0)
    switch(alice_client, account.account_id, "R4")  # again: moves to the top, no duplicate
    history = alice_client.session[role_sessions.SESSION_HISTORY]
    assert [entry["role_name"] for entry in history] == ["R4", "R6", "R5", "R3", "R2"]
    menu = get(alice_client, "/switchrole").content.decode()
    assert menu.count('name="role_name" value="R4"') >= 1
    assert "Switch back to alice" in menu


# ---------------------------------------------------------------------------
# From a role session: the console uses the user's credentials; chaining uses the session's


def test_switching_from_a_role_uses_the_users_credentials_like_the_console(alice_client, account, alice):
    make(account, "Cashier", trusting(alice), max_session_duration=43200)
    make(account, "Inventory", trusting(alice), max_session_duration=43200)
    switch(alice_client, account.account_id, "Cashier")
    response = switch(alice_client, account.account_id, "Inventory", at=T0 + 100)
    assert response.status_code == 302
    record = alice_client.session[role_sessions.SESSION_ROLE]
    # Not a chain: the role's 12 hours (capped by the 12-hour console session), not 1 hour.
    assert record["chained"] is False
    assert T0 + 100 + 3600 < record["expires"] <= T0 + 100 + 43200
    identity = identity_of(get(alice_client, "/switchrole", at=T0 + 200))
    assert identity.arn.endswith(":assumed-role/Inventory/alice")


def test_role_chaining_is_capped_at_one_hour(alice_client, account, alice):
    cashier = make(account, "Cashier", trusting(alice), max_session_duration=43200)
    chained_trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": cashier.arn}, "Action": "sts:AssumeRole"}]})
    make(account, "Inventory", chained_trust, max_session_duration=43200)
    switch(alice_client, account.account_id, "Cashier")
    # The console way (alice's own credentials): Inventory does not trust alice.
    refused = switch(alice_client, account.account_id, "Inventory", at=T0 + 100, chain="user")
    assert refused.status_code == 403
    assert f"User: {alice.arn} is not authorized" in refused.content.decode()
    # Role chaining: the Cashier session's credentials; Inventory trusts the Cashier role.
    response = switch(alice_client, account.account_id, "Inventory", at=T0 + 100, chain="session")
    assert response.status_code == 302
    record = alice_client.session[role_sessions.SESSION_ROLE]
    assert record["chained"] is True
    assert record["expires"] == T0 + 100 + 3600
    assert record["source_identity"] == alice.arn
    assert identity_of(get(alice_client, "/switchrole", at=T0 + 3699)).arn.endswith("assumed-role/Inventory/alice")
    assert identity_of(get(alice_client, "/switchrole", at=T0 + 3700)).arn == alice.arn


def test_a_chained_refusal_names_the_session_as_the_caller(alice_client, account, alice):
    make(account, "Cashier", trusting(alice))
    make(account, "Inventory", trusting(alice))
    switch(alice_client, account.account_id, "Cashier")
    response = switch(alice_client, account.account_id, "Inventory", chain="session")
    assert response.status_code == 403
    assert (f"User: arn:aws:sts::{account.account_id}:assumed-role/Cashier/alice is not authorized to perform: "
            f"sts:AssumeRole on resource: arn:aws:iam::{account.account_id}:role/Inventory") \
        in response.content.decode()


# ---------------------------------------------------------------------------
# Nothing of the user's own permissions in the session


def test_the_users_own_permissions_do_not_leak_into_the_session(alice_client, account, alice):
    from tests.conftest import grant

    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    make(account, "Cashier", trusting(alice))
    assert alice_client.get("/iam/roles/").status_code == 200
    switch(alice_client, account.account_id, "Cashier")
    denied = get(alice_client, "/iam/roles/")
    assert denied.status_code == 403
    assert (f"User: arn:aws:sts::{account.account_id}:assumed-role/Cashier/alice is not authorized to perform: "
            f"iam:ListRoles") in denied.content.decode()
    csrf_post(alice_client, "/switchrole/back")
    assert alice_client.get("/iam/roles/").status_code == 200


def test_cross_account_session_acts_in_the_roles_account(alice_client, account, alice, mallory):
    from tests.conftest import grant

    other = mallory.account
    roles.create_role(other, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id))
    refused = switch(alice_client, other.account_id, "Auditor")
    assert refused.status_code == 403
    grant(alice, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{other.account_id}:role/Auditor"})
    assert switch(alice_client, other.account_id, "Auditor").status_code == 302
    identity = identity_of(get(alice_client, "/switchrole"))
    assert identity.account == other
    assert identity.arn == f"arn:aws:sts::{other.account_id}:assumed-role/Auditor/alice"


def test_role_sessions_have_no_role_permissions_until_policies_are_attached(alice_client, account, alice):
    make(account, "Cashier", trusting(alice))
    switch(alice_client, account.account_id, "Cashier")
    assert get(alice_client, "/iam/").status_code == 403
    assert Role.objects.count() == 1


def test_the_navigation_names_a_role_session_by_its_display_name_alone(account):
    """The display name already says "Role @ account"; the badge does not repeat the account."""
    from django.test import Client

    from accounts import roles
    from accounts import services as account_services
    from policies import services as policy_services
    from tests.conftest import USER_PASSWORD, csrf_post

    user = account_services.create_user(account, user_name="erin", console_password=USER_PASSWORD)
    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_user_policy(user, name="Switch", document=(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", '
        f'"Resource": "{role.arn}"}}}}'))
    client = Client()
    client.post(f"/signin/{account.account_id}/", {"user_name": "erin", "password": USER_PASSWORD})
    client.get("/switchrole")
    response = csrf_post(client, "/switchrole", {"account": account.account_id, "role_name": "Cashier",
                                                 "display_name": "Till 1", "colour": "B7CA9D"}, follow=True)
    page = response.content.decode()
    assert "Till 1" in page
    assert f"Till 1 @ {account.account_id}" not in page
