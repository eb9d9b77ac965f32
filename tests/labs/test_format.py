"""labs.format: a valid lab loads; every kind of malformed lab is a LabError naming the file,
the task and the field."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path

import pytest
import yaml

from labs.format import MAX_BYTES, Lab, LabError, Task, load

BASE = {
    "slug": "sample-lab",
    "title": "Sample",
    "summary": "A sample lab.",
    "minutes": 10,
    "setup": {
        "alias": "shop-{account}",
        "root_access_key": True,
        "policies": [{"name": "DevBoundary", "description": "Cap", "path": "/",
                      "document": {"Version": "2012-10-17",
                                   "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}}],
        "groups": [{"name": "Developers", "policies": ["AmazonEC2FullAccess"],
                    "inline": {"Extra": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                        '"Action": "s3:ListAllMyBuckets", "Resource": "*"}]}'}}],
        "users": [{"name": "dev", "password": "generate", "password_reset_required": True, "groups": ["Developers"],
                   "policies": ["arn:aws:iam::{account}:policy/DevBoundary"], "boundary": "DevBoundary",
                   "tags": {"team": "dev"}, "access_key": True}],
        "roles": [{"name": "Cashier", "description": "Till", "max_session_duration": 3600,
                   "trust": {"Version": "2012-10-17", "Statement": [
                       {"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {"AWS": "arn:aws:iam::{account}:root"}}]},
                   "policies": ["DevBoundary"], "boundary": "DevBoundary"}],
    },
    "tasks": [
        {"id": "first", "title": "First", "instructions": "Do *it*.", "hints": ["one", "two"], "points": 5,
         "checks": [{"user_exists": "dev"}, {"not": {"any": [{"alias_set": True}, {"mfa_enabled": "root"}]}},
                    {"all": [{"mfa_enabled": {"user": "dev"}}, {"root_access_keys_absent": True}]},
                    {"allowed": {"principal": "user/dev", "action": "ec2:RunInstances", "resource": "*",
                                 "context": {"aws:MultiFactorAuthPresent": True, "aws:SourceIp": ["1.2.3.4"]}}},
                    {"denied": {"principal": "role/Cashier", "action": "s3:ListBucket"}},
                    {"can_assume": {"principal": "user/dev", "role": "Cashier"}},
                    {"policy_attached": {"policy": "AmazonEC2FullAccess", "group": "Developers"}},
                    {"boundary_set": {"user": "dev", "policy": "DevBoundary"}},
                    {"user_in_group": {"user": "dev", "group": "Developers"}},
                    {"console_access": {"user": "dev"}}, {"alias_set": "shop"},
                    {"group_exists": "Developers"}, {"role_exists": "Cashier"}, {"policy_exists": "DevBoundary"}]},
        {"id": "second", "title": "Second", "instructions": "Then this.", "checks": [{"role_exists": "Cashier"}]},
    ],
}


def text(data) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def error_of(data) -> LabError:
    with pytest.raises(LabError) as caught:
        load(text(data))
    return caught.value


def test_a_valid_lab_loads(tmp_path):
    lab = load(text(BASE))
    assert isinstance(lab, Lab) and lab.slug == "sample-lab" and lab.minutes == 10
    assert [t.id for t in lab.tasks] == ["first", "second"]
    assert lab.tasks[0] == Task("first", "First", "Do *it*.", ["one", "two"], 5, BASE["tasks"][0]["checks"])
    assert (lab.tasks[1].hints, lab.tasks[1].points) == ([], 10)  # the defaults
    assert lab.max_points == 15 and lab.task("second").title == "Second"
    assert lab.source == "<text>"
    assert '"Action": "ec2:*"' in lab.setup["policies"][0]["document"]  # documents become JSON text
    path = tmp_path / "sample.yaml"
    path.write_text(text(BASE))
    assert load(path).source == str(path) and load(str(path)).slug == "sample-lab"
    with pytest.raises(KeyError):
        lab.task("third")


def test_a_service_principal_and_a_null_context_value_load():
    lab = load("""
slug: services-and-keys
title: Services and keys
summary: A service principal, a request without MFA information.
minutes: 5
tasks:
  - id: one
    title: One
    instructions: Do it.
    checks:
      - can_assume: {principal: service/ec2.amazonaws.com, role: MenuServerRole}
      - not: {can_assume: {principal: service/monitoring.rds.amazonaws.com, role: MenuServerRole}}
      - denied: {principal: user/admin, action: "iam:CreateUser", context: {aws:MultiFactorAuthPresent: ~}}
      - allowed: {principal: user/admin, action: "s3:ListBucket", context: {aws:MultiFactorAuthPresent: null,
                                                                            aws:SourceIp: ["10.0.0.1"], n: 1.5}}
""")
    checks = lab.task("one").checks
    assert checks[0] == {"can_assume": {"principal": "service/ec2.amazonaws.com", "role": "MenuServerRole"}}
    assert checks[2]["denied"]["context"] == {"aws:MultiFactorAuthPresent": None}


def mutate(change):
    data = copy.deepcopy(BASE)
    change(data)
    return data


def set_in(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def delete(path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


def check(value):
    return set_in(["tasks", 0, "checks", 0], value)


CASES = [
    # the lab
    (set_in(["colour"], "blue"), None, "colour", "unknown key"),
    (delete(["slug"]), None, "slug", "is required"),
    (set_in(["slug"], "Sample Lab"), None, "slug", "is not a slug ([a-z0-9-]{1,64})"),
    (set_in(["slug"], "a" * 65), None, "slug", "is not a slug"),
    (set_in(["slug"], 12), None, "slug", "expected a string, got an integer"),
    (set_in(["title"], ""), None, "title", "must not be empty"),
    (set_in(["minutes"], "ten"), None, "minutes", "expected an integer, got a string"),
    (set_in(["minutes"], 0), None, "minutes", "must be between 1 and 600"),
    (set_in(["minutes"], True), None, "minutes", "expected an integer, got a boolean"),
    (set_in(["tasks"], []), None, "tasks", "a lab needs at least one task"),
    (set_in(["tasks"], {"id": "x"}), None, "tasks", "expected a list, got a mapping"),
    # a task
    (set_in(["tasks", 1, "id"], "first"), "first", "id", "duplicate task id 'first'"),
    (set_in(["tasks", 1, "id"], "Second!"), "2", "id", "is not a task id"),
    (delete(["tasks", 1, "title"]), "2", "title", "is required"),
    (set_in(["tasks", 1, "extra"], 1), "2", "extra", "unknown key"),
    (set_in(["tasks", 0, "points"], -1), "first", "points", "must be between 0 and 1000"),
    (set_in(["tasks", 0, "hints"], "one"), "first", "hints", "expected a list, got a string"),
    (set_in(["tasks", 0, "hints", 1], 2), "first", "hints[1]", "expected a string, got an integer"),
    (set_in(["tasks", 0, "checks"], []), "first", "checks", "a task needs at least one check"),
    (set_in(["tasks", 1, "instructions"], ["a"]), "second", "instructions", "expected a string, got a list"),
    # checks
    (check({"user_exist": "dev"}), "first", "checks[0].user_exist", "unknown check"),
    (check({"user_exists": "dev", "group_exists": "x"}), "first", "checks[0]", "exactly one key"),
    (check("user_exists"), "first", "checks[0]", "exactly one key"),
    (check({"user_exists": ["dev"]}), "first", "checks[0].user_exists", "expected a string, got a list"),
    (check({"user_exists": "dev user"}), "first", "checks[0].user_exists", "is not a valid IAM name"),
    (check({"user_in_group": {"user": "dev"}}), "first", "checks[0].user_in_group.group", "is required"),
    (check({"user_in_group": {"user": "dev", "group": "G", "role": "R"}}), "first",
     "checks[0].user_in_group.role", "unknown key"),
    (check({"policy_attached": {"policy": "P"}}), "first", "checks[0].policy_attached",
     "name exactly one of: user, group, role"),
    (check({"policy_attached": {"policy": "P", "user": "a", "group": "b"}}), "first", "checks[0].policy_attached",
     "name exactly one of"),
    (check({"mfa_enabled": "admin"}), "first", "checks[0].mfa_enabled", 'expected "root" or a mapping {user: NAME}'),
    (check({"mfa_enabled": {"role": "x"}}), "first", "checks[0].mfa_enabled.role", "unknown key"),
    (check({"console_access": "dev"}), "first", "checks[0].console_access", "expected a mapping, got a string"),
    (check({"alias_set": False}), "first", "checks[0].alias_set", "expected true, or the alias expected"),
    (check({"root_access_keys_absent": "yes"}), "first", "checks[0].root_access_keys_absent", "expected true"),
    (check({"boundary_set": {"group": "G"}}), "first", "checks[0].boundary_set.group", "unknown key"),
    (check({"allowed": {"principal": "user/dev"}}), "first", "checks[0].allowed.action", "is required"),
    (check({"allowed": {"principal": "dev", "action": "s3:ListBucket"}}), "first", "checks[0].allowed.principal",
     "is not a principal (root, user/NAME or role/NAME)"),
    (check({"denied": {"principal": "root", "action": "ListBucket"}}), "first", "checks[0].denied.action",
     "is not an action (service:Action)"),
    (check({"denied": {"principal": "root", "action": "s3:ListBucket", "context": ["a"]}}), "first",
     "checks[0].denied.context", "expected a mapping of condition keys"),
    (check({"denied": {"principal": "root", "action": "s3:ListBucket", "context": {"k": {"a": 1}}}}), "first",
     "checks[0].denied.context.k", "expected a string, a boolean, a number, a list or null (~) to remove the key, "
     "got a mapping"),
    (check({"denied": {"principal": "root", "action": "s3:ListBucket", "resource": 5}}), "first",
     "checks[0].denied.resource", "expected a string"),
    (check({"can_assume": {"principal": "root", "role": "Cashier"}}), "first", "checks[0].can_assume.principal",
     "the root user cannot assume roles"),
    (check({"can_assume": {"principal": "user/dev"}}), "first", "checks[0].can_assume.role", "is required"),
    (check({"can_assume": {"principal": "service/ec2", "role": "Cashier"}}), "first", "checks[0].can_assume.principal",
     "'service/ec2' is not a service principal (service/NAME.amazonaws.com"),
    (check({"can_assume": {"principal": "service/EC2.amazonaws.com", "role": "R"}}), "first",
     "checks[0].can_assume.principal", "is not a service principal"),
    (check({"can_assume": {"principal": "service/*.amazonaws.com", "role": "R"}}), "first",
     "checks[0].can_assume.principal", "is not a service principal"),
    (check({"can_assume": {"principal": "ec2.amazonaws.com", "role": "R"}}), "first",
     "checks[0].can_assume.principal", "is not a principal (user/NAME, role/NAME or service/NAME.amazonaws.com)"),
    (check({"allowed": {"principal": "service/ec2.amazonaws.com", "action": "s3:GetObject"}}), "first",
     "checks[0].allowed.principal", "is not a principal (root, user/NAME or role/NAME)"),
    (check({"denied": {"principal": "root", "action": "s3:ListBucket", "context": {"k": [None]}}}), "first",
     "checks[0].denied.context.k", "null removes the key: give it alone, not in a list"),
    (check({"denied": {"principal": "root", "action": "s3:ListBucket", "context": {"aws:CurrentTime":
     datetime.date(2026, 12, 3)}}}), "first", "checks[0].denied.context.aws:CurrentTime",
     "expected a string, a boolean, a number, a list or null (~) to remove the key, got date"),
    (check({"not": [{"user_exists": "dev"}]}), "first", "checks[0].not", "exactly one key"),
    (check({"not": {"nope": 1}}), "first", "checks[0].not.nope", "unknown check"),
    (check({"any": []}), "first", "checks[0].any", "expected a non-empty list of checks"),
    (check({"all": {"user_exists": "dev"}}), "first", "checks[0].all", "expected a list, got a mapping"),
    (check({"all": [{"user_exists": "dev"}, {"alias_set": "no way"}]}), "first", "checks[0].all[1].alias_set",
     "is not an account alias"),
    (set_in(["setup", "alias"], "Shop!"), None, "setup.alias", "is not an account alias"),
    (check({"all": [{"any": [{"not": {"user_exists": 1}}]}]}), "first", "checks[0].all[0].any[0].not.user_exists",
     "expected a string, got an integer"),
    # setup
    (set_in(["setup", "users", 0, "colour"], "x"), None, "setup.users[0].colour", "unknown key"),
    (set_in(["setup", "buckets"], []), None, "setup.buckets", "unknown key"),
    (set_in(["setup"], []), None, "setup", "expected a mapping, got a list"),
    (set_in(["setup", "alias"], 7), None, "setup.alias", "expected a string"),
    (set_in(["setup", "root_access_key"], "yes"), None, "setup.root_access_key", "expected true or false"),
    (delete(["setup", "policies", 0, "document"]), None, "setup.policies[0].document", "is required"),
    (set_in(["setup", "policies", 0, "document"], {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
     "Action": "ec2", "Resource": "*"}]}), None, "setup.policies[0].document", "is not a valid identity policy"),
    (set_in(["setup", "policies", 0, "document"], 5), None, "setup.policies[0].document",
     "expected a policy document"),
    (set_in(["setup", "policies", 0, "path"], "no-slash"), None, "setup.policies[0].path", "is not a path"),
    (set_in(["setup", "policies", 0, "name"], "readonlyaccess"), None, "setup.policies[0].name",
     "'readonlyaccess' is the name of an AWS managed policy"),
    (set_in(["setup", "groups", 0, "policies"], ["AmazonSSMManagedInstanceCore", "NoSuchPolicy"]), None,
     "setup.groups[0].policies[1]", "no policy 'NoSuchPolicy'"),  # every AWS managed policy is known
    (set_in(["setup", "groups", 0, "name"], "dev ops"), None, "setup.groups[0].name", "is not a valid IAM name"),
    (lambda data: data["setup"]["groups"].append({"name": "developers"}), None, "setup.groups[1].name",
     "duplicate name 'developers'"),
    (set_in(["setup", "groups", 0, "policies"], ["NoSuchPolicy"]), None, "setup.groups[0].policies[0]",
     "no policy 'NoSuchPolicy'"),
    (set_in(["setup", "groups", 0, "inline"], ["x"]), None, "setup.groups[0].inline", "expected a mapping"),
    (set_in(["setup", "groups", 0, "inline", "Extra"], "{not json"), None, "setup.groups[0].inline.Extra",
     "is not a valid identity policy"),
    (set_in(["setup", "users", 0, "groups"], ["Admins"]), None, "setup.users[0].groups[0]",
     "no group 'Admins' in setup.groups"),
    (set_in(["setup", "users", 0, "password_reset_required"], "no"), None, "setup.users[0].password_reset_required",
     "expected true or false"),
    (set_in(["setup", "users", 0, "boundary"], "Unknown"), None, "setup.users[0].boundary", "no policy 'Unknown'"),
    (set_in(["setup", "users", 0, "tags"], {"team": 1}), None, "setup.users[0].tags.team", "expected a string"),
    (delete(["setup", "roles", 0, "trust"]), None, "setup.roles[0].trust", "is required"),
    (set_in(["setup", "roles", 0, "trust"], {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
     "Action": "sts:AssumeRole", "Resource": "*"}]}), None, "setup.roles[0].trust", "is not a valid trust policy"),
    (set_in(["setup", "roles", 0, "max_session_duration"], 60), None, "setup.roles[0].max_session_duration",
     "must be between 3600 and 43200"),
]


@pytest.mark.parametrize(("change", "task", "field", "message"), CASES)
def test_each_malformed_lab_names_the_task_and_the_field(change, task, field, message):
    error = error_of(mutate(change))
    assert (error.file, error.task, error.field) == ("<text>", task, field)
    assert message in error.message
    assert str(error).startswith("<text>: " + (f"task {task}: " if task else "") + f"{field}: ")


def test_the_error_names_the_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(text(mutate(set_in(["tasks", 0, "checks", 0], {"user_exists": 3}))))
    with pytest.raises(LabError) as caught:
        load(path)
    assert str(caught.value) == f"{path}: task first: checks[0].user_exists: expected a string, got an integer"


@pytest.mark.parametrize(("source", "message"), [
    ("slug: [unclosed", "is not valid YAML (line 2, column 1)"),
    ("a: &anchor 1\nb: *anchor\n", "aliases (*name) are not allowed in a lab"),
    ("slug: a\nslug: b\n", "duplicate key 'slug'"),
    ("? [a, b]\n: 1\n", "a mapping key must be a plain value"),
    ("- just\n- a list\n", "expected a mapping, got a list"),
    ("", "expected a mapping, got nothing"),
    ("slug: !!python/object:os.system {}\n", "is not valid YAML"),
])
def test_unsafe_or_malformed_yaml(source, message):
    with pytest.raises(LabError) as caught:
        load(source + "\n")
    assert message in str(caught.value)


def test_a_file_larger_than_256_kib_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(text(BASE) + "#" * MAX_BYTES)
    with pytest.raises(LabError, match=r"big.yaml: is larger than 256 KiB"):
        load(path)
    with pytest.raises(LabError, match="is larger than 256 KiB"):
        load(text(BASE) + "\n#" + "x" * MAX_BYTES)


def test_a_missing_or_binary_file(tmp_path):
    with pytest.raises(LabError, match="missing.yaml: cannot be read"):
        load(tmp_path / "missing.yaml")
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"slug: \xff\xfe\n")
    with pytest.raises(LabError, match="binary.yaml: is not UTF-8 text"):
        load(path)


def test_checks_nested_too_deep():
    nested: dict = {"user_exists": "dev"}
    for _ in range(10):
        nested = {"not": nested}
    error = error_of(mutate(check(nested)))
    assert "nested more than 8 deep" in error.message


def test_the_shipped_labs_are_valid():
    for path in sorted((Path(__file__).resolve().parents[2] / "labs" / "data").glob("*.yaml")):
        assert load(path).tasks
