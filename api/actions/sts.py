"""STS over the Query API: GetCallerIdentity (needs no permission and cannot be denied)."""

from __future__ import annotations

from ..registry import Call, action


@action("sts", "GetCallerIdentity")
def get_caller_identity(call: Call) -> dict:
    identity = call.identity
    return {"UserId": identity.context.get("aws:userid", ""), "Account": identity.account.account_id,
            "Arn": identity.arn}
