"""docs/api.md lists every action the API serves: the list is generated from the registry."""

from __future__ import annotations

import re
from pathlib import Path

from api.registry import ACTIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
TITLES = {"iam": "IAM (2010-05-08)", "sts": "STS (2011-06-15)",
          "organizations": "AWS Organizations (2016-11-28, JSON 1.1)"}


def render_actions() -> str:
    parts = []
    for service, title in TITLES.items():
        found = sorted((name, entry.handler.__module__.rsplit(".", 1)[-1])
                       for (svc, name), entry in ACTIONS.items() if svc == service)
        parts.append(f"### {title}: {len(found)} actions\n\n| Action | Handlers (`api/actions/`) |\n| --- | --- |")
        parts.extend(f"| `{name}` | `{module}.py` |" for name, module in found)
        parts.append("")
    return "\n".join(parts).strip()


def test_the_documented_list_of_actions_is_in_sync():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- api-actions:start -->\n(.*?)<!-- api-actions:end -->", text, re.S)
    assert match, "docs/api.md lost its api-actions markers"
    expected = render_actions()
    assert match.group(1).strip() == expected, (
        "docs/api.md is out of date; replace the list between the markers with:\n\n" + expected)


def test_every_action_served_is_one_of_awss():
    """Each handler answers an operation of botocore's own model of the service (no typo'd
    action name can be served), so unmodified SDKs can call every one of them."""
    import botocore.session

    session = botocore.session.get_session()
    for service in TITLES:
        operations = set(session.get_service_model(service).operation_names)
        served = {name for svc, name in ACTIONS if svc == service}
        assert served <= operations, sorted(served - operations)
