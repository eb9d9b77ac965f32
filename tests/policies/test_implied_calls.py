"""Implied-call check (issue 9, "Make it repeatable"): every console view whose one
operation stands for several IAM calls declares them (``policies.authz.ImpliedCallsMixin``);
for each such view, and for each call it stands for, a Deny on just that call refuses the
whole operation with AWS's AccessDenied naming the call, and changes nothing.

The views are found through the URLconf, so a new one is covered as soon as it declares its
calls: it must then get a scenario below (the first test fails until it does). The calls are
those the operation's service hands to ``authorize`` (recorded on a dry run), and must be the
ones the view declares for its page.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import access_keys, certificates, roles, service_credentials
from accounts import services as accounts_services
from accounts.models import InstanceProfile
from policies import services as policy_services
from policies.authz import ImpliedCallsMixin
from tests.accounts import pem
from tests.conftest import USER_PASSWORD, csrf_post, grant, signed_in_client

from .helpers import doc

pytestmark = pytest.mark.django_db

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def declaring_views() -> dict[str, type]:
    """``{url name: view class}`` of every URL whose view declares implied calls."""
    found: dict[str, type] = {}

    def walk(patterns, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                if view is not None and issubclass(view, ImpliedCallsMixin):
                    found[f"{namespace}{pattern.name}"] = view

    walk(get_resolver().url_patterns, "")
    return found


def db_state() -> dict:
    """Every row of the accounts and policies apps, as comparable plain values."""
    state = {}
    for app in ("accounts", "policies", "otp_totp"):
        for model in apps.get_app_config(app).get_models():
            state[model._meta.label] = sorted(map(repr, model.objects.values_list()))
    return state


# ---------------------------------------------------------------------------
# Scenarios: an entity with every kind of dependent; returns (url, form data).


def _policy(account, name="Receipts"):
    return policy_services.create_policy(account, name=name, document=doc())


def group_delete(account, alice, bob):
    group = accounts_services.create_group(account, name="Cashiers", users=[alice, bob])
    policy_services.attach_policy(group, policy_arn=READ_ONLY)
    policy_services.attach_policy(group, policy_arn=_policy(account).arn)
    policy_services.put_group_policy(group, name="till", document=doc())
    policy_services.put_group_policy(group, name="float", document=doc())
    return "/iam/groups/Cashiers/delete/", {"confirm": "Cashiers"}


def _user_with_everything(account, name, groups):
    user = accounts_services.create_user(account, user_name=name, console_password="Flat-White-2026!",
                                         groups=groups)
    TOTPDevice.objects.create(user=user, name=f"{name}-phone", confirmed=True)
    access_keys.create_access_key(user)
    access_keys.create_access_key(user)
    policy_services.attach_policy(user, policy_arn=READ_ONLY)
    policy_services.put_user_policy(user, name="own", document=doc())
    policy_services.put_permissions_boundary(user, policy_arn=READ_ONLY)
    certificates.upload_signing_certificate(user, certificate_body=pem.self_signed(f"{name}-signing"))
    certificates.upload_ssh_public_key(user, body=pem.ssh_rsa(f"{name}-ssh"))
    service_credentials.create_service_specific_credential(user, service_name="codecommit.amazonaws.com")
    return user


def user_delete(account, alice, bob):
    groups = [accounts_services.create_group(account, name=name) for name in ("Baristas", "Cashiers")]
    _user_with_everything(account, "dave", groups)
    return "/iam/users/dave/delete/", {"confirmation": "dave"}


def user_bulk_delete(account, alice, bob):
    group = accounts_services.create_group(account, name="Baristas")
    _user_with_everything(account, "dave", [group])
    _user_with_everything(account, "erin", [group])
    return "/iam/users/delete/selected/", {"users": ["dave", "erin"], "confirmation": "delete"}


def role_delete(account, alice, bob):
    role = roles.create_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"),
                             policy_arns=[READ_ONLY], boundary_arn=READ_ONLY)
    policy_services.put_role_policy(role, name="logs", document=doc())
    InstanceProfile.objects.create(account=account, name="Shared", role=role)
    return "/iam/roles/WebServer/delete/", {"confirmation": "WebServer"}


def policy_delete(account, alice, bob):
    policy = _policy(account)
    policy_services.create_policy_version(policy, document=doc(), set_as_default=True)
    group = accounts_services.create_group(account, name="Cashiers")
    role = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id))
    for owner in (alice, group, role):
        policy_services.attach_policy(owner, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(bob, policy_arn=policy.arn)
    policy_services.put_permissions_boundary(role, policy_arn=policy.arn)
    return f"/iam/policies/{account.account_id}/Receipts/delete/", {"confirm": "Receipts"}


def group_bulk_delete(account, alice, bob):
    group_delete(account, alice, bob)
    group = accounts_services.create_group(account, name="Baristas", users=[alice])
    policy_services.attach_policy(group, policy_arn=READ_ONLY)
    policy_services.put_group_policy(group, name="beans", document=doc())
    return "/iam/groups/delete/selected/", {"groups": ["Cashiers", "Baristas"], "confirmation": "delete"}


def role_bulk_delete(account, alice, bob):
    role_delete(account, alice, bob)
    role = roles.create_role(account, name="Auditor", trust_policy=roles.account_trust_policy(account.account_id),
                             policy_arns=[READ_ONLY])
    InstanceProfile.objects.create(account=account, name="Auditor", role=role)
    return "/iam/roles/delete/selected/", {"roles": ["WebServer", "Auditor"], "confirmation": "delete"}


def policy_bulk_delete(account, alice, bob):
    policy_delete(account, alice, bob)
    refunds = _policy(account, "Refunds")
    policy_services.create_policy_version(refunds, document=doc(), set_as_default=True)
    policy_services.attach_policy(alice, policy_arn=refunds.arn)
    policy_services.attach_policy(accounts_services.get_group(account, "Cashiers"), policy_arn=refunds.arn)
    arns = [f"arn:aws:iam::{account.account_id}:policy/{name}" for name in ("Receipts", "Refunds")]
    return "/iam/policies/delete/selected/", {"policies": arns, "confirmation": "delete"}


def _access_key_create(url):
    """Create access key with a description: CreateAccessKey and the TagUser of the tag keyed
    by the new key's id, which step 1 (``prepare``) reserved in the session."""
    def prepare(client):
        assert csrf_post(client, url, {"step": "use_case", "use_case": "other"}).status_code == 200

    return url, {"step": "description", "description": "Nightly backup"}, prepare


def user_access_key_create(account, alice, bob):
    return _access_key_create("/iam/users/alice/access-keys/create/")


def access_key_create(account, alice, bob):  # the caller's own keys
    return _access_key_create("/iam/security-credentials/access-keys/create/")


SCENARIOS = {
    "accounts:group_delete": group_delete,
    "accounts:group_bulk_delete": group_bulk_delete,
    "accounts:role_bulk_delete": role_bulk_delete,
    "policies:policy_bulk_delete": policy_bulk_delete,
    "accounts:user_delete": user_delete,
    "accounts:user_bulk_delete": user_bulk_delete,
    "accounts:role_delete": role_delete,
    "policies:policy_delete": policy_delete,
    "accounts:user_access_key_create": user_access_key_create,
    "accounts:access_key_create": access_key_create,
}
# Operations that stand for fewer kinds of call than a delete with dependents.
MIN_ACTIONS = {"accounts:user_access_key_create": 2, "accounts:access_key_create": 2}


def test_every_view_that_declares_implied_calls_has_a_scenario():
    assert set(declaring_views()) == set(SCENARIOS)


# ---------------------------------------------------------------------------
# The check


@pytest.fixture
def admin(account, aws_managed_policies):
    """The caller: an IAM user allowed everything, who is in none of the scenarios' entities."""
    carol = accounts_services.create_user(account, user_name="carol", console_password=USER_PASSWORD)
    grant(carol, {"Effect": "Allow", "Action": "*", "Resource": "*"}, name="everything")
    return carol


def record_calls(monkeypatch, client, url, data) -> tuple[list, list]:
    """POST as on a real request, and return (the calls the operation's service handed to
    ``authorize``, the calls the view declared before any change), then roll it back."""
    authorized: list = []
    declared: list = []

    def recorder(view, calls):
        declared[:] = declared or view.implied_calls()
        authorized.extend(calls)

    monkeypatch.setattr(ImpliedCallsMixin, "authorize_calls", recorder)
    with transaction.atomic():
        assert csrf_post(client, url, data).status_code == 302
        transaction.set_rollback(True)
    monkeypatch.undo()
    return authorized, declared


def deny_only(call) -> dict:
    """A Deny statement that matches ``call`` and no other: its action, its resource and,
    pinned with StringEquals, each condition key it carries."""
    action, resource, context = call
    statement = {"Effect": "Deny", "Action": action, "Resource": resource}
    pinned = {key: value for key, value in context.items() if isinstance(value, str) and value}
    if pinned:
        statement["Condition"] = {"StringEquals": pinned}
    return statement


@pytest.mark.parametrize("url_name", sorted(SCENARIOS))
def test_a_deny_on_any_one_implied_call_refuses_the_whole_operation(url_name, account, alice, bob, admin,
                                                                       monkeypatch):
    url, data, *prepare = SCENARIOS[url_name](account, alice, bob)  # prepare(client): earlier steps
    client = signed_in_client(admin)
    for step in prepare:
        step(client)
    calls, declared = record_calls(monkeypatch, client, url, data)
    assert calls == declared, "the page's declaration and the authorised calls differ"
    actions = {action for action, _, _ in calls}
    assert len(actions) >= MIN_ACTIONS.get(url_name, 3), (
        f"{url_name}: the scenario should give the operation dependents ({actions})")
    for call in calls:
        grant(admin, deny_only(call), name="deny-one")  # replaces the previous one
        before = db_state()
        response = csrf_post(client, url, data)
        page = response.content.decode()
        assert response.status_code == 403, (url_name, call, response.status_code)
        assert f"is not authorized to perform: {call[0]} on resource: {call[1]}" in page, (url_name, call)
        assert db_state() == before, (url_name, call)
    accounts_services.get_user(account, "carol")  # the caller still exists
    policy_services.delete_user_policy(admin, name="deny-one")
    assert csrf_post(client, url, data).status_code == 302, "allowed every call, the operation succeeds"


# ---------------------------------------------------------------------------
# The API's Delete* (no clean-up): DeleteConflict in AWS's words (iam-facts §11)


def test_delete_group_without_clean_up_is_delete_conflict_for_each_dependent(account, alice, aws_managed_policies):
    from iamportal.errors import DeleteConflict

    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    policy_services.attach_policy(group, policy_arn=READ_ONLY)
    policy_services.put_group_policy(group, name="till", document=doc())
    expected = ["Cannot delete entity, must remove users from group first.",
                "Cannot delete entity, must detach all policies first.",
                "Cannot delete entity, must delete policies first."]
    for message, clear in zip(expected, [
            lambda: accounts_services.remove_user_from_group(group, alice),
            lambda: policy_services.detach_policy(group, policy_arn=READ_ONLY),
            lambda: policy_services.delete_inline_policy(group, name="till")]):
        with pytest.raises(DeleteConflict) as caught:
            accounts_services.delete_group(group, remove_dependents=False)
        assert (caught.value.message, caught.value.status) == (message, 409)
        clear()
    accounts_services.delete_group(group, remove_dependents=False)


def test_delete_user_without_clean_up_is_delete_conflict_but_a_boundary_does_not_block(account,
                                                                                       aws_managed_policies):
    from iamportal.errors import DeleteConflict

    group = accounts_services.create_group(account, name="Baristas")
    dave = _user_with_everything(account, "dave", [group])
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete login profile first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    accounts_services.remove_console_access(dave)
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete access keys first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    for key in access_keys.list_access_keys(dave):
        access_keys.delete_access_key(key)
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete signing certificates first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    dave.signing_certificates.all().delete()
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete SSH public keys first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    dave.ssh_public_keys.all().delete()
    with pytest.raises(DeleteConflict,
                       match=r"^Cannot delete entity, must remove service specific credentials first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    dave.service_specific_credentials.all().delete()
    TOTPDevice.objects.filter(user=dave).delete()
    policy_services.detach_policy(dave, policy_arn=READ_ONLY)
    policy_services.delete_inline_policy(dave, name="own")
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must remove user from all groups first\.$"):
        accounts_services.delete_user(dave, remove_dependents=False)
    accounts_services.remove_user_from_group(group, dave)
    accounts_services.delete_user(dave, remove_dependents=False)  # the boundary goes with it


def test_delete_role_without_clean_up_is_delete_conflict(account, aws_managed_policies):
    from iamportal.errors import DeleteConflict

    role = roles.create_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must remove roles from instance profile first\.$"):
        roles.delete_role(role, remove_dependents=False)
    policy_services.put_role_policy(role, name="logs", document=doc())
    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must delete policies first\.$"):
        roles.delete_role(role, remove_dependents=False)
    assert InstanceProfile.objects.filter(role=role).exists()


def test_a_dependent_added_after_the_calls_were_listed_is_delete_conflict(account, alice, bob):
    """The console's delete removes what it listed and authorised, no more: a member added
    meanwhile makes DeleteGroup meet DeleteConflict, and the transaction keeps everything."""
    from iamportal.errors import DeleteConflict

    group = accounts_services.create_group(account, name="Cashiers", users=[alice])

    def add_bob_meanwhile(calls):
        accounts_services.add_user_to_group(group, bob)

    with pytest.raises(DeleteConflict, match=r"^Cannot delete entity, must remove users from group first\.$"):
        accounts_services.delete_group(group, remove_dependents=True, authorize=add_bob_meanwhile)
    group.refresh_from_db()
    assert sorted(group.members.values_list("user_name", flat=True)) == ["alice"]


def test_the_calls_name_each_dependent_with_its_condition_keys(account, alice, aws_managed_policies):
    group = accounts_services.create_group(account, name="Cashiers", users=[alice])
    policy_services.attach_policy(group, policy_arn=READ_ONLY)
    policy_services.put_group_policy(group, name="till", document=doc())
    assert accounts_services.delete_group_plan(group).calls == [
        ("iam:RemoveUserFromGroup", group.arn, {}),
        ("iam:DetachGroupPolicy", group.arn, {"iam:PolicyARN": READ_ONLY}),
        ("iam:DeleteGroupPolicy", group.arn, {}),
        ("iam:DeleteGroup", group.arn, {}),
    ]
