"""Review 3 (issue #14): an invitation by email says whether a root user has that address (and
which account it is), so, like CreateAccount, such invitations count against the organization's
daily budget — before, any account could create an organization and probe emails without bound
(console and Query API alike).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts import access_keys
from organizations import services as org_services
from organizations.models import Handshake
from tests.api.helpers import signed_post
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

BUDGET = 2
LIMITED = "You attempted to exceed the number of handshakes that you can send in one day."
NOT_FOUND = "AccountNotFoundException"


@pytest.fixture
def org(account, settings):
    settings.IAMPORTAL_ORG_ACCOUNTS_PER_DAY = BUDGET
    return org_services.create_organization(account)


def test_console_invitations_by_email_are_bounded_per_day(org, root_client, mallory):
    for n in range(BUDGET):
        page = csrf_post(root_client, "/organizations/accounts/invite/", {"target": f"nobody{n}@x.example"})
        assert page.status_code < 500 and LIMITED not in page.content.decode()
    # Past the budget the answer is the same whether or not the email has an account.
    for target in ("nobody-else@x.example", mallory.email):
        page = csrf_post(root_client, "/organizations/accounts/invite/", {"target": target})
        assert page.status_code < 500
        assert LIMITED in page.content.decode()
    assert not Handshake.objects.exists()
    # An invitation by account id is not a lookup of an email: it still works.
    response = csrf_post(root_client, "/organizations/accounts/invite/", {"target": mallory.account.account_id})
    assert response.status_code == 302 and Handshake.objects.count() == 1


def test_api_invitations_by_email_are_bounded_per_day(org, root, mallory):
    key, secret = access_keys.create_access_key(root)
    client = Client()

    def invite(email):
        body = json.dumps({"Target": {"Type": "EMAIL", "Id": email}})
        response = signed_post(client, (key.access_key_id, secret), body, service="organizations",
                               content_type="application/x-amz-json-1.1",
                               extra_headers={"X-Amz-Target": "AWSOrganizationsV20161128.InviteAccountToOrganization"})
        return response.status_code, json.loads(response.content)

    for n in range(BUDGET):
        assert invite(f"nobody{n}@x.example")[1]["__type"] == NOT_FOUND
    for email in ("nobody-else@x.example", mallory.email):
        status, body = invite(email)
        assert (status, body["__type"], body.get("Reason")) == (
            400, "HandshakeConstraintViolationException", "HANDSHAKE_RATE_LIMIT_EXCEEDED")
    assert not Handshake.objects.exists()


def test_console_create_account_with_an_email_in_use_counts_too(org, root_client, mallory, aws_managed_policies):
    """CreateAccount's own budget was meant to count an email in use: the console form rolled
    the count back with the failed call, so the console probed emails without bound."""
    data = {"name": "Probe", "email": mallory.email, "parent_id": org.root_id}
    for _ in range(BUDGET):
        page = csrf_post(root_client, "/organizations/accounts/create/", data)
        assert page.status_code < 500 and "already exists" in page.content.decode()
    page = csrf_post(root_client, "/organizations/accounts/create/", data)
    assert "You attempted to exceed the number of accounts that you can create in one day." in page.content.decode()


def test_start_a_class_with_an_email_in_use_counts_too(root, root_client, mallory, aws_managed_policies, settings):
    """Start a class rolls every account of the class back when one email is in use: the
    CreateAccount counts went with them, so a class form probed emails without bound."""
    settings.IAMPORTAL_ORG_ACCOUNTS_PER_DAY = 3
    data = {"name": "Probe", "labs": ["secure-the-root-user"], "source": "list",
            "trainees_text": f"Ada, ada@class.example\nProbe, {mallory.email}"}
    page = csrf_post(root_client, "/labs/classes/create/", data)
    assert page.status_code == 200 and "already exists" in page.content.decode()
    page = csrf_post(root_client, "/labs/classes/create/", data)
    assert "You attempted to exceed the number of accounts that you can create in one day." in page.content.decode()


def test_a_new_organization_does_not_renew_the_budget(org, root_client, account):
    """The budget was the organization's: deleting it and creating another (an empty organization
    is one click) gave a fresh one, so emails could be probed without bound after all."""
    for n in range(BUDGET):
        csrf_post(root_client, "/organizations/accounts/invite/", {"target": f"nobody{n}@x.example"})
    org_services.delete_organization(org)
    org_services.create_organization(account)
    page = csrf_post(root_client, "/organizations/accounts/invite/", {"target": "again@x.example"})
    assert LIMITED in page.content.decode()
