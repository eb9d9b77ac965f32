"""organizations.services: AWS Organizations' operations and rules, through the services.

The cast: ``account`` (root ``owner@coffee.example``) creates the organization and is its
management account; ``mallory``'s account is a standalone account it may invite.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Account, Role, User
from accounts.services import create_user, sign_up
from organizations import errors, services
from organizations.models import Handshake, Member, Organization, OrganizationalUnit, PolicyTarget, ServiceControlPolicy
from policies.models import PolicyAttachment
from tests.conftest import ROOT_PASSWORD, grant

pytestmark = pytest.mark.django_db

DENY_S3 = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})


@pytest.fixture
def org(account):
    return services.create_organization(account)


@pytest.fixture
def trainee(org, aws_managed_policies):
    member, _password = services.create_account(org, name="Trainee 1", email="t1@class.example")
    return member


def scp(org, name="DenyS3", document=DENY_S3, description=""):
    return services.create_policy(org, name=name, description=description, document=document)


def attached_names(org, target_id):
    return sorted(p.name for p in services.policies_for_target(org, target_id))


# ---------------------------------------------------------------------------
# Organizations


def test_create_organization_makes_the_account_its_management_account(account, org):
    assert re.fullmatch(r"o-[a-z0-9]{10}", org.org_id)
    assert re.fullmatch(r"r-[a-z0-9]{4}", org.root_id)
    mgmt = account.account_id
    assert org.arn == f"arn:aws:organizations::{mgmt}:organization/{org.org_id}"
    assert org.root_arn == f"arn:aws:organizations::{mgmt}:root/{org.org_id}/{org.root_id}"
    assert org.management_account_arn == f"arn:aws:organizations::{mgmt}:account/{org.org_id}/{mgmt}"
    assert org.feature_set == "ALL"
    member = Member.objects.get(account=account)
    assert (member.org, member.joined_method, member.status, member.email) == (
        org, "INVITED", "ACTIVE", "owner@coffee.example")
    assert member.is_management and member.parent_aws_id == org.root_id
    full = org.policies.get()
    assert (full.policy_id, full.name, full.aws_managed) == ("p-FullAWSAccess", "FullAWSAccess", True)
    assert full.arn == "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess"
    assert attached_names(org, org.root_id) == attached_names(org, mgmt) == ["FullAWSAccess"]


def test_organization_of_finds_members_and_management_account(account, org, trainee, mallory):
    assert services.organization_of(account) == org
    assert services.organization_of(trainee.account) == org
    assert services.organization_of(mallory.account) is None


def test_an_account_in_an_organization_cannot_create_another(account, org, trainee):
    for member_account in (account, trainee.account):
        with pytest.raises(errors.AlreadyInOrganizationException) as raised:
            services.create_organization(member_account)
        assert raised.value.code == "AlreadyInOrganizationException" and raised.value.status == 400
    assert Organization.objects.count() == 1


def test_delete_organization_needs_every_member_removed_first(account, org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    services.create_ou(org, parent_id=ou.ou_id, name="Group A")
    scp(org)
    with pytest.raises(errors.OrganizationNotEmptyException) as raised:
        services.delete_organization(org)
    assert "remove all accounts except the management account" in str(raised.value)
    assert Organization.objects.filter(pk=org.pk).exists()
    services.remove_account(org, trainee.account)
    services.delete_organization(org)
    assert not Organization.objects.exists() and not Member.objects.exists()
    assert not OrganizationalUnit.objects.exists() and not PolicyTarget.objects.exists()
    assert services.organization_of(account) is None
    services.create_organization(account)  # a standalone account again


def test_deleting_the_management_account_deletes_its_organization(account, org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    group = services.create_ou(org, parent_id=ou.ou_id, name="Group")
    services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=group.ou_id)
    account.delete()
    assert not Organization.objects.exists() and not OrganizationalUnit.objects.exists()
    assert services.organization_of(trainee.account) is None


def test_managed_organization_is_for_the_management_account_only(account, org, trainee, mallory):
    assert services.managed_organization(account) == org
    with pytest.raises(errors.NotManagementAccount) as raised:
        services.managed_organization(trainee.account)
    assert raised.value.code == "AccessDeniedException"
    with pytest.raises(errors.AWSOrganizationsNotInUseException):
        services.managed_organization(mallory.account)


def test_member_accounts_lists_the_management_account_too(account, org, trainee):
    assert [m.account for m in services.member_accounts(org)] == sorted(
        [account, trainee.account], key=lambda a: Member.objects.get(account=a).name)


def test_visible_account_ids(account, org, trainee, mallory):
    assert services.visible_account_ids(account) == sorted([account.pk, trainee.account.pk])
    assert services.visible_account_ids(trainee.account) == [trainee.account.pk]
    assert services.visible_account_ids(mallory.account) == [mallory.account.pk]


# ---------------------------------------------------------------------------
# Creating member accounts


def test_create_account_makes_an_account_whose_root_must_change_its_password(account, org, aws_managed_policies):
    member, password = services.create_account(org, name="Trainee 1", email="t1@class.example")
    new = member.account
    root = User.objects.get(account=new, is_root=True)
    assert root.email == "t1@class.example" and root.password_reset_required
    assert root.check_password(password) and len(password) >= 16
    assert (member.org, member.joined_method, member.name, member.email) == (
        org, "CREATED", "Trainee 1", "t1@class.example")
    assert member.arn == f"arn:aws:organizations::{account.account_id}:account/{org.org_id}/{new.account_id}"
    assert member.parent_aws_id == org.root_id
    assert attached_names(org, new.account_id) == ["FullAWSAccess"]


def test_created_account_has_organization_account_access_role(account, org, trainee):
    role = Role.objects.get(account=trainee.account, name="OrganizationAccountAccessRole")
    assert json.loads(role.trust_policy)["Statement"] == [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account.account_id}:root"},
        "Action": "sts:AssumeRole"}]
    assert [a.policy.arn for a in PolicyAttachment.objects.filter(role=role).select_related("policy")] == [
        "arn:aws:iam::aws:policy/AdministratorAccess"]


def test_an_administrator_of_the_management_account_switches_into_a_created_account(account, org, trainee, alice,
                                                                                     mallory):
    from accounts import roles
    from accounts.identity import principal_identity

    outsider = create_user(mallory.account, user_name="alice")
    for user in (alice, outsider):
        grant(user, {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    switched = roles.assume_role(principal_identity(alice, {}), account_reference=trainee.account.account_id,
                                 role_name="OrganizationAccountAccessRole", now=1e9)
    assert switched.arn == f"arn:aws:sts::{trainee.account.account_id}:assumed-role/OrganizationAccountAccessRole/alice"
    with pytest.raises(roles.AccessDenied):
        roles.assume_role(principal_identity(outsider, {}), account_reference=trainee.account.account_id,
                          role_name="OrganizationAccountAccessRole", now=1e9)


def test_create_account_under_an_ou(org, aws_managed_policies):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    member, _ = services.create_account(org, name="T", email="t@class.example", parent_id=ou.ou_id)
    assert member.parent_ou == ou
    assert services.path_of(org, member.account) == [org.root_id, ou.ou_id, member.account.account_id]


@pytest.mark.parametrize("email", ["owner@coffee.example", "OWNER@Coffee.example", "t1@class.example"])
def test_create_account_refuses_an_email_a_root_user_has(org, trainee, email):
    accounts = Account.objects.count()
    with pytest.raises(errors.CreateAccountFailed) as raised:
        services.create_account(org, name="Again", email=email)
    assert raised.value.reason == "EMAIL_ALREADY_EXISTS"
    assert Account.objects.count() == accounts


def test_create_account_attempts_are_limited_per_organization_per_day(org, aws_managed_policies, settings):
    settings.IAMPORTAL_ORG_ACCOUNTS_PER_DAY = 2
    services.create_account(org, name="One", email="one@class.example")
    with pytest.raises(errors.CreateAccountFailed):  # an email in use counts too
        services.create_account(org, name="Again", email="one@class.example")
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.create_account(org, name="Two", email="two@class.example")
    assert raised.value.reason == "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"
    assert not User.objects.filter(email="two@class.example").exists()


@pytest.mark.parametrize("name, email", [
    ("", "ok@class.example"), ("x" * 51, "ok@class.example"),
    ("Fine", "not-an-email"), ("Fine", "a@b.c"), ("Fine", "x" * 60 + "@class.example"),
])
def test_create_account_validates_name_and_email(org, aws_managed_policies, name, email):
    with pytest.raises(errors.InvalidInputException):
        services.create_account(org, name=name, email=email)
    assert Account.objects.count() == 1


def test_create_account_under_an_unknown_parent_writes_nothing(org, mallory, aws_managed_policies):
    other = services.create_organization(mallory.account)
    foreign_ou = services.create_ou(other, parent_id=other.root_id, name="Theirs")
    for parent_id in ("ou-zzzz-zzzzzzzz", other.root_id, foreign_ou.ou_id):
        with pytest.raises(errors.ParentNotFoundException):
            services.create_account(org, name="T", email="t@class.example", parent_id=parent_id)
    assert not User.objects.filter(email="t@class.example").exists()


def test_a_created_root_user_changes_its_one_time_password_at_first_sign_in(org, aws_managed_policies):
    member, password = services.create_account(org, name="Trainee", email="t1@class.example")
    client = Client(enforce_csrf_checks=True)
    client.get("/signin/")
    response = client.post("/signin/", {"email": "t1@class.example", "password": password,
                                        "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 302 and response.url == "/password/change/"
    home = client.get("/console/home/")
    assert home.status_code == 302 and home.url == "/password/change/"
    page = client.get("/password/change/")
    assert b"You must change your password to continue" in page.content
    response = client.post("/password/change/", {
        "old_password": password, "new_password": ROOT_PASSWORD, "new_password_confirm": ROOT_PASSWORD,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 302
    root = User.objects.get(account=member.account, is_root=True)
    assert not root.password_reset_required and root.check_password(ROOT_PASSWORD)
    assert client.get("/console/home/").status_code == 200


# ---------------------------------------------------------------------------
# Removing and leaving


def test_remove_account_makes_it_standalone_and_detaches_its_scps(org, trainee):
    policy = scp(org)
    services.attach_policy(policy, trainee.account.account_id)
    services.remove_account(org, trainee.account)
    assert services.organization_of(trainee.account) is None
    assert not PolicyTarget.objects.filter(target_id=trainee.account.account_id).exists()
    assert services.scp_chain(trainee.account) is None


def test_the_management_account_cannot_be_removed(account, org):
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.remove_account(org, account)
    assert raised.value.reason == "ACCOUNT_CANNOT_LEAVE_ORGANIZATION"
    assert "You can't remove the management account" in str(raised.value)
    with pytest.raises(errors.MasterCannotLeaveOrganizationException):
        services.leave_organization(account)
    assert services.organization_of(account) == org


def test_remove_account_of_another_organization_is_not_found(org, mallory):
    services.create_organization(mallory.account)
    with pytest.raises(errors.AccountNotFoundException):
        services.remove_account(org, mallory.account)


def test_leave_organization(org, trainee, mallory):
    services.leave_organization(trainee.account)
    assert services.organization_of(trainee.account) is None
    with pytest.raises(errors.AWSOrganizationsNotInUseException):
        services.leave_organization(mallory.account)


# ---------------------------------------------------------------------------
# Invitations


def test_invite_and_accept(account, org, mallory):
    handshake = services.invite_account(org, mallory.account)
    assert re.fullmatch(r"h-[a-z0-9]{10}", handshake.handshake_id)
    assert handshake.arn == (f"arn:aws:organizations::{account.account_id}:handshake/{org.org_id}/invite/"
                             f"{handshake.handshake_id}")
    assert handshake.expires - handshake.requested == timedelta(days=15)
    assert services.get_handshake(handshake.handshake_id, mallory.account) == handshake
    assert list(services.handshakes_for_account(mallory.account)) == [handshake]
    member = services.accept_handshake(handshake, mallory.account)
    assert (member.org, member.joined_method, member.email) == (org, "INVITED", "mallory@elsewhere.example")
    handshake.refresh_from_db()
    assert handshake.state == "ACCEPTED"
    assert attached_names(org, mallory.account.account_id) == ["FullAWSAccess"]


def test_an_account_in_an_organization_cannot_be_invited_or_join_another(org, trainee, mallory):
    with pytest.raises(errors.HandshakeConstraintViolationException) as raised:
        services.invite_account(org, trainee.account)
    assert raised.value.reason == "ALREADY_IN_AN_ORGANIZATION"
    handshake = services.invite_account(org, mallory.account)
    services.create_organization(mallory.account)
    with pytest.raises(errors.HandshakeConstraintViolationException):
        services.accept_handshake(handshake, mallory.account)
    assert Member.objects.get(account=mallory.account).org != org


def test_an_open_invitation_cannot_be_sent_twice(org, mallory):
    services.invite_account(org, mallory.account)
    with pytest.raises(errors.DuplicateHandshakeException):
        services.invite_account(org, mallory.account)


def test_decline_and_cancel(org, mallory):
    declined = services.invite_account(org, mallory.account)
    services.decline_handshake(declined, mallory.account)
    with pytest.raises(errors.InvalidHandshakeTransitionException):
        services.accept_handshake(declined, mallory.account)
    canceled = services.invite_account(org, mallory.account)
    services.cancel_handshake(canceled)
    with pytest.raises(errors.InvalidHandshakeTransitionException):
        services.cancel_handshake(canceled)
    assert services.organization_of(mallory.account) is None
    assert [h.state for h in services.handshakes_for_organization(org)] in (
        ["CANCELED", "DECLINED"], ["DECLINED", "CANCELED"])


def test_an_expired_invitation_cannot_be_accepted(org, mallory):
    handshake = services.invite_account(org, mallory.account)
    Handshake.objects.filter(pk=handshake.pk).update(expires=timezone.now() - timedelta(seconds=1))
    handshake.refresh_from_db()
    assert handshake.current_state == "EXPIRED"
    with pytest.raises(errors.InvalidHandshakeTransitionException):
        services.accept_handshake(handshake, mallory.account)
    services.invite_account(org, mallory.account)  # a new one may be sent


def test_only_the_invited_account_may_answer_or_see_an_invitation(org, mallory):
    stranger = sign_up(email="stranger@elsewhere.example", password=ROOT_PASSWORD).account
    handshake = services.invite_account(org, mallory.account)
    for answer in (services.accept_handshake, services.decline_handshake):
        with pytest.raises(errors.HandshakeNotFoundException):
            answer(handshake, stranger)
    with pytest.raises(errors.HandshakeNotFoundException):
        services.get_handshake(handshake.handshake_id, stranger)
    handshake.refresh_from_db()
    assert handshake.state == "OPEN"


# ---------------------------------------------------------------------------
# Organizational units


def test_create_ou(account, org):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    assert re.fullmatch(rf"ou-{org.root_id[2:]}-[a-z0-9]{{8}}", ou.ou_id)
    assert ou.arn == f"arn:aws:organizations::{account.account_id}:ou/{org.org_id}/{ou.ou_id}"
    assert ou.parent_aws_id == org.root_id
    child = services.create_ou(org, parent_id=ou.ou_id, name="Group A")
    assert child.parent == ou and child.parent_aws_id == ou.ou_id
    assert attached_names(org, ou.ou_id) == attached_names(org, child.ou_id) == ["FullAWSAccess"]


@pytest.mark.parametrize("name, ok", [("x", True), ("x" * 128, True), ("", False), ("x" * 129, False)])
def test_ou_names_are_1_to_128_characters(org, name, ok):
    if ok:
        assert services.create_ou(org, parent_id=org.root_id, name=name).name == name
    else:
        with pytest.raises(errors.InvalidInputException):
            services.create_ou(org, parent_id=org.root_id, name=name)
        assert not OrganizationalUnit.objects.exists()


def test_ou_names_are_unique_among_siblings(org):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    with pytest.raises(errors.DuplicateOrganizationalUnitException):
        services.create_ou(org, parent_id=org.root_id, name="Class")
    services.create_ou(org, parent_id=ou.ou_id, name="Class")  # another parent
    other = services.create_ou(org, parent_id=org.root_id, name="Other")
    with pytest.raises(errors.DuplicateOrganizationalUnitException):
        services.rename_ou(other, "Class")
    services.rename_ou(other, "Renamed")
    other.refresh_from_db()
    assert other.name == "Renamed"


def test_ous_nest_five_levels_deep(org):
    parent_id = org.root_id
    for level in range(5):
        parent_id = services.create_ou(org, parent_id=parent_id, name=f"L{level}").ou_id
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.create_ou(org, parent_id=parent_id, name="Too deep")
    assert raised.value.reason == "OU_DEPTH_LIMIT_EXCEEDED"


def test_an_organization_has_at_most_2000_ous(org, monkeypatch):
    monkeypatch.setattr(services, "OUS_MAX", 2)
    services.create_ou(org, parent_id=org.root_id, name="A")
    services.create_ou(org, parent_id=org.root_id, name="B")
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.create_ou(org, parent_id=org.root_id, name="C")
    assert raised.value.reason == "OU_NUMBER_LIMIT_EXCEEDED"


def test_create_ou_under_an_unknown_parent(org, mallory):
    other = services.create_organization(mallory.account)
    for parent_id in ("ou-zzzz-zzzzzzzz", other.root_id):
        with pytest.raises(errors.ParentNotFoundException):
            services.create_ou(org, parent_id=parent_id, name="X")


def test_an_ou_must_be_empty_to_be_deleted(org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    child = services.create_ou(org, parent_id=ou.ou_id, name="Group")
    with pytest.raises(errors.OrganizationalUnitNotEmptyException):
        services.delete_ou(ou)
    services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=child.ou_id)
    with pytest.raises(errors.OrganizationalUnitNotEmptyException):
        services.delete_ou(child)
    services.move_account(org, trainee.account, source_parent_id=child.ou_id, destination_parent_id=org.root_id)
    services.delete_ou(child)
    services.delete_ou(ou)
    assert not OrganizationalUnit.objects.exists()
    assert set(PolicyTarget.objects.values_list("target_id", flat=True)) == {
        org.root_id, org.management_account.account_id, trainee.account.account_id}


def test_get_ou(org, mallory):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    assert services.get_ou(org, ou.ou_id) == ou
    other = services.create_organization(mallory.account)
    with pytest.raises(errors.OrganizationalUnitNotFoundException):
        services.get_ou(other, ou.ou_id)


# ---------------------------------------------------------------------------
# Moving accounts, parents and children


def test_move_account(org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    assert services.parents(org, trainee.account.account_id) == [(ou.ou_id, "ORGANIZATIONAL_UNIT")]
    assert list(services.children(org, ou.ou_id, "ACCOUNT")) == [trainee]
    with pytest.raises(errors.DuplicateAccountException):
        services.move_account(org, trainee.account, source_parent_id=ou.ou_id, destination_parent_id=ou.ou_id)
    with pytest.raises(errors.AccountNotFoundException):  # not under that source
        services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    with pytest.raises(errors.SourceParentNotFoundException):
        services.move_account(org, trainee.account, source_parent_id="ou-zzzz-zzzzzzzz",
                              destination_parent_id=org.root_id)
    with pytest.raises(errors.DestinationParentNotFoundException):
        services.move_account(org, trainee.account, source_parent_id=ou.ou_id,
                              destination_parent_id="ou-zzzz-zzzzzzzz")
    assert Member.objects.get(pk=trainee.pk).parent_ou == ou


def test_move_an_account_of_another_organization(org, mallory):
    other = services.create_organization(mallory.account)
    with pytest.raises(errors.AccountNotFoundException):
        services.move_account(org, mallory.account, source_parent_id=other.root_id,
                              destination_parent_id=org.root_id)


def test_children_and_parents(account, org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    child = services.create_ou(org, parent_id=ou.ou_id, name="Group")
    assert list(services.children(org, org.root_id, "ORGANIZATIONAL_UNIT")) == [ou]
    assert list(services.children(org, ou.ou_id, "ORGANIZATIONAL_UNIT")) == [child]
    assert {m.account for m in services.children(org, org.root_id, "ACCOUNT")} == {account, trainee.account}
    assert services.parents(org, child.ou_id) == [(ou.ou_id, "ORGANIZATIONAL_UNIT")]
    assert services.parents(org, ou.ou_id) == [(org.root_id, "ROOT")]
    with pytest.raises(errors.InvalidInputException):
        services.children(org, org.root_id, "POLICY")
    with pytest.raises(errors.ParentNotFoundException):
        services.children(org, "r-zzzz", "ACCOUNT")
    with pytest.raises(errors.ChildNotFoundException):
        services.parents(org, "999999999999")


# ---------------------------------------------------------------------------
# Service control policies


def test_create_policy(account, org):
    policy = scp(org, description="No S3")
    assert re.fullmatch(r"p-[a-z0-9]{8}", policy.policy_id)
    assert policy.arn == (f"arn:aws:organizations::{account.account_id}:policy/{org.org_id}/"
                          f"service_control_policy/{policy.policy_id}")
    assert policy.type == "SERVICE_CONTROL_POLICY" and not policy.aws_managed
    assert services.get_policy(org, policy.policy_id) == policy
    assert [p.name for p in services.list_policies(org)] == ["FullAWSAccess", "DenyS3"]
    assert services.targets_for_policy(policy) == []


@pytest.mark.parametrize("field, value, ok", [
    ("name", "x" * 128, True), ("name", "", False), ("name", "x" * 129, False),
    ("description", "d" * 512, True), ("description", "d" * 513, False),
])
def test_policy_name_and_description_lengths(org, field, value, ok):
    fields = {"name": "P", "description": "", "document": DENY_S3, field: value}
    if ok:
        services.create_policy(org, **fields)
    else:
        with pytest.raises(errors.InvalidInputException):
            services.create_policy(org, **fields)
        assert org.policies.count() == 1


def test_policy_documents_are_at_most_5120_characters(org):
    def padded(size):
        text = DENY_S3[:-1] + ' ' * (size - len(DENY_S3)) + '}'
        assert len(text) == size
        return text

    services.create_policy(org, name="Fits", description="", document=padded(5120))
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.create_policy(org, name="Too big", description="", document=padded(5121))
    assert raised.value.reason == "POLICY_CONTENT_LIMIT_EXCEEDED"


@pytest.mark.parametrize("document", [
    "{not json",
    json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}),
])
def test_malformed_policy_documents_are_refused(org, document):
    with pytest.raises(errors.MalformedPolicyDocumentException) as raised:
        services.create_policy(org, name="Bad", description="", document=document)
    assert raised.value.code == "MalformedPolicyDocumentException"
    assert not org.policies.filter(name="Bad").exists()


def test_an_organization_has_at_most_1000_policies(org, monkeypatch):
    monkeypatch.setattr(services, "POLICIES_MAX", 2)
    scp(org, name="A")
    scp(org, name="B")  # FullAWSAccess does not count
    with pytest.raises(errors.ConstraintViolationException) as raised:
        scp(org, name="C")
    assert raised.value.reason == "POLICY_NUMBER_LIMIT_EXCEEDED"


def test_policy_names_are_unique_in_the_organization(org, mallory):
    policy = scp(org)
    with pytest.raises(errors.DuplicatePolicyException):
        scp(org)
    other = scp(org, name="Other")
    with pytest.raises(errors.DuplicatePolicyException):
        services.update_policy(other, name="DenyS3")
    scp(services.create_organization(mallory.account))  # another organization's
    services.update_policy(policy, name="DenyS3", description="Same name is fine")


def test_update_policy(org):
    policy = scp(org)
    allow = DENY_S3.replace("Deny", "Allow")
    services.update_policy(policy, name="AllowS3", description="Now allows", document=allow)
    policy.refresh_from_db()
    assert (policy.name, policy.description, policy.document) == ("AllowS3", "Now allows", allow)
    with pytest.raises(errors.MalformedPolicyDocumentException):
        services.update_policy(policy, document="[]")
    policy.refresh_from_db()
    assert policy.document == allow


def test_full_aws_access_cannot_be_changed_or_deleted(org):
    full = services.get_policy(org, "p-FullAWSAccess")
    with pytest.raises(errors.PolicyChangesNotAllowed):
        services.update_policy(full, description="mine")
    with pytest.raises(errors.PolicyChangesNotAllowed):
        services.delete_policy(full)
    assert org.policies.filter(policy_id="p-FullAWSAccess").exists()


def test_delete_policy_only_when_detached(org):
    policy = scp(org)
    services.attach_policy(policy, org.root_id)
    with pytest.raises(errors.PolicyInUseException):
        services.delete_policy(policy)
    services.detach_policy(policy, org.root_id)
    services.delete_policy(policy)
    assert not ServiceControlPolicy.objects.filter(pk=policy.pk).exists()


def test_attach_and_detach(org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    policy = scp(org)
    for target_id in (org.root_id, ou.ou_id, trainee.account.account_id):
        services.attach_policy(policy, target_id)
        assert attached_names(org, target_id) == ["DenyS3", "FullAWSAccess"]
    assert [(t.target_id, t.type) for t in services.targets_for_policy(policy)] == [
        (org.root_id, "ROOT"), (ou.ou_id, "ORGANIZATIONAL_UNIT"), (trainee.account.account_id, "ACCOUNT")]
    assert services.targets_for_policy(policy)[2].name == "Trainee 1"
    with pytest.raises(errors.DuplicatePolicyAttachmentException):
        services.attach_policy(policy, ou.ou_id)
    services.detach_policy(policy, ou.ou_id)
    assert attached_names(org, ou.ou_id) == ["FullAWSAccess"]
    with pytest.raises(errors.PolicyNotAttachedException):
        services.detach_policy(policy, ou.ou_id)


def test_attach_to_an_unknown_target(org, mallory):
    other = services.create_organization(mallory.account)
    policy = scp(org)
    for target_id in ("ou-zzzz-zzzzzzzz", other.root_id, mallory.account.account_id, "junk"):
        with pytest.raises(errors.TargetNotFoundException):
            services.attach_policy(policy, target_id)
        with pytest.raises(errors.TargetNotFoundException):
            services.policies_for_target(org, target_id)


def test_at_most_five_policies_per_target(org):
    for n in range(4):
        services.attach_policy(scp(org, name=f"P{n}"), org.root_id)
    sixth = scp(org, name="P5")
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.attach_policy(sixth, org.root_id)
    assert raised.value.reason == "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    assert len(attached_names(org, org.root_id)) == 5


def test_a_target_keeps_at_least_one_policy(org, trainee):
    full = services.get_policy(org, "p-FullAWSAccess")
    target_id = trainee.account.account_id
    with pytest.raises(errors.ConstraintViolationException) as raised:
        services.detach_policy(full, target_id)
    assert raised.value.reason == "MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"
    assert "You cannot remove the last policy attached to the specified target" in str(raised.value)
    services.attach_policy(scp(org), target_id)
    services.detach_policy(full, target_id)
    assert attached_names(org, target_id) == ["DenyS3"]


# ---------------------------------------------------------------------------
# The engine's hook


def test_scp_chain_gives_each_level_from_the_root_down(org, trainee, django_assert_max_num_queries):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    group = services.create_ou(org, parent_id=ou.ou_id, name="Group")
    services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=group.ou_id)
    services.attach_policy(scp(org, name="OnRoot"), org.root_id)
    services.attach_policy(scp(org, name="OnGroup"), group.ou_id)
    on_account = scp(org, name="OnAccount")
    services.attach_policy(on_account, trainee.account.account_id)
    services.detach_policy(services.get_policy(org, "p-FullAWSAccess"), trainee.account.account_id)
    account = Account.objects.get(pk=trainee.account.pk)
    with django_assert_max_num_queries(2):
        chain = services.scp_chain(account)
    assert [[name for name, _ in level] for level in chain] == [
        ["FullAWSAccess", "OnRoot"], ["FullAWSAccess"], ["FullAWSAccess", "OnGroup"], ["OnAccount"]]
    assert chain[3] == [("OnAccount", on_account.document)]


def test_scp_chain_is_none_outside_organizations_and_for_the_management_account(account, org, mallory,
                                                                                 django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert services.scp_chain(account) is None
    assert services.scp_chain(mallory.account) is None


def test_effective_levels(org, trainee):
    ou = services.create_ou(org, parent_id=org.root_id, name="Class")
    services.move_account(org, trainee.account, source_parent_id=org.root_id, destination_parent_id=ou.ou_id)
    levels = services.effective_levels(org, trainee.account)
    assert [(level, [p.name for p in policies]) for level, policies in levels] == [
        (org.root_id, ["FullAWSAccess"]), (ou.ou_id, ["FullAWSAccess"]),
        (trainee.account.account_id, ["FullAWSAccess"])]
