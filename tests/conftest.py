"""The fixed cast of the suite (STYLE.md P25).

- ``root``: the root user of account A (password ``ROOT_PASSWORD``).
- ``alice``, ``bob``: IAM users of account A (password ``USER_PASSWORD``), no policies
  unless a test grants them some.
- ``mallory``: the root user of another account, B.
Clients: ``root_client``, ``alice_client``, ``bob_client``, ``mallory_client`` are signed in
through the real sign-in pages and enforce CSRF checks.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import services

ROOT_PASSWORD = "Coffee-Shop-Owner-2026!"
USER_PASSWORD = "Barista-Latte-2026!"


@pytest.fixture
def root(db):
    return services.sign_up(email="owner@coffee.example", password=ROOT_PASSWORD)


@pytest.fixture
def account(root):
    return root.account


@pytest.fixture
def alice(account):
    return services.create_user(account, user_name="alice", console_password=USER_PASSWORD)


@pytest.fixture
def bob(account):
    return services.create_user(account, user_name="bob", console_password=USER_PASSWORD)


@pytest.fixture
def mallory(db):
    return services.sign_up(email="mallory@elsewhere.example", password=ROOT_PASSWORD)


def signed_in_client(user) -> Client:
    """A CSRF-enforcing client signed in through the real sign-in form."""
    client = Client(enforce_csrf_checks=True)
    if user.is_root:
        page = client.get("/signin/")
        data = {"email": user.email, "password": ROOT_PASSWORD}
        url = "/signin/"
    else:
        url = f"/signin/{user.account.account_id}/"
        page = client.get(url)
        data = {"user_name": user.user_name, "password": USER_PASSWORD}
    data["csrfmiddlewaretoken"] = page.cookies["csrftoken"].value if "csrftoken" in page.cookies \
        else client.cookies["csrftoken"].value
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    return client


def csrf_post(client: Client, url: str, data: dict | None = None, **kwargs):
    """POST with the CSRF token the client's cookie carries, as a browser form would."""
    data = dict(data or {})
    if "csrftoken" not in client.cookies:
        client.get("/signin/")
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    return client.post(url, data, **kwargs)


@pytest.fixture
def root_client(root):
    return signed_in_client(root)


@pytest.fixture
def alice_client(alice):
    return signed_in_client(alice)


@pytest.fixture
def bob_client(bob):
    return signed_in_client(bob)


@pytest.fixture
def mallory_client(mallory):
    return signed_in_client(mallory)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---------------------------------------------------------------------------
# Policies (policies app): grant permissions to a principal of the cast.

_grant_counter = iter(range(1, 10**9))


def grant(principal, *statements, name: str | None = None):
    """Give an IAM user the permissions of ``statements`` (dicts) as one inline policy.

    ``grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})``. Goes through
    ``policies.services.put_user_policy``, so the document is validated like any other.
    Returns the ``InlinePolicy``.
    """
    import json

    from policies import services as policy_services

    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
    return policy_services.put_user_policy(principal, name=name or f"grant-{next(_grant_counter)}",
                                           document=document)


def attach_aws_policy(principal, policy_name: str):
    """Attach the AWS managed policy ``policy_name`` to a user or group (loads the catalog first)."""
    from policies import managed, services as policy_services
    from policies.models import ManagedPolicy, PolicyVersion

    if not ManagedPolicy.objects.aws_managed().filter(name=policy_name).exists():
        managed.sync(ManagedPolicy, PolicyVersion, names=[policy_name])
    return policy_services.attach_policy(principal, policy_arn=f"arn:aws:iam::aws:policy/{policy_name}")


@pytest.fixture
def aws_managed_policies(db):
    """The AWS managed policies the tests name (``managed.CORE``, read from the catalogue),
    present even after a test that flushed the database (which keeps only those)."""
    from policies import managed
    from policies.models import ManagedPolicy, PolicyVersion

    managed.sync(ManagedPolicy, PolicyVersion, names=managed.CORE)
    return ManagedPolicy.objects.aws_managed()
