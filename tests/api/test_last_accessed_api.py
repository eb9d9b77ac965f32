"""GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails and
GetServiceLastAccessedDetailsWithEntities with boto3 against the live server."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from accounts import services
from audit import last_accessed
from policies import services as policy_services

from .conftest import allow


def error(raised: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(autouse=True)
def _fresh_writes():
    last_accessed.forget_writes()
    yield
    last_accessed.forget_writes()


def test_a_users_report_service_and_action_level(account, user_client, iam):
    reader = user_client("reader", allow(["iam:ListUsers", "iam:GetUser", "s3:GetObject"]))
    reader.list_users()
    user = services.get_user(account, "reader")

    job = iam.generate_service_last_accessed_details(Arn=user.arn, Granularity="ACTION_LEVEL")["JobId"]
    assert len(job) == 36
    details = iam.get_service_last_accessed_details(JobId=job)
    assert (details["JobStatus"], details["JobType"], details["IsTruncated"]) == ("COMPLETED", "ACTION_LEVEL", False)
    assert details["JobCompletionDate"] == details["JobCreationDate"]
    by_namespace = {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}
    assert set(by_namespace) == {"iam", "s3"}
    iam_row, s3_row = by_namespace["iam"], by_namespace["s3"]
    assert iam_row["ServiceName"] == "AWS Identity and Access Management (IAM)"
    assert (iam_row["LastAuthenticatedEntity"], iam_row["LastAuthenticatedRegion"],
            iam_row["TotalAuthenticatedEntities"]) == (user.arn, "us-east-1", 1)
    assert "LastAuthenticated" in iam_row
    actions = {a["ActionName"]: a for a in iam_row["TrackedActionsLastAccessed"]}
    assert set(actions) == {"GetUser", "ListUsers"}
    assert actions["ListUsers"]["LastAccessedEntity"] == user.arn and "LastAccessedTime" in actions["ListUsers"]
    assert "LastAccessedTime" not in actions["GetUser"]
    assert "LastAuthenticated" not in s3_row and s3_row["TotalAuthenticatedEntities"] == 0
    assert "TrackedActionsLastAccessed" not in s3_row

    service_level = iam.generate_service_last_accessed_details(Arn=user.arn)["JobId"]
    details = iam.get_service_last_accessed_details(JobId=service_level, MaxItems=1)
    assert details["JobType"] == "SERVICE_LEVEL" and details["IsTruncated"]
    assert "TrackedActionsLastAccessed" not in details["ServicesLastAccessed"][0]
    rest = iam.get_service_last_accessed_details(JobId=service_level, Marker=details["Marker"])
    assert [s["ServiceNamespace"] for s in details["ServicesLastAccessed"] + rest["ServicesLastAccessed"]] == [
        "iam", "s3"]


def test_a_groups_entities(account, user_client, iam):
    group = services.create_group(account, name="readers")
    policy_services.put_group_policy(group, name="read", document=allow("iam:ListUsers"))
    first = user_client("first")
    user_client("second")
    for name in ("first", "second"):
        services.add_user_to_group(group, services.get_user(account, name))
    first.list_users()
    job = iam.generate_service_last_accessed_details(Arn=group.arn)["JobId"]
    entities = iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="iam")
    assert entities["JobStatus"] == "COMPLETED" and not entities["IsTruncated"]
    listed = [(e["EntityInfo"]["Name"], e["EntityInfo"]["Type"], "LastAuthenticated" in e)
              for e in entities["EntityDetailsList"]]
    assert listed == [("first", "USER", True), ("second", "USER", False)]
    info = entities["EntityDetailsList"][0]["EntityInfo"]
    first_user = services.get_user(account, "first")
    assert (info["Arn"], info["Id"], info["Path"]) == (first_user.arn, first_user.unique_id, "/")


def test_errors_and_authorisation(account, mallory, user_client, iam, unchecked_iam):
    alice = services.create_user(account, user_name="alice")
    stranger = services.create_user(mallory.account, user_name="stranger")
    with pytest.raises(ClientError) as raised:
        iam.generate_service_last_accessed_details(Arn=stranger.arn)
    assert error(raised)[0::2] == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as raised:
        iam.generate_service_last_accessed_details(Arn=account.arn("user/nobody"))
    assert error(raised)[0::2] == ("NoSuchEntity", 404)
    with pytest.raises(ClientError) as raised:
        iam.generate_service_last_accessed_details(Arn="arn:aws:s3:::some-bucket-name")
    assert error(raised) == ("InvalidInput", "ARN arn:aws:s3:::some-bucket-name is not valid.", 400)
    with pytest.raises(ClientError) as raised:
        unchecked_iam.generate_service_last_accessed_details(Arn=alice.arn, Granularity="EVERYTHING")
    assert error(raised) == ("ValidationError", "1 validation error detected: Value 'EVERYTHING' at 'granularity' "
                             "failed to satisfy constraint: Member must satisfy enum value set: "
                             "[SERVICE_LEVEL, ACTION_LEVEL]", 400)
    with pytest.raises(ClientError) as raised:
        iam.get_service_last_accessed_details(JobId=str(uuid.uuid4()))
    assert error(raised)[0::2] == ("NoSuchEntity", 404)

    # Another account's job is NoSuchEntity for this one.
    theirs = last_accessed.LastAccessedJob.objects.create(account=mallory.account, arn=stranger.arn)
    with pytest.raises(ClientError) as raised:
        iam.get_service_last_accessed_details(JobId=str(theirs.job_id))
    assert error(raised)[0::2] == ("NoSuchEntity", 404)

    denied = user_client("denied", allow("iam:GetServiceLastAccessedDetails"))
    with pytest.raises(ClientError) as raised:
        denied.generate_service_last_accessed_details(Arn=alice.arn)
    caller = account.arn("user/denied")
    assert error(raised) == ("AccessDenied", f"User: {caller} is not authorized to perform: "
                             f"iam:GenerateServiceLastAccessedDetails on resource: {alice.arn} because no "
                             "identity-based policy allows the iam:GenerateServiceLastAccessedDetails action", 403)
    tagged = services.create_user(account, user_name="tagged", tags=[("team", "red")])
    scoped = user_client("scoped", allow("iam:GenerateServiceLastAccessedDetails",
                                         condition={"StringEquals": {"aws:ResourceTag/team": "red"}}),
                         allow("iam:GetServiceLastAccessedDetails", effect="Deny"))
    job = scoped.generate_service_last_accessed_details(Arn=tagged.arn)["JobId"]
    with pytest.raises(ClientError) as raised:
        scoped.generate_service_last_accessed_details(Arn=alice.arn)
    assert error(raised)[0] == "AccessDenied"
    with pytest.raises(ClientError) as raised:
        scoped.get_service_last_accessed_details(JobId=job)
    assert error(raised) == ("AccessDenied", f"User: {account.arn('user/scoped')} is not authorized to perform: "
                             "iam:GetServiceLastAccessedDetails on resource: * with an explicit deny in an "
                             "identity-based policy", 403)


def test_policy_report_is_bounded(account, iam, aws_managed_policies, django_assert_max_num_queries):
    arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
    for index in range(50):
        policy_services.attach_policy(services.create_user(account, user_name=f"u{index}"), policy_arn=arn)
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity="ACTION_LEVEL")["JobId"]
    job_row = last_accessed.LastAccessedJob.objects.get(job_id=job)
    with django_assert_max_num_queries(10):
        rows = last_accessed.report(account, last_accessed.entity_for_arn(account, job_row.arn), "ACTION_LEVEL")
    assert [row.namespace for row in rows] == ["iam"]
    assert len(iam.get_service_last_accessed_details(JobId=job)["ServicesLastAccessed"]) == 1
