"""How much of the corpus's benefit clauses the criteria extractor reads.

Run: ``.venv/bin/python bench/criteria_coverage.py [CORPUS_DIR] [--top 30]``

For every clause that provides a benefit (a PROVIDES edge after ``extract_document``, rules
in force included), looks at its condition tree and prints: the number of benefit clauses,
those with at least one criterion read (not needs-review), those whose criteria are all read,
the criteria by attribute, and the most frequent needs-review phrases. The baseline is the
same run's own totals: the ratios are coverage over all benefit clauses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.eligibility.engine import Condition  # noqa: E402
from policykg.ingest.pipeline import extract_document  # noqa: E402
from policykg.ingest.reader import read_document  # noqa: E402


def _criteria(d: dict) -> list[dict]:
    if d["op"] == "LEAF":
        return [d["criterion"]]
    return [c for ch in d["children"] for c in _criteria(ch)]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "zhejiang")
    ap.add_argument("--top", type=int, default=30)
    args = ap.parse_args(argv)

    clauses = some = only = placed = 0
    by_attr: Counter[str] = Counter()
    review: Counter[str] = Counter()
    files = sorted(args.corpus.glob("*.txt"))
    for path in files:
        g = extract_document(read_document(path))
        granting = {e.source for e in g.edges.values() if e.label == "PROVIDES"}
        for cid in granting:
            clauses += 1
            raw = g.nodes[cid].properties.get("condition")
            crits = _criteria(json.loads(raw)) if raw else []
            # the policy's own place (quoted from its issuer, not from the clause) is not read from the clause
            text = g.nodes[cid].properties.get("text", "")
            own = [c for c in crits if not (c.get("attribute") == "registered_place" and c.get("text", "") not in text)]
            placed += len(own) < len(crits)
            read = [c for c in own if not c.get("needs_review")]
            for c in crits:
                if c.get("needs_review"):
                    by_attr["(needs review)"] += 1
                    review[c.get("text", "")] += 1
                else:
                    by_attr[c["attribute"]] += 1
            some += bool(read)
            only += bool(read) and len(read) == len(own)
    _ = Condition  # the tree format read above is Condition.to_json's
    pct = lambda n: f"{n / clauses:.1%}" if clauses else "-"
    print(f"documents: {len(files)}")
    print(f"benefit clauses: {clauses}")
    print(f"clauses with >=1 criterion read from their text: {some} ({pct(some)})")
    print(f"clauses whose criteria are all read: {only} ({pct(only)})")
    print(f"clauses that carry their policy's place (from the issuer): {placed} ({pct(placed)})")
    total = sum(by_attr.values())
    print(f"criteria needing review: {by_attr['(needs review)']} of {total} "
          f"({by_attr['(needs review)'] / total:.1%}; target <= 15%)" if total else "criteria: 0")
    print(f"open attributes: {sum(n for k, n in by_attr.items() if k.startswith('open:'))} criteria, "
          f"{sum(1 for k in by_attr if k.startswith('open:'))} distinct")
    print("criteria by attribute:")
    for k, n in by_attr.most_common(args.top):
        print(f"  {n:6d}  {k}")
    print(f"top {args.top} needs-review phrases:")
    for t, n in review.most_common(args.top):
        print(f"  {n:4d}  {t[:80]}")


if __name__ == "__main__":
    main()
