"""The AWS managed policy catalog: one JSON data file per policy, and the code that loads it.

Each ``*.json`` file in this folder holds what IAM's GetPolicy and GetPolicyVersion
return for one AWS managed policy (iam-facts §6)::

    {"PolicyName": "...", "Path": "/", "Description": "...", "PolicyId": "ANPA...",
     "CreateDate": "2015-02-06T18:39:46Z", "UpdateDate": "...", "DefaultVersionId": "v12",
     "Note": "optional: why this entry differs from AWS's", "Document": {...}}

:func:`sync` writes them to the database *in place*: a policy keeps its row (so every
account's attachments survive) and gets a new default version when the file's
``DefaultVersionId`` changes; an unchanged file changes nothing. It takes the model
classes as arguments so that the data migration can pass its historical models.

It runs from the data migration (a fresh database has the catalog), from
``manage.py syncmanagedpolicies``, and after every ``migrate`` or test-database flush
(``post_migrate``, see ``policies.apps``), so edited files reach every database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent

#: Versions IAM keeps per managed policy (iam-facts §1.2).
MAX_VERSIONS = 5


@dataclass(frozen=True)
class Definition:
    """One AWS managed policy as its data file describes it."""

    name: str
    path: str
    description: str
    policy_id: str
    created: datetime
    updated: datetime
    version_number: int
    document: str
    note: str = ""

    @classmethod
    def from_file(cls, file: Path) -> "Definition":
        data = json.loads(file.read_text(encoding="utf-8"))
        version = data["DefaultVersionId"]
        if not (version.startswith("v") and version[1:].isdigit()):
            raise ValueError(f"{file.name}: DefaultVersionId must look like v1, not {version!r}")
        return cls(
            name=data["PolicyName"],
            path=data.get("Path", "/"),
            description=data.get("Description", ""),
            policy_id=data["PolicyId"],
            created=_timestamp(data["CreateDate"]),
            updated=_timestamp(data["UpdateDate"]),
            version_number=int(version[1:]),
            # Stored as IAM's console displays it: pretty-printed with four spaces.
            document=json.dumps(data["Document"], indent=4),
            note=data.get("Note", ""),
        )


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def definitions(directory: Path | str = DATA_DIR) -> list[Definition]:
    """Every policy definition in ``directory``, ordered by name."""
    return sorted(
        (Definition.from_file(f) for f in Path(directory).glob("*.json")), key=lambda d: d.name
    )


@dataclass
class SyncResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


def sync(
    policy_model: Any, version_model: Any, directory: Path | str = DATA_DIR, using: str = "default"
) -> SyncResult:
    """Create or update every AWS managed policy from the data files, idempotently.

    Args:
        policy_model: ``ManagedPolicy`` (or its historical version in a migration).
        version_model: ``PolicyVersion`` (likewise).
        directory: where the ``*.json`` files are.
        using: the database alias.

    Returns:
        The names created, updated and left unchanged.
    """
    result = SyncResult([], [], [])
    policies = policy_model._default_manager.db_manager(using)
    versions = version_model._default_manager.db_manager(using)
    for spec in definitions(directory):
        policy = policies.filter(account__isnull=True, name__iexact=spec.name).first()
        if policy is None:
            policy = policies.create(
                account=None,
                name=spec.name,
                path=spec.path,
                description=spec.description,
                policy_id=spec.policy_id,
                created=spec.created,
                updated=spec.updated,
                next_version=spec.version_number + 1,
            )
            _create_default_version(versions, policy, spec)
            result.created.append(spec.name)
            continue
        changed = _update_fields(policy, spec)
        changed |= _update_default_version(policy, versions, spec)
        (result.updated if changed else result.unchanged).append(spec.name)
    return result


def _create_default_version(version_manager: Any, policy: Any, spec: Definition) -> None:
    version_manager.create(
        policy=policy,
        number=spec.version_number,
        document=spec.document,
        is_default=True,
        created=spec.updated,
    )


def _update_fields(policy: Any, spec: Definition) -> bool:
    fields = {
        "name": spec.name,
        "path": spec.path,
        "description": spec.description,
        "policy_id": spec.policy_id,
        "created": spec.created,
        "updated": spec.updated,
        "next_version": max(policy.next_version, spec.version_number + 1),
    }
    changed = [name for name, value in fields.items() if getattr(policy, name) != value]
    for name in changed:
        setattr(policy, name, fields[name])
    if changed:
        policy.save(update_fields=changed)
    return bool(changed)


def _update_default_version(policy: Any, version_manager: Any, spec: Definition) -> bool:
    versions = version_manager.filter(policy=policy)
    current = versions.filter(number=spec.version_number).first()
    if current is not None and current.is_default and current.document == spec.document:
        return False
    versions.filter(is_default=True).exclude(number=spec.version_number).update(is_default=False)
    if current is None:
        _create_default_version(version_manager, policy, spec)
    else:
        current.document, current.is_default = spec.document, True
        current.save(update_fields=["document", "is_default"])
    # Keep IAM's five versions: drop the oldest non-default ones beyond that.
    surplus = list(
        versions.filter(is_default=False)
        .order_by("-number")
        .values_list("pk", flat=True)[MAX_VERSIONS - 1 :]
    )
    if surplus:
        version_manager.filter(pk__in=surplus).delete()
    return True
