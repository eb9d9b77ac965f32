"""Helpers of the lab tests: documents, and an MFA device enabled through the real service."""

from __future__ import annotations

import json

from accounts import mfa
from tests.accounts.test_mfa_helpers import T, at_step, clock, code


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra) -> dict:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def enable_mfa(user, name: str = "phone"):
    """Assign a virtual MFA device to ``user`` with two consecutive codes (EnableMFADevice)."""
    device = mfa.begin_enrolment(user, name=name)
    with clock(at_step(T)):
        return mfa.enable_mfa_device(user, device, code(device, T - 1), code(device, T))
