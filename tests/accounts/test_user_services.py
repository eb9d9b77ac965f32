"""The user services the console calls: IAM's API rules, quotas and DeleteConflict messages."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import dependents, quotas, services
from accounts.models import Group, GroupMembership, User
from iamportal.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    PasswordPolicyViolation,
    ValidationError,
)

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# CreateUser


def test_create_user_sets_name_path_id_password_groups_and_tags(account):
    cashiers = services.create_group(account, name="Cashiers")
    user = services.create_user(account, user_name="carol", path="/shop/", console_password="Flat-White-2026!",
                                password_reset_required=True, groups=[cashiers], tags=[("team", "bar")])
    assert user.arn == f"arn:aws:iam::{account.account_id}:user/shop/carol"
    assert user.unique_id.startswith("AIDA") and len(user.unique_id) == 21
    assert user.check_password("Flat-White-2026!") and user.password_reset_required
    assert list(user.iam_groups.all()) == [cashiers]
    assert user.tags == [{"Key": "team", "Value": "bar"}]


def test_names_are_unique_per_account_regardless_of_case(account, alice, mallory):
    with pytest.raises(EntityAlreadyExists, match=r"^User with name Alice already exists\.$"):
        services.create_user(account, user_name="Alice")
    assert services.create_user(mallory.account, user_name="alice").account == mallory.account


def test_the_users_quota_is_enforced(account, alice, monkeypatch):
    monkeypatch.setattr(quotas, "USERS_PER_ACCOUNT", 1)
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for UsersPerAccount: 1$"):
        services.create_user(account, user_name="carol")


def test_create_user_is_all_or_nothing(account):
    groups = [services.create_group(account, name=f"G{index:02d}") for index in range(11)]
    with pytest.raises(LimitExceeded, match="GroupsPerUser: 10"):
        services.create_user(account, user_name="carol", groups=groups)
    assert not User.objects.filter(user_name="carol").exists()
    with pytest.raises(PasswordPolicyViolation):
        services.create_user(account, user_name="carol", console_password="password")
    assert not User.objects.filter(user_name="carol").exists()


def test_bad_names_and_paths_come_back_in_one_validation_error(account):
    with pytest.raises(ValidationError) as caught:
        services.check_new_user_name(account, "bad name", "nope")
    assert caught.value.message.startswith("2 validation errors detected: Value 'bad name' at 'userName'")
    assert caught.value.status == 400


def test_tags_follow_iams_rules(account):
    with pytest.raises(InvalidInput, match="Duplicate tag keys found. Please note that Tag keys are case insensitive."):
        services.create_user(account, user_name="carol", tags=[("Team", "a"), ("team", "b")])
    with pytest.raises(ValidationError, match="Member must have length less than or equal to 50"):
        services.create_user(account, user_name="carol", tags=[(f"k{index}", "") for index in range(51)])
    assert not User.objects.filter(user_name="carol").exists()


def test_check_console_password_uses_the_password_rules(account):
    services.check_console_password("Flat-White-2026!")
    with pytest.raises(PasswordPolicyViolation, match="too common"):
        services.check_console_password("password")
    with pytest.raises(PasswordPolicyViolation, match="at most 128"):
        services.check_console_password("Aa1!" * 40)


# ---------------------------------------------------------------------------
# Groups


def test_a_user_is_in_at_most_ten_groups_and_adding_twice_is_harmless(account, alice):
    groups = [services.create_group(account, name=f"G{index:02d}") for index in range(11)]
    for group in groups[:10]:
        services.add_user_to_group(group, alice)
    services.add_user_to_group(groups[0], alice)  # idempotent, as AddUserToGroup is
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for GroupsPerUser: 10$"):
        services.add_user_to_group(groups[10], alice)
    assert alice.iam_groups.count() == 10


def test_another_accounts_user_cannot_join_a_group(account, mallory):
    group = services.create_group(account, name="Cashiers")
    stranger = services.create_user(mallory.account, user_name="eve")
    with pytest.raises(NoSuchEntity):
        services.add_user_to_group(group, stranger)


def test_removing_a_user_who_is_not_a_member_is_no_such_entity(account, alice):
    group = services.create_group(account, name="Cashiers")
    with pytest.raises(NoSuchEntity):
        services.remove_user_from_group(group, alice)


def test_get_user_is_scoped_to_the_account(account, alice, mallory):
    assert services.get_user(account, "ALICE") == alice
    with pytest.raises(NoSuchEntity, match=r"^The user with name alice cannot be found\.$"):
        services.get_user(mallory.account, "alice")


# ---------------------------------------------------------------------------
# DeleteUser: the API refuses while dependents remain; the console removes them


def test_delete_user_without_dependents_just_deletes(account):
    carol = services.create_user(account, user_name="carol")
    services.delete_user(carol, remove_dependents=False)
    assert not User.objects.filter(pk=carol.pk).exists()


@pytest.mark.parametrize("dependent, message", [
    ("login_profile", "Cannot delete entity, must delete login profile first."),
    ("mfa", "Cannot delete entity, must delete MFA device first."),
    ("group", "Cannot delete entity, must remove user from all groups first."),
])
def test_delete_user_names_the_first_blocker(account, dependent, message):
    carol = services.create_user(account, user_name="carol",
                                 console_password="Flat-White-2026!" if dependent == "login_profile" else None)
    if dependent == "mfa":
        TOTPDevice.objects.create(user=carol, name="phone")
    if dependent == "group":
        services.create_group(account, name="Cashiers", users=[carol])
    with pytest.raises(DeleteConflict) as caught:
        services.delete_user(carol, remove_dependents=False)
    assert caught.value.message == message and caught.value.status == 409
    assert User.objects.filter(pk=carol.pk).exists()


def test_dependents_other_apps_register_block_the_api_delete(account, monkeypatch):
    carol = services.create_user(account, user_name="carol")
    monkeypatch.setitem(dependents.USERS.dependents, "Access keys", dependents.Dependent(
        "Access keys", "delete access keys", lambda user: [dependents.Removal("AKIA1", ())], lambda user, rs: None))
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete access keys first\.$"):
        services.delete_user(carol, remove_dependents=False)


def test_the_blockers_come_in_iams_order(account, alice):
    services.create_group(account, name="Cashiers", users=[alice])
    TOTPDevice.objects.create(user=alice, name="phone")
    assert services.delete_user_plan(alice).blockers == [
        "Cannot delete entity, must delete login profile first.",
        "Cannot delete entity, must delete MFA device first.",
        "Cannot delete entity, must remove user from all groups first.",
    ]


def test_delete_user_with_remove_dependents_removes_them_all(account, alice, bob):
    cashiers = services.create_group(account, name="Cashiers", users=[alice, bob])
    TOTPDevice.objects.create(user=alice, name="phone")
    services.delete_user(alice, remove_dependents=True)
    assert not User.objects.filter(user_name="alice").exists()
    assert not TOTPDevice.objects.exists()
    assert list(GroupMembership.objects.values_list("user__user_name", flat=True)) == ["bob"]
    assert Group.objects.filter(pk=cashiers.pk).exists()


def test_the_root_user_cannot_be_deleted(root):
    with pytest.raises(InvalidInput):
        services.delete_user(root, remove_dependents=True)
