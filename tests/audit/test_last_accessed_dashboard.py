"""The dashboard's security recommendations from usage: unused credentials (90 days), IAM
users without MFA, root user activity in the last 30 days; bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import access_keys, services
from accounts.models import AccessKey, User
from audit import last_accessed
from audit.last_accessed import ServiceAccess
from tests.conftest import USER_PASSWORD


@pytest.fixture(autouse=True)
def _fresh_writes():
    last_accessed.forget_writes()
    yield
    last_accessed.forget_writes()


def _text(client) -> str:
    response = client.get("/iam/")
    assert response.status_code == 200
    return response.content.decode()


def test_unused_credentials_and_users_without_mfa(root_client, account):
    old = timezone.now() - timedelta(days=120)
    fresh = services.create_user(account, user_name="fresh", console_password=USER_PASSWORD)
    stale = services.create_user(account, user_name="stale", console_password=USER_PASSWORD)
    User.objects.filter(pk=stale.pk).update(created=old, password_changed=old)
    keyed = services.create_user(account, user_name="keyed")  # no password: MFA is not asked
    key, _ = access_keys.create_access_key(keyed)
    AccessKey.objects.filter(pk=key.pk).update(created=old, last_used=old)
    recent_key, _ = access_keys.create_access_key(fresh)
    AccessKey.objects.filter(pk=recent_key.pk).update(created=old, last_used=timezone.now())
    text = _text(root_client)
    assert "Remove unused credentials" in text
    assert "2 IAM users have a password or an active access key not used for more than 90 days." in text
    assert 'href="/iam/credential-report/">Credential report</a>' in text
    assert "Add MFA for IAM users" in text and "2 IAM users have a console password and no MFA device." in text

    AccessKey.objects.filter(pk=key.pk).update(status=AccessKey.INACTIVE)
    User.objects.filter(pk=stale.pk).update(last_login=timezone.now())
    text = _text(root_client)
    assert "No unused credentials" in text


def test_root_activity_in_the_last_30_days(client, root, account):
    from tests.conftest import signed_in_client

    ServiceAccess.objects.create(account=account, key="old", principal_arn=account.root_arn, service="iam",
                                 action="iam:ListUsers", resource="*",
                                 last_authenticated=timezone.now() - timedelta(days=40))
    root_user = User.objects.annotate(last=last_accessed.root_activity(account)).get(pk=root.pk)
    assert root_user.last is None
    root_client = signed_in_client(root)
    root_client.get("/iam/users/")  # the root user at work
    text = _text(root_client)
    assert "Root user activity in the last 30 days" in text
    assert "The root user was last active on" in text


def test_dashboard_queries_stay_bounded(root_client, account, django_assert_max_num_queries):
    for index in range(60):
        user = services.create_user(account, user_name=f"u{index}", console_password=USER_PASSWORD)
        access_keys.create_access_key(user)
    root_client.get("/iam/")
    with django_assert_max_num_queries(10):
        root_client.get("/iam/")
