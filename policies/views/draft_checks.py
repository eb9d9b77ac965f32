""""Check for new access" on a draft: the policy editors' second submit button.

The edit pages of a managed policy and of an inline policy (a user's, group's or role's)
carry, in the editor's form, a ``check_new_access`` submit button. Their view's POST hands
such a submission to :func:`respond` instead of saving: the text being edited is checked
against the document it would replace (the default version, or the saved inline policy) with
:func:`policies.engine.check_no_new_access`, and the same form is shown again with the edited
text, its validation findings and the result (PASS/FAIL and the statements responsible), as
the AWS console's policy editor does. Nothing is saved.

The check authorises ``access-analyzer:CheckNoNewAccess`` on ``*`` and the read of the
existing document (``iam:GetPolicyVersion`` on the policy, ``iam:Get{User,Group,Role}Policy``
on its owner), as the console's calls do. A draft with errors that block saving is not
checked: its errors are shown, as after Save.
"""

from __future__ import annotations

from typing import Any

from policies.authz import access_denied, first_denied
from policies.engine import CheckTooComplex, PolicyError, check_no_new_access

#: The name of the submit button that asks for the check.
CHECK_BUTTON = "check_new_access"
FIX_FIRST = "Fix the errors in the policy before checking it for new access."


def wants_check(request: Any) -> bool:
    """Whether the POST asks for the draft's check rather than saving."""
    return request.method == "POST" and CHECK_BUTTON in request.POST


def respond(view: Any, form: Any, *, existing: str | None,
            read: tuple[str, str, dict[str, Any]]) -> Any:
    """Check ``form``'s draft against ``existing`` and show the form again with the answer
    (``view.draft_check``: check, check_error, result, reasons; see _check_result.html).

    Args:
        view: the edit view; its ``render_form(form)`` renders the page.
        form: the bound editor form (a PolicyDocumentForm).
        existing: the document the draft would replace (None: nothing to compare with).
        read: the call that reads ``existing``: (action, resource ARN, condition keys).
    """
    from .policy_checks import reasons_with_statements  # its imports need this app loaded

    request = view.request
    denied = first_denied(request, [("access-analyzer:CheckNoNewAccess", "*", {}), read])
    if denied is not None:
        return access_denied(request, denied)
    form.is_valid()
    for name in [name for name in form.errors if name != "document"]:
        del form.errors[name]  # the rest (a version to delete, the form's errors) is saving's
    outcome: dict[str, Any] = {"check": "new"}
    status = 200
    if "document" in form.errors:
        outcome["check_error"] = FIX_FIRST
    elif existing is None:
        outcome["check_error"] = "There is no saved policy to compare with."
        status = 400
    else:
        draft = form.cleaned_data["document"]
        try:
            result = check_no_new_access(draft, existing, "identity")
        except (PolicyError, CheckTooComplex) as error:
            outcome["check_error"] = f"The policy can't be checked: {error}"
            status = 400
        else:
            outcome.update(result=result, reasons=reasons_with_statements(result, draft))
    view.draft_check = outcome
    response = view.render_form(form)
    response.status_code = status
    return response
