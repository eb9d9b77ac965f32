"""Service-linked roles in the console and the services: the role page shows AWS's
"Service-linked role" badge and offers no Delete or Edit trust policy; the services refuse
DeleteRole, UpdateAssumeRolePolicy and a session-duration change in AWS's words, whoever asks;
deletion task ids are the caller's account's only. Also the console's EC2 role: adding the role
to its instance profile needs iam:PassRole, as AWS requires."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from accounts import instance_profiles, roles, service_linked_roles
from accounts.models import InstanceProfile, Role
from iamportal.errors import EntityAlreadyExists, InvalidInput, NoSuchEntity, UnmodifiableEntity
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db

PROTECTED = ("Cannot perform the operation on the protected role 'AWSServiceRoleForElasticBeanstalk' - "
             "this role is only modifiable by AWS")


@pytest.fixture
def beanstalk(account):
    return service_linked_roles.create_service_linked_role(account, service="elasticbeanstalk.amazonaws.com")


def test_the_role_page_shows_the_badge_and_no_delete_or_trust_edit(root_client, account, beanstalk):
    page = root_client.get("/iam/roles/AWSServiceRoleForElasticBeanstalk/").content.decode()
    assert 'data-testid="service-linked">Service-linked role</span>' in page
    assert "/iam/roles/AWSServiceRoleForElasticBeanstalk/delete/" not in page
    trust = root_client.get("/iam/roles/AWSServiceRoleForElasticBeanstalk/?tab=trust").content.decode()
    assert "elasticbeanstalk.amazonaws.com" in trust and "Edit trust policy" not in trust
    roles.create_role(account, name="Plain", trust_policy=roles.account_trust_policy(account.account_id))
    plain = root_client.get("/iam/roles/Plain/").content.decode()
    assert "Service-linked role" not in plain and "/iam/roles/Plain/delete/" in plain
    listed = root_client.get("/iam/roles/").content.decode()
    assert "AWS Service: elasticbeanstalk (Service-Linked Role)" in listed and listed.count("Service-Linked Role") == 1


def test_the_console_cannot_delete_or_retrust_it_even_as_root(root_client, beanstalk):
    response = csrf_post(root_client, "/iam/roles/AWSServiceRoleForElasticBeanstalk/delete/",
                         {"confirmation": "AWSServiceRoleForElasticBeanstalk"})
    assert response.status_code == 200 and escape(PROTECTED) in response.content.decode()
    response = csrf_post(root_client, "/iam/roles/AWSServiceRoleForElasticBeanstalk/trust/edit/",
                         {"policy": roles.service_trust_policy("ec2.amazonaws.com")})
    assert response.status_code == 200 and escape(PROTECTED) in response.content.decode()
    bulk = csrf_post(root_client, "/iam/roles/delete/selected/",
                     {"roles": ["AWSServiceRoleForElasticBeanstalk"], "confirmation": "delete"})
    assert escape(PROTECTED) in bulk.content.decode()
    role = Role.objects.get(name="AWSServiceRoleForElasticBeanstalk")
    assert role.trust_policy == service_linked_roles.trust_policy("elasticbeanstalk.amazonaws.com")


def test_the_services_protect_it_and_allow_its_description(beanstalk):
    assert beanstalk.path == "/aws-service-role/elasticbeanstalk.amazonaws.com/"
    assert beanstalk.arn.endswith(":role/aws-service-role/elasticbeanstalk.amazonaws.com/"
                                  "AWSServiceRoleForElasticBeanstalk")
    for change in (lambda: roles.delete_role(beanstalk, remove_dependents=True),
                   lambda: roles.update_trust_policy(beanstalk, roles.service_trust_policy("ec2.amazonaws.com")),
                   lambda: roles.update_role(beanstalk, max_session_duration=7200)):
        with pytest.raises(UnmodifiableEntity) as refused:
            change()
        assert str(refused.value) == PROTECTED
    roles.update_role(beanstalk, description="Beanstalk's", max_session_duration=3600)
    assert Role.objects.get(pk=beanstalk.pk).description == "Beanstalk's"


def test_names_suffixes_and_unknown_services(account, beanstalk):
    with pytest.raises(InvalidInput) as taken:
        service_linked_roles.create_service_linked_role(account, service="elasticbeanstalk.amazonaws.com")
    assert str(taken.value) == ("Service role name AWSServiceRoleForElasticBeanstalk has been taken in this account, "
                                "please try a different suffix.")
    with pytest.raises(InvalidInput) as no_suffix:
        service_linked_roles.create_service_linked_role(account, service="elasticbeanstalk.amazonaws.com",
                                                        suffix="debug")
    assert str(no_suffix.value) == "Custom suffix is not allowed for elasticbeanstalk.amazonaws.com"
    scaled = service_linked_roles.create_service_linked_role(account, service="autoscaling.amazonaws.com",
                                                             suffix="debug")
    assert scaled.name == "AWSServiceRoleForAutoScaling_debug" and scaled.service_linked
    with pytest.raises(InvalidInput):
        service_linked_roles.create_service_linked_role(account, service="nothing.amazonaws.com")
    with pytest.raises(InvalidInput) as reserved:
        roles.create_role(account, name="Impostor", path="/aws-service-role/ecs.amazonaws.com/",
                          trust_policy=service_linked_roles.trust_policy("ecs.amazonaws.com"))
    assert str(reserved.value) == "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles"


def test_deletion_tasks_belong_to_their_account(account, mallory, beanstalk):
    task = service_linked_roles.delete_service_linked_role(beanstalk)
    assert task.startswith("task/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk/")
    assert not Role.objects.filter(pk=beanstalk.pk).exists()
    assert service_linked_roles.deletion_status(account, task) == "SUCCEEDED"
    for other, value in ((mallory.account, task), (account, task[:-1] + ("0" if task[-1] != "0" else "1"))):
        with pytest.raises(NoSuchEntity):
            service_linked_roles.deletion_status(other, value)
    plain = roles.create_role(account, name="Plain", trust_policy=roles.account_trust_policy(account.account_id))
    with pytest.raises(NoSuchEntity):
        service_linked_roles.delete_service_linked_role(plain)
    assert Role.objects.filter(pk=plain.pk).exists()


def test_the_console_ec2_role_needs_pass_role_for_its_instance_profile(alice_client, alice, account):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"})
    alice_client.get("/iam/roles/create/")
    for name, data in (("trusted_entity", {"entity_type": "aws_service", "use_case": "ec2"}), ("permissions", {}),
                       ("details", {"name": "WebServer"})):
        response = csrf_post(alice_client, "/iam/roles/create/", {"role_create_wizard-current_step": name,
                                                                  **{f"{name}-{k}": v for k, v in data.items()}})
    assert response.status_code == 403
    assert (f"is not authorized to perform: iam:PassRole on resource: arn:aws:iam::{account.account_id}:"
            "role/WebServer with an explicit deny" in response.content.decode())
    assert not Role.objects.exists() and not InstanceProfile.objects.exists()


def test_instance_profile_services(account):
    role = roles.create_role(account, name="Web", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"),
                             instance_profile=False)
    assert not InstanceProfile.objects.exists()
    profile = instance_profiles.create_instance_profile(account, name="web-profile", tags=[("team", "web")])
    with pytest.raises(EntityAlreadyExists) as taken:
        instance_profiles.create_instance_profile(account, name="WEB-profile")
    assert str(taken.value) == "Instance Profile WEB-profile already exists."
    instance_profiles.add_role(profile, role)
    with pytest.raises(Exception) as full:
        instance_profiles.add_role(profile, role)
    assert str(full.value) == "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    with pytest.raises(Exception) as conflict:
        instance_profiles.delete_instance_profile(profile)
    assert str(conflict.value) == "Cannot delete entity, must remove roles from instance profile first."
    instance_profiles.remove_role(profile, role)
    instance_profiles.delete_instance_profile(profile)
    with pytest.raises(NoSuchEntity) as missing:
        instance_profiles.get_instance_profile(account, "web-profile")
    assert str(missing.value) == "Instance Profile web-profile cannot be found."


def test_deleting_a_role_through_the_console_plan_names_the_profiles_tags(account):
    # the console's EC2 role, with its companion instance profile
    role = roles.create_role(account, name="WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    profile = InstanceProfile.objects.get(role=role)
    InstanceProfile.objects.filter(pk=profile.pk).update(tags=[{"Key": "team", "Value": "web"}])
    calls = roles.delete_role_plan(roles.get_role(account, "WebServer")).calls
    assert ("iam:RemoveRoleFromInstanceProfile", profile.arn, {"aws:ResourceTag/team": "web"}) in calls
