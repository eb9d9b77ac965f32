"""``manage.py syncmanagedpolicies`` and the data migration: the AWS managed policy catalog."""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from policies import managed, services
from policies.models import ManagedPolicy, PolicyAttachment

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


def test_the_catalog_has_awss_metadata_and_valid_documents():
    specs = {d.name: d for d in managed.definitions()}
    assert set(specs) == set(FACTS)
    for name, (version, policy_id, description) in FACTS.items():
        spec = specs[name]
        assert f"v{spec.version_number}" == version
        assert spec.policy_id.startswith("ANPA") and (
            policy_id is None or spec.policy_id == policy_id
        )
        assert description is None or spec.description == description
        services.check_document(spec.document)  # IAM would accept it
    assert "REDUCED STAND-IN" in specs["ReadOnlyAccess"].note
    assert json.loads(specs["AdministratorAccess"].document) == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }


def test_command_is_idempotent(aws_managed_policies):
    out = StringIO()
    call_command("syncmanagedpolicies", stdout=out)
    assert "0 created, 0 updated, 10 unchanged" in out.getvalue()
    power = ManagedPolicy.objects.get(account=None, name="PowerUserAccess")
    assert power.arn == "arn:aws:iam::aws:policy/PowerUserAccess"
    assert services.default_version(power).version_id == "v12"


def test_a_changed_file_updates_the_policy_in_place(tmp_path, alice, aws_managed_policies):
    for file in managed.DATA_DIR.glob("*.json"):
        shutil.copy(file, tmp_path / file.name)
    s3 = ManagedPolicy.objects.get(account=None, name="AmazonS3ReadOnlyAccess")
    services.attach_user_policy(alice, policy_arn=s3.arn)
    data = json.loads((tmp_path / "AmazonS3ReadOnlyAccess.json").read_text())
    data["DefaultVersionId"] = "v4"
    data["Description"] = "Provides read only access to all buckets."
    data["Document"]["Statement"][0]["Action"].append("s3:Describe*Job")
    (tmp_path / "AmazonS3ReadOnlyAccess.json").write_text(json.dumps(data))
    out = StringIO()
    call_command("syncmanagedpolicies", directory=str(tmp_path), stdout=out)
    assert "1 updated" in out.getvalue()
    s3_after = ManagedPolicy.objects.get(account=None, name="AmazonS3ReadOnlyAccess")
    assert (
        s3_after.pk == s3.pk and s3_after.description == "Provides read only access to all buckets."
    )
    assert services.default_version(s3_after).version_id == "v4"
    assert "s3:Describe*Job" in services.default_version(s3_after).document
    assert sorted(v.version_id for v in s3_after.versions.all()) == ["v3", "v4"]
    assert PolicyAttachment.objects.filter(
        user=alice, policy=s3_after
    ).exists()  # attachments survive
    call_command("syncmanagedpolicies", directory=str(tmp_path), stdout=StringIO())
    assert s3_after.versions.count() == 2


def test_a_new_file_adds_a_policy(tmp_path, aws_managed_policies):
    data = json.loads((managed.DATA_DIR / "AdministratorAccess.json").read_text())
    data.update(
        PolicyName="ViewOnlyAccess", Path="/job-function/", PolicyId="ANPAID22R6XPJATWOFDK6"
    )
    (tmp_path / "ViewOnlyAccess.json").write_text(json.dumps(data))
    call_command("syncmanagedpolicies", directory=str(tmp_path), stdout=StringIO())
    policy = ManagedPolicy.objects.get(account=None, name="ViewOnlyAccess")
    assert policy.arn == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"


def test_post_migrate_brings_the_catalog_back_after_a_flush(aws_managed_policies):
    from django.apps import apps
    from django.core.management.sql import emit_post_migrate_signal

    ManagedPolicy.objects.filter(account=None).delete()  # what flushing a test database does
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert ManagedPolicy.objects.filter(account=None).count() == len(FACTS)
    assert apps.get_app_config("policies")  # the receiver is registered by the app
