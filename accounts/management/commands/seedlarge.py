"""``manage.py seedlarge``: one account at AWS's quota sizes, for benchmarks and sizing.

Everything is written with ``bulk_create`` in one transaction, and the password is hashed
**once** (every principal of the run shares that hash), so 5,000 users take seconds
rather than the ~133 queries and one PBKDF2/Argon2 hash each that the services spend.
The rows are those the services would write: AWS-shaped ids (:mod:`accounts.ids`), login
keys, one default version per policy, attachments and boundaries carrying their account,
and no more than IAM's quotas (users, groups and roles per account, 10 groups per user,
10 managed policies per user, group and role, 1,500 customer policies, 5 versions).
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts import ids, quotas, seeds, services, validators
from accounts.models import (Account, Group, GroupMembership, Role, User, VirtualMFADevice, iam_login_key,
                             root_login_key)
from iamportal.errors import IAMError
from policies.models import InlinePolicy, ManagedPolicy, PermissionsBoundary, PolicyAttachment, PolicyVersion
from policies.services import ATTACHED_POLICIES, POLICIES_PER_ACCOUNT, VERSIONS_PER_POLICY

ADMIN, READER, ADMINS_GROUP = "admin", "reader", "Admins"
ADMIN_POLICY, READER_POLICY = "AdministratorAccess", "IAMReadOnlyAccess"
PER_ENTITY = ATTACHED_POLICIES["user"][1]  # 10 managed policies per user, group and role
SMALL = {"users": 10, "groups": 3, "policies": 5, "roles": 2}  # each --accounts account
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "dynamodb:GetItem", "dynamodb:Query",
            "sqs:SendMessage", "sns:Publish", "logs:PutLogEvents", "ec2:Describe*", "iam:Get*"]


@dataclass(frozen=True)
class Sizes:
    users: int
    groups: int
    policies: int
    roles: int


def document(rng: random.Random, i: int, statements: int = 2) -> str:
    """A small valid identity policy, different for each ``i``."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}x{s}", "Effect": "Allow", "Action": rng.sample(_ACTIONS, 2),
         "Resource": f"arn:aws:s3:::bucket-{i:05d}-{s}/*"}
        for s in range(statements)
    ]})


def _spread(rng: random.Random, now, days: int):
    return now - timedelta(seconds=rng.randrange(days * 86400))


def _check_sizes(sizes: Sizes) -> None:
    limits = [("users", sizes.users, 2, quotas.USERS_PER_ACCOUNT),
              ("groups", sizes.groups, 1, quotas.GROUPS_PER_ACCOUNT),
              ("policies", sizes.policies, 0, POLICIES_PER_ACCOUNT),
              ("roles", sizes.roles, 0, quotas.ROLES_PER_ACCOUNT)]
    for label, value, low, high in limits:
        if not low <= value <= high:
            raise CommandError(f"--{label} must be between {low} and {high} (IAM's quota), not {value}.")


def seed_account(*, alias: str, email: str, password_hash: str, sizes: Sizes, seed: int = 0) -> Account:
    """One account at ``sizes``: users (``sizes.users`` includes ``admin`` and ``reader``),
    groups (including ``Admins``), customer policies with versions, roles, memberships,
    attachments, inline policies, boundaries and MFA devices, all in bulk."""
    rng = random.Random(seed)
    now = timezone.now()
    account = Account.objects.create(alias=alias)
    User.objects.create(account=account, is_root=True, email=email, user_name="root",
                        login_key=root_login_key(email), password=password_hash, password_changed=now)

    names = [ADMIN, READER] + [f"user-{i:05d}" for i in range(sizes.users - 2)]
    users = User.objects.bulk_create(
        User(account=account, user_name=name, login_key=iam_login_key(account.account_id, name),
             unique_id=ids.unique_id("AIDA"), password=password_hash,
             password_changed=_spread(rng, now, 365) if i > 1 else now,
             created=_spread(rng, now, 900), last_login=_spread(rng, now, 90) if i % 3 else None,
             tags=[{"Key": "team", "Value": f"team-{i % 20}"}] if i % 4 == 0 else [])
        for i, name in enumerate(names))
    generated = users[2:]

    groups = Group.objects.bulk_create(
        Group(account=account, name=name, unique_id=ids.unique_id("AGPA"), created=_spread(rng, now, 900))
        for name in [ADMINS_GROUP] + [f"group-{i:03d}" for i in range(sizes.groups - 1)])
    admins, others = groups[0], groups[1:]

    policies = ManagedPolicy.objects.bulk_create(
        ManagedPolicy(account=account, name=f"Policy{i:04d}", policy_id=ids.unique_id("ANPA"),
                      description=f"Generated policy {i}", next_version=1 + 1 + i % VERSIONS_PER_POLICY,
                      created=_spread(rng, now, 900))
        for i in range(sizes.policies))
    PolicyVersion.objects.bulk_create(
        PolicyVersion(policy=policy, number=n, document=document(rng, i * 10 + n),
                      is_default=n == policy.next_version - 1)
        for i, policy in enumerate(policies) for n in range(1, policy.next_version))

    roles = Role.objects.bulk_create(
        Role(account=account, name=f"role-{i:04d}", unique_id=ids.unique_id("AROA"),
             trust_policy=LAMBDA_TRUST, description=f"Generated role {i}", created=_spread(rng, now, 900))
        for i in range(sizes.roles))

    GroupMembership.objects.bulk_create(
        [GroupMembership(group=admins, user=users[0])]
        + [GroupMembership(group=group, user=user) for user in generated
           for group in rng.sample(others, min(len(others), rng.randint(1, quotas.GROUPS_PER_USER)))])

    aws = {p.name: p for p in ManagedPolicy.objects.aws_managed().filter(name__in=[ADMIN_POLICY, READER_POLICY])}
    if len(aws) < 2:
        raise CommandError("The AWS managed policies are missing: run manage.py syncmanagedpolicies.")

    def attached(owner_field: str, owners) -> list[PolicyAttachment]:
        count = min(PER_ENTITY, len(policies))
        return [PolicyAttachment(account=account, policy=policy, **{owner_field: owner})
                for owner in owners for policy in rng.sample(policies, count)]

    PolicyAttachment.objects.bulk_create(
        [PolicyAttachment(account=account, policy=aws[ADMIN_POLICY], group=admins),
         PolicyAttachment(account=account, policy=aws[READER_POLICY], user=users[1])]
        + attached("user", generated) + attached("group", others)
        + attached("role", roles), batch_size=2000)
    InlinePolicy.objects.bulk_create(
        [InlinePolicy(user=user, name="Inline", document=document(rng, i, 1))
         for i, user in enumerate(generated) if i % 5 == 0]
        + [InlinePolicy(group=group, name="Inline", document=document(rng, i)) for i, group in enumerate(others)]
        + [InlinePolicy(role=role, name="Inline", document=document(rng, i)) for i, role in enumerate(roles)])
    if policies:
        PermissionsBoundary.objects.bulk_create(
            [PermissionsBoundary(account=account, policy=rng.choice(policies), user=user)
             for i, user in enumerate(generated) if i % 10 == 5]
            + [PermissionsBoundary(account=account, policy=rng.choice(policies), role=role)
               for i, role in enumerate(roles) if i % 10 == 5])
    VirtualMFADevice.objects.bulk_create(  # bulk_create skips save(): seal each seed here
        VirtualMFADevice(user=user, name=f"{user.user_name}-mfa", confirmed=True,
                         key=seeds.seal(secrets.token_bytes(20)))
        for i, user in enumerate(generated) if i % 10 == 9)
    return account


class Command(BaseCommand):
    help = (
        "Create one account at AWS's quota sizes (default 5,000 users, 300 groups, 1,500 customer "
        "policies with versions, 1,000 roles; 1-10 groups per user; 10 managed policies per user, "
        "group and role; inline policies; boundaries; MFA on 10%% of users), with the IAM users "
        "admin (group Admins, AdministratorAccess) and reader (IAMReadOnlyAccess), all with the "
        "password given. --users counts admin and reader. --accounts K adds K small accounts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--alias", required=True, help="the account alias (sign-in URL)")
        parser.add_argument("--users", type=int, default=quotas.USERS_PER_ACCOUNT)
        parser.add_argument("--groups", type=int, default=quotas.GROUPS_PER_ACCOUNT)
        parser.add_argument("--policies", type=int, default=POLICIES_PER_ACCOUNT)
        parser.add_argument("--roles", type=int, default=quotas.ROLES_PER_ACCOUNT)
        parser.add_argument("--password", required=True, help="the password of root, admin, reader and all")
        parser.add_argument("--email", help="the root user's email (default owner@<alias>.example)")
        parser.add_argument("--accounts", type=int, default=0, help="small accounts to add beside it")
        parser.add_argument("--seed", type=int, default=0, help="random seed (memberships, attachments)")

    def handle(self, *args, **options):
        alias = options["alias"]
        sizes = Sizes(options["users"], options["groups"], options["policies"], options["roles"])
        _check_sizes(sizes)
        if options["accounts"] < 0:
            raise CommandError("--accounts must be 0 or more.")
        email = options["email"] or f"owner@{alias}.example"
        smalls = [(f"{alias}-small-{k}", f"owner@{alias}-small-{k}.example") for k in range(options["accounts"])]
        try:
            for each_alias, _ in [(alias, email)] + smalls:
                validators.validate_alias(each_alias)
            services.check_console_password(options["password"])
        except IAMError as exc:
            raise CommandError(exc.message) from exc
        if Account.objects.filter(alias__in=[a for a, _ in [(alias, email)] + smalls]).exists():
            raise CommandError(f"The account alias {alias} (or one of its small accounts') is already taken.")
        emails = [email] + [e for _, e in smalls]
        taken = User.objects.filter(is_root=True).annotate(lower_email=Lower("email"))
        if taken.filter(lower_email__in=[e.lower() for e in emails]).exists():
            raise CommandError(f"An account with the email address {email} (or a small account's) already exists.")
        password_hash = make_password(options["password"])  # once, shared by every principal
        with transaction.atomic():
            account = seed_account(alias=alias, email=email, password_hash=password_hash, sizes=sizes,
                                   seed=options["seed"])
            for k, (small_alias, small_email) in enumerate(smalls):
                seed_account(alias=small_alias, email=small_email, password_hash=password_hash,
                             sizes=Sizes(**SMALL), seed=options["seed"] + 1 + k)
        self.stdout.write(self.style.SUCCESS(
            f"Account {account.account_id} ({alias}): {sizes.users} IAM users, {sizes.groups} groups, "
            f"{sizes.policies} customer policies, {sizes.roles} roles"
            + (f"; {len(smalls)} small accounts beside it" if smalls else "") + "."))
        self.stdout.write(f"Root user: {email}")
        self.stdout.write(f"IAM users ({ADMIN}, {READER}, user-00000, …): {services.iam_user_signin_url(account)}")
