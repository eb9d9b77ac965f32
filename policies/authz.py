"""The one bridge between the console and the policy engine.

Every console view declares the IAM action it performs and the ARN it touches
(:class:`IAMActionRequiredMixin`); :func:`authorize` asks the engine with the
caller's policy set and context. The root user may do anything in its own
account, as in AWS. A denial is rendered as AWS's AccessDenied message.

Service control policies (AWS Organizations): every principal of a member account — its
root user included — is limited by the SCP chain of its account (:func:`account_scps`,
read once per request); the management account has none, and sessions of service-linked
roles are exempt (:func:`scps_for`). An account outside any organization costs no query:
the account's membership row comes with the signed-in user (``accounts.backends``), the
role of a role session and the access key of a signed API request (a LEFT JOIN each).

Organization condition keys: a principal of an account in an organization (its management
account included) has ``aws:PrincipalOrgID`` (``o-…``) and ``aws:PrincipalOrgPaths``
(``["o-…/r-…/ou-…/…/"]``, multivalued) in its context (:func:`with_org_keys`, put into
``identity.context`` once per request, so role trust policies see them too); a request on a
resource of the caller's own account has ``aws:ResourceOrgID`` / ``aws:ResourceOrgPaths`` with
the same values. Outside any organization they are absent, at no query; a member account's
come from the query that reads its SCP chain (:func:`org_placement`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.shortcuts import render
from django.urls import reverse

from iamportal.pickers import is_navigation
from policies.engine import Request, evaluate


@dataclass
class PolicySet:
    """The policies that apply to one principal, compiled (engine ``Policy`` objects)."""

    identity: list[Any] = field(default_factory=list)
    boundary: Any = None
    session: list[Any] | None = None


@dataclass(frozen=True)
class Authorization:
    """The answer to "may this caller do this action on this resource?"."""

    allowed: bool
    action: str
    resource: str
    caller_arn: str
    decision: str  # "allowed" | "explicitDeny" | "implicitDeny"
    reason: str = ""
    engine_decision: Any = None

    @property
    def message(self) -> str:
        """AWS's AccessDenied wording (AWS says "User:" for role sessions too)."""
        return (f"User: {self.caller_arn} is not authorized to perform: {self.action} "
                f"on resource: {self.resource} {self.reason}").strip()

    def __bool__(self) -> bool:
        return self.allowed


def policy_set_for(identity: Any) -> PolicySet:
    """Load (once per request) every policy that applies to ``identity``; its context gets
    the organization keys (:func:`with_org_keys`) for whoever evaluates it next."""
    with_org_keys(identity)
    if identity._policy_set is None:
        from policies.loading import load_policy_set  # loading imports this module

        identity._policy_set = load_policy_set(identity)
    return identity._policy_set


def account_scps(identity: Any) -> list[list[Any]] | None:
    """The compiled SCP chain of ``identity``'s account (the engine's ``scps``), loaded once
    per request; None outside any organization and for the management account."""
    if identity._scps is None:
        from organizations.services import PLACEMENT_ATTR  # organizations imports policies

        account = identity.account
        account.__dict__.pop(PLACEMENT_ATTR, None)  # left by an earlier read (labs' checks): not this one's
        identity._scps = (_load_account_scps(account),)
        # The chain's membership query read the account's place in its organization: keep it
        # for the organization keys (and not on the account, which may outlive the request).
        read = account.__dict__.pop(PLACEMENT_ATTR, _UNREAD)
        if read is not _UNREAD:
            identity.__dict__[_PLACEMENT] = read
    return identity._scps[0]


def _load_account_scps(account: Any) -> list[list[Any]] | None:
    member = _known_membership(account)
    if member is False:
        return None  # known to be in no organization: no query
    if member is not None and member.org.management_account_id == account.pk:
        return None  # SCPs never apply to the management account
    from policies.loading import load_scp_chain  # loading imports this module

    return load_scp_chain(account)


def _known_membership(account: Any) -> Any:
    """The account's ``organizations.Member`` when it was loaded with the account (with its
    organization), ``False`` when it was loaded and there is none, None when not loaded."""
    descriptor = getattr(type(account), "org_member", None)
    if descriptor is None or not descriptor.is_cached(account):
        return None
    member = descriptor.related.get_cached_value(account)
    if member is None:
        return False
    return member if type(member).org.is_cached(member) else None


#: The organization condition keys (IAM User Guide, global condition context keys).
PRINCIPAL_ORG_ID, PRINCIPAL_ORG_PATHS = "aws:PrincipalOrgID", "aws:PrincipalOrgPaths"
RESOURCE_ORG_ID, RESOURCE_ORG_PATHS = "aws:ResourceOrgID", "aws:ResourceOrgPaths"
_PLACEMENT, _ORG_KEYS_SET = "_org_placement", "_org_keys_set"
_UNREAD = object()


def org_placement(identity: Any) -> Any:
    """Where ``identity``'s account sits in its organization
    (``organizations.services.Placement``: ``org_id``, ``path``), None outside any; once per
    request. No query outside an organization (the membership comes with the principal), none
    for a member account whose SCP chain was read (that query gives it) or an account at the
    root whose membership came with its organization; else one."""
    if _PLACEMENT in identity.__dict__:
        return identity.__dict__[_PLACEMENT]
    from organizations.services import Placement, org_path, placement_of

    account = identity.account
    member = _known_membership(account)
    if member is False:
        placement = None
    elif member is not None and member.parent_ou_id is None:
        org = member.org
        placement = Placement(org.org_id, org_path(org.org_id, org.root_id, []))
    else:
        scps_for(identity)  # a member account's chain, read anyway to authorise: it leaves the placement
        if _PLACEMENT in identity.__dict__:
            return identity.__dict__[_PLACEMENT]
        placement = placement_of(account)
    identity.__dict__[_PLACEMENT] = placement
    return placement


def with_org_keys(identity: Any) -> None:
    """Put ``aws:PrincipalOrgID`` and ``aws:PrincipalOrgPaths`` of ``identity``'s account into
    ``identity.context`` (once per identity; removed when the account is in no organization,
    e.g. a context copied from another principal's)."""
    if identity.__dict__.get(_ORG_KEYS_SET) or getattr(identity, "account", None) is None:
        return
    identity.__dict__[_ORG_KEYS_SET] = True
    context = identity.context
    context.pop(PRINCIPAL_ORG_ID, None)
    context.pop(PRINCIPAL_ORG_PATHS, None)
    placement = org_placement(identity)
    if placement is not None:
        context[PRINCIPAL_ORG_ID] = placement.org_id
        context[PRINCIPAL_ORG_PATHS] = [placement.path]


def resource_org_keys(identity: Any, resource: str) -> dict[str, Any]:
    """``aws:ResourceOrgID`` / ``aws:ResourceOrgPaths`` of ``resource`` when its ARN names the
    caller's own account (whose organization is known) and that account is in one; else none."""
    parts = resource.split(":", 5)
    if len(parts) < 6 or parts[4] != identity.account.account_id:
        return {}
    placement = org_placement(identity)
    if placement is None:
        return {}
    return {RESOURCE_ORG_ID: placement.org_id, RESOURCE_ORG_PATHS: [placement.path]}


def account_org_keys(identity: Any, account: Any) -> dict[str, Any]:
    """``aws:ResourceOrgID`` / ``aws:ResourceOrgPaths`` of a resource in ``account`` (a role
    being assumed, say): the caller's own account's from its placement, another account's
    with one query; none when the account is in no organization."""
    if identity.account is not None and account.pk == identity.account.pk:
        placement = org_placement(identity)
    else:
        from organizations.services import placement_of

        placement = placement_of(account)
    if placement is None:
        return {}
    return {RESOURCE_ORG_ID: placement.org_id, RESOURCE_ORG_PATHS: [placement.path]}


def scps_for(identity: Any) -> list[list[Any]] | None:
    """The SCP chain that limits ``identity``: its account's, except for a session of a
    service-linked role (SCPs do not apply to service-linked roles)."""
    session = identity.role_session
    if session is not None and getattr(session.role, "service_linked", False):
        return None
    return account_scps(identity)


#: Permissions an account setting gives without any policy (the password policy's
#: AllowUsersToChangePassword, registered by the accounts app): functions
#: ``(identity, action, resource) -> bool``, asked only when no policy allowed or denied the
#: call (an implicit deny), so an explicit deny still wins.
ACCOUNT_GRANTS: list[Callable[[Any, str, str], bool]] = []


def _account_grants(identity: Any, action: str, resource: str) -> bool:
    return any(grant(identity, action, resource) for grant in ACCOUNT_GRANTS)


def authorize(request: Any, action: str, resource: str, context: dict[str, Any] | None = None) -> Authorization:
    """Decide whether the caller of ``request`` may perform ``action`` on ``resource``."""
    identity = request.iam
    if identity is None:
        return Authorization(False, action, resource, "anonymous", "implicitDeny",
                             f"because no identity-based policy allows the {action} action")
    scps = scps_for(identity)
    if identity.is_root:
        if scps is None:
            return _allowed(request, action, resource, identity.arn)
        # The root user of a member account: everything in its account, within the SCPs.
        policy_set = PolicySet(identity=[_root_policy()])
    else:
        policy_set = policy_set_for(identity)
    with_org_keys(identity)
    request_context = dict(identity.context)
    request_context.update(resource_org_keys(identity, resource))
    if context:
        request_context.update(context)
    if not policy_set.identity and scps is None:
        if _account_grants(identity, action, resource):
            return _allowed(request, action, resource, identity.arn)
        return Authorization(False, action, resource, identity.arn, "implicitDeny",
                             f"because no identity-based policy allows the {action} action")
    decision = evaluate(
        Request(action=action, resource=resource, principal=identity.arn, context=request_context),
        identity=policy_set.identity,
        boundary=policy_set.boundary,
        session=policy_set.session,
        scps=scps,
    )
    if decision.decision == "implicitDeny" and decision.denied_by != "scp" \
            and _account_grants(identity, action, resource):
        decision_allowed = True
    else:
        decision_allowed = decision.decision == "allowed"
    if decision_allowed:
        return _allowed(request, action, resource, identity.arn, decision)
    return Authorization(False, action, resource, identity.arn, decision.decision, decision.reason(action), decision)


def _root_policy() -> Any:
    from policies.loading import ALLOWS_EVERYTHING, compiled

    return compiled(ALLOWS_EVERYTHING, "root")


def _allowed(request: Any, action: str, resource: str, caller_arn: str, decision: Any = None) -> Authorization:
    """An allow: noted for last accessed information (audit.last_accessed), and a
    state-changing one for the audit trail (what a POST did)."""
    from audit import last_accessed
    from audit import services as audit  # audit's models import accounts, which imports this module

    last_accessed.note(request, action, resource)
    if not audit.is_read_only(action.partition(":")[2]):
        audit.note_call(request, action, resource)
    return Authorization(True, action, resource, caller_arn, "allowed", "", decision)


def first_denied(request: Any, checks: Iterable[tuple[Any, ...]]) -> Authorization | None:
    """The first of ``checks`` the caller of ``request`` may not perform, or ``None``.

    Args:
        checks: ``(action, resource_arn)`` or ``(action, resource_arn, context)`` tuples,
            e.g. every action a request implies besides the view's own.

    Returns:
        The denied :class:`Authorization` (render it with :func:`access_denied`), or
        ``None`` when every check is allowed.
    """
    for action, resource, *context in checks:
        auth = authorize(request, action, resource, context[0] if context else None)
        if not auth:
            return auth
    return None


class ActionDenied(Exception):
    """A secondary action the request implies (e.g. AddUserToGroup when creating a group
    with members, TagRole when creating a role with tags) was denied: raised inside the
    transaction so that nothing of the request is kept."""

    def __init__(self, auth: Authorization) -> None:
        super().__init__(auth.message)
        self.auth = auth


def require(request: Any, action: str, resource: str, context: dict[str, Any] | None = None) -> None:
    """Raise :class:`ActionDenied` unless the caller of ``request`` may perform ``action``
    on ``resource``."""
    auth = authorize(request, action, resource, context)
    if not auth:
        raise ActionDenied(auth)


def require_all(request: Any, calls: Iterable[tuple[Any, ...]]) -> None:
    """Raise :class:`ActionDenied` for the first of ``calls`` (see :func:`first_denied`) the
    caller of ``request`` may not perform: an operation that stands for several IAM calls
    (the console's delete of a group with members) is refused whole, naming that call."""
    denied = first_denied(request, calls)
    if denied is not None:
        raise ActionDenied(denied)


class ImpliedCallsMixin:
    """A view whose one operation stands for several IAM calls (a delete with dependents).

    :meth:`implied_calls` declares them, ``(action, resource ARN, condition keys)``, as the
    operation's service lists them (the page shows what they remove); the view passes
    :meth:`authorize_calls` to the service, which calls it inside its transaction, before
    any change, with the calls it is about to make. ``tests/policies/test_implied_calls.py``
    finds every such view and denies each call in turn.
    """

    def implied_calls(self) -> list[tuple[str, str, dict[str, Any]]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def authorize_calls(self, calls: Iterable[tuple[Any, ...]]) -> None:
        require_all(self.request, calls)


def simulator_url(auth: Authorization, principal: str = "", role: str = "") -> str:
    """A link to the policy simulator prefilled with the denied request.

    Args:
        auth: the denied (or allowed) authorization.
        principal: the IAM user name to simulate (the caller, when an IAM user was denied).
        role: the role name to simulate (the caller's role, when a role session was denied).

    Returns:
        ``/iam/policies/simulator/?action=…&resource=…[&principal=…|&role=…]``.
    """
    base = reverse("policies:simulator")
    params = {"action": auth.action, "resource": auth.resource}
    if principal:
        params["principal"] = principal
    elif role:
        params["role"] = role
    return base + "?" + urlencode(params)


def simulator_preselection(identity: Any) -> tuple[str, str] | None:
    """The simulator parameter that selects the caller itself: ``("role", <role name>)`` in
    a role session, ``("principal", <user name>)`` for an IAM user, None for root (which
    simulates custom policies) or nobody."""
    if identity is None or identity.is_root:
        return None
    if identity.role_session is not None:
        return "role", identity.role_session.role.name
    if identity.principal_type == "User":
        return "principal", identity.user.user_name
    return None


def caller_simulator_url(request: Any, auth: Authorization) -> str:
    """:func:`simulator_url` for the caller of ``request``: the denied IAM user (or the
    role of the denied role session) is preselected, so the simulator explains the same
    decision."""
    chosen = simulator_preselection(getattr(request, "iam", None))
    return simulator_url(auth, **dict([chosen] if chosen else []))


def denied_statements(auth: Authorization) -> tuple[Any, ...]:
    """The statements that explicitly denied ``auth`` (empty for an implicit deny)."""
    decision = auth.engine_decision
    if decision is None or auth.decision != "explicitDeny":
        return ()
    return tuple(decision.matched)


def simulator_subject(request: Any) -> str:
    """The ARN the simulator authorises when it opens on the caller (its
    ``iam:SimulatePrincipalPolicy`` resource): the IAM user, the role of a role session,
    or ``*`` for root (which simulates custom policies)."""
    identity = getattr(request, "iam", None)
    if identity is None or identity.is_root:
        return "*"
    if identity.role_session is not None:
        return identity.role_session.role.arn
    return identity.user.arn


def access_denied(request: Any, auth: Authorization):
    """The 403 page in AWS's words, with a link to the simulator (disabled, with the
    reason, when the caller may not simulate itself); the refusal goes to the audit trail."""
    from audit import services as audit

    audit.denied(request, auth)
    return render(request, "errors/access_denied.html",
                  {"auth": auth, "simulator_url": caller_simulator_url(request, auth),
                   "simulator_subject": simulator_subject(request),
                   "denied_statements": denied_statements(auth)}, status=403)


def audited(request: Any, respond: Callable[[], Any]) -> Any:
    """Every console view runs here: a POST runs in one transaction with its record in the
    audit trail, written once if it changed something or failed to
    (:func:`audit.services.console_response`)."""
    if request.method != "POST":
        return respond()
    from audit import services as audit

    with transaction.atomic():
        return audit.console_response(request, respond())


class IAMActionRequiredMixin:
    """Authorise a console view by IAM action before it runs.

    Set ``iam_action`` (e.g. ``"iam:ListUsers"``); override :meth:`get_resource_arn`
    when the action targets one resource. Views whose GET and POST are different
    actions set ``iam_action_post`` too.
    """

    iam_action: str = ""
    iam_action_post: str = ""

    def get_iam_action(self) -> str:
        if self.request.method == "POST" and self.iam_action_post:
            return self.iam_action_post
        return self.iam_action

    def get_resource_arn(self) -> str:
        return "*"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.setup_objects()
            auth = authorize(request, self.get_iam_action(), self.get_resource_arn())
            if not auth:
                return access_denied(request, auth)
        return audited(request, partial(super().dispatch, request, *args, **kwargs))

    def setup_objects(self) -> None:
        """Fetch the objects the view works on (404 for another account's), before the check."""


class ConditionalIAMActionMixin(IAMActionRequiredMixin):
    """:class:`IAMActionRequiredMixin` whose checks carry IAM's condition keys.

    IAM gives ``iam:PolicyARN`` to Attach/Detach*Policy and ``iam:PermissionsBoundary`` to
    the actions on a user, which is how an administrator delegates "attach only these
    policies" or "manage only users bounded by this boundary" without letting anyone
    escalate. A view lists the checks of one request in :meth:`get_authorizations`
    (several when one form attaches several policies); every one must be allowed.
    """

    def get_condition_context(self) -> dict[str, Any]:
        return {}

    def get_authorizations(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [(self.get_iam_action(), self.get_resource_arn(), self.get_condition_context())]

    #: Condition keys that only the submitted form supplies (``"aws:RequestTag/"`` covers
    #: every key with that prefix). Opening the form is allowed when the one thing that
    #: stands between the caller and an allow is such a key: the call itself, on submit,
    #: is checked with it.
    pending_condition_keys: tuple[str, ...] = ()

    #: Whether the view answers a picker's Search or page button (a POST that only shows
    #: the form again, iamportal.pickers) without performing anything.
    shows_picker_pages = False

    def is_submission(self) -> bool:
        if self.shows_picker_pages and is_navigation(self.request.POST):
            return False
        return self.request.method == "POST"

    def may_proceed(self, denied) -> bool:
        """Whether a denied check may still let the page open (a form before the real call)."""
        if self.is_submission() or not self.pending_condition_keys:
            return False
        missing = getattr(denied.engine_decision, "missing_context", ()) or ()
        pending = self.pending_condition_keys
        return (
            denied.decision == "implicitDeny"
            and bool(missing)
            and all(
                any(key == p or (p.endswith("/") and key.startswith(p)) for p in pending)
                for key in missing
            )
        )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.setup_objects()
            denied = first_denied(request, self.get_authorizations())
            if denied is not None and not self.may_proceed(denied):
                return access_denied(request, denied)
        # Skip IAMActionRequiredMixin.dispatch: its check (without the keys) is done above.
        dispatch = super(IAMActionRequiredMixin, self).dispatch
        return audited(request, partial(dispatch, request, *args, **kwargs))
