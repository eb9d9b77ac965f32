"""Users' and groups' policy pages: permissions partial, attach/detach, inline policies,
permissions boundary; sizes and quotas in AWS's words; 404 across accounts; CSRF; 403."""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from policies import services
from policies.models import InlinePolicy, PermissionsBoundary, PolicyAttachment
from tests.conftest import attach_aws_policy, csrf_post, grant

from .helpers import bulk_policies, doc, sized_doc

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


@pytest.fixture
def cashiers(account, alice):
    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    return group


def test_user_permissions_list_direct_inline_group_and_boundary(
    root_client, alice, cashiers, aws_managed_policies
):
    services.attach_user_policy(alice, policy_arn=READ_ONLY)
    services.put_user_policy(alice, name="OwnInline", document=doc())
    services.attach_group_policy(
        cashiers, policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    services.put_group_policy(cashiers, name="GroupInline", document=doc())
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    page = root_client.get("/iam/users/alice/policies/")
    text = page.content.decode()
    assert page.status_code == 200
    for expected in (
        "IAMReadOnlyAccess",
        "OwnInline",
        "AmazonS3ReadOnlyAccess",
        "GroupInline",
        "Customer inline",
        "Attached directly",
        "Group <a",
        "AmazonS3FullAccess",
        "Change boundary",
        "Attached managed policies: 1 of 10.",
    ):
        assert expected in text, expected


def test_group_permissions_page(root_client, cashiers, aws_managed_policies):
    services.attach_group_policy(cashiers, policy_arn=READ_ONLY)
    text = root_client.get("/iam/groups/Cashiers/policies/").content.decode()
    assert "IAMReadOnlyAccess" in text and "Permissions boundary" not in text


def test_attach_page_attaches_chosen_policies(root_client, alice, aws_managed_policies):
    page = root_client.get("/iam/users/alice/policies/attach/?type=aws&q=IAMReadOnly")
    assert page.status_code == 200 and "IAMReadOnlyAccess" in page.content.decode()
    response = csrf_post(
        root_client,
        "/iam/users/alice/policies/attach/",
        {"policy_arns": [READ_ONLY, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]},
    )
    assert response.status_code == 302
    assert PolicyAttachment.objects.filter(user=alice).count() == 2


def test_attach_over_the_quota_is_refused_and_nothing_is_attached(root_client, account, cashiers):
    policies = bulk_policies(account, 11)
    for policy in policies[:9]:
        services.attach_group_policy(cashiers, policy_arn=policy.arn)
    page = csrf_post(
        root_client,
        "/iam/groups/Cashiers/policies/attach/",
        {"policy_arns": [policies[9].arn, policies[10].arn]},
    )
    assert page.status_code == 200
    assert "Cannot exceed quota for PoliciesPerGroup: 10" in page.content.decode()
    assert PolicyAttachment.objects.filter(group=cashiers).count() == 9  # all or nothing


def test_attach_refuses_a_policy_it_did_not_offer(root_client, alice, mallory):
    theirs = services.create_policy(mallory.account, name="Theirs", document=doc())
    page = csrf_post(
        root_client, "/iam/users/alice/policies/attach/", {"policy_arns": [theirs.arn]}
    )
    assert page.status_code == 200 and not PolicyAttachment.objects.exists()


def test_detach_removes_and_reports_missing(root_client, alice, aws_managed_policies):
    services.attach_user_policy(alice, policy_arn=READ_ONLY)
    assert (
        csrf_post(
            root_client, "/iam/users/alice/policies/detach/", {"policy_arn": READ_ONLY}
        ).status_code
        == 302
    )
    again = csrf_post(root_client, "/iam/users/alice/policies/detach/", {"policy_arn": READ_ONLY})
    assert (
        again.status_code == 404 and f"Policy {READ_ONLY} was not found." in again.content.decode()
    )


def test_create_edit_delete_inline_user_policy(root_client, alice):
    assert root_client.get("/iam/users/alice/policies/inline/create/").status_code == 200
    created = csrf_post(
        root_client,
        "/iam/users/alice/policies/inline/create/",
        {"name": "Receipts", "document": doc()},
    )
    assert created.status_code == 302
    detail = root_client.get("/iam/users/alice/policies/inline/Receipts/")
    assert detail.status_code == 200 and "arn:aws:s3:::receipts" in detail.content.decode()
    edited = csrf_post(
        root_client, "/iam/users/alice/policies/inline/Receipts/edit/", {"document": doc(indent=2)}
    )
    assert edited.status_code == 302 and InlinePolicy.objects.get(user=alice).document == doc(
        indent=2
    )
    assert root_client.get("/iam/users/alice/policies/inline/Receipts/delete/").status_code == 200
    assert (
        csrf_post(root_client, "/iam/users/alice/policies/inline/Receipts/delete/").status_code
        == 302
    )
    assert not InlinePolicy.objects.filter(user=alice).exists()


def test_inline_duplicate_name_is_refused_on_create(root_client, alice):
    services.put_user_policy(alice, name="Receipts", document=doc())
    page = csrf_post(
        root_client,
        "/iam/users/alice/policies/inline/create/",
        {"name": "receipts", "document": doc()},
    )
    assert page.status_code == 200 and "already exists" in page.content.decode()


def test_inline_validation_errors_are_shown_with_their_location(root_client, alice):
    page = csrf_post(
        root_client,
        "/iam/users/alice/policies/inline/create/",
        {"name": "Bad", "document": doc({"Effect": "Allow", "Action": "s3:ListBucket"})},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "Policy statement must contain resources." in text and "Ln 4, Col 9" in text


@pytest.mark.parametrize(
    "kind, name, quota",
    [("users", "alice", "UserPolicySize: 2048"), ("groups", "Cashiers", "GroupPolicySize: 5120")],
)
def test_inline_size_limits(root_client, alice, cashiers, kind, name, quota):
    limit = int(quota.split(": ")[1])
    services.put_inline_policy(
        alice if kind == "users" else cashiers, name="Big", document=sized_doc(limit - 200)
    )
    page = csrf_post(
        root_client,
        f"/iam/{kind}/{name}/policies/inline/create/",
        {"name": "More", "document": sized_doc(201)},
    )
    assert page.status_code == 200
    assert f"Cannot exceed quota for {quota}" in page.content.decode()


def test_boundary_set_and_remove(root_client, alice, aws_managed_policies):
    page = root_client.get("/iam/users/alice/permissions-boundary/", {"policy_arn-q": "AmazonS3Full"})
    assert page.status_code == 200 and "AmazonS3FullAccess" in page.content.decode()
    response = csrf_post(
        root_client,
        "/iam/users/alice/permissions-boundary/",
        {"policy_arn": "arn:aws:iam::aws:policy/AmazonS3FullAccess"},
    )
    assert response.status_code == 302
    assert PermissionsBoundary.objects.get(user=alice).policy.name == "AmazonS3FullAccess"
    assert (
        csrf_post(root_client, "/iam/users/alice/permissions-boundary/delete/").status_code == 302
    )
    assert not PermissionsBoundary.objects.filter(user=alice).exists()


def test_other_accounts_users_and_groups_are_404(
    mallory_client, alice, cashiers, aws_managed_policies
):
    for path in (
        "/iam/users/alice/policies/",
        "/iam/users/alice/policies/attach/",
        "/iam/groups/Cashiers/policies/inline/create/",
        "/iam/users/alice/permissions-boundary/",
    ):
        assert mallory_client.get(path).status_code == 404, path
    response = csrf_post(
        mallory_client, "/iam/users/alice/policies/attach/", {"policy_arns": [READ_ONLY]}
    )
    assert response.status_code == 404 and not PolicyAttachment.objects.exists()


def test_posts_need_csrf(root_client, alice, aws_managed_policies):
    assert (
        root_client.post(
            "/iam/users/alice/policies/attach/", {"policy_arns": [READ_ONLY]}
        ).status_code
        == 403
    )
    assert (
        root_client.post(
            "/iam/users/alice/policies/inline/create/", {"name": "X", "document": doc()}
        ).status_code
        == 403
    )
    assert not PolicyAttachment.objects.exists() and not InlinePolicy.objects.exists()


@pytest.mark.parametrize(
    "method, path, action",
    [
        ("get", "/iam/users/bob/policies/", "iam:ListAttachedUserPolicies"),
        ("post", "/iam/users/bob/policies/attach/", "iam:AttachUserPolicy"),
        ("post", "/iam/users/bob/policies/detach/", "iam:DetachUserPolicy"),
        ("post", "/iam/users/bob/policies/inline/create/", "iam:PutUserPolicy"),
        ("post", "/iam/users/bob/permissions-boundary/", "iam:PutUserPermissionsBoundary"),
        (
            "post",
            "/iam/users/bob/permissions-boundary/delete/",
            "iam:DeleteUserPermissionsBoundary",
        ),
        ("post", "/iam/groups/Cashiers/policies/attach/", "iam:AttachGroupPolicy"),
        ("post", "/iam/groups/Cashiers/policies/inline/create/", "iam:PutGroupPolicy"),
    ],
)
def test_user_without_policies_is_denied_in_awss_words(
    alice_client, alice, bob, cashiers, method, path, action
):
    response = (
        alice_client.get(path)
        if method == "get"
        else csrf_post(
            alice_client, path, {"policy_arns": [READ_ONLY], "name": "X", "document": doc()}
        )
    )
    assert response.status_code == 403
    target = bob.arn if "/users/" in path else cashiers.arn
    assert (
        f"User: {alice.arn} is not authorized to perform: {action} on resource: {target} "
        f"because no identity-based policy allows the {action} action"
    ) in response.content.decode()


def test_read_only_user_cannot_grant_itself_more(alice_client, alice, aws_managed_policies):
    attach_aws_policy(alice, "IAMReadOnlyAccess")
    assert alice_client.get("/iam/users/alice/policies/").status_code == 200
    assert alice_client.get("/iam/users/alice/policies/attach/").status_code == 403
    assert alice_client.get("/iam/users/alice/permissions-boundary/").status_code == 403
    response = csrf_post(
        alice_client,
        "/iam/users/alice/policies/attach/",
        {"policy_arns": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
    )
    assert response.status_code == 403
    assert PolicyAttachment.objects.filter(user=alice).count() == 1


def test_permission_scoped_to_one_user(alice_client, alice, bob, aws_managed_policies):
    grant(alice, {"Effect": "Allow", "Action": "iam:AttachUserPolicy", "Resource": bob.arn})
    assert (
        csrf_post(
            alice_client, "/iam/users/bob/policies/attach/", {"policy_arns": [READ_ONLY]}
        ).status_code
        == 302
    )
    assert (
        csrf_post(
            alice_client, "/iam/users/alice/policies/attach/", {"policy_arns": [READ_ONLY]}
        ).status_code
        == 403
    )


def test_one_inline_policy_over_the_users_quota_is_refused_in_the_editor(root_client, alice):
    page = csrf_post(
        root_client,
        "/iam/users/alice/policies/inline/create/",
        {"name": "Huge", "document": sized_doc(2049)},
    )
    assert page.status_code == 200
    assert "Cannot exceed quota for UserPolicySize: 2048" in page.content.decode()


def test_changes_return_to_the_entitys_permissions_tab(
    root_client, alice, cashiers, aws_managed_policies
):
    response = csrf_post(
        root_client, "/iam/users/alice/policies/attach/", {"policy_arns": [READ_ONLY]}
    )
    assert response["Location"] == "/iam/users/alice/?tab=permissions"
    response = csrf_post(
        root_client, "/iam/groups/Cashiers/policies/attach/", {"policy_arns": [READ_ONLY]}
    )
    assert response["Location"] == "/iam/groups/Cashiers/?tab=permissions"


# ---------------------------------------------------------------------------
# Delegation with IAM's condition keys: no escalation past what the delegate was given.

S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_attach_is_limited_by_iam_policy_arn(alice_client, alice, bob, aws_managed_policies):
    grant(
        alice,
        {"Effect": "Allow", "Action": "iam:ListPolicies", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["iam:AttachUserPolicy", "iam:DetachUserPolicy"],
            "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": S3_READ}},
        },
    )
    assert alice_client.get("/iam/users/bob/policies/attach/").status_code == 200
    denied = csrf_post(
        alice_client, "/iam/users/bob/policies/attach/", {"policy_arns": [S3_READ, ADMIN]}
    )
    assert denied.status_code == 403
    assert f"iam:AttachUserPolicy on resource: {bob.arn}" in denied.content.decode()
    assert not PolicyAttachment.objects.filter(user=bob).exists()  # all or nothing
    assert (
        csrf_post(
            alice_client, "/iam/users/bob/policies/attach/", {"policy_arns": [S3_READ]}
        ).status_code
        == 302
    )
    assert (
        csrf_post(
            alice_client, "/iam/users/alice/policies/attach/", {"policy_arns": [ADMIN]}
        ).status_code
        == 403
    )
    assert (
        csrf_post(
            alice_client, "/iam/users/bob/policies/detach/", {"policy_arn": S3_READ}
        ).status_code
        == 302
    )


def test_managing_users_is_limited_by_their_permissions_boundary(
    alice_client, alice, bob, account, aws_managed_policies
):
    boundary = services.create_policy(account, name="DeveloperBoundary", document=doc())
    grant(
        alice,
        {"Effect": "Allow", "Action": ["iam:ListPolicies"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["iam:PutUserPolicy", "iam:PutUserPermissionsBoundary"],
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary.arn}},
        },
    )
    inline = {"name": "Extra", "document": doc()}
    # bob has no boundary yet: alice may not give him inline permissions...
    assert (
        csrf_post(alice_client, "/iam/users/bob/policies/inline/create/", inline).status_code == 403
    )
    # ...nor set any boundary but the agreed one...
    other = csrf_post(alice_client, "/iam/users/bob/permissions-boundary/", {"policy_arn": S3_READ})
    assert other.status_code == 403 and "iam:PutUserPermissionsBoundary" in other.content.decode()
    assert (
        csrf_post(
            alice_client, "/iam/users/bob/permissions-boundary/", {"policy_arn": boundary.arn}
        ).status_code
        == 302
    )
    # ...after which she can.
    assert (
        csrf_post(alice_client, "/iam/users/bob/policies/inline/create/", inline).status_code == 302
    )
    assert InlinePolicy.objects.filter(user=bob, name="Extra").exists()


def test_a_groups_permissions_tab_counts_its_own_attached_policies_and_offers_remove(root_client, account,
                                                                                    aws_managed_policies):
    from accounts import services as account_services
    from policies import services as policy_services

    group = account_services.create_group(account, name="Baristas")
    policy_services.attach_group_policy(group, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    page = root_client.get("/iam/groups/Baristas/?tab=permissions").content.decode()
    assert "IAMReadOnlyAccess" in page
    assert "Attached managed policies: 1 of 10." in page
    assert "Remove" in page
