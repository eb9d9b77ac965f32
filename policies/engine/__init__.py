"""The IAM policy engine: parse, validate, evaluate and explain policies as AWS does.

Plain Python, standard library only; never imports Django (STYLE.md, P2). The public
contract (DESIGN.md, "Policy engine")::

    from policies.engine import Policy, PolicyError, Request, Decision, evaluate, validate

    policy = Policy.from_json(text_or_dict, name=None, kind="identity")
    decision = evaluate(Request(action=..., resource=..., principal=..., context={...}),
                        identity=[policy], boundary=None, session=None, resource=None,
                        scps=None)  # or [[root SCPs], [OU SCPs], ..., [account SCPs]]
    decision.decision, decision.matched, decision.missing_context, decision.reason(action)
    findings = validate(text, kind="identity")  # or "trust", "resource", "scp"
    findings = validate(text, "resource", "AWS::S3::Bucket")  # Access Analyzer's resource type
    # each Finding: level (ERROR, SECURITY_WARNING, WARNING, SUGGESTION), code (AWS's issue
    # code), title, location; blocking only for IAM's own errors (docs/validation.md)
    check_no_new_access(new, existing, kind="identity")       # Access Analyzer's custom
    check_access_not_granted(policy, actions=[...], resources=[...])  # policy checks:
    check_no_public_access(policy, resource_type="AWS::S3::Bucket")   # CheckResult

Semantics, and every choice made where AWS is silent: ``docs/engine.md``.
"""

from __future__ import annotations

from .compiled import CompiledStatement, Policy, Span
from .custom_checks import (
    CheckResult,
    CheckTooComplex,
    check_access_not_granted,
    check_no_new_access,
    check_no_public_access,
)
from .evaluate import Decision, MatchedStatement, evaluate
from .findings import (
    ERROR,
    LEVELS,
    SECURITY_WARNING,
    SUGGESTION,
    WARNING,
    Finding,
    Location,
    PolicyError,
)
from .request import Request
from .validation import validate

__all__ = [
    "CheckTooComplex",
    "ERROR",
    "LEVELS",
    "SECURITY_WARNING",
    "SUGGESTION",
    "WARNING",
    "CheckResult",
    "CompiledStatement",
    "Decision",
    "Finding",
    "Location",
    "MatchedStatement",
    "Policy",
    "PolicyError",
    "Request",
    "Span",
    "check_access_not_granted",
    "check_no_new_access",
    "check_no_public_access",
    "evaluate",
    "validate",
]
