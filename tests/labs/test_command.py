"""manage.py labs list | validate | check."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import services
from labs import catalogue
from tests.labs.test_format import BASE

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("labs", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_list_shows_every_shipped_lab():
    out, _ = run("list")
    lines = out.splitlines()
    assert lines[0].split() == ["SLUG", "TASKS", "POINTS", "MIN", "TITLE"]
    for lab in catalogue.all_labs():
        assert any(line.split()[0] == lab.slug and lab.title in line for line in lines[1:])
    assert "secure-the-root-user" in lines[1]


def test_validate_accepts_good_files(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(yaml.safe_dump(BASE))
    out, err = run("validate", str(path), *[str(p) for p in catalogue.files()])
    assert f"{path}: OK (sample-lab, 2 tasks, 15 points)" in out and err == ""


def test_validate_exits_1_naming_file_task_and_field(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump(BASE))
    broken = {**BASE, "tasks": [{**BASE["tasks"][1], "checks": [{"user_in_group": {"user": "dev"}}]}]}
    bad.write_text(yaml.safe_dump(broken))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 of 2 lab files are malformed.") as caught:
        call_command("labs", "validate", str(good), str(bad), stdout=out, stderr=err)
    assert caught.value.returncode == 1
    assert f"{bad}: task second: checks[0].user_in_group.group: is required" in err.getvalue()
    assert "good.yaml: OK" in out.getvalue()


def test_validate_through_manage_py_exits_1(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**BASE, "slug": "Not A Slug"}))
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(root / "manage.py"), "labs", "validate", str(bad)],
                          capture_output=True, text=True, cwd=root, timeout=60)
    assert done.returncode == 1
    assert f"{bad}: slug: 'Not A Slug' is not a slug ([a-z0-9-]{{1,64}})" in done.stderr


def test_check_json_is_exactly_the_documented_shape(account, root):
    services.set_account_alias(account, "coffee-shop")
    out, _ = run("check", "--account", "coffee-shop", "--lab", "secure-the-root-user", "--json")
    data = json.loads(out)
    assert list(data) == ["lab", "account", "score", "max", "tasks"]
    assert (data["lab"], data["account"], data["score"], data["max"]) == (
        "secure-the-root-user", account.account_id, 15, 25)  # no root access key, an alias
    assert data["tasks"][0] == {"id": "root-mfa", "passed": False, "points": 0, "checks": [
        {"check": "mfa_enabled", "passed": False, "message": "The root user has no MFA device yet."}]}
    assert [task["passed"] for task in data["tasks"]] == [False, True, True]


def test_check_a_lab_file_by_account_id_as_a_table(account, tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump({**BASE, "tasks": [BASE["tasks"][1]]}))
    out, _ = run("check", "--account", account.account_id, "--lab", str(path))
    assert out.splitlines() == [
        f"Lab sample-lab on account {account.account_id}: 0/10 points",
        "FAIL  second (0 points)",
        "        no  role_exists: No role named Cashier exists yet.",
    ]


@pytest.mark.parametrize(("args", "message"), [
    (["--account", "000000000000", "--lab", "secure-the-root-user"], "No account has the id or alias '000000000000'."),
    (["--lab", "no-such-lab"], "No shipped lab has the slug 'no-such-lab'"),
    (["--lab", "missing.yaml"], "missing.yaml: cannot be read"),
])
def test_check_refusals(account, args, message):
    if "--account" not in args:
        args = ["--account", account.account_id, *args]
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run("check", *args)
