"""Every check of the vocabulary, passing and failing, against the live account."""

from __future__ import annotations

import pytest

from accounts import access_keys, roles, services
from accounts.models import Role
from labs import checks
from labs.format import load
from policies import services as policy_services
from tests.labs.helpers import allow, deny, document, enable_mfa

pytestmark = pytest.mark.django_db

EC2 = "arn:aws:iam::aws:policy/AmazonEC2FullAccess"


def run(account, check):
    return checks.run_check(account, check)


def assert_check(account, check, passed, message):
    result = run(account, check)
    assert (result.passed, result.message) == (passed, message)
    assert result.check == next(iter(check))


def trust(principal) -> str:
    return document({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"})


# ---------------------------------------------------------------------------
# Existence


def test_user_exists(account, alice):
    assert_check(account, {"user_exists": "alice"}, True, "The IAM user alice exists.")
    assert_check(account, {"user_exists": "dev"}, False, "No IAM user named dev exists yet.")


def test_user_exists_is_per_account(account, mallory):
    services.create_user(mallory.account, user_name="dev")
    assert not run(account, {"user_exists": "dev"}).passed


def test_group_exists(account):
    assert_check(account, {"group_exists": "Developers"}, False, "No group named Developers exists yet.")
    services.create_group(account, name="Developers")
    assert_check(account, {"group_exists": "developers"}, True, "The group developers exists.")


def test_role_exists(account):
    assert_check(account, {"role_exists": "Cashier"}, False, "No role named Cashier exists yet.")
    roles.create_role(account, name="Cashier", trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))
    assert run(account, {"role_exists": "Cashier"}).passed


def test_policy_exists_by_name_and_arn(account):
    assert_check(account, {"policy_exists": "ReceiptsListBucket"}, False,
                 "No policy named ReceiptsListBucket exists yet.")
    policy_services.create_policy(account, name="ReceiptsListBucket", document=document(allow("s3:ListBucket")))
    assert run(account, {"policy_exists": "ReceiptsListBucket"}).passed
    assert run(account, {"policy_exists": "arn:aws:iam::{account}:policy/ReceiptsListBucket"}).passed
    assert not run(account, {"policy_exists": "arn:aws:iam::999999999999:policy/ReceiptsListBucket"}).passed


def test_policy_exists_of_another_account_is_not_seen(account, mallory):
    policy_services.create_policy(mallory.account, name="Theirs", document=document(allow("s3:ListBucket")))
    assert not run(account, {"policy_exists": "Theirs"}).passed


# ---------------------------------------------------------------------------
# Membership and attachments


def test_user_in_group(account, alice):
    group = services.create_group(account, name="Developers")
    check = {"user_in_group": {"user": "alice", "group": "Developers"}}
    assert_check(account, check, False, "alice is not yet a member of a group named Developers.")
    services.add_user_to_group(group, alice)
    assert_check(account, check, True, "alice is a member of the group Developers.")


@pytest.mark.parametrize("kind", ["user", "group", "role"])
def test_policy_attached_to_each_kind_by_name_or_arn(account, alice, kind):
    owner = {"user": lambda: alice, "group": lambda: services.create_group(account, name="Developers"),
             "role": lambda: roles.create_role(account, name="Cashier",
                                               trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))}[kind]()
    name = alice.user_name if kind == "user" else owner.name
    by_name = {"policy_attached": {"policy": "AmazonEC2FullAccess", kind: name}}
    by_arn = {"policy_attached": {"policy": EC2, kind: name}}
    assert not run(account, by_name).passed and not run(account, by_arn).passed
    assert run(account, by_name).message == f"The policy AmazonEC2FullAccess is not attached to the {kind} {name} yet."
    policy_services.attach_policy(owner, policy_arn=EC2)
    assert run(account, by_name).passed and run(account, by_arn).passed


def test_policy_attached_customer_policy(account, alice):
    policy = policy_services.create_policy(account, name="DevTools", document=document(allow("ec2:Describe*")))
    check = {"policy_attached": {"policy": "arn:aws:iam::{account}:policy/DevTools", "user": "alice"}}
    assert not run(account, check).passed
    policy_services.attach_policy(alice, policy_arn=policy.arn)
    assert run(account, check).passed
    assert run(account, {"policy_attached": {"policy": "DevTools", "user": "alice"}}).passed
    # A managed policy of the same name is not that one.
    assert not run(account, {"policy_attached": {"policy": "arn:aws:iam::aws:policy/DevTools", "user": "alice"}}).passed


def test_a_name_means_the_aws_managed_policy_not_a_customer_policy_of_that_name(account, alice):
    # IAM lets a customer managed policy take an AWS managed policy's name (their ARNs differ).
    lookalike = policy_services.create_policy(account, name="AmazonEC2FullAccess",
                                              document=document(allow("ec2:DescribeInstances")))
    policy_services.attach_policy(alice, policy_arn=lookalike.arn)
    policy_services.put_permissions_boundary(alice, policy_arn=lookalike.arn)
    by_name = {"policy_attached": {"policy": "AmazonEC2FullAccess", "user": "alice"}}
    assert_check(account, by_name, False, "The policy AmazonEC2FullAccess is not attached to the user alice yet.")
    assert not run(account, {"boundary_set": {"user": "alice", "policy": "AmazonEC2FullAccess"}}).passed
    assert run(account, {"policy_attached": {"policy": lookalike.arn, "user": "alice"}}).passed  # its ARN names it
    policy_services.attach_policy(alice, policy_arn=EC2)
    assert run(account, by_name).passed


# ---------------------------------------------------------------------------
# Credentials and account settings


def test_mfa_enabled_root(account, root):
    assert_check(account, {"mfa_enabled": "root"}, False, "The root user has no MFA device yet.")
    enable_mfa(root)
    assert_check(account, {"mfa_enabled": "root"}, True, "The root user has an MFA device.")


def test_mfa_enabled_user(account, alice, bob):
    assert_check(account, {"mfa_enabled": {"user": "alice"}}, False, "alice has no MFA device yet.")
    assert_check(account, {"mfa_enabled": {"user": "carol"}}, False, "No IAM user named carol exists yet.")
    enable_mfa(bob)  # another user's device is not alice's
    assert not run(account, {"mfa_enabled": {"user": "alice"}}).passed
    enable_mfa(alice, name="alice-phone")
    assert run(account, {"mfa_enabled": {"user": "alice"}}).passed


def test_console_access(account, alice):
    dev = services.create_user(account, user_name="dev")
    assert_check(account, {"console_access": {"user": "dev"}}, False, "dev can't sign in to the console yet.")
    assert_check(account, {"console_access": {"user": "alice"}}, True, "alice can sign in to the console.")
    services.set_console_password(dev, "Another-Password-2026!", reset_required=True)
    assert run(account, {"console_access": {"user": "dev"}}).passed
    services.remove_console_access(dev)
    assert not run(account, {"console_access": {"user": "dev"}}).passed


def test_alias_set(account):
    assert_check(account, {"alias_set": True}, False, "The account has no alias yet.")
    services.set_account_alias(account, "coffee-shop")
    assert_check(account, {"alias_set": True}, True, "The account's alias is coffee-shop.")
    assert run(account, {"alias_set": "coffee-shop"}).passed
    assert_check(account, {"alias_set": "tea-shop"}, False,
                 "The account's alias is coffee-shop, not the one this task asks for.")


def test_root_access_keys_absent(account, root, alice):
    access_keys.create_access_key(alice)  # an IAM user's key is fine
    assert_check(account, {"root_access_keys_absent": True}, True, "The root user has no access keys.")
    key, _ = access_keys.create_access_key(root)
    access_keys.create_access_key(root)
    assert_check(account, {"root_access_keys_absent": True}, False, "The root user still has 2 access keys.")
    access_keys.update_access_key(key, status="Inactive")
    assert not run(account, {"root_access_keys_absent": True}).passed  # an inactive key is still a key


def test_boundary_set(account, alice):
    boundary = policy_services.create_policy(account, name="DevBoundary", document=document(allow("ec2:*")))
    check = {"boundary_set": {"user": "alice", "policy": "DevBoundary"}}
    assert_check(account, check, False, "The user alice has no permissions boundary yet.")
    policy_services.put_permissions_boundary(alice, policy_arn=EC2)
    assert_check(account, check, False, "The permissions boundary of the user alice is not DevBoundary.")
    assert run(account, {"boundary_set": {"user": "alice"}}).passed
    policy_services.put_permissions_boundary(alice, policy_arn=boundary.arn)
    assert_check(account, check, True, "DevBoundary is the permissions boundary of the user alice.")


def test_boundary_set_on_a_role(account):
    role = roles.create_role(account, name="Cashier", trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))
    check = {"boundary_set": {"role": "Cashier", "policy": EC2}}
    assert not run(account, check).passed
    policy_services.put_permissions_boundary(role, policy_arn=EC2)
    assert run(account, check).passed


# ---------------------------------------------------------------------------
# Decisions of the engine


def test_allowed_and_denied_follow_the_users_full_policy_set(account, alice):
    allowed = {"allowed": {"principal": "user/alice", "action": "ec2:RunInstances", "resource": "*"}}
    denied = {"denied": {"principal": "user/alice", "action": "ec2:RunInstances", "resource": "*"}}
    assert_check(account, allowed, False, "user/alice can't yet perform ec2:RunInstances on *.")
    assert_check(account, denied, True, "user/alice can't perform ec2:RunInstances on *.")
    group = services.create_group(account, name="Developers")
    services.add_user_to_group(group, alice)
    policy_services.attach_policy(group, policy_arn=EC2)  # through the group
    assert_check(account, allowed, True, "user/alice can perform ec2:RunInstances on *.")
    assert_check(account, denied, False, "user/alice can still perform ec2:RunInstances on *.")


def test_an_explicit_deny_in_a_group_inline_policy_wins(account, alice):
    policy_services.attach_policy(alice, policy_arn=EC2)
    group = services.create_group(account, name="NoTerminate")
    services.add_user_to_group(group, alice)
    policy_services.put_inline_policy(group, name="Deny", document=document(deny("ec2:TerminateInstances")))
    assert run(account, {"denied": {"principal": "user/alice", "action": "ec2:TerminateInstances"}}).passed
    assert run(account, {"allowed": {"principal": "user/alice", "action": "ec2:RunInstances"}}).passed


def test_a_boundary_caps_what_is_allowed(account, alice):
    policy_services.attach_policy(alice, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    boundary = policy_services.create_policy(account, name="OnlyEC2", document=document(allow("ec2:*")))
    policy_services.put_permissions_boundary(alice, policy_arn=boundary.arn)
    assert run(account, {"allowed": {"principal": "user/alice", "action": "ec2:RunInstances"}}).passed
    assert run(account, {"denied": {"principal": "user/alice", "action": "iam:CreateUser",
                                    "resource": "arn:aws:iam::{account}:user/x"}}).passed


def test_context_reaches_conditions_and_account_is_substituted(account, alice):
    policy_services.put_inline_policy(alice, name="ListWithMFA", document=document(
        allow("s3:ListBucket", f"arn:aws:s3:::receipts-{account.account_id}",
              Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})))
    base = {"principal": "user/alice", "action": "s3:ListBucket", "resource": "arn:aws:s3:::receipts-{account}"}
    assert run(account, {"denied": base}).passed  # a console session without MFA by default
    assert run(account, {"allowed": {**base, "context": {"aws:MultiFactorAuthPresent": True}}}).passed
    assert run(account, {"denied": {**base, "context": {"aws:MultiFactorAuthPresent": "false"}}}).passed


def test_allowed_for_a_role_and_for_root(account):
    role = roles.create_role(account, name="Cashier", trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))
    check = {"allowed": {"principal": "role/Cashier", "action": "s3:GetObject", "resource": "arn:aws:s3:::r/*"}}
    assert not run(account, check).passed
    policy_services.attach_policy(role, policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert run(account, check).passed
    assert run(account, {"allowed": {"principal": "root", "action": "iam:DeleteAccountAlias"}}).passed


def test_a_null_context_value_removes_the_key_as_a_long_term_access_key_does(account, alice):
    policy_services.attach_policy(alice, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    policy_services.put_inline_policy(alice, name="MFA", document=document(
        deny("iam:CreateUser", Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}),
        deny("iam:DeleteUser", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})))
    without_mfa_information = {"aws:MultiFactorAuthPresent": None}
    create = {"principal": "user/alice", "action": "iam:CreateUser", "context": without_mfa_information}
    delete = {"principal": "user/alice", "action": "iam:DeleteUser", "context": without_mfa_information}
    assert_check(account, {"denied": create}, True,
                 "user/alice can't perform iam:CreateUser on * in a request without aws:MultiFactorAuthPresent.")
    assert_check(account, {"denied": delete}, False,  # Bool is false when the key is absent: no deny
                 "user/alice can still perform iam:DeleteUser on * in a request without aws:MultiFactorAuthPresent.")
    assert run(account, {"denied": {**delete, "context": {}}}).passed  # a console session without MFA
    # Condition keys compare case-insensitively: a key given in another case replaces or removes it.
    assert run(account, {"allowed": {**create, "context": {"AWS:multifactorauthpresent": "true"}}}).passed
    assert run(account, {"allowed": {**delete, "context": {"aws:multifactorauthpresent": None}}}).passed


def test_a_missing_principal_fails_both(account):
    for name in ("allowed", "denied"):
        assert_check(account, {name: {"principal": "user/ghost", "action": "s3:ListBucket"}}, False,
                     "No IAM user named ghost exists yet.")
        assert_check(account, {name: {"principal": "role/Ghost", "action": "s3:ListBucket"}}, False,
                     "No role named Ghost exists yet.")


def test_can_assume_needs_the_trust_policy_and_the_principals_policies(account, alice):
    check = {"can_assume": {"principal": "user/alice", "role": "Cashier"}}
    assert_check(account, check, False, "No role named Cashier exists yet.")
    role = roles.create_role(account, name="Cashier", trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))
    # The trust policy trusts the account: alice's own policies must also allow it.
    assert_check(account, check, False, "user/alice can't switch to the role Cashier yet.")
    policy_services.put_inline_policy(alice, name="Switch", document=document(allow("sts:AssumeRole", role.arn)))
    assert_check(account, check, True, "user/alice can switch to the role Cashier.")
    # A trust policy that names someone else lets nobody else in, whatever alice's policies say.
    roles.update_trust_policy(role, trust(f"arn:aws:iam::{account.account_id}:user/bob"))
    assert not run(account, check).passed


def test_can_assume_from_a_role(account):
    arn = f"arn:aws:iam::{account.account_id}"
    cashier = roles.create_role(account, name="Cashier", trust_policy=trust(f"{arn}:root"))
    roles.create_role(account, name="Inventory", trust_policy=trust(f"{arn}:role/Cashier"))
    check = {"can_assume": {"principal": "role/Cashier", "role": "Inventory"}}
    result = run(account, check)
    assert result.passed, result.message  # the trust policy names the role itself
    roles.update_trust_policy(cashier, trust(f"{arn}:root"))
    assert not run(account, {"can_assume": {"principal": "role/Inventory", "role": "Cashier"}}).passed


def test_can_assume_by_a_service_is_the_trust_policys_decision(account, alice):
    ec2 = {"can_assume": {"principal": "service/ec2.amazonaws.com", "role": "MenuServerRole"}}
    assert_check(account, ec2, False, "No role named MenuServerRole exists yet.")
    role = roles.create_role(account, name="MenuServerRole",
                             trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    assert_check(account, ec2, True, "service/ec2.amazonaws.com can assume the role MenuServerRole.")
    lambda_ = {"can_assume": {"principal": "service/lambda.amazonaws.com", "role": "menuserverrole"}}
    assert_check(account, lambda_, False, "service/lambda.amazonaws.com can't assume the role MenuServerRole yet.")
    # Trusting the account lets its IAM principals in (with their own permission), not a service.
    roles.update_trust_policy(role, trust(f"arn:aws:iam::{account.account_id}:root"))
    assert not run(account, ec2).passed
    # A service has no MFA: a trust statement that needs MFA never lets it in, one that only
    # denies without MFA-if-present does not stop it.
    roles.update_trust_policy(role, document(
        {"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
         "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}))
    assert run(account, ec2).passed and not run(account, lambda_).passed


# ---------------------------------------------------------------------------
# not / all / any


def test_not(account, alice):
    assert_check(account, {"not": {"user_exists": "intern"}}, True, "No IAM user named intern exists yet.")
    assert_check(account, {"not": {"user_exists": "alice"}}, False, "The IAM user alice exists.")


def test_all(account, alice):
    check = {"all": [{"user_exists": "alice"}, {"alias_set": True}]}
    assert_check(account, check, False, "The account has no alias yet.")
    services.set_account_alias(account, "coffee-shop")
    assert run(account, check).passed


def test_any(account, alice):
    assert_check(account, {"any": [{"user_exists": "dev"}, {"user_exists": "alice"}]}, True,
                 "The IAM user alice exists.")
    assert_check(account, {"any": [{"user_exists": "dev"}, {"user_exists": "developer"}]}, False,
                 "None of these holds yet: No IAM user named dev exists yet. No IAM user named developer exists yet.")


# ---------------------------------------------------------------------------
# Tasks, labs and the query bound


LAB = """
slug: sample
title: Sample
summary: A lab of ten tasks with every kind of check.
minutes: 5
tasks:
""" + "".join(f"""
  - id: task-{n}
    title: Task {n}
    instructions: Do it.
    points: {n}
    checks:
      - user_exists: alice
      - group_exists: Developers
      - role_exists: Cashier
      - policy_exists: DevTools
      - user_in_group: {{user: alice, group: Developers}}
      - policy_attached: {{policy: AmazonEC2FullAccess, group: Developers}}
      - mfa_enabled: root
      - mfa_enabled: {{user: alice}}
      - console_access: {{user: alice}}
      - alias_set: true
      - root_access_keys_absent: true
      - boundary_set: {{user: alice}}
      - allowed: {{principal: user/alice, action: ec2:RunInstances, resource: "*"}}
      - denied: {{principal: role/Cashier, action: s3:ListBucket, resource: "arn:aws:s3:::{{account}}"}}
      - allowed: {{principal: root, action: s3:ListBucket}}
      - can_assume: {{principal: user/alice, role: Cashier}}
      - not: {{user_exists: intern}}
      - any: [{{user_exists: dev}}, {{user_exists: alice}}]
      - all: [{{mfa_enabled: root}}, {{alias_set: true}}]
""" for n in range(1, 11))


def test_run_lab_scores_and_as_json(account, alice):
    lab = load(LAB)
    result = checks.run_lab(account, lab)
    assert (result.lab, result.account, result.score, result.max) == ("sample", account.account_id, 0, 55)
    data = result.as_json()
    assert set(data) == {"lab", "account", "score", "max", "tasks"}
    assert set(data["tasks"][0]) == {"id", "passed", "points", "checks"}
    assert set(data["tasks"][0]["checks"][0]) == {"check", "passed", "message"}
    assert data["tasks"][0]["checks"][0] == {"check": "user_exists", "passed": True,
                                             "message": "The IAM user alice exists."}
    task = lab.task("task-3")
    one = checks.run_task(account, task)
    assert (one.id, one.passed, one.points) == ("task-3", False, 0)


def test_a_passing_task_earns_its_points(account, alice):
    task = load(LAB).task("task-7")
    passing = type(task)(id=task.id, title=task.title, instructions=task.instructions, hints=[], points=7,
                         checks=[{"user_exists": "alice"}, {"console_access": {"user": "alice"}}])
    result = checks.run_task(account, passing)
    assert (result.passed, result.points) == (True, 7)


def test_a_lab_of_ten_tasks_costs_a_bounded_number_of_queries(account, alice, django_assert_max_num_queries):
    group = services.create_group(account, name="Developers")
    services.add_user_to_group(group, alice)
    roles.create_role(account, name="Cashier", trust_policy=trust(f"arn:aws:iam::{account.account_id}:root"))
    lab = load(LAB)
    # 10 tasks of 19 checks (23 with the nested ones): 217 queries today, at most 1-2 per
    # check; the principals' policy sets are loaded once per lab, not once per check.
    with django_assert_max_num_queries(250):
        checks.run_lab(account, lab)


# ---------------------------------------------------------------------------
# Service control policies


def test_allowed_denied_and_can_assume_follow_the_scps_of_a_member_account(account):
    from organizations import services as organizations

    org = organizations.create_organization(account)
    member, _ = organizations.create_account(org, name="Trainee 1", email="trainee1@school.example")
    trainee = member.account
    dev = services.create_user(trainee, user_name="dev")
    policy_services.attach_policy(dev, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    roles.create_role(trainee, name="Cashier", trust_policy=trust(f"arn:aws:iam::{trainee.account_id}:user/dev"))
    checks_before = [
        {"allowed": {"principal": "user/dev", "action": "ec2:RunInstances"}},
        {"allowed": {"principal": "root", "action": "ec2:RunInstances"}},
        {"can_assume": {"principal": "user/dev", "role": "Cashier"}},
    ]
    assert all(run(trainee, c).passed for c in checks_before)
    scp = organizations.create_policy(org, name="NoEC2NoSTS", description="", document=document(
        deny(["ec2:*", "sts:AssumeRole"])))
    organizations.attach_policy(scp, trainee.account_id)
    assert_check(trainee, checks_before[0], False, "user/dev can't yet perform ec2:RunInstances on *.")
    assert_check(trainee, checks_before[1], False, "root can't yet perform ec2:RunInstances on *.")
    assert_check(trainee, checks_before[2], False, "user/dev can't switch to the role Cashier yet.")
    assert run(trainee, {"allowed": {"principal": "user/dev", "action": "s3:ListBucket"}}).passed
    # The management account is never constrained by SCPs.
    assert run(account, {"allowed": {"principal": "root", "action": "ec2:RunInstances"}}).passed
    # Nor is a service: EC2 still assumes a role that trusts it.
    roles.create_role(trainee, name="MenuServerRole", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    assert run(trainee, {"can_assume": {"principal": "service/ec2.amazonaws.com", "role": "MenuServerRole"}}).passed


def member_account(account, name="Trainee 1"):
    from organizations import services as organizations

    org = organizations.create_organization(account)
    member, _ = organizations.create_account(org, name=name, email="trainee1@school.example")
    return org, member.account


def test_can_assume_evaluates_the_scps_with_the_principals_own_context(account):
    from organizations import services as organizations

    org, trainee = member_account(account)
    dev = services.create_user(trainee, user_name="dev")
    ops = services.create_user(trainee, user_name="ops")
    for user in (dev, ops):
        policy_services.attach_policy(user, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess")
    roles.create_role(trainee, name="Cashier", trust_policy=trust(f"arn:aws:iam::{trainee.account_id}:root"))
    scp = organizations.create_policy(org, name="OnlyDevSwitches", description="", document=document(
        deny("sts:AssumeRole", Condition={"StringNotEquals": {"aws:PrincipalArn": dev.arn}})))
    organizations.attach_policy(scp, trainee.account_id)
    assert_check(trainee, {"can_assume": {"principal": "user/dev", "role": "Cashier"}}, True,
                 "user/dev can switch to the role Cashier.")
    assert not run(trainee, {"can_assume": {"principal": "user/ops", "role": "Cashier"}}).passed


def test_the_password_policy_grant_counts_within_the_scps_of_a_member_account(account):
    from accounts.password_policy import update_account_password_policy
    from organizations import services as organizations

    org, trainee = member_account(account)
    services.create_user(trainee, user_name="dev")
    update_account_password_policy(trainee, AllowUsersToChangePassword=True)
    check = {"allowed": {"principal": "user/dev", "action": "iam:ChangePassword",
                         "resource": "arn:aws:iam::{account}:user/dev"}}
    assert_check(trainee, check, True, "user/dev can perform iam:ChangePassword on "
                                       f"arn:aws:iam::{trainee.account_id}:user/dev.")
    scp = organizations.create_policy(org, name="NoPasswordChanges", description="",
                                      document=document(deny("iam:ChangePassword")))
    organizations.attach_policy(scp, trainee.account_id)
    assert not run(trainee, check).passed


def test_a_service_linked_role_is_not_limited_by_scps(account):
    from organizations import services as organizations

    org, trainee = member_account(account)
    linked = roles.create_role(trainee, name="AWSServiceRoleForEC2Spot", policy_arns=[EC2], instance_profile=False,
                               trust_policy=roles.service_trust_policy("spot.amazonaws.com"))
    Role.objects.filter(pk=linked.pk).update(service_linked=True)  # with its service's policy, as AWS makes it
    roles.create_role(trainee, name="Ordinary", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"),
                      policy_arns=[EC2])
    scp = organizations.create_policy(org, name="NoEC2", description="", document=document(deny("ec2:*")))
    organizations.attach_policy(scp, trainee.account_id)
    linked_check = {"allowed": {"principal": "role/AWSServiceRoleForEC2Spot", "action": "ec2:RunInstances"}}
    assert run(trainee, linked_check).passed
    assert run(trainee, {"denied": {"principal": "role/Ordinary", "action": "ec2:RunInstances"}}).passed


def test_allowed_counts_what_the_password_policy_grants(account, alice):
    from accounts.password_policy import update_account_password_policy

    check = {"allowed": {"principal": "user/alice", "action": "iam:ChangePassword",
                         "resource": "arn:aws:iam::{account}:user/alice"}}
    update_account_password_policy(account, AllowUsersToChangePassword=False)
    assert not run(account, check).passed
    update_account_password_policy(account, AllowUsersToChangePassword=True)
    assert run(account, check).passed
    assert not run(account, {"allowed": {**check["allowed"], "resource": "arn:aws:iam::{account}:user/bob"}}).passed
