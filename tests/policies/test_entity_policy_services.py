"""Services: inline policies (summed size limits), attach/detach (quota), boundaries, and
how policies block or are cleaned up by DeleteUser / DeleteGroup."""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from accounts.models import Group, User
from iamportal.errors import (
    DeleteConflict,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from policies import services
from policies.models import InlinePolicy, PermissionsBoundary, PolicyAttachment

from .helpers import doc, sized_doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashiers(account):
    return accounts_services.create_group(account, name="Cashiers")


def test_put_user_policy_creates_then_replaces_by_name(alice):
    services.put_user_policy(alice, name="Receipts", document=doc())
    services.put_user_policy(alice, name="receipts", document=doc(indent=2))
    policy = InlinePolicy.objects.get(user=alice)
    assert policy.name == "Receipts" and policy.document == doc(indent=2)


def test_inline_policy_must_be_valid(alice):
    with pytest.raises(MalformedPolicyDocument) as exc:
        services.put_user_policy(alice, name="Bad", document="{")
    assert exc.value.message == "Syntax errors in policy."
    with pytest.raises(ValidationError):
        services.put_user_policy(alice, name="bad name", document=doc())
    assert not InlinePolicy.objects.exists()


@pytest.mark.parametrize(
    "kind, quota, limit", [("user", "UserPolicySize", 2048), ("group", "GroupPolicySize", 5120)]
)
def test_inline_policies_share_one_size_quota_per_entity(alice, cashiers, kind, quota, limit):
    owner = alice if kind == "user" else cashiers
    services.put_inline_policy(owner, name="Half", document=sized_doc(limit // 2))
    services.put_inline_policy(owner, name="Other", document=sized_doc(limit - limit // 2))
    with pytest.raises(LimitExceeded) as exc:
        services.put_inline_policy(owner, name="More", document=sized_doc(200))
    assert exc.value.message == f"Cannot exceed quota for {quota}: {limit}"
    # Replacing a policy counts its new size, not old + new.
    services.put_inline_policy(owner, name="Half", document=sized_doc(limit // 2))


def test_missing_inline_policy_is_named_in_awss_words(alice, cashiers):
    with pytest.raises(NoSuchEntity) as exc:
        services.delete_user_policy(alice, name="Nope")
    assert exc.value.message == "The user policy with name Nope cannot be found."
    with pytest.raises(NoSuchEntity) as exc:
        services.delete_group_policy(cashiers, name="Nope")
    assert exc.value.message == "The group policy with name Nope cannot be found."


def test_attach_is_idempotent_and_detach_removes(alice, aws_managed_policies):
    arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    services.attach_user_policy(alice, policy_arn=arn)
    services.attach_user_policy(alice, policy_arn=arn)
    assert PolicyAttachment.objects.filter(user=alice).count() == 1
    services.detach_user_policy(alice, policy_arn=arn)
    with pytest.raises(NoSuchEntity) as exc:
        services.detach_user_policy(alice, policy_arn=arn)
    assert exc.value.message == f"Policy {arn} was not found."


def test_attaching_an_unknown_or_foreign_policy_is_refused(alice, mallory):
    theirs = services.create_policy(mallory.account, name="Theirs", document=doc())
    for arn in (theirs.arn, "arn:aws:iam::aws:policy/NoSuchPolicy", "not-an-arn"):
        with pytest.raises(NoSuchEntity) as exc:
            services.attach_user_policy(alice, policy_arn=arn)
        assert exc.value.message == f"Policy {arn} does not exist or is not attachable."


@pytest.mark.parametrize(
    "kind, quota", [("user", "PoliciesPerUser"), ("group", "PoliciesPerGroup")]
)
def test_at_most_10_managed_policies_per_entity(account, alice, cashiers, kind, quota):
    owner = alice if kind == "user" else cashiers
    policies = [services.create_policy(account, name=f"P{i}", document=doc()) for i in range(11)]
    for policy in policies[:10]:
        services.attach_policy(owner, policy_arn=policy.arn)
    with pytest.raises(LimitExceeded) as exc:
        services.attach_policy(owner, policy_arn=policies[10].arn)
    assert exc.value.message == f"Cannot exceed quota for {quota}: 10"


def test_boundary_is_one_per_user_and_can_be_removed(account, alice, aws_managed_policies):
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    )
    assert PermissionsBoundary.objects.get(user=alice).policy.name == "IAMReadOnlyAccess"
    services.delete_user_permissions_boundary(alice)
    assert not PermissionsBoundary.objects.filter(user=alice).exists()
    with pytest.raises(NoSuchEntity):
        services.put_user_permissions_boundary(alice, policy_arn="arn:aws:iam::aws:policy/Missing")


def test_policies_block_deleting_a_user_until_the_console_cleans_up(
    account, alice, aws_managed_policies
):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    services.put_user_policy(alice, name="Inline", document=doc())
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    accounts_services.remove_console_access(alice)
    with pytest.raises(DeleteConflict) as exc:
        accounts_services.delete_user(alice, remove_dependents=False)
    assert exc.value.message == "Cannot delete entity, must detach all policies first."
    services.detach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    with pytest.raises(DeleteConflict) as exc:
        accounts_services.delete_user(alice, remove_dependents=False)
    assert exc.value.message == "Cannot delete entity, must delete policies first."
    services.put_user_policy(alice, name="Again", document=doc())
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    accounts_services.delete_user(alice, remove_dependents=True)
    assert not User.objects.filter(pk=alice.pk).exists()
    assert not InlinePolicy.objects.exists() and not PolicyAttachment.objects.exists()
    assert not PermissionsBoundary.objects.exists()


def test_policies_block_deleting_a_group_until_the_console_cleans_up(
    cashiers, aws_managed_policies
):
    services.attach_group_policy(cashiers, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    with pytest.raises(DeleteConflict) as exc:
        accounts_services.delete_group(cashiers, remove_dependents=False)
    assert exc.value.message == "Cannot delete entity, must detach all policies first."
    services.detach_group_policy(cashiers, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    services.put_group_policy(cashiers, name="Inline", document=doc())
    with pytest.raises(DeleteConflict) as exc:
        accounts_services.delete_group(cashiers, remove_dependents=False)
    assert exc.value.message == "Cannot delete entity, must delete policies first."
    accounts_services.delete_group(cashiers, remove_dependents=True)
    assert not Group.objects.filter(pk=cashiers.pk).exists() and not InlinePolicy.objects.exists()


def test_copy_permissions_copies_attached_inline_and_boundary(
    account, alice, bob, aws_managed_policies
):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    services.put_user_policy(alice, name="Inline", document=doc())
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    services.copy_permissions(alice, bob)
    assert PolicyAttachment.objects.get(user=bob).policy.name == "IAMReadOnlyAccess"
    assert InlinePolicy.objects.get(user=bob).name == "Inline"
    assert PermissionsBoundary.objects.get(user=bob).policy.name == "AmazonS3FullAccess"


def test_root_cannot_have_policies(root):
    with pytest.raises(NoSuchEntity):
        services.put_user_policy(root, name="X", document=doc())
