"""Entity rules at the model and database level: ids, ARNs, constraints, quotas, paths."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction

from accounts import ids, quotas, services
from accounts.models import Account, Group, User
from iamportal.errors import EntityAlreadyExists, LimitExceeded, ValidationError

pytestmark = pytest.mark.django_db

PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"


# --- Identifiers and ARNs


def test_account_ids_are_12_digits_and_may_start_with_zero():
    for _ in range(200):
        value = ids.account_id()
        assert re.fullmatch(r"\d{12}", value)


def test_a_new_account_gets_a_12_digit_id(root):
    assert re.fullmatch(r"\d{12}", root.account.account_id)
    assert root.account.root_arn == f"arn:aws:iam::{root.account.account_id}:root"


def test_iam_user_ids_are_aida_and_21_base32_characters(alice, bob):
    for user in (alice, bob):
        assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user.unique_id)
    assert alice.unique_id != bob.unique_id


def test_group_ids_are_agpa_and_21_base32_characters(account):
    group = services.create_group(account, name="Cashiers")
    assert re.fullmatch(r"AGPA[A-Z2-7]{17}", group.unique_id)
    assert len(group.unique_id) == ids.UNIQUE_ID_LENGTH == 21


def test_the_unique_id_is_kept_on_save_and_new_on_re_creation(account):
    group = services.create_group(account, name="Cashiers")
    first = group.unique_id
    group.save()
    assert group.unique_id == first
    services.delete_group(group, remove_dependents=True)
    assert services.create_group(account, name="Cashiers").unique_id != first


def test_arns_include_the_path(account):
    user = services.create_user(account, user_name="JaneDoe", path="/division_abc/subdivision_xyz/")
    group = services.create_group(account, name="Developers", path="/engineering/")
    acct = account.account_id
    assert user.arn == f"arn:aws:iam::{acct}:user/division_abc/subdivision_xyz/JaneDoe"
    assert group.arn == f"arn:aws:iam::{acct}:group/engineering/Developers"
    assert services.create_group(account, name="Admins").arn == f"arn:aws:iam::{acct}:group/Admins"


def test_the_root_users_arn_is_the_accounts(root):
    assert root.arn == f"arn:aws:iam::{root.account.account_id}:root"


# --- Database constraints (even when the services are bypassed)


def test_group_names_are_unique_per_account_ignoring_case_in_the_database(account):
    Group.objects.create(account=account, name="Admins")
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(account=account, name="ADMINS")


def test_user_names_are_unique_per_account_ignoring_case_in_the_database(account):
    User(account=account, user_name="Carol").save()
    with pytest.raises(IntegrityError), transaction.atomic():
        # login_key would clash too; the named constraint is what this test is about.
        User.objects.bulk_create([User(account=account, user_name="CAROL", login_key="x:carol-2")])


def test_the_same_names_in_two_accounts_are_fine(account, mallory):
    for acct in (account, mallory.account):
        Group.objects.create(account=acct, name="Admins")
        User(account=acct, user_name="carol").save()
    assert Group.objects.filter(name="Admins").count() == 2
    assert User.objects.filter(user_name="carol").count() == 2


def test_account_aliases_are_unique_in_the_database(account, mallory):
    Account.objects.filter(pk=account.pk).update(alias="coffee-shop")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=mallory.account.pk).update(alias="coffee-shop")


def test_an_account_has_one_root_user(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        User(account=account, is_root=True, email="second-root@coffee.example").save()


def test_the_services_report_a_case_clash_in_awss_words(account):
    services.create_group(account, name="Admins")
    with pytest.raises(EntityAlreadyExists, match=r"^Group with name admins already exists\.$"):
        services.create_group(account, name="admins")
    services.create_user(account, user_name="Carol")
    with pytest.raises(EntityAlreadyExists, match=r"^User with name carol already exists\.$"):
        services.create_user(account, user_name="carol")


# --- Quotas


def test_groups_per_account_quota(account, monkeypatch):
    assert quotas.GROUPS_PER_ACCOUNT == 300
    monkeypatch.setattr(quotas, "GROUPS_PER_ACCOUNT", 3)
    for i in range(3):
        services.create_group(account, name=f"g{i}")
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for GroupsPerAccount: 3$"):
        services.create_group(account, name="g3")
    assert Group.objects.filter(account=account).count() == 3


def test_the_groups_quota_counts_per_account(account, mallory, monkeypatch):
    monkeypatch.setattr(quotas, "GROUPS_PER_ACCOUNT", 1)
    services.create_group(account, name="Mine")
    services.create_group(mallory.account, name="Theirs")


def test_groups_per_user_quota(account, alice):
    assert quotas.GROUPS_PER_USER == 10
    groups = [services.create_group(account, name=f"g{i}") for i in range(11)]
    for group in groups[:10]:
        services.add_user_to_group(group, alice)
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for GroupsPerUser: 10$"):
        services.add_user_to_group(groups[10], alice)
    services.add_user_to_group(groups[0], alice)  # already a member: a no-op, as in IAM


def test_users_per_account_quota(account, monkeypatch):
    monkeypatch.setattr(quotas, "USERS_PER_ACCOUNT", 1)
    services.create_user(account, user_name="one")
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for UsersPerAccount: 1$"):
        services.create_user(account, user_name="two")


# --- Paths


@pytest.mark.parametrize("path", ["/", "/engineering/", "/a/b/c/", "/~!@#$%^&*()/"])
def test_valid_paths_are_accepted(account, path):
    assert services.create_group(account, name="g", path=path).path == path


@pytest.mark.parametrize("path", ["engineering", "/engineering", "engineering/", "//", "/with space/",
                                  "/caf\u00e9/"])
def test_invalid_paths_are_refused_with_awss_message(account, path):
    with pytest.raises(ValidationError) as excinfo:
        services.create_group(account, name="g", path=path)
    assert excinfo.value.message == (
        f"1 validation error detected: Value '{path}' at 'path' failed to satisfy constraint: "
        f"Member must satisfy regular expression pattern: {PATH_PATTERN}")


def test_a_path_over_512_characters_is_refused(account):
    path = "/" + "p" * 511 + "/"
    with pytest.raises(ValidationError, match="Member must have length less than or equal to 512"):
        services.create_group(account, name="g", path=path)


def test_a_bad_name_and_a_bad_path_give_two_errors(account):
    with pytest.raises(ValidationError) as excinfo:
        services.create_group(account, name="bad name", path="nope")
    assert excinfo.value.message.startswith("2 validation errors detected: Value 'bad name' at 'groupName'")
    assert "; Value 'nope' at 'path'" in excinfo.value.message
