"""The seed's day at the coffee shop, on the demo data: the employee assumes Cashier (cash
register yes, inventory no), then Inventory (the reverse), then switches back."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import demo
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

CASH = "arn:aws:s3:::cash-register/receipts-2026-11-29.csv"
STOCK = "arn:aws:s3:::inventory/stock.csv"


def sign_in(name: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get("/signin/coffee-shop/")
    response = csrf_post(client, "/signin/coffee-shop/", {"user_name": name, "password": demo.PASSWORD})
    assert response.status_code == 302
    return client


def tried(client, resource, action="s3:GetObject") -> str:
    return client.get(f"/switchrole?action={action}&resource={resource}").content.decode()


def test_the_employees_day(db):
    result = demo.load_demo()
    account_id = result.account.account_id
    assert "role Cashier" in result.created and "role Inventory" in result.created
    maria = sign_in(demo.EMPLOYEE)

    cashier = csrf_post(maria, "/switchrole", {"account": "coffee-shop", "role_name": "Cashier",
                                               "colour": "B7CA9D"})
    assert cashier.status_code == 302
    page = tried(maria, CASH)
    assert 'class="role-badge colour-B7CA9D"' in page and "Cashier @ coffee-shop" in page
    assert "<strong>Allowed</strong>: s3:GetObject on " + CASH in page
    denied = tried(maria, STOCK)
    assert (f"User: arn:aws:sts::{account_id}:assumed-role/Cashier/maria is not authorized to perform: "
            f"s3:GetObject on resource: {STOCK} because no identity-based policy allows the s3:GetObject action"
            ) in denied

    inventory = csrf_post(maria, "/switchrole", {"account": "coffee-shop", "role_name": "Inventory",
                                                 "colour": "FAD791"})
    assert inventory.status_code == 302
    page = tried(maria, STOCK, action="s3:PutObject")
    assert 'class="role-badge colour-FAD791"' in page and "Inventory @ coffee-shop" in page
    assert "<strong>Allowed</strong>: s3:PutObject on " + STOCK in page
    assert (f"User: arn:aws:sts::{account_id}:assumed-role/Inventory/maria is not authorized to perform: "
            f"s3:GetObject on resource: {CASH}") in tried(maria, CASH)
    history = maria.session["iam_role_history"]
    assert [entry["role_name"] for entry in history] == ["Inventory", "Cashier"]

    assert csrf_post(maria, "/switchrole/back").status_code == 302
    assert maria.get("/switchrole").context["iam"].arn == f"arn:aws:iam::{account_id}:user/maria"


def test_other_staff_may_not_switch_to_the_workstation_roles(db):
    result = demo.load_demo()
    li = sign_in("li")
    response = csrf_post(li, "/switchrole", {"account": "coffee-shop", "role_name": "Cashier"})
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{result.account.account_id}:user/li is not authorized to perform: "
            f"sts:AssumeRole on resource: arn:aws:iam::{result.account.account_id}:role/Cashier"
            ) in response.content.decode()


def test_loading_the_demo_twice_leaves_the_roles_alone(db):
    demo.load_demo()
    again = demo.load_demo()
    assert not any("role" in line for line in again.created)
