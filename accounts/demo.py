"""The coffee-shop scenario (shared/seed) as data, and the function that loads it.

The owner of a coffee shop is the account's root user. Cashiers and an inventory
specialist are IAM users, gathered in the ``Cashiers`` and ``Inventory-Specialists``
groups (the seed's "Inventory Specialists": IAM names cannot contain spaces).

:func:`load_demo` runs :data:`STEPS` in order. Each step creates only what is
missing and records it in :attr:`DemoResult.created`, so loading twice changes
nothing. Later features append their own steps (policies, roles)::

    from accounts import demo
    demo.STEPS.append(attach_receipts_policy)   # def attach_receipts_policy(result): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from . import services
from .models import Group, User

ROOT_EMAIL = "owner@coffee-shop.example"
# One password for the owner and every demo user, printed by ``loaddemo``: a demo, not a secret.
PASSWORD = "Flat-White-Demo-2026!"
ALIAS = "coffee-shop"

# IAM user name -> what the person does in the shop.
USERS = {
    "maria": "Cashier",
    "li": "Cashier",
    "sam": "Inventory specialist",
}

# Group name -> its members.
GROUPS = {
    "Cashiers": ["maria", "li"],
    "Inventory-Specialists": ["sam"],
}


@dataclass
class DemoResult:
    """What :func:`load_demo` found or made: the owner, and a line per thing it created."""

    root: User
    created: list[str] = field(default_factory=list)

    @property
    def account(self):
        return self.root.account

    @property
    def changed(self) -> bool:
        return bool(self.created)


def _owner() -> tuple[User, bool]:
    root = User.objects.select_related("account").filter(is_root=True, email__iexact=ROOT_EMAIL).first()
    if root is not None:
        return root, False
    return services.sign_up(email=ROOT_EMAIL, password=PASSWORD), True


def add_alias(result: DemoResult) -> None:
    if result.account.alias is None:
        services.set_account_alias(result.account, ALIAS)
        result.created.append(f"account alias {ALIAS}")


def add_users(result: DemoResult) -> None:
    existing = {name.lower() for name in User.objects.for_account(result.account).values_list("user_name", flat=True)}
    for name, job in USERS.items():
        if name not in existing:
            # No forced reset: the presenter signs in as the user at once.
            services.create_user(result.account, user_name=name, console_password=PASSWORD)
            result.created.append(f"IAM user {name} ({job.lower()})")


def add_groups(result: DemoResult) -> None:
    account = result.account
    for name, members in GROUPS.items():
        group = Group.objects.filter(account=account, name__iexact=name).first()
        if group is None:
            group = services.create_group(account, name=name)
            result.created.append(f"user group {name}")
        current = set(group.members.values_list("user_name", flat=True))
        for user_name in members:
            if user_name not in current:
                services.add_user_to_group(group, services.get_user(account, user_name))
                result.created.append(f"{user_name} in {name}")


# Run in this order; later issues append theirs.
STEPS: list[Callable[[DemoResult], None]] = [add_alias, add_users, add_groups]


@transaction.atomic
def load_demo() -> DemoResult:
    """Load the coffee-shop scenario into its own account; a second run changes nothing."""
    root, created = _owner()
    result = DemoResult(root=root)
    if created:
        result.created.append(f"account {root.account.account_id} with root user {ROOT_EMAIL}")
    for step in STEPS:
        step(result)
    return result
