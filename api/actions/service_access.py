"""ListPoliciesGrantingServiceAccess and SetSecurityTokenServicePreferences.

ListPoliciesGrantingServiceAccess lists, for each service namespace asked (at most 200),
the identity-based policies of a user, group or role of the caller's account that grant
some access to that service: a policy does when one of its Allow statements' ``Action``
(or ``NotAction``) admits at least one of the service's actions in the engine's catalogue
(:mod:`policies.engine.catalogue`, the Service Authorization Reference), whatever its
resources and conditions — the permissions-policy logic AWS describes, without boundaries,
resource-based policies or SCPs. A user's list includes its groups' policies; a group's and
a role's, only their own. A namespace the catalogue does not know is granted by nothing.
Authorised with ``iam:ListPoliciesGrantingServiceAccess`` on the entity's ARN (with its
tags) before anything says whether it exists; pages of 100 namespaces with ``Marker``.

SetSecurityTokenServicePreferences stores the account's global-endpoint token version,
which GetAccountSummary reports as ``GlobalEndpointTokenVersion``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from accounts import dependents, services, validators
from accounts.models import GroupMembership, User
from iamportal.errors import InvalidInput, NoSuchEntity
from policies.engine import Policy, PolicyError, catalogue
from policies.loading import compiled
from policies.models import InlinePolicy, PolicyAttachment, PolicyVersion
from policies.simulator.simulation import PRINCIPAL_ARN, target_for

from ..protocol import constraint, member_name, page, validation_error
from ..registry import Call, action

NAMESPACES_MAX = 200
NAMESPACE_PATTERN = r"[\w-]*"
_NAMESPACE_RE = re.compile(r"[\w-]*", re.ASCII)


@dataclass(frozen=True)
class EntityPolicy:
    """One policy of the entity, as PolicyGrantingServiceAccess shows it, and compiled."""

    shape: dict[str, Any]
    policy: Policy


# ---------------------------------------------------------------------------
# Parameters


def namespaces_param(call: Call) -> list[str]:
    values = call.params.list("ServiceNamespaces")
    if not values:
        raise validation_error([constraint(None, "ServiceNamespaces", "Member must not be null")])
    if len(values) > NAMESPACES_MAX:
        raise validation_error([f"Value at '{member_name('ServiceNamespaces')}' failed to satisfy constraint: "
                                f"Member must have length less than or equal to {NAMESPACES_MAX}"])
    validators.raise_problems([problem for index, value in enumerate(values, start=1)
                               for problem in validators.text_problems(
                                   value, f"serviceNamespaces.{index}.member", 1, 64, _NAMESPACE_RE,
                                   NAMESPACE_PATTERN)])
    return values


def entity_param(call: Call) -> Any:
    """The user, group or role ``Arn`` names in the caller's account, once the action is
    allowed on its ARN (``NoSuchEntity`` after, another account's included)."""
    call.params.require("Arn")
    arn = call.params.get("Arn")
    validators.check_text(arn, "arn", 20, 2048)
    if not PRINCIPAL_ARN.fullmatch(arn):
        raise InvalidInput(f"ARN {arn} is not valid: it must be the ARN of an IAM user, group or role.")
    target = target_for(call.account, "user", arn)
    call.authorize("iam:ListPoliciesGrantingServiceAccess", target.arn,
                   dependents.on(target.obj) if target.obj is not None else None)
    if target.obj is None:
        raise NoSuchEntity(f"The {target.kind} with name {target.name} cannot be found.")
    return target.obj


# ---------------------------------------------------------------------------
# The entity's policies and the services they grant


def _compiled(document: str, name: str) -> Policy | None:
    try:
        return compiled(document, name)
    except PolicyError:
        return None  # a stored document that no longer compiles grants nothing


def entity_policies(entity: Any) -> list[EntityPolicy]:
    """The inline and attached managed policies of ``entity`` (and, for a user, of its
    groups), each managed policy once: four queries, bounded by the entity's own rows."""
    owner = type(entity).__name__.lower()
    owned = Q(**{owner: entity})
    if owner == "user":
        owned |= Q(group__in=GroupMembership.objects.filter(user=entity).values("group"))
    inline = InlinePolicy.objects.filter(owned).select_related("user", "group", "role").order_by("pk")
    attached = (PolicyAttachment.objects.filter(owned).select_related("policy__account")
                .order_by("policy__name", "pk"))
    managed = {row.policy_id: row.policy for row in attached}
    documents = dict(PolicyVersion.objects.filter(policy__in=list(managed), is_default=True)
                     .values_list("policy_id", "document")) if managed else {}
    rows: list[EntityPolicy] = []
    for row in inline:
        holder = row.owner
        kind = type(holder).__name__.upper()
        name = holder.user_name if isinstance(holder, User) else holder.name
        policy = _compiled(row.document, f"inline:{kind}/{name}/{row.name}")
        if policy is not None:
            rows.append(EntityPolicy({"PolicyName": row.name, "PolicyType": "INLINE", "EntityType": kind,
                                      "EntityName": name}, policy))
    for policy_id, managed_policy in managed.items():
        policy = _compiled(documents.get(policy_id, ""), managed_policy.name)
        if policy is not None:
            rows.append(EntityPolicy({"PolicyName": managed_policy.name, "PolicyType": "MANAGED",
                                      "PolicyArn": managed_policy.arn}, policy))
    return rows


@functools.lru_cache(maxsize=512)
def _action_names(prefix: str) -> tuple[str, ...]:
    """The service's action names, lower-case (empty for a namespace the catalogue lacks)."""
    return tuple(name.lower() for name in catalogue.actions_for_service(prefix))


def grants_service(policy: Policy, namespace: str) -> bool:
    """Whether an Allow statement of ``policy`` admits some action of the service."""
    prefix = namespace.lower()
    names = _action_names(prefix)
    return any(statement.allow and any(statement.actions.matches(prefix, name) != statement.not_action
                                       for name in names)
               for statement in policy.candidates(prefix))


@action("iam", "ListPoliciesGrantingServiceAccess")
def list_policies_granting_service_access(call: Call) -> dict:
    namespaces = namespaces_param(call)
    entity = entity_param(call)
    wanted, paging = page(call.params, namespaces)
    policies = entity_policies(entity)
    return {"PoliciesGrantingServiceAccess": [
        {"ServiceNamespace": namespace,
         "Policies": [row.shape for row in policies if grants_service(row.policy, namespace)]}
        for namespace in wanted], **paging}


@action("iam", "SetSecurityTokenServicePreferences")
def set_security_token_service_preferences(call: Call) -> None:
    call.params.require("GlobalEndpointTokenVersion")
    version = call.params.get("GlobalEndpointTokenVersion")
    if version not in services.TOKEN_VERSIONS:
        allowed = f"Member must satisfy enum value set: [{', '.join(services.TOKEN_VERSIONS)}]"
        raise validation_error([constraint(version, "GlobalEndpointTokenVersion", allowed)])
    call.authorize("iam:SetSecurityTokenServicePreferences", "*")
    services.set_global_endpoint_token_version(call.account, version)
