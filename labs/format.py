"""The lab file format: load a YAML lab and validate it completely (docs/labs.md).

``load(path_or_text)`` returns a :class:`Lab` or raises :class:`LabError` naming the file, the
task (when the fault is in one) and the field, e.g.::

    labs/data/01-secure-the-root-user.yaml: task root-mfa: checks[1].mfa_enabled: expected
    "root" or a mapping {user: NAME}

The YAML is read with ``yaml.safe_load``'s loader, further restricted: no aliases (a small
file could otherwise stand for an exponentially large tree), no duplicate mapping keys (YAML
would keep the last silently), at most :data:`MAX_BYTES` of input. Every mapping is checked
for unknown keys and every value for its type, so a typo is an error rather than a check that
silently never runs. Policy documents in ``setup`` are validated by the engine with ``{account}``
replaced by a sample account id; the ``{account}`` placeholder is substituted for the real
account id only when the lab is applied or checked (labs/setup.py, labs/checks.py).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: A lab file is at most this many bytes.
MAX_BYTES = 256 * 1024
SLUG_RE = re.compile(r"[a-z0-9-]{1,64}")
TASK_ID_RE = re.compile(r"[a-z0-9-]{1,64}")
#: IAM user, group and role names (iam-facts §1.2), and a principal of allowed/denied/can_assume.
NAME_RE = re.compile(r"[\w+=,.@-]{1,128}", re.ASCII)
PRINCIPAL_RE = re.compile(r"root|(user|role)/[\w+=,.@-]{1,64}", re.ASCII)
#: A service principal of can_assume: ``service/ec2.amazonaws.com`` (labels of a-z, 0-9 and -).
SERVICE_PRINCIPAL_RE = re.compile(r"service/(?:[a-z0-9-]{1,63}\.){1,4}amazonaws\.com(?:\.cn)?")
ALIAS_RE = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
ACTION_RE = re.compile(r"[a-zA-Z0-9-]{1,64}:[A-Za-z0-9*?]{1,128}")
#: The account id that stands for ``{account}`` while documents are validated.
SAMPLE_ACCOUNT = "123456789012"
MAX_TASKS = 50
MAX_CHECKS = 50
MAX_NESTING = 8


class LabError(ValueError):
    """A malformed lab: ``file``, ``task`` (its id or index, or None), ``field`` (a path such as
    ``checks[0].user_in_group.user``, or None) and ``message``; ``str()`` names them all."""

    def __init__(self, file: str, task: str | None, field: str | None, message: str):
        self.file, self.task, self.field, self.message = file, task, field, message
        parts = [file]
        if task is not None:
            parts.append(f"task {task}")
        if field:
            parts.append(field)
        super().__init__(": ".join(parts) + ": " + message)


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    instructions: str
    hints: list[str]
    points: int
    checks: list[dict]


@dataclass(frozen=True)
class Lab:
    slug: str
    title: str
    summary: str
    minutes: int
    setup: dict
    tasks: list[Task]
    source: str = field(default="<text>", compare=False)

    @property
    def max_points(self) -> int:
        return sum(task.points for task in self.tasks)

    def task(self, task_id: str) -> Task:
        """The task ``task_id``, or ``KeyError``."""
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


@functools.cache
def aws_managed_names() -> frozenset[str]:
    """The AWS managed policies' names, lower-cased: the catalogue the database is loaded from
    (``policies.managed``), read once per process."""
    from policies import managed

    return frozenset(spec.name.lower() for spec in managed.definitions())


# ---------------------------------------------------------------------------
# Reading YAML safely


class _Loader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader without aliases and with duplicate keys refused."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(None, None, "aliases (*name) are not allowed in a lab",
                                                    event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                        key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(path_or_text: str | Path) -> tuple[str, str]:
    """(file name, text) of a path (a ``Path``, or a string ending in .yaml/.yml without a
    newline) or of YAML text itself."""
    if isinstance(path_or_text, Path) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text
        and path_or_text.endswith((".yaml", ".yml"))
    ):
        name = str(path_or_text)
        try:
            with open(path_or_text, "rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise LabError(name, None, None, f"cannot be read ({error.strerror or error})") from None
    elif isinstance(path_or_text, str):
        name, data = "<text>", path_or_text.encode("utf-8", "surrogatepass")
    else:
        raise TypeError("load() takes a path or YAML text")
    if len(data) > MAX_BYTES:
        raise LabError(name, None, None, f"is larger than {MAX_BYTES // 1024} KiB")
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise LabError(name, None, None, "is not UTF-8 text") from None


def load(path_or_text: str | Path) -> Lab:
    """The lab in a file or in YAML text, validated; ``LabError`` when it is malformed."""
    name, text = _read(path_or_text)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a stricter SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise LabError(name, None, None, f"is not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise LabError(name, None, None, "is nested too deeply") from None
    return _Validator(name).lab(data)


# ---------------------------------------------------------------------------
# Validation


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)


class _Validator:
    def __init__(self, file: str):
        self.file = file
        self.task: str | None = None

    def fail(self, where: str | None, message: str) -> LabError:
        return LabError(self.file, self.task, where, message)

    # -- primitives

    def mapping(self, value: Any, where: str | None, *, required: tuple = (), optional: tuple = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {_type_name(value)}")
        prefix = f"{where}." if where else ""
        for key in value:
            if not isinstance(key, str) or key not in required + optional:
                allowed = ", ".join(required + optional)
                raise self.fail(f"{prefix}{key}", f"unknown key (expected one of: {allowed})")
        for key in required:
            if key not in value:
                raise self.fail(f"{prefix}{key}", "is required")
        return value

    def string(self, value: Any, where: str, *, pattern: re.Pattern | None = None, maximum: int = 10_000,
               what: str = "") -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, got {_type_name(value)}")
        if not value.strip():
            raise self.fail(where, "must not be empty")
        if len(value) > maximum:
            raise self.fail(where, f"is longer than {maximum} characters")
        if pattern is not None and not pattern.fullmatch(value):
            raise self.fail(where, f"{value!r} is not {what or 'valid'}")
        return value

    def integer(self, value: Any, where: str, low: int, high: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(where, f"expected an integer, got {_type_name(value)}")
        if not low <= value <= high:
            raise self.fail(where, f"must be between {low} and {high}")
        return value

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {_type_name(value)}")
        return value

    def items(self, value: Any, where: str, *, maximum: int = 100) -> list:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {_type_name(value)}")
        if len(value) > maximum:
            raise self.fail(where, f"has more than {maximum} entries")
        return value

    def name(self, value: Any, where: str) -> str:
        return self.string(value, where, pattern=NAME_RE, what="a valid IAM name")

    def alias(self, value: Any, where: str) -> str:
        self.string(value, where, maximum=63)
        if not ALIAS_RE.fullmatch(value.replace("{account}", SAMPLE_ACCOUNT)):
            raise self.fail(where, f"{value!r} is not an account alias (3 to 63 of a-z, 0-9 and -)")
        return value

    def document(self, value: Any, where: str, kind: str) -> str:
        """A policy document (a mapping, or JSON text) as JSON text; ERROR findings refused."""
        if isinstance(value, dict):
            text = json.dumps(value, indent=2)
        elif isinstance(value, str):
            text = value
        else:
            raise self.fail(where, f"expected a policy document (a mapping or JSON text), got {_type_name(value)}")
        from policies.engine import ERROR, validate

        errors = [f for f in validate(text.replace("{account}", SAMPLE_ACCOUNT), kind=kind, max_size=0)
                  if f.level == ERROR and f.blocking]
        if errors:
            raise self.fail(where, f"is not a valid {kind} policy: {errors[0].message}")
        return text

    # -- the lab

    def lab(self, data: Any) -> Lab:
        data = self.mapping(data, None, required=("slug", "title", "summary", "minutes", "tasks"),
                            optional=("setup",))
        slug = self.string(data["slug"], "slug", pattern=SLUG_RE, what="a slug ([a-z0-9-]{1,64})")
        title = self.string(data["title"], "title", maximum=200)
        summary = self.string(data["summary"], "summary", maximum=2000)
        minutes = self.integer(data["minutes"], "minutes", 1, 600)
        setup = self.setup({} if data.get("setup") is None else data["setup"])
        tasks = self.items(data["tasks"], "tasks", maximum=MAX_TASKS)
        if not tasks:
            raise self.fail("tasks", "a lab needs at least one task")
        parsed, seen = [], set()
        for index, task in enumerate(tasks):
            self.task = str(index + 1)
            parsed.append(self.task_of(task))
            if parsed[-1].id in seen:
                raise self.fail("id", f"duplicate task id {parsed[-1].id!r}")
            seen.add(parsed[-1].id)
        self.task = None
        return Lab(slug=slug, title=title, summary=summary, minutes=minutes, setup=setup, tasks=parsed,
                   source=self.file)

    def task_of(self, data: Any) -> Task:
        data = self.mapping(data, None, required=("id", "title", "instructions", "checks"),
                            optional=("hints", "points"))
        task_id = self.string(data["id"], "id", pattern=TASK_ID_RE, what="a task id ([a-z0-9-]{1,64})")
        self.task = task_id
        hints = [self.string(hint, f"hints[{i}]", maximum=2000)
                 for i, hint in enumerate(self.items(data.get("hints", []), "hints", maximum=10))]
        checks = self.items(data["checks"], "checks", maximum=MAX_CHECKS)
        if not checks:
            raise self.fail("checks", "a task needs at least one check")
        for index, check in enumerate(checks):
            self.check(check, f"checks[{index}]", 0)
        return Task(id=task_id, title=self.string(data["title"], "title", maximum=200),
                    instructions=self.string(data["instructions"], "instructions", maximum=20_000),
                    hints=hints, points=self.integer(data.get("points", 10), "points", 0, 1000),
                    checks=checks)

    # -- checks

    def check(self, data: Any, where: str, depth: int) -> None:
        if depth > MAX_NESTING:
            raise self.fail(where, f"checks are nested more than {MAX_NESTING} deep")
        if not isinstance(data, dict) or len(data) != 1:
            raise self.fail(where, "a check is a mapping with exactly one key, the check's name "
                                   f"(one of: {', '.join(CHECKS)})")
        (name, argument), = data.items()
        if name not in CHECKS:
            raise self.fail(f"{where}.{name}", f"unknown check (expected one of: {', '.join(CHECKS)})")
        CHECKS[name](self, argument, f"{where}.{name}", depth)

    def _entity(self, value, where, depth):
        self.name(value, where)

    def _policy(self, value, where, depth):
        self.string(value, where, maximum=2048)

    def _user_in_group(self, value, where, depth):
        value = self.mapping(value, where, required=("user", "group"))
        self.name(value["user"], f"{where}.user")
        self.name(value["group"], f"{where}.group")

    def _one_owner(self, value, where, owners: tuple[str, ...], required: tuple[str, ...], optional=()):
        value = self.mapping(value, where, required=required, optional=owners + optional)
        given = [key for key in owners if key in value]
        if len(given) != 1:
            raise self.fail(where, f"name exactly one of: {', '.join(owners)}")
        self.name(value[given[0]], f"{where}.{given[0]}")
        return value

    def _policy_attached(self, value, where, depth):
        value = self._one_owner(value, where, ("user", "group", "role"), ("policy",))
        self.string(value["policy"], f"{where}.policy", maximum=2048)

    def _mfa_enabled(self, value, where, depth):
        if value == "root":
            return
        if not isinstance(value, dict):
            raise self.fail(where, 'expected "root" or a mapping {user: NAME}')
        self.name(self.mapping(value, where, required=("user",))["user"], f"{where}.user")

    def _console_access(self, value, where, depth):
        self.name(self.mapping(value, where, required=("user",))["user"], f"{where}.user")

    def _alias_set(self, value, where, depth):
        if value is not True and not isinstance(value, str):
            raise self.fail(where, "expected true, or the alias expected")
        if isinstance(value, str):
            self.alias(value, where)

    def _true(self, value, where, depth):
        if value is not True:
            raise self.fail(where, "expected true (use not: to negate a check)")

    def _boundary_set(self, value, where, depth):
        value = self._one_owner(value, where, ("user", "role"), (), ("policy",))
        if "policy" in value:
            self.string(value["policy"], f"{where}.policy", maximum=2048)

    def _decision(self, value, where, depth):
        value = self.mapping(value, where, required=("principal", "action"), optional=("resource", "context"))
        self.string(value["principal"], f"{where}.principal", pattern=PRINCIPAL_RE,
                    what="a principal (root, user/NAME or role/NAME)")
        self.string(value["action"], f"{where}.action", pattern=ACTION_RE, what="an action (service:Action)")
        if "resource" in value:
            self.string(value["resource"], f"{where}.resource", maximum=2048)
        context = value.get("context", {})
        if not isinstance(context, dict):
            raise self.fail(f"{where}.context", f"expected a mapping of condition keys, got {_type_name(context)}")
        for key, item in context.items():
            self.string(key, f"{where}.context", maximum=256)
            if item is None:  # the key is absent from the request (docs/labs.md)
                continue
            for one in item if isinstance(item, list) else [item]:
                if one is None:
                    raise self.fail(f"{where}.context.{key}", "null removes the key: give it alone, not in a list")
                if not isinstance(one, (str, bool, int, float)):
                    raise self.fail(f"{where}.context.{key}", "expected a string, a boolean, a number, a list "
                                                              f"or null (~) to remove the key, got {_type_name(one)}")

    def _can_assume(self, value, where, depth):
        value = self.mapping(value, where, required=("principal", "role"))
        principal = value["principal"]
        if isinstance(principal, str) and principal.startswith("service/"):
            self.string(principal, f"{where}.principal", pattern=SERVICE_PRINCIPAL_RE, maximum=200,
                        what="a service principal (service/NAME.amazonaws.com, e.g. service/ec2.amazonaws.com)")
        else:
            self.string(principal, f"{where}.principal", pattern=PRINCIPAL_RE,
                        what="a principal (user/NAME, role/NAME or service/NAME.amazonaws.com)")
        if principal == "root":
            raise self.fail(f"{where}.principal",
                            "the root user cannot assume roles: name user/NAME, role/NAME or a service")
        self.name(value["role"], f"{where}.role")

    def _not(self, value, where, depth):
        self.check(value, where, depth + 1)

    def _combination(self, value, where, depth):
        checks = self.items(value, where, maximum=MAX_CHECKS)
        if not checks:
            raise self.fail(where, "expected a non-empty list of checks")
        for index, check in enumerate(checks):
            self.check(check, f"{where}[{index}]", depth + 1)

    # -- setup

    def setup(self, data: Any) -> dict:
        data = self.mapping(data, "setup", optional=("alias", "root_access_key", "policies", "groups", "users",
                                                     "roles"))
        if "alias" in data:
            self.alias(data["alias"], "setup.alias")
        if "root_access_key" in data:
            self.boolean(data["root_access_key"], "setup.root_access_key")
        policies = self.entries(data, "policies", required=("name", "document"),
                                optional=("description", "path"))
        known = {p["name"].lower() for p in policies} | aws_managed_names()
        for index, policy in enumerate(policies):
            where = f"setup.policies[{index}]"
            if policy["name"].lower() in aws_managed_names():
                raise self.fail(f"{where}.name", f"{policy['name']!r} is the name of an AWS managed policy, which "
                                                 "a policy name in the lab stands for: choose another name")
            if "description" in policy:
                self.string(policy["description"], f"{where}.description", maximum=1000)
            policy["document"] = self.document(policy["document"], f"{where}.document", "identity")
        groups = self.entries(data, "groups", required=("name",), optional=("policies", "inline"))
        for index, group in enumerate(groups):
            self.permissions(group, f"setup.groups[{index}]", known)
        group_names = {g["name"].lower() for g in groups}
        users = self.entries(data, "users", required=("name",),
                             optional=("password", "password_reset_required", "groups", "policies", "inline",
                                       "boundary", "tags", "access_key"))
        for index, user in enumerate(users):
            where = f"setup.users[{index}]"
            self.permissions(user, where, known)
            if "password" in user:
                self.string(user["password"], f"{where}.password", maximum=128)
            for key in ("password_reset_required", "access_key"):
                if key in user:
                    self.boolean(user[key], f"{where}.{key}")
            for i, group in enumerate(self.items(user.get("groups", []), f"{where}.groups", maximum=10)):
                if self.name(group, f"{where}.groups[{i}]").lower() not in group_names:
                    raise self.fail(f"{where}.groups[{i}]", f"no group {group!r} in setup.groups")
            self.tags(user, where)
        roles = self.entries(data, "roles", required=("name", "trust"),
                             optional=("description", "policies", "inline", "boundary", "max_session_duration",
                                       "tags"))
        for index, role in enumerate(roles):
            where = f"setup.roles[{index}]"
            self.permissions(role, where, known)
            role["trust"] = self.document(role["trust"], f"{where}.trust", "trust")
            if "description" in role:
                self.string(role["description"], f"{where}.description", maximum=1000)
            if "max_session_duration" in role:
                self.integer(role["max_session_duration"], f"{where}.max_session_duration", 3600, 43200)
            self.tags(role, where)
        return data

    def entries(self, data: dict, key: str, *, required: tuple, optional: tuple) -> list[dict]:
        entries = self.items(data.get(key, []), f"setup.{key}")
        seen = set()
        for index, entry in enumerate(entries):
            where = f"setup.{key}[{index}]"
            self.mapping(entry, where, required=required, optional=("path",) + optional)
            name = self.name(entry["name"], f"{where}.name").lower()
            if name in seen:
                raise self.fail(f"{where}.name", f"duplicate name {entry['name']!r}")
            seen.add(name)
            if "path" in entry:
                self.string(entry["path"], f"{where}.path", pattern=re.compile(r"/([\x21-\x7e]{1,510}/)?"),
                            what="a path (/ or /division/)")
        return entries

    def permissions(self, entry: dict, where: str, known: set[str]) -> None:
        """An entry's ``policies`` (names or ARNs), ``inline`` documents and ``boundary``."""
        for index, reference in enumerate(self.items(entry.get("policies", []), f"{where}.policies", maximum=10)):
            self.policy_reference(reference, f"{where}.policies[{index}]", known)
        if "boundary" in entry:
            self.policy_reference(entry["boundary"], f"{where}.boundary", known)
        inline = entry.get("inline", {})
        if not isinstance(inline, dict):
            raise self.fail(f"{where}.inline",
                            f"expected a mapping of policy name to document, got {_type_name(inline)}")
        for name in list(inline):
            self.name(name, f"{where}.inline")
            inline[name] = self.document(inline[name], f"{where}.inline.{name}", "identity")

    def policy_reference(self, value: Any, where: str, known: set[str]) -> None:
        self.string(value, where, maximum=2048)
        if not value.startswith("arn:") and value.lower() not in known:
            raise self.fail(where, f"no policy {value!r}: name a policy of setup.policies, an AWS managed "
                                   "policy or an ARN")

    def tags(self, entry: dict, where: str) -> None:
        tags = entry.get("tags", {})
        if not isinstance(tags, dict) or len(tags) > 50:
            raise self.fail(f"{where}.tags", "expected a mapping of at most 50 tag keys to values")
        for key, value in tags.items():
            self.string(key, f"{where}.tags", maximum=128)
            if not isinstance(value, str):
                raise self.fail(f"{where}.tags.{key}", f"expected a string, got {_type_name(value)}")


#: The check vocabulary: name -> validator of its argument (labs/checks.py implements each).
CHECKS = {
    "user_exists": _Validator._entity,
    "group_exists": _Validator._entity,
    "role_exists": _Validator._entity,
    "policy_exists": _Validator._policy,
    "user_in_group": _Validator._user_in_group,
    "policy_attached": _Validator._policy_attached,
    "mfa_enabled": _Validator._mfa_enabled,
    "console_access": _Validator._console_access,
    "alias_set": _Validator._alias_set,
    "root_access_keys_absent": _Validator._true,
    "boundary_set": _Validator._boundary_set,
    "allowed": _Validator._decision,
    "denied": _Validator._decision,
    "can_assume": _Validator._can_assume,
    "not": _Validator._not,
    "all": _Validator._combination,
    "any": _Validator._combination,
}
