"""The caller's policy set: what it contains, its names, a fixed number of queries, reuse."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from accounts import services as accounts_services
from accounts.identity import identity_for
from accounts.models import GroupMembership
from policies import loading, services
from policies.authz import account_scps, authorize, policy_set_for
from policies.models import ManagedPolicy, PolicyAttachment, PolicyVersion

from .helpers import bulk_policies, doc

pytestmark = pytest.mark.django_db

LIST = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::receipts"}


def identity(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return identity_for(request)


def test_set_holds_user_and_group_policies_default_versions_and_boundary(
    account, alice, aws_managed_policies
):
    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    policy = services.create_policy(account, name="ReceiptsReadOnly", document=doc(LIST))
    services.create_policy_version(
        policy, document=doc({"Effect": "Deny", "Action": "*", "Resource": "*"})
    )
    services.attach_group_policy(group, policy_arn=policy.arn)
    services.put_group_policy(group, name="GroupInline", document=doc())
    services.put_user_policy(alice, name="UserInline", document=doc())
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    policy_set = loading.load_policy_set(identity(alice))
    names = sorted(p.name for p in policy_set.identity)
    assert names == [
        "IAMReadOnlyAccess",
        "ReceiptsReadOnly",
        "inline:Cashiers/GroupInline",
        "inline:UserInline",
    ]
    assert policy_set.boundary.name == "AmazonS3FullAccess"
    # v1 is the default, not the Deny-all v2:
    from policies.engine import Request, evaluate

    decision = evaluate(
        Request(
            action="s3:ListBucket",
            resource="arn:aws:s3:::receipts",
            principal=alice.arn,
            context={},
        ),
        identity=policy_set.identity,
        boundary=policy_set.boundary,
    )
    assert decision.decision == "allowed"


def test_root_has_no_policy_set_and_is_allowed_everything(root):
    assert loading.load_policy_set(identity(root)).identity == []


@pytest.mark.parametrize("groups, per_group", [(1, 1), (20, 10)])
def test_loaded_in_a_fixed_number_of_queries(
    account, alice, groups, per_group, django_assert_max_num_queries
):
    policies = bulk_policies(account, per_group)
    for g in range(groups):
        # IAM caps a user at 10 groups; the loader must not care, so write memberships directly.
        group = accounts_services.create_group(account, name=f"G{g}")
        GroupMembership.objects.create(group=group, user=alice)
        PolicyAttachment.objects.bulk_create(
            PolicyAttachment(account=account, policy=p, group=group) for p in policies
        )
        services.put_group_policy(group, name=f"Inline{g}", document=doc())
    services.attach_user_policy(alice, policy_arn=policies[0].arn)
    services.put_user_permissions_boundary(alice, policy_arn=policies[0].arn)
    who = identity(alice)
    with django_assert_max_num_queries(2):
        policy_set = loading.load_policy_set(who)
    assert (
        len(policy_set.identity) == per_group + groups
    )  # each managed policy once, plus the inlines
    assert policy_set.boundary is not None


def _crowd(account, users: int, prefix: str) -> None:
    """``users`` IAM users of ``account``, each in the account's group and with a policy."""
    from accounts import ids
    from accounts.models import User

    group = accounts_services.create_group(account, name=f"{prefix}Group")
    policy = bulk_policies(account, 1, prefix=prefix)[0]
    crowd = User.objects.bulk_create(
        User(account=account, user_name=f"{prefix}{i}", login_key=f"{account.account_id}:{prefix}{i}",
             unique_id=ids.unique_id("AIDA"))
        for i in range(users)
    )
    GroupMembership.objects.bulk_create(GroupMembership(group=group, user=u) for u in crowd)
    PolicyAttachment.objects.bulk_create(
        PolicyAttachment(account=account, policy=policy, user=u) for u in crowd
    )


@pytest.mark.parametrize("others", [0, 300])
def test_queries_are_bounded_by_the_users_own_rows(
    account, alice, mallory, others, django_assert_num_queries
):
    """Loading costs two queries at 1 and at many users of the account and of other
    accounts, and no query joins the memberships to the policy tables: "attached to the user
    OR to one of the user's groups" through that join made PostgreSQL scan every membership
    and attachment of the server; the groups' ids are read first and filtered by."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    services.put_group_policy(group, name="GroupInline", document=doc())
    services.attach_group_policy(group, policy_arn=bulk_policies(account, 1, prefix="G")[0].arn)
    if others:
        _crowd(account, others, "crowd")
        _crowd(mallory.account, others, "other")
    who = identity(alice)
    with CaptureQueriesContext(connection) as queries:
        policy_set = loading.load_policy_set(who)
    assert sorted(p.name for p in policy_set.identity) == ["G000", "inline:Cashiers/GroupInline"]
    assert len(queries) == 2
    for query in queries:
        sql = query["sql"]
        if "policies_" in sql:
            assert "accounts_groupmembership" not in sql, sql


def test_a_policy_attached_to_the_user_and_two_of_its_groups_counts_once(account, alice):
    policy = bulk_policies(account, 1)[0]
    for name in ("A", "B"):
        group = accounts_services.create_group(account, name=name, users=[alice])
        services.attach_group_policy(group, policy_arn=policy.arn)
    services.attach_user_policy(alice, policy_arn=policy.arn)
    assert [p.name for p in loading.load_policy_set(identity(alice)).identity] == [policy.name]


def test_role_and_group_sets_load_in_one_query_each(account, alice, django_assert_num_queries):
    from accounts import roles

    role = roles.create_role(account, name="Auditor",
                             trust_policy=roles.account_trust_policy(account.account_id))
    group = accounts_services.create_group(account, name="Cashiers")
    policy = bulk_policies(account, 1)[0]
    for owner in (role, group):
        services.attach_policy(owner, policy_arn=policy.arn)
        services.put_inline_policy(owner, name=f"{type(owner).__name__}Inline", document=doc())
    services.put_permissions_boundary(role, policy_arn=policy.arn)
    with django_assert_num_queries(1):
        role_set = loading.load_role_policy_set(role)
    with django_assert_num_queries(1):
        group_set = loading.load_group_policy_set(group)
    assert [p.name for p in role_set.identity] == ["inline:RoleInline", policy.name]
    assert role_set.boundary.name == policy.name
    assert [p.name for p in group_set.identity] == ["inline:Cashiers/GroupInline", policy.name]
    assert group_set.boundary is None


def test_compiled_policies_are_reused_across_requests(account, alice):
    services.put_user_policy(alice, name="UserInline", document=doc())
    first = loading.load_policy_set(identity(alice)).identity[0]
    second = loading.load_policy_set(identity(alice)).identity[0]
    assert first is second


def test_policy_set_is_loaded_once_per_request(alice, django_assert_max_num_queries):
    services.put_user_policy(alice, name="UserInline", document=doc(LIST))
    request = RequestFactory().get("/")
    request.user = alice
    request.session = {}
    request.iam = identity_for(request)
    policy_set_for(request.iam)
    account_scps(request.iam)  # alice was not loaded with her account's membership (the backend's way)
    with django_assert_max_num_queries(0):
        assert authorize(request, "s3:ListBucket", "arn:aws:s3:::receipts")
        assert not authorize(request, "s3:GetObject", "arn:aws:s3:::receipts/a.csv")


def test_boundary_caps_the_identity_policies(account, alice, aws_managed_policies):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    request = RequestFactory().get("/")
    request.user, request.session = alice, {}
    request.iam = identity_for(request)
    assert authorize(request, "s3:GetObject", "arn:aws:s3:::receipts/a.csv")
    denied = authorize(request, "iam:CreateUser", alice.account.arn("user/carol"))
    assert not denied and "permissions boundary" in denied.message


def test_a_stored_document_that_no_longer_compiles_grants_nothing(account, alice):
    policy = services.create_policy(account, name="P", document=doc(LIST))
    services.attach_user_policy(alice, policy_arn=policy.arn)
    PolicyVersion.objects.filter(policy=policy).update(document="{broken")
    assert loading.load_policy_set(identity(alice)).identity == []
    assert ManagedPolicy.objects.filter(pk=policy.pk).exists()


def test_a_stored_document_over_the_managed_size_quota_still_loads(account, alice):
    """Quotas are checked at save time; AWS-managed documents (ReadOnlyAccess is ~98 KB in AWS)
    are exempt, so the loader must not drop a large stored document."""
    import json

    from policies.loading import compiled

    statements = [{"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": f"arn:aws:s3:::bucket-{i:04d}-with-a-rather-long-name/*"} for i in range(120)]
    document = json.dumps({"Version": "2012-10-17", "Statement": statements})
    assert len("".join(document.split())) > 6144
    policy = compiled(document, "Large")
    assert len(policy.statements) == 120
