"""Shared by the security checks (docs/security.md, "Running the checks").

- :func:`routes`: every URL pattern of the project, walked from the root resolver, with the
  names of its path parameters.
- :func:`build_victim`: account A, the one whose data must never cross the boundary, with
  one of everything (users, groups, roles, customer policies and versions, inline policies,
  a boundary, an MFA device, an instance profile, tags, an alias), every name distinctive.
- :func:`path_kwargs`: the value each path parameter takes to name one of an account's
  objects. A parameter name it does not know fails loudly, so a new view can't escape.
- :func:`account_rows`: every row that belongs to one account, to compare before and after.
- :func:`signed_in`: clients for the caller's identities (root, an admin user, a role session).
- :class:`Page`: the links, forms and URL-valued attributes of an HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.db.models import ForeignKey, Model, Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access_keys, roles
from accounts import services as account_services
from accounts.models import Account
from audit.models import Event
from policies import services as policy_services
from policies.checks import OPERATOR_NAMESPACE
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, attach_aws_policy, csrf_post, signed_in_client

# ---------------------------------------------------------------------------
# URL patterns


@dataclass(frozen=True)
class Route:
    """One URL pattern: its qualified name, its route text and its path parameters."""

    name: str
    route: str
    params: tuple[str, ...]
    public: bool  # open to anonymous visitors (sign-in pages)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(":", 1)[-1]


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        params = tuple(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
        if isinstance(entry, URLResolver) and entry.namespace == OPERATOR_NAMESPACE:
            continue  # Django's admin site: operators only (tests/accounts/test_admin_site.py)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(pattern), inner)
        elif isinstance(entry, URLPattern):
            assert entry.name or not params, f"The URL pattern {prefix}{pattern} has parameters and no name."
            public = getattr(entry.callback, "login_required", True) is False
            yield Route(f"{namespace}{entry.name or ''}", prefix + str(pattern), params, public)


def routes() -> list[Route]:
    """Every named URL pattern of the project (includes walked recursively)."""
    return list(_walk(get_resolver(), "", ""))


# ---------------------------------------------------------------------------
# The victim account and its objects


@dataclass
class Objects:
    """One account and one object of each kind, as a caller would name them."""

    account: Account
    root: object
    user: object
    group: object
    role: object
    policy: object
    device: str
    inline: dict[str, str]  # owner kind ("users", "groups", "roles") -> inline policy name
    instance_profile: object | None = None
    access_key: str = ""
    markers: list[str] = field(default_factory=list)
    event: object | None = None  # one audit event (the event history's detail page)
    organization: dict = field(default_factory=dict)  # AWS Organizations: org, ou, member, scp, handshake


SECRET_DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "AlphaSecretSid", "Effect": "Allow", "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::alpha-secret-bucket/*"}]})


def build_victim(email: str = "owner@alpha-victim.example") -> Objects:
    """Account A: one of every object, each named distinctively (the names are the markers
    a response to another account must never contain)."""
    root = account_services.sign_up(email=email, password=ROOT_PASSWORD)
    account = root.account
    account_services.set_account_alias(account, "alpha-victim-co")
    group = account_services.create_group(account, name="alpha-group")
    user = account_services.create_user(account, user_name="alpha-user", console_password=USER_PASSWORD,
                                        groups=[group], tags=[("project", "alpha-tag-value")])
    policy = policy_services.create_policy(account, name="alpha-policy", document=SECRET_DOC,
                                           description="alpha-policy-description",
                                           tags=[("owner", "alpha-policy-tag")])
    policy_services.create_policy_version(policy, document=SECRET_DOC, set_as_default=True)
    role = roles.create_role(account, name="alpha-role", trust_policy=roles.account_trust_policy(account.account_id),
                             description="alpha-role-description", tags=[("team", "alpha-role-tag")])
    ec2_role = roles.create_role(account, name="alpha-ec2-role",
                                 trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    inline = {"users": "alpha-user-inline", "groups": "alpha-group-inline", "roles": "alpha-role-inline"}
    for owner, kind in ((user, "users"), (group, "groups"), (role, "roles")):
        policy_services.put_inline_policy(owner, name=inline[kind], document=SECRET_DOC)
        policy_services.attach_policy(owner, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(user, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(role, policy_arn=policy.arn)
    TOTPDevice.objects.create(user=user, name="alpha-phone", confirmed=True)
    access_key = access_keys.register_access_key(user, "AKIAALPHAVICTIMKEY01", "alpha-secret-access-key")
    access_keys.register_access_key(root, "AKIAALPHAVICTIMROOT1", "alpha-root-secret-access-key")
    objects = Objects(account=account, root=root, user=user, group=group, role=role, policy=policy,
                      device="alpha-phone", inline=inline,
                      instance_profile=ec2_role.instance_profiles.first())
    objects.markers = [
        account.account_id, account.alias, email, "alpha-user", "alpha-group", "alpha-role", "alpha-ec2-role",
        "alpha-policy", "alpha-phone", "alpha-tag-value", "alpha-role-tag", "AlphaSecretSid",
        "alpha-secret-bucket", user.unique_id, group.unique_id, role.unique_id, policy.policy_id,
        ec2_role.unique_id, *inline.values(), access_key.access_key_id, "AKIAALPHAVICTIMROOT1",
        "alpha-secret-access-key", "alpha-root-secret-access-key"]
    objects.access_key = access_key.access_key_id
    objects.organization = _build_organization(account)
    org = objects.organization
    objects.markers += [org["org"].org_id, org["org"].root_id, org["ou"].ou_id, "alpha-ou", "alpha-member",
                        org["member"].account.account_id, "alpha-scp", org["scp"].policy_id,
                        org["handshake"].handshake_id, org["classroom"].class_id, "alpha-class", "alpha-trainee"]
    objects.event = Event.objects.create(
        account=account, event_time=timezone.now(), event_source="iam.amazonaws.com", event_name="CreateUser",
        source_ip="127.0.0.1", user_identity={"type": "Root"}, user_name="root", resource_name="alpha-user",
        recipient_account_id=account.account_id)
    return objects


def _build_organization(account: Account) -> dict:
    """Account A's organization: an OU with a member account, an SCP, an invitation it sent."""
    from organizations import services as org_services

    org = org_services.create_organization(account)
    ou = org_services.create_ou(org, parent_id=org.root_id, name="alpha-ou")
    member, _ = org_services.create_account(org, name="alpha-member", email="member@alpha-victim.example",
                                            parent_id=ou.ou_id)
    scp = org_services.create_policy(org, name="alpha-scp", description="", document=SECRET_DOC)
    invited = account_services.sign_up(email="invited@alpha-victim.example", password=ROOT_PASSWORD)
    return {"org": org, "ou": ou, "member": member, "scp": scp,
            "handshake": org_services.invite_account(org, invited.account),
            "classroom": _build_classroom(org, ou, member)}


def _build_classroom(org, ou, member):
    """A class of account A's organization, whose one trainee is the member account, running
    its lab."""
    from labs.models import Classroom, LabRun, Trainee

    classroom = Classroom.objects.create(org=org, ou=ou, name="alpha-class", labs=["secure-the-root-user"])
    Trainee.objects.create(classroom=classroom, member=member, display_name="alpha-trainee",
                           email=member.email, position=0)
    LabRun.objects.create(account=member.account, slug="secure-the-root-user", classroom=classroom)
    return classroom


def leaked_markers(objects: Objects, body: str, asked: str, *, public: bool = False) -> list[str]:
    """The victim's markers in ``body`` that the request (``asked``) did not itself carry.

    A public page (``public``: the account's sign-in page) may name the account by its id
    and alias, as its sign-in URL does; nothing else.
    """
    allowed = {objects.account.account_id, objects.account.alias} if public else set()
    return [m for m in objects.markers if m in body and m not in asked and m not in allowed]


# ---------------------------------------------------------------------------
# Filling path parameters

ENTITY_KINDS = {"users": "user", "groups": "group", "roles": "role", "policies": "policy"}


class UnknownParameter(AssertionError):
    pass


def _kind(route: Route) -> str:
    """The kind of object a route's first parameter names: ``iam/<kind>s/<...>/``."""
    parts = route.route.split("/")
    if len(parts) < 2 or parts[1] not in ENTITY_KINDS:
        raise UnknownParameter(f"{route.name}: cannot tell which kind of object {route.route!r} names.")
    return ENTITY_KINDS[parts[1]]


def _entity(objects: Objects, kind: str, variant: str) -> str:
    """The name (``variant="name"``) or unique id (``"id"``) of the account's object of ``kind``."""
    obj = getattr(objects, kind)
    if variant == "id":
        return obj.policy_id if kind == "policy" else obj.unique_id
    return obj.user_name if kind == "user" else obj.name


# Path parameter name -> (route, objects, variant) -> value. A new name must be added here.
PARAMETERS = {
    "user_name": lambda r, o, v: _entity(o, "user", v),
    "name": lambda r, o, v: _entity(o, _kind(r), v),
    "entity_name": lambda r, o, v: _entity(o, _kind(r), v),
    "group": lambda r, o, v: _entity(o, "group", v),
    "group_name": lambda r, o, v: _entity(o, "group", v),
    "role_name": lambda r, o, v: _entity(o, "role", v),
    "owner": lambda r, o, v: o.account.account_id,
    "version_id": lambda r, o, v: "v1",
    "policy_name": lambda r, o, v: o.inline[r.route.split("/")[1]],
    "slug": lambda r, o, v: o.account.account_id if v == "id" else o.account.alias,
    "event_id": lambda r, o, v: str(o.event.event_id),
    # AWS Organizations' objects, by their AWS ids (a policy target: the OU).
    "account_id": lambda r, o, v: o.organization["member"].account.account_id,
    "root_id": lambda r, o, v: o.organization["org"].root_id,
    "ou_id": lambda r, o, v: o.organization["ou"].ou_id,
    "target_id": lambda r, o, v: o.organization["ou"].ou_id,
    "policy_id": lambda r, o, v: o.organization["scp"].policy_id,
    "handshake_id": lambda r, o, v: o.organization["handshake"].handshake_id,
    # Classes (labs): a class of the organization, its trainee by the member account's id.
    "class_id": lambda r, o, v: o.organization["classroom"].class_id,
    "run_id": lambda r, o, v: str(o.organization["classroom"].runs.get().pk),
    "task_id": lambda r, o, v: "root-mfa",
}


def path_kwargs(route: Route, objects: Objects, variant: str = "name") -> dict[str, str]:
    """The kwargs that make ``route`` name ``objects``; :class:`UnknownParameter` for a new name."""
    unknown = [p for p in route.params if p not in PARAMETERS]
    if unknown:
        raise UnknownParameter(
            f"{route.name}: the path parameter {unknown[0]!r} is unknown to the security checks; "
            "teach tests/security/helpers.PARAMETERS which object of an account it names.")
    return {p: PARAMETERS[p](route, objects, variant) for p in route.params}


def url_for(route: Route, objects: Objects, variant: str = "name") -> str:
    if not route.name.rsplit(":", 1)[-1]:  # an unnamed fixed path (favicon.ico)
        return "/" + route.route
    return reverse(route.name, kwargs=path_kwargs(route, objects, variant))


def references(objects: Objects) -> dict[str, list[str]]:
    """Form and query fields that name the account's objects, as the console's forms name them."""
    user, group, role, policy = objects.user, objects.group, objects.role, objects.policy
    return {
        "users": [user.user_name], "user_name": [user.user_name], "copy_from": [user.user_name],
        "principal": [user.arn], "entity_type": ["user"], "entity_name": [user.user_name],
        "group": [group.name], "groups": [group.name, str(group.pk)],
        "role": [role.arn], "role_name": [role.name], "account": [objects.account.account_id],
        "other_account_id": [objects.account.account_id],
        "policy_arn": [policy.arn], "policy_arns": [policy.arn], "permissions_boundary": [policy.arn],
        "device": [objects.device], "alias": [objects.account.alias], "q": [user.user_name],
        "access_key_id": [objects.access_key], "status": ["Inactive"],
        "confirm": ["delete"], "confirmation": ["delete"], "set_as_default": ["on"],
    }


# ---------------------------------------------------------------------------
# Every row of one account

# Models that hold no account's data (counters keyed by address and name).
NOT_ACCOUNT_DATA = {"accounts.Throttle"}
PROJECT_APPS = ("accounts", "policies", "otp_totp", "otp_static", "otp_email")


def _paths_to_account(model: type[Model], depth: int = 2) -> list[str]:
    """Lookups (``user__account``, ``policy__account`` …) from ``model`` to Account."""
    if model is Account:
        return ["pk"]
    found = []
    for f in model._meta.concrete_fields:
        if isinstance(f, ForeignKey):
            if f.related_model is Account:
                found.append(f.name)
            elif depth > 1:
                found += [f"{f.name}__{p}" for p in _paths_to_account(f.related_model, depth - 1) if p != "pk"]
    return found


def account_models() -> list[tuple[type[Model], list[str]]]:
    """Each project model with the lookups that tie its rows to an account."""
    result = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.label in NOT_ACCOUNT_DATA:
            continue
        # The nearest links only; a row further away (MFADeviceInfo: device, user, account) one more.
        paths = _paths_to_account(model) or _paths_to_account(model, 3)
        assert paths, (f"{model._meta.label} is not tied to an account; teach "
                       "tests/security/helpers.account_rows how its rows belong to one, or list it "
                       "in NOT_ACCOUNT_DATA.")
        result.append((model, paths))
    return result


def account_rows(account: Account) -> dict[str, list[dict]]:
    """Every row of every project model that belongs to ``account``, as plain values."""
    rows = {}
    for model, paths in account_models():
        where = Q()
        for lookup in paths:
            where |= Q(**{lookup: account.pk})
        rows[model._meta.label] = list(model.objects.filter(where).order_by("pk").values())
    return rows


#: What a refused or failed request may still write: the audit trail's record of it and
#: the last-accessed record of the calls it was allowed (docs/audit.md).
RECORDS = {"audit.Event", "audit.ServiceAccess"}


def row_counts() -> dict[str, int]:
    """How many rows each project model holds, all accounts together (the audit trail's own
    records left out)."""
    return {model._meta.label: model.objects.count() for model, _ in account_models()
            if model._meta.label not in RECORDS}


# ---------------------------------------------------------------------------
# The caller: an account's root, an admin IAM user, an admin role session


def build_caller(email: str = "owner@bravo-caller.example") -> dict[str, object]:
    """Account B: its root, ``bravo-admin`` (AdministratorAccess) and the role ``bravo-admin-role``
    (AdministratorAccess, trusting the account), with one object of each kind of its own."""
    root = account_services.sign_up(email=email, password=ROOT_PASSWORD)
    account = root.account
    admin = account_services.create_user(account, user_name="bravo-admin", console_password=USER_PASSWORD)
    attach_aws_policy(admin, "AdministratorAccess")
    role = roles.create_role(account, name="bravo-admin-role",
                             trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.attach_policy(role, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    return {"root": root, "admin": admin, "role": role, "account": account}


IDENTITIES = ("root", "admin user", "admin role session")


def signed_in(caller: dict[str, object], identity: str) -> Client:
    """A CSRF-enforcing client of the caller's ``identity`` (one of :data:`IDENTITIES`)."""
    if identity == "root":
        return signed_in_client(caller["root"])
    client = signed_in_client(caller["admin"])
    if identity == "admin role session":
        response = csrf_post(client, "/switchrole", {
            "account": caller["account"].account_id, "role_name": caller["role"].name})
        assert response.status_code == 302, response.content[:500]
    return client


def is_signin_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/signin")


# ---------------------------------------------------------------------------
# What a page links to and submits


@dataclass
class Form:
    """A form as a browser sees it: ``fields`` is what submitting it unchanged sends,
    ``names`` every named control (unchecked boxes and buttons too)."""

    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


class Page(HTMLParser):
    """The links (``<a href>``), the forms and every URL-valued attribute of an HTML page."""

    def __init__(self, html: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.urls: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: tuple[str, str] | None = None
        self._select_chosen = False
        if html:
            self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.urls += [a[k] for k in ("href", "src", "action", "formaction") if k in a]
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
        elif self._form is None or ("name" not in a and tag != "option"):
            return
        elif tag in ("input", "button", "textarea", "select"):
            self._form.names.append(a["name"])
            kind = a.get("type", "submit" if tag == "button" else "text")
            if tag == "textarea":
                self._form.fields.append((a["name"], ""))
            elif tag == "select":
                self._select, self._select_first, self._select_chosen = a["name"], None, False
            elif kind not in ("submit", "button", "image", "reset", "file") and (
                    kind not in ("checkbox", "radio") or "checked" in a):
                self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "option" and self._select is not None:
            value = (self._select, a.get("value", ""))
            if "selected" in a and not self._select_chosen:
                self._form.fields.append(value)
                self._select_chosen = True
            self._select_first = self._select_first or value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first:
                self._form.fields.append(self._select_first)
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


# ---------------------------------------------------------------------------
# AWS Organizations: a member account under a service control policy


def join_under_scp(management: Account, member: Account, name: str, *statements: dict):
    """``management`` creates an organization that ``member`` joins (an accepted invitation),
    with the SCP ``name`` of ``statements`` attached to ``member``: (organization, policy)."""
    from organizations import services as org_services

    org = org_services.create_organization(management)
    org_services.accept_handshake(org_services.invite_account(org, member), member)
    policy = org_services.create_policy(org, name=name, description="", document=json.dumps(
        {"Version": "2012-10-17", "Statement": list(statements)}))
    org_services.attach_policy(policy, member.account_id)
    return org, policy
