"""iamportal.durable: failure counts that outlive the rolled-back transaction of a failed call."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts import throttle
from accounts.models import Throttle
from iamportal import durable

pytestmark = pytest.mark.django_db(transaction=True)


def count() -> None:
    throttle.spend("durable-test", limit=100, window=300)


def counted() -> int:
    row = Throttle.objects.filter(key="durable-test").first()
    return row.count if row else 0


def test_a_kept_effect_is_applied_again_after_the_rollback():
    with pytest.raises(ValueError), durable.collecting(), transaction.atomic():
        count()
        durable.keep(count)
        raise ValueError("the call fails")
    assert counted() == 1


def test_nothing_is_applied_again_when_the_transaction_commits():
    with durable.collecting(), transaction.atomic():
        count()
        durable.keep(count)
    assert counted() == 1


def test_outside_a_collecting_block_keep_does_nothing():
    count()
    durable.keep(count)
    assert counted() == 1
