"""A fixed random sample of benefit clauses with what the reader made of them, as a markdown table.

Run: ``.venv/bin/python bench/criteria_sample.py [CORPUS_DIR] [--n 40] [--seed 40]``

Every clause with a PROVIDES edge (after ``extract_document``) in the corpus's documents, in a
sorted list (document file name, clause id); ``random.Random(seed).sample`` draws ``--n`` of them.
For each one the table gives the document, the clause text (line breaks removed, shortened),
the conditions read — the tree with AND / OR / NOT and each criterion's summary (an open
attribute by its label; ⚠ marks a criterion that needs review, with its quote) — and the
benefits (kind, amount / rate / cap / per unit). For a person to mark which readings are wrong.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.eligibility.engine import Condition, format_number
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document


def cell(s: str) -> str:
    return s.replace("|", "¦").replace("\n", " ").replace("\r", " ").strip()


def short(s: str, n: int = 120) -> str:
    s = "".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render(c: Condition, top: bool = True) -> str:
    if c.op == "LEAF":
        k = c.criterion
        if k.needs_review or not k.attribute:
            return f"⚠待核对「{short(k.text, 40)}」"
        try:
            return k.describe()
        except Exception:  # noqa: BLE001 — the engine is being rewritten: fall back to the fields
            return f"{k.label or k.attribute} {k.operator} {k.value}{k.unit or ''}"
    if c.op == "NOT":
        return "NOT(" + render(c.children[0], False) + ")"
    inner = f" {c.op} ".join(render(ch, False) for ch in c.children)
    return inner if top else f"({inner})"


def benefit(p: dict) -> str:
    parts = [p.get("benefit_kind") or "?"]
    if p.get("amount_yuan") is not None:
        parts.append(f"{format_number(p['amount_yuan'])}元")
    if p.get("rate") is not None:
        parts.append(f"{p['rate'] * 100:g}%")
    if p.get("cap_yuan") is not None:
        parts.append(f"封顶{format_number(p['cap_yuan'])}元")
    if p.get("per_unit"):
        parts.append(f"每{p['per_unit']}")
    if len(parts) == 1:
        parts.append("（无金额）")
    return " ".join(parts)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=ROOT.parent / "shared" / "corpus" / "zhejiang")
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--seed", type=int, default=40)
    args = ap.parse_args(argv)

    pool: list[tuple[str, str, dict]] = []
    failed: list[str] = []
    files = sorted(args.corpus.glob("*.txt"))
    for path in files:
        try:
            g = extract_document(read_document(path))
        except Exception as e:  # noqa: BLE001 — the reader is being rewritten: report and go on
            failed.append(f"{path.name}: {type(e).__name__}: {str(e)[:120]}")
            continue
        gives: dict[str, list[dict]] = {}
        for e in g.edges.values():
            if e.label == "PROVIDES" and e.target in g.nodes:
                gives.setdefault(e.source, []).append(g.nodes[e.target].properties)
        for cid, bens in gives.items():
            node = g.nodes.get(cid)
            if node is None:
                continue
            pool.append((path.name, cid, {"text": node.properties.get("text", ""),
                                          "condition": node.properties.get("condition"), "benefits": bens}))
    pool.sort(key=lambda t: (t[0], t[1]))
    sample = random.Random(args.seed).sample(pool, min(args.n, len(pool)))
    sample.sort(key=lambda t: (t[0], t[1]))

    print(f"{len(sample)} of {len(pool)} benefit clauses in {len(files) - len(failed)} documents "
          f"(random.Random({args.seed}) over the sorted list)\n")
    if failed:
        print(f"documents not extracted ({len(failed)}):")
        for f in failed:
            print(f"- {f}")
        print()
    print("| # | doc | clause | conditions read | benefits |")
    print("|---|-----|--------|-----------------|----------|")
    for i, (doc, _cid, d) in enumerate(sample, 1):
        raw = d["condition"]
        try:
            cond = render(Condition.from_json(json.loads(raw) if isinstance(raw, str) else raw)) if raw else "（无条件）"
        except Exception as e:  # noqa: BLE001
            cond = f"（条件无法解析：{type(e).__name__}）"
        bens = "; ".join(benefit(p) for p in d["benefits"])
        print(f"| {i} | {doc} | {cell(short(d['text']))} | {cell(cond)} | {cell(bens)} |")


if __name__ == "__main__":
    main()
