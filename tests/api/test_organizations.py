"""AWS Organizations over the API (the JSON 1.1 protocol on the Query API's endpoint): an
unmodified boto3 ``organizations`` client against the live server — every operation's happy
path and AWS's errors, paging, authorisation, isolation between organizations, and an SCP
attached through the API refusing an IAM call of a member account."""

from __future__ import annotations

import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.test import override_settings

from accounts import services as account_services
from accounts.models import User
from audit.models import Event
from organizations import errors
from organizations import services as org_services
from organizations.models import Member, Organization, OrganizationalUnit, PolicyTarget, ServiceControlPolicy
from tests.conftest import grant

from .conftest import allow, new_key
from .helpers import aws_error, signed_post

JSON = "application/x-amz-json-1.1"
FULL_AWS_ACCESS = "p-FullAWSAccess"
DENY_IAM_USERS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}]})

#: CreateAccount attaches AdministratorAccess to the new account's OrganizationAccountAccessRole.
needs_catalog = pytest.mark.usefixtures("aws_managed_policies")


def error(exc: pytest.ExceptionInfo) -> tuple[str, str, int]:
    return aws_error(exc.value)


def reason(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"].get("Reason") or exc.value.response.get("Reason", "")


NOT_IN_USE = ("AWSOrganizationsNotInUseException", errors.AWSOrganizationsNotInUseException.default_message, 400)
NOT_MANAGEMENT = ("AccessDeniedException", "You don't have permissions to access this resource.", 400)


@pytest.fixture
def org(organizations) -> dict:
    return organizations.create_organization(FeatureSet="ALL")["Organization"]


@pytest.fixture
def root_id(organizations, org) -> str:
    return organizations.list_roots()["Roots"][0]["Id"]


@pytest.fixture
def mallory_client(client_for, mallory):
    """AWS Organizations client of mallory, root user of another account."""
    return client_for(new_key(mallory), "organizations")


# ---------------------------------------------------------------------------
# The organization


def test_create_describe_and_delete_an_organization(organizations, account, root):
    created = organizations.create_organization()["Organization"]
    saved = Organization.objects.get(management_account=account)
    assert created == {
        "Id": saved.org_id, "Arn": f"arn:aws:organizations::{account.account_id}:organization/{saved.org_id}",
        "FeatureSet": "ALL", "MasterAccountId": account.account_id, "MasterAccountEmail": root.email,
        "MasterAccountArn": f"arn:aws:organizations::{account.account_id}:account/{saved.org_id}/{account.account_id}",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}
    assert organizations.describe_organization()["Organization"] == created
    roots = organizations.list_roots()["Roots"]
    assert roots == [{"Id": saved.root_id, "Name": "Root", "PolicyTypes": [
        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        "Arn": f"arn:aws:organizations::{account.account_id}:root/{saved.org_id}/{saved.root_id}"}]
    event = Event.objects.get(event_name="CreateOrganization")
    assert event.event_source == "organizations.amazonaws.com" and event.error_code == ""
    assert event.response_elements["Organization"]["Id"] == saved.org_id

    with pytest.raises(ClientError) as exc:
        organizations.create_organization()
    assert error(exc)[0] == "AlreadyInOrganizationException"
    assert Event.objects.filter(event_name="CreateOrganization", error_code="AlreadyInOrganizationException").exists()

    organizations.delete_organization()
    assert not Organization.objects.exists()
    with pytest.raises(ClientError) as exc:
        organizations.describe_organization()
    assert error(exc) == NOT_IN_USE
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == JSON


def test_an_account_outside_any_organization(organizations, db):
    for call in (organizations.describe_organization, organizations.list_accounts, organizations.list_roots,
                 organizations.leave_organization, organizations.delete_organization):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == NOT_IN_USE, call
    with pytest.raises(ClientError) as exc:
        organizations.create_organization(FeatureSet="CONSOLIDATED_BILLING")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INVALID_ENUM"
    assert not Organization.objects.exists()


@needs_catalog
def test_delete_organization_needs_it_empty(organizations, org):
    organizations.create_account(Email="trainee@class.example", AccountName="Trainee")
    with pytest.raises(ClientError) as exc:
        organizations.delete_organization()
    assert error(exc)[0] == "OrganizationNotEmptyException"
    assert Organization.objects.count() == 1


# ---------------------------------------------------------------------------
# Organizational units


def test_organizational_units(organizations, org, root_id):
    created = organizations.create_organizational_unit(ParentId=root_id, Name="Classes")["OrganizationalUnit"]
    ou = OrganizationalUnit.objects.get(ou_id=created["Id"])
    assert created == {"Id": ou.ou_id, "Name": "Classes", "Path": f"{org['Id']}/{root_id}/{ou.ou_id}/",
                       "Arn": f"arn:aws:organizations::{org['MasterAccountId']}:ou/{org['Id']}/{ou.ou_id}"}
    child = organizations.create_organizational_unit(ParentId=ou.ou_id, Name="Monday")["OrganizationalUnit"]
    assert child["Path"] == f"{org['Id']}/{root_id}/{ou.ou_id}/{child['Id']}/"
    assert organizations.describe_organizational_unit(OrganizationalUnitId=child["Id"])["OrganizationalUnit"] == child
    renamed = organizations.update_organizational_unit(OrganizationalUnitId=child["Id"], Name="Tuesday")
    assert renamed["OrganizationalUnit"]["Name"] == "Tuesday"
    assert OrganizationalUnit.objects.get(ou_id=child["Id"]).name == "Tuesday"
    assert [o["Id"] for o in organizations.list_organizational_units_for_parent(ParentId=root_id)[
        "OrganizationalUnits"]] == [ou.ou_id]
    assert organizations.list_children(ParentId=ou.ou_id, ChildType="ORGANIZATIONAL_UNIT")["Children"] == [
        {"Id": child["Id"], "Type": "ORGANIZATIONAL_UNIT"}]
    assert organizations.list_parents(ChildId=child["Id"])["Parents"] == [
        {"Id": ou.ou_id, "Type": "ORGANIZATIONAL_UNIT"}]
    assert organizations.list_parents(ChildId=ou.ou_id)["Parents"] == [{"Id": root_id, "Type": "ROOT"}]

    with pytest.raises(ClientError) as exc:
        organizations.create_organizational_unit(ParentId=ou.ou_id, Name="Tuesday")
    assert error(exc)[0] == "DuplicateOrganizationalUnitException"
    with pytest.raises(ClientError) as exc:
        organizations.delete_organizational_unit(OrganizationalUnitId=ou.ou_id)
    assert error(exc)[0] == "OrganizationalUnitNotEmptyException"
    with pytest.raises(ClientError) as exc:
        organizations.create_organizational_unit(ParentId="ou-abcd-12345678", Name="Lost")
    assert error(exc)[0] == "ParentNotFoundException"
    with pytest.raises(ClientError) as exc:
        organizations.describe_organizational_unit(OrganizationalUnitId="ou-NOPE")
    assert error(exc) == ("InvalidInputException", "You provided a value that does not match the required pattern.",
                          400) and reason(exc) == "INVALID_PATTERN"
    with pytest.raises(ClientError) as exc:
        organizations.create_organizational_unit(ParentId=root_id, Name="Tagged", Tags=[{"Key": "a", "Value": "b"}])
    assert error(exc)[0] == "ConstraintViolationException" and reason(exc) == "MAX_TAG_LIMIT_EXCEEDED"
    with pytest.raises(ClientError) as exc:
        organizations.list_children(ParentId=root_id, ChildType="USER")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INVALID_ENUM"

    organizations.delete_organizational_unit(OrganizationalUnitId=child["Id"])
    organizations.delete_organizational_unit(OrganizationalUnitId=ou.ou_id)
    assert not OrganizationalUnit.objects.exists()
    with pytest.raises(ClientError) as exc:
        organizations.describe_organizational_unit(OrganizationalUnitId=ou.ou_id)
    assert error(exc)[0] == "OrganizationalUnitNotFoundException"


def test_lists_page_with_next_token_in_bounded_queries(organizations, org, root_id, client_for, root_key,
                                                        django_assert_max_num_queries):
    organization = Organization.objects.get(org_id=org["Id"])
    for index in range(55):
        org_services.create_ou(organization, parent_id=root_id, name=f"ou-{index:02d}")
    organizations.list_roots()  # warm up: the first request of a principal records its use
    with django_assert_max_num_queries(12):
        first = organizations.list_organizational_units_for_parent(ParentId=root_id)
    assert len(first["OrganizationalUnits"]) == 20 and "NextToken" in first
    pages = organizations.get_paginator("list_organizational_units_for_parent").paginate(
        ParentId=root_id, PaginationConfig={"PageSize": 7})
    names = [ou["Name"] for page in pages for ou in page["OrganizationalUnits"]]
    assert names == [f"ou-{index:02d}" for index in range(55)]
    with pytest.raises(ClientError) as exc:
        organizations.list_organizational_units_for_parent(ParentId=root_id, NextToken="forged")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INVALID_NEXT_TOKEN"
    unchecked = client_for(root_key, "organizations", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as exc:
        unchecked.list_organizational_units_for_parent(ParentId=root_id, MaxResults=21)
    assert reason(exc) == "MAX_VALUE_EXCEEDED"
    with pytest.raises(ClientError) as exc:
        unchecked.describe_organizational_unit()
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INPUT_REQUIRED"


# ---------------------------------------------------------------------------
# Accounts


@needs_catalog
def test_create_account_and_manage_members(organizations, org, root_id, account):
    status = organizations.create_account(Email="trainee@class.example", AccountName="Trainee 1")
    assert "Password" not in json.dumps(status, default=str)
    status = status["CreateAccountStatus"]
    member = Member.objects.select_related("account").get(name="Trainee 1")
    new_id = member.account.account_id
    assert status["State"] == "SUCCEEDED" and status["AccountId"] == new_id and status["Id"] == f"car-{new_id}"
    trainee_root = User.objects.get(account=member.account, is_root=True)
    assert trainee_root.email == "trainee@class.example" and trainee_root.password_reset_required
    assert member.account.roles.filter(name="OrganizationAccountAccessRole").exists()
    assert organizations.describe_create_account_status(CreateAccountRequestId=status["Id"])[
        "CreateAccountStatus"] == status
    assert organizations.list_create_account_status(States=["SUCCEEDED"])["CreateAccountStatuses"] == [status]
    assert organizations.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"] == []
    with pytest.raises(ClientError) as exc:
        organizations.describe_create_account_status(CreateAccountRequestId="car-000000000000")
    assert error(exc)[0] == "CreateAccountStatusNotFoundException"

    failed = organizations.create_account(Email="trainee@class.example", AccountName="Again")["CreateAccountStatus"]
    assert failed["State"] == "FAILED" and failed["FailureReason"] == "EMAIL_ALREADY_EXISTS"
    assert Member.objects.count() == 2

    described = organizations.describe_account(AccountId=new_id)["Account"]
    assert described["Email"] == "trainee@class.example" and described["JoinedMethod"] == "CREATED"
    assert described["Arn"] == f"arn:aws:organizations::{account.account_id}:account/{org['Id']}/{new_id}"
    assert {a["Id"] for a in organizations.list_accounts()["Accounts"]} == {account.account_id, new_id}

    ou = organizations.create_organizational_unit(ParentId=root_id, Name="Class")["OrganizationalUnit"]["Id"]
    organizations.move_account(AccountId=new_id, SourceParentId=root_id, DestinationParentId=ou)
    assert Member.objects.get(pk=member.pk).parent_ou.ou_id == ou
    assert [a["Id"] for a in organizations.list_accounts_for_parent(ParentId=ou)["Accounts"]] == [new_id]
    assert organizations.list_children(ParentId=ou, ChildType="ACCOUNT")["Children"] == [
        {"Id": new_id, "Type": "ACCOUNT"}]
    assert organizations.list_parents(ChildId=new_id)["Parents"] == [{"Id": ou, "Type": "ORGANIZATIONAL_UNIT"}]
    with pytest.raises(ClientError) as exc:
        organizations.move_account(AccountId=new_id, SourceParentId=ou, DestinationParentId=ou)
    assert error(exc)[0] == "DuplicateAccountException"
    with pytest.raises(ClientError) as exc:
        organizations.move_account(AccountId=new_id, SourceParentId=root_id, DestinationParentId="ou-abcd-12345678")
    assert error(exc)[0] == "DestinationParentNotFoundException"
    with pytest.raises(ClientError) as exc:
        organizations.remove_account_from_organization(AccountId=account.account_id)
    assert error(exc)[0] == "ConstraintViolationException" and reason(exc) == "ACCOUNT_CANNOT_LEAVE_ORGANIZATION"
    with pytest.raises(ClientError) as exc:
        organizations.create_account(Email="x@class.example", AccountName="X", RoleName="Admin")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INVALID_ROLE_NAME"

    organizations.remove_account_from_organization(AccountId=new_id)
    assert not Member.objects.filter(pk=member.pk).exists()
    with pytest.raises(ClientError) as exc:
        organizations.describe_account(AccountId=new_id)
    assert error(exc)[0] == "AccountNotFoundException"


# ---------------------------------------------------------------------------
# Invitations


def test_invite_decline_accept_and_leave(organizations, org, mallory, mallory_client, account):
    invited = mallory.account.account_id
    handshake = organizations.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": invited},
                                                             Notes="Join the class")["Handshake"]
    assert handshake["State"] == "OPEN" and handshake["Action"] == "INVITE"
    assert {"Id": invited, "Type": "ACCOUNT"} in handshake["Parties"]
    assert handshake["Arn"] == (f"arn:aws:organizations::{account.account_id}:handshake/{org['Id']}/invite/"
                                f"{handshake['Id']}")
    assert [h["Id"] for h in mallory_client.list_handshakes_for_account()["Handshakes"]] == [handshake["Id"]]
    assert mallory_client.describe_handshake(HandshakeId=handshake["Id"])["Handshake"]["Id"] == handshake["Id"]
    with pytest.raises(ClientError) as exc:
        organizations.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": invited})
    assert error(exc)[0] == "DuplicateHandshakeException"
    with pytest.raises(ClientError) as exc:
        mallory_client.cancel_handshake(HandshakeId=handshake["Id"])
    assert error(exc) == NOT_MANAGEMENT
    assert mallory_client.decline_handshake(HandshakeId=handshake["Id"])["Handshake"]["State"] == "DECLINED"
    with pytest.raises(ClientError) as exc:
        mallory_client.accept_handshake(HandshakeId=handshake["Id"])
    assert error(exc)[0] == "InvalidHandshakeTransitionException"

    by_email = organizations.invite_account_to_organization(
        Target={"Type": "EMAIL", "Id": mallory.email})["Handshake"]
    assert organizations.cancel_handshake(HandshakeId=by_email["Id"])["Handshake"]["State"] == "CANCELED"
    again = organizations.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": invited})["Handshake"]
    assert len(organizations.list_handshakes_for_organization()["Handshakes"]) == 3
    assert organizations.list_handshakes_for_organization(Filter={"ActionType": "ENABLE_ALL_FEATURES"})[
        "Handshakes"] == []
    accepted = mallory_client.accept_handshake(HandshakeId=again["Id"])["Handshake"]
    assert accepted["State"] == "ACCEPTED"
    assert Member.objects.get(account=mallory.account).joined_method == "INVITED"
    assert mallory_client.describe_organization()["Organization"]["Id"] == org["Id"]
    # A member account sees its organization, but cannot list it or change its own SCPs.
    for call in (mallory_client.list_accounts,
                 lambda: mallory_client.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=invited),
                 lambda: mallory_client.create_policy(Name="Mine", Description="", Content=allow("*"),
                                                      Type="SERVICE_CONTROL_POLICY")):
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == NOT_MANAGEMENT
    assert PolicyTarget.objects.filter(target_id=invited).count() == 1
    with pytest.raises(ClientError) as exc:
        organizations.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": invited})
    assert error(exc)[0] == "HandshakeConstraintViolationException" and reason(exc) == "ALREADY_IN_AN_ORGANIZATION"
    with pytest.raises(ClientError) as exc:
        organizations.invite_account_to_organization(Target={"Type": "ACCOUNT", "Id": "000000000000"})
    assert error(exc)[0] == "AccountNotFoundException"
    with pytest.raises(ClientError) as exc:
        organizations.invite_account_to_organization(Target={"Type": "ORGANIZATION", "Id": org["Id"]})
    assert reason(exc) == "INVALID_PARTY_TYPE_TARGET"
    with pytest.raises(ClientError) as exc:
        organizations.leave_organization()
    assert error(exc)[0] == "MasterCannotLeaveOrganizationException"

    mallory_client.leave_organization()
    assert not Member.objects.filter(account=mallory.account).exists()


# ---------------------------------------------------------------------------
# Service control policies


def test_service_control_policies(organizations, org, root_id, account):
    content = allow("s3:*")
    created = organizations.create_policy(Name="OnlyS3", Description="S3 only", Content=content,
                                          Type="SERVICE_CONTROL_POLICY")["Policy"]
    saved = ServiceControlPolicy.objects.get(name="OnlyS3")
    assert created == {"Content": content, "PolicySummary": {
        "Id": saved.policy_id, "Name": "OnlyS3", "Description": "S3 only", "Type": "SERVICE_CONTROL_POLICY",
        "AwsManaged": False,
        "Arn": f"arn:aws:organizations::{account.account_id}:policy/{org['Id']}/service_control_policy/"
               f"{saved.policy_id}"}}
    policy_id = saved.policy_id
    assert organizations.describe_policy(PolicyId=policy_id)["Policy"] == created
    updated = organizations.update_policy(PolicyId=policy_id, Name="S3Only", Description="Just S3")["Policy"]
    assert updated["PolicySummary"]["Name"] == "S3Only" and updated["Content"] == content
    content = allow(["s3:*", "ec2:*"])
    assert organizations.update_policy(PolicyId=policy_id, Content=content)["Policy"]["Content"] == content
    with pytest.raises(ClientError) as exc:
        organizations.update_policy(PolicyId=policy_id, Content="{")
    assert error(exc)[0] == "MalformedPolicyDocumentException"
    assert ServiceControlPolicy.objects.get(pk=saved.pk).document == content
    listed = organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert [(p["Id"], p["AwsManaged"]) for p in listed] == [(FULL_AWS_ACCESS, True), (policy_id, False)]
    assert listed[0]["Arn"] == "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    assert organizations.list_policies(Filter="TAG_POLICY")["Policies"] == []

    ou = organizations.create_organizational_unit(ParentId=root_id, Name="Class")["OrganizationalUnit"]["Id"]
    organizations.attach_policy(PolicyId=policy_id, TargetId=ou)
    assert PolicyTarget.objects.filter(policy=saved, target_id=ou).exists()
    assert [p["Id"] for p in organizations.list_policies_for_target(
        TargetId=ou, Filter="SERVICE_CONTROL_POLICY")["Policies"]] == [FULL_AWS_ACCESS, policy_id]
    assert organizations.list_targets_for_policy(PolicyId=policy_id)["Targets"] == [{
        "TargetId": ou, "Name": "Class", "Type": "ORGANIZATIONAL_UNIT",
        "Arn": f"arn:aws:organizations::{account.account_id}:ou/{org['Id']}/{ou}"}]
    with pytest.raises(ClientError) as exc:
        organizations.attach_policy(PolicyId=policy_id, TargetId=ou)
    assert error(exc)[0] == "DuplicatePolicyAttachmentException"
    with pytest.raises(ClientError) as exc:
        organizations.delete_policy(PolicyId=policy_id)
    assert error(exc)[0] == "PolicyInUseException"
    with pytest.raises(ClientError) as exc:
        organizations.detach_policy(PolicyId=FULL_AWS_ACCESS, TargetId=root_id)
    assert error(exc)[0] == "ConstraintViolationException"
    assert reason(exc) == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    with pytest.raises(ClientError) as exc:
        organizations.detach_policy(PolicyId=policy_id, TargetId=root_id)
    assert error(exc)[0] == "PolicyNotAttachedException"
    with pytest.raises(ClientError) as exc:
        organizations.attach_policy(PolicyId=policy_id, TargetId="ou-abcd-12345678")
    assert error(exc)[0] == "TargetNotFoundException"
    with pytest.raises(ClientError) as exc:
        organizations.attach_policy(PolicyId=policy_id, TargetId="nope")
    assert reason(exc) == "INVALID_PATTERN_TARGET_ID"
    organizations.detach_policy(PolicyId=policy_id, TargetId=ou)
    organizations.delete_policy(PolicyId=policy_id)
    with pytest.raises(ClientError) as exc:
        organizations.describe_policy(PolicyId=policy_id)
    assert error(exc)[0] == "PolicyNotFoundException"

    with pytest.raises(ClientError) as exc:
        organizations.create_policy(Name="Bad", Description="", Content='{"Statement": "nope"}',
                                    Type="SERVICE_CONTROL_POLICY")
    assert error(exc)[0] == "MalformedPolicyDocumentException"
    with pytest.raises(ClientError) as exc:
        organizations.create_policy(Name="Tags", Description="", Content="{}", Type="TAG_POLICY")
    assert error(exc)[0] == "PolicyTypeNotAvailableForOrganizationException"
    with pytest.raises(ClientError) as exc:
        organizations.create_policy(Name="Odd", Description="", Content="{}", Type="ODD_POLICY")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "INVALID_ENUM_POLICY_TYPE"
    with pytest.raises(ClientError) as exc:
        organizations.update_policy(PolicyId=FULL_AWS_ACCESS, Name="Mine")
    assert error(exc)[0] == "AccessDeniedException"
    assert ServiceControlPolicy.objects.filter(name="FullAWSAccess").exists()


def test_policy_types_are_service_control_policies_always_enabled(organizations, org, root_id, aws, root_key):
    # The aws CLI (unmodified, signing for its own region) reads the same answers.
    assert aws(root_key, "organizations", "list-roots")["Roots"][0]["Id"] == root_id
    with pytest.raises(ClientError) as exc:
        organizations.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    assert error(exc)[0] == "PolicyTypeAlreadyEnabledException"
    with pytest.raises(ClientError) as exc:
        organizations.enable_policy_type(RootId="r-zzzz", PolicyType="SERVICE_CONTROL_POLICY")
    assert error(exc)[0] == "RootNotFoundException"
    with pytest.raises(ClientError) as exc:
        organizations.enable_policy_type(RootId=root_id, PolicyType="TAG_POLICY")
    assert error(exc)[0] == "PolicyTypeNotAvailableForOrganizationException"
    with pytest.raises(ClientError) as exc:
        organizations.disable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    assert error(exc)[0] == "InvalidInputException" and reason(exc) == "TARGET_NOT_SUPPORTED"
    with pytest.raises(ClientError) as exc:
        organizations.disable_policy_type(RootId=root_id, PolicyType="BACKUP_POLICY")
    assert error(exc)[0] == "PolicyTypeNotEnabledException"
    assert organizations.list_roots()["Roots"][0]["PolicyTypes"] == [
        {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]


# ---------------------------------------------------------------------------
# Authorisation and isolation


def test_an_iam_user_needs_an_allow(organizations, org, root_id, account, user_client):
    nobody = user_client("nobody", service="organizations")
    with pytest.raises(ClientError) as exc:
        nobody.describe_organization()
    assert error(exc) == (
        "AccessDeniedException",
        f"User: arn:aws:iam::{account.account_id}:user/nobody is not authorized to perform: "
        "organizations:DescribeOrganization on resource: * because no identity-based policy allows the "
        "organizations:DescribeOrganization action", 400)
    event = Event.objects.get(event_name="DescribeOrganization")
    assert event.error_code == "AccessDeniedException" and event.event_source == "organizations.amazonaws.com"

    classes_arn = f"arn:aws:organizations::{account.account_id}:root/{org['Id']}/{root_id}"
    admin = user_client("admin", allow(["organizations:Describe*", "organizations:List*"]),
                        allow("organizations:CreateOrganizationalUnit", classes_arn),
                        allow("organizations:DeleteOrganizationalUnit", "*", effect="Deny"),
                        service="organizations")
    assert admin.describe_organization()["Organization"]["Id"] == org["Id"]
    ou = admin.create_organizational_unit(ParentId=root_id, Name="Class")["OrganizationalUnit"]["Id"]
    with pytest.raises(ClientError) as exc:
        admin.create_organizational_unit(ParentId=ou, Name="Nested")
    assert error(exc)[0] == "AccessDeniedException"
    assert f"on resource: arn:aws:organizations::{account.account_id}:ou/{org['Id']}/{ou} because" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        admin.delete_organizational_unit(OrganizationalUnitId=ou)
    assert error(exc)[0] == "AccessDeniedException" and "with an explicit deny" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        admin.create_policy(Name="P", Description="", Content=allow("*"), Type="SERVICE_CONTROL_POLICY")
    assert error(exc)[0] == "AccessDeniedException"
    assert list(OrganizationalUnit.objects.values_list("name", flat=True)) == ["Class"]
    assert ServiceControlPolicy.objects.count() == 1


def test_another_organizations_ids_are_not_found(organizations, org, root_id, mallory, mallory_client):
    theirs = mallory_client.create_organization()["Organization"]
    their_root = mallory_client.list_roots()["Roots"][0]["Id"]
    their_ou = mallory_client.create_organizational_unit(ParentId=their_root, Name="Secret")[
        "OrganizationalUnit"]["Id"]
    their_policy = mallory_client.create_policy(Name="Secret", Description="", Content=allow("s3:*"),
                                                Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    mine = organizations.create_policy(Name="Mine", Description="", Content=allow("s3:*"),
                                       Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    outsider = account_services.sign_up(email="outsider@elsewhere.example", password="Outsider-Pass-2026!")
    handshake = mallory_client.invite_account_to_organization(
        Target={"Type": "ACCOUNT", "Id": outsider.account.account_id})["Handshake"]["Id"]
    for call, expected in [
        (lambda: organizations.describe_organizational_unit(OrganizationalUnitId=their_ou),
         "OrganizationalUnitNotFoundException"),
        (lambda: organizations.list_children(ParentId=their_root, ChildType="ACCOUNT"), "ParentNotFoundException"),
        (lambda: organizations.describe_policy(PolicyId=their_policy), "PolicyNotFoundException"),
        (lambda: organizations.describe_account(AccountId=mallory.account.account_id), "AccountNotFoundException"),
        (lambda: organizations.attach_policy(PolicyId=mine, TargetId=their_ou), "TargetNotFoundException"),
        (lambda: organizations.describe_handshake(HandshakeId=handshake), "HandshakeNotFoundException"),
        (lambda: organizations.cancel_handshake(HandshakeId=handshake), "HandshakeNotFoundException"),
        (lambda: organizations.enable_policy_type(RootId=their_root, PolicyType="SERVICE_CONTROL_POLICY"),
         "RootNotFoundException"),
    ]:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc)[0] == expected
    assert PolicyTarget.objects.filter(target_id=their_ou).count() == 1  # FullAWSAccess only
    assert Organization.objects.get(org_id=theirs["Id"]).handshakes.get().state == "OPEN"


@needs_catalog
def test_an_scp_attached_through_the_api_refuses_a_member_accounts_iam_call(organizations, org, client_for):
    """The SCP chain reaches the engine: a Deny attached to the member account refuses its IAM
    user — and its root user — an action their identity allows."""
    created = organizations.create_account(Email="scp@class.example", AccountName="Governed")
    member = Member.objects.select_related("account").get(
        account__account_id=created["CreateAccountStatus"]["AccountId"])
    trainee = account_services.create_user(member.account, user_name="dev")
    grant(trainee, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    dev_iam = client_for(new_key(trainee))
    dev_iam.create_user(UserName="before")
    policy = organizations.create_policy(Name="NoNewUsers", Description="", Content=DENY_IAM_USERS,
                                         Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]["Id"]
    organizations.attach_policy(PolicyId=policy, TargetId=member.account.account_id)
    with pytest.raises(ClientError) as exc:
        dev_iam.create_user(UserName="after")
    code, message, status = error(exc)
    assert (code, status) == ("AccessDenied", 403)
    assert "with an explicit deny in a service control policy" in message
    assert not User.objects.filter(account=member.account, user_name="after").exists()
    trainee_root = User.objects.get(account=member.account, is_root=True)
    with pytest.raises(ClientError) as exc:
        client_for(new_key(trainee_root)).create_user(UserName="root-made")
    assert error(exc)[0] == "AccessDenied"
    organizations.detach_policy(PolicyId=policy, TargetId=member.account.account_id)
    dev_iam.create_user(UserName="after")


# ---------------------------------------------------------------------------
# The protocol's edges (raw requests, signed by botocore's own signer)


def json_post(client, key, body: bytes | str, target: str, *, service: str = "organizations"):
    return signed_post(client, key, body, service=service, content_type=JSON,
                       extra_headers={"X-Amz-Target": target})


def test_the_json_protocol_answers_its_own_errors(client, root):
    key = new_key(root)
    response = json_post(client, key, "{}", "AWSOrganizationsV20161128.DescribeOrganization")
    assert response.status_code == 400 and response["Content-Type"] == JSON
    assert json.loads(response.content)["__type"] == "AWSOrganizationsNotInUseException"
    cases = [
        (json_post(client, key, "{not json", "AWSOrganizationsV20161128.ListAccounts"), "SerializationException"),
        (json_post(client, key, "[]", "AWSOrganizationsV20161128.ListAccounts"), "SerializationException"),
        (json_post(client, key, "{}", "AWSOrganizationsV20161128.CreateUser"), "UnknownOperationException"),
        (json_post(client, key, "{}", "AWSOrganizationsV20161128"), "UnknownOperationException"),
        (json_post(client, key, "{}", "AWSOrganizationsV20161128.ListAccounts", service="iam"),
         "InvalidSignatureException"),
        (json_post(client, None, "{}", "AWSOrganizationsV20161128.ListAccounts"),
         "MissingAuthenticationTokenException"),
        (json_post(client, ("AKIAUNKNOWNUNKNOWN00", "x" * 40), "{}", "AWSOrganizationsV20161128.ListAccounts"),
         "UnrecognizedClientException"),
        (json_post(client, key, '{"MaxResults": "ten"}', "AWSOrganizationsV20161128.ListAccounts"),
         "SerializationException"),
        # Characters no database stores: refused before anything is looked up or recorded.
        (json_post(client, key, '{"ParentId": "r-abcd", "Name": "a\\u0000b"}',
                   "AWSOrganizationsV20161128.CreateOrganizationalUnit"), "InvalidInputException"),
        (json_post(client, key, '{"Filter": {"\\ud800": 1}}', "AWSOrganizationsV20161128.ListHandshakesForAccount"),
         "InvalidInputException"),
    ]
    for response, expected in cases:
        body = json.loads(response.content)
        assert (response.status_code, body["__type"]) == (400, expected), body
        assert body["Message"]


@override_settings(IAMPORTAL_API_KEY_FAILURES=2)
def test_failed_authentications_are_throttled_as_for_iam(client, root):
    key_id, secret = new_key(root)
    target = "AWSOrganizationsV20161128.DescribeOrganization"
    for _ in range(2):
        answer = json.loads(json_post(client, (key_id, "wrong" + secret[5:]), "{}", target).content)
        assert answer["__type"] == "InvalidSignatureException"
    response = json_post(client, (key_id, secret), "{}", target)
    assert (response.status_code, json.loads(response.content)) == (
        400, {"__type": "TooManyRequestsException", "Message": "Rate exceeded"})
