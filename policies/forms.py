"""Forms of the policy pages. Validation lives here and in ``services``; saving in ``services``.

:class:`PolicyDocumentForm` is the JSON editor: it keeps every finding of the engine's
``validate`` (with its line and column) for the page to list next to the text and to
mark in the line gutter, and it is invalid while any finding is an ERROR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from accounts import validators
from accounts.tags import TagRowsMixin
from iamportal.errors import IAMError
from policies.engine import validate

from . import services
from .models import ManagedPolicy

LEVEL_LABELS = {
    "ERROR": "Error",
    "SECURITY_WARNING": "Security warning",
    "WARNING": "Warning",
    "SUGGESTION": "Suggestion",
}
LEVEL_CSS = {
    "ERROR": "error",
    "SECURITY_WARNING": "security",
    "WARNING": "warning",
    "SUGGESTION": "suggestion",
}

DEFAULT_DOCUMENT = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Statement1",
            "Effect": "Allow",
            "Action": [],
            "Resource": []
        }
    ]
}"""


@dataclass(frozen=True)
class ShownFinding:
    """A finding as the editor lists it."""

    level: str
    code: str
    message: str
    detail: str
    line: int
    column: int
    statement: int | None
    sid: str | None
    path: str

    @property
    def label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level.title())

    @property
    def css(self) -> str:
        return LEVEL_CSS.get(self.level, "info")

    @property
    def where(self) -> str:
        where = f"Ln {self.line}, Col {self.column}"
        if self.statement is not None:
            where += f" · Statement {self.statement + 1}" + (f" ({self.sid})" if self.sid else "")
        return where

    @classmethod
    def from_engine(cls, finding: Any) -> "ShownFinding":
        location = finding.location
        return cls(
            level=finding.level,
            code=finding.code,
            message=finding.message,
            detail=getattr(finding, "detail", "") or "",
            line=getattr(location, "line", 1) or 1,
            column=getattr(location, "column", 1) or 1,
            statement=getattr(location, "statement", None),
            sid=getattr(location, "sid", None),
            path=getattr(location, "path", "$"),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": self.label,
            "code": self.code,
            "message": self.message,
            "detail": self.detail,
            "line": self.line,
            "column": self.column,
            "where": self.where,
        }


# The editor lists this many findings at most ("and N more"), and numbers the lines of a
# document of at most this many lines: what a page repeats stays bounded whatever is pasted
# (a document of 20,000 duplicate keys has 40,000 findings).
MAX_SHOWN_FINDINGS = 50
MAX_GUTTER_LINES = 5_000


def find(document: str, kind: str = "identity", max_size: int | None = None) -> list[ShownFinding]:
    """Every finding of the engine's ``validate`` on ``document``, most severe first, then by line.

    The first ERROR *in the engine's order* (the one IAM would report) stays first.
    """
    order = {level: i for i, level in enumerate(LEVEL_LABELS)}
    shown = [ShownFinding.from_engine(f) for f in validate(document, kind=kind, max_size=max_size)]
    reported = next((f for f in shown if f.level == "ERROR"), None)
    return sorted(shown, key=lambda f: (f is not reported, order.get(f.level, 9), f.line, f.column))


class PolicyDocumentForm(forms.Form):
    """The JSON policy editor.

    Args:
        size_quota: ``(quota name, limit)`` checked on the non-whitespace length:
            ``("PolicySize", 6144)`` for a managed policy, the owner's quota for an
            inline policy (``("UserPolicySize", 2048)``; the service then checks the
            sum of all the owner's inline policies), ``None`` for no size check.
    """

    document = forms.CharField(
        label="Policy editor",
        strip=False,
        widget=forms.Textarea(
            attrs={
                "spellcheck": "false",
                "autocomplete": "off",
                "autocapitalize": "off",
                "wrap": "off",
                "class": "code-input",
                "data-policy-editor": "",
            }
        ),
    )

    error_messages = {
        "malformed_policy": "%(message)s",
        "too_large": "Cannot exceed quota for %(quota)s: %(limit)s",
    }

    def __init__(
        self,
        *args: Any,
        size_quota: tuple[str, int] | None = ("PolicySize", services.POLICY_SIZE_MAX),
        kind: str = "identity",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.size_quota = size_quota
        self.kind = kind
        self.findings: list[ShownFinding] = []

    def clean_document(self) -> str:
        document = self.cleaned_data["document"]
        try:
            services._check_wire(document)
        except IAMError as exc:
            raise forms.ValidationError(exc.message, code="malformed_policy") from None
        self.findings = find(document, self.kind, self.size_quota[1] if self.size_quota else 0)
        errors = [f for f in self.findings if f.level == "ERROR"]
        if errors:
            raise forms.ValidationError(
                self.error_messages["malformed_policy"],
                code="malformed_policy",
                params={"message": errors[0].message},
            )
        if self.size_quota is not None:
            quota, limit = self.size_quota
            if services.policy_size(document) > limit:
                raise forms.ValidationError(
                    self.error_messages["too_large"],
                    code="too_large",
                    params={"quota": quota, "limit": limit},
                )
        return document

    # The editor's view of the text -------------------------------------------------

    def current_text(self) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix("document"), "") or ""
        return self.initial.get("document", self.fields["document"].initial or "") or ""

    def editor(self) -> dict[str, Any]:
        """What ``policies/_policy_editor.html`` renders: numbered lines marked by finding level."""
        text = self.current_text()
        count = text.count("\n") + 1
        marks: dict[int, str] = {}
        for finding in reversed(self.findings):  # most severe last, so it wins
            if 1 <= finding.line <= count:
                marks[finding.line] = finding.css
        lines = [{"number": n, "mark": marks.get(n, "")} for n in range(1, count + 1)] if (
            count <= MAX_GUTTER_LINES) else []
        return {
            "lines": lines,
            # The textarea grows with the text beside its gutter; without a gutter it scrolls.
            "rows": max(count + 2, 14) if lines else 60,
            "findings": self.findings[:MAX_SHOWN_FINDINGS],
            "more_findings": max(0, len(self.findings) - MAX_SHOWN_FINDINGS),
            "size": services.policy_size(text),
            "size_limit": self.size_quota[1] if self.size_quota else None,
            "has_errors": any(f.level == "ERROR" for f in self.findings)
            or bool(self.errors.get("document")),
        }


# ---------------------------------------------------------------------------
# Names, descriptions, tags


class PolicyDetailsForm(TagRowsMixin, forms.Form):
    """Step 2 of Create policy: name, description, tags (the one tag editor's rows)."""

    name = forms.CharField(
        label="Policy name",
        max_length=services.POLICY_NAME_MAX,
        help_text="Maximum 128 characters. Use alphanumeric and '+=,.@-_' characters.",
    )
    description = forms.CharField(
        label="Description - optional",
        required=False,
        strip=False,
        max_length=services.POLICY_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Maximum 1,000 characters. You cannot change it after creation.",
    )

    def __init__(self, *args: Any, account: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "name" in data and self.account is not None:
            try:
                services.check_new_policy(
                    self.account, name=data["name"], description=data.get("description", "")
                )
            except IAMError as exc:
                self.add_error("name", forms.ValidationError(exc.message, code=exc.code))
        return data


class InlinePolicyForm(PolicyDocumentForm):
    """Create or edit an inline policy: its name (only when creating) and document."""

    name = forms.CharField(
        label="Policy name",
        max_length=services.POLICY_NAME_MAX,
        help_text="Maximum 128 characters. Use alphanumeric and '+=,.@-_' characters.",
    )

    field_order = ["name", "document"]

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        # Without the owner's quota, the largest inline one (RolePolicySize): never unbounded.
        kwargs.setdefault("size_quota", services.INLINE_SIZE["role"])
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["name"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        try:
            validators.validate_name(name, "policyName", services.POLICY_NAME_MAX)
        except IAMError as exc:
            raise forms.ValidationError(exc.message, code="invalid_name") from None
        return name


class PolicyVersionForm(PolicyDocumentForm):
    """Edit policy → a new version. At the five-version limit, pick one to delete first."""

    set_as_default = forms.BooleanField(
        label="Set the new version as the default version", required=False, initial=True
    )
    delete_version = forms.ChoiceField(
        label="Version to delete",
        required=False,
        widget=forms.RadioSelect,
        help_text=services.VERSION_LIMIT_MESSAGE,
    )

    def __init__(self, *args: Any, versions: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.at_limit = len(versions) >= services.VERSIONS_PER_POLICY
        if self.at_limit:
            self.fields["delete_version"].required = True
            self.fields["delete_version"].choices = [
                (v.version_id, f"{v.version_id} (created {v.created:%Y-%m-%d %H:%M} UTC)")
                for v in versions
                if not v.is_default
            ]
        else:
            del self.fields["delete_version"]


class AttachPoliciesForm(forms.Form):
    """Attach policies: managed policies chosen with the paged picker from ``offered`` (the
    page's list: not attached yet, filtered); any policy ``account`` can attach validates."""

    def __init__(self, *args: Any, account: Any, offered: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy_arns"] = PolicyArnsField(
            account, required=True, error_messages={"required": "Choose at least one policy."})
        if offered is not None:
            self.fields["policy_arns"].queryset = offered


class BoundaryForm(forms.Form):
    """Set permissions boundary: one managed policy, chosen with the paged picker."""

    def __init__(self, *args: Any, account: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy_arn"] = BoundaryArnField(
            account, label="Permissions boundary policy", required=True,
            error_messages={"required": "Choose a policy to use as the boundary."})


class ConfirmNameForm(forms.Form):
    """Type the name to confirm a deletion, as the console asks."""

    confirm = forms.CharField(
        label="To confirm deletion, enter the policy name in the text input field."
    )

    def __init__(self, *args: Any, expected: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != self.expected:
            raise forms.ValidationError(
                "Enter the policy name exactly to confirm.", code="mismatch"
            )
        return value


NOT_ATTACHABLE = {"invalid_choice": "Policy %(value)s does not exist or is not attachable."}


# More values than any quota allows are refused before any query (a hostile POST may carry thousands).
MAX_CHOSEN = 100


class AttachablePoliciesMixin:
    """Choices that are the managed policies ``account`` can attach, for the paged picker
    (:mod:`iamportal.pickers`: ``queryset`` lists them, ``arn`` is a row's value). Validating
    a POST queries only the ARNs posted, in one query."""

    to_field_name = "arn"

    def __init__(self, account: Any, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs["error_messages"] = {**NOT_ATTACHABLE, **kwargs.get("error_messages", {})}
        super().__init__(label=label, **kwargs)  # type: ignore[call-arg]
        self.account = account
        self.queryset = ManagedPolicy.objects.attachable_by(account)

    def check_attachable(self, arns: list[str]) -> None:
        known = services.attachable_arns(self.account, arns)
        for arn in arns:
            if arn not in known:
                raise forms.ValidationError(self.error_messages["invalid_choice"],  # type: ignore[attr-defined]
                                            code="invalid_choice", params={"value": arn})


class PolicyArnsField(AttachablePoliciesMixin, forms.MultipleChoiceField):
    """Managed policies to attach, by ARN (``_policy_picker.html``); cleans to the list of ARNs."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, account: Any, label: str = "Permissions policies", **kwargs: Any) -> None:
        super().__init__(account, label, **kwargs)

    def validate(self, value: list[str]) -> None:
        forms.Field.validate(self, value)  # required
        if len(value) > MAX_CHOSEN:
            raise forms.ValidationError(f"Choose at most {MAX_CHOSEN} policies.", code="too_many")
        self.check_attachable(value)


class BoundaryArnField(AttachablePoliciesMixin, forms.ChoiceField):
    """An optional permissions boundary: one policy's ARN (``_boundary_picker.html``), or ``""``."""

    widget = forms.RadioSelect

    def __init__(self, account: Any, label: str = "Permissions boundary", **kwargs: Any) -> None:
        super().__init__(account, label, **kwargs)

    def validate(self, value: str) -> None:
        forms.Field.validate(self, value)  # required
        if value:
            self.check_attachable([value])
