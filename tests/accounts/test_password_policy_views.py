"""Account settings › Password policy pages: view, Edit (IAM default / Custom), Set default.
Each is one IAM action on ``*`` (Get/Update/DeleteAccountPasswordPolicy), asked of the engine."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from accounts import password_policy
from accounts.models import Account, PasswordPolicy
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

VIEW, EDIT, DELETE = "/iam/account/password-policy/", "/iam/account/password-policy/edit/", \
    "/iam/account/password-policy/delete/"
CUSTOM = {"policy_type": "custom", "minimum_password_length": "14", "require_uppercase_characters": "on",
          "require_numbers": "on", "expire_passwords": "on", "max_password_age": "90", "hard_expiry": "on",
          "allow_users_to_change_password": "on", "prevent_reuse": "on", "password_reuse_prevention": "5"}


def text(response) -> str:
    return html.unescape(response.content.decode())


def stored(account) -> PasswordPolicy | None:
    return PasswordPolicy.objects.filter(account=account).first()


def allow(user, *actions: str, effect: str = "Allow"):
    return grant(user, {"Effect": effect, "Action": list(actions), "Resource": "*"})


# ---------------------------------------------------------------------------
# Root: the happy paths


def test_the_page_shows_the_iam_default_until_a_custom_policy_is_set(root_client, account):
    page = text(root_client.get(VIEW))
    assert "IAM default" in page and "Minimum password length: 8 characters" in page
    assert "not to the root user's" in page
    assert 'href="/iam/account/password-policy/delete/"' not in page


def test_account_settings_links_to_the_password_policy(root_client):
    assert 'href="/iam/account/password-policy/"' in text(root_client.get("/iam/account/"))


def test_edit_opens_on_the_default_with_the_consoles_prefilled_custom_values(root_client):
    page = text(root_client.get(EDIT))
    assert 'value="default" id="id_policy_type_0" required checked' in page
    assert 'name="minimum_password_length" value="8"' in page


def test_saving_a_custom_policy_stores_every_setting_and_shows_it(root_client, account):
    response = csrf_post(root_client, EDIT, CUSTOM)
    assert response.status_code == 302 and response["Location"] == VIEW
    policy = stored(account)
    assert (policy.minimum_password_length, policy.max_password_age, policy.password_reuse_prevention) == (14, 90, 5)
    assert policy.require_uppercase_characters and policy.require_numbers and not policy.require_symbols
    assert policy.hard_expiry and policy.allow_users_to_change_password
    page = text(root_client.get(VIEW))
    for line in ("Custom", "Minimum password length: 14 characters", "Password expires in 90 day(s)",
                 "Password expiration requires administrator reset", "Allow users to change their own password",
                 "Remember last 5 password(s) and prevent reuse"):
        assert line in page
    # Editing again opens on the stored values.
    page = text(root_client.get(EDIT))
    assert 'value="custom" id="id_policy_type_1" required checked' in page
    assert 'name="password_reuse_prevention" value="5"' in page


def test_unticked_switches_leave_expiry_and_reuse_off(root_client, account):
    data = {**CUSTOM, "expire_passwords": "", "prevent_reuse": ""}
    assert csrf_post(root_client, EDIT, data).status_code == 302
    policy = stored(account)
    assert policy.max_password_age is None and policy.password_reuse_prevention is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("minimum_password_length", "200", "1 validation error detected: Value '200' at 'minimumPasswordLength' failed "
                                       "to satisfy constraint: Member must have value less than or equal to 128"),
    ("minimum_password_length", "5", "Member must have value greater than or equal to 6"),
    ("max_password_age", "1096", "Value '1096' at 'maxPasswordAge' failed to satisfy constraint: Member must have "
                                 "value less than or equal to 1095"),
    ("password_reuse_prevention", "0", "Value '0' at 'passwordReusePrevention' failed to satisfy constraint: "
                                       "Member must have value greater than or equal to 1"),
    ("minimum_password_length", "", "Enter a value between 6 and 128 characters."),
    ("max_password_age", "", "Enter a value between 1 and 1095 days."),
    ("password_reuse_prevention", "many", "Enter a whole number."),
])
def test_a_bad_value_is_refused_in_iams_words_and_nothing_is_saved(root_client, account, field, value, message):
    response = csrf_post(root_client, EDIT, {**CUSTOM, field: value})
    assert response.status_code == 200
    assert message in text(response)
    assert stored(account) is None


def test_choosing_iam_default_asks_first_then_deletes_the_custom_policy(root_client, account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    response = csrf_post(root_client, EDIT, {"policy_type": "default"})
    assert response.status_code == 302 and response["Location"] == DELETE
    assert stored(account) is not None
    page = text(root_client.get(DELETE))
    assert "Set the IAM default password policy?" in page and "Set default" in page
    response = csrf_post(root_client, DELETE)
    assert response.status_code == 302 and stored(account) is None
    assert "IAM default" in text(root_client.get(VIEW))


def test_set_default_without_a_custom_policy_is_a_404_in_iams_words(root_client, account):
    response = root_client.get(DELETE)
    assert response.status_code == 404
    assert f"The Password Policy with domain name {account.account_id} cannot be found." in text(response)
    assert csrf_post(root_client, DELETE).status_code == 404
    response = csrf_post(root_client, EDIT, {"policy_type": "default"})
    assert response["Location"] == VIEW


def test_another_account_keeps_its_own_policy(root_client, account, mallory_client, mallory):
    csrf_post(root_client, EDIT, CUSTOM)
    assert "IAM default" in text(mallory_client.get(VIEW))
    assert mallory_client.get(DELETE).status_code == 404
    csrf_post(mallory_client, EDIT, {**CUSTOM, "minimum_password_length": "30"})
    assert stored(account).minimum_password_length == 14
    assert stored(mallory.account).minimum_password_length == 30


def test_the_page_answers_in_a_fixed_number_of_queries(root_client, account, django_assert_max_num_queries):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    with django_assert_max_num_queries(12):
        assert root_client.get(VIEW).status_code == 200


# ---------------------------------------------------------------------------
# IAM users: each page is its own action


def test_anonymous_is_sent_to_sign_in(db):
    for url in (VIEW, EDIT, DELETE):
        assert "/signin" in Client().get(url)["Location"]


def test_a_user_without_policies_is_denied_each_page_in_awss_words(bob_client, bob, account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    for url, action in ((VIEW, "GetAccountPasswordPolicy"), (EDIT, "UpdateAccountPasswordPolicy"),
                        (DELETE, "DeleteAccountPasswordPolicy")):
        response = bob_client.get(url)
        assert response.status_code == 403, url
        assert (f"User: {bob.arn} is not authorized to perform: iam:{action} on resource: * because no "
                f"identity-based policy allows the iam:{action} action") in text(response)
    for url in (EDIT, DELETE):
        assert csrf_post(bob_client, url, CUSTOM).status_code == 403
    assert stored(account).minimum_password_length == 20


def test_read_only_sees_the_policy_with_edit_and_set_default_disabled(bob_client, bob, account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    allow(bob, "iam:GetAccountPasswordPolicy")
    page = text(bob_client.get(VIEW))
    assert "Minimum password length: 20 characters" in page
    assert 'href="/iam/account/password-policy/edit/"' not in page
    assert 'href="/iam/account/password-policy/delete/"' not in page
    assert 'data-denied-action="iam:UpdateAccountPasswordPolicy"' in page
    assert 'data-denied-action="iam:DeleteAccountPasswordPolicy"' in page


def test_opening_edit_also_needs_the_read_but_saving_needs_only_update(bob_client, bob, account):
    allow(bob, "iam:UpdateAccountPasswordPolicy")
    response = bob_client.get(EDIT)
    assert response.status_code == 403
    assert "iam:GetAccountPasswordPolicy" in text(response)
    assert csrf_post(bob_client, EDIT, CUSTOM).status_code == 302
    assert stored(account).minimum_password_length == 14


def test_update_alone_cannot_delete_and_delete_alone_cannot_update(bob_client, bob, account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    allow(bob, "iam:UpdateAccountPasswordPolicy", "iam:GetAccountPasswordPolicy")
    assert csrf_post(bob_client, EDIT, {"policy_type": "default"})["Location"] == DELETE
    assert csrf_post(bob_client, DELETE).status_code == 403
    assert stored(account) is not None


def test_an_explicit_deny_beats_an_allow(bob_client, bob, account):
    allow(bob, "iam:*AccountPasswordPolicy")
    allow(bob, "iam:UpdateAccountPasswordPolicy", effect="Deny")
    response = csrf_post(bob_client, EDIT, CUSTOM)
    assert response.status_code == 403 and "with an explicit deny" in text(response)
    assert stored(account) is None
    assert bob_client.get(VIEW).status_code == 200


def test_a_delegate_with_the_three_actions_manages_the_policy(bob_client, bob, account):
    allow(bob, "iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy")
    assert csrf_post(bob_client, EDIT, CUSTOM).status_code == 302
    assert csrf_post(bob_client, DELETE).status_code == 302
    assert stored(Account.objects.get(pk=account.pk)) is None
