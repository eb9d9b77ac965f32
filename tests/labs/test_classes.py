"""Classes and the instructor board (issue #14): services, pages, authorisation, isolation, bounds.

The instructor is the cast's ``root`` (account A, which becomes the management account); ``alice``
and ``bob`` are IAM users of A; ``mallory`` is another account. Classes use the shipped labs
``secure-the-root-user`` and ``first-administrator``.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from accounts import services as account_services
from accounts.models import Account, Role, User
from labs import board as boards
from labs import classes, services
from labs.format import Lab, Task
from labs.models import Classroom, LabRun, TaskProgress, Trainee
from organizations import errors as org_errors
from organizations import services as organizations
from organizations.models import Member, OrganizationalUnit, PolicyTarget
from tests.conftest import csrf_post, grant

FIRST, SECOND = "secure-the-root-user", "first-administrator"
NEW_PASSWORD = "Trainee-Chosen-2026!"
TRIO = "Ada Lovelace, ada@class.example\nAlan Turing, alan@class.example\nGrace Hopper, grace@class.example"


@pytest.fixture(autouse=True)
def _catalog(aws_managed_policies):
    """OrganizationAccountAccessRole gets AdministratorAccess: the AWS managed policies must exist."""


def start(account, name="Monday", labs=(FIRST, SECOND), trainees=TRIO):
    return classes.start_class(account, name=name, lab_slugs=list(labs),
                               trainees=classes.parse_trainee_lines(trainees), started_by=account.root_arn)


def signed_in_trainee(credential: classes.Credential) -> Client:
    """A client signed in as a trainee's root user with the one-time password, which it changes
    (a created account's root must)."""
    client = Client(enforce_csrf_checks=True)
    response = csrf_post(client, "/signin/", {"email": credential.email, "password": credential.password})
    assert response["Location"] == "/password/change/"
    response = csrf_post(client, "/password/change/", {
        "old_password": credential.password, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client


# ---------------------------------------------------------------------------
# Trainee lists


def test_pasted_lines_give_names_and_emails_and_skip_blank_lines():
    trainees = classes.parse_trainee_lines("Ada Lovelace, ada@class.example\n\n  Smith, Jr., j@x.example \n")
    assert trainees == [classes.TraineeSpec("Ada Lovelace", "ada@class.example"),
                        classes.TraineeSpec("Smith, Jr.", "j@x.example")]


@pytest.mark.parametrize(("text", "message"), [
    ("Ada Lovelace ada@class.example", 'Line 1: expected "Name, email".'),
    ("Ada, not-an-email", "Line 1: 'not-an-email' is not a valid email address."),
    ("Ada, a@x.example\nAda again, A@X.example", "Line 2: A@X.example appears twice in the list."),
    (", a@x.example", "Line 1: the name must be 1 to 50 characters."),
    ("", "Give at least one trainee."),
])
def test_bad_trainee_lines_are_refused_naming_the_line(text, message):
    with pytest.raises(classes.InvalidInput) as caught:
        classes.parse_trainee_lines(text)
    assert caught.value.message == message


def test_a_class_has_at_most_100_trainees():
    text = "\n".join(f"T{n}, t{n}@x.example" for n in range(101))
    with pytest.raises(classes.InvalidInput, match="at most 100 trainees; the list has 101"):
        classes.parse_trainee_lines(text)


def test_csv_upload_skips_its_header_and_checks_columns():
    data = "name,email\r\nAda Lovelace,ada@class.example\r\n".encode("utf-8-sig")
    assert classes.parse_trainee_csv(data) == [classes.TraineeSpec("Ada Lovelace", "ada@class.example")]
    with pytest.raises(classes.InvalidInput, match="Line 2: expected two columns"):
        classes.parse_trainee_csv(b"name,email\nAda\n")
    with pytest.raises(classes.InvalidInput, match="UTF-8"):
        classes.parse_trainee_csv(b"\xff\xfe")


def test_generated_trainees_use_a_domain_no_root_user_has(root):
    first = classes.generated_trainees(3, "Monday Morning")
    assert [(t.name, t.email) for t in first] == [
        ("Trainee 01", "trainee-01@class-monday-morning.example"),
        ("Trainee 02", "trainee-02@class-monday-morning.example"),
        ("Trainee 03", "trainee-03@class-monday-morning.example")]
    start(root.account, name="Monday Morning", trainees="\n".join(f"{t.name}, {t.email}" for t in first))
    assert classes.generated_trainees(1, "Monday Morning")[0].email == "trainee-01@class-monday-morning-2.example"
    with pytest.raises(classes.InvalidInput):
        classes.generated_trainees(0, "x")


# ---------------------------------------------------------------------------
# Starting a class


def test_start_class_creates_the_organization_an_ou_and_one_account_per_trainee(root):
    classroom, credentials = start(root.account)
    org = organizations.organization_of(root.account)
    assert org.management_account == root.account and classroom.org == org
    assert classroom.ou.name == "Monday" and classroom.ou.parent is None
    assert [c.name for c in credentials] == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    for credential, trainee in zip(credentials, classroom.trainees.order_by("position"), strict=True):
        member = trainee.member
        assert member.parent_ou == classroom.ou and member.name == credential.name
        assert member.account.account_id == credential.account_id
        account_root = User.objects.get(account=member.account, is_root=True)
        assert account_root.email == credential.email and account_root.password_reset_required
        assert account_root.check_password(credential.password)
        assert Role.objects.filter(account=member.account, name="OrganizationAccountAccessRole").exists()
        run = services.run_for(member.account)
        assert (run.slug, run.classroom) == (FIRST, classroom)
    assert classroom.labs == [FIRST, SECOND] and classroom.current_slug == FIRST


def test_a_class_is_all_or_nothing(root):
    start(root.account, name="Monday")
    accounts_before = Account.objects.count()
    with pytest.raises(org_errors.DuplicateOrganizationalUnitException):
        start(root.account, name="Monday", trainees="Someone, someone@class.example")
    assert Account.objects.count() == accounts_before
    assert Classroom.objects.count() == 1
    # An email a root user already has: the whole class is refused, its OU too.
    with pytest.raises(org_errors.CreateAccountFailed):
        start(root.account, name="Tuesday", trainees="New, new@class.example\nAda again, ada@class.example")
    assert Account.objects.count() == accounts_before
    assert not OrganizationalUnit.objects.filter(name="Tuesday").exists()


def test_a_member_account_cannot_start_a_class(root):
    _, credentials = start(root.account)
    trainee_account = Account.objects.get(account_id=credentials[0].account_id)
    with pytest.raises(classes.InvalidInput, match="Only the management account"):
        start(trainee_account, name="Rogue", trainees="X, x@rogue.example")
    assert not Classroom.objects.filter(name="Rogue").exists()


def test_unknown_labs_are_refused(root):
    with pytest.raises(classes.InvalidInput, match="There is no lab 'nope'"):
        start(root.account, labs=["nope"])


# ---------------------------------------------------------------------------
# Advance, reset, end


def test_advance_starts_the_next_lab_for_everyone_until_the_last(root):
    classroom, _ = start(root.account)
    assert classes.advance_class(classroom) == SECOND
    for trainee in classroom.trainees.all():
        run = services.run_for(trainee.member.account)
        assert (run.slug, run.classroom_id) == (SECOND, classroom.pk)
    with pytest.raises(classes.InvalidInput, match="is on its last lab"):
        classes.advance_class(classroom)


def test_reset_trainee_clears_progress_but_keeps_the_hints_used(root):
    classroom, _ = start(root.account)
    trainee = classroom.trainees.first()
    run = services.run_for(trainee.member.account)
    services.reveal_hint(run, "root-mfa")
    services.check_task(run, "root-mfa")
    account_services.set_account_alias(trainee.member.account, "ada-before-reset")
    services.check_task(run, "account-alias")
    assert boards.class_board(classroom).rows[0].score > 0
    classes.reset_trainee(trainee)
    # The checks are gone; the hint revealed is still counted, on the board and in the CSV.
    assert list(TaskProgress.objects.filter(run=run).values_list("task_id", "passed", "checked_at", "hints_used")
                ) == [("root-mfa", False, None, 1)]
    row = boards.class_board(classroom).rows[0]
    assert [cell.passed for cell in row.cells] == [None, None, None]
    assert (row.score, row.hints_used, row.last_check) == (0, 1, None)
    assert [r[8] for r in boards.results_rows(boards.class_board(classroom))[:3]] == ["1", "0", "0"]
    # A hint revealed after the reset adds to the count; the next reset keeps both.
    services.reveal_hint(run, "root-mfa")
    classes.reset_trainee(trainee)
    assert boards.class_board(classroom).rows[0].hints_used == 2


def test_ending_a_class_disables_every_sign_in_to_its_accounts(root):
    classroom, credentials = start(root.account)
    trainee_client = signed_in_trainee(credentials[0])
    classes.end_class(classroom)
    classroom.refresh_from_db()
    assert classroom.ended is not None
    assert not LabRun.objects.filter(classroom=classroom, ended__isnull=True).exists()
    # The open session is over, and the one-time password no longer signs in.
    assert trainee_client.get("/console/home/").status_code == 302
    response = csrf_post(Client(enforce_csrf_checks=True), "/signin/",
                         {"email": credentials[1].email, "password": credentials[1].password})
    assert response.status_code != 302
    assert not User.objects.filter(account__org_member__trainee__classroom=classroom, is_active=True).exists()
    # The accounts stay: the instructor can still open them.
    assert Member.objects.filter(trainee__classroom=classroom).count() == 3
    with pytest.raises(classes.InvalidInput, match="has ended"):
        classes.reset_class(classroom)


def test_ending_a_class_can_delete_its_accounts_and_ou(root):
    classroom, credentials = start(root.account)
    ou_id = classroom.ou.ou_id
    classes.end_class(classroom, delete_accounts=True)
    assert not Account.objects.filter(account_id__in=[c.account_id for c in credentials]).exists()
    assert not OrganizationalUnit.objects.filter(ou_id=ou_id).exists()
    assert Classroom.objects.get(pk=classroom.pk).ended is not None


# ---------------------------------------------------------------------------
# The board's data


def test_the_board_shows_each_trainees_checks_score_and_hints(root):
    classroom, _ = start(root.account)
    ada = classroom.trainees.get(display_name="Ada Lovelace")
    run = services.run_for(ada.member.account)
    services.reveal_hint(run, "root-mfa")
    services.check_task(run, "root-mfa")  # fails: no MFA on the root user
    account_services.set_account_alias(ada.member.account, "ada-lovelace")
    services.check_task(run, "account-alias")
    board = boards.class_board(classroom)
    assert [t.id for t in board.tasks] == ["root-mfa", "no-root-keys", "account-alias"]
    row = board.rows[0]
    assert row.trainee == ada
    assert [cell.passed for cell in row.cells] == [False, None, True]
    assert row.score == board.lab.task("account-alias").points
    assert row.hints_used == 1 and row.last_check is not None
    assert [r.cells[0].passed for r in board.rows[1:]] == [None, None]


@pytest.fixture
def big_class(root, monkeypatch):
    """50 trainees × 10 tasks, every task checked: rows made directly (the board reads only them)."""
    org = organizations.create_organization(root.account)
    ou = organizations.create_ou(org, parent_id=org.root_id, name="Big")
    tasks = [Task(f"task-{n}", f"Task {n}", "", [], 10, [{"alias_set": True}]) for n in range(10)]
    lab = Lab("big-lab", "Big lab", "", 60, {}, tasks)
    monkeypatch.setattr(boards.catalogue, "get", lambda slug: lab)
    classroom = Classroom.objects.create(org=org, ou=ou, name="Big", labs=["big-lab"])
    accounts = Account.objects.bulk_create([Account() for _ in range(50)])
    members = Member.objects.bulk_create([
        Member(account=a, org=org, parent_ou=ou, joined_method=Member.CREATED, email=f"t{n}@big.example",
               name=f"T{n}") for n, a in enumerate(accounts)])
    Trainee.objects.bulk_create([Trainee(classroom=classroom, member=m, display_name=m.name, email=m.email,
                                         position=n) for n, m in enumerate(members)])
    runs = LabRun.objects.bulk_create([LabRun(account=a, slug="big-lab", classroom=classroom) for a in accounts])
    now = timezone.now()
    TaskProgress.objects.bulk_create([TaskProgress(run=r, task_id=t.id, passed=n % 2 == 0, points=10, checked_at=now)
                                      for r in runs for n, t in enumerate(tasks)])
    return classroom


def test_the_board_of_50_trainees_and_10_tasks_takes_four_queries(big_class, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        board = boards.class_board(big_class)
    assert len(board.rows) == 50 and all(len(row.cells) == 10 and row.score == 50 for row in board.rows)


def test_the_board_page_of_50_trainees_stays_within_a_fixed_number_of_queries(
        big_class, root_client, django_assert_max_num_queries):
    url = f"/labs/classes/{big_class.class_id}/"
    root_client.get(url)  # the first request of a principal also records last accessed
    with django_assert_max_num_queries(12):
        response = root_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("Open account") == 50


# ---------------------------------------------------------------------------
# Pages


def test_starting_a_class_shows_the_one_time_passwords_once(root_client, root):
    response = csrf_post(root_client, "/labs/classes/create/", {
        "name": "Monday", "labs": [FIRST, SECOND], "source": "list", "trainees_text": TRIO})
    classroom = Classroom.objects.get(name="Monday")
    assert response.status_code == 302 and response["Location"] == f"/labs/classes/{classroom.class_id}/sheet/"
    csv_session_before = dict(root_client.session)
    sheet = root_client.get(response["Location"]).content.decode()
    assert "This is the only time the one-time passwords are shown." in sheet
    assert "ada@class.example" in sheet and "http://testserver/signin/" in sheet
    download = root_client.get(f"/labs/classes/{classroom.class_id}/sheet.csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["name", "email", "account_id", "sign_in_url", "one_time_password"]
    ada = rows[1]
    assert ada[:2] == ["Ada Lovelace", "ada@class.example"]
    assert User.objects.get(is_root=True, email="ada@class.example").check_password(ada[4])
    assert escape(ada[4]) in sheet
    # Until the download the session held it sealed, never in clear.
    assert not any(ada[4] in str(value) for value in csv_session_before.values())
    # Downloaded: gone from the session; nothing stored anywhere else.
    again = root_client.get(f"/labs/classes/{classroom.class_id}/sheet/").content.decode()
    assert "were shown once and are no longer available" in again
    assert escape(ada[4]) not in again
    assert root_client.get(f"/labs/classes/{classroom.class_id}/sheet.csv").status_code == 302


def test_a_class_of_generated_trainees_from_the_form(root_client):
    response = csrf_post(root_client, "/labs/classes/create/", {
        "name": "Count class", "labs": [FIRST], "source": "count", "count": "2"})
    assert response.status_code == 302
    assert list(Trainee.objects.values_list("email", flat=True)) == [
        "trainee-01@class-count-class.example", "trainee-02@class-count-class.example"]


def test_a_csv_of_trainees_from_the_form(root_client):
    upload = io.BytesIO(b"name,email\nAda Lovelace,ada@class.example\n")
    upload.name = "trainees.csv"
    response = csrf_post(root_client, "/labs/classes/create/", {
        "name": "CSV class", "labs": [FIRST], "source": "csv", "trainees_file": upload})
    assert response.status_code == 302
    assert Trainee.objects.get().display_name == "Ada Lovelace"


def test_bad_form_input_is_shown_and_nothing_is_created(root_client):
    response = csrf_post(root_client, "/labs/classes/create/", {
        "name": "Bad", "labs": [FIRST], "source": "list", "trainees_text": "Ada without email"})
    assert response.status_code == 200
    assert "Line 1: expected &quot;Name, email&quot;." in response.content.decode()
    assert not Classroom.objects.exists() and not OrganizationalUnit.objects.exists()
    csrf_post(root_client, "/labs/classes/create/", {"name": "Dup", "labs": [FIRST], "source": "count", "count": "1"})
    response = csrf_post(root_client, "/labs/classes/create/", {
        "name": "Dup", "labs": [FIRST], "source": "count", "count": "1"})
    assert response.status_code == 200
    assert "DuplicateOrganizationalUnit" in response.content.decode() or \
        "already exists" in response.content.decode()
    assert Classroom.objects.count() == 1


def test_the_board_page_lists_trainees_tasks_and_switch_role_links(root_client, root):
    classroom, credentials = start(root.account)
    run = services.run_for(Account.objects.get(account_id=credentials[0].account_id))
    account_services.set_account_alias(run.account, "ada-lovelace")
    services.check_task(run, "account-alias")
    page = root_client.get(f"/labs/classes/{classroom.class_id}/").content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" in page and "Passed" in page
    assert (f"/switchrole?account={credentials[0].account_id}&amp;roleName=OrganizationAccountAccessRole"
            f"&amp;displayName=Ada+Lovelace") in page
    assert "the root user can't switch roles" in page
    assert f'<a class="button" href="/labs/classes/{classroom.class_id}/">Refresh</a>' in page
    fragment = root_client.get(f"/labs/classes/{classroom.class_id}/board/").content.decode()
    assert fragment.lstrip().startswith("<p") and "<html" not in fragment and "Ada Lovelace" in fragment
    results = root_client.get(f"/labs/classes/{classroom.class_id}/results.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(results)))
    assert len(rows) == 9
    assert {(r["trainee"], r["task"], r["passed"]) for r in rows if r["passed"]} == {
        ("Ada Lovelace", "account-alias", "true")}


def test_results_csv_cells_never_run_as_formulas(root_client, root):
    classroom, _ = start(root.account, trainees="=HYPERLINK(1), f@class.example")
    results = root_client.get(f"/labs/classes/{classroom.class_id}/results.csv").content.decode()
    assert "\n'=HYPERLINK(1)," in results


def test_reset_and_end_from_the_board(root_client, root):
    classroom, credentials = start(root.account)
    run = services.run_for(Account.objects.get(account_id=credentials[0].account_id))
    services.check_task(run, "account-alias")
    board_url = f"/labs/classes/{classroom.class_id}/"
    response = csrf_post(root_client, f"{board_url}trainees/{credentials[0].account_id}/reset/")
    assert response.status_code == 302 and response["Location"] == board_url
    assert not TaskProgress.objects.filter(run=run, checked_at__isnull=False).exists()
    assert csrf_post(root_client, f"{board_url}trainees/999999999999/reset/").status_code == 404
    assert csrf_post(root_client, f"{board_url}reset/").status_code == 302
    assert csrf_post(root_client, f"{board_url}advance/").status_code == 302
    assert services.run_for(run.account).slug == SECOND
    response = csrf_post(root_client, f"{board_url}advance/")
    assert response.status_code == 400 and "The class Monday is on its last lab." in response.content.decode()
    assert "Disable sign-in to the trainees" in root_client.get(f"{board_url}end/").content.decode()
    assert csrf_post(root_client, f"{board_url}end/", {"how": "disable"}).status_code == 302
    assert not User.objects.get(is_root=True, email=credentials[0].email).is_active


# ---------------------------------------------------------------------------
# Authorisation and isolation


def test_iam_users_need_the_class_actions(root, bob_client, alice, alice_client):
    classroom, _ = start(root.account)
    board_url = f"/labs/classes/{classroom.class_id}/"
    response = bob_client.get(board_url)
    assert response.status_code == 403
    assert (f"is not authorized to perform: labs:GetClass on resource: {classroom.org.arn} because no "
            f"identity-based policy allows the labs:GetClass action") in response.content.decode()
    grant(alice, {"Effect": "Allow", "Action": ["labs:GetClass"], "Resource": classroom.org.arn})
    assert alice_client.get(board_url).status_code == 200
    assert csrf_post(alice_client, f"{board_url}reset/").status_code == 403
    assert csrf_post(alice_client, f"{board_url}end/", {"how": "disable"}).status_code == 403
    grant(alice, {"Effect": "Allow", "Action": "labs:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "labs:EndClass", "Resource": "*"})
    assert csrf_post(alice_client, f"{board_url}end/", {"how": "disable"}).status_code == 403
    assert Classroom.objects.get().ended is None


def test_starting_a_class_needs_the_organizations_calls_it_stands_for(root, alice, alice_client):
    grant(alice, {"Effect": "Allow", "Action": "labs:StartClass", "Resource": "*"})
    response = csrf_post(alice_client, "/labs/classes/create/", {
        "name": "Monday", "labs": [FIRST], "source": "count", "count": "1"})
    assert response.status_code == 403
    assert "organizations:CreateOrganization" in response.content.decode()
    assert not Classroom.objects.exists() and organizations.organization_of(root.account) is None


def test_trainees_and_other_accounts_never_see_a_class(root, mallory_client):
    classroom, credentials = start(root.account)
    trainee = signed_in_trainee(credentials[0])
    other = credentials[1].account_id
    for client in (trainee, mallory_client):
        assert client.get(f"/labs/classes/{classroom.class_id}/").status_code == 404
        assert client.get(f"/labs/classes/{classroom.class_id}/board/").status_code == 404
        assert client.get(f"/labs/classes/{classroom.class_id}/results.csv").status_code == 404
        assert csrf_post(client, f"/labs/classes/{classroom.class_id}/trainees/{other}/reset/").status_code == 404
        assert csrf_post(client, f"/labs/classes/{classroom.class_id}/trainees/{other}/password/").status_code == 404
        assert csrf_post(client, f"/labs/classes/{classroom.class_id}/end/", {"how": "delete"}).status_code == 404
    # A member account runs no classes: its organization's are another account's.
    assert trainee.get("/labs/classes/").status_code == 404
    assert trainee.get("/labs/classes/create/").status_code == 404
    assert classroom.class_id not in mallory_client.get("/labs/classes/").content.decode()


def test_the_sheet_csv_keeps_a_one_time_password_exactly(root_client, monkeypatch):
    """A password that starts like a formula is still the password (the other cells are guarded)."""
    monkeypatch.setattr(account_services, "generate_password", lambda *a, **k: "-Starts-With-Minus-1")
    csrf_post(root_client, "/labs/classes/create/", {
        "name": "Minus", "labs": [FIRST], "source": "list", "trainees_text": "=Ada, ada@class.example"})
    classroom = Classroom.objects.get()
    rows = list(csv.reader(io.StringIO(root_client.get(f"/labs/classes/{classroom.class_id}/sheet.csv")
                                       .content.decode())))
    assert rows[1][0] == "'=Ada" and rows[1][4] == "-Starts-With-Minus-1"


def test_a_trainee_cannot_change_the_scps_that_apply_to_their_account(root):
    """From inside the member account — its root user, or the instructor's own role session in
    it — the organization's policies can't be changed, and the account can't leave."""
    classroom, credentials = start(root.account)
    org, account_id, ou_id = classroom.org, credentials[0].account_id, classroom.ou.ou_id
    guardrails = organizations.list_policies(org).get(name=classes.GUARDRAILS_NAME)
    assert {t.target_id for t in guardrails.targets.all()} == {ou_id}
    attached = set(PolicyTarget.objects.values_list("policy_id", "target_id"))
    trainee = signed_in_trainee(credentials[0])
    attempts = [
        (f"/organizations/policies/{guardrails.policy_id}/targets/{ou_id}/detach/", {}),
        (f"/organizations/targets/{account_id}/policies/attach/", {"chosen": [guardrails.policy_id]}),
        ("/organizations/policies/create/", {"name": "Mine", "description": "", "document": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})}),
    ]
    for url, data in attempts:
        assert 400 <= csrf_post(trainee, url, data).status_code < 500, url
    response = csrf_post(trainee, "/organizations/leave/")
    assert response.status_code == 403
    assert ("is not authorized to perform: organizations:LeaveOrganization on resource: * with an explicit "
            "deny in a service control policy") in response.content.decode()
    assert set(PolicyTarget.objects.values_list("policy_id", "target_id")) == attached
    assert organizations.organization_of(Account.objects.get(account_id=account_id)) == org
    # Nor can the trainee take the instructor's way in away.
    response = csrf_post(trainee, "/iam/roles/OrganizationAccountAccessRole/delete/",
                         {"confirm": "OrganizationAccountAccessRole"})
    assert response.status_code == 403
    assert "with an explicit deny in a service control policy" in response.content.decode()
    assert Role.objects.filter(account__account_id=account_id, name="OrganizationAccountAccessRole").exists()


def test_the_class_list_shows_each_class_with_its_trainees_and_lab(root_client, root,
                                                                   django_assert_max_num_queries):
    start(root.account, name="Monday")
    start(root.account, name="Tuesday", trainees="Solo, solo@class.example")
    root_client.get("/labs/classes/")
    with django_assert_max_num_queries(10):
        page = root_client.get("/labs/classes/").content.decode()
    assert page.index("Tuesday") < page.index("Monday")
    assert re.search(r"Monday</a></th>\s*<td>3</td>\s*<td>secure-the-root-user \(1 of 2\)</td>", page)


def test_the_board_of_a_lab_no_longer_shipped_still_lists_the_trainees(root_client, root):
    classroom, _ = start(root.account)
    Classroom.objects.filter(pk=classroom.pk).update(labs=["gone-lab"])
    page = root_client.get(f"/labs/classes/{classroom.class_id}/").content.decode()
    assert "gone-lab (no longer on this server)" in page and "Grace Hopper" in page


def test_a_trainee_who_lost_the_password_gets_a_new_one_shown_once(root_client, root):
    classroom, credentials = start(root.account)
    lost = credentials[1]
    response = csrf_post(root_client, f"/labs/classes/{classroom.class_id}/trainees/{lost.account_id}/password/")
    assert response["Location"] == f"/labs/classes/{classroom.class_id}/sheet/"
    sheet = root_client.get(response["Location"]).content.decode()
    assert "Alan Turing" in sheet and "Ada Lovelace" not in sheet
    rows = list(csv.reader(io.StringIO(root_client.get(f"/labs/classes/{classroom.class_id}/sheet.csv")
                                       .content.decode())))
    assert [row[2] for row in rows[1:]] == [lost.account_id]
    alan = User.objects.get(is_root=True, email=lost.email)
    assert alan.check_password(rows[1][4]) and not alan.check_password(lost.password)
    assert alan.password_reset_required
    signed_in_trainee(classes.Credential(lost.name, lost.email, lost.account_id, rows[1][4]))


def test_a_new_password_is_an_action_of_its_own(root, alice, alice_client):
    """The board's New password gives a way into a trainee's account: labs:ResetTrainee (reset a
    lab) does not allow it, labs:ResetTraineePassword does; an explicit deny of it wins."""
    classroom, credentials = start(root.account)
    url = f"/labs/classes/{classroom.class_id}/trainees/{credentials[0].account_id}/password/"
    grant(alice, {"Effect": "Allow", "Action": ["labs:GetClass", "labs:ResetTrainee"], "Resource": classroom.org.arn})
    ada = User.objects.get(is_root=True, email=credentials[0].email)
    response = csrf_post(alice_client, url)
    assert response.status_code == 403
    assert (f"is not authorized to perform: labs:ResetTraineePassword on resource: {classroom.org.arn} because no "
            "identity-based policy allows the labs:ResetTraineePassword action") in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(credentials[0].password)
    # Resetting the trainee's lab is still allowed with labs:ResetTrainee alone.
    assert csrf_post(alice_client, url.replace("/password/", "/reset/")).status_code == 302
    grant(alice, {"Effect": "Allow", "Action": "labs:ResetTraineePassword", "Resource": classroom.org.arn})
    response = csrf_post(alice_client, url)
    assert response["Location"] == f"/labs/classes/{classroom.class_id}/sheet/"
    ada.refresh_from_db()
    assert not ada.check_password(credentials[0].password) and ada.password_reset_required
    grant(alice, {"Effect": "Allow", "Action": "labs:*", "Resource": "*"},
          {"Effect": "Deny", "Action": "labs:ResetTraineePassword", "Resource": "*"})
    assert csrf_post(alice_client, url).status_code == 403


def test_a_trainee_cannot_end_the_class_lab_nor_start_another(root):
    """A trainee (their account's root user) may reset their class lab but not end it or start a
    self-study lab over it: AccessDenied in the portal's words; the instructor's board still runs
    the class."""
    classroom, credentials = start(root.account)
    trainee = signed_in_trainee(credentials[0])
    account = Account.objects.get(account_id=credentials[0].account_id)
    run = services.run_for(account)
    panel = trainee.get("/console/home/").content.decode()
    assert "This lab is part of a class: your instructor ends it." in panel
    assert f"/labs/runs/{run.pk}/end/" not in panel
    response = csrf_post(trainee, f"/labs/runs/{run.pk}/end/", {"next": "/iam/", "run": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert (f"User: {account.root_arn} is not authorized to perform: labs:EndLab on resource: "
            f"{account.root_arn} because the lab running in this account is part of the class Monday: only "
            "the class&#x27;s instructor can end it") in page
    for response in (trainee.get(f"/labs/{SECOND}/start/"), csrf_post(trainee, f"/labs/{SECOND}/start/")):
        assert response.status_code == 403
        assert ("is not authorized to perform: labs:StartLab on resource: "
                f"{account.root_arn} because the lab running in this account is part of the class Monday: only "
                "the class&#x27;s instructor can start another lab in this account") in response.content.decode()
    labs_page = trainee.get("/labs/").content.decode()
    assert "This account runs a lab of the class Monday: only its instructor starts another lab here" in labs_page
    assert f"/labs/{SECOND}/start/" not in labs_page
    run.refresh_from_db()
    assert run.ended is None and services.run_for(account) == run
    # The instructor moves the class on: the trainee's new run is the class's too.
    classes.advance_class(classroom)
    assert csrf_post(trainee, f"/labs/runs/{services.run_for(account).pk}/end/", {"next": "/iam/"}).status_code == 403
