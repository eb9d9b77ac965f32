"""What validation reports: findings, their locations, and the error ``from_json`` raises.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ERROR",
    "LEVELS",
    "SECURITY_WARNING",
    "SUGGESTION",
    "WARNING",
    "Finding",
    "Location",
    "PolicyError",
]

#: An error: IAM would reject the document (MalformedPolicyDocument, or LimitExceeded for
#: size) when the finding is ``blocking``; otherwise one of Access Analyzer's ERROR checks
#: on a document IAM accepts (the console's editor blocks "Next" on it, the API does not).
ERROR = "ERROR"
#: Accepted, but grants more than it seems to (Access Analyzer's "security warning").
SECURITY_WARNING = "SECURITY_WARNING"
#: Accepted, but probably not what the author meant.
WARNING = "WARNING"
#: Accepted; a clearer or safer way to write the same thing exists.
SUGGESTION = "SUGGESTION"

#: The levels, most severe first.
LEVELS: tuple[str, ...] = (ERROR, SECURITY_WARNING, WARNING, SUGGESTION)


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points.

    Attributes:
        statement: index of the statement (0 for a single-object ``Statement``), or None
            when the finding is about the whole document.
        sid: that statement's ``Sid``, if it has a string one.
        line: 1-based line in the policy text.
        column: 1-based column (characters, not bytes).
        path: JSON path of the element, e.g. ``$.Statement[1].Action[0]``.
    """

    statement: int | None = None
    sid: str | None = None
    line: int = 1
    column: int = 1
    path: str = "$"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing validation has to say about a policy.

    Attributes:
        level: one of :data:`ERROR`, :data:`SECURITY_WARNING`, :data:`WARNING`,
            :data:`SUGGESTION`.
        code: stable identifier (``"DUPLICATE_SID"``, ``"PASS_ROLE_WILDCARD"``, ...).
        message: for an ERROR, IAM's own message, word for word; otherwise plain words.
        location: where in the document.
        detail: plain words on what exactly is wrong and how to fix it (for ERRORs whose
            IAM message is terse, such as "Syntax errors in policy.").
        blocking: True when IAM itself rejects the document (its MalformedPolicyDocument or
            LimitExceeded): the API refuses it. Access Analyzer's checks are never blocking,
            whatever their level. Left out, it is ``level == ERROR`` (IAM's own checks build
            their findings so).
        title: Access Analyzer's title of the check ("Invalid ARN account"), or "" for IAM's
            own errors and the portal's own checks.
    """

    level: str
    code: str
    message: str
    location: Location = field(default_factory=Location)
    detail: str = ""
    blocking: bool | None = None
    title: str = ""

    def __post_init__(self) -> None:
        if self.blocking is None:
            object.__setattr__(self, "blocking", self.level == ERROR)


class PolicyError(ValueError):
    """The policy is malformed: IAM would reject it.

    ``str(error)`` is IAM's message for the first problem IAM would report.

    Attributes:
        message: that message.
        findings: every blocking ERROR finding, the one IAM reports first.
        location: where the first problem is.
    """

    def __init__(self, findings: list[Finding] | tuple[Finding, ...]) -> None:
        errors = tuple(f for f in findings if f.level == ERROR and f.blocking) or (
            Finding(ERROR, "SYNTAX_ERROR", "Syntax errors in policy."),
        )
        super().__init__(errors[0].message)
        self.message = errors[0].message
        self.findings = errors
        self.location = errors[0].location
