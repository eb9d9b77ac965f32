"""Review 3 (issue #14): a trainee in a member account trying to get out from under its SCPs."""

from __future__ import annotations

import json
import time
from unittest import mock

import pytest

from accounts import role_sessions, service_linked_roles
from accounts import services as accounts_services
from labs import classes
from tests.conftest import USER_PASSWORD, csrf_post, grant, signed_in_client

from .helpers import join_under_scp

pytestmark = pytest.mark.django_db

T0 = float(int(time.time()))


def document(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def member(account, mallory):
    org, policy = join_under_scp(account, mallory.account, "NoUsers",
                                 {"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"})
    return mallory.account


def switch(client, account_id, role_name, path=""):
    with mock.patch.object(role_sessions, "now", return_value=T0):
        return csrf_post(client, "/switchrole", {"account": account_id, "role_name": role_name})


def test_a_service_linked_role_cannot_be_switched_into_to_shed_the_scps(member):
    dev = accounts_services.create_user(member, user_name="dev", console_password=USER_PASSWORD)
    grant(dev, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    role = service_linked_roles.create_service_linked_role(member, service="ecs.amazonaws.com")
    client = signed_in_client(dev)
    response = switch(client, member.account_id, f"aws-service-role/ecs.amazonaws.com/{role.name}")
    assert response.status_code != 302
    assert client.get("/iam/users/").status_code == 403


NEW_PASSWORD = "Trainee-Chosen-2026!"


def signed_in_trainee(credential):
    from django.test import Client
    client = Client(enforce_csrf_checks=True)
    response = csrf_post(client, "/signin/", {"email": credential.email, "password": credential.password})
    assert response["Location"] == "/password/change/"
    response = csrf_post(client, "/password/change/", {
        "old_password": credential.password, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


@pytest.fixture
def a_class(root, aws_managed_policies):
    return classes.start_class(root.account, name="Monday", lab_slugs=["secure-the-root-user"],
                               trainees=classes.parse_trainee_lines("Ada, ada@class.example\nAlan, alan@class.example"),
                               started_by=root.account.root_arn)


def test_an_ended_class_signs_out_the_trainee_and_its_iam_users(a_class):
    classroom, credentials = a_class
    trainee = signed_in_trainee(credentials[0])
    account = classroom.trainees.get(position=0).member.account
    helper = accounts_services.create_user(account, user_name="helper", console_password=USER_PASSWORD)
    grant(helper, {"Effect": "Allow", "Action": "*", "Resource": "*"})
    helper_client = signed_in_client(helper)
    assert trainee.get("/iam/users/").status_code == 200
    classes.end_class(classroom)
    for client in (trainee, helper_client):
        assert client.get("/iam/users/").status_code in (302, 403)
    assert csrf_post(trainee, "/iam/users/create/", {"user_name": "back"}).status_code in (302, 403)


def test_a_trainee_cannot_read_another_trainees_account_or_the_management_account(a_class, root):
    classroom, credentials = a_class
    trainee = signed_in_trainee(credentials[0])
    other = credentials[1].account_id
    mgmt = root.account.account_id
    for url in (f"/events/?account={other}", f"/events/?account={mgmt}",
                f"/organizations/accounts/{other}/", f"/organizations/accounts/{mgmt}/",
                "/organizations/accounts/", "/organizations/policies/"):
        page = trainee.get(url)
        body = page.content.decode()
        assert other not in body or page.status_code >= 300, url
    # Switch Role into the other trainee's access role is refused.
    response = switch(trainee, other, "OrganizationAccountAccessRole")
    assert response.status_code != 302 or "/switchrole" in response["Location"]


def test_an_ended_class_account_cannot_be_entered_through_a_role_trusting_an_outside_account(a_class, mallory):
    from accounts import roles

    classroom, credentials = a_class
    account = classroom.trainees.get(position=0).member.account
    roles.create_role(account, name="Back", trust_policy=document(
        {"Effect": "Allow", "Principal": {"AWS": mallory.account.root_arn}, "Action": "sts:AssumeRole"}))
    outsider = accounts_services.create_user(mallory.account, user_name="me", console_password=USER_PASSWORD)
    grant(outsider, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    classes.end_class(classroom)
    assert switch(signed_in_client(outsider), account.account_id, "Back").status_code != 302


def test_ending_a_class_ends_role_sessions_already_in_its_accounts(a_class, mallory):
    from accounts import roles

    classroom, credentials = a_class
    account = classroom.trainees.get(position=0).member.account
    roles.create_role(account, name="Back", trust_policy=document(
        {"Effect": "Allow", "Principal": {"AWS": mallory.account.root_arn}, "Action": "sts:AssumeRole"}))
    outsider = accounts_services.create_user(mallory.account, user_name="me", console_password=USER_PASSWORD)
    grant(outsider, {"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:ListUsers"], "Resource": "*"})
    client = signed_in_client(outsider)
    assert switch(client, account.account_id, "Back").status_code == 302  # in, while the class runs
    classes.end_class(classroom)
    page = client.get("/iam/users/")
    assert "is in a suspended account" in page.content.decode()
    assert page.wsgi_request.iam.role_session is None  # back in its own identity
    assert page.wsgi_request.iam.account == mallory.account
