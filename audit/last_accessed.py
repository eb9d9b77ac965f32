"""Last accessed information (IAM's access advisor), from the :class:`ServiceAccess` table.

The source (docs/audit.md, "Last accessed"): the audit trail records state-changing calls
and refusals, but access advisor needs every *authenticated use* of a service, reads
included. So :func:`policies.authz.authorize` notes every call it allows (console and Query
API alike: one place) with :func:`note`; :class:`LastAccessedMiddleware` writes the
request's notes in one upsert after the response, at most once a minute per key and process.
A row is one (principal, action, resource) — the principal being the IAM user, the role (for
its sessions) or the root user — with the last time, so the reports read a few aggregate
rows and the policy generator knows the resources each action was used on.

The reports (:func:`report`) list each service the entity's policies allow (the engine's
catalogue), with the last use by the entity or, for a group, by its members and, for a
managed policy, by the users and roles it is attached to (directly or through a group); for
IAM, action by action.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Max
from django.utils import timezone

from accounts.models import Account, Group, GroupMembership, Role, User
from policies.engine import catalogue

from .services import storable

#: A key noted again within this many seconds is not written again (per process).
WRITE_INTERVAL = 60
_WRITTEN: dict[str, float] = {}
_WRITTEN_MAX = 100_000
#: AWS's tracking period: the report says "Not accessed in the tracking period" beyond it.
TRACKING_DAYS = 400
#: The services whose actions are reported one by one (IAM's action-level last accessed).
ACTION_LEVEL_SERVICES = ("iam",)
NOT_ACCESSED = "Not accessed in the tracking period"


class ServiceAccess(models.Model):
    """The last time a principal was allowed one action on one resource."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    #: sha256 of (account, principal, action, resource): the upsert's conflict target.
    key = models.CharField(max_length=64, unique=True)
    principal_arn = models.CharField(max_length=2048)
    service = models.CharField(max_length=64)
    action = models.CharField(max_length=160)
    resource = models.CharField(max_length=2048)
    last_authenticated = models.DateTimeField()
    region = models.CharField(max_length=32, default="us-east-1")

    class Meta:
        app_label = "audit"
        indexes = [
            models.Index(fields=["account", "principal_arn", "service"], name="audit_access_principal"),
            models.Index(fields=["account", "last_authenticated"], name="audit_access_time"),
        ]

    def __str__(self) -> str:
        return f"{self.principal_arn} {self.action} {self.last_authenticated:%Y-%m-%dT%H:%M:%SZ}"


class LastAccessedJob(models.Model):
    """A GenerateServiceLastAccessedDetails job: the entity and granularity asked for. The
    report is read when the job is (from :class:`ServiceAccess`), so a job completes at once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    arn = models.CharField(max_length=2048)
    granularity = models.CharField(max_length=16, default="SERVICE_LEVEL")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "audit"

    def __str__(self) -> str:
        return str(self.job_id)


# ---------------------------------------------------------------------------
# Recording


def tracked_arn(identity: Any) -> str:
    """The entity a call is attributed to: the role for a role session, else the caller."""
    if identity.role_session is not None:
        return identity.role_session.role.arn
    return identity.arn


def note(request: Any, action: str, resource: str) -> None:
    """Note an allowed call of the request's caller (written by the middleware); a
    :func:`probing` check (may this button be enabled?) is no use of the action."""
    identity = getattr(request, "iam", None)
    if identity is None or identity.account is None or getattr(request, "_last_accessed_probe", False):
        return
    try:
        notes = request._last_accessed
    except AttributeError:
        notes = request._last_accessed = {}
        request._last_accessed_identity = identity
    notes.setdefault((action, resource), identity.context.get("aws:RequestedRegion", "us-east-1"))


@contextmanager
def probing(request: Any) -> Iterator[None]:
    """Checks made inside are not noted: whether the page may offer a control (a button,
    a link), which is not a use of the action the control leads to."""
    before = getattr(request, "_last_accessed_probe", False)
    request._last_accessed_probe = True
    try:
        yield
    finally:
        request._last_accessed_probe = before


def _key(account_id: int, principal: str, action: str, resource: str) -> str:
    return hashlib.sha256(f"{account_id}\x00{principal}\x00{action}\x00{resource}".encode()).hexdigest()


def flush(request: Any) -> None:
    """Write the request's notes: one upsert, leaving out keys written in the last minute."""
    notes = getattr(request, "_last_accessed", None)
    if not notes:
        return
    request._last_accessed = {}
    identity = request._last_accessed_identity
    account, principal = identity.account, tracked_arn(identity)
    now, clock = timezone.now(), time.monotonic()
    rows = []
    for (action, resource), region in notes.items():
        key = _key(account.pk, principal, action, resource)
        if clock - _WRITTEN.get(key, -WRITE_INTERVAL - 1) < WRITE_INTERVAL:
            continue
        _WRITTEN[key] = clock
        rows.append(ServiceAccess(account=account, key=key, principal_arn=principal,
                                  service=action.partition(":")[0].lower(), action=action,
                                  resource=storable(resource[:2048]), last_authenticated=now, region=region))
    if len(_WRITTEN) > _WRITTEN_MAX:
        _WRITTEN.clear()
    if rows:
        ServiceAccess.objects.bulk_create(rows, update_conflicts=True, unique_fields=["key"],
                                          update_fields=["last_authenticated", "region"])


def forget_writes() -> None:
    """Forget which keys were written (tests that move the clock)."""
    _WRITTEN.clear()


class LastAccessedMiddleware:
    """Writes the allowed calls :func:`note` collected, after the view answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        flush(request)
        return response


# ---------------------------------------------------------------------------
# What an entity's policies allow


def allowed_services(policies: list[Any]) -> list[str]:
    """The service prefixes some Allow statement of the compiled ``policies`` covers, sorted."""
    known = catalogue.services()
    found: set[str] = set()
    for policy in policies:
        for statement in policy:
            if not statement.allow:
                continue
            actions = statement.actions
            if not statement.not_action and actions.prefixes is not None:
                found.update(p for p in actions.prefixes if p in known)
                continue
            if not statement.not_action and actions.match_all:
                return list(known)
            found.update(prefix for prefix in known if prefix not in found and any(
                actions.matches(prefix, name.lower()) != statement.not_action
                for name in catalogue.actions_for_service(prefix)))
    return sorted(found)


def allowed_actions(policies: list[Any], prefix: str) -> list[str]:
    """The actions of service ``prefix`` some Allow statement of ``policies`` covers."""
    names = catalogue.actions_for_service(prefix)
    return [f"{prefix}:{name}" for name in names if any(
        statement.allow and statement.actions.matches(prefix, name.lower()) != statement.not_action
        for policy in policies for statement in policy)]


def policies_of(entity: Any) -> list[Any]:
    """The compiled identity policies of a user, group or role, or of a managed policy."""
    from policies import loading
    from policies.models import ManagedPolicy, PolicyVersion

    if isinstance(entity, User):
        return loading.load_user_policy_set(entity).identity
    if isinstance(entity, Group):
        return loading.load_group_policy_set(entity).identity
    if isinstance(entity, Role):
        return loading.load_role_policy_set(entity).identity
    assert isinstance(entity, ManagedPolicy)
    document = PolicyVersion.objects.filter(policy=entity, is_default=True).values_list("document", flat=True).first()
    compiled = loading._compile_or_skip(document, entity.name) if document else None
    return [compiled] if compiled is not None else []


def tracked_entities(account: Account, entity: Any) -> list[User | Role]:
    """The users and roles whose use counts for ``entity``: itself (user, role), a group's
    members, or those a managed policy is attached to, directly or through a group."""
    from policies.models import PolicyAttachment

    if isinstance(entity, (User, Role)):
        return [entity]
    if isinstance(entity, Group):
        users = User.objects.filter(pk__in=GroupMembership.objects.filter(group=entity).values("user"))
        return list(users.select_related("account").order_by("user_name"))
    attached = PolicyAttachment.objects.filter(policy=entity, account=account)
    users = User.objects.filter(models.Q(pk__in=attached.values("user"))
                                | models.Q(pk__in=GroupMembership.objects.filter(
                                    group__in=attached.values("group")).values("user")))
    roles = Role.objects.filter(pk__in=attached.values("role"))
    return (list(users.select_related("account").order_by("user_name"))
            + list(roles.select_related("account").order_by("name")))


def tracked_principals(account: Account, entity: Any) -> list[str]:
    return [found.arn for found in tracked_entities(account, entity)]


_ENTITY_ARN = re.compile(r"arn:aws:iam::(?P<owner>\d{12}|aws):(?P<kind>user|group|role|policy)(?P<path>/(?:.*/)?)(?P<name>[^/]+)")


def entity_for_arn(account: Account, arn: str) -> Any:
    """The user, group, role or managed policy ``arn`` names, seen from ``account``:
    ``InvalidInput`` for what is no such ARN, ``NoSuchEntity`` for another account's."""
    from accounts import roles, services
    from iamportal.errors import InvalidInput, NoSuchEntity
    from policies import services as policy_services

    match = _ENTITY_ARN.fullmatch(arn)
    if match is None:
        raise InvalidInput(f"ARN {arn} is not valid.")
    if match["kind"] == "policy":
        return policy_services.get_policy(account, arn)
    if match["owner"] != account.account_id:
        raise NoSuchEntity(f"The entity with ARN {arn} cannot be found.")
    lookup = {"user": services.get_user, "group": services.get_group, "role": roles.get_role}[match["kind"]]
    entity = lookup(account, match["name"])
    if entity.arn != arn:  # the path differs
        raise NoSuchEntity(f"The entity with ARN {arn} cannot be found.")
    return entity


# ---------------------------------------------------------------------------
# The report


@dataclass
class ActionRow:
    action: str
    last_accessed: datetime | None = None
    entity: str = ""
    region: str = ""


@dataclass
class ServiceRow:
    namespace: str
    name: str
    last_accessed: datetime | None = None
    entity: str = ""
    region: str = ""
    total_entities: int = 0
    #: (entity ARN, last time) of every tracked entity that used the service, newest first.
    entities: list[tuple[str, datetime]] = field(default_factory=list)
    actions: list[ActionRow] | None = None


def _latest(account: Account, principals: list[str], group_by: str, since: datetime,
            **filters: str) -> dict[str, list]:
    """``{service or action: [(principal, time), …] newest first}`` over ``principals``."""
    if not principals:
        return {}
    rows = (ServiceAccess.objects.filter(account=account, principal_arn__in=principals,
                                         last_authenticated__gte=since, **filters)
            .values(group_by, "principal_arn").annotate(last=Max("last_authenticated")))
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row[group_by], []).append((row["principal_arn"], row["last"]))
    for uses in found.values():
        uses.sort(key=lambda use: (use[1], use[0]), reverse=True)
    return found


def _regions(account: Account, winners: dict[str, tuple[str, datetime]], field_name: str) -> dict[str, str]:
    """The region of each winning (principal, time) use."""
    if not winners:
        return {}
    match = models.Q()
    for value, (principal, moment) in winners.items():
        match |= models.Q(**{field_name: value}, principal_arn=principal, last_authenticated=moment)
    return {row[field_name]: row["region"] for row in
            ServiceAccess.objects.filter(match, account=account).values(field_name, "region")}


def report(account: Account, entity: Any, granularity: str = "ACTION_LEVEL") -> list[ServiceRow]:
    """Every service ``entity``'s policies allow, with its last use (see the module docstring)."""
    policies = policies_of(entity)
    principals = tracked_principals(account, entity)
    since = timezone.now() - timedelta(days=TRACKING_DAYS)
    by_service = _latest(account, principals, "service", since)
    winners = {prefix: uses[0] for prefix, uses in by_service.items()}
    regions = _regions(account, winners, "service")
    rows = []
    for prefix in allowed_services(policies):
        uses = by_service.get(prefix, [])
        row = ServiceRow(prefix, catalogue.service_name(prefix) or prefix, total_entities=len(uses), entities=uses)
        if uses:
            row.entity, row.last_accessed = uses[0]
            row.region = regions.get(prefix, "")
        if granularity == "ACTION_LEVEL" and prefix in ACTION_LEVEL_SERVICES:
            row.actions = _action_rows(account, policies, principals, prefix, since)
        rows.append(row)
    return rows


def _action_rows(account: Account, policies: list[Any], principals: list[str], prefix: str,
                 since: datetime) -> list[ActionRow]:
    by_action = _latest(account, principals, "action", since, service=prefix)
    regions = _regions(account, {action: uses[0] for action, uses in by_action.items()}, "action")
    rows = []
    for action in allowed_actions(policies, prefix):
        row = ActionRow(action.partition(":")[2])
        uses = by_action.get(action)
        if uses:
            row.entity, row.last_accessed = uses[0]
            row.region = regions.get(action, "")
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------
# The console's "Last accessed" tab


#: What the tab needs, as AWS's console: generate the report on the entity, then read it
#: (GetServiceLastAccessedDetails has no resource type: ``*``).
TAB_ACTIONS = ("iam:GenerateServiceLastAccessedDetails", "iam:GetServiceLastAccessedDetails")


def tab_context(request: Any, entity: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The context of ``audit/_last_accessed.html`` for ``entity``'s page: its rows, or the
    refusal of one of :data:`TAB_ACTIONS` on the entity's ARN (``context``: its condition keys)."""
    from policies.authz import first_denied

    denied = first_denied(request, [(TAB_ACTIONS[0], entity.arn, context or {}), (TAB_ACTIONS[1], "*")])
    if denied is not None:
        return {"last_accessed_denied": denied}
    return {"last_accessed": report(request.iam.account, entity), "not_accessed": NOT_ACCESSED,
            "tracking_days": TRACKING_DAYS}


def service_uses(account: Account, entity: Any, namespace: str) -> list[tuple[Any, datetime | None]]:
    """Every tracked user or role of ``entity`` with its last use of service ``namespace``:
    the users of it newest first, then the others (``None``) in name order."""
    tracked = tracked_entities(account, entity)
    since = timezone.now() - timedelta(days=TRACKING_DAYS)
    uses = dict(_latest(account, [found.arn for found in tracked], "service", since,
                        service=namespace.lower()).get(namespace.lower(), []))
    return sorted(((found, uses.get(found.arn)) for found in tracked),
                  key=lambda use: (use[1] is None, -(use[1].timestamp() if use[1] else 0)))


# ---------------------------------------------------------------------------
# The dashboard's recommendations

UNUSED_DAYS = 90
ROOT_ACTIVITY_DAYS = 30


def user_usage(account: Account) -> dict[str, int]:
    """One query over the account's IAM users: ``users`` (how many), ``unused`` (a password or
    an active access key not used for :data:`UNUSED_DAYS` days; never used counts from its
    creation) and ``no_mfa`` (a console password and no MFA device)."""
    from django.db.models import Count, Exists, OuterRef, Q
    from django.db.models.functions import Coalesce
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import AccessKey

    cutoff = timezone.now() - timedelta(days=UNUSED_DAYS)
    has_password = ~Q(password__startswith="!") & ~Q(password="")
    stale_key = AccessKey.objects.filter(user=OuterRef("pk"), status=AccessKey.ACTIVE).annotate(
        used=Coalesce("last_used", "created")).filter(used__lt=cutoff)
    return (User.objects.for_account(account)
            .annotate(stale_key=Exists(stale_key),
                      mfa=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
                      password_used=Coalesce("last_login", "password_changed", "created"))
            .aggregate(users=Count("pk"),
                       unused=Count("pk", filter=Q(stale_key=True) | (has_password & Q(password_used__lt=cutoff))),
                       no_mfa=Count("pk", filter=has_password & Q(mfa=False))))


def root_activity(account: Account) -> Any:
    """The root user's last use in the last :data:`ROOT_ACTIVITY_DAYS` days, as a subquery
    to annotate the root user with (no query of its own)."""
    from django.db.models import Subquery

    recent = (ServiceAccess.objects.filter(account=account, principal_arn=account.root_arn,
                                           last_authenticated__gte=timezone.now()
                                           - timedelta(days=ROOT_ACTIVITY_DAYS))
              .order_by("-last_authenticated").values("last_authenticated")[:1])
    return Subquery(recent)


def recommendations(usage: dict[str, int], root_last: datetime | None) -> list[tuple[str, str, str, str]]:
    """The dashboard's recommendations from usage (:func:`user_usage`, :func:`root_activity`),
    ``(level, title, text, action)`` as ``iamportal.views.DashboardView`` lists them."""
    found = []
    if usage["unused"]:
        found.append(("warning", "Remove unused credentials",
                      f"{_users(usage['unused'])} a password or an active access key not used for more than "
                      f"{UNUSED_DAYS} days. Remove or deactivate the credentials they don't need.",
                      "credential_report"))
    else:
        found.append(("success", "No unused credentials",
                      f"Every IAM user's password and active access keys were used in the last {UNUSED_DAYS} days.",
                      ""))
    if usage["no_mfa"]:
        found.append(("warning", "Add MFA for IAM users",
                      f"{_users(usage['no_mfa'])} a console password and no MFA device.", "user_list"))
    if root_last is not None:
        found.append(("warning", f"Root user activity in the last {ROOT_ACTIVITY_DAYS} days",
                      f"The root user was last active on {root_last:%Y-%m-%d %H:%M} UTC. Use an IAM user or a role "
                      "for everyday tasks.", ""))
    else:
        found.append(("success", f"No root user activity in the last {ROOT_ACTIVITY_DAYS} days",
                      f"The root user was not used in the last {ROOT_ACTIVITY_DAYS} days.", ""))
    return found


def _users(count: int) -> str:
    return "1 IAM user has" if count == 1 else f"{count} IAM users have"
