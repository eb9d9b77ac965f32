"""``manage.py syncmanagedpolicies``: load or update the AWS managed policies from the catalogue."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from policies import managed
from policies.models import ManagedPolicy, PolicyVersion


class Command(BaseCommand):
    help = (
        "Create or update, in place, the AWS managed policies from the catalogue "
        "(policies/managed/catalogue.json.gz); idempotent: an unchanged catalogue changes "
        "nothing. A policy that left the catalogue is deleted unless something uses it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            default=str(managed.DATA_FILE),
            help="Catalogue file written by tools/managed_policies.py (default: the built-in one).",
        )

    def handle(self, *args, file: str, **options):
        result = managed.sync(ManagedPolicy, PolicyVersion, file)
        self.stdout.write(
            f"AWS managed policies: {len(result.created)} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged, {len(result.removed)} removed, "
            f"{len(result.kept)} kept (no longer in the catalogue, still attached)."
        )
        if options["verbosity"] > 1:
            for name in result.created:
                self.stdout.write(f"  created {name}")
        for name in result.updated:
            self.stdout.write(f"  updated {name}")
        for name in result.removed:
            self.stdout.write(f"  removed {name}")
        for name in result.kept:
            self.stdout.write(f"  kept {name}")
