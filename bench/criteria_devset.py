"""How well the criteria reader reads an annotated dev sample of policy conditions.

Run: ``.venv/bin/python bench/criteria_devset.py [--set bench/dev/conditions.jsonl] [--verbose]``

``bench/dev/conditions.jsonl`` holds sentences of real documents with the conditions a human
read in them (attribute, kind, relation, negated, value, unit, period; see bench/dev/README.md).
For each sentence this script extracts its document (once per document), finds the clauses
whose text contains the sentence (whitespace ignored; else the clauses inside it; else the clause
with the longest overlap), takes the criteria of those clauses' condition trees that quote text
inside the sentence (or overlapping it), and matches annotated conditions with read criteria one
to one. A pair matches when

- the attribute agrees: an ontology key compares the annotation's name (or aliases) with the
  attribute table's labels of that key — or, for qualification / platform / industry, with the
  criterion's value; a place criterion agrees with a place annotation; ``no_major_violation``
  with a clean-record annotation; an open attribute's label must contain, or be contained in,
  the annotated name after normalisation (的 / 企业 / 单位 / leading 获得 / 认定为 / 首次 … and
  a leading period word removed), the shorter covering at least 60% of the longer; a level or
  grade in the annotated name (省级, 金华市级, 五星级, 一等奖, 金奖 …) must be in the reading too;
- the relation agrees: thresholds need the same operator (ge is not gt), a NOT around the
  criterion flips it (NOT ge = lt); names (honour, qualification, firm kind, yes/no …) need the
  same polarity (negated ⇔ under an odd number of NOTs, or ne / a false value);
- the value agrees: numbers equal after unit normalisation (万元 → ×10⁴, 亿元 → ×10⁸; ratios in
  %), names by containment.

Recall = annotated conditions matched / annotated; precision = read criteria (needs_review
excluded) that match an annotation / read criteria in those sentences. Criteria marked
needs_review are counted apart (they are unread, not wrong). Ratios only, no timing.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policykg.core.ontology import PKG, load_ontology
from policykg.eligibility.attributes import attribute_table
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document

CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_SET = ROOT / "bench" / "dev" / "conditions.jsonl"
NAMED_KINDS = {"place", "qualification", "honour", "firm_kind", "yes_no", "clean_record", "platform"}
FLIP = {"ge": "lt", "lt": "ge", "gt": "le", "le": "gt", "eq": "ne", "ne": "eq"}
POSITIVE_OPS = {"eq", "has", "true", "in"}
COVER = 0.6  # the shorter name must cover this share of the longer one


# ------------------------------------------------------------------------------ documents
def doc_path(doc: str) -> Path:
    for p in (CORPUS / "zhejiang" / doc, CORPUS / doc):
        if p.exists():
            return p
    raise FileNotFoundError(doc)


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def lcs(a: str, b: str) -> int:
    if not a or not b:
        return 0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def walk(d: dict, negated: bool = False) -> list[tuple[dict, bool]]:
    """Every criterion of a condition tree with whether an odd number of NOTs wrap it."""
    if d.get("op") == "LEAF":
        return [(d.get("criterion") or {}, negated)]
    neg = not negated if d.get("op") == "NOT" else negated
    return [x for ch in d.get("children", []) for x in walk(ch, neg)]


class Docs:
    """Extracted documents, once each; an extraction failure is remembered and reported."""

    def __init__(self) -> None:
        self.cache: dict[str, list[dict] | None] = {}
        self.errors: dict[str, str] = {}

    def clauses(self, doc: str) -> list[dict] | None:
        if doc not in self.cache:
            try:
                g = extract_document(read_document(doc_path(doc)))
                out = []
                for n in g.nodes.values():
                    if n.label != "PolicyClause":
                        continue
                    raw = n.properties.get("condition")
                    try:
                        cond = json.loads(raw) if isinstance(raw, str) else raw
                    except json.JSONDecodeError:
                        cond = None
                    out.append({"id": n.id, "text": n.properties.get("text", ""), "condition": cond})
                self.cache[doc] = out
            except Exception as e:  # noqa: BLE001 — the reader is being rewritten: report and go on
                self.cache[doc] = None
                self.errors[doc] = f"{type(e).__name__}: {e}"[:200]
        return self.cache[doc]


def clauses_for(sentence: str, clauses: list[dict]) -> tuple[list[dict], str]:
    s = squash(sentence)
    hit = [c for c in clauses if s in squash(c["text"])]
    if hit:
        return hit, "contains"
    inside = [c for c in clauses if len(squash(c["text"])) >= 8 and squash(c["text"]) in s]
    if inside:
        return inside, "inside"
    best = max(clauses, key=lambda c: lcs(s, squash(c["text"])), default=None)
    if best is None or lcs(s, squash(best["text"])) < 6:
        return [], "none"
    return [best], "overlap"


def quoted_in(text: str, sentence: str, clause: str = "") -> bool:
    """Whether a criterion's quote lies inside the sentence or overlaps it: by position in the
    clause text when the quote is found there, else by containment."""
    t, s, c = squash(text), squash(sentence), squash(clause)
    if not t:
        return False
    if t in s or s in t:
        return True
    start = c.find(s) if c else -1
    if start < 0 or t not in c:
        return False
    end, need = start + len(s), min(4, len(t))
    i = c.find(t)
    while i >= 0:
        if min(end, i + len(t)) - max(start, i) >= need:
            return True
        i = c.find(t, i + 1)
    return False


def read_criteria(sentence: str, clauses: list[dict], everywhere: list[dict] = ()) -> list[tuple[dict, bool]]:
    """The criteria of the sentence's clauses that quote it or overlap it, and those of any other
    clause of the document whose quote lies inside the sentence (a reader may carry a 附则 or
    申报条件 article's conditions over to the clauses that grant)."""
    seen, out = set(), []

    def add(crit: dict, neg: bool) -> None:
        k = (squash(crit.get("text", "")), crit.get("attribute"), crit.get("operator"),
             json.dumps(crit.get("value"), ensure_ascii=False, sort_keys=True), neg)
        if k not in seen:
            seen.add(k)
            out.append((crit, neg))

    for c in clauses:
        for crit, neg in walk(c["condition"]) if c["condition"] else ():
            if quoted_in(crit.get("text", ""), sentence, c["text"]):
                add(crit, neg)
    s = squash(sentence)
    for c in everywhere:
        own = squash(c["text"])
        for crit, neg in walk(c["condition"]) if c["condition"] else ():
            t = squash(crit.get("text", ""))
            # carried over: quoted from this sentence, not from the clause's own text
            if len(t) >= 6 and t in s and t not in own:
                add(crit, neg)
    return out


# ------------------------------------------------------------------------------ names
_PUNCT = re.compile(r"[\s“”\"‘’'「」『』《》〈〉（）()【】\[\]、，,。：:；;·]")
_LEAD = re.compile(r"^(被|新认定为|新认定|新获得|新获批|新评为|新批|首次|成功|获得|获|取得|认定为|认定|评为|列入|纳入|进入|通过|具有|拥有|属于|为|是)+")
_PERIOD = re.compile(r"^(上一年度|上年度|当年度|年度内|上年|当年|近三年|年度|每年|年均|年)")
_VERBS = re.compile(r"(被认定为|被评为|被列为|认定为|评为|列入|纳入|获得)")
_NEG = re.compile(r"^(无|未|非|不)")


def norm(s: Any) -> str:
    s = _PUNCT.sub("", str(s or ""))
    s = _PERIOD.sub("", s)
    for _ in range(3):
        s = _LEAD.sub("", s)
    s = _VERBS.sub("", s)  # 县级…部门纳入监测样本范围 = 纳入县级…部门监测样本范围
    s = s.replace("的", "")
    for w in ("企业", "单位", "公司", "组织"):
        s = s.replace(w, "")
    return s


def split_neg(s: str) -> tuple[str, bool]:
    m = _NEG.match(s)
    return (s[1:], True) if m and len(s) > 2 else (s, False)


# Words that make another measure of the same thing: 销售收入增幅 is not 销售收入.
MEASURE_WORDS = ("增幅", "增长", "增量", "增加", "同比", "占比", "比例", "比重", "排名", "位次", "平均", "月", "申请", "新产品")


def cover(a: str, b: str) -> bool:
    """One name contains the other, covers at least COVER of it,
    and the rest of the longer one does not turn it into another measure (增幅, 占比, 排名 …)."""
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    if short not in long_ or len(short) / len(long_) < COVER - 1e-9:
        return False
    return not any(w in long_ and w not in short for w in MEASURE_WORDS)


_CITY = re.compile(r"^[\u4e00-\u9fff]{1,3}市级|^市级")
_GRADES = ("五星级", "四星级", "三星级", "二星级", "一星级", "一等奖", "二等奖", "三等奖", "特等奖", "金奖", "银奖",
           "铜奖", "优秀奖", "提名奖", "特级", "一级", "二级", "甲级", "乙级", "丙级", "2A", "3A", "4A", "5A", "AAA")


def grade(name: str) -> tuple[str | None, frozenset[str]]:
    n = _PUNCT.sub("", name or "")
    n = _LEAD.sub("", n)
    level = None
    if n.startswith(("国家级", "国家", "全国")):
        level = "national"
    elif n.startswith(("省级", "省", "浙江省")):
        level = "province"
    elif _CITY.match(n):
        level = "city"
    elif n.startswith(("县级", "区级")):
        level = "county"
    return level, frozenset(g for g in _GRADES if g in n)


_EXPLICIT = {"national": ("国家级",), "province": ("省级",), "city": ("市级",), "county": ("县级", "区级")}


def grade_ok(ann_name: str, read_name: str) -> bool:
    """The level and grades the annotated name carries are the reading's, and the reading names
    no other level or grade (国家级、省级… lumped into one reading is not the 省级 one)."""
    lv, gs = grade(ann_name)
    rlv, rgs = grade(read_name)
    r = read_name or ""
    if lv and lv != rlv:
        # 国家/省 levels may also stand inside a value (浙江省AAA…): look for the word anywhere
        words = {"national": ("国家", "全国"), "province": ("省",), "city": ("市级", "市政府", "市人民政府"),
                 "county": ("县", "区")}[lv]
        if not any(w in r for w in words):
            return False
    if lv and any(w in r for other, ws in _EXPLICIT.items() if other != lv for w in ws):
        return False
    return gs == rgs


def names_of(ann: dict) -> list[str]:
    return [ann["attribute"], *ann.get("aliases", [])] + ([ann["value"]] if isinstance(ann.get("value"), str) and ann["kind"] != "place" else [])


def name_match(ann: dict, read_name: str) -> tuple[bool, bool]:
    """(agrees, polarity flipped by a 无/未/非/不 on one side only)."""
    r, rneg = split_neg(norm(read_name))
    for cand in names_of(ann):
        a, aneg = split_neg(norm(cand))
        if (cover(a, r) or cover(norm(cand), norm(read_name))) and grade_ok(cand, read_name):
            flipped = (aneg != rneg) and not cover(norm(cand), norm(read_name))
            return True, flipped
    return False, False


# ------------------------------------------------------------------------------ matching
def to_number(v: Any, unit: str | None) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    u = unit or ""
    mult = 1e8 if u.startswith("亿") else 1e4 if u.startswith("万") else 1e3 if u.startswith("千") else 1.0
    return float(v) * mult


_LEVEL = re.compile(r"^(国家级|国家|省部级|省级|省|[\u4e00-\u9fff]{0,3}市级|市级|区级|县级)")
_SYNONYMS: dict[str, tuple[str, ...]] = {}


def synonyms(value: str) -> tuple[str, ...]:
    """A qualification or platform value with the ontology's other labels for it (高新技术企业 ↔
    国家高新技术企业; 省级研发中心 ↔ 省级企业研究院): the ontology says they are one thing."""
    if not _SYNONYMS:
        o = load_ontology()
        for scheme in (PKG.QualificationScheme, PKG.PlatformTypeScheme):
            for c in o.concepts(scheme):
                for lb in c.labels:
                    _SYNONYMS[lb] = c.labels
    if value in _SYNONYMS:
        return _SYNONYMS[value]
    m = _LEVEL.match(value)
    if m and value[m.end():] in _SYNONYMS:
        return tuple(m.group(0) + lb for lb in _SYNONYMS[value[m.end():]])
    return (value,)


def read_name(crit: dict) -> str:
    attr = crit.get("attribute") or ""
    if attr.startswith("open:"):
        return crit.get("label") or attr[5:]
    return attr


def attr_check(ann: dict, crit: dict) -> tuple[bool, bool, str]:
    """(attribute agrees, polarity flipped by the names, what the reading names)."""
    table = attribute_table()
    attr = crit.get("attribute") or ""
    if attr in ann.get("wrong_keys", ()):  # the annotator says this key misreads it (在孵企业的高企 ≠ 本企业资质)
        return False, False, attr
    if attr.startswith("open:"):
        name = read_name(crit)
        ok, flip = name_match(ann, name)
        return ok, flip, name
    a = table.get(attr)
    if a is None:
        return False, False, attr
    vt = a.value_type
    if vt == "place":
        return ann["kind"] == "place", False, attr
    if vt in ("qualification", "platform", "industry"):
        if ann["kind"] == "threshold":
            return False, False, attr
        vals = crit.get("value")
        vals = vals if isinstance(vals, list) else [vals]
        for v in vals:
            if isinstance(v, str):
                for name in synonyms(v):
                    ok, flip = name_match(ann, name)
                    if ok:
                        return True, flip, name
        return False, False, str(crit.get("value"))
    if vt == "boolean" and ann["kind"] == "clean_record":
        return True, False, attr
    if ann.get("key") == attr:
        return True, False, attr
    for label in a.labels:
        ok, flip = name_match(ann, label)
        if ok:
            return True, flip, label
    return False, False, attr


def rel_check(ann: dict, crit: dict, not_neg: bool, name_flip: bool) -> bool:
    op = crit.get("operator") or "eq"
    if ann["kind"] == "threshold":
        want = FLIP[ann["relation"]] if ann.get("negated") else ann["relation"]
        have = FLIP.get(op, op) if not_neg else op
        return want == have
    val = crit.get("value")
    if op in POSITIVE_OPS:
        pos = val is not False
    elif op == "ne":
        pos = False
    elif op in ("ge", "gt") and to_number(val, None) is not None and to_number(val, None) <= 1:
        pos = True  # 拥有发明专利 read as invention_patents ≥ 1
    else:
        return False
    pos = pos != not_neg
    pos = pos != name_flip
    return pos == (not ann.get("negated"))


def val_check(ann: dict, crit: dict) -> bool:
    val, unit = crit.get("value"), crit.get("unit")
    if ann["kind"] == "threshold":
        if isinstance(ann["value"], str):
            return isinstance(val, str) and (norm(ann["value"]) in norm(val) or norm(val) in norm(ann["value"]))
        if ann.get("unit") == "%" and unit not in (None, "%"):
            return False
        if ann.get("unit") not in (None, "元", "%") and (unit or "").startswith(("元", "%")) and not ann["unit"].startswith("元"):
            return False
        n = to_number(val, unit)
        return n is not None and abs(n - float(ann["value"])) <= 1e-6 * max(1.0, abs(float(ann["value"])))
    if ann["kind"] == "place":
        vals = val if isinstance(val, list) else [val]
        want = norm(ann["value"])
        return any(isinstance(v, str) and v and (want in norm(v) or norm(v) in want) for v in vals)
    return True  # named kinds: the name was compared with the attribute


def judge(ann: dict, crit: dict, not_neg: bool) -> str:
    """'match', or the first thing that disagrees: attribute | relation | value."""
    ok, flip, _ = attr_check(ann, crit)
    if not ok:
        return "attribute"
    if not rel_check(ann, crit, not_neg, flip):
        return "relation"
    if not val_check(ann, crit):
        return "value"
    return "match"


def max_matching(edges: dict[int, list[int]], n_right: int) -> dict[int, int]:
    """Maximum bipartite matching (annotation index → reading index), augmenting paths."""
    right: dict[int, int] = {}

    def try_(i: int, seen: set[int]) -> bool:
        for j in edges.get(i, []):
            if j in seen:
                continue
            seen.add(j)
            if j not in right or try_(right[j], seen):
                right[j] = i
                return True
        return False

    for i in edges:
        try_(i, set())
    return {i: j for j, i in right.items()}


def describe_read(crit: dict, neg: bool) -> str:
    if crit.get("needs_review") or not crit.get("attribute"):
        return "待核对：" + (crit.get("text") or "")[:40]
    name = read_name(crit)
    v = crit.get("value")
    s = f"{crit.get('period') or ''}{name} {crit.get('operator')} {json.dumps(v, ensure_ascii=False) if v is not None else ''}{crit.get('unit') or ''}"
    return ("NOT " if neg else "") + s.strip()


def describe_ann(a: dict) -> str:
    v = a["value"]
    return (f"{'NOT ' if a.get('negated') else ''}{a.get('period') or ''}{a['attribute']} {a['relation']} "
            f"{v if not isinstance(v, bool) else ''}{a.get('unit') or ''} [{a['kind']}]").strip()


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="annotated sentences (JSON lines)")
    ap.add_argument("--verbose", "-v", action="store_true", help="list misses and false readings")
    ap.add_argument("--matches", action="store_true", help="list the matched pairs too (to audit the matcher)")
    args = ap.parse_args(argv)

    rows = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs = Docs()
    n_ann = n_match = n_read = n_read_ok = n_review = 0
    by_kind: dict[str, Counter] = defaultdict(Counter)
    by_combine: dict[str, Counter] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    located: Counter[str] = Counter()
    period_ok = period_n = 0
    neg_n = neg_ok = 0
    misses: list[str] = []
    matched: list[str] = []
    false_reads: list[str] = []
    for row in rows:
        anns = row["conditions"]
        n_ann += len(anns)
        for a in anns:
            by_kind[a["kind"]]["n"] += 1
            by_combine[row.get("combine") or "single"]["n"] += 1
            neg_n += bool(a.get("negated"))
        clauses = docs.clauses(row["doc"])
        if clauses is None:
            located["document not extracted"] += 1
            reasons["document not extracted"] += len(anns)
            for a in anns:
                misses.append(f"{row['doc']}: {describe_ann(a)} — document not extracted")
            continue
        hit, how = clauses_for(row["sentence"], clauses)
        located[how] += 1
        pairs = read_criteria(row["sentence"], hit, clauses)
        review = [(c, ng) for c, ng in pairs if c.get("needs_review") or not c.get("attribute")]
        read = [(c, ng) for c, ng in pairs if not (c.get("needs_review") or not c.get("attribute"))]
        n_review += len(review)
        n_read += len(read)
        verdict = [[judge(a, c, ng) for c, ng in read] for a in anns]
        edges = {i: [j for j, v in enumerate(verdict[i]) if v == "match"] for i in range(len(anns))}
        match = max_matching(edges, len(read))
        n_match += len(match)
        n_read_ok += len(match)
        for i, a in enumerate(anns):
            if i in match:
                matched.append(f"{row['doc']}: {describe_ann(a)}  ⇐  {describe_read(*read[match[i]])}")
                by_kind[a["kind"]]["ok"] += 1
                by_combine[row.get("combine") or "single"]["ok"] += 1
                neg_ok += bool(a.get("negated"))
                if a.get("period"):
                    period_n += 1
                    rp = (read[match[i]][0].get("period") or "").replace("上一年度", "上年度")
                    period_ok += rp == a["period"] or (rp == "当年" and a["period"] == "当年度")
                continue
            close = [v for v in verdict[i] if v in ("relation", "value")]
            why = ("wrong " + ("relation" if "relation" in close else "value")) if close else (
                "unread (needs review)" if review else "not read")
            reasons[why] += 1
            by_kind[a["kind"]][why] += 1
            near = [describe_read(c, ng) for (c, ng), v in zip(read, verdict[i]) if v in ("relation", "value")]
            misses.append(f"{row['doc']}: {describe_ann(a)} — {why}"
                          + (f"; read: {' | '.join(near)}" if near else "")
                          + f"\n      「{row['sentence'][:90]}」")
        used = set(match.values())
        for j, (c, ng) in enumerate(read):
            if j not in used:
                false_reads.append(f"{row['doc']}: {describe_read(c, ng)}  (quote: {(c.get('text') or '')[:50]})"
                                   f"\n      「{row['sentence'][:90]}」")

    pct = lambda a, b: f"{a / b:.1%}" if b else "-"
    print(f"annotated sentences: {len(rows)} in {len({r['doc'] for r in rows})} documents")
    if docs.errors:
        print(f"documents not extracted: {len(docs.errors)}")
        for d, e in docs.errors.items():
            print(f"  {d}: {e}")
    print("sentences located in clauses: " + ", ".join(f"{k} {v}" for k, v in located.most_common()))
    print(f"annotated conditions: {n_ann}")
    print(f"RECALL     read right: {n_match} / {n_ann} = {pct(n_match, n_ann)}")
    print(f"PRECISION  read criteria that match an annotation: {n_read_ok} / {n_read} = {pct(n_read_ok, n_read)}")
    print(f"needs-review criteria in these sentences (unread, not counted above): {n_review}"
          f" ({pct(n_review, n_review + n_read)} of all criteria quoted there)")
    print(f"exclusions (negated) read right: {neg_ok} / {neg_n} = {pct(neg_ok, neg_n)}")
    print(f"period agrees, among matched conditions with an annotated period: {period_ok} / {period_n} = {pct(period_ok, period_n)}")
    print("misses by reason: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    print("recall by kind:")
    for k, c in sorted(by_kind.items(), key=lambda kv: -kv[1]["n"]):
        rest = ", ".join(f"{r} {c[r]}" for r in ("wrong relation", "wrong value", "unread (needs review)", "not read") if c[r])
        print(f"  {k:14s} {c['ok']:4d} / {c['n']:4d} = {pct(c['ok'], c['n']):>6s}" + (f"   ({rest})" if rest else ""))
    print("recall by sentence shape:")
    for k, c in sorted(by_combine.items(), key=lambda kv: -kv[1]["n"]):
        print(f"  {k:14s} {c['ok']:4d} / {c['n']:4d} = {pct(c['ok'], c['n']):>6s}")
    if args.matches:
        print(f"\nMATCHES ({len(matched)}):")
        for m in matched:
            print("  " + m)
    if args.verbose:
        print(f"\nMISSES ({len(misses)}):")
        for m in misses:
            print("  " + m)
        print(f"\nFALSE READINGS ({len(false_reads)}):")
        for m in false_reads:
            print("  " + m)


if __name__ == "__main__":
    main()
