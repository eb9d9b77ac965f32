"""The "Permissions defined in this policy" summary: per statement, per service, which
actions (and their access levels), which resources, which conditions.

Reads a document that has already passed validation; it never raises on odd shapes (a
stored document that no longer parses gives an empty summary).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policies.engine import catalogue


@dataclass
class ServiceRow:
    """One service within one statement."""

    prefix: str
    name: str
    actions: list[str]
    access: str


@dataclass
class StatementSummary:
    index: int
    sid: str
    effect: str
    not_action: bool
    services: list[ServiceRow]
    resources: list[str]
    not_resource: bool
    conditions: list[str] = field(default_factory=list)
    principal: str = ""

    @property
    def label(self) -> str:
        return self.sid or f"Statement {self.index + 1}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _access(patterns: list[str], negated: bool) -> str:
    if negated:
        return "All actions except those listed"
    if any(p.split(":", 1)[1] == "*" for p in patterns if ":" in p):
        return "Full access"
    levels: set[str] = set()
    for pattern in patterns:
        for action in catalogue.expand(pattern):
            level = catalogue.access_level(action)
            if level:
                levels.add(level)
    ordered = [level for level in catalogue.ACCESS_LEVELS if level in levels]
    return "Limited: " + ", ".join(ordered) if ordered else "Unknown actions"


def _services(actions: Iterable[Any], negated: bool) -> list[ServiceRow]:
    by_prefix: dict[str, list[str]] = {}
    for action in actions:
        text = str(action)
        if text == "*":
            by_prefix.setdefault("*", []).append(text)
            continue
        prefix = text.split(":", 1)[0].lower() if ":" in text else text
        by_prefix.setdefault(prefix, []).append(text)
    rows = []
    for prefix, patterns in by_prefix.items():
        if prefix == "*":
            rows.append(
                ServiceRow("*", "All services", patterns, "None" if negated else "Full access")
            )
            continue
        name = catalogue.service_name(prefix) or f"Unknown service ({prefix})"
        rows.append(ServiceRow(prefix, name, patterns, _access(patterns, negated)))
    return sorted(rows, key=lambda r: (r.prefix != "*", r.name.lower()))


def _conditions(block: Any) -> list[str]:
    if not isinstance(block, dict):
        return []
    lines = []
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            shown = ", ".join(str(v) for v in _as_list(values))
            lines.append(f"{operator} {key}: {shown}")
    return lines


def summarize(document: str | dict[str, Any]) -> list[StatementSummary]:
    """The statements of ``document`` as :class:`StatementSummary` rows, in order."""
    try:
        data = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    statements = data.get("Statement")
    summaries = []
    for index, statement in enumerate(_as_list(statements)):
        if not isinstance(statement, dict):
            continue
        negated = "NotAction" in statement
        actions = _as_list(statement.get("NotAction" if negated else "Action"))
        not_resource = "NotResource" in statement
        resources = [
            str(r) for r in _as_list(statement.get("NotResource" if not_resource else "Resource"))
        ]
        principal = statement.get("Principal") or statement.get("NotPrincipal") or ""
        summaries.append(
            StatementSummary(
                index=index,
                sid=str(statement.get("Sid", "") or ""),
                effect=str(statement.get("Effect", "")),
                not_action=negated,
                services=_services(actions, negated),
                resources=resources,
                not_resource=not_resource,
                conditions=_conditions(statement.get("Condition")),
                principal=json.dumps(principal) if principal else "",
            )
        )
    return summaries


def numbered_lines(document: str) -> list[tuple[int, str]]:
    """``(line number, text)`` for a JSON view with a line gutter."""
    return list(enumerate(document.split("\n"), start=1))
