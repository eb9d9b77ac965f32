"""AWS Organizations' operations: organizations, member accounts, invitations, OUs and service
control policies (issue #14).

Each function validates its input and enforces AWS Organizations' rules, raising
:mod:`organizations.errors` (AWS's exception codes and wording); authorisation is the caller's
job (views and API handlers authorise the ``organizations:*`` action first). Changes run in one
transaction each, with the organization's row locked, so that concurrent changes (two
attachments racing for the fifth slot, say) run one after the other.

Targets, parents and children are named by their AWS ids: the root id (``r-…``), an OU id
(``ou-…``) or a 12-digit account id.
"""

from __future__ import annotations

import json
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts import roles, throttle
from accounts import services as account_services
from accounts.models import Account, User
from iamportal import durable
from iamportal.errors import EntityAlreadyExists

from . import errors, ids
from .models import Handshake, Member, Organization, OrganizationalUnit, PolicyTarget, ServiceControlPolicy

ROOT, ORGANIZATIONAL_UNIT, ACCOUNT = "ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"
ACCESS_ROLE_NAME = "OrganizationAccountAccessRole"
ADMINISTRATOR_ACCESS_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
FULL_AWS_ACCESS_NAME = "FullAWSAccess"
FULL_AWS_ACCESS_DESCRIPTION = "Allows access to every operation"
FULL_AWS_ACCESS_DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    indent=2)

# AWS Organizations' quotas and lengths (the API reference and the Organizations quotas page).
OU_NAME_MAX = 128
OU_DEPTH_MAX = 5  # OUs nested under the root
POLICY_NAME_MAX = 128
POLICY_DESCRIPTION_MAX = 512
SCP_SIZE_MAX = 5120  # characters of the document, whitespace included
POLICIES_PER_TARGET_MAX = 5
POLICIES_MAX = 1000  # SCPs in an organization
OUS_MAX = 2000  # OUs in an organization
ACCOUNT_NAME_MAX = 50
EMAIL_MIN, EMAIL_MAX = 6, 64


# ---------------------------------------------------------------------------
# Helpers


def _lock(org: Organization) -> None:
    """Lock the organization's row: its changes run one after the other."""
    Organization.objects.select_for_update().filter(pk=org.pk).first()


def _check_length(value: str, maximum: int, member: str, minimum: int = 1) -> None:
    if not minimum <= len(value) <= maximum:
        raise errors.InvalidInputException(
            f"You provided a value that does not match the required pattern or length: {member} must be "
            f"between {minimum} and {maximum} characters.",
            reason="MAX_LENGTH_EXCEEDED" if len(value) > maximum else "MIN_LENGTH_EXCEEDED")


def _full_aws_access(org: Organization) -> ServiceControlPolicy:
    return org.policies.get(policy_id=ids.FULL_AWS_ACCESS_ID)


def _attach_full_aws_access(org: Organization, target_id: str) -> None:
    """AWS attaches FullAWSAccess to every new root, OU and account of an organization with
    service control policies enabled."""
    PolicyTarget.objects.create(policy=_full_aws_access(org), target_id=target_id)


def _detach_all(org: Organization, target_id: str) -> None:
    PolicyTarget.objects.filter(policy__org=org, target_id=target_id).delete()


def _account_name(account: Account) -> str:
    return (account.alias or account.account_id)[:ACCOUNT_NAME_MAX]


def _root_email(account: Account) -> str:
    return User.objects.filter(account=account, is_root=True).values_list("email", flat=True).first() or ""


# ---------------------------------------------------------------------------
# Organizations


@transaction.atomic
def create_organization(account: Account) -> Organization:
    """CreateOrganization: ``account`` becomes the management account (a member of its own
    organization, as AWS lists it), with all features and FullAWSAccess attached to the root and
    to the management account."""
    Account.objects.select_for_update().filter(pk=account.pk).first()
    if Member.objects.filter(account=account).exists():
        raise errors.AlreadyInOrganizationException()
    org = Organization.objects.create(management_account=account)
    ServiceControlPolicy.objects.create(
        org=org, policy_id=ids.FULL_AWS_ACCESS_ID, name=FULL_AWS_ACCESS_NAME,
        description=FULL_AWS_ACCESS_DESCRIPTION, document=FULL_AWS_ACCESS_DOCUMENT, aws_managed=True)
    _attach_full_aws_access(org, org.root_id)
    # AWS lists the management account with JoinedMethod INVITED (its CLI reference's
    # list-accounts example): it existed before the organization.
    Member.objects.create(account=account, org=org, joined_method=Member.INVITED,
                          email=_root_email(account), name=_account_name(account))
    _attach_full_aws_access(org, account.account_id)
    return org


def organization_of(account: Account) -> Organization | None:
    """The organization ``account`` belongs to, as a member or as its management account."""
    member = Member.objects.select_related("org__management_account").filter(account=account).first()
    return member.org if member else None


def require_organization(account: Account) -> Organization:
    """:func:`organization_of`, or ``AWSOrganizationsNotInUseException`` outside any organization."""
    org = organization_of(account)
    if org is None:
        raise errors.AWSOrganizationsNotInUseException()
    return org


def managed_organization(account: Account) -> Organization:
    """The organization ``account`` manages, for the operations only a management account may
    call: ``AWSOrganizationsNotInUseException`` outside any organization,
    ``AccessDeniedException`` (``NotManagementAccount``) for a member account."""
    org = require_organization(account)
    if org.management_account_id != account.pk:
        raise errors.NotManagementAccount()
    return org


@transaction.atomic
def delete_organization(org: Organization) -> None:
    """DeleteOrganization: only when no account but the management account is left
    (``OrganizationNotEmptyException``); its OUs, policies and invitations go with it."""
    _lock(org)
    if org.members.exclude(account_id=org.management_account_id).exists():
        raise errors.OrganizationNotEmptyException()
    org.delete()


def member_accounts(org: Organization) -> QuerySet[Member]:
    """ListAccounts: every account of the organization, the management account included."""
    return org.members.select_related("account", "parent_ou").order_by("name", "account__account_id")


def visible_account_ids(account: Account) -> list[int]:
    """The primary keys of the accounts whose events ``account`` may see: its own, plus its
    members' when it is a management account (issue #15)."""
    member_pks = Member.objects.filter(org__management_account=account).values_list("account_id", flat=True)
    return sorted({account.pk, *member_pks})


def get_member(org: Organization, account_id: str) -> Member:
    """The member with the 12-digit ``account_id`` (``AccountNotFoundException`` otherwise)."""
    member = (org.members.select_related("account", "parent_ou")
              .filter(account__account_id=str(account_id)).first())
    if member is None:
        raise errors.AccountNotFoundException()
    return member


def suspend_accounts(org: Organization, accounts: list[Account]) -> None:
    """Suspend member ``accounts`` of ``org`` (status ``SUSPENDED``): no role of theirs can be
    assumed and their role sessions end (``Account.suspended``); the management account is
    never suspended."""
    (Member.objects.filter(org=org, account__in=accounts).exclude(account=org.management_account)
     .update(status=Member.SUSPENDED))


def _member_of(org: Organization, account: Account) -> Member:
    member = org.members.select_related("account", "parent_ou").filter(account=account).first()
    if member is None:
        raise errors.AccountNotFoundException()
    return member


# ---------------------------------------------------------------------------
# Member accounts


def _check_new_account(name: str, email: str) -> None:
    _check_length(name, ACCOUNT_NAME_MAX, "AccountName")
    _check_length(email, EMAIL_MAX, "Email", EMAIL_MIN)
    try:
        validate_email(email)
    except DjangoValidationError:
        raise errors.InvalidInputException("The email address is not valid.", reason="INVALID_EMAIL_ADDRESS_TARGET") from None


def access_role_trust_policy(org: Organization) -> str:
    """The trust policy AWS gives ``OrganizationAccountAccessRole``: the management account."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": org.management_account.root_arn},
        "Action": "sts:AssumeRole"}]}, indent=2)


ACCOUNT_CREATION_WINDOW = 24 * 3600


def _spend_account_creation(org: Organization, kind: str = "create-account",
                            refusal: errors.OrganizationsError | None = None) -> None:
    """Count one CreateAccount attempt of ``org`` (``IAMPORTAL_ORG_ACCOUNTS_PER_DAY`` a day),
    kept even when the caller's transaction rolls back (an email in use, an API error). The
    budget is the management account's: deleting the organization and creating another does
    not renew it."""
    count = partial(throttle.spend, f"org-{kind}:{org.management_account_id}",
                    limit=settings.IAMPORTAL_ORG_ACCOUNTS_PER_DAY,
                    window=ACCOUNT_CREATION_WINDOW)
    allowed = count()
    durable.keep(count)
    if not allowed:
        raise refusal or errors.constraint(errors.ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED)


def spend_invitation_by_email(org: Organization) -> None:
    """Count one invitation of ``org`` that names the account by its root user's email, before
    the email is looked up: whether an email has an account shows in the answer, so, like
    CreateAccount's, these lookups are bounded (``IAMPORTAL_ORG_ACCOUNTS_PER_DAY`` a day, then
    ``HandshakeConstraintViolationException`` ``HANDSHAKE_RATE_LIMIT_EXCEEDED``)."""
    _spend_account_creation(org, "invite-email", errors.constraint(
        errors.HANDSHAKE_RATE_LIMIT_EXCEEDED, errors.HandshakeConstraintViolationException))


def create_account(org: Organization, *, name: str, email: str,
                   parent_id: str | None = None) -> tuple[Member, str]:
    """CreateAccount: a new account whose root user has ``email`` and a one-time password (returned;
    the root user must change it at first sign-in), the role ``OrganizationAccountAccessRole``
    (trusting the management account, ``AdministratorAccess`` attached), placed under
    ``parent_id`` (the root unless told) with FullAWSAccess attached.

    An email a root user already has fails as AWS's CreateAccountStatus does:
    ``CreateAccountFailed`` with reason ``EMAIL_ALREADY_EXISTS``. Every well-formed attempt
    counts against the organization's daily budget, as sign-ups count against an address's.
    """
    name, email = name.strip(), email.strip()
    _check_new_account(name, email)
    _spend_account_creation(org)
    return _create_account(org, name=name, email=email, parent_id=parent_id)


@transaction.atomic
def _create_account(org: Organization, *, name: str, email: str, parent_id: str | None) -> tuple[Member, str]:
    _lock(org)
    parent = _parent(org, parent_id or org.root_id, errors.ParentNotFoundException)
    password = account_services.generate_password()
    try:
        root = account_services.create_account_with_root(email=email, password=password, reset_required=True)
    except EntityAlreadyExists:
        raise errors.constraint(errors.EMAIL_ALREADY_EXISTS, errors.CreateAccountFailed) from None
    account = root.account
    roles.create_role(account, name=ACCESS_ROLE_NAME, trust_policy=access_role_trust_policy(org),
                      policy_arns=[ADMINISTRATOR_ACCESS_ARN])
    member = Member.objects.create(account=account, org=org, parent_ou=parent, joined_method=Member.CREATED,
                                   email=email, name=name)
    _attach_full_aws_access(org, account.account_id)
    return member, password


@transaction.atomic
def remove_account(org: Organization, account: Account) -> None:
    """RemoveAccountFromOrganization: the account becomes standalone again, its SCPs detached.
    The management account cannot be removed (``ConstraintViolationException``,
    ``ACCOUNT_CANNOT_LEAVE_ORGANIZATION``)."""
    _lock(org)
    member = _member_of(org, account)
    if account.pk == org.management_account_id:
        raise errors.constraint(errors.ACCOUNT_CANNOT_LEAVE_ORGANIZATION)
    _detach_all(org, account.account_id)
    member.delete()


def leave_organization(account: Account) -> None:
    """LeaveOrganization, by a member account itself; the management account cannot leave
    (``MasterCannotLeaveOrganizationException``)."""
    org = require_organization(account)
    if account.pk == org.management_account_id:
        raise errors.MasterCannotLeaveOrganizationException()
    remove_account(org, account)


# ---------------------------------------------------------------------------
# Invitations (handshakes)


def _open_handshakes() -> QuerySet[Handshake]:
    return Handshake.objects.filter(state=Handshake.OPEN, expires__gt=timezone.now())


@transaction.atomic
def invite_account(org: Organization, target_account: Account) -> Handshake:
    """InviteAccountToOrganization: an open invitation for 15 days. An account already in an
    organization cannot be invited (``HandshakeConstraintViolationException``,
    ``ALREADY_IN_AN_ORGANIZATION``), nor invited twice (``DuplicateHandshakeException``)."""
    _lock(org)
    if Member.objects.filter(account=target_account).exists():
        raise errors.constraint(errors.ALREADY_IN_AN_ORGANIZATION, errors.HandshakeConstraintViolationException)
    if _open_handshakes().filter(org=org, target_account=target_account).exists():
        raise errors.DuplicateHandshakeException()
    return Handshake.objects.create(org=org, target_account=target_account)


def get_handshake(handshake_id: str, account: Account) -> Handshake:
    """A handshake ``account`` may see: one it was invited by, or one its organization sent
    (``HandshakeNotFoundException`` otherwise)."""
    handshake = (Handshake.objects.select_related("org__management_account", "target_account")
                 .filter(handshake_id=handshake_id)
                 .filter(Q(target_account=account) | Q(org__management_account=account)).first())
    if handshake is None:
        raise errors.HandshakeNotFoundException()
    return handshake


def handshakes_for_account(account: Account) -> QuerySet[Handshake]:
    """ListHandshakesForAccount: the invitations sent to ``account``."""
    return Handshake.objects.select_related("org__management_account").filter(target_account=account)


def handshakes_for_organization(org: Organization) -> QuerySet[Handshake]:
    """ListHandshakesForOrganization: the invitations the organization sent."""
    return org.handshakes.select_related("target_account")


def _transition(handshake: Handshake, state: str) -> None:
    """Move an open handshake to ``state`` (``InvalidHandshakeTransitionException`` unless open)."""
    handshake.refresh_from_db(fields=["state"])
    if handshake.current_state != Handshake.OPEN:
        raise errors.InvalidHandshakeTransitionException()
    handshake.state = state
    handshake.save(update_fields=["state"])


def _check_invited(handshake: Handshake, account: Account) -> None:
    if handshake.target_account_id != account.pk:
        raise errors.HandshakeNotFoundException()


@transaction.atomic
def accept_handshake(handshake: Handshake, account: Account) -> Member:
    """AcceptHandshake, by the invited account: it joins the organization under the root (joined
    method INVITED, FullAWSAccess attached). An account that joined another organization
    meanwhile gets ``HandshakeConstraintViolationException`` (``ALREADY_IN_AN_ORGANIZATION``)."""
    _check_invited(handshake, account)
    _lock(handshake.org)
    Account.objects.select_for_update().filter(pk=account.pk).first()  # as create_organization does
    if Member.objects.filter(account=account).exists():
        raise errors.constraint(errors.ALREADY_IN_AN_ORGANIZATION, errors.HandshakeConstraintViolationException)
    _transition(handshake, Handshake.ACCEPTED)
    member = Member.objects.create(account=account, org=handshake.org, joined_method=Member.INVITED,
                                   email=_root_email(account), name=_account_name(account))
    _attach_full_aws_access(handshake.org, account.account_id)
    return member


@transaction.atomic
def decline_handshake(handshake: Handshake, account: Account) -> None:
    """DeclineHandshake, by the invited account."""
    _check_invited(handshake, account)
    _transition(handshake, Handshake.DECLINED)


@transaction.atomic
def cancel_handshake(handshake: Handshake) -> None:
    """CancelHandshake, by the organization that sent it."""
    _transition(handshake, Handshake.CANCELED)


# ---------------------------------------------------------------------------
# The tree: the root, OUs, parents and children


def _parent(org: Organization, parent_id: str, missing: type[errors.OrganizationsError]
            ) -> OrganizationalUnit | None:
    """The OU ``parent_id`` names, None for the root; ``missing`` when it names neither."""
    if parent_id == org.root_id:
        return None
    ou = org.ous.filter(ou_id=parent_id).first()
    if ou is None:
        raise missing()
    return ou


def get_ou(org: Organization, ou_id: str) -> OrganizationalUnit:
    """DescribeOrganizationalUnit (``OrganizationalUnitNotFoundException``)."""
    ou = org.ous.select_related("org__management_account").filter(ou_id=ou_id).first()
    if ou is None:
        raise errors.OrganizationalUnitNotFoundException()
    return ou


def _check_ou_name(org: Organization, parent: OrganizationalUnit | None, name: str,
                   exclude: OrganizationalUnit | None = None) -> None:
    _check_length(name, OU_NAME_MAX, "Name")
    siblings = org.ous.filter(parent=parent, name=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise errors.DuplicateOrganizationalUnitException()


def _save_ou(ou: OrganizationalUnit) -> None:
    try:
        with transaction.atomic():
            ou.save()
    except IntegrityError:  # the same name was taken meanwhile
        raise errors.DuplicateOrganizationalUnitException() from None


@transaction.atomic
def create_ou(org: Organization, *, parent_id: str, name: str) -> OrganizationalUnit:
    """CreateOrganizationalUnit under the root or an OU (at most 5 levels of OUs), FullAWSAccess
    attached."""
    _lock(org)
    parent = _parent(org, parent_id, errors.ParentNotFoundException)
    _check_ou_name(org, parent, name)
    if parent is not None and len(parent.ou_ids) >= OU_DEPTH_MAX:
        raise errors.constraint(errors.OU_DEPTH_LIMIT_EXCEEDED)
    if org.ous.count() >= OUS_MAX:
        raise errors.constraint(errors.OU_NUMBER_LIMIT_EXCEEDED)
    ou_id = ids.ou_id(org.root_id)
    ou = OrganizationalUnit(org=org, ou_id=ou_id, name=name, parent=parent,
                            path=f"{parent.path}/{ou_id}" if parent else ou_id)
    _save_ou(ou)
    _attach_full_aws_access(org, ou_id)
    return ou


@transaction.atomic
def rename_ou(ou: OrganizationalUnit, name: str) -> None:
    """UpdateOrganizationalUnit: a new name, unique among its siblings."""
    _lock(ou.org)
    _check_ou_name(ou.org, ou.parent, name, exclude=ou)
    ou.name = name
    _save_ou(ou)


@transaction.atomic
def delete_ou(ou: OrganizationalUnit) -> None:
    """DeleteOrganizationalUnit: only an empty OU (no accounts, no child OUs)."""
    _lock(ou.org)
    if ou.children.exists() or ou.accounts.exists():
        raise errors.OrganizationalUnitNotEmptyException()
    _detach_all(ou.org, ou.ou_id)
    ou.delete()


@transaction.atomic
def move_account(org: Organization, account: Account, *, source_parent_id: str,
                 destination_parent_id: str) -> None:
    """MoveAccount from its current parent (``source_parent_id``) to another root or OU."""
    _lock(org)
    member = _member_of(org, account)
    source = _parent(org, source_parent_id, errors.SourceParentNotFoundException)
    destination = _parent(org, destination_parent_id, errors.DestinationParentNotFoundException)
    if member.parent_ou_id != (source.pk if source else None):
        raise errors.AccountNotFoundException()
    if source == destination:
        raise errors.DuplicateAccountException()
    member.parent_ou = destination
    member.save(update_fields=["parent_ou"])


def children(org: Organization, parent_id: str, child_type: str) -> QuerySet:
    """ListChildren / ListAccountsForParent / ListOrganizationalUnitsForParent: the members
    (``ACCOUNT``) or the OUs (``ORGANIZATIONAL_UNIT``) directly under the root or an OU."""
    if child_type not in (ACCOUNT, ORGANIZATIONAL_UNIT):
        raise errors.InvalidInputException(
            "You provided a value that does not match the required pattern: ChildType must be "
            "ACCOUNT or ORGANIZATIONAL_UNIT.", reason="INVALID_ENUM")
    parent = _parent(org, parent_id, errors.ParentNotFoundException)
    if child_type == ACCOUNT:
        return member_accounts(org).filter(parent_ou=parent)
    return org.ous.filter(parent=parent)


class Parent(NamedTuple):
    """A parent as ListParents gives it: ``Id`` and ``Type`` (ROOT or ORGANIZATIONAL_UNIT)."""

    id: str
    type: str


def parents(org: Organization, child_id: str) -> list[Parent]:
    """ListParents: the one parent of an account or an OU (``ChildNotFoundException``)."""
    ou = org.ous.filter(ou_id=child_id).first()
    if ou is not None:
        parent_id = ou.parent_aws_id
    else:
        member = org.members.select_related("parent_ou").filter(account__account_id=child_id).first()
        if member is None:
            raise errors.ChildNotFoundException()
        parent_id = member.parent_ou.ou_id if member.parent_ou else org.root_id
    return [Parent(parent_id, ROOT if parent_id == org.root_id else ORGANIZATIONAL_UNIT)]


def path_of(org: Organization, account: Account) -> list[str]:
    """The account's place in the tree: ``[root id, OU id, …, account id]``."""
    member = _member_of(org, account)
    ous = member.parent_ou.ou_ids if member.parent_ou else []
    return [org.root_id, *ous, account.account_id]


# ---------------------------------------------------------------------------
# Service control policies


def get_policy(org: Organization, policy_id: str) -> ServiceControlPolicy:
    """DescribePolicy (``PolicyNotFoundException``)."""
    policy = org.policies.select_related("org__management_account").filter(policy_id=policy_id).first()
    if policy is None:
        raise errors.PolicyNotFoundException()
    return policy


def list_policies(org: Organization) -> QuerySet[ServiceControlPolicy]:
    """ListPolicies (Filter SERVICE_CONTROL_POLICY): FullAWSAccess first, then by name."""
    return org.policies.select_related("org__management_account")


def _check_policy_fields(name: str | None, description: str | None, document: str | None) -> None:
    if name is not None:
        _check_length(name, POLICY_NAME_MAX, "Name")
    if description is not None:
        _check_length(description, POLICY_DESCRIPTION_MAX, "Description", 0)
    if document is not None:
        if len(document) > SCP_SIZE_MAX:
            raise errors.constraint(errors.POLICY_CONTENT_LIMIT_EXCEEDED)
        from policies.engine import validate

        problems = [finding for finding in validate(document, kind="scp", max_size=0)
                    if finding.level == "ERROR" and finding.blocking]
        if problems:
            raise errors.MalformedPolicyDocumentException(
                f"{errors.MalformedPolicyDocumentException.default_message} {problems[0].message}")


def _check_policy_name(org: Organization, name: str, exclude: ServiceControlPolicy | None = None) -> None:
    taken = org.policies.filter(name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise errors.DuplicatePolicyException()


def _save_policy(policy: ServiceControlPolicy) -> None:
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError:  # the name was taken meanwhile
        raise errors.DuplicatePolicyException() from None


@transaction.atomic
def create_policy(org: Organization, *, name: str, description: str, document: str) -> ServiceControlPolicy:
    """CreatePolicy (type SERVICE_CONTROL_POLICY): a name unique in the organization (1–128
    characters), a description up to 512, a document up to 5,120 characters that the engine's
    validator accepts as an SCP."""
    _check_policy_fields(name, description, document)
    _lock(org)
    _check_policy_name(org, name)
    if org.policies.filter(aws_managed=False).count() >= POLICIES_MAX:
        raise errors.constraint(errors.POLICY_NUMBER_LIMIT_EXCEEDED)
    policy = ServiceControlPolicy(org=org, name=name, description=description, document=document)
    _save_policy(policy)
    return policy


def _refuse_aws_managed(policy: ServiceControlPolicy) -> None:
    if policy.aws_managed:
        raise errors.PolicyChangesNotAllowed()


@transaction.atomic
def update_policy(policy: ServiceControlPolicy, *, name: str | None = None, description: str | None = None,
                  document: str | None = None) -> ServiceControlPolicy:
    """UpdatePolicy: any of name, description, document; never FullAWSAccess."""
    _refuse_aws_managed(policy)
    _check_policy_fields(name, description, document)
    _lock(policy.org)
    if name is not None:
        _check_policy_name(policy.org, name, exclude=policy)
        policy.name = name
    if description is not None:
        policy.description = description
    if document is not None:
        policy.document = document
    _save_policy(policy)
    return policy


@transaction.atomic
def delete_policy(policy: ServiceControlPolicy) -> None:
    """DeletePolicy: only a detached customer policy (``PolicyInUseException``)."""
    _refuse_aws_managed(policy)
    _lock(policy.org)
    if policy.targets.exists():
        raise errors.PolicyInUseException()
    policy.delete()


def _check_target(org: Organization, target_id: str) -> None:
    """``TargetNotFoundException`` unless ``target_id`` is the root, an OU or an account of ``org``."""
    if target_id == org.root_id:
        return
    if not (org.ous.filter(ou_id=target_id).exists()
            or org.members.filter(account__account_id=target_id).exists()):
        raise errors.TargetNotFoundException()


@transaction.atomic
def attach_policy(policy: ServiceControlPolicy, target_id: str) -> None:
    """AttachPolicy to the root, an OU or an account: at most 5 SCPs per target."""
    _lock(policy.org)
    _check_target(policy.org, target_id)
    attached = PolicyTarget.objects.filter(policy__org=policy.org, target_id=target_id)
    if attached.filter(policy=policy).exists():
        raise errors.DuplicatePolicyAttachmentException()
    if attached.count() >= POLICIES_PER_TARGET_MAX:
        raise errors.constraint(errors.MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED)
    PolicyTarget.objects.create(policy=policy, target_id=target_id)


@transaction.atomic
def detach_policy(policy: ServiceControlPolicy, target_id: str) -> None:
    """DetachPolicy: a target keeps at least one SCP."""
    _lock(policy.org)
    _check_target(policy.org, target_id)
    attached = PolicyTarget.objects.filter(policy__org=policy.org, target_id=target_id)
    if not attached.filter(policy=policy).exists():
        raise errors.PolicyNotAttachedException()
    if attached.count() <= 1:
        raise errors.constraint(errors.MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED)
    attached.filter(policy=policy).delete()


def policies_for_target(org: Organization, target_id: str) -> QuerySet[ServiceControlPolicy]:
    """ListPoliciesForTarget: the SCPs attached directly to the root, an OU or an account."""
    _check_target(org, target_id)
    return list_policies(org).filter(targets__target_id=target_id)


class Target(NamedTuple):
    """A target as ListTargetsForPolicy gives it."""

    target_id: str
    arn: str
    name: str
    type: str


def targets_for_policy(policy: ServiceControlPolicy) -> list[Target]:
    """ListTargetsForPolicy: the root, OUs and accounts the policy is attached to (three queries)."""
    org = policy.org
    target_ids = list(policy.targets.values_list("target_id", flat=True))
    ous = {ou.ou_id: ou for ou in org.ous.filter(ou_id__in=target_ids)}
    members = {m.account.account_id: m for m in org.members.select_related("account")
               .filter(account__account_id__in=target_ids)}
    found = []
    for target_id in target_ids:
        if target_id == org.root_id:
            found.append(Target(target_id, org.root_arn, "Root", ROOT))
        elif target_id in ous:
            found.append(Target(target_id, org._arn(f"ou/{org.org_id}/{target_id}"), ous[target_id].name,
                                ORGANIZATIONAL_UNIT))
        elif target_id in members:
            found.append(Target(target_id, org.account_arn(target_id), members[target_id].name, ACCOUNT))
    return sorted(found, key=lambda t: ([ROOT, ORGANIZATIONAL_UNIT, ACCOUNT].index(t.type), t.name))


class Placement(NamedTuple):
    """Where an account sits in its organization, as the condition keys give it:
    ``aws:PrincipalOrgID`` / ``aws:ResourceOrgID`` (``org_id``) and ``aws:PrincipalOrgPaths`` /
    ``aws:ResourceOrgPaths`` (``path``: ``o-…/r-…/ou-…/…/``, the OUs from the root down to the
    account's parent, ending in ``/``)."""

    org_id: str
    path: str


def org_path(org_id: str, root_id: str, ou_ids: list[str]) -> str:
    """The Organizations entity path of an account's parent: ``o-…/r-…/ou-…/…/``."""
    return "/".join([org_id, root_id, *ou_ids]) + "/"


#: The attribute :func:`scp_chain` leaves on the account it read (its :class:`Placement`, or
#: None outside any organization), for ``policies.authz`` to take at once: the membership
#: query that reads the chain's path gives the condition keys too, at no extra query.
PLACEMENT_ATTR = "_org_placement_read"


def _placement(member: Member | None) -> Placement | None:
    if member is None:
        return None
    ous = member.parent_ou.ou_ids if member.parent_ou_id else []
    return Placement(member.org.org_id, org_path(member.org.org_id, member.org.root_id, ous))


def placement_of(account: Account) -> Placement | None:
    """The account's :class:`Placement`, None outside any organization (one query)."""
    member = (Member.objects.select_related("org", "parent_ou").filter(account=account)
              .only("account_id", "parent_ou_id", "org__org_id", "org__root_id", "parent_ou__path").first())
    return _placement(member)


def scp_chain(account: Account) -> list[list[tuple[str, str]]] | None:
    """The engine's hook: the SCPs that govern ``account``, level by level from the root down —
    ``[[(name, document), …] of the root, …of each OU on the path…, […of the account]]`` — or
    None outside any organization and for the management account (SCPs never apply to it).
    Two queries: the membership (with its OU's path), then the policies of every level. The
    account's :class:`Placement` is left on it (:data:`PLACEMENT_ATTR`)."""
    member = (Member.objects.select_related("org", "parent_ou")
              .filter(account=account).only("account_id", "parent_ou_id", "org__org_id", "org__root_id",
                                            "org__management_account_id", "parent_ou__path").first())
    setattr(account, PLACEMENT_ATTR, _placement(member))
    if member is None or member.org.management_account_id == account.pk:
        return None
    levels = [member.org.root_id, *(member.parent_ou.ou_ids if member.parent_ou else []), account.account_id]
    found: dict[str, list[tuple[str, str]]] = {level: [] for level in levels}
    rows = (PolicyTarget.objects.filter(policy__org_id=member.org_id, target_id__in=levels)
            .order_by("policy__name").values_list("target_id", "policy__name", "policy__document"))
    for target_id, name, document in rows:
        found[target_id].append((name, document))
    return [found[level] for level in levels]


def effective_levels(org: Organization, account: Account) -> list[tuple[str, list[ServiceControlPolicy]]]:
    """The account's path with the SCPs attached at each level, for pages that show where an
    account's SCPs come from: ``[(root id, [policies]), (OU id, […]), …, (account id, […])]``."""
    levels = path_of(org, account)
    found: dict[str, list[ServiceControlPolicy]] = {level: [] for level in levels}
    for target in (PolicyTarget.objects.filter(policy__org=org, target_id__in=levels)
                   .select_related("policy").order_by("policy__name")):
        found[target.target_id].append(target.policy)
    return [(level, found[level]) for level in levels]
