"""``manage.py loaddemo``: the coffee-shop scenario, loaded once, printed with its credentials."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import access_keys, demo, services
from accounts.models import Account, Group, GroupMembership, User

pytestmark = pytest.mark.django_db


def _loaddemo() -> str:
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


def _snapshot():
    return (list(Account.objects.values_list("account_id", "alias")),
            list(User.objects.order_by("pk").values_list("login_key", "password", "unique_id")),
            list(Group.objects.order_by("pk").values_list("name", "unique_id")),
            sorted(GroupMembership.objects.values_list("group__name", "user__user_name")))


def test_it_loads_the_owner_alias_users_and_groups():
    _loaddemo()
    root = User.objects.get(is_root=True, email="owner@coffee-shop.example")
    account = root.account
    assert account.alias == "coffee-shop"
    assert root.check_password(demo.PASSWORD)
    users = User.objects.for_account(account)
    assert sorted(users.values_list("user_name", flat=True)) == ["admin", "dev", "li", "maria", "sam"]
    for user in users:
        assert user.has_console_access and user.check_password(demo.PASSWORD)
        assert not user.password_reset_required
    members = {g.name: sorted(g.members.values_list("user_name", flat=True))
               for g in Group.objects.filter(account=account)}
    assert members == {"Cashiers": ["li", "maria"], "Inventory-Specialists": ["sam"]}


def test_it_prints_what_it_created_the_sign_in_urls_and_the_credentials():
    out = _loaddemo()
    account = Account.objects.get(alias="coffee-shop")
    assert f"Loaded the coffee-shop demo into account {account.account_id}:" in out
    assert "created user group Inventory-Specialists" in out
    assert "created maria in Cashiers" in out
    assert "Root user (the owner): http://127.0.0.1:8000/signin/\n" in out
    assert "email owner@coffee-shop.example, password " + demo.PASSWORD in out
    assert "IAM users: http://127.0.0.1:8000/signin/coffee-shop/\n" in out
    assert "user names maria, li, sam, admin, dev, password " + demo.PASSWORD in out


def test_it_gives_admin_an_access_key_and_prints_it_every_time():
    out = _loaddemo()
    admin = User.objects.get(account__alias="coffee-shop", user_name="admin")
    key = admin.access_keys.get()
    secret = access_keys.secret_of(key)
    assert "created an access key for admin" in out
    assert f"AWS_ACCESS_KEY_ID={key.access_key_id} AWS_SECRET_ACCESS_KEY={secret}" in out
    assert "aws --endpoint-url http://127.0.0.1:8000 iam list-users" in out
    again = _loaddemo()
    assert admin.access_keys.count() == 1
    assert f"AWS_ACCESS_KEY_ID={key.access_key_id} AWS_SECRET_ACCESS_KEY={secret}" in again


def test_running_it_twice_changes_nothing_and_says_so():
    _loaddemo()
    before = _snapshot()
    out = _loaddemo()
    assert _snapshot() == before
    assert "already loaded" in out and "nothing changed" in out
    assert "created" not in out
    assert "http://127.0.0.1:8000/signin/coffee-shop/" in out  # the credentials are printed again


def test_a_second_run_puts_back_what_was_removed_and_only_that():
    result = demo.load_demo()
    account = result.account
    services.remove_user_from_group(services.get_group(account, "Cashiers"), services.get_user(account, "li"))
    services.delete_group(services.get_group(account, "Inventory-Specialists"), remove_dependents=True)
    again = demo.load_demo()
    assert again.created == ["li in Cashiers", "user group Inventory-Specialists", "sam in Inventory-Specialists",
                             "InventoryStockManagement attached to Inventory-Specialists"]
    assert Account.objects.count() == 1


def test_it_leaves_other_accounts_alone(root, alice):
    _loaddemo()
    assert Account.objects.count() == 2
    assert root.account.alias is None
    assert list(User.objects.for_account(root.account).values_list("user_name", flat=True)) == ["alice"]


def test_it_fails_clearly_when_another_account_holds_the_alias(root):
    services.set_account_alias(root.account, "coffee-shop")
    with pytest.raises(CommandError, match="The account alias coffee-shop already exists."):
        _loaddemo()
    assert not User.objects.filter(email="owner@coffee-shop.example").exists()  # all or nothing


def test_the_printed_credentials_work_at_the_printed_urls():
    _loaddemo()
    owner = Client().post("/signin/", {"email": demo.ROOT_EMAIL, "password": demo.PASSWORD})
    assert owner.status_code == 302 and owner["Location"] == "/console/home/"
    for name in demo.USERS:
        response = Client().post("/signin/coffee-shop/", {"user_name": name, "password": demo.PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/console/home/", name


def test_the_help_explains_the_group_name_without_a_space():
    from accounts.management.commands.loaddemo import Command

    assert "\"Inventory Specialists\" becomes Inventory-Specialists" in Command.help


def test_later_features_add_steps_to_the_scenario(monkeypatch):
    def add_receipts_note(result):
        result.created.append("receipts bucket policy")

    monkeypatch.setattr(demo, "STEPS", [*demo.STEPS, add_receipts_note])
    assert demo.load_demo().created[-1] == "receipts bucket policy"



def test_it_loads_the_coffee_shop_policies_and_they_decide_as_the_seed_says():
    from policies.engine import Request, evaluate
    from policies.loading import load_policy_set
    from accounts.identity import Identity

    _loaddemo()
    account = Account.objects.get(alias="coffee-shop")

    def decide(user_name, action, resource):
        user = services.get_user(account, user_name)
        identity = Identity(user=user, account=account, arn=user.arn, principal_type="User",
                            context={"aws:username": user_name})
        policy_set = load_policy_set(identity)
        return evaluate(Request(action=action, resource=resource, principal=user.arn,
                                context={"aws:username": user_name}),
                        identity=policy_set.identity, boundary=policy_set.boundary).decision

    assert decide("li", "s3:ListBucket", "arn:aws:s3:::receipts-bucket") == "allowed"
    assert decide("li", "s3:GetObject", "arn:aws:s3:::receipts-bucket/2026/01.csv") == "implicitDeny"
    assert decide("sam", "s3:PutObject", "arn:aws:s3:::inventory/beans.csv") == "allowed"
    assert decide("sam", "s3:ListBucket", "arn:aws:s3:::receipts-bucket") == "implicitDeny"
    assert decide("admin", "iam:CreateUser", account.arn("user/newbie")) == "allowed"
    assert decide("dev", "ec2:RunInstances", "arn:aws:ec2:us-east-1:%s:instance/*" % account.account_id) == "allowed"
    assert decide("dev", "s3:ListBucket", "arn:aws:s3:::receipts-bucket") == "implicitDeny"
    assert decide("dev", "iam:CreateUser", account.arn("user/newbie")) == "implicitDeny"


def test_the_demo_administrator_can_use_the_console_and_the_developer_cannot():
    _loaddemo()
    admin, dev = Client(), Client()
    admin.post("/signin/coffee-shop/", {"user_name": "admin", "password": demo.PASSWORD})
    dev.post("/signin/coffee-shop/", {"user_name": "dev", "password": demo.PASSWORD})
    assert admin.get("/iam/users/").status_code == 200
    denied = dev.get("/iam/users/")
    assert denied.status_code == 403
    assert "because no identity-based policy allows the iam:ListUsers action" in denied.content.decode()
