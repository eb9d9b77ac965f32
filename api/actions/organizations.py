"""AWS Organizations over the API: the JSON 1.1 protocol (:mod:`api.jsonproto`) on the same
endpoint, so an unmodified boto3 ``organizations`` client works.

Every handler follows :mod:`api.actions.users`' pattern: validate the members as botocore's
model has them (Organizations' ``InvalidInputException`` and its reasons), authorise
``organizations:<Operation>`` on the resource ARN AWS uses (the Service Authorization Reference:
``*`` for the operations without a resource type; the root, OU, account, policy or handshake
otherwise — every one of them for AttachPolicy, DetachPolicy and MoveAccount; with
``organizations:PolicyType`` where AWS has it), then call :mod:`organizations.services`, the
console's own functions. Lookups are within the caller's organization, so another
organization's ids are AWS's ``…NotFoundException``. An operation only the management account
may call answers a member account ``AccessDeniedException`` ("You don't have permissions to
access this resource.", before any authorisation: the resources are the management
account's); an account outside any organization ``AWSOrganizationsNotInUseException``.

Deliberate differences (docs/differences.md): only service control policies (always enabled);
no tags on Organizations resources; CreateAccount completes at once (its request id is
``car-<account id>``) and never returns the new root user's one-time password.
"""

from __future__ import annotations

import re
import secrets
from functools import partial
from typing import Any

from django.utils import timezone

from accounts.models import Account, User
from organizations import errors, services
from organizations.ids import FULL_AWS_ACCESS_ID
from organizations.models import Handshake, Member, Organization, OrganizationalUnit, ServiceControlPolicy

from ..jsonproto import INVALID_ENUM, JsonParams, Window, invalid, window
from ..registry import Call, action

SCP = ServiceControlPolicy.TYPE
POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY", "TAG_POLICY", "BACKUP_POLICY",
                "AISERVICES_OPT_OUT_POLICY", "CHATBOT_POLICY", "DECLARATIVE_POLICY_EC2", "SECURITYHUB_POLICY",
                "SECURITYHUB_CSPM_POLICY", "INSPECTOR_POLICY", "UPGRADE_ROLLOUT_POLICY", "BEDROCK_POLICY",
                "S3_POLICY", "NETWORK_SECURITY_DIRECTOR_POLICY", "GUARDDUTY_POLICY")
CREATE_ACCOUNT_STATES = ("IN_PROGRESS", "SUCCEEDED", "FAILED")

# The model's patterns (ASCII digits only).
_ROOT = r"r-[0-9a-z]{4,32}"
_OU = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
_ACCOUNT = r"[0-9]{12}"
ROOT_ID = re.compile(_ROOT)
OU_ID = re.compile(_OU)
ACCOUNT_ID = re.compile(_ACCOUNT)
PARENT_ID = re.compile(f"{_ROOT}|{_OU}")
CHILD_ID = re.compile(f"{_ACCOUNT}|{_OU}")
TARGET_ID = re.compile(f"{_ROOT}|{_ACCOUNT}|{_OU}")
POLICY_ID = re.compile(r"p-[0-9a-zA-Z_]{8,128}")
HANDSHAKE_ID = re.compile(r"h-[0-9a-z]{8,32}")
CREATE_ACCOUNT_REQUEST_ID = re.compile(r"car-[a-z0-9]{8,32}")
CREATED_REQUEST_PREFIX = "car-"
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
ACCOUNT_NAME = re.compile(r"[\u0020-\u007E]+")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)

# InvalidInputException's reasons for ids, with AWS's words.
INVALID_PATTERN_TARGET_ID = ("INVALID_PATTERN_TARGET_ID",
                             "You specified a policy target ID that doesn't match the required pattern.")
INVALID_SYNTAX_POLICY_ID = ("INVALID_SYNTAX_POLICY_ID", "You specified an invalid policy ID.")
INVALID_ENUM_POLICY_TYPE = ("INVALID_ENUM_POLICY_TYPE", "You specified an invalid policy type string.")
INVALID_PARTY_TYPE_TARGET = ("INVALID_PARTY_TYPE_TARGET",
                             "You specified the wrong type of entity (account, organization, or email) as a party.")
MAX_LIMIT_EXCEEDED_FILTER = ("MAX_LIMIT_EXCEEDED_FILTER",
                             "You can specify only one filter parameter for the operation.")


#: ``@organizations_action("CreateOrganization")`` registers a handler of the service ``organizations``.
organizations_action = partial(action, "organizations")


# ---------------------------------------------------------------------------
# Who calls, and on what


def authorize(call: Call, *resources: str, context: dict[str, Any] | None = None) -> None:
    """``organizations:<the operation>`` on each of ``resources`` (``*`` when none), before
    anything changes."""
    name = f"organizations:{call.action}"
    call.authorize_all([(name, resource, context or {}) for resource in resources or ("*",)])


def organization(call: Call) -> Organization:
    """The caller's organization (``AWSOrganizationsNotInUseException`` outside any)."""
    return services.require_organization(call.account)


def require_management(call: Call, org: Organization) -> Organization:
    """``org``, when the caller's account manages it; AccessDeniedException for a member account."""
    if org.management_account_id != call.account.pk:
        raise errors.NotManagementAccount()
    return org


def management(call: Call) -> Organization:
    """The organization the caller's account manages. Checked before authorising, as AWS
    answers a member account whatever its policies: the resources are the management account's."""
    return require_management(call, organization(call))


def managed(call: Call, *resources: str, context: dict[str, Any] | None = None) -> Organization:
    """The organization the caller manages, the operation authorised on ``resources`` (``*``)."""
    org = management(call)
    authorize(call, *resources, context=context)
    return org


def target_arn(org: Organization, target_id: str) -> str:
    """The ARN of the root, OU or account ``target_id`` names in ``org``."""
    if target_id.startswith("r-"):
        return org._arn(f"root/{org.org_id}/{target_id}")
    if target_id.startswith("ou-"):
        return OrganizationalUnit(org=org, ou_id=target_id).arn
    return org.account_arn(target_id)


def policy_arn(org: Organization, policy_id: str) -> str:
    return ServiceControlPolicy(org=org, policy_id=policy_id, aws_managed=policy_id == FULL_AWS_ACCESS_ID).arn


def policy_type(params: JsonParams, name: str) -> str:
    """A ``PolicyType`` member (required): one of the model's, else INVALID_ENUM_POLICY_TYPE."""
    return params.enum(name, POLICY_TYPES, required=True, reason=INVALID_ENUM_POLICY_TYPE)


def scp_only(kind: str) -> None:
    """The portal's organizations have service control policies only."""
    if kind != SCP:
        raise errors.PolicyTypeNotAvailableForOrganizationException()


def no_tags(params: JsonParams) -> None:
    """The portal keeps no tags on Organizations resources: a request with tags exceeds the
    limit of none (AWS's ConstraintViolationException, MAX_TAG_LIMIT_EXCEEDED)."""
    if params.get("Tags"):
        raise errors.ConstraintViolationException("You have exceeded the number of tags allowed on this resource.",
                                                  reason="MAX_TAG_LIMIT_EXCEEDED")


def parent_id(params: JsonParams, name: str = "ParentId") -> str:
    return params.str(name, required=True, maximum=100, pattern=PARENT_ID)


def target_id(params: JsonParams) -> str:
    return params.str("TargetId", required=True, maximum=100, pattern=TARGET_ID, reason=INVALID_PATTERN_TARGET_ID)


def policy_id(params: JsonParams) -> str:
    return params.str("PolicyId", required=True, maximum=130, pattern=POLICY_ID, reason=INVALID_SYNTAX_POLICY_ID)


def account_id(params: JsonParams) -> str:
    return params.str("AccountId", required=True, maximum=12, pattern=ACCOUNT_ID)


def handshake_id(params: JsonParams) -> str:
    return params.str("HandshakeId", required=True, maximum=34, pattern=HANDSHAKE_ID)


def listed(span: Window, key: str, rows: Any, shape) -> dict[str, Any]:
    """The page ``span`` of ``rows`` as the list member ``key``, and ``NextToken`` when more follow."""
    found, more = span.page(rows)
    return {key: [shape(row) for row in found], **more}


# ---------------------------------------------------------------------------
# Shapes


def organization_shape(org: Organization) -> dict[str, Any]:
    email = (Member.objects.filter(account_id=org.management_account_id).values_list("email", flat=True).first())
    return {"Id": org.org_id, "Arn": org.arn, "FeatureSet": org.feature_set,
            "MasterAccountArn": org.management_account_arn,
            "MasterAccountId": org.management_account.account_id, "MasterAccountEmail": email,
            "AvailablePolicyTypes": [{"Type": SCP, "Status": "ENABLED"}]}


def root_shape(org: Organization) -> dict[str, Any]:
    return {"Id": org.root_id, "Arn": org.root_arn, "Name": "Root",
            "PolicyTypes": [{"Type": SCP, "Status": "ENABLED"}]}


def ou_shape(ou: OrganizationalUnit) -> dict[str, Any]:
    org = ou.org
    return {"Id": ou.ou_id, "Arn": ou.arn, "Name": ou.name, "Path": f"{org.org_id}/{org.root_id}/{ou.path}/"}


def account_shape(member: Member) -> dict[str, Any]:
    return {"Id": member.account.account_id, "Arn": member.arn, "Email": member.email, "Name": member.name,
            "Status": member.status, "State": member.status, "JoinedMethod": member.joined_method,
            "JoinedTimestamp": member.joined}


def account_child(member: Member) -> dict[str, Any]:
    return {"Id": member.account.account_id, "Type": services.ACCOUNT}


def ou_child(ou: OrganizationalUnit) -> dict[str, Any]:
    return {"Id": ou.ou_id, "Type": services.ORGANIZATIONAL_UNIT}


def create_status_shape(member: Member) -> dict[str, Any]:
    """A created account's CreateAccountStatus: SUCCEEDED at once (the portal creates accounts
    synchronously); its request id is ``car-<account id>``."""
    return {"Id": CREATED_REQUEST_PREFIX + member.account.account_id, "AccountName": member.name,
            "State": "SUCCEEDED", "RequestedTimestamp": member.joined, "CompletedTimestamp": member.joined,
            "AccountId": member.account.account_id}


def policy_summary(policy: ServiceControlPolicy) -> dict[str, Any]:
    return {"Id": policy.policy_id, "Arn": policy.arn, "Name": policy.name, "Description": policy.description,
            "Type": SCP, "AwsManaged": policy.aws_managed}


def policy_shape(policy: ServiceControlPolicy) -> dict[str, Any]:
    return {"PolicySummary": policy_summary(policy), "Content": policy.document}


def handshake_shape(handshake: Handshake) -> dict[str, Any]:
    """An invitation (``INVITE``): the organization and the invited account as its parties and
    resources, the management account's email and name among the organization's."""
    org = handshake.org
    management = org.management_account.org_member
    invited = handshake.target_account.account_id
    return {
        "Id": handshake.handshake_id, "Arn": handshake.arn,
        "Parties": [{"Id": org.org_id, "Type": "ORGANIZATION"}, {"Id": invited, "Type": "ACCOUNT"}],
        "State": handshake.current_state, "RequestedTimestamp": handshake.requested,
        "ExpirationTimestamp": handshake.expires, "Action": "INVITE",
        "Resources": [
            {"Type": "ORGANIZATION", "Value": org.org_id, "Resources": [
                {"Type": "MASTER_EMAIL", "Value": management.email},
                {"Type": "MASTER_NAME", "Value": management.name},
                {"Type": "ORGANIZATION_FEATURE_SET", "Value": org.feature_set}]},
            {"Type": "ACCOUNT", "Value": invited}],
    }


def handshake_rows(rows: Any) -> Any:
    """Handshakes with what their shape reads, in a stable order (newest first)."""
    return rows.select_related("org__management_account__org_member", "target_account").order_by(
        "-requested", "handshake_id")


# ---------------------------------------------------------------------------
# The organization


@organizations_action("CreateOrganization")
def create_organization(call: Call) -> dict:
    feature_set = call.params.enum("FeatureSet", ("ALL", "CONSOLIDATED_BILLING"))
    if feature_set == "CONSOLIDATED_BILLING":
        raise errors.InvalidInputException(
            "You specified an invalid value: the portal's organizations have all features (FeatureSet ALL).",
            reason=INVALID_ENUM[0])
    authorize(call)
    org = services.create_organization(call.account)
    return {"Organization": organization_shape(org)}


@organizations_action("DescribeOrganization")
def describe_organization(call: Call) -> dict:
    authorize(call)
    return {"Organization": organization_shape(organization(call))}


@organizations_action("DeleteOrganization")
def delete_organization(call: Call) -> None:
    services.delete_organization(managed(call))


@organizations_action("LeaveOrganization")
def leave_organization(call: Call) -> None:
    authorize(call)
    services.leave_organization(call.account)


@organizations_action("ListRoots")
def list_roots(call: Call) -> dict:
    span = window(call.params)
    org = managed(call)
    return listed(span, "Roots", [org], root_shape)


# ---------------------------------------------------------------------------
# Organizational units, parents and children


def tree_call(call: Call, member: str) -> tuple[Organization, str]:
    """The organization the caller manages and the root or OU id ``member`` names, the
    operation authorised on that parent."""
    parent = parent_id(call.params, member)
    org = management(call)
    authorize(call, target_arn(org, parent))
    return org, parent


def named_ou(call: Call) -> OrganizationalUnit:
    """The OU ``OrganizationalUnitId`` names in the caller's organization, the operation authorised on it."""
    ou_id = call.params.str("OrganizationalUnitId", required=True, maximum=68, pattern=OU_ID)
    org = management(call)
    authorize(call, target_arn(org, ou_id))
    return services.get_ou(org, ou_id)


def ou_name(params: JsonParams, *, required: bool) -> str | None:
    return params.str("Name", required=required, minimum=1, maximum=services.OU_NAME_MAX)


@organizations_action("CreateOrganizationalUnit")
def create_organizational_unit(call: Call) -> dict:
    name = ou_name(call.params, required=True)
    no_tags(call.params)
    org, parent = tree_call(call, "ParentId")
    return {"OrganizationalUnit": ou_shape(services.create_ou(org, parent_id=parent, name=name))}


@organizations_action("DescribeOrganizationalUnit")
def describe_organizational_unit(call: Call) -> dict:
    return {"OrganizationalUnit": ou_shape(named_ou(call))}


@organizations_action("UpdateOrganizationalUnit")
def update_organizational_unit(call: Call) -> dict:
    name = ou_name(call.params, required=False)
    ou = named_ou(call)
    if name is not None:
        services.rename_ou(ou, name)
    return {"OrganizationalUnit": ou_shape(ou)}


@organizations_action("DeleteOrganizationalUnit")
def delete_organizational_unit(call: Call) -> None:
    services.delete_ou(named_ou(call))


@organizations_action("ListOrganizationalUnitsForParent")
def list_organizational_units_for_parent(call: Call) -> dict:
    span = window(call.params)
    org, parent = tree_call(call, "ParentId")
    return listed(span, "OrganizationalUnits", services.children(org, parent, services.ORGANIZATIONAL_UNIT),
                  ou_shape)


@organizations_action("ListAccountsForParent")
def list_accounts_for_parent(call: Call) -> dict:
    span = window(call.params)
    org, parent = tree_call(call, "ParentId")
    return listed(span, "Accounts", services.children(org, parent, services.ACCOUNT), account_shape)


@organizations_action("ListChildren")
def list_children(call: Call) -> dict:
    span = window(call.params)
    child_type = call.params.enum("ChildType", (services.ACCOUNT, services.ORGANIZATIONAL_UNIT), required=True)
    org, parent = tree_call(call, "ParentId")
    shape = account_child if child_type == services.ACCOUNT else ou_child
    return listed(span, "Children", services.children(org, parent, child_type), shape)


@organizations_action("ListParents")
def list_parents(call: Call) -> dict:
    span = window(call.params)
    child = call.params.str("ChildId", required=True, maximum=100, pattern=CHILD_ID)
    org = management(call)
    authorize(call, target_arn(org, child))
    found = services.parents(org, child)
    return listed(span, "Parents", found, lambda parent: {"Id": parent.id, "Type": parent.type})


# ---------------------------------------------------------------------------
# Accounts


def named_member(call: Call) -> tuple[Organization, Member]:
    """The account ``AccountId`` names in the caller's organization, the operation authorised on it."""
    wanted = account_id(call.params)
    org = management(call)
    authorize(call, org.account_arn(wanted))
    return org, services.get_member(org, wanted)


@organizations_action("DescribeAccount")
def describe_account(call: Call) -> dict:
    return {"Account": account_shape(named_member(call)[1])}


@organizations_action("ListAccounts")
def list_accounts(call: Call) -> dict:
    span = window(call.params)
    return listed(span, "Accounts", services.member_accounts(managed(call)), account_shape)


@organizations_action("MoveAccount")
def move_account(call: Call) -> None:
    wanted = account_id(call.params)
    source, destination = parent_id(call.params, "SourceParentId"), parent_id(call.params, "DestinationParentId")
    org = management(call)
    authorize(call, org.account_arn(wanted), target_arn(org, source), target_arn(org, destination))
    member = services.get_member(org, wanted)
    services.move_account(org, member.account, source_parent_id=source, destination_parent_id=destination)


@organizations_action("RemoveAccountFromOrganization")
def remove_account_from_organization(call: Call) -> None:
    org, member = named_member(call)
    services.remove_account(org, member.account)


@organizations_action("CreateAccount")
def create_account(call: Call) -> dict:
    """CreateAccount completes at once: SUCCEEDED with the account id, or FAILED with AWS's
    reason (an email already in use). The new root user's one-time password is never part of an
    API answer (AWS gives none): see docs/organizations.md."""
    params = call.params
    email = params.str("Email", required=True, minimum=6, maximum=64, pattern=EMAIL)
    name = params.str("AccountName", required=True, minimum=1, maximum=50, pattern=ACCOUNT_NAME)
    role_name = params.str("RoleName", maximum=64, pattern=ROLE_NAME)
    params.enum("IamUserAccessToBilling", ("ALLOW", "DENY"))
    no_tags(params)
    if role_name is not None and role_name != services.ACCESS_ROLE_NAME:
        raise errors.InvalidInputException(
            f"You provided a role name that isn't valid: the portal creates the role {services.ACCESS_ROLE_NAME}.",
            reason="INVALID_ROLE_NAME")
    org = managed(call)
    try:
        member, _password = services.create_account(org, name=name, email=email)
    except errors.CreateAccountFailed as failed:
        now = timezone.now()
        return {"CreateAccountStatus": {"Id": CREATED_REQUEST_PREFIX + secrets.token_hex(8), "AccountName": name,
                                        "State": "FAILED", "RequestedTimestamp": now, "CompletedTimestamp": now,
                                        "FailureReason": failed.reason}}
    return {"CreateAccountStatus": create_status_shape(member)}


def created_members(org: Organization) -> Any:
    """The accounts CreateAccount made in ``org`` (the management account is not one), newest first."""
    return (org.members.filter(joined_method=Member.CREATED).exclude(account_id=org.management_account_id)
            .select_related("account").order_by("-joined", "account__account_id"))


@organizations_action("DescribeCreateAccountStatus")
def describe_create_account_status(call: Call) -> dict:
    request_id = call.params.str("CreateAccountRequestId", required=True, maximum=36,
                                 pattern=CREATE_ACCOUNT_REQUEST_ID)
    org = managed(call)
    member = created_members(org).filter(account__account_id=request_id.removeprefix(CREATED_REQUEST_PREFIX)).first()
    if member is None:
        raise errors.CreateAccountStatusNotFoundException()
    return {"CreateAccountStatus": create_status_shape(member)}


@organizations_action("ListCreateAccountStatus")
def list_create_account_status(call: Call) -> dict:
    span = window(call.params)
    states = call.params.strings("States")
    if any(state not in CREATE_ACCOUNT_STATES for state in states):
        raise invalid(INVALID_ENUM)
    org = managed(call)
    rows = created_members(org) if not states or "SUCCEEDED" in states else []
    return listed(span, "CreateAccountStatuses", rows, create_status_shape)


# ---------------------------------------------------------------------------
# Invitations (handshakes)


def invited_account(org: Organization, target: JsonParams) -> Account:
    """The account a ``HandshakeParty`` names: by its 12-digit id (``ACCOUNT``) or its root user's
    email (``EMAIL``, counted: ``services.spend_invitation_by_email``); ``AccountNotFoundException``
    when no account has it."""
    party_type = target.enum("Type", ("ACCOUNT", "ORGANIZATION", "EMAIL"), required=True)
    party_id = target.str("Id", required=True, minimum=1, maximum=64)
    if party_type == "ACCOUNT" and ACCOUNT_ID.fullmatch(party_id):
        found = Account.objects.filter(account_id=party_id).first()
    elif party_type == "EMAIL" and EMAIL.fullmatch(party_id):
        services.spend_invitation_by_email(org)
        root = User.objects.select_related("account").filter(is_root=True, email__iexact=party_id).first()
        found = root.account if root is not None else None
    else:
        raise invalid(INVALID_PARTY_TYPE_TARGET)
    if found is None:
        raise errors.AccountNotFoundException()
    return found


@organizations_action("InviteAccountToOrganization")
def invite_account_to_organization(call: Call) -> dict:
    target = call.params.struct("Target", required=True)
    call.params.str("Notes", maximum=1024)
    no_tags(call.params)
    org = managed(call)
    return answered(services.invite_account(org, invited_account(org, target)))


def named_handshake(call: Call, *, sender: bool = False) -> Handshake:
    """The handshake ``HandshakeId`` names among those the caller's account may see (sent by its
    organization, or to it; only the former when ``sender``), the operation authorised on its ARN."""
    wanted = handshake_id(call.params)
    handshake = services.get_handshake(wanted, call.account)
    if sender:
        require_management(call, handshake.org)
    authorize(call, handshake.arn)
    return handshake


def answered(handshake: Handshake) -> dict:
    """The ``Handshake`` member after a change, read afresh with what its shape needs."""
    return {"Handshake": handshake_shape(handshake_rows(Handshake.objects.filter(pk=handshake.pk)).get())}


@organizations_action("AcceptHandshake")
def accept_handshake(call: Call) -> dict:
    handshake = named_handshake(call)
    services.accept_handshake(handshake, call.account)
    return answered(handshake)


@organizations_action("DeclineHandshake")
def decline_handshake(call: Call) -> dict:
    handshake = named_handshake(call)
    services.decline_handshake(handshake, call.account)
    return answered(handshake)


@organizations_action("CancelHandshake")
def cancel_handshake(call: Call) -> dict:
    handshake = named_handshake(call, sender=True)
    services.cancel_handshake(handshake)
    return answered(handshake)


@organizations_action("DescribeHandshake")
def describe_handshake(call: Call) -> dict:
    return {"Handshake": handshake_shape(named_handshake(call))}


def handshake_filter(call: Call) -> bool:
    """Whether ``Filter`` keeps invitations (``ActionType`` INVITE, or none): the portal's only
    handshakes, which have no parent handshake."""
    found = call.params.struct("Filter")
    if found is None:
        return True
    action_type = found.enum("ActionType", ("INVITE", "ENABLE_ALL_FEATURES", "APPROVE_ALL_FEATURES",
                                            "ADD_ORGANIZATIONS_SERVICE_LINKED_ROLE", "TRANSFER_RESPONSIBILITY"))
    parent = found.str("ParentHandshakeId", maximum=34, pattern=HANDSHAKE_ID)
    if action_type is not None and parent is not None:
        raise invalid(MAX_LIMIT_EXCEEDED_FILTER)
    return parent is None and action_type in (None, "INVITE")


@organizations_action("ListHandshakesForAccount")
def list_handshakes_for_account(call: Call) -> dict:
    span = window(call.params)
    keep = handshake_filter(call)
    authorize(call)
    rows = handshake_rows(services.handshakes_for_account(call.account)) if keep else []
    return listed(span, "Handshakes", rows, handshake_shape)


@organizations_action("ListHandshakesForOrganization")
def list_handshakes_for_organization(call: Call) -> dict:
    span = window(call.params)
    keep = handshake_filter(call)
    org = managed(call)
    rows = handshake_rows(services.handshakes_for_organization(org)) if keep else []
    return listed(span, "Handshakes", rows, handshake_shape)


# ---------------------------------------------------------------------------
# Service control policies


def policy_fields(params: JsonParams, *, required: bool) -> tuple[str | None, str | None, str | None]:
    """``Name``, ``Description`` and ``Content`` within the model's lengths."""
    name = params.str("Name", required=required, minimum=1, maximum=services.POLICY_NAME_MAX)
    description = params.str("Description", required=required, maximum=services.POLICY_DESCRIPTION_MAX)
    content = params.str("Content", required=required, minimum=1)
    return name, description, content


def named_policy(call: Call, *also: str) -> tuple[Organization, ServiceControlPolicy]:
    """The policy ``PolicyId`` names in the caller's organization, the operation authorised on it
    (and on the targets ``also`` names) with ``organizations:PolicyType``."""
    wanted = policy_id(call.params)
    org = management(call)
    authorize(call, policy_arn(org, wanted), *(target_arn(org, target) for target in also),
              context={"organizations:PolicyType": SCP})
    return org, services.get_policy(org, wanted)


@organizations_action("CreatePolicy")
def create_policy(call: Call) -> dict:
    name, description, content = policy_fields(call.params, required=True)
    kind = policy_type(call.params, "Type")
    no_tags(call.params)
    org = managed(call, context={"organizations:PolicyType": kind})
    scp_only(kind)
    return {"Policy": policy_shape(services.create_policy(org, name=name, description=description, document=content))}


@organizations_action("UpdatePolicy")
def update_policy(call: Call) -> dict:
    name, description, content = policy_fields(call.params, required=False)
    _org, policy = named_policy(call)
    services.update_policy(policy, name=name, description=description, document=content)
    return {"Policy": policy_shape(policy)}


@organizations_action("DeletePolicy")
def delete_policy(call: Call) -> None:
    services.delete_policy(named_policy(call)[1])


@organizations_action("DescribePolicy")
def describe_policy(call: Call) -> dict:
    return {"Policy": policy_shape(named_policy(call)[1])}


@organizations_action("ListPolicies")
def list_policies(call: Call) -> dict:
    span = window(call.params)
    kind = policy_type(call.params, "Filter")
    org = managed(call, context={"organizations:PolicyType": kind})
    return listed(span, "Policies", services.list_policies(org) if kind == SCP else [], policy_summary)


@organizations_action("AttachPolicy")
def attach_policy(call: Call) -> None:
    target = target_id(call.params)
    _org, policy = named_policy(call, target)
    services.attach_policy(policy, target)


@organizations_action("DetachPolicy")
def detach_policy(call: Call) -> None:
    target = target_id(call.params)
    _org, policy = named_policy(call, target)
    services.detach_policy(policy, target)


@organizations_action("ListPoliciesForTarget")
def list_policies_for_target(call: Call) -> dict:
    span = window(call.params)
    target = target_id(call.params)
    kind = policy_type(call.params, "Filter")
    org = management(call)
    authorize(call, target_arn(org, target), context={"organizations:PolicyType": kind})
    rows = services.policies_for_target(org, target)
    return listed(span, "Policies", rows if kind == SCP else [], policy_summary)


@organizations_action("ListTargetsForPolicy")
def list_targets_for_policy(call: Call) -> dict:
    span = window(call.params)
    _org, policy = named_policy(call)
    return listed(span, "Targets", services.targets_for_policy(policy),
                  lambda target: {"TargetId": target.target_id, "Arn": target.arn, "Name": target.name,
                                  "Type": target.type})


def policy_type_call(call: Call) -> str:
    """EnablePolicyType / DisablePolicyType, authorised on the root ``RootId`` names (the caller's
    organization's, ``RootNotFoundException`` otherwise): the policy type."""
    root = call.params.str("RootId", required=True, maximum=34, pattern=ROOT_ID)
    kind = policy_type(call.params, "PolicyType")
    org = management(call)
    authorize(call, target_arn(org, root), context={"organizations:PolicyType": kind})
    if root != org.root_id:
        raise errors.RootNotFoundException()
    return kind


@organizations_action("EnablePolicyType")
def enable_policy_type(call: Call) -> None:
    """Service control policies are enabled in every organization of the portal (AWS's answer
    when they already are); the other types are not available."""
    scp_only(policy_type_call(call))
    raise errors.PolicyTypeAlreadyEnabledException()


@organizations_action("DisablePolicyType")
def disable_policy_type(call: Call) -> None:
    """The portal keeps service control policies enabled; the other types never are."""
    if policy_type_call(call) != SCP:
        raise errors.PolicyTypeNotEnabledException()
    raise errors.InvalidInputException(
        "You can't perform the specified operation on that target entity: the portal keeps service control "
        "policies enabled in every organization.", reason="TARGET_NOT_SUPPORTED")
