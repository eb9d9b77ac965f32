"""Rate limits as fixed-window counters in the database, so they hold across every worker.

Sign-in (root and IAM user) and the MFA challenge count **failures only**, in two budgets
per attempt (:class:`SignInBudget`):

- the client address + who is signing in (root email, or account id + user name; an alias
  is resolved to its account id first): ``IAMPORTAL_SIGNIN_ATTEMPTS`` per window;
- the client address alone, all names together: ``IAMPORTAL_SIGNIN_ADDRESS_FAILURES`` per
  window, a ceiling high enough for a classroom behind one NAT address.

Both are per ``IAMPORTAL_SIGNIN_WINDOW`` seconds. Sign-up counts every attempt that reaches
account creation, per client address (:func:`signup_allowed`). The address is
:func:`accounts.addresses.client_address`. Stale rows are deleted a batch at a time
whenever a new counter is created (:func:`prune`), so the table stays bounded.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .addresses import client_address
from .models import Throttle

#: The most stale rows one write deletes.
PRUNE_BATCH = 500


#: How often :func:`spend` tries again after losing a race for a new counter's row.
RACE_RETRIES = 3


def spend(key: str, *, limit: int, window: int) -> bool:
    """Count one under ``key``; False when that makes more than ``limit`` in the window."""
    now = timezone.now()
    for attempt in range(RACE_RETRIES):
        try:
            with transaction.atomic():
                row, created = Throttle.objects.select_for_update().get_or_create(
                    key=key, defaults={"window_start": now, "count": 0})
                if now - row.window_start >= timedelta(seconds=window):
                    row.window_start, row.count = now, 0
                row.count += 1
                row.save(update_fields=["window_start", "count"])
            break
        except IntegrityError:
            # Another request created the row between our read and our insert, and (a
            # successful sign-in resets its counter) may have deleted it again before
            # get_or_create could read it: try again, it exists or it doesn't by now.
            if attempt == RACE_RETRIES - 1:
                raise
    if created:
        prune(now)
    return row.count <= limit


def exhausted(budgets: list[tuple[str, int]], *, window: int) -> bool:
    """Whether any ``(key, limit)`` of ``budgets`` has already counted ``limit`` in its
    current window (one read; nothing counted)."""
    since = timezone.now() - timedelta(seconds=window)
    limits = dict(budgets)
    rows = Throttle.objects.filter(key__in=list(limits), window_start__gt=since).values_list("key", "count")
    return any(count >= limits[key] for key, count in rows)


def refund(key: str) -> None:
    """Take back one count of ``key``."""
    Throttle.objects.filter(key=key, count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    Throttle.objects.filter(key=key).delete()


def prune(now: datetime | None = None) -> int:
    """Delete up to ``PRUNE_BATCH`` counters whose window ended; returns how many."""
    longest = max(settings.IAMPORTAL_SIGNIN_WINDOW, settings.IAMPORTAL_SIGNUP_WINDOW)
    cutoff = (now or timezone.now()) - timedelta(seconds=longest)
    stale = list(Throttle.objects.filter(window_start__lt=cutoff)
                 .values_list("pk", flat=True)[:PRUNE_BATCH])
    return Throttle.objects.filter(pk__in=stale).delete()[0] if stale else 0


class SignInBudget:
    """The two budgets of one sign-in (or MFA code) attempt by ``subject`` from the request's
    client address. Use: :meth:`reserve` before checking the secret; then :meth:`succeeded`
    when it was right, or nothing when it was wrong (the reserved failure stays)."""

    def __init__(self, request, scope: str, subject: str) -> None:
        address = client_address(request)
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]  # no emails or names stored
        self.address_key = f"{scope}:addr:{address}"
        self.name_key = f"{scope}:name:{address}:{digest}"

    def _budgets(self) -> list[tuple[str, int]]:
        return [(self.address_key, settings.IAMPORTAL_SIGNIN_ADDRESS_FAILURES),
                (self.name_key, settings.IAMPORTAL_SIGNIN_ATTEMPTS)]

    def reserve(self) -> bool:
        """Count this attempt as a failure in advance, so concurrent guesses cannot overrun a
        budget; False, with nothing counted, when either budget is used up."""
        window = settings.IAMPORTAL_SIGNIN_WINDOW
        if all([spend(key, limit=limit, window=window) for key, limit in self._budgets()]):
            return True
        self.release()
        return False

    def release(self) -> None:
        """The attempt was not checked after all (e.g. django-otp's back-off): uncount it."""
        for key, _limit in self._budgets():
            refund(key)

    def succeeded(self) -> None:
        """The secret was right: the attempt never counts, and this name's failures are cleared."""
        refund(self.address_key)
        reset(self.name_key)


def signup_allowed(request) -> bool:
    """Count one sign-up from the client address; False past ``IAMPORTAL_SIGNUP_PER_ADDRESS``
    per ``IAMPORTAL_SIGNUP_WINDOW`` seconds."""
    return spend(f"signup:addr:{client_address(request)}",
                 limit=settings.IAMPORTAL_SIGNUP_PER_ADDRESS, window=settings.IAMPORTAL_SIGNUP_WINDOW)
