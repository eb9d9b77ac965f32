"""The first two shipped labs: their checks fail on the starting state, pass after the intended
solution (applied through the real services), and still fail after a wrong one."""

from __future__ import annotations

import pytest

from accounts import access_keys, services
from accounts.models import AccessKey
from labs import catalogue
from labs.checks import run_lab
from labs.services import start_lab
from policies import services as policy_services
from tests.labs.helpers import enable_mfa

pytestmark = pytest.mark.django_db

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def passed(account, slug) -> dict[str, bool]:
    return {task.id: task.passed for task in run_lab(account, catalogue.get(slug)).tasks}


# ---------------------------------------------------------------------------
# 01 Secure the root user


def test_secure_the_root_user_fails_on_the_starting_state(account, root):
    start_lab(account, "secure-the-root-user")
    assert passed(account, "secure-the-root-user") == {"root-mfa": False, "no-root-keys": False,
                                                        "account-alias": False}


def test_secure_the_root_user_passes_after_the_intended_solution(account, root):
    start_lab(account, "secure-the-root-user")
    enable_mfa(root)
    for key in AccessKey.objects.filter(user=root):
        access_keys.update_access_key(key, status="Inactive")
        access_keys.delete_access_key(key)
    services.set_account_alias(account, "coffee-shop-hq")
    result = run_lab(account, catalogue.get("secure-the-root-user"))
    assert all(task.passed for task in result.tasks) and result.score == result.max == 25


def test_secure_the_root_user_wrong_solution_still_fails(account, root):
    start_lab(account, "secure-the-root-user")
    admin = services.create_user(account, user_name="admin")
    enable_mfa(admin)  # MFA on an IAM user is not MFA on the root user
    for key in AccessKey.objects.filter(user=root):
        access_keys.update_access_key(key, status="Inactive")  # deactivated, still there
    assert passed(account, "secure-the-root-user") == {"root-mfa": False, "no-root-keys": False,
                                                        "account-alias": False}


# ---------------------------------------------------------------------------
# 02 The first administrator


def test_first_administrator_fails_on_the_starting_state(account, alice):
    start_lab(account, "first-administrator")
    assert passed(account, "first-administrator") == {"administrators-group": False, "admin-user": False,
                                                       "sign-in-as-admin": False}


def test_first_administrator_passes_after_the_intended_solution(account):
    start_lab(account, "first-administrator")
    group = services.create_group(account, name="Administrators")
    policy_services.attach_policy(group, policy_arn=ADMIN)
    services.create_user(account, user_name="admin", console_password=services.generate_password(account=account),
                         password_reset_required=True, groups=[group])
    result = run_lab(account, catalogue.get("first-administrator"))
    assert all(task.passed for task in result.tasks), result.as_json()
    assert result.score == result.max == 30


def test_first_administrator_wrong_solutions_still_fail(account):
    start_lab(account, "first-administrator")
    # AdministratorAccess on the user itself, the group left empty of policies, no password.
    group = services.create_group(account, name="Administrators")
    admin = services.create_user(account, user_name="admin", groups=[group])
    policy_services.attach_policy(admin, policy_arn=ADMIN)
    assert passed(account, "first-administrator") == {"administrators-group": False, "admin-user": False,
                                                       "sign-in-as-admin": False}
    result = run_lab(account, catalogue.get("first-administrator"))
    messages = [check.message for task in result.tasks for check in task.checks if not check.passed]
    assert "The policy AdministratorAccess is not attached to the group Administrators yet." in messages
    assert "admin can't sign in to the console yet." in messages
