"""The engine is a library: standard library only, never Django (STYLE.md, P2)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE = REPO_ROOT / "policies" / "engine"
IMPORT = re.compile(r"^\s*(?:import|from)\s+django\b", re.MULTILINE)


def test_no_module_of_the_engine_imports_django():
    offenders = [str(path.relative_to(REPO_ROOT)) for path in sorted(ENGINE.rglob("*.py"))
                 if IMPORT.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_importing_and_using_the_engine_loads_no_django_module():
    code = (
        "import sys\n"
        "from policies.engine import Policy, Request, evaluate, validate\n"
        "p = Policy.from_json('{\"Version\":\"2012-10-17\",\"Statement\":"
        "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}')\n"
        "assert evaluate(Request('s3:GetObject', 'arn:aws:s3:::b/k'), identity=[p]).allowed\n"
        "validate('{}')\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
