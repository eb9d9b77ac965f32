"""Build a lab's starting state in an account, and wipe an account back to nothing.

:func:`apply` creates what a lab's ``setup`` describes (docs/labs.md, "Setup") through the same
services the console and the Query API use (accounts.services, accounts.roles,
accounts.access_keys, policies.services), so every name, quota and document is validated as
it would be there; all of it in one transaction, so a lab that cannot be applied leaves nothing
behind. ``{account}`` in any string stands for the account id.

:func:`wipe` removes every IAM entity of the account — users (with their passwords, keys, MFA
devices, memberships and policies), groups, roles, customer managed policies, instance
profiles, unassigned virtual MFA devices, identity providers, server certificates, the
password policy, the alias and the root user's access keys — except the root user (its
password and MFA devices are kept) and the role ``OrganizationAccountAccessRole`` through which
the organization's management account administers a member account.
"""

from __future__ import annotations

from django.db import transaction

from accounts import access_keys, certificates, federation, instance_profiles, mfa, roles, services
from accounts.models import AccessKey, Account, Group, InstanceProfile, PasswordPolicy, Role, User, VirtualMFADevice
from accounts.password_policy import delete_account_password_policy
from accounts.provider_models import OpenIDConnectProvider, SAMLProvider, ServerCertificate
from accounts.service_linked_roles import delete_service_linked_role
from iamportal.errors import IAMError
from policies import services as policy_services
from policies.models import ManagedPolicy

from .checks import substitute
from .format import Lab, LabError

#: The role an organization's management account uses to enter a member account (kept by wipe).
ORGANIZATION_ACCESS_ROLE = "OrganizationAccountAccessRole"
GENERATE = "generate"


def _policy_arn(account: Account, reference: str) -> str:
    """The ARN of a ``policies:`` entry: an ARN as it is, else the account's customer policy of
    that name, else the AWS managed one (``NoSuchEntity`` from the service when neither exists)."""
    if reference.startswith("arn:"):
        return reference
    policy = (ManagedPolicy.objects.for_account(account).filter(name__iexact=reference).select_related("account")
              .first() or ManagedPolicy.objects.aws_managed().filter(name__iexact=reference).first())
    return policy.arn if policy is not None else f"arn:aws:iam::aws:policy/{reference}"


def _permissions(account: Account, owner, entry: dict) -> None:
    """Attach ``entry``'s policies, put its inline policies and set its boundary on ``owner``."""
    for reference in entry.get("policies", []):
        policy_services.attach_policy(owner, policy_arn=_policy_arn(account, reference))
    for name, document in entry.get("inline", {}).items():
        policy_services.put_inline_policy(owner, name=name, document=document)
    if entry.get("boundary"):
        policy_services.put_permissions_boundary(owner, policy_arn=_policy_arn(account, entry["boundary"]))


def _tag_keys(entry: dict) -> dict:
    tags = entry.get("tags", {})
    return {**{f"aws:RequestTag/{key}": value for key, value in tags.items()},
            **({"aws:TagKeys": list(tags)} if tags else {})}


def setup_calls(account: Account, setup: dict) -> list[tuple[str, str, dict]]:
    """The IAM calls ``setup`` (substituted) stands for, each with the condition keys it carries
    (``aws:RequestTag/…``, ``aws:TagKeys``, ``iam:PolicyARN``, ``iam:PermissionsBoundary``): a
    caller starting a lab on its own account may build only what it could build by hand."""
    own = {entry["name"].lower(): account.arn(f"policy{entry.get('path', '/')}{entry['name']}")
           for entry in setup.get("policies", [])}
    groups = {entry["name"].lower(): account.arn(f"group{entry.get('path', '/')}{entry['name']}")
              for entry in setup.get("groups", [])}

    def policy_arn(reference: str) -> str:
        return own.get(reference.lower()) or _policy_arn(account, reference)

    calls: list[tuple[str, str, dict]] = []
    if setup.get("alias"):
        calls.append(("iam:CreateAccountAlias", "*", {}))
    if setup.get("root_access_key"):
        calls.append(("iam:CreateAccessKey", account.root_arn, {}))
    calls += [("iam:CreatePolicy", arn, {}) for arn in own.values()]
    for kind, noun in (("groups", "Group"), ("users", "User"), ("roles", "Role")):
        for entry in setup.get(kind, []):
            arn = account.arn(f"{noun.lower()}{entry.get('path', '/')}{entry['name']}")
            bounded = {"iam:PermissionsBoundary": policy_arn(entry["boundary"])} if entry.get("boundary") else {}
            calls.append((f"iam:Create{noun}", arn, {**_tag_keys(entry), **bounded}))
            if entry.get("tags"):
                calls.append((f"iam:Tag{noun}", arn, _tag_keys(entry)))
            calls += [(f"iam:Attach{noun}Policy", arn, {"iam:PolicyARN": policy_arn(reference), **bounded})
                      for reference in entry.get("policies", [])]
            calls += [(f"iam:Put{noun}Policy", arn, bounded) for _name in entry.get("inline", {})]
            if entry.get("boundary"):
                calls.append((f"iam:Put{noun}PermissionsBoundary", arn, bounded))
            if kind == "users":
                if entry.get("password"):
                    calls.append(("iam:CreateLoginProfile", arn, bounded))
                calls += [("iam:AddUserToGroup", groups[name.lower()], {}) for name in entry.get("groups", [])]
                if entry.get("access_key"):
                    calls.append(("iam:CreateAccessKey", arn, bounded))
    return calls


@transaction.atomic
def apply(account: Account, lab: Lab, *, authorize=None) -> dict[str, str]:
    """Create ``lab``'s starting state in ``account`` (in one transaction). Returns the console
    passwords generated for its users (``password: generate``), by user name. ``authorize``
    (as for :func:`wipe`) is given every call the setup stands for (:func:`setup_calls`) first.

    Raises:
        LabError: a service refused part of the setup (the field names the entry, the message
            is the service's, in AWS's words); nothing was created.
    """
    setup = substitute(lab.setup, account.account_id)
    if authorize is not None:
        authorize(setup_calls(account, setup))
    where = "setup"
    passwords: dict[str, str] = {}
    try:
        if setup.get("alias"):
            where = "setup.alias"
            services.set_account_alias(account, setup["alias"])
        if setup.get("root_access_key"):
            where = "setup.root_access_key"
            access_keys.create_access_key(User.objects.get(account=account, is_root=True))
        for index, entry in enumerate(setup.get("policies", [])):
            where = f"setup.policies[{index}]"
            policy_services.create_policy(account, name=entry["name"], document=entry["document"],
                                          path=entry.get("path", "/"), description=entry.get("description", ""))
        groups = {}
        for index, entry in enumerate(setup.get("groups", [])):
            where = f"setup.groups[{index}]"
            group = services.create_group(account, name=entry["name"], path=entry.get("path", "/"))
            groups[group.name.lower()] = group
            _permissions(account, group, entry)
        for index, entry in enumerate(setup.get("users", [])):
            where = f"setup.users[{index}]"
            password = entry.get("password")
            if password == GENERATE:
                password = passwords[entry["name"]] = services.generate_password(account=account)
            user = services.create_user(
                account, user_name=entry["name"], path=entry.get("path", "/"), console_password=password,
                password_reset_required=entry.get("password_reset_required", False),
                groups=[groups[name.lower()] for name in entry.get("groups", [])],
                tags=list(entry.get("tags", {}).items()))
            _permissions(account, user, entry)
            if entry.get("access_key"):
                access_keys.create_access_key(user)
        for index, entry in enumerate(setup.get("roles", [])):
            where = f"setup.roles[{index}]"
            role = roles.create_role(
                account, name=entry["name"], trust_policy=entry["trust"], path=entry.get("path", "/"),
                description=entry.get("description", ""),
                max_session_duration=entry.get("max_session_duration", Role.MIN_SESSION_DURATION),
                tags=list(entry.get("tags", {}).items()))
            _permissions(account, role, entry)
    except IAMError as error:
        raise LabError(lab.source, None, where, f"cannot be applied: {error}") from None
    return passwords


def _no_check(calls) -> None:
    """Callers that authorise nothing here (a class's instructor acts through the organization)."""


@transaction.atomic
def wipe(account: Account, *, authorize=None) -> None:
    """Remove every IAM entity of ``account`` but its root user and OrganizationAccountAccessRole
    (see the module docstring). ``authorize`` (a console caller's
    :meth:`policies.authz.ImpliedCallsMixin.authorize_calls`) is given the IAM calls each removal
    stands for before it is made, so a caller's policies and SCPs (a Deny of ``iam:DeleteUser``
    on a protected user, say) hold for a lab's wipe too; a refusal rolls everything back."""
    ask = authorize or _no_check
    for user in User.objects.for_account(account).select_related("account"):
        services.delete_user(user, remove_dependents=True, authorize=authorize)
    for group in Group.objects.filter(account=account).select_related("account"):
        services.delete_group(group, remove_dependents=True, authorize=authorize)
    for role in Role.objects.for_account(account).exclude(name=ORGANIZATION_ACCESS_ROLE).select_related("account"):
        if role.service_linked:
            ask([("iam:DeleteServiceLinkedRole", role.arn, {})])
            delete_service_linked_role(role)
        else:
            roles.delete_role(role, remove_dependents=True, authorize=authorize)
    for profile in InstanceProfile.objects.filter(account=account, role__isnull=True).select_related("account"):
        ask([("iam:DeleteInstanceProfile", profile.arn, {})])
        instance_profiles.delete_instance_profile(profile)
    for policy in ManagedPolicy.objects.for_account(account).select_related("account"):
        policy_services.delete_policy(policy, detach_all=True, authorize=authorize)
    for device in VirtualMFADevice.objects.filter(user__account=account, user__is_root=True, confirmed=False):
        mfa.delete_virtual_mfa_device(device, actor="lab reset")
    for key in AccessKey.objects.filter(user__account=account, user__is_root=True):
        ask([("iam:DeleteAccessKey", account.root_arn, {})])
        access_keys.delete_access_key(key)
    for provider in OpenIDConnectProvider.objects.filter(account=account).select_related("account"):
        ask([("iam:DeleteOpenIDConnectProvider", provider.arn, {})])
        federation.delete_open_id_connect_provider(account, provider.arn)
    for provider in SAMLProvider.objects.filter(account=account).select_related("account"):
        ask([("iam:DeleteSAMLProvider", provider.arn, {})])
        federation.delete_saml_provider(provider)
    for certificate in ServerCertificate.objects.filter(account=account).select_related("account"):
        ask([("iam:DeleteServerCertificate", certificate.arn, {})])
        certificates.delete_server_certificate(certificate)
    if PasswordPolicy.objects.filter(account=account).exists():
        ask([("iam:DeleteAccountPasswordPolicy", "*", {})])
        delete_account_password_policy(account)
    account.refresh_from_db(fields=["alias"])
    if account.alias:
        ask([("iam:DeleteAccountAlias", "*", {})])
        services.delete_account_alias(account)
