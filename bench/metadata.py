"""How often ingest reads a document's 文号, issuing bodies, date and title as a careful reader would.

Run: ``.venv/bin/python bench/metadata.py [DEVSET] [--corpus DIR]``

The dev set (``bench/dev/metadata.jsonl``) holds one hand annotation a line, made by reading the
head and tail of each document: ``{"doc", "doc_number", "issuers", "date", "title"}``, null where
the text has none. Each document goes through the real pipeline (``read_document`` →
``extract_document``); the fields scored are the PolicyDocument node's ``doc_number``,
``issue_date`` and ``title`` and the names of the agencies it is ISSUED_BY (one per body, a joint
run split). Prints per-field accuracy (the baseline is the number of annotated documents) and
every miss.

What the annotations mean by date: the 成文日期, the date under the signature; failing that the
date of the 印发 line; failing that a date in brackets after the title. Dates inside the content
(自…起施行, 有效期至…, the day a meeting approved it) are not the issue date.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.ingest.pipeline import extract_document  # noqa: E402
from policykg.ingest.reader import read_document  # noqa: E402

FIELDS = ("doc_number", "issuers", "date", "title")
_WIDTH = str.maketrans({"(": "（", ")": "）", "<": "〈", ">": "〉", "《": "〈", "》": "〉", "\u3000": None})


def normal_title(t: str | None) -> str | None:
    """A title compared without whitespace and with 《》<> and bracket widths made alike."""
    return re.sub(r"\s+", "", t).translate(_WIDTH) if t else None


def read_fields(path: Path) -> dict:
    g = extract_document(read_document(path))
    doc = g.nodes[g.policy_id]
    issuers = sorted(g.nodes[e.target].name for e in g.edges.values()
                     if e.label == "ISSUED_BY" and e.source == g.policy_id)
    return {"doc_number": doc.properties.get("doc_number"), "issuers": issuers or None,
            "date": doc.properties.get("issue_date"), "title": doc.properties.get("title")}


def same(field: str, want, got) -> bool:
    if field == "issuers":
        return sorted(want or []) == sorted(got or [])
    if field == "title":
        return normal_title(want) == normal_title(got)
    return want == got


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("devset", nargs="?", type=Path, default=ROOT / "bench" / "dev" / "metadata.jsonl")
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args(argv)

    rows = [json.loads(ln) for ln in args.devset.read_text(encoding="utf-8").splitlines() if ln.strip()]
    right = dict.fromkeys(FIELDS, 0)
    all_right = 0
    misses: list[str] = []
    for row in rows:
        path = args.corpus / "zhejiang" / row["doc"]
        if not path.exists():
            path = args.corpus / row["doc"]
        got = read_fields(path)
        ok = True
        for f in FIELDS:
            if same(f, row[f], got[f]):
                right[f] += 1
            else:
                ok = False
                misses.append(f"{row['doc']:<28} {f:<10} want {row[f]!r}\n{'':<39} got  {got[f]!r}")
        all_right += ok
    n = len(rows)
    print(f"documents: {n}")
    for f in FIELDS:
        print(f"{f:<12} {right[f]:>3}/{n}  {100 * right[f] / n:5.1f}%")
    fields = sum(right.values())
    print(f"{'all fields':<12} {fields:>3}/{n * len(FIELDS)}  {100 * fields / (n * len(FIELDS)):5.1f}%")
    print(f"{'whole docs':<12} {all_right:>3}/{n}  {100 * all_right / n:5.1f}%")
    if misses:
        print(f"\nmisses ({len(misses)}):")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
