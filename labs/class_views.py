"""Console pages of classes (issue #14): the classes list, Start a class, the one-time sign-in
sheet, the instructor board (and its fragment, refreshed by static/labs/board.js), the results CSV,
reset, next lab and end.

Authorisation: portal actions decided by the engine like IAM's (docs/differences.md) on the
organization's ARN — ``labs:GetClass`` (list, board, sheet, results), ``labs:StartClass`` (start,
next lab), ``labs:ResetTrainee`` (reset), ``labs:ResetTraineePassword`` (a new one-time root password)
and ``labs:EndClass`` — plus the Organizations calls an operation stands for (a root password has
none: AWS sets no member account's root password from the management account). A class exists only for its organization's management account: anyone else (a
trainee's account, another organization) gets a 404, whatever their policies say.

The one-time passwords of a new class live sealed (accounts.seeds) in the instructor's session,
for :data:`SHEET_TTL` seconds at most, until the sheet's CSV is downloaded; they are stored nowhere
else.
"""

from __future__ import annotations

import csv
import time
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import seeds
from audit.views import csv_cell
from iamportal import durable
from iamportal.errors import IAMError, InvalidInput
from organizations import errors as org_errors
from organizations import services as organizations
from policies.authz import ActionDenied, IAMActionRequiredMixin, access_denied, require_all

from . import board as boards
from . import catalogue, classes
from .models import Classroom, Trainee

#: Portal actions of classes (docs/differences.md), on the organization's ARN.
START_CLASS, GET_CLASS, RESET_TRAINEE, RESET_PASSWORD, END_CLASS = (
    "labs:StartClass", "labs:GetClass", "labs:ResetTrainee", "labs:ResetTraineePassword", "labs:EndClass")
#: The role every created member account has, which "Open account" switches to.
ACCESS_ROLE = "OrganizationAccountAccessRole"
#: How often the board refreshes itself (static/labs/board.js), in seconds.
REFRESH_SECONDS = 5
#: The largest trainees CSV accepted.
MAX_CSV_BYTES = 64 * 1024

SHEET_KEY = "labs_class_sheet:{}"
SHEET_PURPOSE = "class one-time passwords"
#: However the instructor leaves the sheet, its passwords are gone from the session after this long.
SHEET_TTL = 60 * 60


# ---------------------------------------------------------------------------
# The one-time passwords, sealed in the session until downloaded


def keep_sheet(request, classroom: Classroom, credentials: list[classes.Credential]) -> None:
    """Keep ``credentials`` (sealed) for the sheet, after those still kept for other accounts."""
    new = {c.account_id for c in credentials}
    kept = [c for c in peek_sheet(request, classroom) or [] if c.account_id not in new]
    request.session[SHEET_KEY.format(classroom.class_id)] = {
        "at": time.time(),
        "rows": [[c.name, c.email, c.account_id, seeds.seal_text(c.password, SHEET_PURPOSE)]
                 for c in [*kept, *credentials]],
    }


def peek_sheet(request, classroom: Classroom) -> list[classes.Credential] | None:
    """The class's credentials, passwords opened, while they are kept and fresh."""
    kept = request.session.get(SHEET_KEY.format(classroom.class_id))
    if not kept or time.time() - kept.get("at", 0) > SHEET_TTL:
        return None
    credentials = []
    for name, email, account_id, sealed in kept["rows"]:
        password = seeds.open_text(sealed, SHEET_PURPOSE)
        if password is None:
            return None
        credentials.append(classes.Credential(name, email, account_id, password))
    return credentials


def pop_sheet(request, classroom: Classroom) -> list[classes.Credential] | None:
    credentials = peek_sheet(request, classroom)
    request.session.pop(SHEET_KEY.format(classroom.class_id), None)
    return credentials


def csv_response(filename: str, header: list[str], rows: list[list[Any]], *, verbatim: int | None = None
                 ) -> HttpResponse:
    """A CSV download whose cells a spreadsheet never runs as formulas (audit.views.csv_cell),
    except column ``verbatim``: a one-time password must be copied exactly, and it is the
    portal's own text, never a trainee's."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([value if column == verbatim else csv_cell(value) for column, value in enumerate(row)]
                     for row in rows)
    return response


def switch_role_url(trainee: Trainee) -> str:
    """The Switch Role form prefilled for the trainee's ``OrganizationAccountAccessRole``, as the
    AWS console's "Switch role" link from Organizations does."""
    query = urlencode({"account": trainee.member.account.account_id, "roleName": ACCESS_ROLE,
                       "displayName": f"{trainee.display_name}"[:64]})
    return f"{reverse('accounts:switch_role')}?{query}"


def board_context(classroom: Classroom) -> dict[str, Any]:
    """What the board's templates show (labs/class_detail.html, labs/class_board.html)."""
    board = boards.class_board(classroom)
    return {"classroom": classroom, "board": board, "refresh_seconds": REFRESH_SECONDS,
            "rows": [(row, switch_role_url(row.trainee)) for row in board.rows]}


# ---------------------------------------------------------------------------
# Mixins


class OrganizationMixin(IAMActionRequiredMixin):
    """Pages on the organization the caller's account manages (none yet: ``*``, as
    CreateOrganization). A member account of an organization runs no classes: 404, the classes of
    its organization are another account's."""

    def setup_objects(self) -> None:
        account = self.request.iam.account
        self.organization = organizations.organization_of(account)
        if self.organization is not None and self.organization.management_account_id != account.pk:
            raise Http404("Classes are run from the organization's management account.")

    def get_resource_arn(self) -> str:
        return self.organization.arn if self.organization is not None else "*"

    def get_context_data(self, **kwargs):
        return super().get_context_data(organization=self.organization, **kwargs)


class ClassMixin(IAMActionRequiredMixin):
    """Pages of one class, found among the classes the caller's account manages (else 404)."""

    def setup_objects(self) -> None:
        try:
            self.classroom = classes.get_class(self.request.iam.account, self.kwargs["class_id"])
        except Classroom.DoesNotExist:
            raise Http404("No such class.") from None

    def get_resource_arn(self) -> str:
        return self.classroom.org.arn

    def run(self, operation, success: str):
        """Run ``operation`` (a service call), then back to the board; its IAM error is shown on
        the board, with the error's status."""
        try:
            with transaction.atomic():
                operation()
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as error:
            self.request.audit_error = error
            messages.error(self.request, error.message)
            return render(self.request, "labs/class_detail.html", board_context(self.classroom), status=error.status)
        messages.success(self.request, success)
        return redirect("labs:class_detail", class_id=self.classroom.class_id)


# ---------------------------------------------------------------------------
# List and start


class ClassListView(OrganizationMixin, TemplateView):
    """Classes run from this account, newest first."""

    iam_action = GET_CLASS
    template_name = "labs/class_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            classes=list(classes.classes_of(self.request.iam.account).annotate(trainee_count=Count("trainees"))),
            **kwargs)


class ClassStartForm(forms.Form):
    SOURCES = [("list", "Paste a list"), ("csv", "Upload a CSV file"), ("count", "Generate trainees")]

    name = forms.CharField(label="Class name", max_length=classes.MAX_CLASS_NAME,
                           help_text="Also the name of the class's organizational unit, unique under the root.")
    labs = forms.MultipleChoiceField(label="Labs", widget=forms.CheckboxSelectMultiple,
                                     help_text="The class takes them in this order; it starts with the first.")
    source = forms.ChoiceField(label="Trainees", choices=SOURCES, widget=forms.RadioSelect, initial="list")
    trainees_text = forms.CharField(label="Trainees, one per line: Name, email", required=False,
                                    widget=forms.Textarea(attrs={"rows": 6}))
    trainees_file = forms.FileField(label="CSV file with two columns, name and email", required=False)
    count = forms.IntegerField(label="Number of trainees", required=False, min_value=1,
                               max_value=classes.MAX_TRAINEES,
                               help_text="Names Trainee 01, 02… with addresses trainee-01@class-<name>.example.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["labs"].choices = [(lab.slug, f"{lab.title} ({lab.minutes} min)") for lab in catalogue.all_labs()]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        field = {"list": "trainees_text", "csv": "trainees_file", "count": "count"}.get(source)
        if field is None or not data.get("name"):
            return data
        try:
            if source == "list":
                data["trainees"] = classes.parse_trainee_lines(data.get("trainees_text") or "")
            elif source == "csv":
                upload = data.get("trainees_file")
                if upload is None:
                    raise InvalidInput("Choose a CSV file.")
                if upload.size > MAX_CSV_BYTES:
                    raise InvalidInput(f"The CSV file must be at most {MAX_CSV_BYTES // 1024} KB.")
                data["trainees"] = classes.parse_trainee_csv(upload.read())
            else:
                if data.get("count") is None:
                    raise InvalidInput("Give the number of trainees.")
                data["trainees"] = classes.generated_trainees(data["count"], data["name"])
        except IAMError as error:
            self.add_error(field, error.message)
        return data


class ClassCreateView(OrganizationMixin, FormView):
    """Start a class: labs, trainees; creates the organization first when the account has none."""

    iam_action = START_CLASS
    template_name = "labs/class_create.html"
    form_class = ClassStartForm

    def implied_calls(self) -> list[tuple[str, str]]:
        """The Organizations calls starting a class stands for."""
        # The class's OU and the guardrails SCP don't exist yet: their calls are asked on "*".
        guardrails = [("organizations:CreatePolicy", "*"), ("organizations:AttachPolicy", "*"),
                      ("organizations:CreateAccount", "*")]
        if self.organization is None:
            return [("organizations:CreateOrganization", "*"), *guardrails]
        return [("organizations:CreateOrganizationalUnit", self.organization.root_arn), *guardrails]

    def form_valid(self, form):
        data = form.cleaned_data
        identity = self.request.iam
        try:
            # CreateAccount's counts (an email in use) outlive the class's rollback.
            with durable.collecting(), transaction.atomic():
                require_all(self.request, self.implied_calls())
                classroom, credentials = classes.start_class(
                    identity.account, name=data["name"], lab_slugs=data["labs"], trainees=data["trainees"],
                    started_by=identity.arn)
        except ActionDenied as denied:
            return access_denied(self.request, denied.auth)
        except IAMError as error:
            self.request.audit_error = error
            form.add_error("name" if isinstance(error, org_errors.DuplicateOrganizationalUnitException) else None,
                           error.message)
            return self.form_invalid(form)
        keep_sheet(self.request, classroom, credentials)
        messages.success(self.request, f"Class {classroom.name} started: {len(credentials)} trainee accounts "
                                       f"in the organizational unit {classroom.ou.ou_id}.")
        return redirect("labs:class_sheet", class_id=classroom.class_id)


# ---------------------------------------------------------------------------
# The sheet of one-time passwords


class ClassSheetView(ClassMixin, TemplateView):
    """The printable sheet of sign-in details, shown while the passwords are kept."""

    iam_action = GET_CLASS
    template_name = "labs/class_sheet.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(classroom=self.classroom, credentials=peek_sheet(self.request, self.classroom),
                                        signin_url=self.request.build_absolute_uri(reverse("accounts:signin")),
                                        **kwargs)


class ClassSheetCSVView(ClassMixin, View):
    """The sheet as CSV; downloading it forgets the passwords."""

    iam_action = GET_CLASS

    def get(self, request, *args, **kwargs):
        credentials = pop_sheet(request, self.classroom)
        if credentials is None:
            messages.error(request, "The one-time passwords of this class were already shown and are no longer "
                                    "available. A trainee who lost theirs gets a new one from the board.")
            return redirect("labs:class_sheet", class_id=self.classroom.class_id)
        signin_url = request.build_absolute_uri(reverse("accounts:signin"))
        return csv_response(f"{self.classroom.class_id}-sign-in.csv",
                            ["name", "email", "account_id", "sign_in_url", "one_time_password"],
                            [[c.name, c.email, c.account_id, signin_url, c.password] for c in credentials],
                            verbatim=4)


# ---------------------------------------------------------------------------
# The board


class ClassDetailView(ClassMixin, TemplateView):
    """The instructor board of the class's current lab."""

    iam_action = GET_CLASS
    template_name = "labs/class_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**board_context(self.classroom), **kwargs)


class ClassBoardView(ClassDetailView):
    """The board's table alone, which static/labs/board.js fetches every few seconds."""

    template_name = "labs/class_board.html"


class ClassResultsCSVView(ClassMixin, View):
    """The board as CSV: one row per trainee and task."""

    iam_action = GET_CLASS

    def get(self, request, *args, **kwargs):
        board = boards.class_board(self.classroom)
        return csv_response(f"{self.classroom.class_id}-{board.lab.slug}-results.csv", boards.RESULTS_HEADER,
                            boards.results_rows(board))


# ---------------------------------------------------------------------------
# Changes


class TraineeResetView(ClassMixin, View):
    """Reset one trainee's current lab."""

    iam_action = RESET_TRAINEE
    http_method_names = ["post"]

    def setup_objects(self) -> None:
        super().setup_objects()
        try:
            self.trainee = classes.get_trainee(self.classroom, self.kwargs["account_id"])
        except Trainee.DoesNotExist:
            raise Http404("No such trainee.") from None

    def post(self, request, *args, **kwargs):
        return self.run(lambda: classes.reset_trainee(self.trainee),
                        f"The lab of {self.trainee.display_name} is back to its starting state.")


class TraineePasswordView(TraineeResetView):
    """A new one-time password for a trainee's root user, shown once on the sheet: an action of
    its own (a password gives a way into the account; resetting its lab does not)."""

    iam_action = RESET_PASSWORD

    def post(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                credential = classes.issue_password(self.trainee)
        except IAMError as error:
            self.request.audit_error = error
            messages.error(request, error.message)
            return render(request, "labs/class_detail.html", board_context(self.classroom), status=error.status)
        keep_sheet(request, self.classroom, [credential])
        messages.success(request, f"{self.trainee.display_name} has a new one-time password.")
        return redirect("labs:class_sheet", class_id=self.classroom.class_id)


class ClassResetView(ClassMixin, View):
    """Reset every trainee's current lab."""

    iam_action = RESET_TRAINEE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return self.run(lambda: classes.reset_class(self.classroom),
                        "Every trainee's lab is back to its starting state.")


class ClassAdvanceView(ClassMixin, View):
    """Start the class's next lab in every trainee's account."""

    iam_action = START_CLASS
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        return self.run(lambda: classes.advance_class(self.classroom, started_by=request.iam.arn),
                        "The next lab has started in every trainee's account.")


class ClassEndForm(forms.Form):
    CHOICES = [("disable", "Disable sign-in to the trainees' accounts (keep them)"),
               ("delete", "Delete the trainees' accounts and the class's organizational unit")]
    how = forms.ChoiceField(label="End the class", choices=CHOICES, widget=forms.RadioSelect, initial="disable")


class ClassEndView(ClassMixin, FormView):
    """End the class: disable sign-in to its accounts, or delete them."""

    iam_action = END_CLASS
    template_name = "labs/class_end.html"
    form_class = ClassEndForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(classroom=self.classroom, **kwargs)

    def implied_calls(self, delete: bool) -> list[tuple[str, str]]:
        if not delete:
            return []
        org = self.classroom.org
        calls = [("organizations:CloseAccount", org.account_arn(t.member.account.account_id))
                 for t in self.classroom.trainees.select_related("member__account")]
        if self.classroom.ou is not None:
            calls.append(("organizations:DeleteOrganizationalUnit", self.classroom.ou.arn))
        return calls

    def form_valid(self, form):
        delete = form.cleaned_data["how"] == "delete"

        def end():
            require_all(self.request, self.implied_calls(delete))
            classes.end_class(self.classroom, delete_accounts=delete)

        done = "deleted its accounts" if delete else "disabled sign-in to its accounts"
        return self.run(end, f"Class {self.classroom.name} ended: {done}.")


urlpatterns = [
    path("labs/classes/", ClassListView.as_view(), name="class_list"),
    path("labs/classes/create/", ClassCreateView.as_view(), name="class_create"),
    path("labs/classes/<slug:class_id>/", ClassDetailView.as_view(), name="class_detail"),
    path("labs/classes/<slug:class_id>/board/", ClassBoardView.as_view(), name="class_board"),
    path("labs/classes/<slug:class_id>/sheet/", ClassSheetView.as_view(), name="class_sheet"),
    path("labs/classes/<slug:class_id>/sheet.csv", ClassSheetCSVView.as_view(), name="class_sheet_csv"),
    path("labs/classes/<slug:class_id>/results.csv", ClassResultsCSVView.as_view(), name="class_results_csv"),
    path("labs/classes/<slug:class_id>/reset/", ClassResetView.as_view(), name="class_reset"),
    path("labs/classes/<slug:class_id>/trainees/<str:account_id>/reset/", TraineeResetView.as_view(),
         name="class_trainee_reset"),
    path("labs/classes/<slug:class_id>/trainees/<str:account_id>/password/", TraineePasswordView.as_view(),
         name="class_trainee_password"),
    path("labs/classes/<slug:class_id>/advance/", ClassAdvanceView.as_view(), name="class_advance"),
    path("labs/classes/<slug:class_id>/end/", ClassEndView.as_view(), name="class_end"),
]
