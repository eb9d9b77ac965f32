"""``manage.py syncmanagedpolicies``: load or update the AWS managed policies from their files."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from policies import managed
from policies.models import ManagedPolicy, PolicyVersion


class Command(BaseCommand):
    help = (
        "Create or update, in place, the AWS managed policies from the JSON files in "
        "policies/managed/ (idempotent: unchanged files change nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(managed.DATA_DIR),
            help="Folder of policy data files (default: the built-in catalog).",
        )

    def handle(self, *args, directory: str, **options):
        with transaction.atomic():
            result = managed.sync(ManagedPolicy, PolicyVersion, directory)
        self.stdout.write(
            f"AWS managed policies: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged."
        )
        for name in result.created:
            self.stdout.write(f"  created {name}")
        for name in result.updated:
            self.stdout.write(f"  updated {name}")
