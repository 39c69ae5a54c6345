"""Hand-checked firm cases over real benefit clauses: does the engine answer them right once a
simulated firm has answered the product's own questions?

Run: ``.venv/bin/python bench/firm_cases.py [--set bench/dev/firm_cases.jsonl] [--rounds 3] [--verbose]``

Each case in ``bench/dev/firm_cases.jsonl`` names a document, a snippet of one clause, a firm's
hidden truth and the answer a human reached by reading the clause (see bench/dev/README.md):

- ``firm.facts``: what the product's fact vocabulary can state (registered_place, qualification
  list — complete, [] = none —, platform list, yearly figures such as revenue / tax_paid /
  rd_expense / rd_ratio / employees as {year: value}, no_major_violation …);
- ``firm.extra``: what it cannot state yet, by name (设备投资额: 12000000, 工业企业: true …).

The script extracts the document (once), finds the PolicyClause with a condition whose text
contains the snippet, builds a ``FirmProfile`` from ``facts`` and evaluates the clause's
condition. Then, up to ``--rounds`` times, it answers every line whose outcome is *missing
fact* from the hidden truth — a known attribute from its fact, an open attribute from the
``extra`` entry whose name best matches the criterion's label, a qualification or platform from
the list or ``extra`` — and evaluates again. When ``policykg.eligibility.questions`` exists its
``question_for`` / ``answers_to_facts`` turn the answers into facts; otherwise facts are built
directly. Reported: share right; *dangerous* (eligible although the clause is not met); wrongly
ineligible, and how many of those on a condition the firm does meet but could not state;
never answered (unknown after the rounds, or no clause / no condition found). Ratios only.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
from collections import Counter
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from criteria_devset import Docs, norm, squash, synonyms

from policykg.eligibility.attributes import attribute_table
from policykg.eligibility.engine import Condition, Fact, FirmProfile, Outcome, Status, evaluate

DEFAULT_SET = ROOT / "bench" / "dev" / "firm_cases.jsonl"
AS_OF = "2025-06-30"
NO_QUALIFICATION = "无"  # what a profile's "qualifications": [] states (ingest/profiles.py)
MEASURE_WORDS = ("增幅", "增长", "增量", "占比", "比例", "比重", "排名", "平均", "评级")
SOURCE = "bench answer"


# ------------------------------------------------------------------------------ the firm
def profile_of(case: dict) -> FirmProfile:
    facts: list[Fact] = []
    for key, v in case["firm"]["facts"].items():
        if key == "qualification":
            facts += [Fact("qualification", q, source="case") for q in v] or [Fact("qualification", NO_QUALIFICATION, source="case")]
        elif key == "platform":
            facts.append(Fact("platform", list(v), source="case"))
        elif isinstance(v, dict):  # yearly figures {year: value}
            a = attribute_table().get(key)
            facts += [Fact(key, x, unit=a.unit if a else None, year=int(y), source="case") for y, x in v.items()]
        else:
            a = attribute_table().get(key)
            facts.append(Fact(key, v, unit=a.unit if a and isinstance(v, int | float) and not isinstance(v, bool) else None,
                              source="case"))
    return FirmProfile("CASE" + case["id"], case["id"], facts)


def similarity(a: str, b: str) -> float:
    x, y = norm(a), norm(b)
    if not x or not y:
        return 0.0
    if x == y:
        s = 1.0
    elif x in y or y in x:  # a generic label (费用, 总额) inside a long name is no answer
        s = 0.3 + 0.7 * min(len(x), len(y)) / max(len(x), len(y))
    else:
        s = SequenceMatcher(None, x, y, autojunk=False).ratio()
    if any((w in x) != (w in y) for w in MEASURE_WORDS):
        s *= 0.5
    return s


def best_extra(names: list[str], extra: dict[str, Any], numeric: bool | None) -> tuple[str, Any] | None:
    """The extra entry whose name best matches one of the names (≥ 0.5), of a fitting type."""
    best, score = None, 0.0
    for k, v in extra.items():
        is_num = isinstance(v, int | float) and not isinstance(v, bool)
        if numeric is True and not is_num:
            continue
        if numeric is False and is_num:
            continue
        s = max((similarity(n, k) for n in names if n), default=0.0)
        if s > score:
            best, score = (k, v), s
    return best if score >= 0.5 else None


def hidden_answer(c, case: dict) -> Any:
    """What the firm would answer to the question about criterion c, or None if it cannot."""
    facts, extra = case["firm"]["facts"], case["firm"]["extra"]
    attr = c.attribute or ""
    a = attribute_table().get(attr)
    numeric_op = c.operator in ("ge", "gt", "le", "lt")
    if attr == "qualification" or (a and a.value_type == "qualification"):
        names = list(synonyms(str(c.value)))
        if any(q in names for q in facts.get("qualification", [])):
            return True
        hit = best_extra(names, extra, False)
        return hit[1] if hit else None
    if attr == "platform" or (a and a.value_type == "platform"):
        hit = best_extra(list(synonyms(str(c.value))), extra, False)
        return hit[1] if hit else None
    if a is not None:
        if attr in facts:
            v = facts[attr]
            return v[max(v)] if isinstance(v, dict) else v
        hit = best_extra([a.label, *a.labels], extra, numeric_op or a.numeric)
        return hit[1] if hit else None
    label = c.label or attr.removeprefix("open:")
    if not numeric_op:
        # One question over several things (通过第三方平台…且已签订服务协议并支付服务费用): the firm
        # answers for all of them — every one for 且/并/和, any one for 或.
        parts = [v for k, v in extra.items() if isinstance(v, bool) and len(norm(k)) >= 2 and norm(k) in norm(label)]
        if len(parts) >= 2:
            return any(parts) if "或" in label else all(parts)
    hit = best_extra([label], extra, True if numeric_op else None)
    return hit[1] if hit else None


def facts_for(c, value: Any, as_of: str, qmod, stats: Counter) -> list[Fact]:
    """The facts an answer gives: through the product's questions when the module exists (the
    firm answers the question asked, in its unit: money in the question's 万元), else built
    directly."""
    if qmod is not None:
        q = qmod.question_for(c)
        if q is None:
            stats["no question offered"] += 1
            return []
        v = value
        if q.answer_type == "yes_no":
            v = bool(value) if not isinstance(value, str) else None
        elif q.answer_type == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                v = None
            elif q.value_type == "money" and (q.unit or "").startswith("万"):
                v = value / 10_000
        elif q.answer_type == "choice" and value not in q.choices:
            v = None
        if v is None:
            stats["hidden truth does not fit the question"] += 1
            return []
        try:
            out = list(qmod.answers_to_facts({q.id: v}, on=as_of, known={q.id: q}))
        except Exception as e:  # noqa: BLE001 — an answer the product refuses is no fact
            stats[f"answer refused ({type(e).__name__})"] += 1
            return []
        stats["answered"] += 1
        return out
    attr = c.attribute or ""
    a = attribute_table().get(attr)
    stats["answered"] += 1
    if attr == "qualification" or (a and a.value_type == "qualification"):
        return [Fact("qualification", c.value if value else NO_QUALIFICATION, date=as_of, source=SOURCE)]
    if attr == "platform" or (a and a.value_type == "platform"):
        return [Fact("platform", [c.value] if value else [], date=as_of, source=SOURCE)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        unit = c.unit or (a.unit if a else None)
        year = int(as_of[:4]) - 1 if a is not None and a.period == "year" else None
        return [Fact(attr, value, unit=unit, year=year, date=None if year else as_of, source=SOURCE)]
    return [Fact(attr, value, date=as_of, source=SOURCE)]


# ------------------------------------------------------------------------------ one case
def find_clause(clauses: list[dict], snippet: str) -> dict | None:
    s = squash(snippet)
    hits = [c for c in clauses if c["condition"] and s in squash(c["text"])]
    return min(hits, key=lambda c: len(c["text"])) if hits else None


def run_case(case: dict, docs: Docs, rounds: int, qmod, stats: Counter) -> dict:
    out: dict[str, Any] = {"case": case, "status": None, "rounds": 0, "lines": [], "why": "", "answers": []}
    clauses = docs.clauses(case["doc"])
    if clauses is None:
        out["why"] = "document not extracted"
        return out
    clause = find_clause(clauses, case["clause_text_contains"])
    if clause is None:
        any_text = any(squash(case["clause_text_contains"]) in squash(c["text"]) for c in clauses)
        out["why"] = "clause has no condition" if any_text else "clause not found"
        return out
    out["clause"] = clause["id"]
    firm = profile_of(case)
    as_of = case.get("as_of", AS_OF)
    asked: set[tuple] = set()
    try:
        cond = Condition.from_json(clause["condition"])
        status, lines = evaluate(cond, firm, as_of=as_of)
    except Exception as e:  # noqa: BLE001 — the engine is being rewritten: report and go on
        out["why"] = f"engine error ({type(e).__name__}: {str(e)[:80]})"
        return out
    for r in range(rounds):
        if status is not Status.UNKNOWN:
            break
        new: list[Fact] = []
        for line in lines:
            c = line.criterion
            key = (c.attribute, c.operator, json.dumps(c.value, ensure_ascii=False, default=str), c.text)
            if line.outcome is not Outcome.MISSING or key in asked:
                continue
            asked.add(key)
            stats["questions"] += 1
            value = hidden_answer(c, case)
            out["answers"].append(f"{c.label or c.value or c.attribute} → {value!r}")
            if value is None:
                stats["firm has no answer"] += 1
            else:
                new += facts_for(c, value, as_of, qmod, stats)
        if not new:
            break
        firm.facts.extend(new)
        out["rounds"] = r + 1
        try:
            status, lines = evaluate(cond, firm, as_of=as_of)
        except Exception as e:  # noqa: BLE001
            out["why"] = f"engine error ({type(e).__name__}: {str(e)[:80]})"
            return out
    out["status"], out["lines"] = status, lines
    return out


def classify(res: dict) -> str:
    exp = res["case"]["expected"]
    st = res["status"]
    if st is None:
        return "no answer"
    if st.value == exp:
        return "right"
    if st is Status.ELIGIBLE:
        return "dangerous"
    if st is Status.INELIGIBLE:
        return "wrongly ineligible"
    return "unknown"


def missing_fact(res: dict) -> bool:
    """A wrong 'ineligible' on a condition the firm meets by its hidden truth."""
    for line in res["lines"]:
        if line.outcome is Outcome.NOT_MET:
            v = hidden_answer(line.criterion, res["case"])
            if v is True:
                return True
    return False


def show(res: dict) -> str:
    c = res["case"]
    head = (f"{c['id']} {c['doc']} expected {c['expected']}, got "
            f"{res['status'].value if res['status'] else res['why']} (rounds {res['rounds']})  「{c['clause_text_contains']}」")
    if c.get("note"):
        head += f"  — {c['note']}"
    body = [f"      {line.outcome.value:12s} {line.criterion.describe()}" for line in res["lines"]]
    if res["answers"]:
        body.append("      answered: " + "; ".join(res["answers"]))
    return "\n".join([head, *body])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--verbose", "-v", action="store_true", help="list the wrong ones with their lines")
    args = ap.parse_args(argv)

    qmod = None
    if importlib.util.find_spec("policykg.eligibility.questions") is not None:
        try:
            qmod = importlib.import_module("policykg.eligibility.questions")
        except Exception as e:  # noqa: BLE001
            print(f"questions module present but not importable ({type(e).__name__}: {e}); facts built directly")
    cases = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = Docs()
    stats: Counter[str] = Counter()
    results = [run_case(c, docs, args.rounds, qmod, stats) for c in cases]
    kinds = Counter(classify(r) for r in results)
    n = len(results)
    pct = lambda a, b: f"{a / b:.1%}" if b else "-"
    print(f"firm cases: {n} over {len({c['doc'] for c in cases})} documents "
          f"({sum(c['expected'] == 'eligible' for c in cases)} eligible, {sum(c['expected'] == 'ineligible' for c in cases)} ineligible expected)")
    print(f"answers through: {'policykg.eligibility.questions' if qmod else 'direct Fact construction (no questions module)'}")
    if docs.errors:
        print(f"documents not extracted: {len(docs.errors)}")
        for d, e in docs.errors.items():
            print(f"  {d}: {e}")
    print(f"RIGHT: {kinds['right']} / {n} = {pct(kinds['right'], n)}")
    for exp in ("eligible", "ineligible"):
        sub = [r for r in results if r["case"]["expected"] == exp]
        ok = sum(classify(r) == "right" for r in sub)
        print(f"  expected {exp:10s}: {ok} / {len(sub)} = {pct(ok, len(sub))}")
    wi = [r for r in results if classify(r) == "wrongly ineligible"]
    print(f"DANGEROUS (eligible although a condition is unmet or unread): {kinds['dangerous']}")
    print(f"wrongly ineligible: {len(wi)}, of which on a condition the firm meets but could not state: "
          f"{sum(missing_fact(r) for r in wi)}")
    unk = [r for r in results if classify(r) == "unknown"]
    review = sum(any(l.outcome is Outcome.REVIEW for l in r["lines"]) for r in unk)
    print(f"never answered: {len(unk) + kinds['no answer']} (unknown after {args.rounds} rounds: {len(unk)}, "
          f"of which with an unread condition: {review}; no clause or no condition found: {kinds['no answer']})")
    print("answer rounds used: " + ", ".join(f"{k}: {v}" for k, v in sorted(Counter(r['rounds'] for r in results).items())))
    if stats["questions"]:
        print(f"missing-fact lines asked: {stats['questions']}: " + ", ".join(
            f"{k} {v}" for k, v in stats.most_common() if k != "questions"))
    whys = Counter(r["why"] for r in results if r["why"])
    if whys:
        print("no answer because: " + ", ".join(f"{k} {v}" for k, v in whys.most_common()))
    if args.verbose:
        print("\nWRONG:")
        for r in results:
            if classify(r) != "right":
                print("  [" + classify(r) + "] " + show(r))


if __name__ == "__main__":
    main()
