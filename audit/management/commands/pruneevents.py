"""``manage.py pruneevents [--days N] [--batch N]``: delete audit events older than the
retention (``IAMPORTAL_AUDIT_RETENTION_DAYS``, 90 by default), a batch at a time, so a large
trail never holds one long delete."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import Event


def prune(days: int, batch: int = 5000) -> int:
    """Delete the events older than ``days`` days, ``batch`` at a time; the number deleted."""
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        old = Event.objects.filter(event_time__lt=cutoff).order_by("event_time")
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += Event.objects.filter(pk__in=ids).delete()[0]


class Command(BaseCommand):
    help = "Delete audit events older than the retention period (IAMPORTAL_AUDIT_RETENTION_DAYS)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=None,
                            help="keep this many days (default: IAMPORTAL_AUDIT_RETENTION_DAYS)")
        parser.add_argument("--batch", type=int, default=5000, help="events deleted per statement")

    def handle(self, *args, days=None, batch=5000, **options) -> None:
        days = settings.IAMPORTAL_AUDIT_RETENTION_DAYS if days is None else days
        if days < 1 or batch < 1:
            raise CommandError("--days and --batch must be at least 1.")
        self.stdout.write(f"Deleted {prune(days, batch)} events older than {days} days.")
