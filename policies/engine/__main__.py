"""Command line: run case files, validate a policy.

    python -m policies.engine cases FILE_OR_DIR [FILE_OR_DIR ...] [--verbose]
    python -m policies.engine validate FILE [--kind identity|trust|resource|scp]
        [--resource-type AWS::S3::Bucket|...] [--max-size N] [--json]
    python -m policies.engine check-no-new-access NEW --existing OLD
        [--policy-type IDENTITY_POLICY|RESOURCE_POLICY] [--json]
    python -m policies.engine check-access-not-granted FILE [--action A ...]
        [--resource ARN ...] [--policy-type IDENTITY_POLICY|RESOURCE_POLICY] [--json]
    python -m policies.engine check-no-public-access FILE --resource-type AWS::S3::Bucket|...
        [--json]

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

The ``check-*`` commands are IAM Access Analyzer's custom policy checks
(:mod:`.custom_checks`; the AWS CLI's ``aws accessanalyzer check-no-new-access`` & co.).
They print ``PASS`` or ``FAIL`` with Access Analyzer's message, then one line per statement
responsible (``statement INDEX (Sid ID): DESCRIPTION``); with ``--json`` the AWS CLI's
output instead: ``{"result", "message", "reasons": [{"description", "statementIndex",
"statementId"}]}`` (``statementId`` only for a statement with a Sid). ``--action`` and
``--resource`` repeat, or take comma-separated values. Exit status 0 for PASS, 1 for FAIL,
2 when the check cannot run (a file that cannot be read, a document IAM would reject, bad
arguments: the reason on standard error). ``-`` reads standard input (one document only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .compiled import Policy
from .custom_checks import PUBLIC_ACCESS_RESOURCE_TYPES, CheckResult, check_access_not_granted
from .custom_checks import check_no_new_access, check_no_public_access
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
    _add_custom_checks(commands)
    args = parser.parse_args(argv)
    if args.command == "cases":
        return _run_cases(args.paths, verbose=args.verbose)
    if args.command in CUSTOM_CHECKS:
        return _run_custom_check(args)
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


# ---------------------------------------------------------------- custom policy checks


#: Access Analyzer's policyType values and the engine's kind for each.
POLICY_TYPES = {"IDENTITY_POLICY": "identity", "RESOURCE_POLICY": "resource"}
CUSTOM_CHECKS = ("check-no-new-access", "check-access-not-granted", "check-no-public-access")


def _add_custom_checks(commands: Any) -> None:
    def common(sub: Any, policy_type: bool = True) -> None:
        if policy_type:
            sub.add_argument("--policy-type", default="IDENTITY_POLICY",
                             choices=sorted(POLICY_TYPES), help="Access Analyzer's policyType")
        sub.add_argument("--json", action="store_true",
                         help="the AWS CLI's JSON output (result, message, reasons)")

    new = commands.add_parser("check-no-new-access",
                              help="FAIL when NEW allows something the existing policy does not")
    new.add_argument("path", help="the new policy, or - for standard input")
    new.add_argument("--existing", required=True, help="the existing (reference) policy")
    common(new)
    granted = commands.add_parser("check-access-not-granted",
                                  help="FAIL when the policy may allow a listed action/resource")
    granted.add_argument("path", help="policy file, or - for standard input")
    granted.add_argument("--action", action="append", default=[], dest="actions",
                         help="an action to check (repeat, or separate with commas)")
    granted.add_argument("--resource", action="append", default=[], dest="resources",
                         help="a resource ARN to check (repeat, or separate with commas)")
    common(granted)
    public = commands.add_parser("check-no-public-access",
                                 help="FAIL when a resource policy grants public access")
    public.add_argument("path", help="resource policy file, or - for standard input")
    public.add_argument("--resource-type", required=True,
                        choices=PUBLIC_ACCESS_RESOURCE_TYPES, metavar="RESOURCE_TYPE",
                        help="one of: " + ", ".join(PUBLIC_ACCESS_RESOURCE_TYPES))
    common(public, policy_type=False)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    return Path(path).read_text(encoding="utf-8")


def _listed(values: Sequence[str]) -> list[str]:
    return [value.strip() for raw in values for value in raw.split(",") if value.strip()]


def _run_custom_check(args: Any) -> int:
    try:
        document = _read(args.path)
        if args.command == "check-no-new-access":
            if args.path == "-" and args.existing == "-":
                raise ValueError("only one document can be read from standard input")
            result = check_no_new_access(document, _read(args.existing),
                                         POLICY_TYPES[args.policy_type])
        elif args.command == "check-access-not-granted":
            kind = "identity" if args.policy_type == "IDENTITY_POLICY" else None
            result = check_access_not_granted(document, _listed(args.actions),
                                              _listed(args.resources), kind=kind)
        else:
            result = check_no_public_access(document, args.resource_type)
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    except PolicyError as error:
        print(f"the policy can't be checked: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 2
    _print_check(result, as_json=args.json)
    return 0 if result.passed else 1


def _print_check(result: CheckResult, *, as_json: bool) -> None:
    if as_json:
        reasons = [{key: reason[key] for key in ("description", "statementIndex", "statementId")
                    if reason.get(key) is not None} for reason in result.reasons]
        print(json.dumps({"result": result.result, "message": result.message,
                          "reasons": reasons}, indent=4, ensure_ascii=False))
        return
    print(f"{result.result}\t{result.message}")
    for reason in result.reasons:
        sid = f" (Sid {reason['statementId']})" if reason.get("statementId") else ""
        print(f"statement {reason['statementIndex']}{sid}: {reason['description']}")


def _print(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(1)
