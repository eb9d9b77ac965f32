"""The Policies list: types, search, "Used as", bounded queries, who may open it."""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from policies import services
from tests.conftest import grant

from .helpers import bulk_policies, doc

pytestmark = pytest.mark.django_db

LIST_POLICIES = {"Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*"}


def test_root_sees_aws_and_own_policies_with_types(root_client, account, aws_managed_policies):
    services.create_policy(
        account, name="ReceiptsReadOnly", document=doc(), description="Cashiers list receipts"
    )
    # The whole AWS managed catalogue (1,600 policies) is paged: search for each row.
    page = root_client.get("/iam/policies/?q=Receipts")
    text = page.content.decode()
    assert page.status_code == 200
    assert "ReceiptsReadOnly" in text and "Customer managed" in text
    assert f'href="/iam/policies/{account.account_id}/ReceiptsReadOnly/"' in text
    text = root_client.get("/iam/policies/?q=AdministratorAccess").content.decode()
    assert "AWS managed" in text and 'href="/iam/policies/aws/AdministratorAccess/"' in text


def test_filter_by_type_and_search(root_client, account, aws_managed_policies):
    services.create_policy(account, name="ReceiptsReadOnly", document=doc())
    customer = root_client.get("/iam/policies/?type=customer").content.decode()
    assert "ReceiptsReadOnly" in customer and "AdministratorAccess" not in customer
    aws = root_client.get("/iam/policies/?type=aws").content.decode()
    assert "ReceiptsReadOnly" not in aws and "AdministratorAccess" in aws
    found = root_client.get("/iam/policies/?q=iamread").content.decode()
    assert "IAMReadOnlyAccess" in found and "AdministratorAccess" not in found


def test_search_drops_nul_bytes(root_client, account, aws_managed_policies):
    # PostgreSQL refuses a NUL in a query; no policy name holds one.
    found = root_client.get("/iam/policies/", {"q": "iam\x00read"})
    assert found.status_code == 200
    assert "IAMReadOnlyAccess" in found.content.decode()
    accounts_services.create_user(account, user_name="carol")
    attach = root_client.get("/iam/users/carol/policies/attach/", {"q": "iam\x00read"})
    assert attach.status_code == 200 and "IAMReadOnlyAccess" in attach.content.decode()


def test_used_as_counts_only_this_accounts_entities(
    root_client, account, alice, mallory, aws_managed_policies
):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    group = accounts_services.create_group(account, name="Cashiers")
    services.attach_group_policy(group, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    elsewhere = accounts_services.create_user(mallory.account, user_name="eve")
    services.attach_user_policy(elsewhere, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    text = root_client.get("/iam/policies/?used=permissions").content.decode()
    assert "Permissions policy (2)" in text and "AmazonS3FullAccess" not in text
    boundary = root_client.get("/iam/policies/?used=boundary").content.decode()
    assert "Permissions boundary (1)" in boundary and "IAMReadOnlyAccess" not in boundary


def test_other_accounts_policies_are_not_listed(root_client, mallory):
    services.create_policy(mallory.account, name="MallorysSecret", document=doc())
    assert "MallorysSecret" not in root_client.get("/iam/policies/").content.decode()


@pytest.mark.parametrize("count", [1, 300])
def test_queries_do_not_grow_with_policies(
    root_client, account, aws_managed_policies, count, django_assert_max_num_queries
):
    bulk_policies(account, count)
    with django_assert_max_num_queries(12):
        page = root_client.get("/iam/policies/?type=customer")
    assert page.status_code == 200 and "P000" in page.content.decode()


def test_user_without_policies_gets_awss_access_denied(alice_client, alice):
    page = alice_client.get("/iam/policies/")
    assert page.status_code == 403
    assert (
        f"User: {alice.arn} is not authorized to perform: iam:ListPolicies on resource: * "
        "because no identity-based policy allows the iam:ListPolicies action"
    ) in page.content.decode()


def test_user_granted_list_policies_sees_the_list(alice_client, alice):
    grant(alice, LIST_POLICIES)
    assert alice_client.get("/iam/policies/").status_code == 200


def test_explicit_deny_beats_allow(alice_client, alice):
    grant(alice, LIST_POLICIES, {"Effect": "Deny", "Action": "iam:List*", "Resource": "*"})
    page = alice_client.get("/iam/policies/")
    assert (
        page.status_code == 403
        and "with an explicit deny in an identity-based policy" in page.content.decode()
    )


def test_anonymous_is_sent_to_sign_in(client):
    page = client.get("/iam/policies/")
    assert page.status_code == 302 and "/signin" in page["Location"]
