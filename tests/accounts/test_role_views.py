"""Role pages: list (search, sort, pages, bounded queries), detail tabs, the summary,
trust policy and tag editors, delete; who may open them (anonymous, bob, mallory)."""

from __future__ import annotations

import json

import pytest

from accounts import roles
from accounts.models import InstanceProfile, Role
from tests.conftest import csrf_post, grant

pytestmark = pytest.mark.django_db


def make(account, name="Cashier", **kwargs):
    kwargs.setdefault("trust_policy", roles.account_trust_policy(account.account_id))
    return roles.create_role(account, name=name, **kwargs)


@pytest.fixture
def iam_admin(alice):
    grant(alice, {"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    return alice


@pytest.fixture
def reader(bob):
    grant(bob, {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"})
    return bob


# ---------------------------------------------------------------------------
# Access


def test_anonymous_visitors_are_sent_to_sign_in(client, account):
    make(account)
    response = client.get("/iam/roles/")
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


def test_bob_without_permissions_gets_awss_access_denied(bob_client, account):
    make(account)
    response = bob_client.get("/iam/roles/")
    assert response.status_code == 403
    assert (f"User: arn:aws:iam::{account.account_id}:user/bob is not authorized to perform: iam:ListRoles"
            in response.content.decode())


def test_a_reader_may_look_but_not_change(bob_client, reader, account):
    make(account)
    assert bob_client.get("/iam/roles/").status_code == 200
    assert bob_client.get("/iam/roles/Cashier/").status_code == 200
    assert bob_client.get("/iam/roles/Cashier/edit/").status_code == 403
    response = csrf_post(bob_client, "/iam/roles/Cashier/trust/edit/",
                         {"policy": roles.service_trust_policy("ec2.amazonaws.com")})
    assert response.status_code == 403 and "iam:UpdateAssumeRolePolicy" in response.content.decode()
    assert csrf_post(bob_client, "/iam/roles/Cashier/delete/", {"confirmation": "Cashier"}).status_code == 403
    assert Role.objects.filter(name="Cashier").exists()


def test_another_accounts_role_is_404(mallory_client, account):
    make(account)
    for url in ["/iam/roles/Cashier/", "/iam/roles/Cashier/edit/", "/iam/roles/Cashier/trust/edit/",
                "/iam/roles/Cashier/tags/edit/", "/iam/roles/Cashier/delete/"]:
        assert mallory_client.get(url).status_code == 404, url
    assert csrf_post(mallory_client, "/iam/roles/Cashier/delete/", {"confirmation": "Cashier"}).status_code == 404
    assert "Cashier" not in mallory_client.get("/iam/roles/").content.decode()


def test_explicit_deny_beats_allow(alice_client, iam_admin, account):
    make(account)
    grant(iam_admin, {"Effect": "Deny", "Action": "iam:DeleteRole", "Resource": "*"})
    assert csrf_post(alice_client, "/iam/roles/Cashier/delete/", {"confirmation": "Cashier"}).status_code == 403
    assert Role.objects.filter(name="Cashier").exists()


def test_posts_need_csrf(alice_client, iam_admin, account):
    make(account)
    assert alice_client.post("/iam/roles/Cashier/delete/", {"confirmation": "Cashier"}).status_code == 403
    assert Role.objects.filter(name="Cashier").exists()


# ---------------------------------------------------------------------------
# List


def test_list_shows_name_trusted_entities_and_activity(root_client, account):
    make(account, "Cashier")
    make(account, "WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    page = root_client.get("/iam/roles/").content.decode()
    assert "Cashier" in page and "WebServer" in page
    assert f"Account: {account.account_id}" in page and "AWS Service: ec2" in page


def test_list_search_and_sort(root_client, account):
    for name in ["Barista", "cashier", "Inventory"]:
        make(account, name)
    page = root_client.get("/iam/roles/?q=ASH").content.decode()
    assert "cashier" in page and "Barista" not in page
    names = [row["role"].name for row in root_client.get("/iam/roles/?sort=-name").context["rows"]]
    assert names == ["Inventory", "cashier", "Barista"]


def bulk_roles(account, count):
    trust = roles.account_trust_policy(account.account_id)
    Role.objects.bulk_create([Role(account=account, name=f"role-{n:04d}", unique_id=f"AROATEST{n:013d}",
                                   trust_policy=trust) for n in range(count)])


@pytest.mark.parametrize("count", [1, 500])
def test_list_queries_do_not_grow_with_rows(root_client, account, count, django_assert_max_num_queries):
    bulk_roles(account, count)
    with django_assert_max_num_queries(12):
        response = root_client.get("/iam/roles/")
    assert response.status_code == 200


def test_list_query_count_is_the_same_for_1_and_500_roles(alice_client, iam_admin, account,
                                                          django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bulk_roles(account, 1)
    alice_client.get("/iam/roles/")  # the first request also records alice's use (last accessed)
    with CaptureQueriesContext(connection) as one:
        alice_client.get("/iam/roles/")
    Role.objects.all().delete()
    bulk_roles(account, 500)
    with CaptureQueriesContext(connection) as many:
        response = alice_client.get("/iam/roles/?page=3")
    assert response.status_code == 200 and len(response.context["rows"]) == 50
    assert len(many) == len(one)


# ---------------------------------------------------------------------------
# Detail and editors


def test_detail_shows_summary_arn_instance_profile_and_switch_link(root_client, account):
    make(account, "WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"),
         description="Web tier")
    page = root_client.get("/iam/roles/webserver/").content.decode()
    assert f"arn:aws:iam::{account.account_id}:role/WebServer" in page
    assert f"arn:aws:iam::{account.account_id}:instance-profile/WebServer" in page
    assert f"/switchrole?roleName=WebServer&amp;account={account.account_id}" in page
    assert "1 hour" in page and "Web tier" in page
    trust = root_client.get("/iam/roles/WebServer/?tab=trust").content.decode()
    assert "ec2.amazonaws.com" in trust


def test_edit_max_session_duration(root_client, account):
    make(account)
    response = csrf_post(root_client, "/iam/roles/Cashier/edit/", {"duration": "28800", "description": "Till"})
    assert response.status_code == 302
    role = Role.objects.get(name="Cashier")
    assert (role.max_session_duration, role.description) == (28800, "Till")
    assert "8 hours" in root_client.get("/iam/roles/Cashier/").content.decode()
    custom = csrf_post(root_client, "/iam/roles/Cashier/edit/", {"duration": "custom", "custom_seconds": "5400"})
    assert custom.status_code == 302
    assert Role.objects.get(name="Cashier").max_session_duration == 5400
    bad = csrf_post(root_client, "/iam/roles/Cashier/edit/", {"duration": "custom", "custom_seconds": "50000"})
    assert bad.status_code == 200
    assert "Member must have value less than or equal to 43200" in bad.content.decode()


def test_edit_trust_policy_shows_findings_with_line_and_column(root_client, account):
    make(account)
    bad = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "nobody"},\n' \
          '    "Action": "sts:AssumeRole"}]\n}'
    response = csrf_post(root_client, "/iam/roles/Cashier/trust/edit/", {"policy": bad})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 3, column" in page and "Invalid principal in policy" in page
    good = roles.service_trust_policy("lambda.amazonaws.com")
    assert csrf_post(root_client, "/iam/roles/Cashier/trust/edit/", {"policy": good}).status_code == 302
    assert Role.objects.get(name="Cashier").trust_policy == good


def test_trust_policy_size_limit_is_awss(root_client, account):
    make(account)
    principals = [f"arn:aws:iam::{n:012d}:root" for n in range(80)]
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": principals}, "Action": "sts:AssumeRole"}]})
    response = csrf_post(root_client, "/iam/roles/Cashier/trust/edit/", {"policy": big})
    assert response.status_code == 200
    assert "Cannot exceed quota for ACLSizePerRole: 2048" in response.content.decode()


def test_manage_tags(root_client, account):
    make(account)
    response = csrf_post(root_client, "/iam/roles/Cashier/tags/edit/",
                         {"key_0": "team", "value_0": "front", "key_1": "shift", "value_1": ""})
    assert response.status_code == 302
    assert Role.objects.get(name="Cashier").tag_list == [{"Key": "team", "Value": "front"},
                                                         {"Key": "shift", "Value": ""}]
    dup = csrf_post(root_client, "/iam/roles/Cashier/tags/edit/", {"key_0": "a", "value_0": "1", "key_1": "A"})
    assert dup.status_code == 200 and "Duplicate tag keys found" in dup.content.decode()


def test_delete_needs_the_typed_name_and_cleans_up(root_client, account):
    make(account, "WebServer", trust_policy=roles.service_trust_policy("ec2.amazonaws.com"))
    page = root_client.get("/iam/roles/WebServer/delete/").content.decode()
    assert "Instance profiles (1): WebServer" in page
    assert "iam:RemoveRoleFromInstanceProfile, iam:DeleteInstanceProfile" in page
    wrong = csrf_post(root_client, "/iam/roles/WebServer/delete/", {"confirmation": "webserver"})
    assert wrong.status_code == 200
    response = csrf_post(root_client, "/iam/roles/WebServer/delete/", {"confirmation": "WebServer"})
    assert response.status_code == 302 and response["Location"] == "/iam/roles/"
    assert not Role.objects.exists() and not InstanceProfile.objects.exists()


def test_dashboard_counts_roles(root_client, account):
    make(account)
    counts = {label: count for label, count, _ in root_client.get("/iam/").context["counts"]}
    assert counts["Roles"] == 1


def test_the_delete_page_lists_the_policies_the_console_will_remove(root_client, account):
    from accounts import roles
    from policies import services as policy_services

    role = roles.create_role(account, name="Doomed", trust_policy=roles.account_trust_policy(account.account_id))
    policy_services.put_role_policy(role, name="Inline", document=(
        '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket",'
        ' "Resource": "arn:aws:s3:::receipts"}}'))
    page = root_client.get("/iam/roles/Doomed/delete/").content.decode()
    assert "Inline policies (1): Inline" in page
    with pytest.raises(Exception) as conflict:
        roles.delete_role(role, remove_dependents=False)
    assert str(conflict.value) == "Cannot delete entity, must delete policies first."
