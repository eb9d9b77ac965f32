"""Service-linked roles: CreateServiceLinkedRole, DeleteServiceLinkedRole and their deletion
tasks (iam-facts §2).

A service-linked role belongs to an AWS service: its name (``AWSServiceRoleFor…``), its path
(``/aws-service-role/<service>/``) and its trust policy (the service may assume it) are the
service's, and only the service deletes it (:func:`accounts.roles.refuse_protected` refuses
DeleteRole, UpdateAssumeRolePolicy and a MaxSessionDuration change).

The portal knows the services of :data:`SERVICES`, each with the role name its documentation
gives and whether it takes a ``CustomSuffix``. It runs no services, so a deletion finishes at
once; the deletion task id (``task/aws-service-role/<service>/<role>/<uuid>``) is signed — its
uuid is an HMAC of the account, service and role under the server's secret — so it needs no
table, and a task id of another account (or made up) is ``NoSuchEntity``.
"""

from __future__ import annotations

import hmac
import json
import re
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils.crypto import salted_hmac

from iamportal.errors import InvalidInput, NoSuchEntity

from . import dependents
from .models import Account, Role
from .roles import SERVICE_ROLE_PATH, create_role


@dataclass(frozen=True)
class LinkedService:
    """A service whose documentation gives its service-linked role."""

    principal: str
    role_name: str
    suffix_allowed: bool = False


SERVICES: dict[str, LinkedService] = {service.principal: service for service in (
    LinkedService("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling", suffix_allowed=True),
    LinkedService("elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk"),
    LinkedService("elasticloadbalancing.amazonaws.com", "AWSServiceRoleForElasticLoadBalancing"),
    LinkedService("ecs.amazonaws.com", "AWSServiceRoleForECS"),
    LinkedService("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS"),
    LinkedService("rds.amazonaws.com", "AWSServiceRoleForRDS"),
    LinkedService("elasticache.amazonaws.com", "AWSServiceRoleForElastiCache"),
    LinkedService("es.amazonaws.com", "AWSServiceRoleForAmazonElasticsearchService"),
    LinkedService("opensearchservice.amazonaws.com", "AWSServiceRoleForAmazonOpenSearchService"),
    LinkedService("spot.amazonaws.com", "AWSServiceRoleForEC2Spot"),
    LinkedService("cloudtrail.amazonaws.com", "AWSServiceRoleForCloudTrail"),
    LinkedService("config.amazonaws.com", "AWSServiceRoleForConfig"),
    LinkedService("access-analyzer.amazonaws.com", "AWSServiceRoleForAccessAnalyzer"),
    LinkedService("organizations.amazonaws.com", "AWSServiceRoleForOrganizations"),
    LinkedService("lexv2.amazonaws.com", "AWSServiceRoleForLexV2Bots", suffix_allowed=True),
    LinkedService("connect.amazonaws.com", "AWSServiceRoleForAmazonConnect", suffix_allowed=True),
)}

_TASK_RE = re.compile(r"task/aws-service-role/([\w+=,.@-]+)/([\w+=,.@-]+)/([0-9a-f-]{36})", re.ASCII)
_TASK_SALT = "accounts.service_linked_roles.deletion_task"


def trust_policy(service: str) -> str:
    """AWS's trust policy of a service-linked role: the service may assume it."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}, separators=(",", ":"))


def role_path(service: str) -> str:
    return f"{SERVICE_ROLE_PATH}{service}/"


def role_name(service: str, suffix: str = "") -> str:
    """The role CreateServiceLinkedRole makes for ``service`` (``InvalidInput`` for a service
    the portal does not know, or a suffix the service does not take)."""
    linked = SERVICES.get(service)
    if linked is None:
        raise InvalidInput(f"Service principal {service} does not have a service-linked role in IAM Portal "
                           f"(it knows: {', '.join(sorted(SERVICES))}).")
    if suffix and not linked.suffix_allowed:
        raise InvalidInput(f"Custom suffix is not allowed for {service}")
    return f"{linked.role_name}_{suffix}" if suffix else linked.role_name


@transaction.atomic
def create_service_linked_role(account: Account, *, service: str, description: str = "",
                               suffix: str = "") -> Role:
    """CreateServiceLinkedRole: the service's role, in its path, with AWS's trust policy."""
    name = role_name(service, suffix)
    if Role.objects.for_account(account).filter(name__iexact=name).exists():
        raise InvalidInput(f"Service role name {name} has been taken in this account, please try a different suffix.")
    return create_role(account, name=name, path=role_path(service), trust_policy=trust_policy(service),
                       description=description, instance_profile=False, service_linked=True)


def _task_uuid(account_id: str, service: str, name: str) -> str:
    digest = salted_hmac(_TASK_SALT, f"{account_id}/{service}/{name}", algorithm="sha256").hexdigest()
    return str(uuid.UUID(digest[:32]))


def task_id(role: Role) -> str:
    service = role.path.removeprefix(SERVICE_ROLE_PATH).rstrip("/")
    return f"task/aws-service-role/{service}/{role.name}/{_task_uuid(role.account.account_id, service, role.name)}"


@transaction.atomic
def delete_service_linked_role(role: Role) -> str:
    """DeleteServiceLinkedRole: the service cleans up (policies, instance-profile links) and
    the role goes at once; returns the deletion task id. Any other role is ``NoSuchEntity``."""
    if not role.service_linked:
        raise NoSuchEntity(f"The role with name {role.name} is not a service-linked role.")
    deletion = task_id(role)
    dependents.delete_with_dependents(role, dependents.ROLES, ("iam:DeleteServiceLinkedRole", role.arn, {}),
                                      remove_dependents=True)
    return deletion


def parse_task_id(value: str) -> tuple[str, str] | None:
    """``(service, role name)`` of a well-formed deletion task id, else None."""
    match = _TASK_RE.fullmatch(value)
    return (match[1], match[2]) if match else None


def deletion_status(account: Account, value: str) -> str:
    """GetServiceLinkedRoleDeletionStatus: ``SUCCEEDED`` for a task this server gave
    ``account`` (deletions finish at once), else ``NoSuchEntity``."""
    parts = parse_task_id(value)
    if parts is None or not hmac.compare_digest(value.rsplit("/", 1)[1], _task_uuid(account.account_id, *parts)):
        raise NoSuchEntity(f"Deletion task {value} cannot be found.")
    return "SUCCEEDED"
