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

from . import access_keys, services
from .models import AccessKey, Group, User

ROOT_EMAIL = "owner@coffee-shop.example"
# One password for the owner and every demo user, printed by ``loaddemo``: a demo, not a secret.
PASSWORD = "Flat-White-Demo-2026!"
ALIAS = "coffee-shop"

# IAM user name -> what the person does in the shop.
USERS = {
    "maria": "Cashier",
    "li": "Cashier",
    "sam": "Inventory specialist",
    "admin": "Administrator",
    "dev": "Developer",
}

#: The demo user whose access key ``loaddemo`` prints (AdministratorAccess).
API_USER = "admin"

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


# ---------------------------------------------------------------------------
# Roles: the seed's workstations. The employee (maria) starts the day as Cashier, then
# switches to Inventory, which gives inventory access and takes the cash register's away.

EMPLOYEE = "maria"
ROLES = {
    "Cashier": ("Cash register workstation: the employee assumes it at the till.", "CashRegister", {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListCashRegister", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": "arn:aws:s3:::cash-register"},
            {"Sid": "ReadCashRegister", "Effect": "Allow", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::cash-register/*"},
        ],
    }),
    "Inventory": ("Inventory workstation: the employee assumes it to update the stock.", "InventorySystem", {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListInventory", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": "arn:aws:s3:::inventory"},
            {"Sid": "UpdateInventory", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": "arn:aws:s3:::inventory/*"},
        ],
    }),
}
SWITCH_POLICY = "SwitchToWorkstationRoles"


def add_roles(result: DemoResult) -> None:
    """Cashier and Inventory roles trusting the account, each with its inline policy, and
    the employee allowed sts:AssumeRole on both (the account-principal trust needs it)."""
    import json

    from policies import services as policy_services
    from policies.models import InlinePolicy

    from . import roles
    from .models import Role

    account = result.account
    for name, (description, policy_name, document) in ROLES.items():
        role = Role.objects.for_account(account).filter(name__iexact=name).first()
        if role is None:
            role = roles.create_role(account, name=name, description=description,
                                     trust_policy=roles.account_trust_policy(account.account_id))
            result.created.append(f"role {name}")
        if not InlinePolicy.objects.filter(role=role, name__iexact=policy_name).exists():
            policy_services.put_role_policy(role, name=policy_name, document=json.dumps(document, indent=4))
            result.created.append(f"inline policy {policy_name} on role {name}")
    employee = services.get_user(account, EMPLOYEE)
    if not InlinePolicy.objects.filter(user=employee, name__iexact=SWITCH_POLICY).exists():
        resources = [account.arn(f"role/{name}") for name in ROLES]
        document = {"Version": "2012-10-17", "Statement": [
            {"Sid": "SwitchToWorkstationRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": resources}]}
        policy_services.put_user_policy(employee, name=SWITCH_POLICY, document=json.dumps(document, indent=4))
        result.created.append(f"{EMPLOYEE} may switch to the roles {', '.join(ROLES)}")


# ---------------------------------------------------------------------------
# Policies: the seed's sample policy (cashiers list the receipts bucket), the inventory
# specialists' policy, and the seed's administrator (all access) and developer (EC2 only).

CUSTOMER_POLICIES = {
    # name -> (description, document, group it is attached to)
    "ReceiptsListBucket": ("Lets cashiers list the objects of the receipts bucket.", {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ListReceipts", "Effect": "Allow", "Action": "s3:ListBucket",
                       "Resource": "arn:aws:s3:::receipts-bucket"}],
    }, "Cashiers"),
    "InventoryStockManagement": ("Lets inventory specialists read and update the stock files.", {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ListInventory", "Effect": "Allow", "Action": "s3:ListBucket",
             "Resource": "arn:aws:s3:::inventory"},
            {"Sid": "UpdateStock", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": "arn:aws:s3:::inventory/*"},
        ],
    }, "Inventory-Specialists"),
}
# IAM user -> the AWS managed policy attached to it directly.
USER_MANAGED_POLICIES = {
    "admin": "arn:aws:iam::aws:policy/AdministratorAccess",
    "dev": "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
}


def add_policies(result: DemoResult) -> None:
    import json

    from policies import services as policy_services
    from policies.models import ManagedPolicy, PolicyAttachment

    account = result.account
    for name, (description, document, group_name) in CUSTOMER_POLICIES.items():
        policy = ManagedPolicy.objects.for_account(account).filter(name__iexact=name).first()
        if policy is None:
            policy = policy_services.create_policy(account, name=name, description=description,
                                                   document=json.dumps(document, indent=4))
            result.created.append(f"customer managed policy {name}")
        group = services.get_group(account, group_name)
        if not PolicyAttachment.objects.filter(group=group, policy=policy).exists():
            policy_services.attach_group_policy(group, policy_arn=policy.arn)
            result.created.append(f"{name} attached to {group_name}")
    for user_name, arn in USER_MANAGED_POLICIES.items():
        user = services.get_user(account, user_name)
        if not PolicyAttachment.objects.filter(user=user, policy__account=None,
                                               policy__name=arn.rsplit("/", 1)[1]).exists():
            policy_services.attach_user_policy(user, policy_arn=arn)
            result.created.append(f"{arn.rsplit('/', 1)[1]} attached to {user_name}")


def add_access_key(result: DemoResult) -> None:
    """An access key for ``admin``, so the aws CLI and boto3 work against ``make run``
    (``loaddemo`` prints it with the passwords: a demo, not a secret)."""
    admin = User.objects.for_account(result.account).get(user_name=API_USER)
    if not admin.access_keys.exists():
        access_keys.create_access_key(admin)
        result.created.append(f"an access key for {API_USER}")


def api_credentials(account) -> tuple[str, str] | None:
    """The demo's access key of ``admin``: (id, secret), or None if it has none."""
    key = AccessKey.objects.filter(user__account=account, user__user_name=API_USER).first()
    secret = access_keys.secret_of(key) if key is not None else None
    return (key.access_key_id, secret) if secret else None


# Run in this order; later issues append theirs.
STEPS: list[Callable[[DemoResult], None]] = [add_alias, add_users, add_groups, add_policies, add_roles,
                                             add_access_key]


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
