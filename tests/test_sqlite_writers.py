"""On SQLite, a writer waits for another's long write transaction instead of failing at once
(iamportal/settings.py: ``transaction_mode`` IMMEDIATE and a 20 s timeout; docs/operations.md).

Starting a class of 50 writes for seconds in one transaction; before, any other change made
meanwhile failed with "database is locked", a 500. Two connections of Django's SQLite backend,
with the settings' options, on a file database: the second one's write waits and succeeds.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                                reason="SQLite's locking (PostgreSQL has row locks)")


ALIAS = "writers"


def wrapper(path) -> DatabaseWrapper:
    options = dict(settings.DATABASES["default"]["OPTIONS"])
    return DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(path), "OPTIONS": options,
                            "TEST": {}, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True,
                            "ATOMIC_REQUESTS": False, "TIME_ZONE": None}, ALIAS)


def test_a_second_writer_waits_for_a_long_write_transaction(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():  # a file database of its own, not the test database
        run(tmp_path / "writers.sqlite3")


def run(path) -> None:
    setup = wrapper(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE t (v INTEGER)")
    setup.close()
    started, outcome = threading.Event(), {}

    def long_writer() -> None:  # a class being started: one transaction, seconds long
        connections[ALIAS] = wrapper(path)
        with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM t")
            cursor.execute("INSERT INTO t VALUES (1)")
            started.set()
            time.sleep(1.0)
        connections[ALIAS].close()

    def second_writer() -> None:  # anyone's change meanwhile: reads, then writes
        started.wait()
        connections[ALIAS] = wrapper(path)
        began = time.monotonic()
        try:
            with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM t")
                cursor.execute("INSERT INTO t VALUES (2)")
            outcome["waited"] = time.monotonic() - began
        except Exception as exc:  # "database is locked": what this test guards against
            outcome["error"] = repr(exc)
        finally:
            connections[ALIAS].close()

    threads = [threading.Thread(target=long_writer), threading.Thread(target=second_writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "error" not in outcome, outcome
    assert outcome["waited"] > 0.5  # it waited for the first transaction, then wrote
    check = wrapper(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == 2
    check.close()
