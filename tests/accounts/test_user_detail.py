"""A user's page: Summary, the tabs, and the pages they lead to (groups, console access, tags)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client

from accounts import services
from accounts.models import GroupMembership, User
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown_password(response) -> str:
    match = re.search(r'data-testid="console-password">(.*?)</code>', response.content.decode())
    assert match, "no password on the page"
    return html.unescape(match.group(1))


# ---------------------------------------------------------------------------
# Summary and tabs


def test_the_summary_shows_arn_creation_console_access_last_sign_in_and_path(root_client, account, alice):
    carol = services.create_user(account, user_name="carol", path="/shop/")
    page = text(root_client.get("/iam/users/carol/"))
    assert "<h1>carol</h1>" in page
    assert f"<dd class=\"arn\">arn:aws:iam::{account.account_id}:user/shop/carol</dd>" in page
    assert f"{carol.created:%B} {carol.created.day}, {carol.created:%Y}" in page
    assert "<dt>Console access</dt><dd>Disabled</dd>" in page
    assert "<dt>Last console sign-in</dt><dd>Never</dd>" in page
    assert '<dt>Path</dt><dd class="mono">/shop/</dd>' in page
    assert '<li><a href="/iam/users/">Users</a></li><li aria-current="page">carol</li>' in page

    assert "<dt>Console access</dt><dd>Enabled without MFA</dd>" in text(root_client.get("/iam/users/alice/"))


def test_the_last_sign_in_is_shown_once_the_user_has_signed_in(root_client, alice, alice_client):
    page = text(root_client.get("/iam/users/alice/"))
    assert re.search(r"<dt>Last console sign-in</dt><dd><time datetime=\"[0-9T:Z-]+\">"
                     r"\w+ \d+, \d{4}, \d\d:\d\d \(UTC\+00:00\)</time></dd>", page)


def test_names_are_found_case_insensitively(root_client, alice):
    assert "<h1>alice</h1>" in text(root_client.get("/iam/users/ALICE/"))


def test_tabs_are_links_and_the_current_one_says_so(root_client, alice):
    page = root_client.get("/iam/users/alice/").content.decode()
    assert '<a href="/iam/users/alice/?tab=permissions" aria-current="page">Permissions</a>' in page
    for tab, label in (("groups", "Groups"), ("security_credentials", "Security credentials"), ("tags", "Tags")):
        assert f'<a href="/iam/users/alice/?tab={tab}">{label}</a>' in page
        other = root_client.get(f"/iam/users/alice/?tab={tab}").content.decode()
        assert f'<a href="/iam/users/alice/?tab={tab}" aria-current="page">{label}</a>' in other
    unknown = root_client.get("/iam/users/alice/?tab=nonsense").content.decode()
    assert 'aria-current="page">Permissions</a>' in unknown


def test_the_permissions_tab_lists_policies_attached_directly_and_through_groups(root_client, account, alice,
                                                                                  aws_managed_policies):
    from policies import services as policy_services

    page = text(root_client.get("/iam/users/alice/?tab=permissions"))
    assert "Permissions policies" in page and "Attach policies" in page
    policy_services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    group = services.create_group(account, name="Cashiers", users=[alice])
    policy_services.attach_group_policy(group, policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    page = text(root_client.get("/iam/users/alice/"))
    assert "IAMReadOnlyAccess" in page and "Attached directly" in page
    assert "AmazonS3ReadOnlyAccess" in page and "Cashiers" in page


def test_the_security_credentials_tab_shows_console_sign_in_and_the_mfa_devices(root_client, account, alice):
    page = text(root_client.get("/iam/users/alice/?tab=security_credentials"))
    assert "Console sign-in" in page
    assert f"http://testserver/signin/{account.account_id}/" in page
    assert "Set 0 days ago" in page and "Manage console access" in page
    assert 'id="mfa-heading"' in page  # the MFA feature's partial, for this user


def test_the_tags_tab_lists_the_tags(root_client, account):
    services.create_user(account, user_name="carol", tags=[("team", "bar")])
    page = text(root_client.get("/iam/users/carol/?tab=tags"))
    assert "<td>team</td><td>bar</td>" in page and "Manage tags" in page


# ---------------------------------------------------------------------------
# Groups


def test_the_groups_tab_lists_memberships_with_remove_buttons(root_client, account, alice, bob):
    services.create_group(account, name="Cashiers", users=[alice, bob])
    page = text(root_client.get("/iam/users/alice/?tab=groups"))
    assert "User groups membership (1)" in page
    assert 'href="/iam/users/alice/groups/Cashiers/remove/"' in page  # to its confirmation
    assert re.search(r"Cashiers</a>|Cashiers</td>", page) and "<td>2</td>" in page
    assert "Add user to groups" in page


def test_add_user_to_groups_offers_only_groups_the_user_is_not_in(root_client, account, alice):
    services.create_group(account, name="Cashiers", users=[alice])
    services.create_group(account, name="Inventory")
    page = text(root_client.get("/iam/users/alice/groups/add/"))
    assert "<h1>Add user to groups</h1>" in page
    assert 'value="Inventory"' in page and 'value="Cashiers"' not in page


def test_it_adds_the_user_to_groups(root_client, account, alice):
    services.create_group(account, name="Cashiers")
    services.create_group(account, name="Inventory")
    response = csrf_post(root_client, "/iam/users/alice/groups/add/", {"groups": ["Cashiers", "Inventory"]})
    assert response.status_code == 302 and response["Location"] == "/iam/users/alice/?tab=groups"
    assert sorted(alice.iam_groups.values_list("name", flat=True)) == ["Cashiers", "Inventory"]
    assert "User alice added to Cashiers, Inventory." in text(root_client.get(response["Location"]))


def test_adding_no_group_or_an_unknown_group_is_refused(root_client, alice):
    none = csrf_post(root_client, "/iam/users/alice/groups/add/", {})
    assert none.status_code == 200 and "Select at least one group." in text(none)
    unknown = csrf_post(root_client, "/iam/users/alice/groups/add/", {"groups": ["Ghosts"]})
    assert unknown.status_code == 200 and "The group with name Ghosts cannot be found." in text(unknown)


def test_a_user_belongs_to_at_most_ten_groups(root_client, account, alice):
    for index in range(12):
        group = services.create_group(account, name=f"G{index:02d}")
        if index < 9:
            services.add_user_to_group(group, alice)
    response = csrf_post(root_client, "/iam/users/alice/groups/add/", {"groups": ["G09", "G10"]})
    assert response.status_code == 200
    assert "Cannot exceed quota for GroupsPerUser: 10" in text(response)
    assert alice.iam_groups.count() == 9
    assert csrf_post(root_client, "/iam/users/alice/groups/add/", {"groups": ["G09"]}).status_code == 302
    assert alice.iam_groups.count() == 10


def test_it_removes_the_user_from_a_group(root_client, account, alice):
    cashiers = services.create_group(account, name="Cashiers", users=[alice])
    response = csrf_post(root_client, "/iam/users/alice/groups/Cashiers/remove/")
    assert response.status_code == 302
    assert not cashiers.members.exists()
    assert "User alice removed from Cashiers." in text(root_client.get(response["Location"]))
    again = csrf_post(root_client, "/iam/users/alice/groups/Cashiers/remove/")
    assert again.status_code == 404


def test_remove_opened_with_get_only_confirms(root_client, account, alice):
    services.create_group(account, name="Cashiers", users=[alice])
    assert root_client.get("/iam/users/alice/groups/Cashiers/remove/").status_code == 200
    assert GroupMembership.objects.count() == 1


# ---------------------------------------------------------------------------
# Console access


def test_enabling_console_access_shows_an_autogenerated_password_once(root_client, account):
    services.create_user(account, user_name="carol")
    page = text(root_client.get("/iam/users/carol/console-access/"))
    assert "<h1>Enable console access</h1>" in page and "Disable console access" not in page
    response = csrf_post(root_client, "/iam/users/carol/console-access/",
                         {"password_type": "autogenerated", "password_reset_required": "on"})
    assert response.status_code == 200
    assert "Console access enabled for carol." in text(response)
    assert "no-store" in response["Cache-Control"]
    password = shown_password(response)
    carol = services.get_user(account, "carol")
    assert carol.check_password(password) and carol.password_reset_required
    signin = Client().post(f"/signin/{account.account_id}/", {"user_name": "carol", "password": password})
    assert signin.status_code == 302
    # Not kept: the page shows it, nothing else does.
    assert password not in text(root_client.get("/iam/users/carol/?tab=security_credentials"))


def test_resetting_a_password_with_a_custom_one(root_client, account, alice):
    page = text(root_client.get("/iam/users/alice/console-access/"))
    assert "<h1>Manage console access</h1>" in page and "Disable console access" in page
    response = csrf_post(root_client, "/iam/users/alice/console-access/",
                         {"password_type": "custom", "custom_password": "Cortado-Cup-2026!"})
    assert response.status_code == 200 and "Console password reset for alice." in text(response)
    alice.refresh_from_db()
    assert alice.check_password("Cortado-Cup-2026!") and not alice.password_reset_required


def test_a_weak_custom_password_is_refused(root_client, alice):
    response = csrf_post(root_client, "/iam/users/alice/console-access/",
                         {"password_type": "custom", "custom_password": "12345678"})
    assert response.status_code == 200
    # IAM's default password policy (no custom policy): three of the four character types.
    assert "Password should have at least three of the following character types" in text(response)


def test_disabling_console_access(root_client, account, alice):
    response = csrf_post(root_client, "/iam/users/alice/console-access/disable/")
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.has_console_access
    assert "Console access disabled for alice." in text(root_client.get(response["Location"]))
    again = csrf_post(root_client, "/iam/users/alice/console-access/disable/")
    assert again.status_code == 404
    assert "Login Profile for User alice cannot be found." in text(again)


# ---------------------------------------------------------------------------
# Tags


def test_it_adds_changes_and_removes_tags(root_client, account):
    carol = services.create_user(account, user_name="carol", tags=[("team", "bar"), ("env", "prod")])
    page = text(root_client.get("/iam/users/carol/tags/"))
    assert 'value="team"' in page and 'value="prod"' in page
    response = csrf_post(root_client, "/iam/users/carol/tags/", {
        "key_0": "team", "value_0": "kitchen", "key_1": "", "value_1": "", "key_2": "shift", "value_2": "early"})
    assert response.status_code == 302 and response["Location"] == "/iam/users/carol/?tab=tags"
    carol.refresh_from_db()
    assert carol.tags == [{"Key": "team", "Value": "kitchen"}, {"Key": "shift", "Value": "early"}]
    assert "Tags saved for user carol." in text(root_client.get(response["Location"]))


def test_tag_rows_can_be_added_and_removed_before_saving(root_client, account):
    carol = services.create_user(account, user_name="carol", tags=[("team", "bar")])
    added = csrf_post(root_client, "/iam/users/carol/tags/", {"key_0": "team", "value_0": "bar", "add_tag": "1"})
    assert added.status_code == 200 and 'name="key_1"' in added.content.decode()
    removed = csrf_post(root_client, "/iam/users/carol/tags/", {"key_0": "team", "value_0": "bar", "remove_tag": "0"})
    assert 'value="team"' not in removed.content.decode()
    carol.refresh_from_db()
    assert carol.tags == [{"Key": "team", "Value": "bar"}]


@pytest.mark.parametrize("odd", ["²", "٣", "-1", "100"])
def test_odd_row_numbers_in_a_tags_post_are_ignored_not_a_server_error(root_client, account, odd):
    carol = services.create_user(account, user_name="carol", tags=[("team", "bar")])
    for remove in (odd, "9" * 5000):
        removed = csrf_post(root_client, "/iam/users/carol/tags/",
                            {"key_0": "team", "value_0": "bar", "remove_tag": remove})
        assert removed.status_code == 200 and 'value="team"' in removed.content.decode()
    saved = csrf_post(root_client, "/iam/users/carol/tags/", {"key_0": "team", "value_0": "bar",
                                                              f"key_{odd}": "shift", f"value_{odd}": "early"})
    assert saved.status_code == 302
    carol.refresh_from_db()
    assert carol.tags == [{"Key": "team", "Value": "bar"}]


def test_duplicate_tag_keys_are_refused_in_awss_words(root_client, account):
    services.create_user(account, user_name="carol")
    response = csrf_post(root_client, "/iam/users/carol/tags/", {"key_0": "Env", "value_0": "a",
                                                                 "key_1": "ENV", "value_1": "b"})
    assert response.status_code == 200
    assert "Duplicate tag keys found. Please note that Tag keys are case insensitive." in text(response)


def test_more_than_fifty_tags_are_refused(root_client, account):
    services.create_user(account, user_name="carol")
    data = {}
    for index in range(51):
        data[f"key_{index}"], data[f"value_{index}"] = f"k{index}", ""
    response = csrf_post(root_client, "/iam/users/carol/tags/", data)
    assert response.status_code == 200
    assert "Member must have length less than or equal to 50" in text(response)


# ---------------------------------------------------------------------------
# Who may see and do what


USER_PAGES = ["/iam/users/alice/", "/iam/users/alice/?tab=groups", "/iam/users/alice/groups/add/",
              "/iam/users/alice/console-access/", "/iam/users/alice/tags/", "/iam/users/alice/delete/"]
USER_POSTS = ["/iam/users/alice/groups/add/", "/iam/users/alice/groups/Cashiers/remove/",
              "/iam/users/alice/console-access/", "/iam/users/alice/console-access/disable/",
              "/iam/users/alice/tags/", "/iam/users/alice/delete/"]


@pytest.mark.parametrize("url", USER_PAGES)
def test_another_accounts_user_does_not_exist_for_you(mallory_client, alice, url):
    assert mallory_client.get(url).status_code == 404


@pytest.mark.parametrize("url", USER_POSTS)
def test_another_accounts_user_cannot_be_changed(mallory_client, account, alice, url):
    services.create_group(account, name="Cashiers", users=[alice])
    response = csrf_post(mallory_client, url, {"confirmation": "alice", "password_type": "autogenerated",
                                               "groups": ["Cashiers"]})
    assert response.status_code == 404
    alice.refresh_from_db()
    assert alice.has_console_access and alice.iam_groups.count() == 1


def test_an_unknown_user_is_not_found_in_awss_words(root_client):
    response = root_client.get("/iam/users/nobody/")
    assert response.status_code == 404
    assert "The user with name nobody cannot be found." in text(response)


def test_a_user_without_policies_cannot_open_a_users_page(bob_client, account, alice):
    response = bob_client.get("/iam/users/alice/")
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{account.account_id}:user/bob is not authorized to perform: iam:GetUser "
            f"on resource: arn:aws:iam::{account.account_id}:user/alice because no identity-based policy "
            "allows the iam:GetUser action") in text(response)


@pytest.mark.parametrize("url, action", [
    ("/iam/users/alice/groups/Cashiers/remove/", "iam:RemoveUserFromGroup"),
    ("/iam/users/alice/console-access/", "iam:UpdateLoginProfile"),
    ("/iam/users/alice/console-access/disable/", "iam:DeleteLoginProfile"),
    ("/iam/users/alice/tags/", "iam:ListUserTags"),
    ("/iam/users/alice/groups/add/", "iam:ListGroups"),
])
def test_a_user_without_policies_cannot_change_a_user(bob_client, account, alice, url, action):
    services.create_group(account, name="Cashiers", users=[alice])
    response = csrf_post(bob_client, url, {"password_type": "autogenerated", "groups": ["Cashiers"]})
    assert response.status_code == 403
    assert f"is not authorized to perform: {action}" in text(response)
    alice.refresh_from_db()
    assert alice.has_console_access and alice.iam_groups.count() == 1


@pytest.mark.parametrize("url", USER_POSTS)
def test_every_change_needs_the_csrf_token(root_client, account, alice, url):
    services.create_group(account, name="Cashiers", users=[alice])
    response = root_client.post(url, {"confirmation": "alice", "password_type": "autogenerated",
                                      "groups": ["Cashiers"]})
    assert response.status_code == 403
    assert User.objects.filter(pk=alice.pk).exists()
    alice.refresh_from_db()
    assert alice.has_console_access and alice.iam_groups.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(alice):
    response = Client().get("/iam/users/alice/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_each_tab_needs_its_own_read_action(alice_client, alice, bob, account):
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUserTags"], "Resource": "*"})
    assert alice_client.get("/iam/users/bob/?tab=tags").status_code == 200
    groups = alice_client.get("/iam/users/bob/?tab=groups")
    assert groups.status_code == 200  # the page is allowed; the tab says what is not
    assert (f"is not authorized to perform: iam:ListGroupsForUser on resource: "
            f"arn:aws:iam::{account.account_id}:user/bob") in text(groups)
    assert "Remove" not in text(groups)


def test_adding_to_groups_is_authorised_per_group(alice_client, alice, bob, account):
    cashiers = services.create_group(account, name="Cashiers")
    services.create_group(account, name="Admins")
    grant(alice, {"Effect": "Allow", "Action": "iam:ListGroups", "Resource": "*"},
          {"Effect": "Allow", "Action": "iam:AddUserToGroup", "Resource": cashiers.arn})
    assert csrf_post(alice_client, "/iam/users/bob/groups/add/", {"groups": ["Cashiers"]}).status_code == 302
    refused = csrf_post(alice_client, "/iam/users/bob/groups/add/", {"groups": ["Admins"]})
    assert refused.status_code == 403
    assert list(bob.iam_groups.values_list("name", flat=True)) == ["Cashiers"]


def test_removing_a_tag_needs_untag_user(alice_client, alice, account):
    carol = services.create_user(account, user_name="carol", tags=[("team", "bar")])
    grant(alice, {"Effect": "Allow", "Action": ["iam:ListUserTags", "iam:TagUser"], "Resource": "*"})
    added = csrf_post(alice_client, "/iam/users/carol/tags/", {"key_0": "team", "value_0": "bar",
                                                               "key_1": "env", "value_1": "prod"})
    assert added.status_code == 302
    removed = csrf_post(alice_client, "/iam/users/carol/tags/", {"key_0": "env", "value_0": "prod"})
    assert removed.status_code == 403 and "iam:UntagUser" in text(removed)
    carol.refresh_from_db()
    assert [tag["Key"] for tag in carol.tags] == ["team", "env"]


def test_console_access_changes_are_create_or_update_login_profile(alice_client, alice, bob, account):
    carol = services.create_user(account, user_name="carol")
    grant(alice, {"Effect": "Allow", "Action": ["iam:GetLoginProfile", "iam:CreateLoginProfile"], "Resource": "*"})
    assert csrf_post(alice_client, "/iam/users/carol/console-access/",
                     {"password_type": "autogenerated"}).status_code == 200
    refused = csrf_post(alice_client, "/iam/users/bob/console-access/", {"password_type": "autogenerated"})
    assert refused.status_code == 403 and "iam:UpdateLoginProfile" in text(refused)
    carol.refresh_from_db()
    assert carol.has_console_access


def test_changing_your_own_password_keeps_you_signed_in(alice_client, alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    response = csrf_post(alice_client, "/iam/users/alice/console-access/",
                         {"password_type": "custom", "custom_password": "Cortado-Cup-2026!"})
    assert response.status_code == 200
    assert alice_client.get("/iam/users/alice/").status_code == 200
    assert csrf_post(alice_client, "/iam/users/alice/console-access/disable/").status_code == 302
    assert alice_client.get("/iam/users/alice/").status_code == 200
