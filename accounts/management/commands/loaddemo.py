"""``manage.py loaddemo``: load the coffee-shop demo (``make run`` calls it)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts import demo, services
from iamportal.errors import IAMError


class Command(BaseCommand):
    help = (
        "Load the coffee-shop demo into its own account: the owner as root user "
        f"({demo.ROOT_EMAIL}), the account alias {demo.ALIAS}, the IAM users "
        f"{', '.join(demo.USERS)} with console access, and the groups {', '.join(demo.GROUPS)} "
        "(the story's \"Inventory Specialists\" becomes Inventory-Specialists, because IAM "
        "names cannot contain spaces). Running it again changes nothing. Prints the sign-in "
        "URLs and the demo password."
    )

    def handle(self, *args, **options):
        try:
            result = demo.load_demo()
        except IAMError as exc:
            raise CommandError(f"The demo could not be loaded: {exc.message}") from exc
        account = result.account
        if result.changed:
            self.stdout.write(self.style.SUCCESS(f"Loaded the coffee-shop demo into account {account.account_id}:"))
            for line in result.created:
                self.stdout.write(f"  created {line}")
        else:
            self.stdout.write(f"The coffee-shop demo is already loaded in account {account.account_id}; "
                              "nothing changed.")
        self.stdout.write("")
        self.stdout.write(f"Root user (the owner): {settings.IAMPORTAL_BASE_URL}{reverse('accounts:signin')}")
        self.stdout.write(f"  email {demo.ROOT_EMAIL}, password {demo.PASSWORD}")
        self.stdout.write(f"IAM users: {services.iam_user_signin_url(account)}")
        self.stdout.write(f"  user names {', '.join(demo.USERS)}, password {demo.PASSWORD}")
        key = demo.api_credentials(account)
        if key is not None:
            self.stdout.write(f"Query API (aws CLI, boto3): {settings.IAMPORTAL_BASE_URL}/ with the access key of "
                              f"{demo.API_USER}")
            self.stdout.write(f"  AWS_ACCESS_KEY_ID={key[0]} AWS_SECRET_ACCESS_KEY={key[1]}")
            self.stdout.write(f"  aws --endpoint-url {settings.IAMPORTAL_BASE_URL} iam list-users")
