"""Second hostile review of #9's late changes: the create-user wizard's steps (a delegate may
walk them; done() authorises) and what its pickers show to a caller who may only create."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import GroupMembership, User
from policies.models import PermissionsBoundary, PolicyAttachment
from tests.accounts.test_user_create_wizard import URL, post_step
from tests.conftest import csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db
BOUNDARY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def test_create_user_alone_shows_no_other_users_groups(account, alice, bob):
    """CreateUser alone: the Copy permissions picker must not list the account's users and
    their groups (iam:ListUsers, iam:ListGroupsForUser), nor the groups (iam:ListGroups)."""
    services.create_group(account, name="SecretTeam", users=[bob])
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"})
    client = signed_in_client(alice)
    client.get(URL)
    post_step(client, "details", user_name="carol", path="/")
    for option in ("copy", "groups"):
        response = csrf_post(client, URL, {"user_create_wizard-current_step": "permissions", "picker": "option",
                                           "permissions-option": option})
        assert response.status_code in (200, 403)
        assert "SecretTeam" not in response.content.decode(), option


def test_a_boundary_delegate_saves_nothing_before_done_and_done_checks_every_call(account, alice, bob,
                                                                                   aws_managed_policies):
    services.create_group(account, name="Admins")
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*",
                  "Condition": {"StringEquals": {"iam:PermissionsBoundary": BOUNDARY}}},
          {"Effect": "Allow", "Action": ["iam:ListGroups", "iam:ListPolicies", "iam:ListUsers"], "Resource": "*"})
    client = signed_in_client(alice)
    assert client.get(URL).status_code == 200
    post_step(client, "details", user_name="carol", path="/")
    # Without the boundary: the last step is refused, nothing saved.
    post_step(client, "permissions", option="groups", groups="Admins")
    response = post_step(client, "review")
    assert response.status_code == 403
    assert not User.objects.filter(user_name="carol").exists()
    # With the boundary but a group it may not add to: AddUserToGroup refused, nothing saved.
    client.get(URL)
    post_step(client, "details", user_name="carol", path="/")
    post_step(client, "permissions", option="groups", groups="Admins", permissions_boundary=BOUNDARY)
    response = post_step(client, "review")
    assert response.status_code == 403 and "iam:AddUserToGroup" in response.content.decode()
    assert not User.objects.filter(user_name="carol").exists()
    assert not GroupMembership.objects.exists() and not PermissionsBoundary.objects.exists()
    assert not PolicyAttachment.objects.exists()


def test_a_picker_shows_access_denied_for_choices_the_caller_may_not_list(account, alice, bob):
    services.create_group(account, name="SecretTeam")
    grant(alice, {"Effect": "Allow", "Action": "iam:CreateGroup", "Resource": "*"})
    client = signed_in_client(alice)
    page = client.get("/iam/groups/create/").content.decode()
    assert "AccessDenied" in page and "iam:ListUsers" in page and "bob" not in page
    grant(alice, {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}, name="lister")
    page = client.get("/iam/groups/create/").content.decode()
    assert "iam:ListUsers" not in page and 'value="bob"' in page
