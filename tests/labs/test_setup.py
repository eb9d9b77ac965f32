"""labs.setup: apply builds the starting state through the services, in one transaction;
wipe removes every IAM entity but the root user and OrganizationAccountAccessRole."""

from __future__ import annotations

import pytest
import yaml

from accounts import instance_profiles, mfa, roles, services
from accounts.models import AccessKey, Group, InstanceProfile, Role, User, VirtualMFADevice
from labs import setup
from labs.format import LabError, load
from policies import services as policy_services
from policies.models import InlinePolicy, ManagedPolicy, PermissionsBoundary, PolicyAttachment
from tests.labs.helpers import allow, document, enable_mfa
from tests.labs.test_format import BASE

pytestmark = pytest.mark.django_db


def lab(**setup_shape):
    data = {**BASE, "setup": setup_shape} if setup_shape else BASE
    return load(yaml.safe_dump(data))


def test_apply_builds_the_whole_setup_shape(account, root):
    passwords = setup.apply(account, lab())
    account.refresh_from_db()
    acct = account.account_id
    assert account.alias == f"shop-{acct}"
    assert AccessKey.objects.filter(user=root).count() == 1
    boundary = ManagedPolicy.objects.get(account=account, name="DevBoundary")
    assert boundary.description == "Cap"
    group = Group.objects.get(account=account, name="Developers")
    assert [a.policy.name for a in PolicyAttachment.objects.filter(group=group)] == ["AmazonEC2FullAccess"]
    assert InlinePolicy.objects.filter(group=group, name="Extra").exists()
    dev = services.get_user(account, "dev")
    assert list(passwords) == ["dev"] and dev.check_password(passwords["dev"]) and dev.password_reset_required
    assert list(dev.iam_groups.all()) == [group]
    assert dev.tag_list == [{"Key": "team", "Value": "dev"}]
    assert PolicyAttachment.objects.get(user=dev).policy == boundary
    assert PermissionsBoundary.objects.get(user=dev).policy == boundary
    assert AccessKey.objects.filter(user=dev).count() == 1
    cashier = roles.get_role(account, "Cashier")
    assert f"arn:aws:iam::{acct}:root" in cashier.trust_policy and cashier.description == "Till"
    assert PermissionsBoundary.objects.get(role=cashier).policy == boundary


def test_a_literal_password_follows_the_password_policy(account):
    ok = lab(users=[{"name": "dev", "password": "Literal-Password-2026!"}])
    setup.apply(account, ok)
    assert services.get_user(account, "dev").check_password("Literal-Password-2026!")


def test_a_refused_setup_names_the_entry_and_leaves_nothing_behind(account, mallory):
    services.set_account_alias(mallory.account, "taken-alias")
    broken = lab(policies=[{"name": "P", "document": document(allow("s3:ListBucket"))}],
                 users=[{"name": "dev"}], alias="taken-alias")
    with pytest.raises(LabError) as caught:
        setup.apply(account, broken)
    assert caught.value.field == "setup.alias"
    assert "cannot be applied: The account alias taken-alias already exists." in str(caught.value)
    later = lab(policies=[{"name": "P", "document": document(allow("s3:ListBucket"))}],
                users=[{"name": "dev", "password": "short"}])
    with pytest.raises(LabError) as caught:
        setup.apply(account, later)
    assert caught.value.field == "setup.users[0]"
    assert not ManagedPolicy.objects.filter(account=account).exists()  # the policy went with it
    assert not User.objects.for_account(account).exists()


def test_wipe_removes_every_iam_entity_but_root_and_the_organization_role(account, root, alice, mallory):
    setup.apply(account, lab())
    enable_mfa(root)
    enable_mfa(alice, name="alice-phone")
    trust = document({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                      "Action": "sts:AssumeRole"})
    keep = roles.create_role(account, name="OrganizationAccountAccessRole", trust_policy=trust,
                             policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"])
    ec2 = document({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    roles.create_role(account, name="WebServer", trust_policy=ec2)  # with its instance profile
    instance_profiles.create_instance_profile(account, name="Spare")
    mfa.create_virtual_mfa_device(account, name="unassigned")
    policy_services.create_policy_version(ManagedPolicy.objects.get(account=account, name="DevBoundary"),
                                          document=document(allow("ec2:Describe*")), set_as_default=True)
    other = services.create_user(mallory.account, user_name="dev")

    setup.wipe(account)

    account.refresh_from_db()
    assert account.alias is None
    assert list(User.objects.filter(account=account)) == [root]
    assert root.check_password("Coffee-Shop-Owner-2026!") and mfa.has_device(root)
    assert not AccessKey.objects.filter(user__account=account).exists()
    assert not Group.objects.filter(account=account).exists()
    assert list(Role.objects.for_account(account)) == [keep]
    assert PolicyAttachment.objects.filter(role=keep).count() == 1
    assert not ManagedPolicy.objects.filter(account=account).exists()
    assert not InstanceProfile.objects.filter(account=account).exists()
    assert list(VirtualMFADevice.objects.filter(user__account=account)) == list(mfa.assigned_devices(root))
    assert User.objects.filter(pk=other.pk).exists()  # another account's user is untouched


def test_apply_after_wipe_builds_the_same_state_again(account):
    setup.apply(account, lab())
    setup.wipe(account)
    setup.apply(account, lab())
    assert services.get_user(account, "dev") and roles.get_role(account, "Cashier")
