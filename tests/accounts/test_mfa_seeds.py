"""MFA seeds are sealed at rest: the database never holds a readable TOTP secret."""

from __future__ import annotations

from base64 import b32encode
from binascii import hexlify, unhexlify
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import seeds
from accounts.models import VirtualMFADevice
from tests.accounts.test_mfa_helpers import (
    T,
    at_step,
    clock,
    code,
    enrol,
    own_urls,
    password_step,
    sign_in_with_mfa,
)
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

OLD_KEY = "an-earlier-secret-key-that-was-rotated-away-0123456789"


def stored_key(device) -> str:
    """The ``key`` column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key FROM {TOTPDevice._meta.db_table} WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


def test_an_enrolled_seed_is_not_readable_in_the_database_and_still_signs_in(root_client, root):
    device = enrol(root_client, own_urls(), root)
    seed = device.bin_key
    column = stored_key(device)
    assert column.startswith(seeds.PREFIX) and len(column) <= 80
    assert hexlify(seed).decode() not in column.lower()
    assert b32encode(seed).decode().rstrip("=") not in column.upper()
    sign_in_with_mfa(root, VirtualMFADevice.objects.get(pk=device.pk), T + 2)
    assert stored_key(device).startswith(seeds.PREFIX)


def test_the_largest_seed_django_otp_allows_fits_its_column():
    assert len(seeds.seal(bytes(range(40)))) <= 80


def test_the_migration_seals_seeds_stored_in_plain_hex(root):
    plain = TOTPDevice.objects.create(user=root, name="legacy", confirmed=True)  # django-otp's own save: hex
    seed = unhexlify(plain.key)
    migration = import_module("accounts.migrations.0003_throttle_prune_and_sealed_mfa_seeds")
    migration.seal_seeds(apps, None)
    column = stored_key(plain)
    assert column.startswith(seeds.PREFIX) and plain.key not in column
    assert VirtualMFADevice.objects.get(pk=plain.pk).bin_key == seed
    migration.unseal_seeds(apps, None)
    assert stored_key(plain) == plain.key


def test_a_seed_sealed_with_a_fallback_key_opens_and_is_sealed_again_with_the_current_key(root, settings):
    current = settings.SECRET_KEY
    settings.SECRET_KEY = OLD_KEY
    device = VirtualMFADevice.objects.create(user=root, name="phone", confirmed=True)
    seed, sealed_before = device.bin_key, stored_key(device)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = current, [OLD_KEY]
    device = VirtualMFADevice.objects.get(pk=device.pk)
    assert device.bin_key == seed
    device.save(update_fields=["last_t"])
    assert stored_key(device) != sealed_before
    settings.SECRET_KEY_FALLBACKS = []
    assert VirtualMFADevice.objects.get(pk=device.pk).bin_key == seed


def test_without_the_old_key_a_seed_cannot_be_opened(root, settings):
    current = settings.SECRET_KEY
    settings.SECRET_KEY = OLD_KEY
    device = VirtualMFADevice.objects.create(user=root, name="phone", confirmed=True)
    settings.SECRET_KEY = current
    with pytest.raises(seeds.SeedUnreadable, match="IAMPORTAL_SECRET_KEY_FALLBACKS"):
        VirtualMFADevice.objects.get(pk=device.pk).bin_key


def test_a_code_for_a_seed_no_key_opens_is_refused_not_a_server_error(root, settings, caplog):
    current = settings.SECRET_KEY
    settings.SECRET_KEY = OLD_KEY
    device = VirtualMFADevice.objects.create(user=root, name="phone", confirmed=True)
    right_code = code(device, T)
    settings.SECRET_KEY = current
    client, _ = password_step(root)
    with clock(at_step(T)):
        response = csrf_post(client, "/mfa/challenge/", {"device": "phone", "code": right_code})
    assert response.status_code == 401
    assert "IAMPORTAL_SECRET_KEY_FALLBACKS" in caplog.text
