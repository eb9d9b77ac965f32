"""Issue 11 item 11: removing a user from a group, or a policy from a user, group or role,
asks first (as AWS does): the list's Remove is a link to a page that names what is removed,
with Cancel; only its form (POST) removes. No JavaScript needed."""

from __future__ import annotations

import html
from urllib.parse import quote

import pytest

from accounts import roles, services
from accounts.models import GroupMembership
from policies import services as policy_services
from policies.models import PolicyAttachment
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def cashiers(account, alice):
    return services.create_group(account, name="Cashiers", users=[alice])


@pytest.mark.parametrize("list_url, remove_url, back", [
    ("/iam/groups/Cashiers/", "/iam/groups/Cashiers/users/alice/remove/", "/iam/groups/Cashiers/"),
    ("/iam/users/alice/?tab=groups", "/iam/users/alice/groups/Cashiers/remove/", "/iam/users/alice/?tab=groups"),
])
def test_removing_a_user_from_a_group_is_confirmed_first(root_client, cashiers, alice, list_url, remove_url, back):
    assert f'href="{remove_url}"' in root_client.get(list_url).content.decode()  # a link, not a one-click form
    page = root_client.get(remove_url)
    assert page.status_code == 200
    assert "<h1>Remove alice from Cashiers?</h1>" in text(page)
    assert f'<a class="button" href="{html.escape(back)}">Cancel</a>' in page.content.decode()
    assert GroupMembership.objects.filter(group=cashiers, user=alice).exists()  # opening it removes nothing
    response = csrf_post(root_client, remove_url)
    assert response.status_code == 302
    assert not GroupMembership.objects.filter(group=cashiers, user=alice).exists()


def test_the_confirmation_of_a_user_not_in_the_group_is_not_found(root_client, account, bob, cashiers):
    assert root_client.get("/iam/groups/Cashiers/users/bob/remove/").status_code == 404
    assert root_client.get("/iam/users/bob/groups/Cashiers/remove/").status_code == 404


def test_the_confirmation_needs_the_removal_permission(bob_client, cashiers):
    response = bob_client.get("/iam/groups/Cashiers/users/alice/remove/")
    assert response.status_code == 403 and "iam:RemoveUserFromGroup" in text(response)


@pytest.mark.parametrize("kind", ["user", "group"])
def test_removing_a_policy_from_a_user_or_group_is_confirmed_first(root_client, alice, cashiers,
                                                                   aws_managed_policies, kind):
    owner, name = (alice, "alice") if kind == "user" else (cashiers, "Cashiers")
    policy_services.attach_policy(owner, policy_arn=READ_ONLY)
    remove_url = f"/iam/{kind}s/{name}/policies/detach/?policy_arn={quote(READ_ONLY, safe='')}"
    tab = root_client.get(f"/iam/{kind}s/{name}/policies/").content.decode()
    assert f'href="{html.escape(remove_url)}"' in tab
    page = text(root_client.get(remove_url))
    assert f"Remove policy from {name}?" in page and READ_ONLY in page and "Cancel" in page
    assert PolicyAttachment.objects.filter(policy__name="ReadOnlyAccess").count() == 1
    assert csrf_post(root_client, remove_url.split("?")[0], {"policy_arn": READ_ONLY}).status_code == 302
    assert not PolicyAttachment.objects.exists()


def test_removing_a_policy_from_a_role_is_confirmed_first(root_client, account, aws_managed_policies):
    role = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id),
                             policy_arns=[READ_ONLY])
    remove_url = f"/iam/roles/Auditor/policies/detach/?policy_arn={quote(READ_ONLY, safe='')}"
    assert f'href="{html.escape(remove_url)}"' in root_client.get("/iam/roles/Auditor/").content.decode()
    page = root_client.get(remove_url)
    assert "<h1>Remove ReadOnlyAccess from Auditor?</h1>" in text(page)
    assert f'<input type="hidden" name="policy_arn" value="{READ_ONLY}">' in page.content.decode()
    assert PolicyAttachment.objects.filter(role=role).exists()
    assert root_client.get("/iam/roles/Auditor/policies/detach/?policy_arn=arn:aws:iam::aws:policy/Nope").status_code == 404
    assert csrf_post(root_client, "/iam/roles/Auditor/policies/detach/", {"policy_arn": READ_ONLY}).status_code == 302
    assert not PolicyAttachment.objects.filter(role=role).exists()


@pytest.mark.parametrize("kind", ["user", "role"])
def test_removing_a_permissions_boundary_is_confirmed_first(root_client, account, alice, aws_managed_policies, kind):
    if kind == "user":
        owner, page_url = alice, "/iam/users/alice/policies/"
    else:
        owner = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id))
        page_url = "/iam/roles/Auditor/"
    policy_services.put_permissions_boundary(owner, policy_arn=READ_ONLY)
    remove_url = f"/iam/{kind}s/{owner}/permissions-boundary/delete/"
    assert f'href="{remove_url}"' in root_client.get(page_url).content.decode()  # a link, not a one-click form
    page = root_client.get(remove_url)
    assert page.status_code == 200
    assert f"<h1>Remove the permissions boundary from {owner}?</h1>" in text(page)
    assert "ReadOnlyAccess no longer limits the permissions" in text(page)
    assert ">Cancel</a>" in page.content.decode()
    assert policy_services.get_permissions_boundary(owner) is not None  # opening it removes nothing
    assert csrf_post(root_client, remove_url).status_code == 302
    assert policy_services.get_permissions_boundary(owner) is None
    assert root_client.get(remove_url).status_code == 404  # nothing left to remove


def test_detaching_from_a_policy_s_entities_tab_is_confirmed_first(root_client, account, alice, cashiers,
                                                                   aws_managed_policies):
    policy_services.attach_policy(cashiers, policy_arn=READ_ONLY)
    tab = root_client.get("/iam/policies/aws/ReadOnlyAccess/entities/").content.decode()
    detach_url = "/iam/policies/aws/ReadOnlyAccess/entities/detach/?entity_type=group&entity_name=Cashiers"
    assert f'href="{html.escape(detach_url)}"' in tab  # a link, not a one-click form
    page = root_client.get(detach_url)
    assert page.status_code == 200
    assert "<h1>Detach ReadOnlyAccess from Cashiers?</h1>" in text(page)
    assert '<input type="hidden" name="entity_name" value="Cashiers">' in page.content.decode()
    assert PolicyAttachment.objects.filter(group=cashiers).exists()  # opening it removes nothing
    assert root_client.get(detach_url.replace("Cashiers", "Nobody")).status_code == 404
    assert root_client.get(detach_url.replace("group&entity_name=Cashiers", "user&entity_name=alice")).status_code == 404
    response = csrf_post(root_client, detach_url.split("?")[0], {"entity_type": "group", "entity_name": "Cashiers"})
    assert response.status_code == 302
    assert not PolicyAttachment.objects.filter(group=cashiers).exists()
