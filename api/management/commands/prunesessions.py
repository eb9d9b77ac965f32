"""``manage.py prunesessions``: delete expired STS temporary credentials."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.sessions import prune_expired


class Command(BaseCommand):
    help = ("Delete every expired STS temporary credential (AssumeRole, GetSessionToken, "
            "GetFederationToken), in batches. Issuing credentials already removes a bounded batch "
            "each time; run this from cron on a server that issues few.")

    def handle(self, *args, **options):
        removed = prune_expired()
        self.stdout.write(f"Removed {removed} expired session credential{'s' if removed != 1 else ''}.")
