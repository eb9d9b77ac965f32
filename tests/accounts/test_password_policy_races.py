"""Two changes of one IAM user's password at the same moment cannot both pass reuse
prevention: set_console_password and change_own_password lock the user's row before
checking, so the second sees the password the first set. SQLite serialises writers, so
the race needs PostgreSQL (CI runs both):

    DATABASE_URL=postgres://iamportal:iamportal@127.0.0.1:5432/iamportal \\
        .venv/bin/python -m pytest tests/accounts/test_password_policy_races.py
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from accounts import password_policy, services
from accounts.models import User
from iamportal.errors import IAMError
from tests.conftest import USER_PASSWORD

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="races need concurrent writers: run with DATABASE_URL=postgres://… (CI does)"),
    pytest.mark.django_db(transaction=True),
]

RACERS = 4
NEW = "Espresso-Double-Shot-77"


def race(work) -> list[str]:
    """``work(i)`` from every thread at once, each on its own connection: ``"ok"`` or the
    IAM error's message."""
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = [""] * RACERS

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
            outcomes[index] = "ok"
        except IAMError as exc:
            outcomes[index] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_resets_to_one_password_set_it_once(account, alice):
    password_policy.update_account_password_policy(account, PasswordReusePrevention=5)

    def reset(_index: int) -> None:
        services.set_console_password(User.objects.get(pk=alice.pk), NEW, reset_required=False)

    outcomes = race(reset)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "Password should not be one of the previous 5 passwords" for o in outcomes if o != "ok")
    assert User.objects.get(pk=alice.pk).check_password(NEW)


def test_concurrent_own_changes_from_one_old_password_change_it_once(account, alice):
    password_policy.update_account_password_policy(account, PasswordReusePrevention=5)

    def change(_index: int) -> None:
        services.change_own_password(User.objects.get(pk=alice.pk), old_password=USER_PASSWORD, new_password=NEW)

    outcomes = race(change)
    assert outcomes.count("ok") == 1, outcomes
    # The others find the old password already replaced.
    assert all(o == "The old password is incorrect." for o in outcomes if o != "ok")
