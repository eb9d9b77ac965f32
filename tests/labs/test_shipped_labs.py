"""Every shipped lab (labs/data/*.yaml) against a live account.

For each lab: it loads and validates; after its setup (``labs.setup.apply``) no task passes;
after the intended solution — applied through the same services the console and the Query API
call (accounts.services, accounts.roles, accounts.access_keys, accounts.mfa, policies.services)
— every task passes with the lab's full score; and each wrong solution listed for it still
fails exactly the tasks it is wrong for. A lab shipped without a solution here fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts import access_keys, roles, services
from accounts.models import AccessKey, User
from labs import catalogue, checks, setup
from labs.format import load
from policies import services as policy_services
from policies.models import ManagedPolicy
from tests.labs.helpers import allow, deny, document, enable_mfa

pytestmark = pytest.mark.django_db

LABS = catalogue.all_labs()


def aws(name: str) -> str:
    return f"arn:aws:iam::aws:policy/{name}"


def customer(account, name: str) -> str:
    return ManagedPolicy.objects.for_account(account).get(name=name).arn


def user(account, name: str):
    return services.get_user(account, name)


def group(account, name: str):
    return services.get_group(account, name)


def role(account, name: str):
    return roles.get_role(account, name)


def passed_to(service: str) -> dict:
    return {"StringEquals": {"iam:PassedToService": service}}


WITHOUT_MFA = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
#: Denies in a console session without MFA, not in a request with an access key (no MFA key at all).
FALSE_MFA = {"Bool": {"aws:MultiFactorAuthPresent": "false"}}


# ---------------------------------------------------------------------------
# 01 Secure the root user


def secure_root(account, *, delete_keys: bool = True) -> None:
    root = User.objects.get(account=account, is_root=True)
    enable_mfa(root)
    for key in AccessKey.objects.filter(user=root):
        access_keys.update_access_key(key, status="Inactive")
        if delete_keys:
            access_keys.delete_access_key(key)
    services.set_account_alias(account, f"coffee-shop-{account.account_id}")


def root_keys_only_deactivated(account) -> None:
    secure_root(account, delete_keys=False)


# ---------------------------------------------------------------------------
# 02 The first administrator


def first_administrator(account) -> None:
    admins = services.create_group(account, name="Administrators")
    policy_services.attach_group_policy(admins, policy_arn=aws("AdministratorAccess"))
    services.create_user(account, user_name="admin", console_password=services.generate_password(account=account),
                         groups=[admins])


def administrator_policy_on_the_user(account) -> None:
    admins = services.create_group(account, name="Administrators")
    policy_services.attach_group_policy(admins, policy_arn=aws("AdministratorAccess"))
    admin = services.create_user(account, user_name="admin",
                                 console_password=services.generate_password(account=account))
    policy_services.attach_user_policy(admin, policy_arn=aws("AdministratorAccess"))


# ---------------------------------------------------------------------------
# 03 Groups for administrators and developers


def admin_and_developer_groups(account, *, power_user_to_group: bool = False, keep_admin_direct: bool = False) -> None:
    admin = user(account, "admin")
    admins = services.create_group(account, name="Administrators", users=[admin])
    policy_services.attach_group_policy(admins, policy_arn=aws("AdministratorAccess"))
    if not keep_admin_direct:
        policy_services.detach_user_policy(admin, policy_arn=aws("AdministratorAccess"))
    dev = user(account, "dev")
    developers = services.create_group(account, name="Developers", users=[dev, user(account, "tom")])
    policy_services.attach_group_policy(developers, policy_arn=aws("AmazonEC2FullAccess"))
    policy_services.detach_user_policy(dev, policy_arn=aws("PowerUserAccess"))
    if power_user_to_group:
        policy_services.attach_group_policy(developers, policy_arn=aws("PowerUserAccess"))


def power_user_moved_to_the_group(account) -> None:
    admin_and_developer_groups(account, power_user_to_group=True)


def administrator_access_left_on_admin(account) -> None:
    admin_and_developer_groups(account, keep_admin_direct=True)


# ---------------------------------------------------------------------------
# 04 The receipts bucket policy


def receipts_policy(account, *, resource: str = "arn:aws:s3:::receipts-bucket") -> None:
    policy = policy_services.create_policy(account, name="ReceiptsListBucket",
                                           document=document(allow("s3:ListBucket", resource)))
    cashiers = group(account, "Cashiers")
    policy_services.attach_group_policy(cashiers, policy_arn=policy.arn)
    policy_services.detach_group_policy(cashiers, policy_arn=aws("AmazonS3ReadOnlyAccess"))
    services.create_user(account, user_name="joao", console_password=services.generate_password(account=account),
                         groups=[cashiers])


def receipts_policy_with_a_wildcard(account) -> None:
    receipts_policy(account, resource="arn:aws:s3:::receipts-bucket*")


def receipts_policy_left_beside_s3_read_only(account) -> None:
    receipts_policy(account)
    policy_services.attach_user_policy(user(account, "maria"), policy_arn=aws("AmazonS3ReadOnlyAccess"))


# ---------------------------------------------------------------------------
# 05 The coffee-shop roles


def coffee_shop_roles(account, *, switch_anywhere: bool = False) -> None:
    for name, policy in (("Cashier", "CashRegisterAccess"), ("Inventory", "InventoryStockManagement")):
        roles.create_role(account, name=name, trust_policy=roles.account_trust_policy(account.account_id),
                          policy_arns=[customer(account, policy)])
    cashiers = group(account, "Cashiers")
    if switch_anywhere:
        policy_services.put_group_policy(cashiers, name="SwitchRoles", document=document(allow("sts:AssumeRole")))
        return
    policy_services.put_group_policy(cashiers, name="SwitchToCashier",
                                     document=document(allow("sts:AssumeRole", account.arn("role/Cashier"))))
    policy_services.put_user_policy(user(account, "maria"), name="SwitchToInventory",
                                    document=document(allow("sts:AssumeRole", account.arn("role/Inventory"))))


def switch_to_any_role(account) -> None:
    coffee_shop_roles(account, switch_anywhere=True)


def roles_with_both_policies(account) -> None:
    coffee_shop_roles(account)
    policy_services.attach_role_policy(role(account, "Inventory"), policy_arn=customer(account, "CashRegisterAccess"))


# ---------------------------------------------------------------------------
# 06 A service role that lets EC2 reach S3


def menu_server_role(account, *, trust: str | None = None, pass_resource: str | None = None) -> None:
    menu_role = roles.create_role(account, name="MenuServerRole",
                                  trust_policy=trust or roles.service_trust_policy("ec2.amazonaws.com"),
                                  policy_arns=[customer(account, "MenuBucketRead")])
    policy_services.put_group_policy(
        group(account, "Developers"), name="PassMenuServerRole",
        document=document(allow("iam:PassRole", pass_resource or menu_role.arn,
                                Condition=passed_to("ec2.amazonaws.com"))))
    services.delete_user(user(account, "menu-app"), remove_dependents=True)


def menu_role_trusting_the_account(account) -> None:
    menu_server_role(account, trust=roles.account_trust_policy(account.account_id))


def menu_role_trusting_lambda(account) -> None:
    menu_server_role(account, trust=roles.service_trust_policy("lambda.amazonaws.com"))


def menu_role_trusting_ec2_and_lambda(account) -> None:
    menu_server_role(account, trust=document({"Effect": "Allow", "Action": "sts:AssumeRole",
                                              "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}}))


def pass_any_role(account) -> None:
    menu_server_role(account, pass_resource="*")


# ---------------------------------------------------------------------------
# 07 Require MFA for sensitive actions

OWN_MFA = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice",
           "iam:GetUser"]
NO_RECEIPT_DELETION = deny("s3:DeleteObject", "arn:aws:s3:::receipts-bucket/*", Condition=WITHOUT_MFA)


def require_mfa(account, *statements: dict) -> None:
    statements = statements or (
        {"Sid": "DenyIAMWithoutMFA", "Effect": "Deny", "NotAction": OWN_MFA, "Resource": "arn:aws:iam::*:*",
         "Condition": WITHOUT_MFA},
        NO_RECEIPT_DELETION,
    )
    policy = policy_services.create_policy(account, name="RequireMFAForSensitiveActions",
                                           document=document(*statements))
    policy_services.attach_group_policy(group(account, "Administrators"), policy_arn=policy.arn)
    enable_mfa(user(account, "admin"))


def require_mfa_with_bool(account) -> None:
    require_mfa(account,
                {"Effect": "Deny", "NotAction": OWN_MFA, "Resource": "arn:aws:iam::*:*", "Condition": FALSE_MFA},
                deny("s3:DeleteObject", "arn:aws:s3:::receipts-bucket/*", Condition=FALSE_MFA))


def deny_all_of_iam_without_mfa(account) -> None:
    require_mfa(account, deny("iam:*", Condition=WITHOUT_MFA), NO_RECEIPT_DELETION)


def deny_everything_else_without_mfa(account) -> None:
    require_mfa(account, {"Effect": "Deny", "NotAction": OWN_MFA, "Resource": "*", "Condition": WITHOUT_MFA})


def require_mfa_on_one_user(account) -> None:
    admin = user(account, "admin")
    policy_services.put_user_policy(admin, name="RequireMFA", document=document(
        deny("iam:*", "arn:aws:iam::*:user/new-barista", Condition=WITHOUT_MFA), NO_RECEIPT_DELETION))
    enable_mfa(admin)


# ---------------------------------------------------------------------------
# 08 Delegated administration with permissions boundaries

USER_ADMIN = ["iam:CreateUser", "iam:AttachUserPolicy", "iam:DetachUserPolicy", "iam:PutUserPermissionsBoundary",
              "iam:PutUserPolicy", "iam:DeleteUserPolicy"]
READ_IAM = allow(["iam:Get*", "iam:List*"])
POLICY_CHANGES = ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicyVersion",
                  "iam:DeletePolicy"]


def delegated_administration(account, *statements: dict, cap_intern: bool = True) -> None:
    boundary = customer(account, "CoffeeShopBoundary")
    intern = user(account, "intern")
    if cap_intern:
        policy_services.put_user_permissions_boundary(intern, policy_arn=boundary)
    else:
        policy_services.detach_user_policy(intern, policy_arn=aws("AdministratorAccess"))
    with_boundary = {"StringEquals": {"iam:PermissionsBoundary": boundary}}
    statements = statements or (
        allow(USER_ADMIN, account.arn("user/*"), Condition=with_boundary),
        READ_IAM,
        deny("iam:DeleteUserPermissionsBoundary"),
        deny(POLICY_CHANGES, boundary),
    )
    policy = policy_services.create_policy(account, name="DelegatedUserAdmin", document=document(*statements))
    manager = user(account, "manager")
    policy_services.attach_user_policy(manager, policy_arn=policy.arn)
    policy_services.detach_user_policy(manager, policy_arn=aws("IAMFullAccess"))


def delegate_without_condition(account) -> None:
    delegated_administration(account, allow(USER_ADMIN, account.arn("user/*")), READ_IAM)


def delegate_all_of_iam_with_condition(account) -> None:
    boundary = customer(account, "CoffeeShopBoundary")
    delegated_administration(account, allow("iam:*", Condition={"StringEquals": {"iam:PermissionsBoundary": boundary}}),
                             READ_IAM)


def intern_loses_administrator_access(account) -> None:
    delegated_administration(account, cap_intern=False)


# ---------------------------------------------------------------------------
# 09 Find and close privilege-escalation paths


READ_OWN_POLICY = ("iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions")


def dev_self_service(account, *, version_actions=READ_OWN_POLICY, pass_role: dict | None = None) -> None:
    """DevSelfService's new default version (the console's Edit policy > Save changes)."""
    policy = ManagedPolicy.objects.for_account(account).get(name="DevSelfService")
    pass_web_server = allow("iam:PassRole", account.arn("role/WebServer"), Condition=passed_to("ec2.amazonaws.com"))
    statements = [
        {"Sid": "Compute", **allow("ec2:*")},
        {"Sid": "ReadOwnPolicy", **allow(list(version_actions), policy.arn)},
        {"Sid": "PassWebServerRole", **(pass_role or pass_web_server)},
        {"Sid": "ListForLaunch", **allow(["iam:ListRoles", "iam:ListInstanceProfiles"])},
    ]
    policy_services.create_policy_version(policy, document=document(*statements), set_as_default=True)


def own_credentials_without_attach(account) -> None:
    own = account.arn("user/${aws:username}")
    policy_services.put_group_policy(group(account, "Developers"), name="OwnCredentials", document=document(
        allow(["iam:GetUser", "iam:ChangePassword", "iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
               "iam:DeleteAccessKey", "iam:ListAttachedUserPolicies"], own)))


def close_escalation_paths(account) -> None:
    dev_self_service(account)
    own_credentials_without_attach(account)


def keep_create_policy_version(account) -> None:
    dev_self_service(account, version_actions=("iam:GetPolicyVersion", "iam:CreatePolicyVersion"))
    own_credentials_without_attach(account)


def delete_the_admin_role_instead(account) -> None:
    dev_self_service(account, pass_role=allow("iam:PassRole"))
    roles.delete_role(role(account, "OpsAdmin"), remove_dependents=True)
    own_credentials_without_attach(account)


def detach_dev_self_service(account) -> None:
    policy_services.detach_group_policy(group(account, "Developers"), policy_arn=customer(account, "DevSelfService"))
    own_credentials_without_attach(account)


# ---------------------------------------------------------------------------
# 10 Debug an AccessDenied caused by an explicit deny

RECEIPTS = ["arn:aws:s3:::receipts-bucket", "arn:aws:s3:::receipts-bucket/*"]


def narrow_the_deny(account, actions=("s3:DeleteObject", "s3:DeleteObjectVersion")) -> None:
    policy_services.put_group_policy(group(account, "AllStaff"), name="ProtectReceipts",
                                     document=document(deny(list(actions), RECEIPTS)))


def delete_the_deny(account) -> None:
    policy_services.delete_group_policy(group(account, "AllStaff"), name="ProtectReceipts")


def cashiers_out_of_all_staff(account) -> None:
    all_staff = group(account, "AllStaff")
    for name in ("li", "maria"):
        services.remove_user_from_group(all_staff, user(account, name))


def deny_only_delete_object(account) -> None:
    narrow_the_deny(account, actions=("s3:DeleteObject",))


# ---------------------------------------------------------------------------
# 11 A cashier becomes an inventory specialist


def change_jobs(account, *, leave_cashiers: bool = True, remove_shortcut: bool = True) -> None:
    li = user(account, "li")
    services.add_user_to_group(group(account, "Inventory-Specialists"), li)
    if leave_cashiers:
        services.remove_user_from_group(group(account, "Cashiers"), li)
    if remove_shortcut:
        policy_services.delete_user_policy(li, name="ReceiptsForTheEveningShift")


def join_without_leaving(account) -> None:
    change_jobs(account, leave_cashiers=False)


def groups_only(account) -> None:
    change_jobs(account, remove_shortcut=False)


# ---------------------------------------------------------------------------
# slug -> (intended solution, [(wrong solution, the task ids it must fail)])

Solution = Callable[..., None]
SOLUTIONS: dict[str, tuple[Solution, list[tuple[Solution, set[str]]]]] = {
    "secure-the-root-user": (secure_root, [(root_keys_only_deactivated, {"no-root-keys"})]),
    "first-administrator": (first_administrator, [
        (administrator_policy_on_the_user, {"admin-user", "sign-in-as-admin"})]),
    "groups-for-admins-and-developers": (admin_and_developer_groups, [
        (power_user_moved_to_the_group, {"developers-only-ec2"}),
        (administrator_access_left_on_admin, {"administrators-group"})]),
    "receipts-bucket-policy": (receipts_policy, [
        (receipts_policy_with_a_wildcard, {"nothing-else"}),
        (receipts_policy_left_beside_s3_read_only, {"nothing-else"})]),
    "coffee-shop-roles": (coffee_shop_roles, [
        (switch_to_any_role, {"permission-to-switch"}),
        (roles_with_both_policies, {"inventory-role"})]),
    "service-role-for-ec2": (menu_server_role, [
        (menu_role_trusting_the_account, {"menu-server-role"}),
        (menu_role_trusting_lambda, {"menu-server-role"}),
        (menu_role_trusting_ec2_and_lambda, {"menu-server-role"}),
        (pass_any_role, {"pass-the-role"})]),
    "require-mfa-for-sensitive-actions": (require_mfa, [
        (require_mfa_with_bool, {"deny-without-mfa"}),
        (deny_all_of_iam_without_mfa, {"room-to-enrol"}),
        (deny_everything_else_without_mfa, {"deny-without-mfa"}),
        (require_mfa_on_one_user, {"deny-without-mfa", "room-to-enrol"})]),
    "delegated-administration-with-boundaries": (delegated_administration, [
        (delegate_without_condition, {"delegate-user-creation", "protect-the-boundary"}),
        (delegate_all_of_iam_with_condition, {"protect-the-boundary"}),
        (intern_loses_administrator_access, {"cap-the-intern"})]),
    "close-a-privilege-escalation-path": (close_escalation_paths, [
        (keep_create_policy_version, {"policy-versions"}),
        (delete_the_admin_role_instead, {"pass-role"}),
        (detach_dev_self_service, {"policy-versions", "pass-role"})]),
    "debug-an-explicit-deny": (narrow_the_deny, [
        (delete_the_deny, {"keep-the-guardrail"}),
        (cashiers_out_of_all_staff, {"keep-the-guardrail"}),
        (deny_only_delete_object, {"keep-the-guardrail"})]),
    "a-cashier-becomes-an-inventory-specialist": (change_jobs, [
        (join_without_leaving, {"change-groups", "nothing-left-behind"}),
        (groups_only, {"nothing-left-behind"})]),
}

WRONG = [(lab, wrong, failing) for lab in LABS for wrong, failing in SOLUTIONS.get(lab.slug, (None, []))[1]]


def failing_tasks(account, lab) -> set[str]:
    result = checks.run_lab(account, lab)
    return {task.id for task in result.tasks if not task.passed}


def test_every_shipped_lab_has_a_solution_here():
    assert [lab.slug for lab in LABS] and {lab.slug for lab in LABS} == set(SOLUTIONS)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_lab_file_validates_and_its_checks_fail_on_the_starting_state(account, lab):
    assert load(lab.source) == lab
    setup.apply(account, lab)
    result = checks.run_lab(account, lab)
    assert result.score == 0
    assert [task.id for task in result.tasks if task.passed] == []
    assert len(lab.tasks) >= 2 and all(task.hints for task in lab.tasks)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.slug)
def test_the_intended_solution_passes_every_task(account, lab):
    setup.apply(account, lab)
    solve, _ = SOLUTIONS[lab.slug]
    solve(account)
    result = checks.run_lab(account, lab)
    failed = {task.id: [c.message for c in task.checks if not c.passed] for task in result.tasks if not task.passed}
    assert failed == {}
    assert result.score == lab.max_points


@pytest.mark.parametrize(("lab", "wrong", "failing"), WRONG,
                         ids=[f"{lab.slug}-{wrong.__name__}" for lab, wrong, _ in WRONG])
def test_a_wrong_solution_fails_the_tasks_it_gets_wrong(account, lab, wrong, failing):
    setup.apply(account, lab)
    wrong(account)
    assert failing_tasks(account, lab) == failing
