"""Command line: run case files, validate a policy.

    python -m policies.engine cases FILE_OR_DIR [FILE_OR_DIR ...] [--verbose]
    python -m policies.engine validate FILE [--kind identity|trust|resource|scp]
        [--resource-type AWS::S3::Bucket|...] [--max-size N] [--json]

``cases`` reads JSON arrays of cases (a directory means every ``*.json`` in it, sorted)
and prints one JSON object per case, ``{"name", "decision", "expect", "ok"}`` (with
``--verbose`` also ``denied_by``, ``resource_grant``, ``missing_context``, ``matched``;
with ``"error"`` when a case cannot be run), then the closing line ``N passed, M failed``.
Exit status 1 when any case's decision differs from its ``expect``.

A case::

    {"name": "...", "identity_policies": [...], "permissions_boundary": {...},
     "session_policies": [...], "resource_policy": {...},
     "scps": [[root policies], [OU policies], ..., [account policies]],
     "request": {"principal": "...", "action": "...", "resource": "...", "context": {...}},
     "expect": "allowed" | "explicitDeny" | "implicitDeny",
     "expect_reason": "..."}

Only ``identity_policies``, ``request`` and ``expect`` are required. Policies are compiled
with their kind read from the document and no size quota; service control policies with
the kind ``"scp"``. ``scps`` absent or null: no organization (or its management account).
``expect_reason``, when given, must equal ``Decision.reason()`` too (AWS's AccessDenied tail).

``validate`` prints one finding a line as Access Analyzer lists them -- level, issue code,
title (AWS's, or IAM's message for IAM's own errors), location (``line:column path``) and
the message -- or with ``--json`` one JSON object per finding (``level``, ``code``,
``title``, ``blocking``, ``message``, ``line``, ``column``, ``path``, ``statement``, ``sid``,
``detail``); then ``N findings, M errors``. Exit status 1 when there is an ERROR (IAM's or
Access Analyzer's). ``-`` reads standard input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .compiled import Policy
from .evaluate import Decision, evaluate
from .findings import ERROR, PolicyError
from .request import Request
from .validation import RESOURCE_TYPES, validate


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m policies.engine",
                                     description="IAM policy engine: cases and validation.")
    commands = parser.add_subparsers(dest="command", required=True)
    cases = commands.add_parser("cases", help="evaluate case files and compare with expect")
    cases.add_argument("paths", nargs="+", help="case files (JSON arrays) or directories")
    cases.add_argument("--verbose", action="store_true", help="also print why")
    check = commands.add_parser("validate", help="print the findings of one policy document")
    check.add_argument("path", help="policy file, or - for standard input")
    check.add_argument("--kind", default="identity",
                       choices=["identity", "trust", "resource", "boundary", "session", "scp"])
    check.add_argument("--resource-type", default=None, choices=sorted(RESOURCE_TYPES),
                       help="Access Analyzer's validatePolicyResourceType (resource policies)")
    check.add_argument("--max-size", type=int, default=None,
                       help="size quota (non-whitespace characters); 0 for none")
    check.add_argument("--json", action="store_true", help="one JSON object per finding")
    args = parser.parse_args(argv)
    if args.command == "cases":
        return _run_cases(args.paths, verbose=args.verbose)
    return _run_validate(args.path, args.kind, args.max_size, args.resource_type,
                         as_json=args.json)


# ---------------------------------------------------------------- cases


def _case_files(paths: Sequence[str]) -> Iterator[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(path.glob("*.json"))
        else:
            yield path


def _load(path: Path) -> list[Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, list) else [data]


def _compile(document: Any) -> Policy:
    return Policy.from_json(document, max_size=0)


def _chain(levels: Any) -> list[list[Policy]] | None:
    if levels is None:
        return None
    if not isinstance(levels, list) or not all(isinstance(level, list) for level in levels):
        raise TypeError("scps is a list of levels, each a list of policies")
    return [[Policy.from_json(doc, kind="scp", max_size=0) for doc in level] for level in levels]


def _decide(case: dict[str, Any]) -> Decision:
    identity = [_compile(doc) for doc in case.get("identity_policies") or []]
    boundary = case.get("permissions_boundary")
    sessions = [_compile(doc) for doc in case.get("session_policies") or []]
    resource = case.get("resource_policy")
    request = case["request"]
    if not isinstance(request, dict):
        raise TypeError("request must be an object")
    return evaluate(
        Request.from_dict(request),
        identity=identity,
        boundary=_compile(boundary) if boundary is not None else None,
        session=sessions or None,
        resource=_compile(resource) if resource is not None else None,
        scps=_chain(case.get("scps")),
    )


def _run_cases(paths: Sequence[str], *, verbose: bool) -> int:
    passed = failed = 0
    for path in _case_files(paths):
        try:
            cases = _load(path)
        except (OSError, ValueError) as error:
            failed += 1
            _print({"name": str(path), "decision": "error", "expect": None, "ok": False,
                    "error": f"cannot read {path}: {error}"})
            continue
        for number, case in enumerate(cases):
            record = _run_case(case, f"{path.name}[{number}]", verbose=verbose)
            if record["ok"]:
                passed += 1
            else:
                failed += 1
            _print(record)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def _run_case(case: Any, fallback_name: str, *, verbose: bool) -> dict[str, Any]:
    if not isinstance(case, dict):
        return {"name": fallback_name, "decision": "error", "expect": None, "ok": False,
                "error": "a case is a JSON object"}
    name = case.get("name", fallback_name)
    expect = case.get("expect")
    try:
        decision = _decide(case)
    except PolicyError as error:
        return {"name": name, "decision": "error", "expect": expect, "ok": False,
                "error": f"malformed policy: {error}"}
    except (KeyError, TypeError, ValueError) as error:
        return {"name": name, "decision": "error", "expect": expect, "ok": False,
                "error": f"malformed case: {error!r}"}
    ok = decision.decision == expect
    if "expect_reason" in case:
        ok = ok and decision.reason() == case["expect_reason"]
    record: dict[str, Any] = {"name": name, "decision": decision.decision, "expect": expect,
                              "ok": ok}
    if "expect_reason" in case and decision.reason() != case["expect_reason"]:
        record["reason"] = decision.reason()
    if verbose:
        record.update({key: value for key, value in decision.to_dict().items()
                       if key != "decision"})
    return record


# ---------------------------------------------------------------- validate


def _run_validate(path: str, kind: str, max_size: int | None,
                  resource_type: str | None = None, *, as_json: bool = False) -> int:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 2
    findings = validate(text, kind=kind, resource_type=resource_type, max_size=max_size)
    for finding in findings:
        where = finding.location
        if as_json:
            _print({"level": finding.level, "code": finding.code, "title": finding.title,
                    "blocking": finding.blocking, "message": finding.message,
                    "line": where.line, "column": where.column, "path": where.path,
                    "statement": where.statement, "sid": where.sid,
                    "detail": finding.detail})
            continue
        title = finding.title or finding.message
        message = finding.message.removeprefix(f"{finding.title}: ") if finding.title else ""
        print(f"{finding.level}\t{finding.code}\t{title}\t{where.line}:{where.column} "
              f"{where.path}" + (f"\t{message}" if message else ""))
    errors = sum(1 for f in findings if f.level == ERROR)
    print(f"{len(findings)} findings, {errors} errors")
    return 1 if errors else 0


def _print(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(1)
