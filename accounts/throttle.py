"""Fixed-window counters in the database, so limits hold across every worker process."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Throttle


def hit(key: str, *, limit: int | None = None, window: int | None = None) -> bool:
    """Count one attempt under ``key``; return False when the limit for the window is used up."""
    limit = limit or settings.IAMPORTAL_SIGNIN_ATTEMPTS
    window = window or settings.IAMPORTAL_SIGNIN_WINDOW
    now = timezone.now()
    with transaction.atomic():
        row, _ = Throttle.objects.select_for_update().get_or_create(
            key=key[:200], defaults={"window_start": now, "count": 0}
        )
        if now - row.window_start > timedelta(seconds=window):
            row.window_start, row.count = now, 0
        row.count += 1
        row.save(update_fields=["window_start", "count"])
        return row.count <= limit


def reset(key: str) -> None:
    Throttle.objects.filter(key=key[:200]).delete()
