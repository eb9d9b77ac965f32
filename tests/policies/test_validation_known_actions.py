"""Actions AWS has that the engine's service data predates: the literal actions of AWS's own
managed policies are known to validation (policies/apps.py), so a document copied from a newer
managed policy is not an Access Analyzer ERROR that blocks the editor's Next; a misspelt
action still is."""

from __future__ import annotations

import json

from policies import managed
from policies.engine import catalogue, validate


def _doc(*actions: str) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


def test_an_action_of_a_managed_policy_the_service_data_lacks_is_known():
    newer = sorted(action for action in managed.literal_actions() if not catalogue.is_known_action(action))
    assert newer, "every managed policy's action is in the service data: nothing left to test"
    action = newer[0]
    prefix = action.partition(":")[0]
    codes = [(f.level, f.code) for f in validate(_doc(action, f"{prefix}:{action.partition(':')[2]}Typo"))]
    assert codes.count(("ERROR", "INVALID_ACTION")) + codes.count(("ERROR", "INVALID_SERVICE_IN_ACTION")) == 1
    assert [f.code for f in validate(_doc(action))] == []


def test_a_wildcard_matching_only_a_newer_action_is_known_and_a_misspelt_one_is_not():
    newer = sorted(action for action in managed.literal_actions() if not catalogue.is_known_action(action))
    prefix, _, name = newer[0].partition(":")
    assert [f.code for f in validate(_doc(f"{prefix}:{name[:-1]}*"))] == []
    assert [f.code for f in validate(_doc("s3:GetObjekt", "s3:Gett*"))].count("INVALID_ACTION") == 2
