"""The account password policy's operations and rules (accounts.password_policy): what
Get/Update/DeleteAccountPasswordPolicy answer, AWS's defaults and ranges in IAM's words, each
rule's PasswordPolicyViolation message, reuse prevention, expiry and the policy in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import password_policy, services
from accounts.models import Account, PasswordPolicy, PreviousPassword, User
from iamportal.errors import NoSuchEntity, PasswordPolicyViolation, ValidationError

pytestmark = pytest.mark.django_db

ALL_ON = {"MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
          "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
          "AllowUsersToChangePassword": True, "MaxPasswordAge": 90, "PasswordReusePrevention": 5,
          "HardExpiry": True}


def fresh(account) -> Account:
    """The account as another request would load it (no cached policy)."""
    return Account.objects.get(pk=account.pk)


def violation(subject, password) -> str:
    with pytest.raises(PasswordPolicyViolation) as caught:
        password_policy.check_password(subject, password)
    return caught.value.message


# ---------------------------------------------------------------------------
# Get / Update / Delete


def test_without_a_custom_policy_get_is_no_such_entity_in_iams_words(account):
    with pytest.raises(NoSuchEntity) as caught:
        password_policy.get_account_password_policy(account)
    assert caught.value.message == f"The Password Policy with domain name {account.account_id} cannot be found."
    assert caught.value.status == 404


def test_update_with_no_parameters_creates_the_policy_with_awss_defaults(account):
    password_policy.update_account_password_policy(account)
    policy = password_policy.get_account_password_policy(fresh(account))
    assert policy.minimum_password_length == 6
    assert not any([policy.require_symbols, policy.require_numbers, policy.require_uppercase_characters,
                    policy.require_lowercase_characters, policy.allow_users_to_change_password,
                    policy.hard_expiry, policy.expire_passwords])
    assert policy.max_password_age is None and policy.password_reuse_prevention is None


def test_every_parameter_is_saved_and_expire_passwords_is_derived(account):
    password_policy.update_account_password_policy(account, **ALL_ON)
    policy = password_policy.get_account_password_policy(fresh(account))
    assert (policy.minimum_password_length, policy.max_password_age, policy.password_reuse_prevention) == (14, 90, 5)
    assert all([policy.require_symbols, policy.require_numbers, policy.require_uppercase_characters,
                policy.require_lowercase_characters, policy.allow_users_to_change_password, policy.hard_expiry])
    assert policy.expire_passwords


def test_parameters_left_out_go_back_to_their_defaults_not_their_current_values(account):
    password_policy.update_account_password_policy(account, **ALL_ON)
    password_policy.update_account_password_policy(account, MinimumPasswordLength=10)
    policy = password_policy.get_account_password_policy(fresh(account))
    assert policy.minimum_password_length == 10
    assert not policy.require_symbols and not policy.allow_users_to_change_password and not policy.hard_expiry
    assert policy.max_password_age is None and policy.password_reuse_prevention is None
    assert PasswordPolicy.objects.filter(account=account).count() == 1


@pytest.mark.parametrize(("parameter", "member", "low", "high"), [
    ("MinimumPasswordLength", "minimumPasswordLength", 6, 128),
    ("MaxPasswordAge", "maxPasswordAge", 1, 1095),
    ("PasswordReusePrevention", "passwordReusePrevention", 1, 24),
])
def test_each_range_is_inclusive_and_refused_outside_in_iams_words(account, parameter, member, low, high):
    for value in (low, high):
        password_policy.update_account_password_policy(account, **{parameter: value})
    with pytest.raises(ValidationError) as above:
        password_policy.update_account_password_policy(account, **{parameter: high + 1})
    assert above.value.message == (f"1 validation error detected: Value '{high + 1}' at '{member}' failed to "
                                   f"satisfy constraint: Member must have value less than or equal to {high}")
    with pytest.raises(ValidationError) as below:
        password_policy.update_account_password_policy(account, **{parameter: low - 1})
    assert below.value.message == (f"1 validation error detected: Value '{low - 1}' at '{member}' failed to "
                                   f"satisfy constraint: Member must have value greater than or equal to {low}")
    # The refused updates left the last accepted one in place.
    assert getattr(password_policy.get_account_password_policy(fresh(account)),
                   password_policy.PARAMETERS[parameter][0]) == high


def test_the_briefs_example_message_and_several_faults_in_one_message(account):
    with pytest.raises(ValidationError, match="^1 validation error detected: Value '200' at 'minimumPasswordLength' "
                                              "failed to satisfy constraint: Member must have value less than or "
                                              "equal to 128$"):
        password_policy.update_account_password_policy(account, MinimumPasswordLength=200)
    with pytest.raises(ValidationError) as caught:
        password_policy.update_account_password_policy(account, MinimumPasswordLength=5, PasswordReusePrevention=25)
    assert caught.value.message.startswith("2 validation errors detected: Value '5' at 'minimumPasswordLength'")
    assert "; Value '25' at 'passwordReusePrevention'" in caught.value.message
    assert not PasswordPolicy.objects.exists()


def test_an_unknown_parameter_is_a_programming_error(account):
    with pytest.raises(TypeError):
        password_policy.update_account_password_policy(account, MinimumLength=8)


def test_delete_brings_back_the_default_and_a_second_delete_is_no_such_entity(account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=20)
    password_policy.delete_account_password_policy(account)
    assert password_policy.policy_of(account) is None
    with pytest.raises(NoSuchEntity, match=f"The Password Policy with domain name {account.account_id} cannot"):
        password_policy.delete_account_password_policy(account)
    password_policy.check_password(account, "Flat-White-2026!")  # 16 characters: fine again


def test_another_accounts_policy_is_its_own(account, mallory):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=30)
    with pytest.raises(NoSuchEntity):
        password_policy.get_account_password_policy(fresh(mallory.account))
    password_policy.check_password(fresh(mallory.account), "Flat-White-2026!")
    password_policy.update_account_password_policy(mallory.account, MinimumPasswordLength=7)
    assert password_policy.get_account_password_policy(fresh(account)).minimum_password_length == 30


# ---------------------------------------------------------------------------
# The rules


def test_the_default_policy_wants_8_characters_of_three_types_not_the_account_name_or_email(account, root):
    assert violation(account, "Aa1!") == "Password should have a minimum length of 8"
    assert violation(account, "lattelatte") == ("Password should have at least three of the following character "
                                                "types: uppercase letters, lowercase letters, numbers and symbols")
    for three_types in ("Lattelatte1", "lattelatte1!", "LATTELATTE1!", "Latte-latte"):
        password_policy.check_password(account, three_types)
    services.set_account_alias(account, "Coffee-Shop1".lower())
    account = fresh(account)
    for name in (account.account_id, "COFFEE-SHOP1", root.email.upper()):
        assert "Password should not be the account name or email address" in violation(account, name)


def test_a_custom_policy_replaces_the_default_rules(account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=6)
    password_policy.check_password(account, "latte1")  # one type, 6 characters: fine under this policy
    assert violation(account, "latte") == "Password should have a minimum length of 6"


@pytest.mark.parametrize(("parameter", "missing", "message"), [
    ("RequireUppercaseCharacters", "latte-latte-1", "Password should have at least one uppercase letter"),
    ("RequireLowercaseCharacters", "LATTE-LATTE-1", "Password should have at least one lowercase letter"),
    ("RequireNumbers", "Latte-Latte-x", "Password should have at least one number"),
    ("RequireSymbols", "LatteLatte12", "Password should have at least one symbol"),
])
def test_each_character_type_rule_has_awss_message(account, parameter, missing, message):
    password_policy.update_account_password_policy(account, **{parameter: True})
    assert violation(account, missing) == message
    password_policy.check_password(account, "Latte-Latte-12")


def test_symbols_are_awss_set_and_letters_the_latin_alphabet(account):
    password_policy.update_account_password_policy(account, RequireSymbols=True, RequireUppercaseCharacters=True)
    for symbol in password_policy.SYMBOLS:
        password_policy.check_password(account, f"Latte1{symbol}")
    assert violation(account, "Latte1~ ") == "Password should have at least one symbol"  # ~ and space are not
    assert violation(account, "éclair-1") == "Password should have at least one uppercase letter"


def test_every_broken_rule_is_named_at_once(account):
    password_policy.update_account_password_policy(account, **ALL_ON)
    assert violation(account, "latte") == (
        "Password should have a minimum length of 14; Password should have at least one uppercase letter; "
        "Password should have at least one number; Password should have at least one symbol")


def test_more_than_128_characters_is_refused(account):
    password_policy.update_account_password_policy(account, MinimumPasswordLength=128)
    password_policy.check_password(account, "A" * 128)
    assert violation(account, "A" * 129) == "Password must be at most 128 characters."


def test_the_root_user_is_not_subject_to_the_policy(account, root):
    password_policy.update_account_password_policy(account, **ALL_ON)
    password_policy.check_password(root, "short")  # nothing of the policy applies to root
    services.change_own_password(root, old_password="Coffee-Shop-Owner-2026!", new_password="Owner-Short-1")
    # The root user keeps the portal's own rules (AUTH_PASSWORD_VALIDATORS).
    with pytest.raises(PasswordPolicyViolation, match="too common"):
        services.change_own_password(root, old_password="Owner-Short-1", new_password="password")


# ---------------------------------------------------------------------------
# Reuse prevention


def test_reuse_prevention_remembers_the_current_and_earlier_passwords(account, alice):
    password_policy.update_account_password_policy(account, PasswordReusePrevention=3)
    passwords = ["Barista-Latte-2026!", "Mocha-Latte-2026!", "Flat-White-2026!", "Cortado-Shot-2026!"]
    for new in passwords[1:]:
        services.set_console_password(alice, new, reset_required=False)
    # Current (Cortado) and the two before it (Flat White, Mocha) are remembered; Barista is the fourth.
    for remembered in passwords[1:]:
        assert violation(alice, remembered) == "Password should not be one of the previous 3 passwords"
    services.set_console_password(alice, passwords[0], reset_required=False)


def test_without_reuse_prevention_an_earlier_password_may_be_set_again(account, alice):
    services.set_console_password(alice, "Mocha-Latte-2026!", reset_required=False)
    services.set_console_password(alice, "Barista-Latte-2026!", reset_required=False)
    assert alice.check_password("Barista-Latte-2026!")


def test_at_most_23_earlier_hashes_are_kept_per_user(account, alice, bob):
    for index in range(30):
        services.set_console_password(alice, f"Latte-Number-{index}!", reset_required=False)
    assert PreviousPassword.objects.filter(user=alice).count() == PreviousPassword.KEPT == 23
    assert PreviousPassword.objects.filter(user=bob).count() == 0
    password_policy.update_account_password_policy(account, PasswordReusePrevention=24)
    # The 24 remembered: the current one (29) and 23 before it (6..28); 5 is the 25th.
    assert "previous 24 passwords" in violation(User.objects.get(pk=alice.pk), "Latte-Number-6!")
    services.set_console_password(alice, "Latte-Number-5!", reset_required=False)


def test_the_reuse_check_reads_a_bounded_number_of_rows(account, alice, django_assert_max_num_queries):
    for index in range(30):
        services.set_console_password(alice, f"Latte-Number-{index}!", reset_required=False)
    password_policy.update_account_password_policy(account, PasswordReusePrevention=24)
    with django_assert_max_num_queries(1):
        password_policy.check_password(alice, "Brand-New-Latte-1!")


def test_removing_console_access_remembers_the_password_it_removes(account, alice):
    password_policy.update_account_password_policy(account, PasswordReusePrevention=1)
    services.remove_console_access(alice)
    password_policy.update_account_password_policy(account, PasswordReusePrevention=2)
    assert "previous 2 passwords" in violation(alice, "Barista-Latte-2026!")


# ---------------------------------------------------------------------------
# Expiry


def age(user, days: int) -> None:
    User.objects.filter(pk=user.pk).update(password_changed=timezone.now() - timedelta(days=days))
    user.refresh_from_db()


def test_a_password_expires_max_password_age_days_after_it_was_set(account, alice):
    age(alice, 89)
    assert not password_policy.password_expired(alice)  # no policy: never
    password_policy.update_account_password_policy(account, MaxPasswordAge=90)
    assert not password_policy.password_expired(alice)
    age(alice, 90)
    assert password_policy.password_expired(alice)


def test_the_root_user_and_a_user_without_a_password_never_expire(account, root):
    password_policy.update_account_password_policy(account, MaxPasswordAge=1, HardExpiry=True)
    age(root, 400)
    assert not password_policy.password_expired(root)
    keys_only = services.create_user(account, user_name="keysonly")
    age(keys_only, 400)
    assert not password_policy.password_expired(keys_only)


# ---------------------------------------------------------------------------
# The policy in words


def test_policy_text_lists_the_default_and_a_custom_policy(account):
    assert password_policy.policy_text(account)[:2] == ["Minimum password length: 8 characters",
                                                        "Maximum password length: 128 characters"]
    password_policy.update_account_password_policy(account, **ALL_ON)
    assert password_policy.policy_text(account) == [
        "Minimum password length: 14 characters",
        "Require at least one uppercase letter from the Latin alphabet (A-Z)",
        "Require at least one lowercase letter from the Latin alphabet (a-z)",
        "Require at least one number",
        "Require at least one non-alphanumeric character (! @ # $ % ^ & * ( ) _ + - = [ ] { } | ')",
        "Password expires in 90 day(s)",
        "Password expiration requires administrator reset",
        "Remember last 5 password(s) and prevent reuse",
    ]


def test_an_autogenerated_password_meets_a_long_minimum(account):
    password_policy.update_account_password_policy(account, **{**ALL_ON, "MinimumPasswordLength": 40})
    password = services.generate_password(account=account)
    assert len(password) == 40
    password_policy.check_password(account, password)
