"""accounts.service_credentials: the quota per user and service, the services IAM supports,
only a hash kept, and the credentials as dependents of a user (DeleteUser's DeleteConflict,
the console's delete removing them as iam:DeleteServiceSpecificCredential calls, test mode's
reset)."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client, override_settings

from accounts import service_credentials, services
from accounts.models import Account, ServiceSpecificCredential
from api import testmode
from iamportal.errors import DeleteConflict, InvalidInput, LimitExceeded, NotSupportedService
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

CODECOMMIT = "codecommit.amazonaws.com"


def create(user, service_name=CODECOMMIT, **kwargs):
    return service_credentials.create_service_specific_credential(user, service_name=service_name, **kwargs)


def test_two_per_service_and_only_a_hash_of_the_password_is_kept(alice):
    first, password = create(alice)
    second, _ = create(alice)
    assert (first.service_user_name, second.service_user_name) == (
        f"alice-at-{alice.account.account_id}", f"alice+1-at-{alice.account.account_id}")
    assert first.secret_hash == hashlib.sha256(password.encode()).hexdigest()
    with pytest.raises(LimitExceeded, match=r"^Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2$"):
        create(alice)
    create(alice, "cassandra.amazonaws.com")
    with pytest.raises(NotSupportedService):
        create(alice, "s3.amazonaws.com")
    with pytest.raises(InvalidInput):
        create(alice, CODECOMMIT, age_days=3)
    new_password = service_credentials.reset_service_specific_credential(first)
    first.refresh_from_db()
    assert new_password != password and first.secret_hash == hashlib.sha256(new_password.encode()).hexdigest()
    assert ServiceSpecificCredential.objects.filter(user=alice).count() == 3
    assert not ServiceSpecificCredential.objects.filter(secret_hash__contains=password[:12]).exists()


def test_they_block_delete_user_and_the_console_removes_them_as_implied_calls(alice):
    services.remove_console_access(alice)
    credential, _ = create(alice)
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must remove service specific credentials "
                                             r"first\.$"):
        services.delete_user(alice, remove_dependents=False)
    plan = services.delete_user_plan(alice)
    assert ("Service-specific credentials", [credential.service_user_name],
            ["iam:DeleteServiceSpecificCredential"]) in plan.summary
    authorised = []
    services.delete_user(alice, remove_dependents=True, authorize=authorised.extend)
    assert ("iam:DeleteServiceSpecificCredential", alice.arn, {}) in authorised
    assert not ServiceSpecificCredential.objects.exists()


def test_a_deny_on_deleteservicespecificcredential_refuses_the_consoles_user_delete(account, alice, bob):
    credential, _ = create(bob)
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:DeleteServiceSpecificCredential", "Resource": "*"})
    client = signed_in_client(alice)
    page = client.get("/iam/users/bob/delete/")
    assert "Service-specific credentials" in page.content.decode()
    response = csrf_post(client, "/iam/users/bob/delete/", {"confirmation": "bob"})
    assert response.status_code == 403 and "iam:DeleteServiceSpecificCredential" in response.content.decode()
    assert ServiceSpecificCredential.objects.filter(pk=credential.pk).exists()
    assert services.get_user(account, "bob")


@override_settings(IAMPORTAL_TEST_HOOKS=True)
def test_test_modes_reset_removes_them_and_leaves_other_accounts_alone(alice):
    testmode.ensure()
    tester = services.create_user(Account.objects.get(account_id=testmode.ACCOUNT_ID), user_name="tester")
    create(tester)
    mine, _ = create(alice)
    assert Client().post("/_test/reset").status_code == 200
    assert list(ServiceSpecificCredential.objects.all()) == [mine]
