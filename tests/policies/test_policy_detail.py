"""Policy details: Permissions (summary + JSON with line numbers), Entities attached,
Policy versions (set default, delete, the five-version limit), Edit → new version, Delete."""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from accounts.views.bulk import READS
from policies import services
from policies.models import ManagedPolicy, PolicyAttachment
from tests.conftest import attach_aws_policy, csrf_post, grant

from .helpers import doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(account):
    return services.create_policy(
        account, name="ReceiptsReadOnly", document=doc(), description="Cashiers"
    )


def url(policy, suffix=""):
    return f"/iam/policies/{policy.owner}/{policy.name}/{suffix}"


def test_permissions_tab_shows_summary_and_numbered_json(root_client, policy):
    page = root_client.get(url(policy))
    text = page.content.decode()
    assert page.status_code == 200
    assert policy.arn in text and "Customer managed" in text and "Cashiers" in text
    assert "Amazon S3" in text and "Limited: List" in text and "s3:ListBucket" in text
    assert '<td class="ln">1</td>' in text and '<td class="ln">9</td>' in text


def test_aws_managed_policy_page_is_read_only(root_client, aws_managed_policies):
    page = root_client.get("/iam/policies/aws/PowerUserAccess/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "arn:aws:iam::aws:policy/PowerUserAccess" in text and "AWS managed" in text
    assert "All actions except those listed" in text
    assert "/iam/policies/aws/PowerUserAccess/edit/" not in text
    edit = root_client.get("/iam/policies/aws/PowerUserAccess/edit/")
    assert edit.status_code == 400 and "cannot be modified" in edit.content.decode()
    assert (
        csrf_post(
            root_client, "/iam/policies/aws/PowerUserAccess/delete/", {"confirm": "PowerUserAccess"}
        ).status_code
        == 400
    )


def test_another_accounts_policy_is_404(mallory_client, policy):
    assert mallory_client.get(url(policy)).status_code == 404
    assert mallory_client.get(url(policy, "versions/")).status_code == 404
    assert (
        csrf_post(mallory_client, url(policy, "delete/"), {"confirm": policy.name}).status_code
        == 404
    )
    assert ManagedPolicy.objects.filter(pk=policy.pk).exists()


def test_unknown_policy_and_version_are_404(root_client, policy):
    assert root_client.get(url(policy).replace("ReceiptsReadOnly", "Nope")).status_code == 404
    assert root_client.get(url(policy, "versions/v7/")).status_code == 404
    assert root_client.get(url(policy, "versions/latest/")).status_code == 404


def test_document_needs_get_policy_version_shown_inline(alice_client, alice, policy):
    grant(alice, {"Effect": "Allow", "Action": "iam:GetPolicy", "Resource": "*"})
    page = alice_client.get(url(policy))
    assert page.status_code == 200
    assert (
        f"is not authorized to perform: iam:GetPolicyVersion on resource: {policy.arn}"
        in page.content.decode()
    )


def test_entities_tab_lists_users_groups_and_boundaries_and_detaches(
    root_client, account, alice, policy
):
    group = accounts_services.create_group(account, name="Cashiers")
    services.attach_user_policy(alice, policy_arn=policy.arn)
    services.attach_group_policy(group, policy_arn=policy.arn)
    bob = accounts_services.create_user(account, user_name="bob")
    services.put_user_permissions_boundary(bob, policy_arn=policy.arn)
    text = root_client.get(url(policy, "entities/")).content.decode()
    assert "alice" in text and "Cashiers" in text and "Permissions boundary" in text
    response = csrf_post(
        root_client,
        url(policy, "entities/detach/"),
        {"entity_type": "group", "entity_name": "Cashiers"},
    )
    assert response.status_code == 302
    assert not PolicyAttachment.objects.filter(group=group).exists()


def test_detach_from_entities_tab_is_authorised_on_the_entity(alice_client, alice, account, policy):
    group = accounts_services.create_group(account, name="Cashiers")
    services.attach_group_policy(group, policy_arn=policy.arn)
    grant(
        alice,
        {
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*", "iam:DetachUserPolicy"],
            "Resource": "*",
        },
    )
    page = csrf_post(
        alice_client,
        url(policy, "entities/detach/"),
        {"entity_type": "group", "entity_name": "Cashiers"},
    )
    assert page.status_code == 403
    assert f"iam:DetachGroupPolicy on resource: {group.arn}" in page.content.decode()


def test_edit_creates_a_new_default_version(root_client, policy):
    page = root_client.get(url(policy, "edit/"))
    assert (
        page.status_code == 200
        and "Modify permissions in ReceiptsReadOnly" in page.content.decode()
    )
    new = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::receipts/*"})
    response = csrf_post(
        root_client, url(policy, "edit/"), {"document": new, "set_as_default": "on"}
    )
    assert response.status_code == 302
    assert services.default_version(policy).version_id == "v2"
    assert services.default_version(policy).document == new


def test_edit_shows_validation_findings(root_client, policy):
    page = csrf_post(root_client, url(policy, "edit/"), {"document": '{"Version": "2012-10-17"}'})
    assert page.status_code == 200
    assert "Ln 1, Col" in page.content.decode()
    assert policy.versions.count() == 1


def test_at_five_versions_edit_asks_which_to_delete(root_client, policy):
    for _ in range(4):
        services.create_policy_version(policy, document=doc())
    versions = root_client.get(url(policy, "versions/")).content.decode()
    assert (
        "A managed policy can have up to 5 versions. Before you create a new version, "
        "you must delete an existing version."
    ) in versions
    page = csrf_post(
        root_client, url(policy, "edit/"), {"document": doc(indent=2), "set_as_default": "on"}
    )
    assert page.status_code == 200 and "Version to delete" in page.content.decode()
    response = csrf_post(
        root_client,
        url(policy, "edit/"),
        {"document": doc(indent=2), "set_as_default": "on", "delete_version": "v2"},
    )
    assert response.status_code == 302
    assert sorted(v.version_id for v in policy.versions.all()) == ["v1", "v3", "v4", "v5", "v6"]


def test_versions_tab_sets_default_and_deletes(root_client, policy):
    services.create_policy_version(policy, document=doc(indent=2))
    assert csrf_post(root_client, url(policy, "versions/v2/set-default/")).status_code == 302
    assert services.default_version(policy).version_id == "v2"
    refused = csrf_post(root_client, url(policy, "versions/v2/delete/"))
    assert refused.status_code == 409
    assert "Cannot delete the default version of a policy." in refused.content.decode()
    assert csrf_post(root_client, url(policy, "versions/v1/delete/")).status_code == 302
    assert [v.version_id for v in policy.versions.all()] == ["v2"]


def test_version_page_shows_that_version(root_client, policy):
    services.create_policy_version(policy, document=doc(indent=2))
    page = root_client.get(url(policy, "versions/v2/"))
    assert page.status_code == 200 and "Version v2" in page.content.decode()


def test_delete_detaches_everywhere_after_confirmation(root_client, account, alice, policy):
    services.attach_user_policy(alice, policy_arn=policy.arn)
    services.create_policy_version(policy, document=doc())
    page = root_client.get(url(policy, "delete/"))
    assert "User alice (permissions policy)" in page.content.decode()
    wrong = csrf_post(root_client, url(policy, "delete/"), {"confirm": "nope"})
    assert wrong.status_code == 200 and ManagedPolicy.objects.filter(pk=policy.pk).exists()
    done = csrf_post(root_client, url(policy, "delete/"), {"confirm": policy.name})
    assert done.status_code == 302 and done["Location"] == "/iam/policies/"
    assert not ManagedPolicy.objects.filter(pk=policy.pk).exists()


def test_delete_needs_permission_for_every_detach(alice_client, alice, account, policy):
    bob = accounts_services.create_user(account, user_name="bob")
    services.attach_user_policy(bob, policy_arn=policy.arn)
    grant(alice, {"Effect": "Allow", "Action": ["iam:DeletePolicy", *READS["ManagedPolicy"]], "Resource": "*"})
    page = csrf_post(alice_client, url(policy, "delete/"), {"confirm": policy.name})
    assert page.status_code == 403
    assert f"iam:DetachUserPolicy on resource: {bob.arn}" in page.content.decode()
    assert ManagedPolicy.objects.filter(pk=policy.pk).exists()


def test_read_only_user_can_look_but_not_change_versions(alice_client, alice, policy):
    attach_aws_policy(alice, "IAMReadOnlyAccess")
    services.create_policy_version(policy, document=doc(indent=2))
    assert alice_client.get(url(policy, "versions/")).status_code == 200
    assert alice_client.get(url(policy, "entities/")).status_code == 200
    for suffix in ("versions/v2/set-default/", "versions/v2/delete/", "edit/", "delete/"):
        page = csrf_post(
            alice_client, url(policy, suffix), {"document": doc(), "confirm": policy.name}
        )
        assert page.status_code == 403, suffix
    assert policy.versions.count() == 2


def test_version_posts_need_csrf(root_client, policy):
    services.create_policy_version(policy, document=doc(indent=2))
    assert root_client.post(url(policy, "versions/v2/set-default/")).status_code == 403
    assert root_client.post(url(policy, "delete/"), {"confirm": policy.name}).status_code == 403
    assert services.default_version(policy).version_id == "v1"


TRUST = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
    '"arn:aws:iam::%s:root"}, "Action": "sts:AssumeRole"}]}'
)


@pytest.fixture
def cashier_role(account):
    from accounts.roles import create_role

    return create_role(account, name="Cashier", trust_policy=TRUST % account.account_id)


def test_entities_tab_shows_roles_and_detaches_them(root_client, policy, cashier_role):
    services.attach_role_policy(cashier_role, policy_arn=policy.arn)
    text = root_client.get(url(policy, "entities/")).content.decode()
    assert "Cashier" in text and "Role" in text
    response = csrf_post(
        root_client,
        url(policy, "entities/detach/"),
        {"entity_type": "role", "entity_name": "Cashier"},
    )
    assert (
        response.status_code == 302
        and not PolicyAttachment.objects.filter(role=cashier_role).exists()
    )


def test_delete_needs_detach_role_policy_for_attached_roles(
    alice_client, alice, policy, cashier_role
):
    services.attach_role_policy(cashier_role, policy_arn=policy.arn)
    grant(alice, {"Effect": "Allow", "Action": ["iam:DeletePolicy", *READS["ManagedPolicy"]], "Resource": "*"})
    page = csrf_post(alice_client, url(policy, "delete/"), {"confirm": policy.name})
    assert page.status_code == 403
    assert f"iam:DetachRolePolicy on resource: {cashier_role.arn}" in page.content.decode()
    grant(
        alice, {"Effect": "Allow", "Action": "iam:DetachRolePolicy", "Resource": cashier_role.arn}
    )
    assert (
        csrf_post(alice_client, url(policy, "delete/"), {"confirm": policy.name}).status_code == 302
    )
    assert not ManagedPolicy.objects.filter(pk=policy.pk).exists()
