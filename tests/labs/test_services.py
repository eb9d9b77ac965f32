"""labs.services: start a lab, check a task (recorded), reveal hints, reset, the current run."""

from __future__ import annotations

import pytest

from accounts import access_keys, services
from accounts.models import AccessKey, User
from labs import catalogue
from labs import services as labs
from labs.models import LabRun, TaskProgress
from tests.labs.helpers import enable_mfa

pytestmark = pytest.mark.django_db

ROOT_LAB = "secure-the-root-user"
ADMIN_LAB = "first-administrator"


def test_start_lab_wipes_the_account_and_applies_the_setup(account, root, alice):
    run = labs.start_lab(account, ROOT_LAB, started_by=root)
    assert (run.account, run.slug, run.ended, run.started_by) == (account, ROOT_LAB, None, account.root_arn)
    assert not User.objects.for_account(account).exists()  # alice is gone
    assert AccessKey.objects.filter(user=root).count() == 1  # the lab's starting state
    assert labs.run_for(account) == run


def test_starting_another_lab_ends_the_current_run(account, mallory):
    first = labs.start_lab(account, ROOT_LAB)
    second = labs.start_lab(account, ADMIN_LAB, started_by="arn:aws:iam::123456789012:user/teacher")
    first.refresh_from_db()
    assert first.ended is not None and second.ended is None
    assert labs.run_for(account) == second and second.started_by.endswith(":user/teacher")
    assert labs.run_for(mallory.account) is None


def test_an_unknown_lab_is_a_key_error_and_changes_nothing(account, alice):
    with pytest.raises(KeyError):
        labs.start_lab(account, "no-such-lab")
    assert User.objects.for_account(account).exists() and not LabRun.objects.exists()


def test_check_task_records_the_latest_result(account, root):
    run = labs.start_lab(account, ROOT_LAB)
    result = labs.check_task(run, "account-alias")
    assert (result.id, result.passed, result.points) == ("account-alias", False, 0)
    assert result.checks[0].message == "The account has no alias yet."
    progress = TaskProgress.objects.get(run=run, task_id="account-alias")
    assert (progress.passed, progress.points) == (False, 0) and progress.checked_at is not None
    services.set_account_alias(account, "coffee-shop")
    assert labs.check_task(run, "account-alias").passed
    progress.refresh_from_db()
    assert (progress.passed, progress.points) == (True, 5)
    assert TaskProgress.objects.filter(run=run).count() == 1
    with pytest.raises(KeyError):
        labs.check_task(run, "no-such-task")


def test_reveal_hint_one_at_a_time_and_counted(account):
    run = labs.start_lab(account, ROOT_LAB)
    hints = catalogue.get(ROOT_LAB).task("root-mfa").hints
    assert [labs.reveal_hint(run, "root-mfa") for _ in range(len(hints) + 1)] == [*hints, None]
    assert TaskProgress.objects.get(run=run, task_id="root-mfa").hints_used == len(hints)


def test_reset_lab_restores_the_starting_state_and_clears_checks_not_hints(account, root):
    run = labs.start_lab(account, ROOT_LAB)
    enable_mfa(root)
    for key in AccessKey.objects.filter(user=root):
        access_keys.delete_access_key(key)
    services.set_account_alias(account, "coffee-shop")
    services.create_user(account, user_name="extra")
    assert labs.check_task(run, "no-root-keys").passed
    labs.reveal_hint(run, "root-mfa")
    started = run.started

    labs.reset_lab(run)

    account.refresh_from_db()
    assert account.alias is None and AccessKey.objects.filter(user=root).count() == 1
    assert not User.objects.for_account(account).exists()
    # The checks are cleared; the hint revealed is still counted.
    assert list(TaskProgress.objects.filter(run=run).values_list("task_id", "passed", "points", "hints_used")) == [
        ("root-mfa", False, 0, 1)]
    assert run.started >= started
    assert labs.check_task(run, "root-mfa").passed  # the root user's MFA is kept
