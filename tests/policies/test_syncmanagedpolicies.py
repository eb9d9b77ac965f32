"""``manage.py syncmanagedpolicies`` and the data migration: loading the AWS managed policy
catalogue, in place, from a catalogue file (small hand-made files here; the real catalogue's
content is tested in test_managed_catalogue.py)."""

from __future__ import annotations

import gzip
import json
from io import StringIO

import pytest
from django.core.management import call_command

from policies import managed, services
from policies.engine import validate
from policies.models import ManagedPolicy, PermissionsBoundary, PolicyAttachment

pytestmark = pytest.mark.django_db

FACTS = {  # iam-facts §6
    "AdministratorAccess": (
        "v1",
        "ANPAIWMBCKSKIEE64ZLYK",
        "Provides full access to AWS services and resources.",
    ),
    "PowerUserAccess": (
        "v12",
        "ANPAJYRXTHIB4FOVS3ZXS",
        "Provides full access to AWS services and resources, "
        "but does not allow management of Users and groups.",
    ),
    "IAMFullAccess": ("v2", "ANPAI7XKCFMBPM3QQRRVQ", None),
    "IAMReadOnlyAccess": ("v4", "ANPAJKSO7NDY4T57MWDSQ", None),
    "IAMUserChangePassword": ("v5", None, None),
    "AmazonS3FullAccess": ("v2", "ANPAIFIR6V6BVTRAHWINE", None),
    "AmazonS3ReadOnlyAccess": ("v3", "ANPAIZTJ4DXE7G6AGAE6M", None),
    "AmazonEC2ReadOnlyAccess": ("v5", "ANPAIGDT4SV4GSETWTBZK", None),
    "AmazonEC2FullAccess": ("v5", "ANPAI3VAJF5ZCRZ7MCQE6", None),
    "ReadOnlyAccess": (
        "v190",
        "ANPAILL3HVNFSB6DCOWYQ",
        "Provides read-only access to AWS services and resources.",
    ),
}


def entry(spec: managed.Definition, **changes) -> dict:
    """A catalogue entry (what tools/managed_policies.py writes) for ``spec``, changed."""
    data = {
        "PolicyName": spec.name,
        "Path": spec.path,
        "PolicyId": spec.policy_id,
        "Description": spec.description,
        "CreateDate": spec.created.isoformat().replace("+00:00", "Z"),
        "UpdateDate": spec.updated.isoformat().replace("+00:00", "Z"),
        "DefaultVersionId": f"v{spec.version_number}",
        "Document": spec.document,
    }
    data.update(changes)
    return data


def write_catalogue(path, entries: list[dict]) -> str:
    file = path / "catalogue.json.gz"
    file.write_bytes(
        gzip.compress(json.dumps({"format": 1, "source": "test", "policies": entries}).encode())
    )
    return str(file)


def core_entries(**changed: dict) -> list[dict]:
    """The CORE policies as the real catalogue has them, ``changed[name]`` applied."""
    specs = managed.definitions(names=managed.CORE)
    return [entry(spec, **changed.get(spec.name, {})) for spec in specs]


def sync_file(file: str) -> str:
    out = StringIO()
    call_command("syncmanagedpolicies", file=file, stdout=out)
    return out.getvalue()


def test_the_core_policies_have_awss_metadata_and_documents_iam_accepts():
    specs = {d.name: d for d in managed.definitions(names=managed.CORE)}
    assert set(specs) == set(FACTS) == set(managed.CORE)
    for name, (version, policy_id, description) in FACTS.items():
        spec = specs[name]
        assert f"v{spec.version_number}" == version
        assert spec.policy_id.startswith("ANPA") and (
            policy_id is None or spec.policy_id == policy_id
        )
        assert description is None or spec.description == description
        # IAM would accept it (AWS managed documents are exempt from the 6,144 quota); Access
        # Analyzer's own ERROR findings (a service newer than the engine's catalogue) don't block.
        findings = validate(spec.document, max_size=0)
        blocking = [f for f in findings if f.level == "ERROR" and f.blocking]
        assert not blocking, name
    assert json.loads(specs["AdministratorAccess"].document) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_a_changed_catalogue_updates_the_policy_in_place(tmp_path, alice, aws_managed_policies):
    s3 = ManagedPolicy.objects.get(account=None, name="AmazonS3ReadOnlyAccess")
    services.attach_user_policy(alice, policy_arn=s3.arn)
    spec = managed.definitions(names=["AmazonS3ReadOnlyAccess"])[0]
    document = json.loads(spec.document)
    document["Statement"][0]["Action"].append("s3:Describe*Job")
    file = write_catalogue(tmp_path, core_entries(AmazonS3ReadOnlyAccess={
        "DefaultVersionId": "v4",
        "Description": "Provides read only access to all buckets.",
        "Document": json.dumps(document, indent=4),
    }))
    out = sync_file(file)
    assert "0 created, 1 updated, 9 unchanged," in out
    assert "updated AmazonS3ReadOnlyAccess" in out
    s3_after = ManagedPolicy.objects.get(account=None, name="AmazonS3ReadOnlyAccess")
    assert s3_after.pk == s3.pk
    assert s3_after.description == "Provides read only access to all buckets."
    assert services.default_version(s3_after).version_id == "v4"
    assert "s3:Describe*Job" in services.default_version(s3_after).document
    assert sorted(v.version_id for v in s3_after.versions.all()) == ["v3", "v4"]
    assert PolicyAttachment.objects.filter(user=alice, policy=s3_after).exists()
    assert "0 updated, 10 unchanged" in sync_file(file)
    assert s3_after.versions.count() == 2


def test_a_changed_document_of_the_same_version_is_rewritten(tmp_path, aws_managed_policies):
    reformatted = json.dumps(json.loads(managed.definitions(names=["IAMFullAccess"])[0].document))
    file = write_catalogue(tmp_path, core_entries(IAMFullAccess={"Document": reformatted}))
    assert "0 created, 1 updated, 9 unchanged," in sync_file(file)
    policy = ManagedPolicy.objects.get(account=None, name="IAMFullAccess")
    assert services.default_version(policy).document == reformatted
    assert policy.versions.count() == 1


def test_a_new_entry_adds_a_policy_with_its_path(tmp_path, aws_managed_policies):
    admin = managed.definitions(names=["AdministratorAccess"])[0]
    viewer = entry(admin, PolicyName="BaristaAccess", Path="/job-function/",
                   PolicyId="ANPAID22R6XPJATWOFDK6")
    out = sync_file(write_catalogue(tmp_path, [*core_entries(), viewer]))
    assert "1 created, 0 updated, 10 unchanged" in out
    policy = ManagedPolicy.objects.get(account=None, name="BaristaAccess")
    assert policy.arn == "arn:aws:iam::aws:policy/job-function/BaristaAccess"
    assert policy.policy_id == "ANPAID22R6XPJATWOFDK6"


def test_a_policy_that_left_the_catalogue_is_kept_while_attached(
    tmp_path, alice, aws_managed_policies
):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/IAMFullAccess")
    services.put_user_permissions_boundary(
        alice, policy_arn="arn:aws:iam::aws:policy/AmazonEC2FullAccess"
    )
    gone = {"IAMFullAccess", "AmazonEC2FullAccess", "AmazonS3FullAccess"}
    kept = [e for e in core_entries() if e["PolicyName"] not in gone]
    out = sync_file(write_catalogue(tmp_path, kept))
    assert " removed, 2 kept" in out
    assert "removed AmazonS3FullAccess" in out and "kept IAMFullAccess" in out
    names = set(ManagedPolicy.objects.aws_managed().values_list("name", flat=True))
    assert {"IAMFullAccess", "AmazonEC2FullAccess"} <= names and "AmazonS3FullAccess" not in names
    assert PolicyAttachment.objects.filter(user=alice, policy__name="IAMFullAccess").exists()
    boundary = PermissionsBoundary.objects.filter(user=alice, policy__name="AmazonEC2FullAccess")
    assert boundary.exists()


def test_post_migrate_after_a_flush_brings_back_the_core_policies(aws_managed_policies):
    from django.core.management.sql import emit_post_migrate_signal

    ManagedPolicy.objects.filter(account=None).delete()  # what flushing a test database does
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert set(ManagedPolicy.objects.aws_managed().values_list("name", flat=True)) == set(FACTS)
