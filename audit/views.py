"""Event history (CloudTrail › Event history) at ``/iam/event-history/``.

The caller's account's events (an organization's management account may choose one of its
member accounts), newest first, filtered by event name, user name, resource
name or ARN, event source, read-only and a time range; 50 a page with a keyset cursor
(``?after=<microseconds>,<id>``), so every page reads one index range whatever the trail's size.
Each event opens as its CloudTrail JSON; the filtered list downloads as CloudTrail's
``{"Records": [...]}`` or as CSV (at most :data:`MAX_DOWNLOAD` events). Gated by
``cloudtrail:LookupEvents`` on ``*``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from accounts.models import Account
from policies.authz import IAMActionRequiredMixin

from . import policy_generation
from .models import Event

PAGE_SIZE = 50
MAX_DOWNLOAD = 10_000
SOURCES = ("iam.amazonaws.com", "sts.amazonaws.com", "signin.amazonaws.com", "organizations.amazonaws.com")
CSV_COLUMNS = ("Event ID", "Event time", "User name", "Event name", "Event source", "Resource name",
               "Resource ARN", "AWS access key", "AWS region", "Error code", "Source IP address", "Read-only")


class EventFilterForm(forms.Form):
    """The event history's filters (all optional; each narrows the list). ``accounts``: the
    accounts whose events the caller may look up; with more than one (an organization's
    management account), the form offers the choice."""

    account = forms.ChoiceField(label="Account", required=False)
    event_name = forms.CharField(label="Event name", required=False, max_length=64)
    user_name = forms.CharField(label="User name", required=False, max_length=128)
    resource = forms.CharField(label="Resource name or ARN", required=False, max_length=2048)
    event_source = forms.ChoiceField(label="Event source", required=False,
                                     choices=[("", "Any")] + [(source, source) for source in SOURCES])
    read_only = forms.ChoiceField(label="Read-only", required=False,
                                  choices=[("", "Any"), ("true", "true"), ("false", "false")])
    start = forms.DateTimeField(label="From (UTC)", required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    end = forms.DateTimeField(label="To (UTC)", required=False,
                              widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, accounts: list[Account] | tuple = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.accounts = list(accounts)
        if len(self.accounts) > 1:
            self.fields["account"].choices = [("", "This account")] + [
                (account.account_id, f"{account.account_id}{f' ({account.alias})' if account.alias else ''}")
                for account in self.accounts]
        else:
            del self.fields["account"]

    def chosen_account(self, own: Account) -> Account:
        """The account whose events are listed: the valid choice, else the caller's own."""
        wanted = self.cleaned_data.get("account") if self.is_valid() else ""
        return next((account for account in self.accounts if account.account_id == wanted), own)

    def clean(self):
        data = super().clean()
        for key in ("start", "end"):
            if data.get(key) is not None and data[key].tzinfo is None:
                data[key] = data[key].replace(tzinfo=UTC)
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start of the time range must be before its end.")
        return data

    def filtered(self, events):
        """``events`` narrowed by the valid filters (an invalid form filters nothing more)."""
        data = self.cleaned_data if self.is_valid() else {}
        exact = {"event_name": data.get("event_name"), "user_name": data.get("user_name"),
                 "event_source": data.get("event_source")}
        events = events.filter(**{key: value.replace("\x00", "") for key, value in exact.items() if value})
        resource = (data.get("resource") or "").replace("\x00", "")
        if resource:  # an ARN or a name: one column, so one index range (not an OR of two)
            events = events.filter(**{"resource_arn" if resource.startswith("arn:") else "resource_name": resource})
        if data.get("read_only"):
            events = events.filter(read_only=data["read_only"] == "true")
        if data.get("start"):
            events = events.filter(event_time__gte=data["start"])
        if data.get("end"):
            events = events.filter(event_time__lte=data["end"])
        return events


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_cursor(value: str) -> tuple[datetime, int] | None:
    """``<microseconds since the epoch>,<id>`` → (time, id); anything else names no page (the
    first one)."""
    micros, _, pk = value.partition(",")
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def cursor_of(event: Event) -> str:
    """The cursor of the page after ``event``: digits and a comma, safe in any URL."""
    return f"{(event.event_time - EPOCH) // timedelta(microseconds=1)},{event.pk}"


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def lookup_accounts(account: Account) -> list[Account]:
    """The accounts whose events ``account``'s principals may look up: their own and, for an
    organization's management account, its member accounts' (as an organization trail
    collects them)."""
    from organizations import services as organizations  # organizations' views import this app

    ids = organizations.visible_account_ids(account)
    if ids == [account.pk]:
        return [account]
    return list(Account.objects.filter(pk__in=ids).order_by("account_id"))


class EventHistoryView(IAMActionRequiredMixin, TemplateView):
    """Event history: filters, 50 events a page (keyset), the JSON and CSV downloads."""

    iam_action = "cloudtrail:LookupEvents"
    template_name = "audit/event_history.html"

    @staticmethod
    def page_query(account: Any, filters: dict[str, str]):
        """The events of ``account`` that ``filters`` (the form's fields) select, newest first."""
        return EventFilterForm(filters).filtered(Event.objects.filter(account=account)).order_by("-event_time", "-id")

    def events(self, form: EventFilterForm):
        return self.page_query(form.chosen_account(self.request.iam.account), form.data)

    def get(self, request, *args, **kwargs):
        form = EventFilterForm(request.GET, accounts=lookup_accounts(request.iam.account))
        download = request.GET.get("format")
        if download in ("json", "csv"):
            return self.download(self.events(form)[:MAX_DOWNLOAD], download)
        return super().get(request, *args, form=form, **kwargs)

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        events = self.events(kwargs["form"])
        cursor = parse_cursor(self.request.GET.get("after", ""))
        if cursor is not None:
            moment, pk = cursor
            events = events.filter(Q(event_time__lt=moment) | Q(event_time=moment, id__lt=pk))
        rows = list(events.only("event_id", "event_time", "event_name", "event_source", "user_name",
                                "resource_name", "error_code", "read_only", "source_ip")[:PAGE_SIZE + 1])
        context.update(events=rows[:PAGE_SIZE], next_cursor=cursor_of(rows[PAGE_SIZE - 1]) if len(rows) > PAGE_SIZE
                       else "", first_page=cursor is None, max_download=MAX_DOWNLOAD)
        return context

    def download(self, events, kind: str) -> HttpResponse:
        if kind == "json":
            body = json.dumps({"Records": [event.as_record() for event in events.iterator(chunk_size=1000)]},
                              indent=2)
            response = HttpResponse(body, content_type="application/json")
        else:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(CSV_COLUMNS)
            for event in events.iterator(chunk_size=1000):
                writer.writerow([csv_cell(value) for value in (
                    event.event_id, event.event_time.strftime("%Y-%m-%dT%H:%M:%SZ"), event.user_name,
                    event.event_name, event.event_source, event.resource_name, event.resource_arn,
                    event.user_identity.get("accessKeyId", ""), event.aws_region, event.error_code,
                    event.source_ip, "true" if event.read_only else "false")])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="event_history.{kind}"'
        return response


class EventDetailView(IAMActionRequiredMixin, TemplateView):
    """One event, as its CloudTrail record (formatted JSON); another account's is a 404."""

    iam_action = "cloudtrail:LookupEvents"
    template_name = "audit/event_detail.html"

    def setup_objects(self) -> None:
        visible = [account.pk for account in lookup_accounts(self.request.iam.account)]
        try:
            self.event = Event.objects.get(account_id__in=visible, event_id=self.kwargs["event_id"])
        except Event.DoesNotExist:
            raise Http404("No event has that ID.") from None

    def get_context_data(self, **kwargs) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(event=self.event, record=json.dumps(self.event.as_record(), indent=2))
        return context


app_name = "audit"
urlpatterns = [
    path("iam/event-history/", EventHistoryView.as_view(), name="event_history"),
    path("iam/event-history/<uuid:event_id>/", EventDetailView.as_view(), name="event_detail"),
    *policy_generation.urlpatterns,
]
