"""Last accessed information over the Query API: GenerateServiceLastAccessedDetails,
GetServiceLastAccessedDetails, GetServiceLastAccessedDetailsWithEntities.

A job is a :class:`audit.last_accessed.LastAccessedJob` row of the caller's account (another
account's job id is ``NoSuchEntity``); it completes at once: Get reads the report
(:func:`audit.last_accessed.report`, the console tab's) when asked. Generate is authorised on
the entity's ARN with its tags, the Get actions on ``*`` (they have no resource type).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from accounts import tags
from accounts.models import Role, User
from audit import last_accessed
from audit.last_accessed import LastAccessedJob
from iamportal.errors import NoSuchEntity

from ..protocol import constraint, page, validation_error
from ..registry import Call, action

GRANULARITIES = ("SERVICE_LEVEL", "ACTION_LEVEL")
_NAMESPACE_RE = re.compile(r"[\w-]*")


def _text(call: Call, member: str, minimum: int, maximum: int) -> str:
    """A required string member within IAM's lengths."""
    call.params.require(member)
    value = call.params.get(member)
    if len(value) > maximum:
        raise validation_error([constraint(value, member, f"Member must have length less than or equal to {maximum}")])
    if len(value) < minimum:
        raise validation_error([constraint(value, member,
                                           f"Member must have length greater than or equal to {minimum}")])
    return value


@action("iam", "GenerateServiceLastAccessedDetails")
def generate(call: Call) -> dict:
    arn = _text(call, "Arn", 20, 2048)
    granularity = call.params.get("Granularity", "SERVICE_LEVEL")
    if granularity not in GRANULARITIES:
        raise validation_error([constraint(granularity, "Granularity",
                                           "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]")])
    entity = last_accessed.entity_for_arn(call.account, arn)
    call.authorize("iam:GenerateServiceLastAccessedDetails", entity.arn, tags.resource_tag_context(entity))
    job = LastAccessedJob.objects.create(account=call.account, arn=entity.arn, granularity=granularity)
    return {"JobId": str(job.job_id)}


def _job(call: Call, action_name: str) -> LastAccessedJob:
    job_id = _text(call, "JobId", 36, 36)
    call.authorize(action_name, "*")
    try:
        return LastAccessedJob.objects.get(account=call.account, job_id=uuid.UUID(job_id))
    except (ValueError, LastAccessedJob.DoesNotExist):
        raise NoSuchEntity(f"No such job {job_id}.") from None


def _job_members(job: LastAccessedJob) -> dict[str, Any]:
    return {"JobStatus": "COMPLETED", "JobCreationDate": job.created, "JobCompletionDate": job.created}


@action("iam", "GetServiceLastAccessedDetails")
def get_details(call: Call) -> dict:
    job = _job(call, "iam:GetServiceLastAccessedDetails")
    entity = last_accessed.entity_for_arn(call.account, job.arn)
    rows, paging = page(call.params, last_accessed.report(call.account, entity, job.granularity))
    services = []
    for row in rows:
        item: dict[str, Any] = {"ServiceName": row.name, "ServiceNamespace": row.namespace,
                                "TotalAuthenticatedEntities": row.total_entities}
        if row.last_accessed is not None:
            item.update(LastAuthenticated=row.last_accessed, LastAuthenticatedEntity=row.entity,
                        LastAuthenticatedRegion=row.region)
        if row.actions is not None:
            item["TrackedActionsLastAccessed"] = [_tracked(action_row) for action_row in row.actions]
        services.append(item)
    return {**_job_members(job), "JobType": job.granularity, "ServicesLastAccessed": services, **paging}


def _tracked(row: last_accessed.ActionRow) -> dict[str, Any]:
    item: dict[str, Any] = {"ActionName": row.action}
    if row.last_accessed is not None:
        item.update(LastAccessedEntity=row.entity, LastAccessedTime=row.last_accessed,
                    LastAccessedRegion=row.region)
    return item


@action("iam", "GetServiceLastAccessedDetailsWithEntities")
def get_details_with_entities(call: Call) -> dict:
    call.params.require("JobId", "ServiceNamespace")
    namespace = _text(call, "ServiceNamespace", 1, 64)
    if not _NAMESPACE_RE.fullmatch(namespace):
        raise validation_error([constraint(namespace, "ServiceNamespace",
                                           r"Member must satisfy regular expression pattern: [\w-]*")])
    job = _job(call, "iam:GetServiceLastAccessedDetailsWithEntities")
    entity = last_accessed.entity_for_arn(call.account, job.arn)
    rows, paging = page(call.params, last_accessed.service_uses(call.account, entity, namespace))
    details = []
    for found, moment in rows:
        item: dict[str, Any] = {"EntityInfo": _entity_info(found)}
        if moment is not None:
            item["LastAuthenticated"] = moment
        details.append(item)
    return {**_job_members(job), "EntityDetailsList": details, **paging}


def _entity_info(entity: User | Role) -> dict[str, Any]:
    is_user = isinstance(entity, User)
    return {"Arn": entity.arn, "Name": entity.user_name if is_user else entity.name,
            "Type": "USER" if is_user else "ROLE", "Id": entity.unique_id, "Path": entity.path}
