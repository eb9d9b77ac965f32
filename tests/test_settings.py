"""Settings come from the environment, fail loudly, and pass `check --deploy` in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith("IAMPORTAL_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     IAMPORTAL_DEBUG="false", IAMPORTAL_SECRET_KEY="x" * 60 + "-Very-Long-Random-Secret-9f8e7d",
                     IAMPORTAL_ALLOWED_HOSTS="iam.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", IAMPORTAL_DEBUG="false", IAMPORTAL_ALLOWED_HOSTS="iam.example.com")
    assert result.returncode != 0
    assert "IAMPORTAL_SECRET_KEY is required" in result.stderr


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = _manage("check", IAMPORTAL_DEBUG="maybe")
    assert result.returncode != 0
    assert "IAMPORTAL_DEBUG must be true or false" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("y" * 60 + "-From-A-File-Secret-1a2b3c\n")
    result = _manage("check", "--deploy", "--fail-level", "WARNING", IAMPORTAL_DEBUG="false",
                     IAMPORTAL_SECRET_KEY_FILE=str(secret), IAMPORTAL_ALLOWED_HOSTS="iam.example.com")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_compiles_templates_once_and_keeps_sessions_in_the_database():
    """docs/operations.md, "Sizing": each worker parses a template once (Django's cached
    loader) and a session lives in the database, so signing out ends it in every worker
    (a per-process cache or a signed cookie would keep a signed-out session valid)."""
    result = _manage(
        "shell", "-c",
        "from django.conf import settings; from django.template import engines; "
        "print(engines['django'].engine.loaders[0][0], settings.SESSION_ENGINE)",
        IAMPORTAL_DEBUG="false", IAMPORTAL_SECRET_KEY="x" * 60 + "-Very-Long-Random-Secret-9f8e7d",
        IAMPORTAL_ALLOWED_HOSTS="iam.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["django.template.loaders.cached.Loader",
                                     "django.contrib.sessions.backends.db"]
