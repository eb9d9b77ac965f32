"""The request being authorised: action, resource, principal and context.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .matching import Caller

__all__ = ["Request", "normalize_context"]


@dataclass(frozen=True)
class Request:
    """One request to authorise.

    Attributes:
        action: ``"service:ActionName"``; matched case-insensitively.
        resource: the ARN acted on, or ``"*"`` for actions without a resource.
        principal: who asks: an IAM user or role ARN, an assumed-role session ARN
            (``arn:aws:sts::acct:assumed-role/Role/session``), an account id, a service
            name (``ec2.amazonaws.com``); None for anonymous.
        context: condition keys and their values: strings, or lists of strings for
            multivalued keys. Booleans become ``"true"``/``"false"``, numbers their text,
            dates ISO 8601; None means absent. Keys are case-insensitive. Nothing is
            derived from ``principal``: pass ``aws:username`` and friends explicitly.
    """

    action: str
    resource: str = "*"
    principal: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    prefix: str = field(init=False, repr=False, compare=False)
    name: str = field(init=False, repr=False, compare=False)
    normalized: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    caller: Caller = field(init=False, repr=False, compare=False)
    # The dict behind ``normalized``: condition checks read it directly (a plain dict
    # lookup is cheaper than one through the read-only proxy). Never mutated.
    _context: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.action, str):
            object.__setattr__(self, "action", "" if self.action is None else str(self.action))
        if not isinstance(self.resource, str):
            object.__setattr__(self, "resource",
                               "*" if self.resource is None else str(self.resource))
        if self.principal is not None and not isinstance(self.principal, str):
            object.__setattr__(self, "principal", str(self.principal))
        prefix, _, name = self.action.lower().partition(":")
        context = _normalize(self.context or {})
        principal_arn = context.get("aws:principalarn")
        object.__setattr__(self, "prefix", prefix)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "normalized", MappingProxyType(context))
        object.__setattr__(self, "_context", context)
        object.__setattr__(self, "caller", _caller(
            self.principal, principal_arn[0] if principal_arn and len(principal_arn) == 1
            else None))

    def __hash__(self) -> int:
        return hash((self.action, self.resource, self.principal,
                     tuple(sorted(self.normalized.items()))))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Request:
        """Build from ``{"action", "resource", "principal", "context"}`` (as in case files)."""
        return cls(action=str(data.get("action", "")), resource=str(data.get("resource", "*")),
                   principal=data.get("principal"), context=data.get("context") or {})


@functools.lru_cache(maxsize=4096)
def _caller(principal: str | None, principal_arn: str | None) -> Caller:
    """:meth:`Caller.of`, remembered: a caller makes many requests (Caller is immutable)."""
    return Caller.of(principal, principal_arn)


def normalize_context(context: Mapping[str, Any]) -> Mapping[str, tuple[str, ...]]:
    """Lower-case the keys and turn every value into a tuple of strings.

    Args:
        context: the caller's context mapping.

    Returns:
        A read-only mapping; keys whose value is None are left out (absent).
    """
    return MappingProxyType(_normalize(context))


def _normalize(context: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        if type(value) is str and type(key) is str:  # the usual entry, taken first
            out[key.lower()] = (value,)
            continue
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            out[str(key).lower()] = tuple(_text(v) for v in value if v is not None)
        elif isinstance(value, (set, frozenset)):
            out[str(key).lower()] = tuple(sorted(_text(v) for v in value if v is not None))
        else:
            out[str(key).lower()] = (_text(value),)
    return out


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)
