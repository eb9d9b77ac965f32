"""Buttons ask about a tagged entity with its tags, as the page they lead to does: a caller
allowed iam:DeleteRole only on roles tagged env=dev sees Delete enabled on such a role and
greyed on another, and the delete page agrees."""

from __future__ import annotations

import json

import pytest

from accounts import roles
from accounts.views.bulk import READS
from tests.conftest import grant

pytestmark = pytest.mark.django_db

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def delete_button(page: str) -> str:
    start = page.index("<h1")
    return page[start:page.index("</div>", start)]


def test_the_delete_button_follows_the_roles_tags(alice, alice_client, account):
    roles.create_role(account, name="DevBox", trust_policy=TRUST, tags=[("env", "dev")])
    roles.create_role(account, name="ProdBox", trust_policy=TRUST, tags=[("env", "prod")])
    grant(alice, {"Effect": "Allow", "Action": READS["Role"], "Resource": "*"},  # the delete page's reads
          {"Effect": "Allow", "Action": "iam:DeleteRole", "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}})
    dev = alice_client.get("/iam/roles/DevBox/").content.decode()
    prod = alice_client.get("/iam/roles/ProdBox/").content.decode()
    assert 'href="/iam/roles/DevBox/delete/"' in delete_button(dev) and "disabled" not in delete_button(dev)
    assert "disabled" in delete_button(prod) and "iam:DeleteRole" in delete_button(prod)
    assert alice_client.get("/iam/roles/DevBox/delete/").status_code == 200
    assert alice_client.get("/iam/roles/ProdBox/delete/").status_code == 403
