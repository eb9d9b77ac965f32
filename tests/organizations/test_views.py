"""The AWS Organizations console pages: each page and form (happy path and bad input), who may
open them (root of the management account; IAM users with an Allow; AccessDenied in AWS's words
otherwise), other organizations' objects (404), the audit trail (one event per change), and
bounded queries on a 60-account organization.

The cast (tests/conftest.py): ``root`` (account A) creates the organization and is its
management account; ``bob`` is an IAM user of A; ``mallory`` is the root of a standalone account B.
"""

from __future__ import annotations

import json
import re

import pytest

from accounts.models import Account, User
from audit.models import Event
from organizations import services
from organizations.models import Handshake, Member, OrganizationalUnit, PolicyTarget, ServiceControlPolicy
from tests.conftest import ROOT_PASSWORD, csrf_post, grant, signed_in_client

pytestmark = pytest.mark.django_db

DENY_S3 = json.dumps({"Version": "2012-10-17",
                      "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}, indent=2)


@pytest.fixture
def org(account):
    return services.create_organization(account)


@pytest.fixture
def engineering(org):
    return services.create_ou(org, parent_id=org.root_id, name="Engineering")


@pytest.fixture
def trainee(org, engineering, aws_managed_policies):
    member, _password = services.create_account(org, name="Trainee 1", email="t1@class.example",
                                                parent_id=engineering.ou_id)
    return member


@pytest.fixture
def deny_s3(org):
    return services.create_policy(org, name="DenyS3", description="No S3", document=DENY_S3)


@pytest.fixture
def other_org(mallory, aws_managed_policies):
    """Mallory's own organization, with an OU, a member account and a policy."""
    org = services.create_organization(mallory.account)
    ou = services.create_ou(org, parent_id=org.root_id, name="Elsewhere")
    member, _ = services.create_account(org, name="Other", email="other@elsewhere.example", parent_id=ou.ou_id)
    policy = services.create_policy(org, name="OtherPolicy", description="", document=DENY_S3)
    return {"org": org, "ou": ou, "member": member, "policy": policy}


def text(response) -> str:
    """The page's text: tags dropped, whitespace collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&").split())


def events(account, name):
    return Event.objects.filter(account=account, event_name=name)


# ---------------------------------------------------------------------------
# The organization page and the navigation


def test_an_account_without_an_organization_is_offered_to_create_one(root_client):
    response = root_client.get("/organizations/")
    assert response.status_code == 200
    assert "Create an organization" in text(response)
    assert "No organization has invited this account." in text(response)


def test_the_iam_navigation_leads_to_aws_organizations(root_client):
    html = root_client.get("/iam/").content.decode()
    assert 'href="/organizations/"' in html and "AWS Organizations" in html


def test_creating_an_organization_makes_this_the_management_account(root_client, account):
    response = csrf_post(root_client, "/organizations/create/")
    assert response.status_code == 302 and response["Location"] == "/organizations/accounts/"
    org = services.organization_of(account)
    assert org.management_account == account
    page = text(root_client.get("/organizations/"))
    assert org.org_id in page and "The management account" in page
    assert events(account, "CreateOrganization").count() == 1
    # FullAWSAccess is attached to the root by default.
    assert "FullAWSAccess" in text(root_client.get(f"/organizations/roots/{org.root_id}/"))


def test_creating_a_second_organization_is_refused_in_aws_words(root_client, org, account):
    response = csrf_post(root_client, "/organizations/create/")
    assert response.status_code == 400
    assert "AlreadyInOrganizationException" in text(response)
    assert "This account is already a member of an organization." in text(response)
    assert events(account, "CreateOrganization").get().error_code == "AlreadyInOrganizationException"


def test_management_pages_send_an_account_without_organization_to_the_organization_page(root_client, account):
    for url in ("/organizations/accounts/", "/organizations/policies/", "/organizations/accounts/create/",
                "/organizations/invitations/sent/"):
        response = root_client.get(url)
        assert response.status_code == 302 and response["Location"] == "/organizations/", url
    response = csrf_post(root_client, "/organizations/accounts/create/", {"name": "x", "email": "x@example.com"})
    assert response.status_code == 400
    assert "AWSOrganizationsNotInUseException" in text(response)
    assert not Account.objects.exclude(pk=account.pk).exists()


def test_deleting_an_organization_needs_it_empty(root_client, org, trainee, account):
    response = csrf_post(root_client, "/organizations/delete/")
    assert response.status_code == 400 and "OrganizationNotEmptyException" in text(response)
    services.remove_account(org, trainee.account)
    assert "Delete organization" in text(root_client.get("/organizations/delete/"))
    response = csrf_post(root_client, "/organizations/delete/")
    assert response.status_code == 302
    assert services.organization_of(account) is None


# ---------------------------------------------------------------------------
# AWS accounts


def test_the_accounts_page_shows_the_tree_and_the_list(root_client, org, trainee, engineering, account):
    tree = text(root_client.get("/organizations/accounts/"))
    assert "AWS accounts (2)" in tree
    assert "Engineering" in tree and "Trainee 1" in tree and org.root_id in tree
    assert tree.index("Engineering") < tree.index("Trainee 1")
    listed = text(root_client.get("/organizations/accounts/?view=list"))
    assert trainee.account.account_id in listed and "t1@class.example" in listed
    assert '<th scope="row">' in root_client.get("/organizations/accounts/?view=list").content.decode()
    found = text(root_client.get("/organizations/accounts/?view=list&q=t1@CLASS"))
    assert "AWS accounts (1)" in found and "Trainee 1" in found
    assert "No AWS account matches “nobody”." in text(root_client.get("/organizations/accounts/?view=list&q=nobody"))


def test_creating_an_account_shows_its_one_time_password_once(root_client, org, engineering, account,
                                                              aws_managed_policies):
    response = csrf_post(root_client, "/organizations/accounts/create/",
                         {"name": "Trainee 2", "email": "t2@class.example", "parent_id": engineering.ou_id})
    assert response.status_code == 302 and response["Location"] == "/organizations/accounts/created/"
    page = root_client.get("/organizations/accounts/created/")
    assert page.status_code == 200
    member = Member.objects.get(name="Trainee 2")
    assert member.parent_ou == engineering and member.joined_method == "CREATED"
    password = re.search(r'data-testid="console-password">([^<]+)<', page.content.decode()).group(1)
    root = User.objects.get(account=member.account, is_root=True)
    assert root.check_password(password.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                               .replace("&#x27;", "'").replace("&quot;", '"'))
    assert "http://testserver/signin/" in text(page) and member.account.account_id in text(page)
    # Shown once: the second visit finds it gone.
    again = root_client.get("/organizations/accounts/created/")
    assert again.status_code == 410 and password not in again.content.decode()
    assert events(account, "CreateAccount").count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "email": "t@class.example"}, "This field is required."),
    ({"name": "Tab\there", "email": "t@class.example"}, "The account name can contain only printable ASCII characters."),
    ({"name": "x" * 51, "email": "t@class.example"}, "Ensure this value has at most 50 characters"),
    ({"name": "Trainee", "email": "not-an-email"}, "Enter a valid email address."),
    ({"name": "Trainee", "email": "owner@coffee.example"},
     "The account could not be created because another AWS account with that email address already exists."),
])
def test_bad_account_input_is_refused_and_nothing_is_created(root_client, org, data, message,
                                                             aws_managed_policies):
    before = Account.objects.count()
    response = csrf_post(root_client, "/organizations/accounts/create/", {**data, "parent_id": org.root_id})
    assert response.status_code == 200
    assert message in text(response)
    assert Account.objects.count() == before and Member.objects.count() == 1


def test_an_account_in_a_parent_of_another_organization_is_refused(root_client, org, other_org):
    response = csrf_post(root_client, "/organizations/accounts/create/",
                         {"name": "T", "email": "t@class.example", "parent_id": other_org["ou"].ou_id})
    assert response.status_code == 200
    assert "Select a valid choice" in text(response)
    assert not Member.objects.filter(name="T").exists()


def test_inviting_an_account_by_id_or_email_and_accepting(root_client, org, mallory, mallory_client, account):
    response = csrf_post(root_client, "/organizations/accounts/invite/", {"target": mallory.account.account_id})
    assert response.status_code == 302 and response["Location"] == "/organizations/invitations/sent/"
    handshake = Handshake.objects.get(target_account=mallory.account)
    assert handshake.handshake_id in text(root_client.get("/organizations/invitations/sent/"))
    # Invited again by email: AWS's DuplicateHandshakeException.
    response = csrf_post(root_client, "/organizations/accounts/invite/", {"target": mallory.email.upper()})
    assert "A handshake with the same action and target already exists." in text(response)
    # The invited root sees it and accepts.
    received = text(mallory_client.get("/organizations/invitations/"))
    assert handshake.handshake_id in received and org.org_id in received
    response = csrf_post(mallory_client, f"/organizations/invitations/{handshake.handshake_id}/accept/")
    assert response.status_code == 302
    member = Member.objects.get(account=mallory.account)
    assert member.org == org and member.joined_method == "INVITED"
    assert events(mallory.account, "AcceptHandshake").count() == 1
    # The member account sees its organization and may leave it.
    page = text(mallory_client.get("/organizations/"))
    assert org.org_id in page and "A member account" in page and "Leave organization" in page
    # It cannot open the management pages.
    assert mallory_client.get("/organizations/accounts/")["Location"] == "/organizations/"
    assert (f"Only the management account of organization {org.org_id} manages its accounts"
            in text(mallory_client.get("/organizations/")))
    response = csrf_post(mallory_client, "/organizations/ous/create/", {"name": "Mine"})
    assert response.status_code == 400 and "You don't have permissions to access this resource." in text(response)
    assert "AccessDeniedException" in text(response)
    assert not OrganizationalUnit.objects.filter(name="Mine").exists()
    response = csrf_post(mallory_client, "/organizations/leave/")
    assert response.status_code == 302 and not Member.objects.filter(account=mallory.account).exists()


@pytest.mark.parametrize(("target", "message"), [
    ("12345", "Enter a 12-digit account ID or the email address of the account's root user."),
    ("999999999999", "We can't find an AWS account with the AccountId that you specified"),
    ("nobody@nowhere.example", "We can't find an AWS account with the AccountId that you specified"),
])
def test_bad_invitations_are_refused(root_client, org, target, message):
    response = csrf_post(root_client, "/organizations/accounts/invite/", {"target": target})
    assert response.status_code == 200 and message in text(response)
    assert not Handshake.objects.exists()


def test_inviting_oneself_is_refused(root_client, org, account):
    response = csrf_post(root_client, "/organizations/accounts/invite/", {"target": account.account_id})
    assert "already a member of an organization" in text(response)
    assert not Handshake.objects.exists()


def test_declining_and_canceling_invitations(root_client, org, mallory, mallory_client):
    first = services.invite_account(org, mallory.account)
    assert csrf_post(mallory_client, f"/organizations/invitations/{first.handshake_id}/decline/").status_code == 302
    first.refresh_from_db()
    assert first.state == "DECLINED"
    # Accepting a declined invitation: AWS's InvalidHandshakeTransitionException.
    response = csrf_post(mallory_client, f"/organizations/invitations/{first.handshake_id}/accept/")
    assert response.status_code == 400 and "InvalidHandshakeTransitionException" in text(response)
    second = services.invite_account(org, mallory.account)
    # The invited account cannot cancel; the management account can.
    assert csrf_post(mallory_client, f"/organizations/invitations/{second.handshake_id}/cancel/").status_code == 404
    assert csrf_post(root_client, f"/organizations/invitations/{second.handshake_id}/cancel/").status_code == 302
    second.refresh_from_db()
    assert second.state == "CANCELED"


def test_the_account_page_shows_its_path_and_every_level_of_scps(root_client, org, engineering, trainee, deny_s3):
    services.attach_policy(deny_s3, engineering.ou_id)
    page = text(root_client.get(f"/organizations/accounts/{trainee.account.account_id}/"))
    for expected in (trainee.account.account_id, "t1@class.example", "Created", "Root / Engineering / Trainee 1",
                     f"Inherited from Root {org.root_id}", f"Inherited from Engineering {engineering.ou_id}",
                     "Attached directly to Trainee 1", trainee.arn):
        assert expected in page, expected
    engineering_level = page[page.index("Inherited from Engineering"):page.index("Attached directly")]
    assert "DenyS3" in engineering_level and "FullAWSAccess" in engineering_level


def test_moving_an_account_with_the_picker(root_client, org, engineering, trainee, account):
    form = text(root_client.get(f"/organizations/accounts/{trainee.account.account_id}/move/"))
    assert "Root" in form and "Root / Engineering" not in form  # its current parent is not offered
    response = csrf_post(root_client, f"/organizations/accounts/{trainee.account.account_id}/move/",
                         {"destination": org.root_id})
    assert response.status_code == 302
    trainee.refresh_from_db()
    assert trainee.parent_ou is None
    assert events(account, "MoveAccount").count() == 1
    response = csrf_post(root_client, f"/organizations/accounts/{trainee.account.account_id}/move/",
                         {"destination": "ou-zzzz-zzzzzzzz"})
    assert response.status_code == 200 and "Choose a root or OU of this organization" in text(response)


def test_removing_a_member_account(root_client, org, trainee, account):
    assert "Remove account from organization" in text(
        root_client.get(f"/organizations/accounts/{trainee.account.account_id}/remove/"))
    response = csrf_post(root_client, f"/organizations/accounts/{trainee.account.account_id}/remove/")
    assert response.status_code == 302
    assert not Member.objects.filter(account=trainee.account).exists()
    assert Account.objects.filter(pk=trainee.account.pk).exists()  # standalone again
    # The management account cannot be removed.
    response = csrf_post(root_client, f"/organizations/accounts/{account.account_id}/remove/")
    assert response.status_code == 400 and "ConstraintViolationException" in text(response)


# ---------------------------------------------------------------------------
# Organizational units


def test_creating_renaming_and_deleting_an_ou(root_client, org, engineering, account):
    response = csrf_post(root_client, "/organizations/ous/create/", {"parent": engineering.ou_id, "name": "Dev"})
    assert response.status_code == 302 and response["Location"] == f"/organizations/ous/{engineering.ou_id}/"
    dev = OrganizationalUnit.objects.get(name="Dev")
    assert dev.parent == engineering
    page = text(root_client.get(f"/organizations/ous/{dev.ou_id}/"))
    assert "Root / Engineering / Dev" in page and "FullAWSAccess" in page
    response = csrf_post(root_client, f"/organizations/ous/{dev.ou_id}/rename/", {"name": "Development"})
    assert response.status_code == 302
    dev.refresh_from_db()
    assert dev.name == "Development"
    # Engineering is not empty.
    response = csrf_post(root_client, f"/organizations/ous/{engineering.ou_id}/delete/")
    assert response.status_code == 400 and "The specified OU is not empty." in text(response)
    assert csrf_post(root_client, f"/organizations/ous/{dev.ou_id}/delete/").status_code == 302
    assert not OrganizationalUnit.objects.filter(pk=dev.pk).exists()
    assert events(account, "CreateOrganizationalUnit").count() == 1
    assert events(account, "DeleteOrganizationalUnit").filter(error_code="").count() == 1


@pytest.mark.parametrize(("name", "message"), [
    ("", "This field is required."),
    ("x" * 129, "Ensure this value has at most 128 characters"),
    ("Engineering", "An OU with the same name already exists."),
])
def test_bad_ou_names_are_refused(root_client, org, engineering, name, message):
    before = OrganizationalUnit.objects.count()
    response = csrf_post(root_client, "/organizations/ous/create/", {"parent": org.root_id, "name": name})
    assert response.status_code == 200 and message in text(response)
    assert OrganizationalUnit.objects.count() == before


# ---------------------------------------------------------------------------
# Service control policies


def test_the_policy_list_has_full_aws_access(root_client, org):
    page = text(root_client.get("/organizations/policies/"))
    assert "FullAWSAccess" in page and "AWS managed" in page


def test_creating_attaching_and_detaching_a_policy(root_client, org, engineering, account):
    response = csrf_post(root_client, "/organizations/policies/create/",
                         {"name": "DenyS3", "description": "No S3", "document": DENY_S3})
    assert response.status_code == 302
    policy = ServiceControlPolicy.objects.get(name="DenyS3")
    assert response["Location"] == f"/organizations/policies/{policy.policy_id}/"
    assert csrf_post(root_client, f"/organizations/policies/{policy.policy_id}/attach/",
                     {"chosen": [engineering.ou_id]}).status_code == 302
    assert PolicyTarget.objects.filter(policy=policy, target_id=engineering.ou_id).exists()
    page = text(root_client.get(f"/organizations/policies/{policy.policy_id}/"))
    assert "Engineering" in page and "Organizational unit" in page
    # Attached: it cannot be deleted.
    response = csrf_post(root_client, f"/organizations/policies/{policy.policy_id}/delete/")
    assert response.status_code == 400 and "PolicyInUseException" in text(response)
    response = csrf_post(root_client, f"/organizations/policies/{policy.policy_id}/targets/{engineering.ou_id}/detach/",
                         {"from": "target"})
    assert response.status_code == 302 and response["Location"] == f"/organizations/ous/{engineering.ou_id}/"
    assert csrf_post(root_client, f"/organizations/policies/{policy.policy_id}/delete/").status_code == 302
    assert not ServiceControlPolicy.objects.filter(pk=policy.pk).exists()
    for name in ("CreatePolicy", "AttachPolicy", "DetachPolicy"):
        assert events(account, name).count() == 1, name


def test_attaching_policies_from_a_target_page(root_client, org, trainee, deny_s3):
    account_id = trainee.account.account_id
    form = text(root_client.get(f"/organizations/targets/{account_id}/policies/attach/"))
    assert "DenyS3" in form and "FullAWSAccess" not in form  # already attached
    response = csrf_post(root_client, f"/organizations/targets/{account_id}/policies/attach/",
                         {"chosen": [deny_s3.policy_id]})
    assert response.status_code == 302 and response["Location"] == f"/organizations/accounts/{account_id}/"
    assert PolicyTarget.objects.filter(policy=deny_s3, target_id=account_id).exists()
    response = csrf_post(root_client, f"/organizations/targets/{account_id}/policies/attach/", {})
    assert response.status_code == 200 and "Choose at least one polic" in text(response)


def test_detaching_the_last_policy_is_refused(root_client, org, engineering):
    response = csrf_post(root_client, f"/organizations/policies/p-FullAWSAccess/targets/{engineering.ou_id}/detach/")
    assert response.status_code == 400
    assert "You cannot remove the last policy attached to the specified target." in text(response)
    assert PolicyTarget.objects.filter(target_id=engineering.ou_id).count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "Bad", "document": "{"}, "Policy editor"),
    ({"name": "", "document": DENY_S3}, "This field is required."),
    ({"name": "x" * 129, "document": DENY_S3}, "Ensure this value has at most 128 characters"),
    ({"name": "FullAWSAccess", "document": DENY_S3}, "A policy with the same name already exists."),
    ({"name": "Big", "document": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": f"S{i}", "Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i}/*"}
        for i in range(70)]})},  # valid, but over 5,120 characters
     "You attempted to create a policy that is larger than the maximum size."),
])
def test_bad_policies_are_refused(root_client, org, data, message):
    response = csrf_post(root_client, "/organizations/policies/create/", {"description": "", **data})
    assert response.status_code == 200 and message in text(response)
    assert ServiceControlPolicy.objects.count() == 1


def test_a_malformed_document_shows_the_engines_finding(root_client, org):
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ListBuckets",
                                                                   "Resource": "*"}]})
    response = csrf_post(root_client, "/organizations/policies/create/", {"name": "Bad", "document": document})
    assert response.status_code == 200
    assert "Actions/Conditions must be prefaced by a vendor" in text(response)
    assert not ServiceControlPolicy.objects.filter(name="Bad").exists()


def test_editing_a_policy_and_full_aws_access_is_read_only(root_client, org, deny_s3):
    form = text(root_client.get(f"/organizations/policies/{deny_s3.policy_id}/edit/"))
    assert "DenyS3" in form
    response = csrf_post(root_client, f"/organizations/policies/{deny_s3.policy_id}/edit/",
                         {"name": "DenyStorage", "description": "none", "document": DENY_S3})
    assert response.status_code == 302
    deny_s3.refresh_from_db()
    assert deny_s3.name == "DenyStorage"
    for method in ("get", "post"):
        url = "/organizations/policies/p-FullAWSAccess/edit/"
        response = root_client.get(url) if method == "get" else csrf_post(root_client, url, {"name": "x"})
        assert response.status_code == 400 and "You can't modify or delete an AWS managed policy." in text(response)


# ---------------------------------------------------------------------------
# Authorisation: IAM users need an Allow; the root of the management account may


def test_an_iam_user_without_an_allow_gets_access_denied(bob_client, bob, org):
    response = bob_client.get("/organizations/accounts/")
    assert response.status_code == 403
    assert (f"User: {bob.arn} is not authorized to perform: organizations:ListAccounts on resource: * "
            "because no identity-based policy allows the organizations:ListAccounts action") in text(response)
    response = csrf_post(bob_client, "/organizations/ous/create/", {"parent": org.root_id, "name": "Sneaky"})
    assert response.status_code == 403
    assert f"organizations:CreateOrganizationalUnit on resource: {org.root_arn}" in text(response)
    assert not OrganizationalUnit.objects.exists()


def test_an_iam_user_with_an_allow_may(bob, org, engineering):
    grant(bob, {"Effect": "Allow", "Action": ["organizations:ListAccounts", "organizations:CreateOrganizationalUnit"],
                "Resource": "*"})
    client = signed_in_client(bob)
    assert client.get("/organizations/accounts/").status_code == 200
    response = csrf_post(client, "/organizations/ous/create/", {"parent": engineering.ou_id, "name": "Ops"})
    assert response.status_code == 302
    assert OrganizationalUnit.objects.filter(name="Ops", parent=engineering).exists()
    event = events(bob.account, "CreateOrganizationalUnit").get()
    assert event.user_name == "bob" and event.event_source == "organizations.amazonaws.com"


def test_an_allow_scoped_to_one_ou_is_enforced_on_its_arn(bob, org, engineering):
    grant(bob, {"Effect": "Allow", "Action": "organizations:CreateOrganizationalUnit", "Resource": engineering.arn})
    client = signed_in_client(bob)
    assert csrf_post(client, "/organizations/ous/create/", {"parent": engineering.ou_id, "name": "A"}).status_code == 302
    assert csrf_post(client, "/organizations/ous/create/", {"parent": org.root_id, "name": "B"}).status_code == 403
    assert list(OrganizationalUnit.objects.filter(name__in=["A", "B"]).values_list("name", flat=True)) == ["A"]


def test_moving_needs_move_account_on_the_destination_too(bob, org, engineering, trainee):
    grant(bob, {"Effect": "Allow", "Action": "organizations:MoveAccount", "Resource": "*"},
          {"Effect": "Deny", "Action": "organizations:MoveAccount", "Resource": org.root_arn})
    client = signed_in_client(bob)
    response = csrf_post(client, f"/organizations/accounts/{trainee.account.account_id}/move/",
                         {"destination": org.root_id})
    assert response.status_code == 403 and "with an explicit deny" in text(response)
    trainee.refresh_from_db()
    assert trainee.parent_ou == engineering


def test_attaching_needs_attach_policy_on_the_policy_and_the_target(bob, org, engineering, deny_s3):
    grant(bob, {"Effect": "Allow", "Action": "organizations:AttachPolicy", "Resource": engineering.arn})
    client = signed_in_client(bob)
    response = csrf_post(client, f"/organizations/targets/{engineering.ou_id}/policies/attach/",
                         {"chosen": [deny_s3.policy_id]})
    assert response.status_code == 403 and f"on resource: {deny_s3.arn}" in text(response)
    assert not PolicyTarget.objects.filter(policy=deny_s3).exists()


# ---------------------------------------------------------------------------
# Another organization's objects do not exist


def test_another_organizations_objects_are_404(root_client, org, other_org):
    other = other_org
    urls = [f"/organizations/accounts/{other['member'].account.account_id}/",
            f"/organizations/accounts/{other['member'].account.account_id}/move/",
            f"/organizations/accounts/{other['member'].account.account_id}/remove/",
            f"/organizations/ous/{other['ou'].ou_id}/", f"/organizations/ous/{other['ou'].ou_id}/rename/",
            f"/organizations/ous/{other['ou'].ou_id}/delete/", f"/organizations/roots/{other['org'].root_id}/",
            f"/organizations/policies/{other['policy'].policy_id}/",
            f"/organizations/policies/{other['policy'].policy_id}/edit/",
            f"/organizations/policies/{other['policy'].policy_id}/attach/",
            f"/organizations/targets/{other['ou'].ou_id}/policies/attach/",
            f"/organizations/policies/{other['policy'].policy_id}/targets/{other['org'].root_id}/detach/",
            f"/organizations/ous/create/?parent={other['ou'].ou_id}"]
    for url in urls:
        assert root_client.get(url).status_code == 404, url
        assert csrf_post(root_client, url.split("?")[0], {"name": "x", "parent": other["ou"].ou_id}).status_code == 404, url
    handshake = services.invite_account(other["org"], Account.objects.create())
    for action in ("accept", "decline", "cancel"):
        assert csrf_post(root_client, f"/organizations/invitations/{handshake.handshake_id}/{action}/").status_code == 404
    handshake.refresh_from_db()
    assert handshake.state == "OPEN"
    assert OrganizationalUnit.objects.filter(org=other["org"]).count() == 1


def test_a_member_accounts_root_cannot_manage_the_organization(org, aws_managed_policies, engineering):
    member, password = services.create_account(org, name="Student", email="student@class.example")
    root = User.objects.get(account=member.account, is_root=True)
    root.set_password(ROOT_PASSWORD)
    root.password_reset_required = False
    root.save()
    client = signed_in_client(root)
    assert client.get(f"/organizations/ous/{engineering.ou_id}/").status_code == 404
    assert client.get("/organizations/policies/p-FullAWSAccess/").status_code == 404
    response = csrf_post(client, f"/organizations/policies/p-FullAWSAccess/targets/{member.account.account_id}/detach/")
    assert response.status_code == 404
    assert PolicyTarget.objects.filter(target_id=member.account.account_id).exists()


# ---------------------------------------------------------------------------
# Bounded queries on a 60-account organization


@pytest.fixture
def big_org(org, aws_managed_policies):
    ous = [services.create_ou(org, parent_id=org.root_id, name=f"Class {n}") for n in range(6)]
    for n in range(59):
        services.create_account(org, name=f"Trainee {n:02d}", email=f"t{n:02d}@class.example",
                                parent_id=ous[n % 6].ou_id)
    policy = services.create_policy(org, name="DenyS3", description="", document=DENY_S3)
    for ou in ous:
        services.attach_policy(policy, ou.ou_id)
    return {"org": org, "ous": ous, "policy": policy}


def test_pages_make_a_bounded_number_of_queries(root_client, big_org, django_assert_max_num_queries):
    org = big_org["org"]
    assert Member.objects.filter(org=org).count() == 60
    member = Member.objects.filter(org=org, parent_ou__isnull=False).first()
    urls = ["/organizations/", "/organizations/accounts/", "/organizations/accounts/?view=list",
            f"/organizations/accounts/{member.account.account_id}/", f"/organizations/ous/{big_org['ous'][0].ou_id}/",
            f"/organizations/roots/{org.root_id}/", "/organizations/policies/",
            f"/organizations/policies/{big_org['policy'].policy_id}/",
            f"/organizations/policies/{big_org['policy'].policy_id}/attach/",
            f"/organizations/accounts/{member.account.account_id}/move/",
            f"/organizations/targets/{member.account.account_id}/policies/attach/",
            "/organizations/accounts/create/", "/organizations/invitations/sent/"]
    for url in urls:
        root_client.get(url)  # warm up (last accessed, session)
        with django_assert_max_num_queries(12):
            response = root_client.get(url)
        assert response.status_code == 200, url


def test_policy_operations_carry_the_policy_type(bob, org, engineering):
    grant(bob, {"Effect": "Allow", "Action": ["organizations:CreatePolicy", "organizations:ListPolicies"],
                "Resource": "*",
                "Condition": {"StringEquals": {"organizations:PolicyType": "SERVICE_CONTROL_POLICY"}}})
    client = signed_in_client(bob)
    assert client.get("/organizations/policies/").status_code == 200
    response = csrf_post(client, "/organizations/policies/create/", {"name": "DenyS3", "document": DENY_S3})
    assert response.status_code == 302 and ServiceControlPolicy.objects.filter(name="DenyS3").exists()


def test_the_scps_of_a_target_need_list_policies_for_target(bob, org, trainee):
    grant(bob, {"Effect": "Allow", "Action": "organizations:DescribeAccount", "Resource": "*"})
    page = signed_in_client(bob).get(f"/organizations/accounts/{trainee.account.account_id}/")
    assert page.status_code == 200
    assert (f"is not authorized to perform: organizations:ListPoliciesForTarget on resource: {trainee.arn}"
            in text(page))
    assert "FullAWSAccess" not in text(page)


# ---------------------------------------------------------------------------
# The audit trail: each change, once


def test_each_change_is_recorded_once(root_client, org, engineering, trainee, deny_s3, mallory, mallory_client,
                                      account):
    account_id = trainee.account.account_id
    posts = [
        ("CreateOrganizationalUnit", "/organizations/ous/create/", {"parent": org.root_id, "name": "Ops"}),
        ("UpdateOrganizationalUnit", f"/organizations/ous/{engineering.ou_id}/rename/", {"name": "Eng"}),
        ("MoveAccount", f"/organizations/accounts/{account_id}/move/", {"destination": org.root_id}),
        ("AttachPolicy", f"/organizations/targets/{account_id}/policies/attach/", {"chosen": [deny_s3.policy_id]}),
        ("DetachPolicy", f"/organizations/policies/{deny_s3.policy_id}/targets/{account_id}/detach/", {}),
        ("UpdatePolicy", f"/organizations/policies/{deny_s3.policy_id}/edit/",
         {"name": "DenyS3", "description": "", "document": DENY_S3}),
        ("DeletePolicy", f"/organizations/policies/{deny_s3.policy_id}/delete/", {}),
        ("InviteAccountToOrganization", "/organizations/accounts/invite/", {"target": mallory.account.account_id}),
        ("RemoveAccountFromOrganization", f"/organizations/accounts/{account_id}/remove/", {}),
    ]
    for name, url, data in posts:
        before = Event.objects.count()
        response = csrf_post(root_client, url, data)
        assert response.status_code == 302, (name, text(response)[:300])
        assert Event.objects.count() == before + 1, name
        event = Event.objects.latest("event_time")
        assert (event.event_name, event.event_source, event.error_code) == (
            name, "organizations.amazonaws.com", ""), name
    handshake = Handshake.objects.get(target_account=mallory.account)
    assert csrf_post(mallory_client, f"/organizations/invitations/{handshake.handshake_id}/decline/").status_code == 302
    assert events(mallory.account, "DeclineHandshake").count() == 1


def test_renaming_an_ou_to_a_siblings_name_is_refused(root_client, org, engineering):
    services.create_ou(org, parent_id=org.root_id, name="Sales")
    response = csrf_post(root_client, f"/organizations/ous/{engineering.ou_id}/rename/", {"name": "Sales"})
    assert response.status_code == 200 and "An OU with the same name already exists." in text(response)
    engineering.refresh_from_db()
    assert engineering.name == "Engineering"


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    for url in ("/organizations/", "/organizations/accounts/", f"/organizations/roots/{org.root_id}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/signin/"), url


def test_an_administrator_of_the_management_account_creates_accounts(bob, org, aws_managed_policies):
    grant(bob, {"Effect": "Allow", "Action": "organizations:*", "Resource": "*"})
    client = signed_in_client(bob)
    response = csrf_post(client, "/organizations/accounts/create/",
                         {"name": "Trainee 9", "email": "t9@class.example", "parent_id": org.root_id})
    assert response.status_code == 302
    assert "One-time password" in text(client.get("/organizations/accounts/created/"))
    assert client.get("/organizations/accounts/created/").status_code == 410
    # Another session of the same organization never sees it.
    assert signed_in_client(bob).get("/organizations/accounts/created/").status_code == 410


def test_the_scp_editor_validates_live_as_an_scp(root_client, org):
    html = root_client.get("/organizations/policies/create/").content.decode()
    assert 'data-validate-url="/iam/policies/validate/" data-kind="scp"' in html
    padded = DENY_S3.replace('"Resource"', " " * 5200 + '"Resource"')  # 5,120 characters, whitespace counted
    response = csrf_post(root_client, "/iam/policies/validate/", {"document": padded, "kind": "scp", "max_size": "0"})
    findings = response.json()["findings"]
    assert response.json()["has_errors"]
    assert findings[0]["message"] == "The policy document exceeds the maximum size of 5,120 characters."
