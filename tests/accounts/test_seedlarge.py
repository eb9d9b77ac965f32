"""manage.py seedlarge: one large account in bulk, with admin and reader who can sign in."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import seeds
from accounts.models import Account, Group, GroupMembership, Role, User
from policies.models import InlinePolicy, ManagedPolicy, PolicyAttachment, PolicyVersion

pytestmark = pytest.mark.django_db

PASSWORD = "Bench-Password-2026!"


def seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seedlarge", "--alias", "big", "--users", "40", "--groups", "6", "--policies", "15",
                 "--roles", "5", "--password", PASSWORD, *extra, stdout=out)
    return out.getvalue()


def signed_in(name: str) -> Client:
    client = Client()
    response = client.post("/signin/big/", {"user_name": name, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_it_creates_the_sizes_asked_for_within_iams_quotas(aws_managed_policies):
    out = seed()
    account = Account.objects.get(alias="big")
    assert f"Account {account.account_id} (big): 40 IAM users" in out
    assert User.objects.for_account(account).count() == 40
    assert User.objects.get(account=account, is_root=True).email == "owner@big.example"
    assert Group.objects.filter(account=account).count() == 6
    assert Role.objects.filter(account=account).count() == 5
    policies = ManagedPolicy.objects.for_account(account)
    assert policies.count() == 15
    assert all(1 <= p.versions.count() <= 5 for p in policies)
    assert PolicyVersion.objects.filter(policy__account=account, is_default=True).count() == 15
    per_user = GroupMembership.objects.filter(user__account=account).values("user").annotate(n=Count("pk"))
    assert all(1 <= row["n"] <= 10 for row in per_user)
    for owner in ("user", "group", "role"):
        counts = PolicyAttachment.objects.filter(account=account, **{f"{owner}__isnull": False}) \
            .values(owner).annotate(n=Count("pk"))
        assert counts and all(row["n"] <= 10 for row in counts)
    assert InlinePolicy.objects.filter(role__account=account).count() == 5
    devices = TOTPDevice.objects.filter(user__account=account, confirmed=True)
    assert devices.count() == 3  # 10 %
    assert all(seeds.sealed_with_current_key(d.key) and len(seeds.unseal(d.key)) == 20 for d in devices)
    user = User.objects.get(account=account, user_name="user-00000")
    assert user.unique_id.startswith("AIDA") and len(user.unique_id) == 21
    assert user.arn == f"arn:aws:iam::{account.account_id}:user/user-00000"


def test_the_password_is_hashed_once_for_every_principal(aws_managed_policies):
    seed("--accounts", "2")
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert Account.objects.filter(alias__startswith="big-small-").count() == 2


def test_it_writes_in_bulk_not_a_query_per_row(aws_managed_policies):
    with CaptureQueriesContext(connection) as queries:
        call_command("seedlarge", "--alias", "big", "--users", "400", "--groups", "30", "--policies", "60",
                     "--roles", "20", "--password", PASSWORD, stdout=io.StringIO())
    assert User.objects.count() == 401
    assert len(queries) < 100  # 400 users, ~2,200 memberships, ~4,700 attachments


def test_admin_signs_in_and_opens_pages_and_reader_only_reads(aws_managed_policies):
    seed()
    admin = signed_in("admin")
    for url in ("/iam/users/", "/iam/users/user-00000/", "/iam/groups/", "/iam/policies/"):
        assert admin.get(url).status_code == 200, url
    reader = signed_in("reader")
    assert reader.get("/iam/users/").status_code == 200
    page = reader.get("/iam/users/create/")
    assert page.status_code == 403
    assert "is not authorized to perform: iam:CreateUser" in page.content.decode()
    root = Client()
    assert root.post("/signin/", {"email": "owner@big.example", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("args, message", [
    (["--users", "5001"], "--users must be between 2 and 5000"),
    (["--groups", "301"], "--groups must be between 1 and 300"),
    (["--password", "short"], "password is too short"),
])
def test_sizes_over_iams_quotas_and_weak_passwords_are_refused(aws_managed_policies, args, message):
    base = {"--alias": "big", "--password": PASSWORD}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    with pytest.raises(CommandError, match=message):
        call_command("seedlarge", *[x for pair in base.items() for x in pair], stdout=io.StringIO())
    assert not Account.objects.filter(alias="big").exists()


def test_a_taken_alias_is_refused_and_nothing_is_written(aws_managed_policies):
    seed()
    users = User.objects.count()
    with pytest.raises(CommandError, match="already taken"):
        seed()
    assert User.objects.count() == users
