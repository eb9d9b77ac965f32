"""Role sessions in the console: where a switch is stored, and how it becomes the request's identity.

After Switch Role the Django session holds the role session (``SESSION_ROLE``):
the role's ``AROA…`` id, the session name, display name and colour, the source
identity, when it was issued and when it expires, and whether it was chained. It
also keeps the last five roles switched to (``SESSION_HISTORY``) for the identity menu.

:func:`role_session_identity` is registered in :data:`accounts.identity.IDENTITY_HOOKS` (and
:func:`load_session_policy_set` in ``policies.loading.PRINCIPAL_LOADERS``) by
:class:`accounts.apps.AccountsConfig`.
For an IAM user with a live role session it replaces the identity with the session's:

- ARN ``arn:aws:sts::<acct>:assumed-role/<role>/<session>`` (no role path), type ``AssumedRole``;
- context ``aws:PrincipalArn`` = the role's ARN, ``aws:userid`` = ``AROA…:<session>``,
  ``aws:PrincipalType`` = ``AssumedRole``, ``aws:TokenIssueTime`` = the switch time,
  ``aws:PrincipalTag/*`` = the role's tags, and no ``aws:username``;
- the policy set: the role's policies and boundary only (``load_role_policy_set``), so
  nothing of the user's own permissions is left for the session's lifetime.

An expired session (or one whose role was deleted) is dropped and the user is back
in their own identity, with a message saying so.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.utils.functional import SimpleLazyObject

from policies.loading import load_role_policy_set, with_session_policies

from .identity import SESSION_SIGNED_IN_AT, Identity
from .models import Role

SESSION_ROLE = "iam_role_session"
SESSION_HISTORY = "iam_role_history"
HISTORY_LENGTH = 5

# The console's display colours (iam-facts §8.7): hex value, visible name.
COLOURS: tuple[tuple[str, str], ...] = (
    ("F2B0A9", "Red"),
    ("FBBF93", "Orange"),
    ("FAD791", "Yellow"),
    ("B7CA9D", "Green"),
    ("99BCE3", "Blue"),
)
COLOUR_NAMES = dict(COLOURS)
DEFAULT_COLOUR = "99BCE3"


def now() -> float:
    """The clock of role sessions (tests patch it)."""
    return time.time()


def normalise_colour(value: str | None) -> str:
    """One of the five console colours (upper-case hex, no ``#``), or ``""``.

    Only these values ever reach a template (as the class ``colour-<hex>``, static/css/console.css).
    """
    value = (value or "").strip().lstrip("#").upper()
    return value if value in COLOUR_NAMES else ""


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RoleSession:
    """The live role session of a request (``request.iam.role_session``).

    Attributes:
        role: the assumed role (with its account).
        session_name: the RoleSessionName (the IAM user's name).
        display_name: what the navigation shows (default ``RoleName @ Account``).
        colour: the navigation colour, one of :data:`COLOURS` (hex, no ``#``).
        source_identity: the ARN of the IAM user who switched (kept through chains).
        issued: epoch seconds of the switch; expires: epoch seconds of its end.
        chained: whether it was assumed from another role session.
    """

    role: Role
    session_name: str
    display_name: str
    colour: str
    source_identity: str
    issued: float
    expires: float
    chained: bool

    @property
    def arn(self) -> str:
        return self.role.session_arn(self.session_name)

    @property
    def assumed_role_id(self) -> str:
        """``AROA…:<session>``: what ``aws:userid`` and GetCallerIdentity's UserId say."""
        return f"{self.role.unique_id}:{self.session_name}"

    @property
    def issued_at(self) -> datetime:
        return datetime.fromtimestamp(self.issued, UTC)

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.expires, UTC)

    @property
    def colour_name(self) -> str:
        return COLOUR_NAMES.get(self.colour, "")


# ---------------------------------------------------------------------------
# Storage in the Django session


def store(request: Any, grant: Any, *, display_name: str, colour: str, account_reference: str,
          role_reference: str) -> None:
    """Start the role session of ``grant`` (a :class:`accounts.roles.RoleGrant`) and put
    the role at the top of the history (at most five entries, no duplicates)."""
    colour = normalise_colour(colour) or DEFAULT_COLOUR
    request.session[SESSION_ROLE] = {
        "role_id": grant.role.unique_id,
        "user_id": request.user.pk,
        "session_name": grant.session_name,
        "display_name": display_name,
        "colour": colour,
        "source_identity": grant.source_identity,
        "issued": grant.issued,
        "expires": grant.expires,
        "chained": grant.chained,
    }
    entry = {"account": account_reference, "role_name": role_reference, "display_name": display_name,
             "colour": colour}
    key = (account_reference.lower(), role_reference.lower())
    rest = [item for item in history(request)
            if (item.get("account", "").lower(), item.get("role_name", "").lower()) != key]
    request.session[SESSION_HISTORY] = [entry, *rest][:HISTORY_LENGTH]


def clear(request: Any) -> bool:
    """End the role session (Switch back). Returns whether there was one."""
    return request.session.pop(SESSION_ROLE, None) is not None


def history(request: Any) -> list[dict[str, str]]:
    """The last roles switched to, most recent first: account, role name, display name, colour."""
    entries = request.session.get(SESSION_HISTORY) or []
    return [dict(entry, colour=normalise_colour(entry.get("colour"))) for entry in entries
            if isinstance(entry, dict)][:HISTORY_LENGTH]


def _say(request: Any, text: str) -> None:
    try:
        messages.warning(request, text)
    except messages.MessageFailure:  # pragma: no cover - no message middleware (plain RequestFactory)
        pass


def load(request: Any, at: float | None = None) -> RoleSession | None:
    """The request's live role session, or None. Drops an expired session (or one whose
    role no longer exists) and tells the user they are back in their own identity."""
    record = request.session.get(SESSION_ROLE)
    if not record:
        return None
    user = request.user
    at = now() if at is None else at
    if record.get("user_id") != user.pk:
        clear(request)
        return None
    if at >= float(record.get("expires", 0)):
        clear(request)
        _say(request, f"Your role session has expired. You are now signed in as {user.user_name}.")
        return None
    # With the account's organization membership: SCPs (policies.authz.account_scps).
    role = (Role.objects.select_related("account__org_member__org")
            .filter(unique_id=record.get("role_id")).first())
    if role is None or role.account.suspended:
        clear(request)
        gone = "no longer exists" if role is None else "is in a suspended account"
        _say(request, f"The role you switched to {gone}. You are now signed in as {user.user_name}.")
        return None
    return RoleSession(
        role=role,
        session_name=record["session_name"],
        display_name=record.get("display_name") or f"{role.name} @ {role.account.signin_slug}",
        colour=normalise_colour(record.get("colour")) or DEFAULT_COLOUR,
        source_identity=record.get("source_identity", ""),
        issued=float(record["issued"]),
        expires=float(record["expires"]),
        chained=bool(record.get("chained")),
    )


def console_session_ends(request: Any) -> float | None:
    """When the user's console session ends (sign-in + 12 hours); caps role sessions."""
    from .roles import CONSOLE_SESSION_SECONDS

    signed_in = request.session.get(SESSION_SIGNED_IN_AT)
    return float(signed_in) + CONSOLE_SESSION_SECONDS if signed_in else None


# ---------------------------------------------------------------------------
# The identity hook


def role_session_identity(request: Any, identity: Identity) -> Identity:
    """Turn an IAM user's identity into their role session's, if one is live (see module doc)."""
    identity.role_history = history(request)
    session = load(request)
    if session is None:
        return identity
    role_identity = assumed_role_identity(identity, session)
    role_identity.role_history = identity.role_history
    return role_identity


def assumed_role_identity(identity: Identity, session: RoleSession, *,
                          session_tags: Sequence[dict[str, str]] = (),
                          session_policies: Sequence[str] = ()) -> Identity:
    """The identity of ``session``, a session of a role assumed by ``identity`` (the user's
    own, with the request's keys): the console's Switch Role and STS's AssumeRole alike.

    ARN ``arn:aws:sts::<acct>:assumed-role/<role>/<session>``; ``aws:userid`` ``AROA…:<session>``,
    ``aws:PrincipalArn`` the role's ARN, ``aws:PrincipalType`` ``AssumedRole``,
    ``aws:TokenIssueTime``, ``aws:PrincipalTag/*`` from the role's tags and then the session
    tags (which win), no ``aws:username``. The policy set is the role's policies and
    boundary, limited by ``session_policies`` (documents) if any: nothing of the user's.
    """
    role = session.role
    account = role.account
    context = {key: value for key, value in identity.context.items()
               if key != "aws:username" and not key.startswith("aws:PrincipalTag/")}
    context.update({
        "aws:userid": session.assumed_role_id,
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": account.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:TokenIssueTime": _iso(session.issued),
    })
    for tag in [*role.tag_list, *session_tags]:
        context[f"aws:PrincipalTag/{tag['Key']}"] = tag["Value"]
    role_identity = Identity(user=identity.user, account=account, arn=session.arn,
                             principal_type="AssumedRole", context=context, role_session=session)
    # Decided here, not by whoever loads user policies: the session holds the role's
    # permissions only, so the user's can never leak into it.
    policies = tuple(session_policies)
    role_identity._policy_set = SimpleLazyObject(
        lambda: with_session_policies(load_role_policy_set(role), policies))
    # The user behind the session: the console authorises further switches with it.
    role_identity.user_identity = identity
    return role_identity


def load_session_policy_set(identity: Any) -> Any:
    """``policies.loading.PRINCIPAL_LOADERS`` entry: a role session's policy set, else None."""
    session = getattr(identity, "role_session", None)
    return load_role_policy_set(session.role) if session is not None else None
