"""Matchers for actions, resource ARNs and principals, built once per statement.

Globs are translated by escaping every character and turning ``*`` into "any run of
characters" and ``?`` into "any one character" (STYLE.md, P3), as regular expressions
that match in time linear in pattern x input whatever the pattern (see
:func:`pieces_regex`).

- Actions are matched case-insensitively and indexed by service prefix: a request for
  ``s3:GetObject`` looks only at the ``s3`` names and patterns of a statement.
- Resource ARNs are matched case-sensitively, segment by segment (iam-facts §3.4): in the
  first five colon-separated segments a wildcard never crosses a colon; in the sixth (the
  resource part, which may itself contain colons) it does. A pattern with fewer than six
  segments lets its last segment absorb the rest of the ARN (our choice; AWS documents
  only six-part patterns).
- Principals (resource-based and trust policies) match as documented in :class:`PrincipalSet`.

Standard library only: no Django (see STYLE.md, P2).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .variables import Piece, Template, parse_template

__all__ = [
    "ActionSet",
    "Caller",
    "PrincipalSet",
    "ResourceSet",
    "ResourceTest",
    "arn_pattern",
    "compile_regex",
    "glob_regex",
    "globs_overlap",
    "never_covered",
    "pieces_regex",
    "resource_template",
]

_WILDCARDS = frozenset("*?")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
#: Wildcard classes: anywhere, and inside one of an ARN's first five segments.
_ANY, _SEGMENT = ".", "[^:]"


def glob_regex(pattern: str) -> str:
    """Translate a glob to a regular expression (``*`` any run, ``?`` any one character)."""
    return pieces_regex(((pattern, False),), arn=False)


def pieces_regex(pieces: Iterable[Piece], *, arn: bool) -> str:
    """Translate resolved pieces (see :mod:`.variables`) to a regular expression that
    matches in time linear in pattern x input, whatever the pattern.

    Args:
        pieces: ``(text, literal)`` pairs; literal text matches itself only, policy text
            keeps ``*`` and ``?`` as wildcards.
        arn: match segment-wise: in the first five colon-separated segments a wildcard
            does not cross a colon; the last segment of the pattern absorbs the rest.

    Returns:
        A pattern for :func:`re.fullmatch` (compile with :data:`re.DOTALL`).

    A naive translation (each ``*`` a ``.*``) backtracks: ``*a*a*a*a*a*a*a*b`` against 60
    characters takes seconds. Here the text between two ``*`` (a *chunk*, fixed-width) is
    matched at its leftmost place inside an atomic group, ``(?>.*?chunk)``, which the regex
    engine never re-enters; this is the greedy strategy of the classic two-pointer glob
    matcher, and it is exact because whatever follows starts with ``*`` and so matches any
    later suffix if it matches an earlier one. The last chunk is anchored at the end
    (``.*chunk``), the first at the start. Each chunk is tried at most once per position:
    O(len(pattern) x len(input)). An ARN's first segments with a ``*`` are atomic groups of
    their own, each ended by the colon its wildcards cannot cross.
    """
    # Escaped characters, "*" and "?" for wildcards, None for an ARN segment's end.
    tokens: list[str | None] = []
    for text, literal in pieces:
        if literal:
            tokens.extend(re.escape(char) for char in text)
            continue
        for char in text:
            if char == ":" and arn:
                tokens.append(None)
            else:
                tokens.append(char if char in _WILDCARDS else re.escape(char))
    restricted = min(5, tokens.count(None))
    out: list[str] = []
    segment: list[str] = []
    for token in tokens:
        if token is None and len(out) < restricted:
            atoms = _glob_atoms(segment, _SEGMENT)
            out.append(f"(?>{atoms}):" if "*" in segment else f"{atoms}:")
            segment = []
        else:
            segment.append(":" if token is None else token)
    return "".join(out) + _glob_atoms(segment, _ANY)


def _glob_atoms(tokens: list[str], wildcard: str) -> str:
    """The linear regex of one glob (see :func:`pieces_regex`), its wildcards of class
    ``wildcard``; ``tokens`` are escaped characters, ``"?"`` and ``"*"``."""
    chunks: list[str] = [""]
    for token in tokens:
        if token == "*":
            if chunks[-1] or len(chunks) == 1:
                chunks.append("")
            continue
        chunks[-1] += wildcard if token == "?" else token
    if len(chunks) == 1:
        return chunks[0]
    head, *middle, tail = chunks
    return (head + "".join(f"(?>{wildcard}*?{chunk})" for chunk in middle)
            + f"{wildcard}*{tail}")


def globs_overlap(first: str, second: str) -> bool:
    """Tell whether some string matches both globs (``*`` any run, ``?`` any one character).

    A dynamic programme over pairs of positions, row by row, O(len(first) x len(second)):
    ``(i, j)`` is reachable when some string takes ``first[:i]`` and ``second[:j]`` to the
    same point; a row with nothing reachable ends it early. Used by the validator to
    compare a policy's patterns with the ARN templates of the Service Authorization
    Reference.
    """
    width = len(second) + 1
    row = bytearray(width)
    row[0] = 1
    for a in first:
        start = row.find(1)
        if start < 0:
            return False
        below = bytearray(width)
        for j in range(start, width):
            if not row[j]:
                continue
            if a == "*":
                below[j] = 1  # the run is empty
            b = second[j] if j < len(second) else None
            if b == "*":
                row[j + 1] = 1
            if b is None or (a == "*" and b == "*"):
                continue
            if a in _WILDCARDS or b in _WILDCARDS or a == b:  # one character for both
                if a == "*":
                    row[j + 1] = 1
                else:
                    below[j + (b != "*")] = 1
        row = below
    return row.find(1, len(second.rstrip("*"))) >= 0  # only trailing "*"s are left


@functools.lru_cache(maxsize=8192)
def compile_regex(regex: str) -> re.Pattern[str]:
    """Compile (and remember) a translated pattern."""
    return re.compile(regex, re.DOTALL)


@functools.lru_cache(maxsize=8192)
def arn_pattern(pieces: tuple[Piece, ...]) -> re.Pattern[str]:
    """Compile (and remember) resolved ARN pieces, so a variable's value costs one lookup."""
    return compile_regex(pieces_regex(pieces, arn=True))


# ---------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class ActionSet:
    """The actions one ``Action`` (or ``NotAction``) element names.

    Attributes:
        match_all: the element contains ``"*"``.
        exact: service prefix -> action names without wildcards (all lower-case).
        patterns: service prefix -> one regex for that service's wildcard names.
        other: one regex over the whole ``prefix:name`` for patterns whose prefix has a
            wildcard (IAM rejects those; kept so a matcher never misses what it was given).
        prefixes: the service prefixes this set can match, None when any.
    """

    match_all: bool
    exact: Mapping[str, frozenset[str]]
    patterns: Mapping[str, re.Pattern[str]]
    other: re.Pattern[str] | None
    prefixes: frozenset[str] | None

    @classmethod
    def build(cls, actions: Iterable[str]) -> ActionSet:
        """Compile action names and patterns such as ``s3:Get*``, ``iam:?etUser``, ``*``."""
        exact: dict[str, set[str]] = {}
        globs: dict[str, list[str]] = {}
        other: list[str] = []
        match_all = False
        for action in actions:
            action = action.lower()
            if action == "*":
                match_all = True
                continue
            prefix, _, name = action.partition(":")
            if _WILDCARDS.intersection(prefix):
                other.append(glob_regex(action))
            elif _WILDCARDS.intersection(name):
                globs.setdefault(prefix, []).append(glob_regex(name))
            else:
                exact.setdefault(prefix, set()).add(name)
        patterns = {prefix: re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)
                    for prefix, regexes in globs.items()}
        prefixes = None if match_all or other else frozenset(exact) | frozenset(globs)
        return cls(
            match_all=match_all,
            exact=MappingProxyType({p: frozenset(n) for p, n in exact.items()}),
            patterns=MappingProxyType(patterns),
            other=re.compile("|".join(f"(?:{r})" for r in other), re.DOTALL) if other else None,
            prefixes=prefixes,
        )

    def matches(self, prefix: str, name: str) -> bool:
        """Tell whether the action ``prefix:name`` (both lower-case) is in the set."""
        if self.match_all:
            return True
        names = self.exact.get(prefix)
        if names is not None and name in names:
            return True
        pattern = self.patterns.get(prefix)
        if pattern is not None and pattern.fullmatch(name) is not None:
            return True
        return self.other is not None and self.other.fullmatch(f"{prefix}:{name}") is not None


# ---------------------------------------------------------------- resources


def resource_template(value: str) -> Template:
    """Parse the variables of a ``Resource`` value: only in its resource part (after the
    fifth colon), as IAM allows; elsewhere ``${...}`` stays as text."""
    if "${" not in value:
        return Template(value, (value,), False)
    parts = value.split(":", 5)
    if len(parts) < 6:
        return Template(value, (value,), False)
    tail = parse_template(parts[5])
    if not tail.has_vars:
        return Template(value, (value,), False)
    head = ":".join(parts[:5]) + ":"
    return Template(value, (head, *tail.parts), True)


#: A prepared resource test: (resource, normalised context, missing keys) -> covered?
ResourceTest = Callable[[str, Mapping[str, tuple[str, ...]], list[str]], bool]


def never_covered(resource: str, context: Mapping[str, tuple[str, ...]],
                  missing: list[str]) -> bool:
    """The resource test of ``"NotResource": "*"``: nothing is covered."""
    return False


@dataclass(frozen=True, slots=True)
class ResourceSet:
    """The ARN patterns one ``Resource`` (or ``NotResource``) element names.

    Attributes:
        match_all: the element contains ``"*"``.
        static: one regex for every pattern without variables.
        templates: patterns with policy variables, resolved per request.
        exact: the static patterns without wildcards (matched by set membership).
        starts: the static patterns whose only wildcard is a final ``*``, without it
            (matched by ``str.startswith``: a final ``*`` is in the pattern's last segment,
            where it spans colons).
        rest: one regex for the other static patterns, or None.
    """

    match_all: bool
    static: re.Pattern[str] | None
    templates: tuple[Template, ...]
    exact: frozenset[str] = frozenset()
    starts: tuple[str, ...] = ()
    rest: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        if self.static is not None and not self.exact and not self.starts and self.rest is None:
            object.__setattr__(self, "rest", self.static)  # built without the split

    @classmethod
    def build(cls, values: Iterable[str], *, variables: bool) -> ResourceSet:
        """Compile ARN patterns; ``variables`` is True under Version 2012-10-17."""
        match_all = False
        regexes: list[str] = []
        exact: set[str] = set()
        starts: list[str] = []
        others: list[str] = []
        templates: list[Template] = []
        for value in values:
            if value == "*":
                match_all = True
                continue
            template = resource_template(value) if variables else None
            if template is not None and template.has_vars:
                templates.append(template)
                continue
            regex = pieces_regex(((value, False),), arn=True)
            regexes.append(regex)
            wildcards = [position for position, char in enumerate(value) if char in _WILDCARDS]
            if not wildcards:
                exact.add(value)
            elif wildcards == [len(value) - 1] and value[-1] == "*":
                starts.append(value[:-1])
            else:
                others.append(regex)
        static = (re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)
                  if regexes else None)
        rest = (re.compile("|".join(f"(?:{r})" for r in others), re.DOTALL)
                if others else None)
        return cls(match_all, static, tuple(templates), frozenset(exact),
                   tuple(dict.fromkeys(starts)), rest)

    def matches(self, resource: str, context: Mapping[str, tuple[str, ...]],
                missing: list[str] | None = None) -> bool:
        """Tell whether ``resource`` matches one of the patterns.

        A pattern whose variable cannot be resolved matches nothing; its key goes to
        ``missing``.
        """
        if self.match_all or resource in self.exact:
            return True
        if self.starts and resource.startswith(self.starts):
            return True
        if self.rest is not None and self.rest.fullmatch(resource) is not None:
            return True
        for template in self.templates:
            pieces = template.resolve(context, missing)
            if pieces is not None and arn_pattern(pieces).fullmatch(resource) is not None:
                return True
        return False

    def prepare(self, negated: bool) -> ResourceTest | None:
        """One function telling whether a request's resource is covered by the element
        (``Resource``), or not named by it (``NotResource``, ``negated``).

        Returns:
            The test; None when every resource is covered (``"Resource": "*"``), and
            :func:`never_covered` for ``"NotResource": "*"``.
        """
        if self.match_all:
            return never_covered if negated else None
        exact, starts, rest = self.exact, self.starts, self.rest
        if self.templates:
            matches = self.matches

            def templated(resource: str, context: Mapping[str, tuple[str, ...]],
                          missing: list[str]) -> bool:
                return matches(resource, context, missing) != negated
            return templated
        if not starts and rest is None:
            if len(exact) == 1:
                (only,) = exact

                def one(resource: str, context: Mapping[str, tuple[str, ...]],
                        missing: list[str]) -> bool:
                    return (resource == only) != negated
                return one

            def listed(resource: str, context: Mapping[str, tuple[str, ...]],
                       missing: list[str]) -> bool:
                return (resource in exact) != negated
            return listed
        if not exact and rest is None:
            def prefixed(resource: str, context: Mapping[str, tuple[str, ...]],
                         missing: list[str]) -> bool:
                return resource.startswith(starts) != negated
            return prefixed

        def static(resource: str, context: Mapping[str, tuple[str, ...]],
                   missing: list[str]) -> bool:
            hit = (resource in exact or (bool(starts) and resource.startswith(starts))
                   or (rest is not None and rest.fullmatch(resource) is not None))
            return hit != negated
        return static


# ---------------------------------------------------------------- principals


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes the request, as principal matching needs it.

    Attributes:
        principal: the request's principal (an ARN, an account id, a service name), or None.
        account: its 12-digit account, when it has one.
        role_session: ``(account, role name)`` when the principal is an assumed-role session.
        principal_arn: the ``aws:PrincipalArn`` context value (a session reports its role's
            ARN, path included), when given.
    """

    principal: str | None
    account: str | None
    role_session: tuple[str, str] | None
    principal_arn: str | None

    @classmethod
    def of(cls, principal: str | None, principal_arn: str | None = None) -> Caller:
        """Derive the account and the session's role from a principal string."""
        if principal is None:
            return cls(None, None, None, principal_arn)
        if _ACCOUNT_ID.fullmatch(principal):
            return cls(principal, principal, None, principal_arn)
        parts = principal.split(":", 5)
        if len(parts) < 6 or parts[0] != "arn":
            return cls(principal, None, None, principal_arn)
        account = parts[4] or None
        role_session = None
        if parts[2] == "sts" and parts[5].startswith("assumed-role/") and account:
            role_name = parts[5].split("/")[1]
            role_session = (account, role_name)
        return cls(principal, account, role_session, principal_arn)


#: Grant strengths, strongest first: the principal itself, everyone, its role, its account.
GRANTS: tuple[str, ...] = ("principal", "everyone", "role", "account")


@dataclass(frozen=True, slots=True)
class PrincipalSet:
    """The principals one ``Principal`` (or ``NotPrincipal``) element names.

    Matching rules (iam-facts §3.2): ``"*"`` and ``{"AWS": "*"}`` match everyone; an account
    (``"123456789012"`` or ``arn:aws:iam::123456789012:root``) matches every principal of
    that account; any other ARN matches exactly, case-sensitively; a role ARN also matches
    that role's sessions (``arn:aws:sts::acct:assumed-role/RoleName/session``; the role path
    is not part of a session ARN); ``Service``, ``Federated`` and ``CanonicalUser`` values
    match a principal equal to them (service names case-insensitively).
    """

    everyone: bool
    arns: frozenset[str]
    accounts: frozenset[str]
    roles: frozenset[tuple[str, str]]
    services: frozenset[str]
    others: frozenset[str]

    @classmethod
    def build(cls, entries: Iterable[tuple[str, str]]) -> PrincipalSet:
        """Compile ``(type, value)`` pairs: type ``"*"`` for the bare ``"*"`` form, else
        ``AWS``, ``Service``, ``Federated`` or ``CanonicalUser``."""
        everyone = False
        arns: set[str] = set()
        accounts: set[str] = set()
        roles: set[tuple[str, str]] = set()
        services: set[str] = set()
        others: set[str] = set()
        for kind, value in entries:
            if kind == "*" or (kind == "AWS" and value == "*"):
                everyone = True
            elif kind == "AWS":
                if _ACCOUNT_ID.fullmatch(value):
                    accounts.add(value)
                    continue
                parts = value.split(":", 5)
                if len(parts) == 6 and parts[5] == "root" and parts[4]:
                    accounts.add(parts[4])
                    continue
                arns.add(value)
                if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
                    roles.add((parts[4], parts[5].rsplit("/", 1)[1]))
            elif kind == "Service":
                services.add(value.lower())
            else:
                others.add(value)
        return cls(everyone, frozenset(arns), frozenset(accounts), frozenset(roles),
                   frozenset(services), frozenset(others))

    def names_exactly(self, caller: Caller) -> bool:
        """Whether the element names the caller itself, as ``NotPrincipal`` requires.

        In ``NotPrincipal`` nothing is implied: an account entry exempts only the account
        principal (``arn:aws:iam::acct:root``), not its users, and a role ARN does not
        exempt the role's sessions (name the session ARN), as the IAM User Guide's
        NotPrincipal examples show.
        """
        who = caller.principal
        if who is None:
            return self.everyone
        if self.everyone or who in self.arns or who in self.others or who.lower() in self.services:
            return True
        if caller.account is not None and caller.account in self.accounts:
            return who == caller.account or who.endswith(f":{caller.account}:root")
        return False

    def match(self, caller: Caller) -> str | None:
        """Say how the element names the caller.

        Returns:
            The strongest of ``"principal"`` (named itself), ``"everyone"``, ``"role"``
            (named the role of the caller's session), ``"account"`` (named its account),
            or None when it does not name the caller at all.
        """
        who = caller.principal
        if who is not None and (who in self.arns or who in self.others
                                or who.lower() in self.services):
            return "principal"
        if self.everyone:
            return "everyone"
        if who is None:
            return None
        if caller.role_session is not None and caller.role_session in self.roles:
            return "role"
        if (caller.principal_arn is not None and caller.principal_arn != who
                and caller.principal_arn in self.arns):
            return "role"
        if caller.account is not None and caller.account in self.accounts:
            return "account"
        return None
