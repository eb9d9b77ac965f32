"""Operator recovery: remove the MFA devices of a user who lost theirs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts import mfa
from accounts.models import Account, User


class Command(BaseCommand):
    help = ("Remove every MFA device of one user (an IAM user, or the account's root user), "
            "so they can sign in with their password alone and assign a new device. "
            "The removal is logged to the iamportal.audit logger.")

    def add_arguments(self, parser):
        parser.add_argument("--account", required=True, help="Account ID (12 digits) or account alias.")
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="IAM user name (case-insensitive).")
        who.add_argument("--root", action="store_true", help="The account's root user.")

    def handle(self, *args, account: str, user: str | None, root: bool, **options):
        found = Account.objects.for_signin(account)
        if found is None:
            raise CommandError(f"No account has the ID or alias {account!r}.")
        if root:
            target = User.objects.get(account=found, is_root=True)
        else:
            target = User.objects.for_account(found).filter(user_name__iexact=user).first()
            if target is None:
                raise CommandError(f"The user with name {user} cannot be found in account {found.account_id}.")
        removed = mfa.remove_all_devices(target, actor="operator (manage.py removemfa)")
        if not removed:
            self.stdout.write(f"{target.arn} has no MFA devices.")
            return
        for arn in removed:
            self.stdout.write(f"Removed {arn}")
        self.stdout.write(self.style.SUCCESS(
            f"Removed {len(removed)} MFA device(s) of {target.arn}. They can now sign in with their password "
            "alone; ask them to assign a new device at once."))
