"""Count validation findings over every AWS-managed policy document, per level and code.

Run from the repository root::

    python benchmarks/managed_findings.py            # counts per (level, code)
    python benchmarks/managed_findings.py --code X   # also list the policies with code X

AWS's own documents are the check on the checks: an Access Analyzer ERROR on one of them is
either a gap in the service data or a check stricter than AWS's. ReadOnlyAccess is set
aside (it is over every quota and takes seconds). The literal actions of the managed
policies are registered as known, as the portal does (``policies/apps.py``).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policies.engine import validation  # noqa: E402
from policies.managed import literal_actions  # noqa: E402

DATA = ROOT / "policies" / "managed" / "catalogue.json.gz"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", action="append", default=[],
                        help="list the policies (and messages) with this code")
    args = parser.parse_args(argv)
    validation.known_actions_source(lambda: literal_actions(DATA))
    policies = json.loads(gzip.decompress(DATA.read_bytes()))["policies"]
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    documents: collections.Counter[tuple[str, str]] = collections.Counter()
    listed: list[str] = []
    start = time.perf_counter()
    checked = 0
    for policy in policies:
        if policy["PolicyName"] == "ReadOnlyAccess":
            continue
        checked += 1
        findings = validation.validate(policy["Document"], "identity", max_size=0)
        seen = set()
        for finding in findings:
            key = (finding.level, finding.code)
            counts[key] += 1
            seen.add(key)
            if finding.code in args.code:
                listed.append(f"{policy['PolicyName']}\t{finding.location.path}\t"
                              f"{finding.message}")
        documents.update(seen)
    elapsed = time.perf_counter() - start
    for (level, code), count in sorted(counts.items()):
        print(f"{level}\t{code}\t{count} findings\t{documents[level, code]} documents")
    errors = sum(1 for p in policies if p["PolicyName"] != "ReadOnlyAccess")
    print(f"{checked} documents of {errors} checked in {elapsed:.1f} s")
    for line in listed:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
