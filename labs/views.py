"""The trainee side of labs (issue #14): the Labs page, starting a lab on one's own account,
and the lab panel's forms (labs/panel.py renders the panel itself).

Every page authorises a portal action on the account's root ARN
(``arn:aws:iam::<account>:root``) through :class:`policies.authz.IAMActionRequiredMixin`:
``labs:ListLabs`` (the Labs page), ``labs:StartLab``, ``labs:ResetLab``,
``labs:CheckProgress``, ``labs:GetHint`` and ``labs:EndLab`` (the contract names the first
five; ending a lab needed one of its own). The root user may do them all; an IAM user needs an
Allow (docs/differences.md: portal actions, not AWS ones).

Every form is a plain POST answered with a redirect back to the page it was sent from
(Post/Redirect/Get; ``next``, a path on this site only), so the panel works without
JavaScript. A run of another account is a 404. While the account runs a class's lab, nobody in
the account ends it or starts another lab over it (:func:`class_refusal`: AccessDenied, as the
portal's other refusals): the class's instructor moves it on or ends it from the board. A POST about a run that has ended since the page
was shown, a task its lab does not have (404) or a hint already shown (``shown``, the count of
hints the page had) answers a clear message instead of acting twice.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView, View

from accounts.summary import account_summary
from accounts.views.confirm import Confirmation, ConfirmRemovalMixin
from iamportal.errors import IAMError
from policies.authz import ActionDenied, Authorization, IAMActionRequiredMixin, access_denied, require_all

from . import catalogue, services
from .format import LabError
from .models import LabRun
from .panel import (CHECK, END, HINT, LIST, RESET, START, current_run, lab_of, remember_check,
                    run_token)


def back(request, fragment: str = "") -> str:
    """Where a panel form returns: its ``next`` when that is a path on this site, else the Labs
    page; ``fragment`` (``task-<id>``, ``task-<id>-result``) lands on the task or its result."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        target = reverse("labs:lab_list")
    target = target.split("#", 1)[0]
    return f"{target}#{fragment}" if fragment else target


def failure(request, exc: Exception) -> str:
    """What to say when a lab's starting state could not be applied (nothing changed then): an
    IAM error (recorded as the request's failure in the audit trail) in IAM's words, a lab
    file's fault naming the file, task and field."""
    if isinstance(exc, IAMError):
        request.audit_error = exc
        return exc.message
    return str(exc)


def class_refusal(request, action: str, run: LabRun | None) -> Authorization | None:
    """AccessDenied for ``action`` (``labs:EndLab``, ``labs:StartLab``) when ``run`` is a running
    lab of a class that has not ended: only its instructor ends it (the board's *End class*) or
    moves the class on. None otherwise."""
    if run is None or run.classroom_id is None or run.ended is not None:
        return None
    classroom = run.classroom
    if classroom.ended is not None:
        return None
    what = "end it" if action == END else "start another lab in this account"
    identity = request.iam
    return Authorization(
        False, action, identity.account.root_arn, identity.arn, "explicitDeny",
        f"because the lab running in this account is part of the class {classroom.name}: only the class's "
        f"instructor can {what}")


class LabActionMixin(IAMActionRequiredMixin):
    """A labs page: its portal action on the caller's account's root ARN."""

    def get_resource_arn(self) -> str:
        return self.request.iam.account.root_arn


class LabListView(LabActionMixin, TemplateView):
    """The shipped labs (title, summary, minutes) with Start lab; the running one marked."""

    iam_action = LIST
    template_name = "labs/lab_list.html"

    def get_context_data(self, **kwargs):
        run = current_run(self.request)
        refused = class_refusal(self.request, START, run)
        return {**super().get_context_data(**kwargs), "labs": catalogue.all_labs(),
                "running": run.slug if run else None, "root_arn": self.get_resource_arn(),
                "class_name": run.classroom.name if refused is not None else None}


class StartLabView(ConfirmRemovalMixin, LabActionMixin, View):
    """Start lab: GET warns that the lab's starting state replaces the account's IAM entities
    and asks to confirm; POST starts it (``labs.services.start_lab``)."""

    iam_action = START

    def setup_objects(self) -> None:
        try:
            self.lab = catalogue.get(self.kwargs["slug"])
        except KeyError:
            raise Http404("No lab has this name.") from None

    def confirmation(self) -> Confirmation:
        identity = self.request.iam
        account = identity.account
        summary = account_summary(account)
        counts = (f"{summary['Users']} IAM users, {summary['Groups']} groups, {summary['Roles']} roles "
                  f"and {summary['Policies']} customer managed policies")
        detail = (f"Starting “{self.lab.title}” applies the lab's starting state to account "
                  f"{account.account_id}: it first deletes every IAM user, group, role and customer "
                  f"managed policy of the account (now {counts}), its identity providers, server "
                  f"certificates, password policy and alias, and the root user's access keys; then it "
                  f"creates the lab's. The root user, its password and its MFA devices are kept.")
        if not identity.is_root:
            detail += f" You are signed in as {identity.arn}: it is deleted too, and you are signed out."
        run = current_run(self.request)
        if run is not None:
            detail += f" The lab running now ({run.slug}) ends."
        lab_list = reverse("labs:lab_list")
        return Confirmation(heading=f"Start lab {self.lab.title}?", detail=detail, cancel_url=lab_list,
                            submit="Start lab", crumbs=((lab_list, "Labs"), ("", "Start lab")))

    def get(self, request, *args, **kwargs):
        refused = class_refusal(request, START, current_run(request))
        return access_denied(request, refused) if refused is not None else super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        refused = class_refusal(request, START, current_run(request))
        if refused is not None:
            return access_denied(request, refused)
        try:
            services.start_lab(request.iam.account, self.lab.slug, started_by=request.iam.arn,
                               authorize=partial(require_all, request))
        except ActionDenied as denied:  # a removal the wipe stands for (nothing was changed)
            return access_denied(request, denied.auth)
        except (IAMError, LabError) as exc:
            messages.error(request, f"The lab could not be started: {failure(request, exc)}")
            return redirect("labs:lab_list")
        messages.success(request, f"Lab “{self.lab.title}” started. Its tasks are in the lab panel.")
        return redirect("labs:lab_list")


class RunMixin(LabActionMixin):
    """A form about one lab run of the caller's account (another account's: 404)."""

    def setup_objects(self) -> None:
        account = self.request.iam.account
        self.run = LabRun.objects.filter(pk=self.kwargs["run_id"], account=account).first()
        if self.run is None:
            raise Http404("No lab run has this id in this account.")
        self.lab = lab_of(self.run)

    def task_or_404(self, task_id: str):
        try:
            return self.lab.task(task_id)
        except KeyError:
            raise Http404("This lab has no task with this id.") from None

    def refusal(self):
        """A redirect with a message when the run can no longer be acted on, else None."""
        if self.run.ended is not None:
            messages.error(self.request, "This lab has ended (or another lab replaced it) since the page "
                                         "was shown: nothing was done. Start it again from the Labs page.")
            return redirect(back(self.request))
        if self.request.POST.get("run") != run_token(self.run):
            messages.error(self.request, "This lab was reset since the page was shown: nothing was done. "
                                         "The lab panel shows its current state.")
            return redirect(back(self.request))
        if self.lab is None:
            messages.error(self.request, f"The lab {self.run.slug} is no longer available on this "
                                         f"server: end it and start another one.")
            return redirect(back(self.request))
        return None


class CheckTaskView(RunMixin, View):
    """Check my progress: runs the task's checks against the account and records the result."""

    iam_action = CHECK
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        refused = self.refusal()
        if refused:
            return refused
        task = self.task_or_404(kwargs["task_id"])
        result = services.check_task(self.run, task.id)
        remember_check(request, self.run, result)
        # The result's own live region (tabindex -1): the browser scrolls to it and focuses it.
        return redirect(back(request, f"task-{task.id}-result"))


class HintView(RunMixin, View):
    """Reveal the task's next hint (once per press: ``shown`` is how many the page showed)."""

    iam_action = HINT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        refused = self.refusal()
        if refused:
            return refused
        task = self.task_or_404(kwargs["task_id"])
        progress = self.run.progress.filter(task_id=task.id).first()
        used = progress.hints_used if progress else 0
        if request.POST.get("shown", "") != str(used):
            messages.info(request, "That hint is already shown (the page was out of date).")
        elif services.reveal_hint(self.run, task.id) is None:
            messages.info(request, "This task has no more hints.")
        return redirect(back(request, f"task-{task.id}"))


class ResetLabView(ConfirmRemovalMixin, RunMixin, View):
    """Reset this lab: GET asks, POST puts the account back to the lab's starting state."""

    iam_action = RESET

    def confirmation(self) -> Confirmation:
        title = self.lab.title if self.lab else self.run.slug
        lab_list = reverse("labs:lab_list")
        detail = ("Every IAM user, group, role and customer managed policy of the account, its alias, "
                  "password policy and the root user's access keys are deleted, and the lab's starting "
                  "state is created again; the progress of every task is cleared and the timer starts "
                  "again. The hints already shown stay shown, and counted.")
        return Confirmation(heading=f"Reset lab {title}?", detail=detail, cancel_url=back(self.request),
                            submit="Reset lab", crumbs=((lab_list, "Labs"), ("", "Reset lab")),
                            fields=(("next", back(self.request)), ("run", run_token(self.run))))

    def post(self, request, *args, **kwargs):
        refused = self.refusal()
        if refused:
            return refused
        try:
            services.reset_lab(self.run, authorize=partial(require_all, request))
        except ActionDenied as denied:  # a removal the wipe stands for (nothing was changed)
            return access_denied(request, denied.auth)
        except (IAMError, LabError) as exc:
            messages.error(request, f"The lab could not be reset: {failure(request, exc)}")
            return redirect(back(request))
        messages.success(request, f"Lab “{self.lab.title}” reset to its starting state.")
        return redirect(back(request))


class EndLabView(RunMixin, View):
    """End lab: the panel goes away; the account keeps what it has (nothing is deleted)."""

    iam_action = END
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if self.run.ended is not None:
            messages.info(request, "This lab had already ended.")
            return redirect(back(request))
        refused = class_refusal(request, END, self.run)
        if refused is not None:
            return access_denied(request, refused)
        # Only a run still open is ended: a replayed End changes nothing.
        LabRun.objects.filter(pk=self.run.pk, ended__isnull=True).update(ended=timezone.now())
        title = self.lab.title if self.lab else self.run.slug
        messages.success(request, f"Lab “{title}” ended. The account keeps its IAM entities.")
        return redirect(back(request))
