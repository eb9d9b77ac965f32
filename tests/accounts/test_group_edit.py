"""Rename a user group (UpdateGroup): name rules, case-insensitive clashes, both ARNs."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Group
from tests.conftest import csrf_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashiers(account, alice):
    return services.create_group(account, name="Cashiers", users=[alice])


def test_the_form_starts_with_the_current_name(root_client, cashiers):
    html = root_client.get("/iam/groups/Cashiers/edit/").content.decode()
    assert 'value="Cashiers"' in html
    assert '<li><a href="/iam/groups/Cashiers/">Cashiers</a></li><li aria-current="page">Edit</li>' in html


def test_renaming_keeps_members_and_id_and_moves_the_url(root_client, account, cashiers):
    response = csrf_post(root_client, "/iam/groups/Cashiers/edit/", {"name": "Baristas"}, follow=True)
    assert response.redirect_chain == [("/iam/groups/Baristas/", 302)]
    assert "User group Cashiers renamed to Baristas." in response.content.decode()
    group = Group.objects.get(pk=cashiers.pk)
    assert group.name == "Baristas" and group.unique_id == cashiers.unique_id
    assert group.members.count() == 1
    assert root_client.get("/iam/groups/Cashiers/").status_code == 404


def test_changing_only_the_case_is_allowed(root_client, cashiers):
    assert csrf_post(root_client, "/iam/groups/Cashiers/edit/", {"name": "CASHIERS"}).status_code == 302
    assert Group.objects.get(pk=cashiers.pk).name == "CASHIERS"


def test_a_name_another_group_has_in_any_case_is_refused(root_client, account, cashiers):
    services.create_group(account, name="Bakers")
    response = csrf_post(root_client, "/iam/groups/Cashiers/edit/", {"name": "bakers"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["Group with name bakers already exists."]
    assert Group.objects.get(pk=cashiers.pk).name == "Cashiers"


@pytest.mark.parametrize("name", ["Two words", "x" * 129, ""])
def test_invalid_names_are_refused(root_client, cashiers, name):
    response = csrf_post(root_client, "/iam/groups/Cashiers/edit/", {"name": name})
    assert response.status_code == 200
    assert Group.objects.get(pk=cashiers.pk).name == "Cashiers"


def test_renaming_needs_update_group_on_the_new_arn_too(root_client, account, cashiers, monkeypatch):
    from policies import authz
    from policies.authz import Authorization

    new_arn = f"arn:aws:iam::{account.account_id}:group/Baristas"

    def only_old_arn(request, action, resource, context=None):
        allowed = resource != new_arn
        return Authorization(allowed, action, resource, request.iam.arn, "allowed" if allowed else "implicitDeny",
                             "" if allowed else f"because no identity-based policy allows the {action} action")

    monkeypatch.setattr(authz, "authorize", only_old_arn)
    response = csrf_post(root_client, "/iam/groups/Cashiers/edit/", {"name": "Baristas"})
    assert response.status_code == 403
    assert f"iam:UpdateGroup on resource: {new_arn}" in response.content.decode()
    assert Group.objects.get(pk=cashiers.pk).name == "Cashiers"


def test_a_user_without_policies_is_denied_on_the_old_arn(bob_client, bob, cashiers):
    response = csrf_post(bob_client, "/iam/groups/Cashiers/edit/", {"name": "Baristas"})
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: iam:UpdateGroup on resource: {cashiers.arn} "
            "because no identity-based policy allows the iam:UpdateGroup action") in response.content.decode()


def test_renaming_needs_a_csrf_token(root_client, cashiers):
    assert root_client.post("/iam/groups/Cashiers/edit/", {"name": "Baristas"}).status_code == 403
    assert Group.objects.get(pk=cashiers.pk).name == "Cashiers"
