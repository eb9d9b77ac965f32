"""Validate every AWS managed policy's document and count the findings per level and code.

AWS's own policies pass Access Analyzer without an ERROR, so every ERROR this prints is a
gap in the engine's service data (``policies/engine/data/actions.json.gz``) or a bug in a
check. Run from the repository root::

    python tools/validate_managed_policies.py                   # counts per level and code
    python tools/validate_managed_policies.py --examples 3      # and 3 examples per code
    python tools/validate_managed_policies.py --level ERROR     # only ERROR findings
    python tools/validate_managed_policies.py --actions OLD.json.gz   # another service data file
    python tools/validate_managed_policies.py --literal-actions # with the portal's stop-gap

By default the engine runs on its service data alone: the portal's stop-gap that takes the
actions AWS's managed policies name as known (``policies.managed.literal_actions``, registered
by ``policies.apps``) is left out, so the figures measure the data. Documents are validated as
identity policies without a size quota (AWS managed policies are not held to 6,144
characters). Runs without Django settings (no database).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from policies.engine import catalogue, validation  # noqa: E402
from policies.managed import literal_actions  # noqa: E402 - Django imported, not set up

MANAGED_FILE = REPO_ROOT / "policies" / "managed" / "catalogue.json.gz"
LEVELS = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=Path, help="service data file to use "
                        "(default: policies/engine/data/actions.json.gz)")
    parser.add_argument("--managed", type=Path, default=MANAGED_FILE,
                        help="managed policy catalogue to read")
    parser.add_argument("--examples", type=int, default=0, metavar="N",
                        help="print N examples (policy, message) per code")
    parser.add_argument("--level", choices=LEVELS, help="count only this level")
    parser.add_argument("--literal-actions", action="store_true",
                        help="take the actions the managed policies name as known, as the "
                             "portal does")
    args = parser.parse_args(argv)

    if args.actions:
        catalogue.DATA_FILE = args.actions  # read lazily: set before the first lookup
    policies = json.loads(gzip.decompress(args.managed.read_bytes()))["policies"]
    names = literal_actions(args.managed) if args.literal_actions else None
    validation.known_actions_source((lambda: names) if names is not None else None)

    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    documents: dict[str, set[str]] = collections.defaultdict(set)
    examples: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    for policy in policies:
        for finding in validation.validate(policy["Document"], "identity", max_size=0):
            if args.level and finding.level != args.level:
                continue
            key = (finding.level, finding.code)
            counts[key] += 1
            documents[finding.level].add(policy["PolicyName"])
            if len(examples[key]) < args.examples:
                detail = finding.detail or finding.message
                examples[key].append(f"{policy['PolicyName']}: {detail}")

    print(f"service data: {catalogue.source()}")
    print(f"{len(policies)} AWS managed policies"
          f"{' (managed policies literal actions taken as known)' if args.literal_actions else ''}")
    for level in LEVELS:
        rows = sorted(((code, n) for (lvl, code), n in counts.items() if lvl == level),
                      key=lambda row: (-row[1], row[0]))
        if not rows:
            continue
        print(f"{level}: {sum(n for _, n in rows)} findings in {len(documents[level])} documents")
        for code, n in rows:
            print(f"  {code:40} {n:6}")
            for example in examples[(level, code)]:
                print(f"      {example[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
