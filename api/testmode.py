"""Test mode for SDK test suites (``IAMPORTAL_TEST_HOOKS=true``, development only).

Account ``123456789012`` exists and its root user has the active access key
``FOOBARKEY`` / ``FOOBARSECRET`` — the values SDK test suites commonly export, registered
here because ``CreateAccessKey`` never makes such ids. ``POST /_test/reset`` puts that
account back to exactly that: deleting the account removes everything in it (users,
groups, roles, customer policies, instance profiles, providers, certificates, keys, MFA
devices, alias, password policy, credential report) through the database's cascades, and
it is made again. Other accounts and the AWS-managed policies are untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts import access_keys
from accounts.models import Account, User

ACCOUNT_ID = "123456789012"
ACCESS_KEY_ID = "FOOBARKEY"
SECRET_ACCESS_KEY = "FOOBARSECRET"
ROOT_EMAIL = "root@test-mode.invalid"


def enabled() -> bool:
    return bool(getattr(settings, "IAMPORTAL_TEST_HOOKS", False))


def _create() -> None:
    account = Account.objects.create(account_id=ACCOUNT_ID)
    root = User(account=account, is_root=True, email=ROOT_EMAIL, user_name="root")
    root.set_unusable_password()
    root.save()
    access_keys.register_access_key(root, ACCESS_KEY_ID, SECRET_ACCESS_KEY)


def ensure() -> None:
    """In test mode, make the test account if it is missing (cheap when it exists)."""
    if enabled() and not Account.objects.filter(account_id=ACCOUNT_ID).exists():
        with transaction.atomic():
            if not Account.objects.select_for_update().filter(account_id=ACCOUNT_ID).exists():
                _create()


@transaction.atomic
def reset() -> None:
    """The test account back to: a root user with the test key, nothing else."""
    Account.objects.filter(account_id=ACCOUNT_ID).delete()
    _create()
