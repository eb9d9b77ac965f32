"""``manage.py labs list | validate FILE… | check --account ID-OR-ALIAS --lab SLUG-OR-FILE [--json]``."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from labs import catalogue
from labs.checks import run_lab
from labs.format import Lab, LabError, load


class Command(BaseCommand):
    help = ("Labs: 'list' the shipped labs, 'validate' lab files (exit 1 naming the file, task and field "
            "of the first fault of each malformed one), 'check' a lab's tasks against an account.")
    requires_system_checks: list = []  # validating a file needs no model checks

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True, metavar="{list,validate,check}")
        commands.add_parser("list", help="The shipped labs (labs/data/*.yaml): slug, tasks, points, minutes, title.")
        validate = commands.add_parser("validate", help="Validate lab files.")
        validate.add_argument("files", nargs="+", metavar="FILE")
        check = commands.add_parser("check", help="Run a lab's checks against an account.")
        check.add_argument("--account", required=True, help="The account's 12-digit id or its alias.")
        check.add_argument("--lab", required=True, help="A shipped lab's slug, or a lab file.")
        check.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        return getattr(self, f"do_{options['command']}")(options)

    def do_list(self, options):
        try:
            labs = catalogue.all_labs()
        except LabError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{'SLUG':<40} {'TASKS':>5} {'POINTS':>6} {'MIN':>4}  TITLE")
        for lab in labs:
            self.stdout.write(f"{lab.slug:<40} {len(lab.tasks):>5} {lab.max_points:>6} {lab.minutes:>4}  {lab.title}")

    def do_validate(self, options):
        failed = 0
        for name in options["files"]:
            try:
                lab = load(Path(name))
            except LabError as error:
                failed += 1
                self.stderr.write(str(error))
            else:
                self.stdout.write(f"{name}: OK ({lab.slug}, {len(lab.tasks)} tasks, {lab.max_points} points)")
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} lab files are malformed.")

    def _lab(self, reference: str) -> Lab:
        path = Path(reference)
        try:
            if reference.endswith((".yaml", ".yml")) or path.is_file():
                return load(path)
            return catalogue.get(reference)
        except LabError as error:
            raise CommandError(str(error)) from None
        except KeyError:
            raise CommandError(f"No shipped lab has the slug {reference!r} (see 'manage.py labs list').") from None

    def do_check(self, options):
        account = Account.objects.for_signin(options["account"])
        if account is None:
            raise CommandError(f"No account has the id or alias {options['account']!r}.")
        result = run_lab(account, self._lab(options["lab"]))
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        self.stdout.write(f"Lab {result.lab} on account {result.account}: {result.score}/{result.max} points")
        for task in result.tasks:
            self.stdout.write(f"{'PASS' if task.passed else 'FAIL'}  {task.id} ({task.points} points)")
            for check in task.checks:
                self.stdout.write(f"        {'ok ' if check.passed else 'no '} {check.check}: {check.message}")
