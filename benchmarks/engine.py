"""Benchmark: the policy engine's decisions per second, against moto's IAM evaluator.

Run from the repository root (Python 3.11)::

    python benchmarks/engine.py             # or: make bench
    python benchmarks/engine.py --scale 0.2 # fewer requests, for a quick look

moto is optional: ``pip install -r requirements-bench.txt`` brings it in. Without it the
script prints the engine's figures alone and says that moto is missing.

Workloads (built deterministically from a fixed seed, so every run measures the same thing):

a. one identity policy of 5 statements;
b. a user with 10 attached policies of 10 statements each (wildcard actions and
   resources, about 40 % of statements with conditions, some Deny);
c. the same with 100 such policies;
d. workload b's user in a member account of an organization: a chain of service control
   policies of three levels (root: FullAWSAccess and a Deny of leaving the organization;
   OU: FullAWSAccess and a Deny outside two regions; account: FullAWSAccess). moto has no
   SCPs: its columns are empty for d.

Each workload evaluates a fixed number of pre-built requests (a mix that comes out
allowed, explicitly denied and implicitly denied) after a warm-up, timed with
``time.perf_counter`` in 5 rounds, ours and moto's interleaved; the best round counts.
Policies are parsed before timing on both sides: ours with ``Policy.from_json``
(compiled once), moto's with ``IAMPolicy(json_text)`` (which only ``json.loads``; moto
re-walks the document on every check). moto's per-policy answers are combined as moto's
own ``IAMRequest.check_action_permitted`` does: any DENIED denies, else any PERMITTED
allows. The request context is handed to moto too, as ``incoming_condition_values``
(its single-valued keys), to give it every chance.

Columns: decisions timed (ours/moto); best-round decisions per second for each; their
ratio; ``agree``, the share of the first 300 distinct requests on which moto decides as
the engine does; the engine's mix of decisions over all distinct requests. Any one
timing stops after ``--budget`` seconds (default 2.5), so a run stays under about 30 s
even on a loaded machine; a figure whose rounds were so cut short is marked ``*`` (it
is still decisions done / time taken).

Then, for a handful of hand-written requests, it prints where moto's answer differs from
ours and which one AWS gives (the expected answer is written next to each case, from
the IAM User Guide's evaluation rules; see shared/reference/iam-facts.md, sections 3-4).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

ACCOUNT = "123456789012"
SEED = 20260115

try:
    from policies.engine import Policy, Request, evaluate
except ImportError as exc:  # the engine is another module's; say clearly what went wrong
    print(f"cannot import the policy engine (policies.engine): {exc!r}", file=sys.stderr)
    sys.exit(1)

try:
    from moto.iam.access_control import IAMPolicy, PermissionResult
except ImportError:
    IAMPolicy = None
    PermissionResult = None

from policies.engine import catalogue

# --------------------------------------------------------------------------- workloads

# (operator, key, value in the policy, a context value that satisfies it, one that doesn't)
CONDITIONS: tuple[tuple[str, str, Any, str, str], ...] = (
    ("StringEquals", "aws:RequestedRegion", ["us-east-1", "eu-west-1"], "eu-west-1",
     "ap-south-1"),
    ("Bool", "aws:MultiFactorAuthPresent", "true", "true", "false"),
    ("StringLike", "aws:PrincipalTag/team", "dev*", "developers", "operations"),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "192.168.0.0/16"], "10.20.30.40",
     "203.0.113.9"),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", "120", "7200"),
    ("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:user/eng/*",
     f"arn:aws:iam::{ACCOUNT}:user/eng/alice", f"arn:aws:iam::{ACCOUNT}:user/sales/alice"),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", "2026-01-15T12:00:00Z",
     "2019-06-01T00:00:00Z"),
    ("StringNotEquals", "aws:PrincipalTag/env", "prod", "dev", "prod"),
)

# Action patterns the generated statements use, with wildcards of every kind.
ACTION_PATTERNS = (
    "s3:Get*", "s3:List*", "s3:PutObject", "s3:DeleteObject", "s3:*Object", "s3:*",
    "iam:Get*", "iam:List*", "iam:*MFADevice*", "iam:*AccessKey*", "iam:PassRole",
    "iam:CreateUser", "iam:*User", "ec2:Describe*", "ec2:*Instances", "ec2:RunInstances",
    "dynamodb:Get*", "dynamodb:Query", "dynamodb:*Item", "lambda:Invoke*",
    "lambda:List*", "sqs:*Message*", "sns:Publish", "kms:Decrypt", "kms:*Key",
    "logs:*", "cloudwatch:Get*", "sts:AssumeRole", "s3:GetObject?ersion",
)

# Deny statements are narrower, as in real policies: guard rails on destructive actions,
# mostly conditional (they bite only when the request has the "bad" context value).
DENY_ACTION_PATTERNS = (
    "s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteObject*", "iam:DeleteUser",
    "iam:*AccessKey", "iam:PassRole", "ec2:TerminateInstances", "kms:ScheduleKeyDeletion",
    "dynamodb:DeleteTable", "lambda:DeleteFunction", "s3:PutObject", "ec2:RunInstances",
)
DENY_CONDITIONS: tuple[tuple[str, str, Any], ...] = (  # each matches a "bad" value above
    ("StringEquals", "aws:RequestedRegion", "ap-south-1"),
    ("Bool", "aws:MultiFactorAuthPresent", "false"),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "3600"),
    ("StringEquals", "aws:PrincipalTag/env", "prod"),
    ("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{ACCOUNT}:user/sales/*"),
)

# Services that no generated statement grants: requests for them are implicitly denied.
UNGRANTED_PATTERNS = ("rds:Describe*", "secretsmanager:GetSecretValue", "ecr:*Image*",
                      "glue:Get*", "route53:List*", "athena:StartQueryExecution")

BUCKETS = ("receipts", "reports", "public-assets", "backups", "data-lake", "logs")


def resource_patterns(action_pattern: str, rng: random.Random) -> list[str]:
    """Resource patterns that fit an action pattern's service."""
    service = action_pattern.split(":")[0]
    bucket = rng.choice(BUCKETS)
    choices = {
        "s3": [f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}*",
               f"arn:aws:s3:::{bucket}/team-?/*"],
        "iam": [f"arn:aws:iam::{ACCOUNT}:user/eng/*", f"arn:aws:iam::{ACCOUNT}:role/app-*",
                f"arn:aws:iam::{ACCOUNT}:mfa/*", f"arn:aws:iam::{ACCOUNT}:*"],
        "ec2": [f"arn:aws:ec2:*:{ACCOUNT}:instance/*", "arn:aws:ec2:eu-west-1::image/ami-*"],
        "dynamodb": [f"arn:aws:dynamodb:*:{ACCOUNT}:table/orders*"],
        "lambda": [f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:api-*"],
        "sqs": [f"arn:aws:sqs:*:{ACCOUNT}:jobs-*"],
        "sns": [f"arn:aws:sns:*:{ACCOUNT}:alerts"],
        "kms": [f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/*"],
        "sts": [f"arn:aws:iam::{ACCOUNT}:role/app-*"],
    }.get(service, [])
    return [rng.choice(choices)] if choices and rng.random() < 0.8 else ["*"]


def make_statement(rng: random.Random, index: int) -> dict[str, Any]:
    """One statement: wildcard actions and resources, maybe conditions, maybe Deny."""
    deny = rng.random() < 0.15
    actions = rng.sample(DENY_ACTION_PATTERNS if deny else ACTION_PATTERNS, rng.randint(1, 3))
    resources = sorted({r for a in actions for r in resource_patterns(a, rng)})
    statement: dict[str, Any] = {
        "Sid": f"S{index}",
        "Effect": "Deny" if deny else "Allow",
        "Action": actions if len(actions) > 1 else actions[0],
        "Resource": resources if len(resources) > 1 else resources[0],
    }
    if deny:
        if rng.random() < 0.9:
            operator, key, value = rng.choice(DENY_CONDITIONS)
            statement["Condition"] = {operator: {key: value}}
    elif rng.random() < 0.4:
        block: dict[str, dict[str, Any]] = {}
        for operator, key, value, _good, _bad in rng.sample(CONDITIONS, rng.randint(1, 2)):
            block.setdefault(operator, {})[key] = value
        statement["Condition"] = block
    return statement


def make_policy(rng: random.Random, n_statements: int) -> dict[str, Any]:
    return {"Version": "2012-10-17",
            "Statement": [make_statement(rng, i) for i in range(n_statements)]}


SMALL_POLICY: dict[str, Any] = {  # workload (a): hand-written, 5 statements
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ReadReceipts", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"],
         "Resource": ["arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*"]},
        {"Sid": "WriteOwnFolder", "Effect": "Allow", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::receipts/home/${aws:username}/*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
        {"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"],
         "Resource": "*"},
        {"Sid": "MfaForIamWrites", "Effect": "Allow",
         "Action": ["iam:*AccessKey*", "iam:*MFADevice*"],
         "Resource": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    ],
}


@dataclass
class Workload:
    label: str
    documents: list[dict[str, Any]]
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    scps: list[list[dict[str, Any]]] | None = None  # service control policies, by level
    count: int = 0  # requests to time through the engine
    moto_count: int = 0  # and through moto (slower: fewer, same cycle of requests)


def concrete_action(pattern: str, rng: random.Random) -> str | None:
    actions = catalogue.expand(pattern)
    return rng.choice(actions) if actions else None


def concrete_resource(pattern: str, rng: random.Random) -> str:
    if pattern == "*":
        return f"arn:aws:s3:::{rng.choice(BUCKETS)}/x/{rng.randint(0, 99)}.csv"
    out = []
    for char in pattern:
        if char == "*":
            out.append(rng.choice(["a1", "team-b/c.txt", "7", "prod"]))
        elif char == "?":
            out.append(rng.choice("abcz"))
        else:
            out.append(char)
    return "".join(out).replace("${aws:username}", "alice")


def make_context(rng: random.Random, good: float) -> dict[str, Any]:
    """A request context: each condition key satisfied with probability ``good``."""
    context: dict[str, Any] = {"aws:username": "alice"}
    for _operator, key, _value, satisfy, violate in CONDITIONS:
        context[key] = satisfy if rng.random() < good else violate
    return context


def make_requests(documents: list[dict[str, Any]], rng: random.Random,
                  n: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Requests with a mix of outcomes.

    Half aim at a random statement (its action, a resource it names, a context that
    mostly satisfies its conditions), a quarter pick any of the patterns' actions and
    resources, a quarter ask for actions of services no statement grants.
    """
    statements = [s for d in documents for s in d["Statement"]]
    requests = []
    while len(requests) < n:
        draw = rng.random()
        if draw < 0.25:
            action = concrete_action(rng.choice(UNGRANTED_PATTERNS), rng)
            resource = "*" if rng.random() < 0.5 else f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:main"
        elif draw < 0.75:
            statement = rng.choice(statements)
            actions = statement["Action"] if isinstance(statement["Action"], list) \
                else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) \
                else [statement["Resource"]]
            action = concrete_action(rng.choice(actions), rng)
            resource = concrete_resource(rng.choice(resources), rng)
        else:
            action = concrete_action(rng.choice(ACTION_PATTERNS), rng)
            resource = concrete_resource(
                rng.choice(resource_patterns(action or "s3:x", rng)), rng)
        if action is None or action == "sts:GetCallerIdentity":
            continue
        requests.append((action, resource, make_context(rng, good=0.85)))
    return requests


def build_workloads(scale: float) -> list[Workload]:
    rng = random.Random(SEED)
    small = Workload("a  1 policy x 5 statements", [SMALL_POLICY])
    small.requests = make_requests(small.documents, rng, 500)
    medium = Workload("b  10 policies x 10 statements", [make_policy(rng, 10) for _ in range(10)])
    medium.requests = make_requests(medium.documents, rng, 1000)
    large = Workload("c  100 policies x 10 statements",
                     [make_policy(rng, 10) for _ in range(100)])
    large.requests = make_requests(large.documents, rng, 500)
    member = Workload("d  b + 3 levels of SCPs", medium.documents, medium.requests, SCP_CHAIN)
    for workload, count, moto_count in ((small, 100_000, 20_000), (medium, 50_000, 5_000),
                                        (large, 10_000, 500), (member, 50_000, 0)):
        workload.count = max(1, int(count * scale))
        workload.moto_count = max(1, int(moto_count * scale))
    return [small, medium, large, member]


_FULL_AWS_ACCESS = {"Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SCP_CHAIN = [
    [_FULL_AWS_ACCESS, {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoLeaving", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
         "Resource": "*"}]}],
    [_FULL_AWS_ACCESS, {"Version": "2012-10-17", "Statement": [
        {"Sid": "TwoRegions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}}]}],
    [_FULL_AWS_ACCESS],
]


# --------------------------------------------------------------------------- evaluators

PRINCIPAL = f"arn:aws:iam::{ACCOUNT}:user/eng/alice"
AGREE_SAMPLE = 300


def ours_prepare(workload: Workload) -> tuple[list[Any], list[Any]]:
    policies = [Policy.from_json(doc) for doc in workload.documents]
    requests = [Request(action=a, resource=r, principal=PRINCIPAL, context=c)
                for a, r, c in workload.requests]
    return policies, requests


def ours_decide(policies: list[Any], request: Any) -> str:
    decision = evaluate(request, identity=policies).decision
    return str(getattr(decision, "value", decision))


def ours_scps(workload: Workload) -> list[list[Any]]:
    return [[Policy.from_json(doc, kind="scp") for doc in level] for level in workload.scps or []]


def ours_decide_with(scps: list[list[Any]]) -> Callable[[list[Any], Any], str]:
    """:func:`ours_decide` for a principal of a member account (workload d)."""
    def decide(policies: list[Any], request: Any) -> str:
        return evaluate(request, identity=policies, scps=scps).decision
    return decide


def moto_prepare(workload: Workload) -> tuple[list[Any], list[Any]]:
    policies = [IAMPolicy(json.dumps(doc)) for doc in workload.documents]
    requests = [(a, r, {k: v for k, v in c.items() if isinstance(v, str)})
                for a, r, c in workload.requests]
    return policies, requests


def moto_decide(policies: list[Any], request: tuple[str, str, dict[str, str]]) -> str:
    """Combine per-policy answers as moto's IAMRequest.check_action_permitted does."""
    action, resource, context = request
    permitted = False
    for policy in policies:
        result = policy.is_action_permitted(action, resource, None, context)
        if result == PermissionResult.DENIED:
            return "explicitDeny"
        if result == PermissionResult.PERMITTED:
            permitted = True
    return "allowed" if permitted else "implicitDeny"


ROUNDS = 5


class Timing:
    """Decisions per second of one evaluator on one workload, best of :data:`ROUNDS` rounds.

    Each round times ``count / ROUNDS`` decisions (cycling through ``requests``), or as
    many as fit in ``budget / ROUNDS`` seconds. The best round is reported, as ``timeit``
    does: on a shared machine the slower rounds measure the neighbours, not the code.
    Rounds of the two evaluators are interleaved by the caller so both see the same load.
    """

    def __init__(self, decide: Callable[[list[Any], Any], str], policies: list[Any],
                 requests: Sequence[Any], count: int, budget: float) -> None:
        self.decide, self.policies, self.requests = decide, policies, requests
        self.per_round = max(1, count // ROUNDS)
        self.round_budget = budget / ROUNDS
        self.done = 0
        self.best = 0.0
        self.cut = False
        for request in requests[: min(len(requests), max(50, count // 10))]:  # warm up
            decide(policies, request)

    def round(self) -> None:
        decide, policies, requests, n = self.decide, self.policies, self.requests, \
            len(self.requests)
        done = 0
        start = time.perf_counter()
        while done < self.per_round:
            stop = min(self.per_round, done + 100)
            for i in range(self.done + done, self.done + stop):
                decide(policies, requests[i % n])
            done = stop
            if time.perf_counter() - start > self.round_budget:
                break
        elapsed = time.perf_counter() - start
        self.cut = self.cut or done < self.per_round
        self.done += done
        self.best = max(self.best, done / elapsed)

    def cell(self) -> str:
        return f"{self.best:,.0f}" + ("*" if self.cut else "")


# --------------------------------------------------------------------------- known differences

def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


_ALLOW_ALL_S3 = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
# (what it shows, policies, action, resource, context, AWS's answer)
DIFFERENCES: tuple[tuple[str, list[dict[str, Any]], str, str, dict[str, Any], str], ...] = (
    ("Bool condition (no MFA) is ignored by moto",
     [_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv",
     {"aws:MultiFactorAuthPresent": "false"}, "implicitDeny"),
    ("IpAddress condition is ignored by moto",
     [_doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}})],
     "s3:PutObject", "arn:aws:s3:::receipts/a.csv", {"aws:SourceIp": "203.0.113.9"},
     "implicitDeny"),
    ("a failed condition on an Allow makes moto deny explicitly, overriding another Allow",
     [_doc(_ALLOW_ALL_S3, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                           "Condition": {"StringEquals": {"aws:username": "bob"}}})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {"aws:username": "alice"}, "allowed"),
    ("StringEquals on a key absent from the request: AWS says no match, moto says match",
     [_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "dev"}}})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {"aws:username": "alice"},
     "implicitDeny"),
    ("'?' matches one character in IAM; moto treats it as a regex quantifier",
     [_doc({"Effect": "Allow", "Action": "s3:GetObjec?", "Resource": "*"})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {}, "allowed"),
    ("action names are case-insensitive; moto compares them case-sensitively",
     [_doc({"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {}, "allowed"),
    ("'.' in a resource is literal; moto lets it match any character",
     [_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my.bucket/*"})],
     "s3:GetObject", "arn:aws:s3:::myxbucket/secret.txt", {}, "implicitDeny"),
    ("policy variable ${aws:username} in a resource; moto does not substitute it",
     [_doc({"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::receipts/home/${aws:username}/*"})],
     "s3:GetObject", "arn:aws:s3:::receipts/home/alice/a.csv", {"aws:username": "alice"},
     "allowed"),
    ("Deny with NotResource: moto treats the missing Resource as a match and allows",
     [_doc(_ALLOW_ALL_S3, {"Effect": "Deny", "Action": "s3:*",
                           "NotResource": "arn:aws:s3:::public-assets/*"})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {}, "explicitDeny"),
    ("BoolIfExists (IAM User Guide 'DenyAllExceptListedIfNoMFA') with MFA present",
     [_doc(_ALLOW_ALL_S3, {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
                           "NotAction": ["iam:*MFADevice", "sts:GetSessionToken"],
                           "Resource": "*",
                           "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})],
     "s3:GetObject", "arn:aws:s3:::receipts/a.csv", {"aws:MultiFactorAuthPresent": "true"},
     "allowed"),
)


def show_differences(have_moto: bool) -> None:
    print()
    print("Where moto and the engine disagree (AWS = the answer AWS gives):")
    print(f"  {'case':<84} {'AWS':<12} {'ours':<12} {'moto':<12}")
    for title, docs, action, resource, context, aws in DIFFERENCES:
        request = Request(action=action, resource=resource, principal=PRINCIPAL, context=context)
        try:
            ours = ours_decide([Policy.from_json(d) for d in docs], request)
        except Exception as exc:  # noqa: BLE001  (report an engine failure on a case)
            ours = f"error:{type(exc).__name__}"
        moto = "-"
        if have_moto:
            moto_context = {k: v for k, v in context.items() if isinstance(v, str)}
            moto = moto_decide([IAMPolicy(json.dumps(d)) for d in docs],
                               (action, resource, moto_context))
        marks = ("" if ours == aws else "  <- ours differs from AWS")
        print(f"  {title:<84} {aws:<12} {ours:<12} {moto:<12}{marks}")


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the number of timed requests (default 1)")
    parser.add_argument("--budget", type=float, default=2.5,
                        help="stop any one timing after this many seconds (default 2.5); "
                             "a figure so cut short is marked *")
    args = parser.parse_args(argv)
    have_moto = IAMPolicy is not None

    print(f"policy engine benchmark — Python {platform.python_version()}, "
          f"{platform.machine()}, {platform.system()}, seed {SEED}")
    if not have_moto:
        print("moto is not installed (pip install -r requirements-bench.txt): "
              "moto's columns are skipped")

    header = (f"{'workload':<32} {'timed (ours/moto)':>17} {'ours dec/s':>11} {'moto dec/s':>11} "
              f"{'ours/moto':>9} {'agree':>6}  decisions (ours: allowed/explicitDeny/implicitDeny)")
    print(header)
    print("-" * len(header))
    total_start = time.perf_counter()
    for workload in build_workloads(args.scale):
        start = time.perf_counter()
        policies, requests = ours_prepare(workload)
        decide = ours_decide_with(ours_scps(workload)) if workload.scps else ours_decide
        compile_ms = (time.perf_counter() - start) * 1000
        ours_answers = [decide(policies, r) for r in requests]
        mix = Counter(ours_answers)
        ours = Timing(decide, policies, requests, workload.count, args.budget)

        moto: Timing | None = None
        agree_cell = "-"
        if have_moto and not workload.scps:
            m_policies, m_requests = moto_prepare(workload)
            # Agreement on the first AGREE_SAMPLE distinct requests (moto is slow on c).
            moto_answers = [moto_decide(m_policies, r) for r in m_requests[:AGREE_SAMPLE]]
            agree = sum(a == b for a, b in zip(ours_answers, moto_answers)) / len(moto_answers)
            agree_cell = f"{agree:.0%}"
            moto = Timing(moto_decide, m_policies, m_requests, workload.moto_count, args.budget)
        for _ in range(ROUNDS):
            ours.round()
            if moto is not None:
                moto.round()
        moto_cell = moto.cell() if moto else "-"
        ratio_cell = f"{ours.best / moto.best:,.1f}x" if moto else "-"
        timed = f"{ours.done}/{moto.done if moto else '-'}"
        print(f"{workload.label:<32} {timed:>17} {ours.cell():>11} {moto_cell:>11} "
              f"{ratio_cell:>9} {agree_cell:>6}  "
              f"{mix['allowed']}/{mix['explicitDeny']}/{mix['implicitDeny']} "
              f"of {len(requests)} distinct (compile {compile_ms:.1f} ms)")
    show_differences(have_moto)
    print(f"\ntotal {time.perf_counter() - total_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
