"""The visual policy editor's service data (``policies/static/policies/visual_editor.js``).

One read-only JSON endpoint over :mod:`policies.engine.catalogue`:

- ``GET /iam/policies/service-data/``: the service list (prefix, name, number of actions),
  the access levels, the global condition keys with their types, and the caller's account
  id (the ARN builder's "Any in this account");
- ``GET /iam/policies/service-data/?service=<prefix>``: one service: its actions with access
  level, resource types (required flag) and condition keys; its resource types with ARN
  formats and their own keys; its condition keys with types. 404 for an unknown prefix.

This is AWS's public Service Authorization Reference, not account data, so no IAM action
governs it (as in AWS, where the console's editor reads it without an API call): any
signed-in principal may read it, whatever its policies (``policies.checks.SELF_SERVICE_VIEWS``),
and anonymous callers are sent to sign in like every console page (``LoginRequiredMiddleware``).
The service is a query parameter, not a path segment: a path names an account's object to
the security crawl (tests/security), and a prefix names none. A request returns at most one
service, runs no database query of its own beyond the session's, and carries an ``ETag`` (a
hash of the payload) with ``Cache-Control: private, max-age=3600``; a matching
``If-None-Match`` gets ``304 Not Modified``. Bodies are gzip'd for clients that accept it
(EC2, the largest, is about 17 kB sent instead of 198 kB); no request input is reflected in a
body, so compression leaks nothing (BREACH).
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from django.views.generic import View

from policies.engine import catalogue

#: AWS's global condition keys and their types, as the IAM User Guide lists them
#: ("AWS global condition context keys"); the tag families are templates.
GLOBAL_KEYS: tuple[tuple[str, str], ...] = (
    ("aws:CalledVia", "ArrayOfString"), ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"), ("aws:CurrentTime", "Date"), ("aws:EpochTime", "Numeric"),
    ("aws:FederatedProvider", "String"), ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:MultiFactorAuthPresent", "Bool"), ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalArn", "ARN"), ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalOrgID", "String"), ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalServiceName", "String"), ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:PrincipalTag/${TagKey}", "String"), ("aws:PrincipalType", "String"),
    ("aws:Referer", "String"), ("aws:RequestedRegion", "String"),
    ("aws:RequestTag/${TagKey}", "String"), ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"), ("aws:ResourceOrgPaths", "ArrayOfString"),
    ("aws:ResourceTag/${TagKey}", "String"), ("aws:SecureTransport", "Bool"),
    ("aws:SourceAccount", "String"), ("aws:SourceArn", "ARN"), ("aws:SourceIdentity", "String"),
    ("aws:SourceIp", "IPAddress"), ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"), ("aws:SourceVpc", "String"),
    ("aws:SourceVpce", "String"), ("aws:TagKeys", "ArrayOfString"),
    ("aws:TokenIssueTime", "Date"), ("aws:UserAgent", "String"), ("aws:userid", "String"),
    ("aws:username", "String"), ("aws:ViaAWSService", "Bool"), ("aws:VpcSourceIp", "IPAddress"),
    ("aws:AssumedRoot", "Bool"), ("aws:ChatbotSourceArn", "ARN"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"), ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:IsMcpServiceAction", "Bool"), ("aws:PrincipalOrgMasterAccountId", "String"),
    ("aws:SourceOwner", "String"), ("aws:SourceVpcArn", "ARN"), ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"), ("aws:VpceOrgPaths", "ArrayOfString"),
)

MAX_AGE = 3600


def _encoded(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@functools.cache
def service_list() -> tuple[bytes, str]:
    """The service list's body and ETag (built once per process)."""
    payload = {
        "levels": list(catalogue.ACCESS_LEVELS),
        "services": [[prefix, catalogue.service_name(prefix), len(catalogue.actions_for_service(prefix))]
                     for prefix in catalogue.services()],
        "globalKeys": [list(pair) for pair in GLOBAL_KEYS],
    }
    return _encoded(payload)


@functools.lru_cache(maxsize=64)
def service_detail(prefix: str) -> tuple[bytes, str] | None:
    """One service's body and ETag, or None for an unknown prefix (never cached)."""
    name = catalogue.service_name(prefix)
    if name is None:
        return None
    levels = catalogue.ACCESS_LEVELS
    resources: dict[str, list] = {}
    actions = []
    for action_name in catalogue.actions_for_service(prefix):
        info = catalogue.action_info(f"{prefix}:{action_name}")
        types = []
        for rtype in info.resource_types:
            types.append([rtype.name, 1 if rtype.required else 0])
            resources.setdefault(rtype.name, [rtype.arn, list(rtype.condition_keys),
                                              *([list(rtype.more_arns)] if rtype.more_arns else [])])
        actions.append([action_name, levels.index(info.access_level), types, list(info.condition_keys)])
    payload = {
        "prefix": prefix.lower(),
        "name": name,
        # [name, access level index, [[resource type, required], ...], [condition keys]]
        "actions": actions,
        # resource type -> [ARN format, [the type's own condition keys], and, where AWS gives
        # the type several formats, [the other formats]]
        "resources": resources,
        "conditions": {key.name: key.type for key in catalogue.service_condition_keys(prefix)},
    }
    return _encoded(payload)


def _respond(request, encoded: tuple[bytes, str]) -> HttpResponse:
    body, etag = encoded
    # GZip (gzip_page) weakens the ETag it sends ("W/..."): a weak match is a match here.
    tags = [tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")]
    if etag in tags:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={MAX_AGE}"
    return response


@method_decorator(gzip_page, name="dispatch")
class ServiceDataView(View):
    """The service list, or one service with ``?service=<prefix>`` (self-service: AWS's public
    reference; see the module docstring)."""

    http_method_names = ["get", "head"]

    def get(self, request):
        prefix = request.GET.get("service")
        if prefix is not None:
            # Prefixes are short lower-case names; anything else is unknown (never cached).
            if len(prefix) > 64 or not catalogue.is_known_service(prefix):
                raise Http404("No such service.")
            encoded = service_detail(prefix.lower())
            if encoded is None:
                raise Http404("No such service.")
            return _respond(request, encoded)
        payload_body, etag = service_list()
        # The caller's own account id: added per request, outside the shared cached body.
        account = getattr(getattr(request, "iam", None), "account", None)
        account_id = getattr(account, "account_id", "") or ""
        body = payload_body[:-1] + b',"account":' + json.dumps(account_id).encode() + b"}"
        return _respond(request, (body, etag[:-1] + account_id + '"'))
