"""Every page of the policies app asks the engine: a user with no policies is denied each
one (GET and POST) in AWS's words, so a new view cannot forget its check."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from accounts import roles
from accounts import services as accounts_services
from policies import services, urls
from policies.checks import SELF_SERVICE_VIEWS
from tests.conftest import csrf_post

from .helpers import doc

pytestmark = pytest.mark.django_db


def kwargs_for(pattern: URLPattern, account) -> dict:
    values = {
        "owner": account.account_id,
        "name": "ReceiptsReadOnly",
        "version_id": "v1",
        "entity_name": "bob",
        "policy_name": "Inline",
        "role_name": "Deployer",
    }
    if pattern.name.startswith("policy_group_"):
        values["entity_name"] = "Cashiers"
    return {key: values[key] for key in pattern.pattern.converters}


@pytest.fixture
def world(account, bob):
    policy = services.create_policy(account, name="ReceiptsReadOnly", document=doc())
    group = accounts_services.create_group(account, name="Cashiers")
    services.put_user_policy(bob, name="Inline", document=doc())
    services.put_group_policy(group, name="Inline", document=doc())
    services.attach_user_policy(bob, policy_arn=policy.arn)
    role = roles.create_role(account, name="Deployer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    services.put_inline_policy(role, name="Inline", document=doc())
    return policy


# Self-service views (policies.checks.SELF_SERVICE_VIEWS: the visual editor's service data,
# AWS's public reference) open for every signed-in principal; test_service_data covers them.
PATTERNS = [p for p in urls.urlpatterns if isinstance(p, URLPattern) and p.name not in SELF_SERVICE_VIEWS]


# Pages root does not open here: POST only, or a confirmation of what the world has not
# (the entity to detach named in the query; a permissions boundary to remove; a version
# other than the default, which its Delete refuses).
POST_ONLY = {
    "policy_validate",
    "policy_entity_detach",
    "policy_version_set_default",
    "policy_version_delete",
    "policy_user_boundary_delete",
}
# The query string that names the object of a confirmation page.
QUERY = {"policy_entity_detach": "?entity_type=user&entity_name=bob",
         "policy_bulk_delete": "?policies=arn:aws:iam::{account_id}:policy/ReceiptsReadOnly"}


def query(pattern: URLPattern, account) -> str:
    return QUERY.get(pattern.name, "").format(account_id=account.account_id)


def test_user_with_no_policies_is_denied_every_page(alice_client, alice, account, world):
    """One test over every URL pattern (one sign-in, one set of fixtures: fast)."""
    checked = []
    for pattern in PATTERNS:
        url = reverse(f"policies:{pattern.name}", kwargs=kwargs_for(pattern, account))
        for response in (
            alice_client.get(url + query(pattern, account)),
            csrf_post(alice_client, url, {"entity_type": "user", "entity_name": "bob"}),
        ):
            if response.status_code == 405:
                continue  # POST-only or GET-only
            assert response.status_code == 403, (url, response.status_code)
            assert f"User: {alice.arn} is not authorized to perform: " in response.content.decode()
            checked.append(pattern.name)
    assert set(checked) == {p.name for p in PATTERNS}


def test_root_may_open_every_page(root_client, account, world):
    for pattern in PATTERNS:
        if pattern.name not in POST_ONLY:
            url = reverse(f"policies:{pattern.name}", kwargs=kwargs_for(pattern, account))
            assert root_client.get(url + query(pattern, account)).status_code == 200, url
