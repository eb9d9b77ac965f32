"""Every state-changing console view, submitted as a user would, writes exactly one CloudTrail
record named after the IAM action, with the caller's identity (docs/audit.md).

The views are found, not listed: every URL pattern whose view accepts a POST must be a case
here or an exemption with its reason, so a new form cannot slip past the audit trail. Each
case runs for the root user, an IAM user and a Switch Role session (all with full rights), on a
fresh account, and checks each POST of the flow: a wizard's steps write nothing, the step that
makes the change writes one record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access_keys, roles
from accounts import services as accounts_services
from audit.models import Event
from policies import services as policy_services
from tests.accounts.test_mfa_helpers import T, at_step, clock, code
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, attach_aws_policy, csrf_post, signed_in_client

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
DOC = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
         '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}')

# POST views that change nothing in IAM, or whose records are checked elsewhere.
EXEMPT = {
    "admin_signin": "a redirect to the console's sign-in page",
    "signup": "creates the account itself (there is no account to record it in before)",
    "signin": "ConsoleLogin: tests/audit/test_console_events.py",
    "signin_iam": "ConsoleLogin: tests/audit/test_console_events.py",
    "signin_account": "ConsoleLogin: tests/audit/test_console_events.py",
    "mfa_challenge": "ConsoleLogin with MFA: tests/audit/test_console_events.py",
    "switch_back": "ends the role session; no IAM call",
    "user_create_csv": "downloads the one-time credentials of the wizard's last step",
    "access_key_retrieve": "shows or downloads the new secret once; no IAM call",
    "user_access_key_retrieve": "shows or downloads the new secret once; no IAM call",
    "credential_report": "GenerateCredentialReport: a read to CloudTrail (readOnly), not recorded on success",
    "policy_validate": "validation only (Access Analyzer's ValidatePolicy is a read)",
    **{name: "a custom policy check changes nothing (Access Analyzer's Check* are reads)"
       for name in ("policy_checks", "role_trust_checks", "policy_user_inline_checks",
                    "policy_group_inline_checks", "role_inline_checks")},
    "simulator": "SimulatePrincipalPolicy: a read",
    "generate_user_policy": "a policy generated into the editor: nothing saved until CreatePolicy",
    "generate_role_policy": "a policy generated into the editor: nothing saved until CreatePolicy",
}


@dataclass
class World:
    account: object
    root: object
    admin: object
    alice: object
    role: object
    policy: object


@pytest.fixture
def world(account, root, aws_managed_policies) -> World:
    admin = accounts_services.create_user(account, user_name="admin", console_password=USER_PASSWORD)
    attach_aws_policy(admin, "AdministratorAccess")
    admin_role = roles.create_role(account, name="AdminRole", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.attach_policy(admin_role, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")

    group = accounts_services.create_group(account, name="Cashiers")
    alice = accounts_services.create_user(account, user_name="alice", console_password="Alice-Latte-2026!",
                                          groups=[group])
    policy = policy_services.create_policy(account, name="Receipts", document=DOC)
    policy_services.create_policy_version(policy, document=DOC, set_as_default=False)
    role = roles.create_role(account, name="Cashier", trust_policy=roles.account_trust_policy(account.account_id))
    for owner in (alice, group, role):
        policy_services.put_inline_policy(owner, name="Inline", document=DOC)
        policy_services.attach_policy(owner, policy_arn=READ_ONLY)
    policy_services.put_permissions_boundary(alice, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(role, policy_arn=policy.arn)
    TOTPDevice.objects.create(user=alice, name="alice-phone", confirmed=True)
    return World(account, root, admin, alice, role, policy)


IDENTITIES = {"root": "Root", "IAM user": "IAMUser", "role session": "AssumedRole"}


def client_for(world: World, identity: str):
    if identity == "root":
        return signed_in_client(world.root)
    client = signed_in_client(world.admin)
    if identity == "role session":
        response = csrf_post(client, "/switchrole", {"account": world.account.account_id, "role_name": "AdminRole"})
        assert response.status_code == 302
    return client


# ---------------------------------------------------------------------------
# The cases: each is a list of POSTs (url, data, the event it records or None)

Step = tuple[str, dict, str | None]


def _wizard(url: str, prefix: str, steps: list[tuple[str, dict]], event: str) -> list[Step]:
    posts: list[Step] = []
    for index, (step, fields) in enumerate(steps):
        data = {f"{prefix}-current_step": step, **{f"{step}-{key}": value for key, value in fields.items()}}
        posts.append((url, data, event if index == len(steps) - 1 else None))
    return posts


def _own_key(world: World, identity: str) -> str:
    """An access key of the signed-in IAM user, or the root user's (the self-service pages')."""
    owner = world.root if identity == "root" else world.admin
    return access_keys.register_access_key(owner, f"AKIAEVERYCHANGE{owner.pk:05d}"[:20],
                                           "every-change-secret-key").access_key_id


def _alice_key(world: World) -> str:
    return access_keys.register_access_key(world.alice, "AKIAEVERYCHANGEALICE", "alice-secret-key").access_key_id


def _mfa_enable(url: str, owner_of: Callable[[World, str], object]) -> Callable:
    def posts(world: World, identity: str) -> list[Step]:
        owner = owner_of(world, identity)
        TOTPDevice.objects.filter(user=owner).delete()
        return [(url + "assign/", {"name": "new-phone", "device_type": "virtual"}, "CreateVirtualMFADevice"),
                (url + "assign/setup/", "ENABLE", "EnableMFADevice")]
    return posts


def _self(world: World, identity: str):
    return world.root if identity == "root" else world.admin


def _own_device(world: World, identity: str) -> str:
    return "root-phone" if identity == "root" else "admin-phone"


CASES: dict[str, Callable[[World, str], list[Step]]] = {
    "password_change": lambda w, i: [("/password/change/", {
        "old_password": ROOT_PASSWORD if i == "root" else USER_PASSWORD, "new_password": "Barista-Mocha-2027!",
        "new_password_confirm": "Barista-Mocha-2027!"}, "PasswordUpdated" if i == "root" else "ChangePassword")],
    "mfa_device_assign": _mfa_enable("/iam/security-credentials/mfa/", _self),
    "mfa_device_setup": _mfa_enable("/iam/security-credentials/mfa/", _self),
    "mfa_device_remove": lambda w, i: [("/iam/security-credentials/mfa/remove/", {
        "device": _own_device(w, i), "password": ROOT_PASSWORD if i == "root" else USER_PASSWORD},
        "DeactivateMFADevice")],
    "mfa_device_resync": lambda w, i: [("/iam/security-credentials/mfa/resync/", "RESYNC-OWN", "ResyncMFADevice")],
    "user_mfa_device_assign": _mfa_enable("/iam/users/alice/mfa/", lambda w, i: w.alice),
    "user_mfa_device_setup": _mfa_enable("/iam/users/alice/mfa/", lambda w, i: w.alice),
    "user_mfa_device_remove": lambda w, i: [("/iam/users/alice/mfa/remove/", {
        "device": "alice-phone", "password": ROOT_PASSWORD if i == "root" else USER_PASSWORD}, "DeactivateMFADevice")],
    "user_mfa_device_resync": lambda w, i: [("/iam/users/alice/mfa/resync/", "RESYNC-ALICE", "ResyncMFADevice")],
    "access_key_create": lambda w, i: [
        ("/iam/security-credentials/access-keys/create/", {"confirm": "on"}, "CreateAccessKey")] if i == "root" else [
        ("/iam/security-credentials/access-keys/create/", {"step": "use_case", "use_case": "cli", "confirm": "on"}, None),
        ("/iam/security-credentials/access-keys/create/", {"step": "description", "description": ""},
         "CreateAccessKey")],
    "user_access_key_create": lambda w, i: [
        ("/iam/users/alice/access-keys/create/", {"step": "use_case", "use_case": "cli", "confirm": "on"}, None),
        ("/iam/users/alice/access-keys/create/", {"step": "description", "description": ""}, "CreateAccessKey")],
    "access_key_status": lambda w, i: [("/iam/security-credentials/access-keys/status/", {
        "access_key_id": (key := _own_key(w, i)), "status": "Inactive", "confirmation": key}, "UpdateAccessKey")],
    "user_access_key_status": lambda w, i: [("/iam/users/alice/access-keys/status/", {
        "access_key_id": (key := _alice_key(w)), "status": "Inactive", "confirmation": key}, "UpdateAccessKey")],
    "access_key_delete": lambda w, i: [
        ("/iam/security-credentials/access-keys/status/", {
            "access_key_id": (key := _own_key(w, i)), "status": "Inactive", "confirmation": key}, "UpdateAccessKey"),
        ("/iam/security-credentials/access-keys/delete/", {"access_key_id": key, "confirmation": key},
         "DeleteAccessKey")],
    "user_access_key_delete": lambda w, i: [
        ("/iam/users/alice/access-keys/status/", {
            "access_key_id": (key := _alice_key(w)), "status": "Inactive", "confirmation": key}, "UpdateAccessKey"),
        ("/iam/users/alice/access-keys/delete/", {"access_key_id": key, "confirmation": key}, "DeleteAccessKey")],
    "user_create": lambda w, i: _wizard("/iam/users/create/", "user_create_wizard", [
        ("details", {"user_name": "carol", "path": "/", "console_access": "on", "password_type": "autogenerated"}),
        ("permissions", {"option": "groups", "groups": ["Cashiers"]}), ("review", {})], "CreateUser"),
    "user_bulk_delete": lambda w, i: [("/iam/users/delete/selected/", {"users": ["alice"], "confirmation": "delete"},
                                       "DeleteUser")],
    "user_delete": lambda w, i: [("/iam/users/alice/delete/", {"confirmation": "alice"}, "DeleteUser")],
    "user_groups_add": lambda w, i: [("/iam/users/admin/groups/add/", {"groups": ["Cashiers"]}, "AddUserToGroup")],
    "user_group_remove": lambda w, i: [("/iam/users/alice/groups/Cashiers/remove/", {}, "RemoveUserFromGroup")],
    "user_console_access": lambda w, i: [("/iam/users/alice/console-access/", {
        "password_type": "custom", "custom_password": "Barista-Mocha-2027!", "confirmation": "alice"},
        "UpdateLoginProfile")],
    "user_console_access_disable": lambda w, i: [("/iam/users/alice/console-access/disable/", {},
                                                  "DeleteLoginProfile")],
    "user_tags": lambda w, i: [("/iam/users/alice/tags/", {"key_0": "team", "value_0": "till"}, "TagUser")],
    "group_create": lambda w, i: [("/iam/groups/create/", {"name": "Bakers"}, "CreateGroup")],
    "group_bulk_delete": lambda w, i: [("/iam/groups/delete/selected/", {"groups": ["Cashiers"],
                                                                        "confirmation": "delete"}, "DeleteGroup")],
    "group_edit": lambda w, i: [("/iam/groups/Cashiers/edit/", {"name": "Baristas"}, "UpdateGroup")],
    "group_delete": lambda w, i: [("/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"}, "DeleteGroup")],
    "group_add_users": lambda w, i: [("/iam/groups/Cashiers/users/add/", {"users": ["admin"]}, "AddUserToGroup")],
    "group_remove_user": lambda w, i: [("/iam/groups/Cashiers/users/alice/remove/", {}, "RemoveUserFromGroup")],
    "account_alias_edit": lambda w, i: [("/iam/account/alias/", {"alias": "every-change"}, "CreateAccountAlias")],
    "account_alias_delete": lambda w, i: [("/iam/account/alias/", {"alias": "every-change"}, "CreateAccountAlias"),
                                          ("/iam/account/alias/delete/", {}, "DeleteAccountAlias")],
    "password_policy_edit": lambda w, i: [("/iam/account/password-policy/edit/", {
        "policy_type": "custom", "minimum_password_length": "14", "allow_users_to_change_password": "on"},
        "UpdateAccountPasswordPolicy")],
    "password_policy_delete": lambda w, i: [
        ("/iam/account/password-policy/edit/", {"policy_type": "custom", "minimum_password_length": "14"},
         "UpdateAccountPasswordPolicy"),
        ("/iam/account/password-policy/delete/", {}, "DeleteAccountPasswordPolicy")],
    "role_create": lambda w, i: _wizard("/iam/roles/create/", "role_create_wizard", [
        ("trusted_entity", {"entity_type": "aws_service", "use_case": "ec2"}), ("permissions", {}),
        ("details", {"name": "WebServer", "description": "Web tier"})], "CreateRole"),
    "role_bulk_delete": lambda w, i: [("/iam/roles/delete/selected/", {"roles": ["Cashier"], "confirmation": "delete"},
                                       "DeleteRole")],
    "role_edit": lambda w, i: [("/iam/roles/Cashier/edit/", {"duration": "7200", "description": "Till"},
                                "UpdateRole")],
    "role_trust_edit": lambda w, i: [("/iam/roles/Cashier/trust/edit/", {"policy": TRUST}, "UpdateAssumeRolePolicy")],
    "role_tags_edit": lambda w, i: [("/iam/roles/Cashier/tags/edit/", {"key_0": "team", "value_0": "till"},
                                     "TagRole")],
    "role_delete": lambda w, i: [("/iam/roles/Cashier/delete/", {"confirmation": "Cashier"}, "DeleteRole")],
    "role_attach": lambda w, i: [("/iam/roles/Cashier/policies/attach/", {"policy_arns": [w.policy.arn]},
                                  "AttachRolePolicy")],
    "role_detach": lambda w, i: [("/iam/roles/Cashier/policies/detach/", {"policy_arn": READ_ONLY},
                                  "DetachRolePolicy")],
    "role_inline_create": lambda w, i: [("/iam/roles/Cashier/policies/inline/create/", {
        "name": "Second", "document": DOC}, "PutRolePolicy")],
    "role_inline_edit": lambda w, i: [("/iam/roles/Cashier/policies/inline/Inline/edit/", {"document": DOC},
                                       "PutRolePolicy")],
    "role_inline_delete": lambda w, i: [("/iam/roles/Cashier/policies/inline/Inline/delete/", {},
                                         "DeleteRolePolicy")],
    "role_boundary": lambda w, i: [("/iam/roles/Cashier/permissions-boundary/", {"policy_arn": READ_ONLY},
                                    "PutRolePermissionsBoundary")],
    "role_boundary_delete": lambda w, i: [("/iam/roles/Cashier/permissions-boundary/delete/", {},
                                           "DeleteRolePermissionsBoundary")],
    "switch_role": lambda w, i: [
        ("/switchrole", {"account": w.account.account_id, "role_name": "AdminRole"}, "SwitchRole")],
    "policy_create": lambda w, i: _wizard("/iam/policies/create/", "policy_create_wizard", [
        ("permissions", {"document": DOC}), ("review", {"name": "Refunds", "description": ""})], "CreatePolicy"),
    "policy_bulk_delete": lambda w, i: [("/iam/policies/delete/selected/", {
        "policies": [w.policy.arn], "confirmation": "delete"}, "DeletePolicy")],
    "policy_entity_detach": lambda w, i: [("/iam/policies/aws/IAMReadOnlyAccess/entities/detach/", {
        "entity_type": "user", "entity_name": "alice", "policy_arn": READ_ONLY}, "DetachUserPolicy")],
    "policy_version_set_default": lambda w, i: [("{policy}versions/v2/set-default/", {}, "SetDefaultPolicyVersion")],
    "policy_version_delete": lambda w, i: [("{policy}versions/v2/delete/", {}, "DeletePolicyVersion")],
    "policy_edit": lambda w, i: [("{policy}edit/", {"document": DOC}, "CreatePolicyVersion")],
    "policy_tags_edit": lambda w, i: [("{policy}tags/edit/", {"key_0": "team", "value_0": "till"}, "TagPolicy")],
    "policy_delete": lambda w, i: [("{policy}delete/", {"confirm": "Receipts"}, "DeletePolicy")],
    "policy_user_attach": lambda w, i: [("/iam/users/alice/policies/attach/", {"policy_arns": [w.policy.arn]},
                                         "AttachUserPolicy")],
    "policy_user_detach": lambda w, i: [("/iam/users/alice/policies/detach/", {"policy_arn": READ_ONLY},
                                         "DetachUserPolicy")],
    "policy_user_inline_create": lambda w, i: [("/iam/users/alice/policies/inline/create/", {
        "name": "Second", "document": DOC}, "PutUserPolicy")],
    "policy_user_inline_edit": lambda w, i: [("/iam/users/alice/policies/inline/Inline/edit/", {"document": DOC},
                                              "PutUserPolicy")],
    "policy_user_inline_delete": lambda w, i: [("/iam/users/alice/policies/inline/Inline/delete/", {},
                                                "DeleteUserPolicy")],
    "policy_group_attach": lambda w, i: [("/iam/groups/Cashiers/policies/attach/", {"policy_arns": [w.policy.arn]},
                                          "AttachGroupPolicy")],
    "policy_group_detach": lambda w, i: [("/iam/groups/Cashiers/policies/detach/", {"policy_arn": READ_ONLY},
                                          "DetachGroupPolicy")],
    "policy_group_inline_create": lambda w, i: [("/iam/groups/Cashiers/policies/inline/create/", {
        "name": "Second", "document": DOC}, "PutGroupPolicy")],
    "policy_group_inline_edit": lambda w, i: [("/iam/groups/Cashiers/policies/inline/Inline/edit/", {"document": DOC},
                                               "PutGroupPolicy")],
    "policy_group_inline_delete": lambda w, i: [("/iam/groups/Cashiers/policies/inline/Inline/delete/", {},
                                                 "DeleteGroupPolicy")],
    "policy_user_boundary": lambda w, i: [("/iam/users/alice/permissions-boundary/", {"policy_arn": READ_ONLY},
                                           "PutUserPermissionsBoundary")],
    "policy_user_boundary_delete": lambda w, i: [("/iam/users/alice/permissions-boundary/delete/", {},
                                                  "DeleteUserPermissionsBoundary")],
}


#: The apps whose console views are IAM's (organizations/ and labs/ have tests of their own).
AUDITED_APPS = {"accounts", "policies", "audit", "iamportal"}


def post_routes() -> list[str]:
    """The short names of every URL pattern whose view takes a POST (Django's admin aside)."""
    found = []

    def walk(resolver) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    walk(entry)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None)
                if view is not None and view.__module__.partition(".")[0] in AUDITED_APPS and hasattr(view, "post"):
                    found.append(entry.name)

    walk(get_resolver())
    return found


def test_every_post_view_is_a_case_or_exempt_with_a_reason():
    routes = post_routes()
    unknown = [name for name in routes if name not in CASES and name not in EXEMPT]
    assert not unknown, f"POST views with no audit case: {unknown} — add a case to CASES (or a reason to EXEMPT)"
    assert not [name for name in CASES if name not in routes], "a case names a view that no longer exists"


def _resync_data(world: World, identity: str, owner_name: str) -> tuple[dict, float]:
    """Two consecutive codes of a device whose key the test knows (a TOTPDevice of its own)."""
    owner = world.alice if owner_name == "alice" else _self(world, identity)
    device = owner.totpdevice_set.get()
    return {"device": device.name, "code1": code(device, T - 1), "code2": code(device, T)}, at_step(T)


def _enable_data(world: World, client) -> dict:
    from accounts.models import VirtualMFADevice

    device = VirtualMFADevice.objects.get(name="new-phone", confirmed=False)
    return {"code1": code(device, T - 1), "code2": code(device, T)}


# A role session has no credentials of its own (the self-service pages refuse it), and the
# root user cannot switch roles (AWS).
NOT_FOR = {"role session": {"password_change", "access_key_create", "access_key_status", "access_key_delete",
                            "mfa_device_assign", "mfa_device_setup", "mfa_device_remove", "mfa_device_resync"},
           "root": {"switch_role"}}


@pytest.mark.parametrize(("name", "identity"), [(name, identity) for name in sorted(CASES) for identity in IDENTITIES
                                                if name not in NOT_FOR.get(identity, ())])
def test_each_change_writes_exactly_one_record(world, name, identity):
    client = client_for(world, identity)
    # The caller's own device, once signed in (its self-service MFA pages).
    TOTPDevice.objects.create(user=_self(world, identity), name=_own_device(world, identity), confirmed=True)
    policy_url = f"/iam/policies/{world.policy.owner}/Receipts/"
    for url, data, event_name in CASES[name](world, identity):
        url = url.replace("{policy}", policy_url)
        moment = None
        if data == "ENABLE":
            data, moment = _enable_data(world, client), at_step(T)
        elif data in ("RESYNC-OWN", "RESYNC-ALICE"):
            data, moment = _resync_data(world, identity, "alice" if data == "RESYNC-ALICE" else "own")
        before = set(Event.objects.values_list("pk", flat=True))
        if moment is None:
            response = csrf_post(client, url, data)
        else:
            with clock(moment):
                response = csrf_post(client, url, data)
        assert response.status_code in (200, 302), (name, url, response.status_code, response.content[:600])
        new = list(Event.objects.exclude(pk__in=before))
        if event_name is None:
            assert new == [], (name, url, [(e.event_name, e.error_code) for e in new])
            continue
        if response.status_code == 302:
            assert not response["Location"].startswith(("/signin", "/mfa")), (name, url, response["Location"])
        assert [(e.event_name, e.error_code) for e in new] == [(event_name, "")], (name, url)
        event = new[0]
        assert event.user_identity["type"] == IDENTITIES[identity]
        assert event.account_id == world.account.pk and event.event_time <= timezone.now()
