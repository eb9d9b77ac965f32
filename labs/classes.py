"""Classes: an instructor's trainees, each in a member account of the instructor's organization,
working through an ordered list of labs (issue #14; docs/labs.md, "Classes and the board").

The operations, each in one transaction (authorisation is the caller's, as for every service):

- :func:`start_class` creates the organization when the account has none (the account becomes its
  management account), an OU named after the class under the root with the SCP
  :data:`GUARDRAILS_NAME` attached (a trainee can't leave the organization, which would shed the
  class's SCPs, nor change the role the instructor opens their account with), one member account per
  trainee (:func:`organizations.services.create_account`: its root user gets a one-time password
  it must change at first sign-in, and the role ``OrganizationAccountAccessRole``), and starts the
  class's first lab in every account (:func:`labs.services.start_lab`). It returns the one-time
  passwords; nothing stores them in clear (the console keeps them sealed in the instructor's
  session until the sheet is downloaded).
- :func:`advance_class` moves every trainee to the class's next lab (its starting state replaces
  the account's IAM entities, as :func:`labs.services.start_lab` does), :func:`reset_trainee` and
  :func:`reset_class` put a trainee's (or every trainee's) current lab back to its starting state.
- :func:`end_class` ends the lab runs and disables every sign-in to the trainees' accounts (root
  users and IAM users inactive, the root password unusable, so open sessions and access keys stop
  working too), or deletes the accounts and the class's OU.

Trainees are given as pasted lines ``Name, email``, an uploaded CSV of the same two columns, or a
count (generated names ``Trainee 01`` and addresses ``trainee-01@class-<slug>.example``).

Differences from the brief's sketch: ``Trainee.last_activity`` is not stored; the board reads a
trainee's last activity from the audit trail (:func:`audit.services.last_activity`), which already
records every sign-in, change and check in the account.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import services as account_services
from accounts.models import Account, User
from iamportal.errors import InvalidInput
from organizations import services as organizations

from . import catalogue, services
from .models import Classroom, Trainee

#: Trainees in one class (AWS's default quota is 10 accounts per organization; a class here is
#: sized for one room).
MAX_TRAINEES = 100
#: An account name (AWS: 1-50 characters) and a root email address (AWS: at most 64).
MAX_NAME, MAX_EMAIL = 50, 64
#: A class is named like its OU (AWS: 1-128 characters).
MAX_CLASS_NAME = 128
#: The service control policy attached to every class's OU (created once per organization).
GUARDRAILS_NAME = "ClassroomGuardrails"
GUARDRAILS_DESCRIPTION = ("Classes: trainees can't leave the organization or change "
                          "OrganizationAccountAccessRole.")
GUARDRAILS = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "StayInTheClass", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
    {"Sid": "KeepTheInstructorsRole", "Effect": "Deny", "Action": "iam:*",
     "Resource": "arn:aws:iam::*:role/OrganizationAccountAccessRole"},
]}, indent=2)


@dataclass(frozen=True)
class TraineeSpec:
    """A trainee to create: display name (the member account's name) and root email."""

    name: str
    email: str


@dataclass(frozen=True)
class Credential:
    """What a trainee needs to sign in the first time: the root email and one-time password of
    their member account."""

    name: str
    email: str
    account_id: str
    password: str


# ---------------------------------------------------------------------------
# Trainee lists


def parse_trainee_lines(text: str) -> list[TraineeSpec]:
    """Trainees from pasted lines ``Name, email`` (blank lines skipped).

    Raises:
        InvalidInput: naming the first bad line.
    """
    rows = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    return _checked([(number, *_split(number, line)) for number, line in rows])


def parse_trainee_csv(data: bytes) -> list[TraineeSpec]:
    """Trainees from a CSV file of two columns, name and email (a header row ``name,email`` is
    skipped).

    Raises:
        InvalidInput: the file is not UTF-8 CSV, or a row is malformed.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The trainees file must be a UTF-8 CSV file.") from None
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), 1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and [c.lower() for c in cells[:2]] == ["name", "email"]:
            continue
        if len(cells) != 2:
            raise InvalidInput(f"Line {number}: expected two columns, name and email.")
        rows.append((number, cells[0], cells[1]))
    return _checked(rows)


def generated_trainees(count: int, class_name: str) -> list[TraineeSpec]:
    """``count`` trainees named ``Trainee 01``… with addresses ``trainee-01@class-<slug>.example``,
    where the slug (from the class name) is one no root user's address uses yet."""
    if not 1 <= count <= MAX_TRAINEES:
        raise InvalidInput(f"The number of trainees must be between 1 and {MAX_TRAINEES}.")
    domain = _free_domain(slugify(class_name)[:30].strip("-") or "class")
    width = max(2, len(str(count)))
    return [TraineeSpec(f"Trainee {n:0{width}}", f"trainee-{n:0{width}}@{domain}") for n in range(1, count + 1)]


def _free_domain(slug: str) -> str:
    """``class-<slug>.example``, or ``class-<slug>-2.example``… when root users already use it."""
    taken = set(User.objects.filter(is_root=True, email__iregex=rf"@class-{re.escape(slug)}(-[0-9]+)?\.example$")
                .values_list("email", flat=True))
    domains = {email.rpartition("@")[2].lower() for email in taken}
    suffix = 1
    while (domain := f"class-{slug}{'' if suffix == 1 else f'-{suffix}'}.example") in domains:
        suffix += 1
    return domain


def _split(number: int, line: str) -> tuple[str, str]:
    name, comma, email = line.rpartition(",")
    if not comma:
        raise InvalidInput(f"Line {number}: expected \"Name, email\".")
    return name.strip(), email.strip()


def _checked(rows: list[tuple[int, str, str]]) -> list[TraineeSpec]:
    if not rows:
        raise InvalidInput("Give at least one trainee.")
    if len(rows) > MAX_TRAINEES:
        raise InvalidInput(f"A class has at most {MAX_TRAINEES} trainees; the list has {len(rows)}.")
    seen: set[str] = set()
    trainees = []
    for number, name, email in rows:
        if not 1 <= len(name) <= MAX_NAME:
            raise InvalidInput(f"Line {number}: the name must be 1 to {MAX_NAME} characters.")
        try:
            validate_email(email)
        except DjangoValidationError:
            raise InvalidInput(f"Line {number}: {email!r} is not a valid email address.") from None
        if len(email) > MAX_EMAIL:
            raise InvalidInput(f"Line {number}: the email address must be at most {MAX_EMAIL} characters.")
        if email.lower() in seen:
            raise InvalidInput(f"Line {number}: {email} appears twice in the list.")
        seen.add(email.lower())
        trainees.append(TraineeSpec(name, email))
    return trainees


# ---------------------------------------------------------------------------
# The class's life


def classes_of(account: Account):
    """The classes run from ``account`` (the management account of their organization), newest
    first."""
    return Classroom.objects.filter(org__management_account=account).order_by("-created")


def get_class(account: Account, class_id: str) -> Classroom:
    """The class ``class_id`` of ``account``'s organization, which ``account`` manages;
    ``Classroom.DoesNotExist`` otherwise (a trainee's account or another organization's)."""
    return classes_of(account).select_related("org__management_account", "ou").get(class_id=class_id)


def get_trainee(classroom: Classroom, account_id: str) -> Trainee:
    """The trainee of ``classroom`` whose member account is ``account_id``; ``Trainee.DoesNotExist``
    otherwise."""
    return classroom.trainees.select_related("member__account").get(member__account__account_id=account_id)


@transaction.atomic
def start_class(account: Account, *, name: str, lab_slugs: list[str], trainees: list[TraineeSpec],
                started_by: str = "") -> tuple[Classroom, list[Credential]]:
    """Start a class run from ``account``: its OU, one member account per trainee with the first
    lab started, all or nothing.

    Args:
        account: the instructor's account; it becomes an organization's management account when
            it is in none. A member account of an organization can't run a class
            (``InvalidInput``; AWS lets only the management account create accounts).
        name: the class's name, also its OU's name (unique under the organization's root).
        lab_slugs: the labs in the order the class takes them (shipped labs,
            :func:`labs.catalogue.get`).
        trainees: from :func:`parse_trainee_lines`, :func:`parse_trainee_csv` or
            :func:`generated_trainees`.
        started_by: the ARN of the instructor's principal.

    Returns:
        The class and the trainees' one-time credentials, in the trainees' order.
    """
    name = name.strip()
    if not 1 <= len(name) <= MAX_CLASS_NAME:
        raise InvalidInput(f"The class name must be 1 to {MAX_CLASS_NAME} characters.")
    if not lab_slugs:
        raise InvalidInput("Choose at least one lab.")
    for slug in lab_slugs:
        try:
            catalogue.get(slug)
        except KeyError:
            raise InvalidInput(f"There is no lab {slug!r}.") from None
    if not 1 <= len(trainees) <= MAX_TRAINEES:
        raise InvalidInput(f"A class has 1 to {MAX_TRAINEES} trainees.")
    org = organizations.organization_of(account)
    if org is None:
        org = organizations.create_organization(account)
    elif org.management_account_id != account.pk:
        raise InvalidInput("Only the management account of an organization can start a class.")
    ou = organizations.create_ou(org, parent_id=org.root_id, name=name)
    organizations.attach_policy(_guardrails(org), ou.ou_id)
    classroom = Classroom.objects.create(org=org, ou=ou, name=name, labs=list(lab_slugs), started_by=started_by)
    credentials = []
    for position, spec in enumerate(trainees):
        member, password = organizations.create_account(org, name=spec.name, email=spec.email, parent_id=ou.ou_id)
        Trainee.objects.create(classroom=classroom, member=member, display_name=spec.name, email=spec.email,
                               position=position)
        services.start_lab(member.account, lab_slugs[0], started_by=started_by, classroom=classroom)
        credentials.append(Credential(spec.name, spec.email, member.account.account_id, password))
    return classroom, credentials


def _guardrails(org):
    """The organization's :data:`GUARDRAILS_NAME` SCP, created the first time."""
    existing = organizations.list_policies(org).filter(name=GUARDRAILS_NAME).first()
    return existing or organizations.create_policy(org, name=GUARDRAILS_NAME, description=GUARDRAILS_DESCRIPTION,
                                                   document=GUARDRAILS)


def _trainee_accounts(classroom: Classroom) -> list[Account]:
    return [t.member.account for t in classroom.trainees.select_related("member__account").order_by("position")]


def _require_running(classroom: Classroom) -> None:
    if classroom.ended is not None:
        raise InvalidInput(f"The class {classroom.name} has ended.")


@transaction.atomic
def advance_class(classroom: Classroom, *, started_by: str = "") -> str:
    """Start the class's next lab in every trainee's account (:func:`labs.services.start_lab`: the
    previous lab's run ends and the account's IAM entities are removed first); returns the new
    lab's slug.

    Raises:
        InvalidInput: the class has ended, or is on its last lab.
    """
    _require_running(classroom)
    if classroom.lab_index + 1 >= len(classroom.labs):
        raise InvalidInput(f"The class {classroom.name} is on its last lab.")
    classroom.lab_index += 1
    classroom.save(update_fields=["lab_index"])
    slug = classroom.current_slug
    for account in _trainee_accounts(classroom):
        services.start_lab(account, slug, started_by=started_by, classroom=classroom)
    return slug


@transaction.atomic
def reset_trainee(trainee: Trainee) -> None:
    """Put the trainee's current lab back to its starting state (progress and hints cleared)."""
    _require_running(trainee.classroom)
    run = services.run_for(trainee.member.account)
    if run is None or run.classroom_id != trainee.classroom_id:
        raise InvalidInput(f"{trainee.display_name} has no lab of this class running.")
    services.reset_lab(run)


@transaction.atomic
def reset_class(classroom: Classroom) -> int:
    """:func:`reset_trainee` for every trainee; returns how many were reset."""
    trainees = list(classroom.trainees.select_related("member__account", "classroom"))
    for trainee in trainees:
        reset_trainee(trainee)
    return len(trainees)


@transaction.atomic
def issue_password(trainee: Trainee) -> Credential:
    """A new one-time password for the trainee's root user (who lost theirs), which the root
    user must change at its next sign-in; the old one stops working."""
    _require_running(trainee.classroom)
    account = trainee.member.account
    root = User.objects.get(account=account, is_root=True)
    password = account_services.generate_password()
    account_services.set_console_password(root, password, reset_required=True)
    return Credential(trainee.display_name, root.email, account.account_id, password)


@transaction.atomic
def end_class(classroom: Classroom, *, delete_accounts: bool = False) -> None:
    """End the class: its lab runs end and nobody can sign in to its accounts any more.

    Without ``delete_accounts`` the accounts stay, suspended: every user of them, root
    included, becomes inactive (sign-in refused, open sessions and access keys stop working),
    the root passwords unusable, and no role of theirs can be assumed, by anyone (a role a
    trainee made to trust an outside account included). With it, the accounts (and everything in them) and the class's OU are
    deleted, and the board has no trainees left: export the results first.
    """
    _require_running(classroom)
    accounts = _trainee_accounts(classroom)
    now = timezone.now()
    classroom.runs.filter(ended__isnull=True).update(ended=now)
    if delete_accounts:
        for account in accounts:
            organizations.remove_account(classroom.org, account)  # its SCP attachments go too
        Account.objects.filter(pk__in=[a.pk for a in accounts]).delete()
        if classroom.ou is not None:
            organizations.delete_ou(classroom.ou)
            classroom.ou = None
    else:
        users = User.objects.filter(account__in=accounts)
        users.update(is_active=False)
        users.filter(is_root=True).update(password=make_password(None))
        organizations.suspend_accounts(classroom.org, accounts)  # roles trusting outsiders too
    classroom.ended = now
    classroom.save(update_fields=["ended", "ou"])
