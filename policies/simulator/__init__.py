"""The policy simulator: ``/iam/policies/simulator/`` (``policies:simulator``).

Like AWS's IAM policy simulator: choose a user, group or role of the caller's account,
or paste custom policies (or both: pasted policies are added to the principal's); choose
service actions and resource ARNs; fill the context keys the policies' conditions and
variables use; run. Each (action, resource) pair gets a row with the engine's decision
(``allowed`` / ``explicitDeny`` / ``implicitDeny``), the statements that decided it, the
policy text with those statements' lines highlighted, and the context keys a condition
needed but the request lacked.

- A user is simulated with exactly the policy set the console itself uses for that user
  (:func:`policies.loading.load_user_policy_set`: inline and attached policies, those of
  its groups, and its permissions boundary); a group with its inline and attached policies
  (:func:`~policies.loading.load_group_policy_set`); a role with its own policies and
  boundary (:func:`~policies.loading.load_role_policy_set`).
- The decision is :func:`policies.engine.evaluate`'s, nothing else: the page only
  gathers the input and shows the answer.
- Authorisation: ``iam:SimulatePrincipalPolicy`` on the chosen principal's ARN, or
  ``iam:SimulateCustomPolicy`` (resource ``*``) with pasted policies only. Opened with
  nothing chosen, the page preselects the caller (an IAM user, or the role of a role
  session), as the AccessDenied page's link does (``?action=…&resource=…&principal=…``).
- Every input is a query parameter, so a GET link fills and runs the simulation without
  JavaScript; the form itself posts (pasted policies do not fit in a URL).

Query / form parameters: ``principal`` (user name, or a user/group/role ARN), ``group``,
``role``, ``policy`` (repeatable: custom policy JSON), ``action`` (repeatable,
``svc:Action``), ``actions_text`` (more actions, one per line; wildcards expand against
the catalogue), ``resource`` (ARNs, one per line or repeated; default ``*``),
``context.<key>`` (a context value; comma-separated for multivalued keys; empty: absent),
``service`` and ``q`` (which actions the picker lists).
"""

from django.urls import path


from .forms import CUSTOM_POLICY_MAX, MAX_ACTIONS, MAX_CUSTOM_POLICIES, MAX_RESOURCES, MAX_ROWS, SimulatorForm
from .simulation import (ContextKey, Line, MatchedRow, Result, SimulatedPolicy, Simulation, Target, excerpt,
                         principal_context, used_context_keys)
from .views import SimulatorView

__all__ = ["CUSTOM_POLICY_MAX", "MAX_ACTIONS", "MAX_CUSTOM_POLICIES", "MAX_RESOURCES", "MAX_ROWS", "ContextKey",
           "Line", "MatchedRow", "Result", "SimulatedPolicy", "Simulation", "SimulatorForm", "SimulatorView",
           "Target", "excerpt", "principal_context", "used_context_keys", "urlpatterns"]

urlpatterns = [
    path("iam/policies/simulator/", SimulatorView.as_view(), name="simulator"),
]
