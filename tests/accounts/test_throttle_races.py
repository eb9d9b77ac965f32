"""A counter's row created or deleted by a concurrent request (a successful sign-in resets its
name's counter) must not turn a sign-in into a 500: spend() tries again."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from accounts import throttle
from accounts.models import Throttle

pytestmark = pytest.mark.django_db


def test_losing_the_race_for_a_new_counter_counts_once_and_does_not_fail(monkeypatch):
    real = Throttle.objects.select_for_update
    lost = []

    class Racing:
        """The first get_or_create loses the race: another request inserted the row (and
        deleted it again) between its read and its insert."""

        def __init__(self):
            self.queryset = real()

        def get_or_create(self, **kwargs):
            if not lost:
                lost.append(True)
                raise IntegrityError("duplicate key value violates unique constraint")
            return self.queryset.get_or_create(**kwargs)

    monkeypatch.setattr(Throttle.objects, "select_for_update", lambda: Racing())
    assert throttle.spend("signin:name:test", limit=10, window=300)
    assert lost and Throttle.objects.get(key="signin:name:test").count == 1


def test_a_race_that_never_ends_still_raises(monkeypatch):
    class AlwaysLosing:
        def get_or_create(self, **kwargs):
            raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(Throttle.objects, "select_for_update", lambda: AlwaysLosing())
    with pytest.raises(IntegrityError):
        throttle.spend("signin:name:test", limit=10, window=300)
