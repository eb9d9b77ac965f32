"""Services: CreatePolicy, versions, SetDefault, DeletePolicy: AWS messages."""

from __future__ import annotations

import pytest

from iamportal.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    UnmodifiableEntity,
    ValidationError,
)
from policies import services
from policies.models import ManagedPolicy, PermissionsBoundary, PolicyVersion

from .helpers import doc, sized_doc

pytestmark = pytest.mark.django_db


def test_create_policy_makes_v1_the_default_and_an_anpa_id_and_arn(account):
    policy = services.create_policy(
        account,
        name="ReceiptsReadOnly",
        document=doc(),
        description="Cashiers",
        tags=[("team", "cafe")],
    )
    assert policy.arn == f"arn:aws:iam::{account.account_id}:policy/ReceiptsReadOnly"
    assert policy.policy_id.startswith("ANPA") and len(policy.policy_id) == 21
    assert policy.tag_list == [{"Key": "team", "Value": "cafe"}]
    version = policy.versions.get()
    assert (version.version_id, version.is_default, version.document) == ("v1", True, doc())


def test_create_policy_keeps_the_document_exactly_as_submitted(account):
    text = (
        '{"Version":"2012-10-17",\n'
        '  "Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}'
    )
    policy = services.create_policy(account, name="Raw", document=text)
    assert services.default_version(policy).document == text


def test_policy_with_a_path_has_it_in_its_arn(account):
    policy = services.create_policy(account, name="P", path="/team/cafe/", document=doc())
    assert policy.arn == f"arn:aws:iam::{account.account_id}:policy/team/cafe/P"


def test_duplicate_name_is_refused_case_insensitively(account):
    services.create_policy(account, name="Receipts", document=doc())
    with pytest.raises(EntityAlreadyExists) as exc:
        services.create_policy(account, name="RECEIPTS", document=doc())
    assert (
        exc.value.message
        == "A policy called RECEIPTS already exists. Duplicate names are not allowed."
    )


def test_same_name_in_another_account_is_fine(account, mallory):
    services.create_policy(account, name="Receipts", document=doc())
    services.create_policy(mallory.account, name="Receipts", document=doc())
    assert ManagedPolicy.objects.filter(name="Receipts").count() == 2


def test_malformed_document_gets_the_engines_error_message(account):
    with pytest.raises(MalformedPolicyDocument) as exc:
        services.create_policy(
            account, name="Bad", document='{"Version": "2012-10-17", "Statement": [}'
        )
    assert exc.value.message == "Syntax errors in policy."
    with pytest.raises(MalformedPolicyDocument) as exc:
        services.create_policy(
            account, name="Bad", document=doc({"Effect": "Allow", "Action": "s3:ListBucket"})
        )
    assert exc.value.message == "Policy statement must contain resources."
    assert not ManagedPolicy.objects.filter(name="Bad").exists()


def test_policy_size_counts_non_whitespace_characters_up_to_6144(account):
    services.create_policy(account, name="Fits", document=sized_doc(6144))
    with pytest.raises(LimitExceeded) as exc:
        services.create_policy(account, name="TooBig", document=sized_doc(6145))
    assert exc.value.message == "Cannot exceed quota for PolicySize: 6144"
    roomy = sized_doc(6144).replace(",", ",      \n")  # whitespace is free
    services.create_policy(account, name="Roomy", document=roomy)


@pytest.mark.parametrize(
    "name, path, description, fragment",
    [
        (
            "bad name",
            "/",
            "",
            "at 'policyName' failed to satisfy constraint: Member must satisfy regular expression",
        ),
        ("x" * 129, "/", "", "Member must have length less than or equal to 128"),
        ("ok", "no-slash", "", "at 'path' failed to satisfy constraint"),
        ("ok", "/a*/", "", "at 'path' failed to satisfy constraint"),
        (
            "ok",
            "/",
            "d" * 1001,
            "at 'description' failed to satisfy constraint: Member must have length less than "
            "or equal to 1000",
        ),
    ],
)
def test_names_paths_and_descriptions_follow_iams_patterns(
    account, name, path, description, fragment
):
    with pytest.raises(ValidationError) as exc:
        services.create_policy(
            account, name=name, path=path, description=description, document=doc()
        )
    assert fragment in exc.value.message


def test_new_versions_count_up_and_can_become_the_default(account):
    policy = services.create_policy(account, name="P", document=doc())
    v2 = services.create_policy_version(policy, document=doc(indent=2))
    assert v2.version_id == "v2" and not v2.is_default
    v3 = services.create_policy_version(policy, document=doc(indent=1), set_as_default=True)
    assert v3.is_default
    assert list(policy.versions.filter(is_default=True)) == [v3]


def test_sixth_version_is_refused_with_awss_message(account):
    policy = services.create_policy(account, name="P", document=doc())
    for _ in range(4):
        services.create_policy_version(policy, document=doc())
    with pytest.raises(LimitExceeded) as exc:
        services.create_policy_version(policy, document=doc())
    assert exc.value.message == (
        "A managed policy can have up to 5 versions. Before you create a new version, "
        "you must delete an existing version."
    )


def test_version_ids_are_never_reused(account):
    policy = services.create_policy(account, name="P", document=doc())
    services.create_policy_version(policy, document=doc())
    services.delete_policy_version(policy, version_id="v2")
    assert services.create_policy_version(policy, document=doc()).version_id == "v3"


def test_set_default_version_moves_the_default(account):
    policy = services.create_policy(account, name="P", document=doc())
    services.create_policy_version(policy, document=doc(indent=2))
    services.set_default_version(policy, version_id="v2")
    assert services.default_version(policy).version_id == "v2"
    assert PolicyVersion.objects.filter(policy=policy, is_default=True).count() == 1
    with pytest.raises(NoSuchEntity) as exc:
        services.set_default_version(policy, version_id="v9")
    assert (
        exc.value.message == f"Policy {policy.arn} version v9 does not exist or is not attachable."
    )
    with pytest.raises(ValidationError):
        services.set_default_version(policy, version_id="latest")


def test_the_default_version_cannot_be_deleted(account):
    policy = services.create_policy(account, name="P", document=doc())
    with pytest.raises(DeleteConflict) as exc:
        services.delete_policy_version(policy, version_id="v1")
    assert exc.value.message == "Cannot delete the default version of a policy."


def test_delete_policy_refuses_while_attached_or_a_boundary_unless_detach_all(account, alice):
    policy = services.create_policy(account, name="P", document=doc())
    services.attach_user_policy(alice, policy_arn=policy.arn)
    with pytest.raises(DeleteConflict) as exc:
        services.delete_policy(policy)
    assert exc.value.message == "Cannot delete a policy attached to entities."
    services.detach_user_policy(alice, policy_arn=policy.arn)
    services.put_user_permissions_boundary(alice, policy_arn=policy.arn)
    with pytest.raises(DeleteConflict):
        services.delete_policy(policy)
    services.delete_policy(policy, detach_all=True)
    assert not ManagedPolicy.objects.filter(pk=policy.pk).exists()
    assert not PermissionsBoundary.objects.filter(user=alice).exists()


def test_delete_policy_with_other_versions_needs_them_deleted_first(account):
    policy = services.create_policy(account, name="P", document=doc())
    services.create_policy_version(policy, document=doc())
    with pytest.raises(DeleteConflict) as exc:
        services.delete_policy(policy)
    assert exc.value.message == (
        "This policy has more than one version. Before you delete a policy, you must "
        "delete the policy's versions. The default version is deleted with the policy."
    )
    services.delete_policy_version(policy, version_id="v2")
    services.delete_policy(policy)
    assert not PolicyVersion.objects.filter(policy_id=policy.pk).exists()


def test_aws_managed_policies_cannot_be_changed(aws_managed_policies):
    admin = aws_managed_policies.get(name="AdministratorAccess")
    for call in (
        lambda: services.create_policy_version(admin, document=doc()),
        lambda: services.delete_policy(admin, detach_all=True),
        lambda: services.set_default_version(admin, version_id="v1"),
    ):
        with pytest.raises(UnmodifiableEntity):
            call()


def test_get_policy_by_arn_sees_aws_and_own_policies_only(account, mallory, aws_managed_policies):
    mine = services.create_policy(account, name="Mine", document=doc())
    theirs = services.create_policy(mallory.account, name="Theirs", document=doc())
    assert services.get_policy(account, mine.arn) == mine
    assert (
        services.get_policy(account, "arn:aws:iam::aws:policy/AdministratorAccess").name
        == "AdministratorAccess"
    )
    with pytest.raises(NoSuchEntity) as exc:
        services.get_policy(account, theirs.arn)
    assert exc.value.message == f"Policy {theirs.arn} was not found."
