"""Concurrent uploads keep IAM's rules: the same signing certificate for several users of an
account, keys beyond a user's quota, server certificates beyond the account's, one OIDC URL
twice — exactly one wins, the others get IAM's error. SQLite serialises writers, so the races
need PostgreSQL (CI runs both):

    DATABASE_URL=postgres://iamportal:iamportal@127.0.0.1:5432/iamportal \\
        .venv/bin/python -m pytest tests/accounts/test_certificates_races.py
"""

from __future__ import annotations

import pytest
from django.db import connection

from accounts import certificates, federation, quotas, services
from accounts.models import OpenIDConnectProvider, ServerCertificate, SigningCertificate, SSHPublicKey, User

from . import pem
from .test_password_policy_races import RACERS, race

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="races need concurrent writers: run with DATABASE_URL=postgres://… (CI does)"),
    pytest.mark.django_db(transaction=True),
]


def test_one_certificate_for_several_users_at_once_is_uploaded_once(account):
    users = [services.create_user(account, user_name=f"u{n}") for n in range(RACERS)]
    body = pem.self_signed("shared-race")

    def upload(index: int) -> None:
        certificates.upload_signing_certificate(User.objects.get(pk=users[index].pk), certificate_body=body)

    outcomes = race(upload)
    assert outcomes.count("ok") == 1, outcomes
    assert SigningCertificate.objects.count() == 1


def test_a_users_last_ssh_key_slot_is_taken_once(alice):
    for n in range(quotas.SSH_PUBLIC_KEYS_PER_USER - 1):
        certificates.upload_ssh_public_key(alice, body=pem.ssh_rsa(f"race-{n}"))
    bodies = [pem.ssh_rsa(f"racer-{n}") for n in range(RACERS)]

    def upload(index: int) -> None:
        certificates.upload_ssh_public_key(User.objects.get(pk=alice.pk), body=bodies[index])

    outcomes = race(upload)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} == {"Cannot exceed quota for SSHPublicKeysPerUser: 5"}
    assert SSHPublicKey.objects.filter(user=alice).count() == quotas.SSH_PUBLIC_KEYS_PER_USER


def test_the_accounts_last_server_certificate_slot_is_taken_once(account):
    bundle = pem.server_bundle()
    for n in range(quotas.SERVER_CERTIFICATES_PER_ACCOUNT - 1):
        certificates.upload_server_certificate(account, name=f"cert-{n}", certificate_body=bundle["body"],
                                               private_key=bundle["key"])

    def upload(index: int) -> None:
        certificates.upload_server_certificate(account, name=f"racer-{index}", certificate_body=bundle["body"],
                                               private_key=bundle["key"])

    outcomes = race(upload)
    assert outcomes.count("ok") == 1, outcomes
    assert ServerCertificate.objects.filter(account=account).count() == quotas.SERVER_CERTIFICATES_PER_ACCOUNT


def test_one_oidc_url_created_at_once_exists_once(account):
    def create(_index: int) -> None:
        federation.create_open_id_connect_provider(account, url="https://race.example.com")

    outcomes = race(create)
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} == {"Provider with url https://race.example.com already exists."}
    assert OpenIDConnectProvider.objects.count() == 1
