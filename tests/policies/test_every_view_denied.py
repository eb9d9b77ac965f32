"""Every console view asks the engine: walk every URL pattern whose view is an
IAMActionRequiredMixin, fill its kwargs with real objects of the account, and check that
a user with no policies (bob) is denied with AWS's message, and that another account's
root (mallory) does not even see the objects (404). A new view cannot slip through: its
pattern is walked too, and a kwarg this test cannot fill fails it loudly.

The table of pages and actions in ``docs/simulator.md`` is checked against the same walk.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import roles
from accounts import services as accounts_services
from audit.models import Event
from policies import services as policy_services
from policies.authz import IAMActionRequiredMixin
from policies.checks import SELF_SERVICE_VIEWS, iter_patterns
from tests.conftest import csrf_post

from .helpers import doc
from .test_escalation import db_state

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def console_patterns() -> list[tuple[str, str, URLPattern]]:
    """(qualified name, route, pattern) of every IAM-governed view."""
    found = []

    def walk(resolver, prefix: str, namespace: str) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None)
                if view is not None and issubclass(view, IAMActionRequiredMixin):
                    found.append((f"{namespace}{entry.name}", prefix + str(entry.pattern), entry))

    walk(get_resolver(), "", "")
    return found


PATTERNS = console_patterns()


@pytest.fixture
def world(account, bob, aws_managed_policies):
    carol = accounts_services.create_user(account, user_name="carol", console_password="Carol-Latte-2026!")
    group = accounts_services.create_group(account, name="Target", users=[carol])
    policy = policy_services.create_policy(account, name="TargetPolicy", document=doc())
    policy_services.attach_policy(carol, policy_arn=policy.arn)
    policy_services.attach_policy(group, policy_arn=policy.arn)
    policy_services.put_user_policy(carol, name="Inline", document=doc())
    policy_services.put_group_policy(group, name="Inline", document=doc())
    role = roles.create_role(account, name="TargetRole", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="Inline", document=doc())
    policy_services.attach_role_policy(role, policy_arn=policy.arn)
    policy_services.put_user_permissions_boundary(carol, policy_arn=policy.arn)
    TOTPDevice.objects.create(user=carol, name="carol-phone", confirmed=True)
    event = Event.objects.create(account=account, event_time=timezone.now(), event_source="iam.amazonaws.com",
                                 event_name="CreateUser", source_ip="127.0.0.1", user_identity={},
                                 recipient_account_id=account.account_id)
    # AWS Organizations: the account manages an organization with an OU, a member account, an SCP
    # and an invitation sent to a standalone account.
    from organizations import services as org_services

    org = org_services.create_organization(account)
    ou = org_services.create_ou(org, parent_id=org.root_id, name="Target")
    member, _ = org_services.create_account(org, name="Target", email="target@member.example", parent_id=ou.ou_id)
    scp = org_services.create_policy(org, name="TargetSCP", description="", document=doc())
    invited = accounts_services.sign_up(email="invited@standalone.example", password="Invited-Latte-2026!")
    handshake = org_services.invite_account(org, invited.account)
    # Labs: a lab running on the account (created as is: starting it would wipe the world above).
    # A class of the organization, whose trainee is the member account.
    from labs.models import Classroom, LabRun, Trainee

    lab_run = LabRun.objects.create(account=account, slug=LAB_SLUG)
    classroom = Classroom.objects.create(org=org, ou=ou, name="Target", labs=[LAB_SLUG])
    Trainee.objects.create(classroom=classroom, member=member, display_name="Target",
                           email="target@member.example", position=0)
    return {"account": account, "user": carol, "group": group, "policy": policy, "role": role, "event": event,
            "org": org, "ou": ou, "member": member, "scp": scp, "handshake": handshake, "lab_run": lab_run,
            "classroom": classroom}


def entity_kind(name: str) -> str:
    short = name.rsplit(":", 1)[-1]
    for kind in ("user", "group", "role"):
        if short.startswith((f"policy_{kind}_", f"{kind}_")):
            return kind
    raise AssertionError(f"{name}: cannot tell whether entity_name is a user, group or role")


def kwargs_for(name: str, pattern: URLPattern, world) -> dict[str, str]:
    """Real objects of the account for each URL kwarg; an unknown kwarg fails the test."""
    namespace = name.split(":", 1)[0]
    values = {}
    for kwarg in pattern.pattern.converters:
        if kwarg in ("user_name",):
            values[kwarg] = world["user"].user_name
        elif kwarg == "name":
            values[kwarg] = world["policy"].name if namespace == "policies" else world["user"].user_name
        elif kwarg in ("group", "group_name"):
            values[kwarg] = world["group"].name
        elif kwarg == "role_name":
            values[kwarg] = world["role"].name
        elif kwarg == "owner":
            values[kwarg] = world["policy"].owner
        elif kwarg == "version_id":
            values[kwarg] = "v1"
        elif kwarg == "entity_name":
            kind = entity_kind(name)
            values[kwarg] = {"user": world["user"].user_name, "group": world["group"].name,
                             "role": world["role"].name}[kind]
        elif kwarg == "policy_name":
            values[kwarg] = "Inline"
        elif kwarg == "event_id":
            values[kwarg] = str(world["event"].event_id)
        elif namespace == "organizations" and kwarg in ORGANIZATIONS_KWARGS:
            values[kwarg] = ORGANIZATIONS_KWARGS[kwarg](world)
        elif namespace == "labs" and kwarg in LABS_KWARGS:
            values[kwarg] = LABS_KWARGS[kwarg](world)
        else:
            pytest.fail(f"{name}: the URL kwarg {kwarg!r} is unknown to this test; teach kwargs_for "
                        "which object of the account it names.")
    return values


# AWS Organizations' objects, by their AWS ids.
ORGANIZATIONS_KWARGS = {
    "account_id": lambda world: world["member"].account.account_id,
    "root_id": lambda world: world["org"].root_id,
    "ou_id": lambda world: world["ou"].ou_id,
    "policy_id": lambda world: world["scp"].policy_id,
    "target_id": lambda world: world["ou"].ou_id,
    "handshake_id": lambda world: world["handshake"].handshake_id,
}


# Labs: a shipped lab (the same for every account), the account's lab run and a task of its lab;
# a class and its trainee's member account.
LAB_SLUG = "secure-the-root-user"
LABS_KWARGS = {
    "slug": lambda world: LAB_SLUG,
    "run_id": lambda world: str(world["lab_run"].pk),
    "task_id": lambda world: "account-alias",
    "class_id": lambda world: world["classroom"].class_id,
    "account_id": lambda world: world["member"].account.account_id,
}
# Views whose URL kwargs name no object of an account (another account opens its own page).
NOT_ACCOUNT_OBJECTS = {"labs:start"}


# The POST body that names the object of views that take it from the form (not the URL).
POST_DATA = {"policies:policy_entity_detach": {"entity_type": "user", "entity_name": "carol"}}
# The query string that names the object of views that take it from there.
QUERY = {"accounts:mfa_device_remove": "?device=bob-phone", "accounts:mfa_device_resync": "?device=bob-phone",
         "accounts:user_mfa_device_remove": "?device=carol-phone",
         "accounts:user_mfa_device_resync": "?device=carol-phone",
         "policies:policy_entity_detach": "?entity_type=user&entity_name=carol"}


def request(client, name: str, url: str):
    """GET the page; a POST-only view (405 before any check) is POSTed instead."""
    response = client.get(url)
    if response.status_code == 405:
        response = csrf_post(client, url, POST_DATA.get(name, {}))
    return response


def test_every_console_view_is_walked():
    names = {name for name, _, _ in PATTERNS}
    assert "policies:simulator" in names and "accounts:user_list" in names
    assert len(names) >= 70
    # Every other signed-in page is a known self-service page (policies.E003 says the same).
    for name, callback in iter_patterns():
        view = getattr(callback, "view_class", None)
        short = name.rsplit(":", 1)[-1]
        if view is None or not issubclass(view, IAMActionRequiredMixin):
            assert short in SELF_SERVICE_VIEWS or getattr(callback, "login_required", True) is False, name


def test_a_user_without_policies_is_denied_every_view(bob_client, world, bob):
    # Bob's own device, for his self-service MFA pages (added once he is signed in).
    TOTPDevice.objects.create(user=bob, name="bob-phone", confirmed=True)
    before = db_state()
    denied = []
    for name, _, pattern in PATTERNS:
        url = reverse(name, kwargs=kwargs_for(name, pattern, world)) + QUERY.get(name, "")
        response = request(bob_client, name, url)
        body = response.content.decode()
        assert response.status_code == 403, (name, url, response.status_code, body[:800])
        assert f"User: {bob.arn} is not authorized to perform: " in body, (name, url)
        denied.append(name)
    assert db_state() == before
    assert len(denied) == len(PATTERNS)
    # Each refusal is in the audit trail, once, in AWS's words.
    refusals = Event.objects.filter(account=bob.account, error_code="AccessDenied", user_name="bob")
    assert refusals.count() == len(PATTERNS)
    assert all(message.startswith(f"User: {bob.arn} is not authorized to perform: ")
               for message in refusals.values_list("error_message", flat=True))


def test_another_account_gets_404_for_every_object_view(world, mallory_client):
    before = db_state()
    for name, _, pattern in PATTERNS:
        if not pattern.pattern.converters or name in NOT_ACCOUNT_OBJECTS:
            continue  # account-wide pages: mallory sees her own account's
        url = reverse(name, kwargs=kwargs_for(name, pattern, world)) + QUERY.get(name, "")
        response = request(mallory_client, name, url)
        assert response.status_code == 404, (name, url, response.status_code)
    assert db_state() == before


# ---------------------------------------------------------------------------
# docs/simulator.md: the table of pages and the actions they need


def action_table() -> list[tuple[str, str, str, str]]:
    rows = []
    for name, route, pattern in PATTERNS:
        view = pattern.callback.view_class
        rows.append((route, name, view.iam_action, getattr(view, "iam_action_post", "") or ""))
    return rows


def render_table(rows) -> str:
    lines = ["| Page (URL) | URL name | `iam_action` | `iam_action_post` |", "| --- | --- | --- | --- |"]
    for route, name, action, post in rows:
        lines.append(f"| `/{route}` | `{name}` | `{action}` | {f'`{post}`' if post else '—'} |")
    return "\n".join(lines)


def test_the_documented_table_of_actions_is_in_sync():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- actions-table:start -->\n(.*?)\n<!-- actions-table:end -->", text, re.S)
    assert match, "docs/simulator.md lost its actions table markers"
    expected = render_table(action_table())
    assert match.group(1).strip() == expected, (
        "docs/simulator.md is out of date; replace the table between the markers with:\n\n" + expected)
