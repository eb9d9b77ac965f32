"""Query API actions: one handler per ``(service, Action)``, registered with :func:`action`.

A handler is a thin adapter over the operation it names: it reads parameters from
``call.params``, authorises the IAM action (and every call it implies) through
:meth:`Call.authorize` — ``policies.authz``, as every console view does — calls the same
service function the console calls, and returns the result members as a dict (None for an
action without output). Errors are raised: :mod:`iamportal.errors` and :mod:`api.errors`
become AWS's ``ErrorResponse``, a denied authorisation AWS's ``AccessDenied``.

Modules under ``api/actions/`` are imported when the app is ready, so a new file of
handlers is all a new group of actions needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from policies import authz

from .protocol import Params


@dataclass
class Call:
    """One Query API request, as a handler sees it."""

    request: Any
    params: Params
    service: str
    action: str
    region: str = "us-east-1"
    #: Set by handlers that want the response to carry more (unused by the dispatcher).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> Any:
        return self.request.iam

    @property
    def account(self) -> Any:
        return self.request.iam.account

    @property
    def user(self) -> Any:
        """The long-term user behind the credentials (root or IAM user)."""
        return self.request.iam.user

    def authorize(self, action: str, resource: str, context: dict[str, Any] | None = None) -> None:
        """Raise ``policies.authz.ActionDenied`` (→ AccessDenied) unless the caller may."""
        authz.require(self.request, action, resource, context)

    def authorize_all(self, calls: Iterable[tuple[Any, ...]]) -> None:
        """Every ``(action, resource[, context])`` of ``calls``, all before anything changes."""
        authz.require_all(self.request, calls)


Handler = Callable[[Call], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Action:
    service: str
    name: str
    handler: Handler
    #: STS actions AWS serves without a signature (none of IAM's).
    unsigned: bool = False


ACTIONS: dict[tuple[str, str], Action] = {}


def action(service: str, name: str, *, unsigned: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``service``'s ``name``."""

    def register(handler: Handler) -> Handler:
        key = (service, name)
        if key in ACTIONS:
            raise RuntimeError(f"{service}:{name} has two handlers")
        ACTIONS[key] = Action(service, name, handler, unsigned)
        return handler

    return register


def names(service: str) -> list[str]:
    """The actions of ``service`` the API serves, sorted (docs/api.md lists them)."""
    return sorted(name for svc, name in ACTIONS if svc == service)
