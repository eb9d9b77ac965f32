"""A class of 50 behind one address (one NAT, or the proxy when IAMPORTAL_TRUSTED_PROXIES is
not set) signs up within the hour with the default settings, a couple of retries included."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.accounts.test_signup import sign_up

pytestmark = pytest.mark.django_db


def test_fifty_trainees_behind_one_address_all_sign_up():
    for index in range(50):
        response = sign_up(f"trainee{index:02d}@class.example", address="198.51.100.1")
        assert response.status_code == 302, f"trainee {index}: {response.status_code}"
    assert User.objects.filter(is_root=True, email__endswith="@class.example").count() == 50
