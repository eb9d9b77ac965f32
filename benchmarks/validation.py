"""Benchmark: validating a policy of the managed policy quota (6,144 characters) with every
Access Analyzer check the engine implements.

Run from the repository root::

    python benchmarks/validation.py           # or with --runs N

The policy is built deterministically: statements of S3, IAM, EC2 and DynamoDB actions
(exact and wildcard) on ARNs of several formats, with conditions (tag keys, source IP,
Bool, service keys), grown until it is just under 6,144 non-whitespace characters. The
catalogue (the service authorization reference data) is loaded before timing, as it is
once per process in the portal. Prints the size, the number of findings, the best, median
and worst wall time of ``validate`` over the runs, and its median CPU time (on a machine
busy with other work the wall times include waiting for a core; the best run and the CPU
time are the figures to compare with the 10 ms target).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policies.engine import validate  # noqa: E402

QUOTA = 6144
ACCOUNT = "123456789012"
SHAPES = [
    (["s3:GetObject", "s3:PutObject", "s3:Get*"], ["arn:aws:s3:::bucket-{i}/*"],
     {"StringEquals": {"aws:ResourceTag/team": "t{i}"},
      "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.{i}.0.0/16"]}}),
    (["iam:GetRole", "iam:PassRole"], [f"arn:aws:iam::{ACCOUNT}:role/app-{{i}}"],
     {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}),
    (["ec2:StartInstances", "ec2:StopInstances"], [f"arn:aws:ec2:*:{ACCOUNT}:instance/*"],
     {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
      "Bool": {"aws:SecureTransport": "true"}}),
    (["dynamodb:GetItem", "dynamodb:Query"],
     [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{{i}}"],
     {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["${aws:username}"]}}),
]


def policy() -> str:
    statements: list[dict] = []
    text = ""
    for i in range(1000):
        actions, resources, condition = SHAPES[i % len(SHAPES)]
        statement = {"Sid": f"S{i}", "Effect": "Allow", "Action": actions,
                     "Resource": [r.format(i=i) for r in resources],
                     "Condition": json.loads(json.dumps(condition).replace("{i}", str(i)))}
        candidate = json.dumps({"Version": "2012-10-17", "Statement": statements + [statement]},
                               indent=2)
        if sum(1 for ch in candidate if not ch.isspace()) > QUOTA:
            break
        statements.append(statement)
        text = candidate
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    text = policy()
    findings = validate(text)  # loads the catalogue; the checks' caches stay warm after
    times, cpu = [], []
    for _ in range(args.runs):
        started, used = time.perf_counter(), time.process_time()
        validate(text)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    size = sum(1 for ch in text if not ch.isspace())
    statements = len(json.loads(text)["Statement"])
    print(f"policy: {size} non-whitespace characters ({len(text)} with whitespace), "
          f"{statements} statements, {len(findings)} findings")
    print(f"validate: best {min(times) * 1000:.2f} ms, median "
          f"{statistics.median(times) * 1000:.2f} ms, worst {max(times) * 1000:.2f} ms "
          f"over {args.runs} runs; median CPU time {statistics.median(cpu) * 1000:.2f} ms "
          "(what a loaded machine's waiting leaves out)")


if __name__ == "__main__":
    main()
