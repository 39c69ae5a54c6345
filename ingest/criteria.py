"""Who may apply and what they get: eligibility criteria and benefits read from policy clauses.

For every clause that grants something (奖励 / 补助 / 贴息 / 减免 with an amount, a rate or a
cap) this reads the conditions in front of the grant — registered place, qualifications,
yearly thresholds, a clean record — as `Criterion` objects whose attributes and operators
are concepts of the ontology, combines them as the text says (lists → AND; 或 / 之一 /
以下企业 → OR; 非 / 除外 → NOT), adds the conditions a document states once for all its
clauses (申报对象, 适用范围 …), and writes EligibilityCriterion and Benefit nodes plus the
clause's whole condition tree into the document graph. A condition phrase it cannot read
becomes a ``needs_review`` criterion quoting the phrase: nothing is dropped silently. A
curated rule (policykg/eligibility/curated/*.yaml) in force for a clause replaces what was read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from policykg.core.model import DocumentGraph, Node, Provenance
from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.places import (
    OWN_PLACE,
    PLACE_IN_TEXT,
    ParsedPlace,
    is_place_name,
    level_pattern,
    levels_in,
    place_of_name,
)
from policykg.eligibility.attributes import attribute_table
from policykg.eligibility.engine import BenefitTerm, Condition, Criterion
from policykg.eligibility.engine import format_number as _num
from policykg.eligibility.rules import Rule, rule_in_force, rules_dir
from policykg.ingest.text import DATE_RE, MONEY_RE, cn_to_int, money_to_yuan, parse_date, sentence_around

L_CLAUSE, L_CRIT, L_BENEFIT = name(PKG.PolicyClause), name(PKG.EligibilityCriterion), name(PKG.Benefit)
HAS_CLAUSE, REQUIRES, PROVIDES = name(PKG.HAS_CLAUSE), name(PKG.REQUIRES), name(PKG.PROVIDES)
P = {p: name(getattr(PKG, p)) for p in (
    "attribute", "operator", "value", "period", "needs_review", "text", "condition", "benefit_kind",
    "amount_yuan", "rate", "cap_yuan", "recurrence", "stacking_group", "effective_from", "effective_to",
    "issuer", "application_window", "per_unit")}

ONE_OFF, YEARLY = "one-off", "yearly"
_TOTAL = "总额|金额|合计|总计|累计"  # 研发费用，总额在30万元以上: the figure just named, continued
_TOTAL_RE = re.compile(rf"(?:{_TOTAL})(?:在|达到|超过|不低于)?\s*\d")
_CJK = "\u4e00-\u9fa5"


# ---------------------------------------------------------------- the ontology's words
@dataclass(frozen=True)
class Lexicon:
    """The ontology's labels, arranged for reading criteria and benefits."""

    attributes: dict[str, str]  # label → attribute key
    value_types: dict[str, str]  # key → place | money | ratio | count | boolean | …
    units: dict[str, str]  # key → 元 | % | 人 | 件
    attr_labels: dict[str, str]  # key → preferred label
    operators: dict[str, str]  # label → operator
    qualifications: dict[str, str]  # label → preferred label
    kinds: dict[str, str]  # benefit type label → preferred label
    threshold_re: re.Pattern[str] = field(repr=False)
    qualification_re: re.Pattern[str] = field(repr=False)
    violation_re: re.Pattern[str] = field(repr=False)
    place_re: re.Pattern[str] = field(repr=False)
    kind_re: re.Pattern[str] = field(repr=False)
    platforms: dict[str, str] = field(default_factory=dict)  # platform type label → preferred label
    platform_re: re.Pattern[str] | None = field(default=None, repr=False)


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    o = load_ontology()
    key = lambda c: name(c.iri).rsplit("/", 1)[-1]
    table = attribute_table()
    prefs = {k: a.label for k, a in table.items()}
    vtypes = {k: a.value_type for k, a in table.items()}
    units = {k: a.unit for k, a in table.items() if a.unit is not None}
    attrs = {label: k for k, a in table.items() for label in a.labels}
    ops = {label: key(c) for c in o.concepts(PKG.OperatorScheme) for label in c.labels}
    quals = {label: c.pref_label for c in o.concepts(PKG.QualificationScheme) for label in c.labels}
    kinds = {label: c.pref_label for c in o.concepts(PKG.BenefitTypeScheme) for label in c.labels}

    numeric = [lb for lb, k in attrs.items() if vtypes[k] in ("money", "ratio", "count")]
    # 研发费用占销售收入比重: a ratio spelled from the words of its two parts
    rd = [lb for lb, k in attrs.items() if k == "rd_expense"]
    rev = [lb for lb, k in attrs.items() if k == "revenue"]
    ratio_phrase = rf"(?:{_alt(rd)})占(?:{_alt(rev)})的?(?:比重|比例)"
    before = [lb for lb in ops if ops[lb] in ("ge", "gt", "le", "lt") and not lb.endswith(("以上", "以下", "以内"))]
    after = [lb for lb in ops if lb.endswith(("以上", "以下", "以内"))]
    threshold = re.compile(
        rf"(?P<period>上一?年度?|当年度?|近[一二三两\d]年(?:内)?|年度?)?(?:企业)?"
        rf"(?P<attr>{ratio_phrase}|{_alt(numeric)})(?:[，,](?={_TOTAL}))?"
        rf"[^，。；：:\d]{{0,8}}?(?P<pre>{_alt(before)})?\s*"
        rf"(?P<num>\d+(?:\.\d+)?)\s*(?P<mul>亿|万)?\s*(?P<unit>元|%|％|人|件|项|个|名)?"
        rf"\s*(?:[（(]含[)）])?\s*(?P<post>及以上|{_alt(after)})?")
    # Labels of two characters (高企) are too often part of other words (提高企业) to match alone.
    qual_labels = [lb for lb in quals if len(lb) > 2]
    qualification = re.compile(
        rf"(?P<neg>非|未被?(?:认定为?)?|不属于|不是)?(?P<q>{_alt(qual_labels)})"
        rf"(?=$|[^{_CJK}]|[的、和或及等与除认资称，；。])(?P<except>[（(]?除外)?")
    violation_words = [lb for lb, k in attrs.items() if vtypes[k] == "boolean"]
    violation = re.compile(
        rf"(?P<period>近[一二三两\d]年(?:内|来)?|(?:当|上一?)?年(?:度|内)?)?(?:{_alt(violation_words)}"
        rf"|(?:无|未发生|没有)(?:重大|严重)?(?:违法|违规|失信|不良信用)[^，。；]{{0,6}}?(?:行为|记录)"
        # 未发生较大安全生产事故、重大环境污染事故 / 无发生…违法行为责任处罚 / 全年无重大旅游投诉
        rf"|(?:未|无|没有)(?:发生|出现)?(?:较大|重大|严重)?[^，。；]{{0,30}}?(?:事故|刑事案件|投诉|处罚|违法行为)"
        # 未被列入…失信被执行人…黑名单 / 无被列入…负面清单
        rf"|(?:未|无|没有|不得)被?列入[^。；]{{0,80}}?(?:黑名单|负面清单|失信[^，。；、”]{{0,6}}|异常名录|严重违法))"
        rf"(?:[、和及与或][^，。；、]{{1,14}}?(?:事故|刑事案件|投诉|处罚))*")
    place_labels = [lb for lb, k in attrs.items() if vtypes[k] == "place"]

    def place_word(group: str) -> str:
        return rf"(?P<{group}>{PLACE_IN_TEXT}|{OWN_PLACE})"

    place = re.compile(
        rf"(?:在|于)?{place_word('place')}(?:范围内|行政区域内|区域内|境内|内)?(?:依法|完成)?(?:工商|税务|登记)?"
        rf"(?:注册|登记注册|登记|{_alt(place_labels)})(?:[和及、]税务登记)?"
        # 我市企业 / 本县企业: a firm of the issuer's place
        rf"|(?P<place3>{OWN_PLACE})(?:内|辖区内?)?(?:的)?(?=企业|工业企业|中小企业|新认定|新引进|首次)"
        rf"|(?:{_alt(place_labels)}|注册地?)(?:和税务登记)?(?:地址)?(?:均)?(?:在|为|于){place_word('place2')}")
    kind = re.compile(_alt(kinds))
    # 对新认定的国家级、省级企业技术中心 / 市级以上众创空间: the firm runs a platform of that level
    # (a market such as 省股权交易中心 is where a firm lists, not a platform it runs)
    platforms = {lb: c.pref_label for c in o.concepts(PKG.PlatformTypeScheme) for lb in c.labels
                 if "交易" not in c.pref_label}
    level = level_pattern()
    platform = re.compile(
        rf"(?P<levels>{level}(?:[、和及与或]{level})*)(?P<up>及?以上)?的?"
        rf"(?P<fill>[{_CJK}]{{0,4}}?)(?P<ptype>{_alt(platforms)})") if "platform" in vtypes else None
    return Lexicon(attrs, vtypes, units, prefs, ops, quals, kinds, threshold, qualification, violation, place, kind,
                   platforms, platform)


# ---------------------------------------------------------------- reading text
GRANT_RE = re.compile(r"给予|给以|予以|奖励|奖补|补助|补贴|资助|贴息|减免|减征|免征")
# Where the benefit part of a sentence starts: 按…的20% / 给予… / 一次性 / 分别 / 每件奖励 …
BENEFIT_START_RE = re.compile(r"(?:按照?|分别|一次性|每[件家个项年人户])[^，。；]*?(?:给予|给以|予以|奖励|补助|补贴|资助|奖补|贴息)|给予|给以|予以|(?:奖励|补助|补贴|资助|奖补)(?=[^，。；]{0,6}\d)")
SCALE_RE = re.compile(rf"(?:(?P<quota>限额以上|限上)|规模以上|规上)(?:管理|统计|的)?(?:[{_CJK}、]{{0,8}}?(?:企业|单位))?")
RATE_RE = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*[%％]")
CAP_RE = re.compile(r"(?:最高|不超过|不高于|上限|封顶|限额|最多|累计不超过)[^，。；\d]{0,10}?(?P<num>\d+(?:\.\d+)?)\s*(?P<mul>亿|万)?元")
STACK_RE = re.compile(r"不重复享受|不得重复(?:享受|申请|申报)|不重复(?:支持|奖励|补助|补贴|资助|计算)|就高|从高|按最高额?|择优享受")
DOC_SCOPE_RE = re.compile(r"(?:申报|补贴|补助|奖励|支持|扶持|资助|适用|享受)(?:的)?(?:对象|范围|条件)|适用于")
OR_LIST_RE = re.compile(r"之一|其中一项|其中之一|以下企业|下列企业|以下单位|下列单位|具体为|以下类型|下列类型")
AND_LIST_RE = re.compile(r"同时满足|同时具备|以下条件|下列条件|基本条件")
DEFINITION_RE = re.compile(r"所指|是指|所称|主要包括|包括以下")
# Sentences of a scope article that say how to apply, who decides or how rules combine, not who may apply
PROCEDURE_RE = re.compile(r"报送|填写|申请材料|申请表|报所属|审核|审批|审查|兑现|拨付|备案|一事一议|自行申报|申报(?:时间|材料|程序|流程)|为准|讨论决定"
                          r"|施行|废止|同时享受|继续享受|出具[^，。；]{0,4}意见|汇总到|按[^，。；]{0,12}最高的?一项|本(?:意见|办法|细则|政策|通知)[^，。；]{0,10}?指")
_SENT_SPLIT = re.compile(r"[。；;！？\n]")
_PIECE_SPLIT = re.compile(r"[，,：:]")
_FILLER = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]?)?\s*(?:对于?|凡是?|其中|鼓励|支持|经|且|并|同时|以及|或者?|和|及)?"
                     r"|(?:的|之|等)?(?:企业|单位|组织|机构|项目|个人|主体|公司|市场主体)?(?:的|等)?$")


@dataclass
class Found:
    """A criterion read at text[start:end] (absolute offsets)."""

    start: int
    end: int
    criterion: Criterion
    negated: bool = False


@dataclass
class Grant:
    """One benefit read from one sentence, with the condition that sentence puts in front of it."""

    condition: Condition | None
    benefits: list[BenefitTerm]
    spans: list[tuple[int, int]]  # where each benefit's text is
    pairing_unsure: bool = False
    # 分别给予: the condition of each benefit (its tier), when the text pairs them one to one
    tiers: list[Condition] | None = None

    def condition_for(self, i: int) -> Condition | None:
        return self.tiers[i] if self.tiers and i < len(self.tiers) else self.condition


@dataclass
class ClauseInfo:
    node: Node
    start: int
    end: int
    children: list[str] = field(default_factory=list)
    parent: str | None = None


class CriteriaReader:
    """Reads the criteria and benefits of one document's clauses."""

    def __init__(self, doc: DocumentGraph, text: str) -> None:
        self.doc, self.text, self.lex = doc, text, lexicon()
        self._grants: dict[str, tuple[list[Grant], float | None, str | None]] = {}
        self.clauses = self._clauses()
        self.place = self._issuer_place()

    # -------------------------------------------------------------- clause layout
    def _clauses(self) -> dict[str, ClauseInfo]:
        out: dict[str, ClauseInfo] = {}
        for n in self.doc.nodes.values():
            if n.label != L_CLAUSE or not n.provenance:
                continue
            body = n.properties.get(P["text"], "")
            a = self.text.find(body[:40], n.provenance[0].start) if body else -1
            if a < 0:
                continue
            out[n.id] = ClauseInfo(n, a, a + len(body))
        for e in self.doc.edges.values():
            if e.label == HAS_CLAUSE and e.source in out and e.target in out:
                out[e.source].children.append(e.target)
                out[e.target].parent = e.source
        for c in out.values():
            c.children.sort(key=lambda cid: out[cid].start)
        return out

    def _issuer_levels(self) -> tuple[ParsedPlace, str] | None:
        """The place of the policy's issuing body, else of its title (遂昌县振兴生态工业…), and the
        words it was read from."""
        policy = self.doc.nodes.get(self.doc.policy_id or "")
        props = policy.properties if policy else {}
        title = re.sub(r"^(?:关于|印发|转发|[《<〈])+", "", str(props.get("title") or ""))
        for source in (props.get(P["issuer"]), title):
            place = place_of_name(source)
            if place is not None:
                return place, source.split("》")[0]
        return None

    def _issuer_place(self) -> dict[str, str | None]:
        """What 本省 / 我市 / 本县 / 我区 stand for in this document (我市 in a district of 重庆市 is 重庆市)."""
        p = (self._issuer_levels() or (ParsedPlace(None, None, None, ""), ""))[0]
        city = p.city_level
        return {"省": p.province, "市": city or p.county, "县": p.county or city, "区": p.county or city}

    def jurisdiction(self) -> Criterion | None:
        """Where a local policy applies: the place of its issuing body (平湖市人民政府 → 平湖市,
        台州市黄岩区人民政府办公室 → 台州市黄岩区), else of its title; None when neither names one."""
        levels = self._issuer_levels()
        if levels is None:
            return None
        place, quote = levels
        return Criterion("registered_place", "eq", place.name, text=quote)

    def own_ranges(self, cid: str) -> list[tuple[int, int]]:
        """Parts of a clause that are not inside its sub-clauses."""
        c = self.clauses[cid]
        out, pos = [], c.start
        for k in c.children:
            ch = self.clauses[k]
            if ch.start > pos:
                out.append((pos, ch.start))
            pos = max(pos, ch.end)
        if pos < c.end:
            out.append((pos, c.end))
        return out

    def sentences(self, cid: str) -> list[tuple[int, int]]:
        out = []
        for a, b in self.own_ranges(cid):
            start = a
            for m in _SENT_SPLIT.finditer(self.text, a, b):
                if self.text[start:m.start()].strip():
                    out.append(self._trim(start, m.start()))
                start = m.end()
            if self.text[start:b].strip():
                out.append(self._trim(start, b))
        return out

    def _trim(self, a: int, b: int) -> tuple[int, int]:
        while a < b and self.text[a] in " \t\u3000":
            a += 1
        while b > a and self.text[b - 1] in " \t\u3000":
            b -= 1
        return a, b

    # -------------------------------------------------------------- criteria
    def criteria_in(self, a: int, b: int) -> list[Found]:
        """Every criterion the ontology's words let us read in text[a:b]."""
        t, lex, out = self.text, self.lex, []
        taken: list[tuple[int, int]] = []

        def free(s: int, e: int) -> bool:
            return all(e <= x or s >= y for x, y in taken)

        for m in lex.place_re.finditer(t, a, b):
            place = re.sub(r"^(?:对于?|在|于|当年|凡)+", "", m.group("place") or m.group("place2") or m.group("place3"))
            if re.search(r"[本我]", place[:-1]):  # 对在我市 → 我市
                place = place[re.search(r"[本我]", place).start():]
            if place[0] in "本我" or len(place) == 1:  # 本县, 县内: the issuer's place
                place = self.place.get(place[-1])
                if not place:
                    continue
            if not is_place_name(place):
                continue  # 园区, 社区, 物流园区: a part of a place the firm's registration does not name
            out.append(Found(m.start(), m.end(), Criterion("registered_place", "eq", place, text=m.group(0))))
            taken.append(m.span())
        for m in lex.violation_re.finditer(t, a, b):
            out.append(Found(m.start(), m.end(), Criterion(
                "no_major_violation", "true", True, period=_period(m.group("period")), text=m.group(0))))
            taken.append(m.span())
        for m in lex.threshold_re.finditer(t, a, b):
            if not free(*m.span()):
                continue
            # 20万元/亩 and 亩均税收 are densities, not the firm's totals the attribute means
            density = _per_unit(t, m.end()) or _per_unit_prefix(t, m.start("attr"))
            # 年度销售额增量5000万元 / 新增营业收入 / 税收增长: a change, not the firm's total
            change = _CHANGE_RE.search(t, m.end("attr"), m.start("num")) or \
                _CHANGE_RE.search(t[max(a, m.start("attr") - 3):m.start("attr")])
            # 网络销售额, 出口额, 技术合同交易额: a part of the firm's business, not the figure the attribute means
            part_of = _PART_PREFIX.search(t[max(a, m.start("attr") - 6):m.start("attr")])
            if density or change or part_of:
                continue
            # 销售额在500万元（含）以上、1000万元（含）以上 / 超过2000万元、5000万元、1亿元以上: one
            # attribute, a list of values (tiers); the operator may be said once, before or after them
            chain, pos = [], m.end()
            while (k := _CHAIN_RE.match(t, pos, b)) and not _per_unit(t, k.end()):
                chain.append(k)
                pos = k.end()
            op_label = m.group("pre") or m.group("post") or next(
                (k.group("post") for k in chain if k.group("post")), None)
            items = [(m, m.start(), m.end())] + [(k, k.start("num"), k.end()) for k in chain]
            for k, s0, e0 in items:
                c = self._threshold(m, k, m.group("pre") or op_label, text=t[m.start() if k is m else s0:e0].rstrip())
                if c is not None:
                    out.append(Found(s0 if k is not m else m.start(), e0, c))
            if any(f.end == m.end() for f in out):
                taken.append((m.start(), pos))
        for m in SCALE_RE.finditer(t, a, b):
            # 限额以上的批发类企业 / 首次纳入限额以上管理 / 转为规模以上企业: a statistical class the ontology names
            pref = lex.qualifications.get("限额以上商贸企业" if m.group("quota") else "规模以上工业企业")
            if pref and free(*m.span()):
                neg = re.search(r"(?:非|未(?:纳入)?|不属于|不是)$", t[max(a, m.start() - 4):m.start()])
                s0 = m.start() - len(neg.group(0)) if neg else m.start()
                out.append(Found(s0, m.end(), Criterion("qualification", "has", pref, text=t[s0:m.end()]),
                                 negated=bool(neg)))
                taken.append((s0, m.end()))
        for m in lex.platform_re.finditer(t, a, b) if lex.platform_re else ():
            if not free(*m.span()):
                continue
            kind = lex.platforms[m.group("ptype")]
            for lv in levels_in(m.group("levels"), and_above=bool(m.group("up"))):
                out.append(Found(m.start(), m.end(), Criterion("platform", "has", lv + kind, text=m.group(0))))
            taken.append(m.span())
        for m in lex.qualification_re.finditer(t, a, b):
            if not free(m.start("q"), m.end("q")):
                continue
            pref = lex.qualifications[m.group("q")]
            s = m.start("neg") if m.group("neg") else m.start("q")
            e = m.end()
            if re.search(r"[（(](?:含|包括|包含)[^）)]*$", t[max(a, s - 20):s]) and not m.group("except"):
                continue  # （含三年内首次认定的高新技术企业…）: who else counts, not a requirement
            if m.group("except") and re.search(r"(?:其它|其他|其余)$", t[max(a, s - 2):s]):
                continue  # 其它高新技术企业除外: some of them are excluded, which ones is for a reader to say
            out.append(Found(s, e, Criterion("qualification", "has", pref, text=t[s:e]),
                             negated=bool(m.group("neg") or m.group("except"))))
            taken.append((s, e))
        return sorted(out, key=lambda f: f.start)

    def _threshold(self, m: re.Match[str], v: re.Match[str] | None = None, op_label: str | None = None, *,
                   text: str | None = None) -> Criterion | None:
        """The criterion of a threshold match `m`; `v` is the match holding the value (m itself,
        or a later item of a list of tiers) and `op_label` the operator said for the list."""
        lex = self.lex
        v = v or m
        label = m.group("attr")
        key = lex.attributes.get(label, "rd_ratio" if "占" in label else None)
        op_word = (op_label or v.group("post") or "").removeprefix("及")
        op = lex.operators.get(op_word) or lex.operators.get(op_word.removeprefix("及"))
        if key is None or op is None:
            return None
        vtype, unit = lex.value_types[key], v.group("unit")
        num = float(v.group("num"))
        if vtype == "money":
            if unit != "元" and not (unit is None and v.group("mul")):  # 5000万以上: money without 元
                return None
            value, unit = money_to_yuan(v.group("num"), v.group("mul")), "元"
        elif vtype == "ratio":
            if unit not in ("%", "％"):
                return None
            value, unit = num, "%"
        else:
            if unit in ("元", "%", "％"):
                return None
            value = int(num * {"万": 10_000, "亿": 100_000_000}.get(v.group("mul") or "", 1))
            unit = lex.units.get(key, unit)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return Criterion(key, op, value, unit, _period(m.group("period")), text=text or m.group(0).rstrip())

    def condition_of(self, a: int, b: int, *, review: bool = True) -> Condition | None:
        """The condition text[a:b] states: its pieces (cut at ，：) ANDed; within a piece,
        qualifications listed with 、/或 are alternatives; anything unread → needs review."""
        parts: list[Condition] = []
        if review and not self.criteria_in(a, b):
            # nothing readable: one review criterion quoting the whole phrase, not one per comma
            if not self._unread(a, b):
                return None
            ra, rb = self._trim(a, b)
            return Condition.leaf(Criterion(None, "true", None, text=self.text[ra:rb].rstrip("，,：:"), needs_review=True))
        for pa, pb in _pieces(self.text, a, b):
            found = self.criteria_in(pa, pb)
            alt_span = None
            if found:
                cond, alt_span = self._combine(found, pa, pb)
                parts.append(cond)
                rest = self._residue(pa, pb, found)
            else:
                rest = (pa, pb)
            if alt_span and rest and rest[0] < alt_span[1] and alt_span[0] < rest[1]:
                rest = None  # the unread rest is already an alternative of the list it continues
            if review and rest is not None and self._unread(*rest):
                ra, rb = self._trim(*rest)
                parts.append(Condition.leaf(Criterion(None, "true", None, text=self.text[ra:rb], needs_review=True)))
        return Condition.all_of(*parts) if parts else None

    def _combine(self, found: list[Found], a: int, b: int) -> tuple[Condition, tuple[int, int] | None]:
        """The condition of the criteria found in one piece, and the span of an unread item of
        their list that became one more alternative (if any)."""
        plain = {repr(f.criterion.value) for f in found if not f.negated and f.criterion.attribute == "qualification"}
        clash = {repr(f.criterion.value) for f in found if f.negated and f.criterion.attribute == "qualification"} & plain
        if clash:
            # the same qualification required and excluded in one breath (含…高新技术企业，其它高新技术企业除外):
            # what the text means is for a reader to say, never an answer that no firm can meet
            found = [f for f in found if not (f.criterion.attribute == "qualification"
                                              and repr(f.criterion.value) in clash)]
            ra, rb = self._trim(a, b)
            review = Condition.leaf(Criterion(None, "true", None, text=self.text[ra:rb], needs_review=True))
            if not found:
                return review, (a, b)
            rest, span = self._combine(found, a, b)
            return Condition.all_of(rest, review), (a, b)
        leaves = [Condition("NOT", (Condition.leaf(f.criterion),)) if f.negated else Condition.leaf(f.criterion)
                  for f in found]
        segments = self._segments(found)
        if segments:
            # 年销售收入达到100亿元且税收达到5亿元的…、年销售收入达到50亿元且税收达到2.5亿元的…: one attribute
            # asked more than once means a list of alternatives, each item its own AND
            return Condition.any_of(*(self._combine(seg, a, b)[0] for seg in segments)), None
        quals = [i for i, f in enumerate(found) if f.criterion.attribute in ("qualification", "platform")
                 and not f.negated]
        between = self.text[found[0].start:found[-1].end]
        more = self._unread_alternative(found, quals, a, b) if quals else None
        if (len(quals) > 1 or more) and not re.search(r"同时|且|并", between):
            # an item of the list we could not read is one more alternative, so a firm that
            # holds only that one is unknown, never ineligible
            alts = Condition.any_of(*(leaves[i] for i in quals), *([Condition.leaf(more)] if more else []))
            rest = [lf for i, lf in enumerate(leaves) if i not in quals]
            span = None
            if more:
                at = self.text.find(more.text, a, b)
                span = (at, at + len(more.text)) if at >= 0 else None
            return (Condition.all_of(*rest, alts) if rest else alts), span
        if len(found) > 1 and "或" in between and not re.search(r"同时|且", between):
            return Condition.any_of(*leaves), None
        tiers = _tier_groups(found)
        if tiers:
            # 超过2000万元、5000万元、1亿元以上: tiers, the lowest suffices. 主营业务收入达到20亿元、10亿元…以上且
            # 入库税收达到1亿元、5000万元…以上: lists of tiers, zipped when several attributes list as many
            # values, else each list an OR; the other criteria still hold
            in_tiers = {i for v in tiers.values() for i in v}
            others = [lf for i, lf in enumerate(leaves) if i not in in_tiers]
            sizes = {len(v) for v in tiers.values()}
            if len(tiers) > 1 and len(sizes) == 1:
                k = sizes.pop()
                alts = [Condition.any_of(*(Condition.all_of(*(leaves[v[j]] for v in tiers.values())) for j in range(k)))]
            else:
                alts = [Condition.any_of(*(leaves[i] for i in v)) for v in tiers.values()]
            return Condition.all_of(*others, *alts), None
        return Condition.all_of(*leaves), None

    def _segments(self, found: list[Found]) -> list[list[Found]] | None:
        """The items of a list (cut at 、 or ；) when each item states its own criteria and some
        threshold attribute recurs across items; None when the criteria do not form such a list."""
        numeric = [f.criterion.attribute for f in found if f.criterion.operator in ("ge", "gt", "le", "lt")]
        if len(found) < 4 or len(numeric) == len(set(numeric)):
            return None
        out: list[list[Found]] = [[found[0]]]
        for prev, f in pairwise(found):
            gap = self.text[prev.end:f.start]
            if re.search(r"[、；;]", gap) and not re.search(r"且|并|同时", gap):
                out.append([f])
            else:
                out[-1].append(f)
        if len(out) < 2 or any(len(seg) < 2 for seg in out):
            return None
        return out

    def _unread_alternative(self, found: list[Found], quals: list[int], a: int, b: int) -> Criterion | None:
        """The rest of a list of qualifications / platforms (、或 …) that names items we cannot read."""
        t = self.text
        after = (found[quals[-1]].end, b)
        before = (a, found[quals[0]].start)
        s = t[after[0]:after[1]]
        if (re.match(rf"\s*[、或及和与/]\s*[（(“]?[{_CJK}]{{2}}", s) and not re.match(r"\s*[、或及和与]\s*(?:的|等)", s)) \
                or re.match(rf"[（(](?!含|包括|不含|以下|下同)[{_CJK}]{{2,}}[^）)]*[）)]", s):  # 工程研究中心（工程实验室）
            ra, rb = self._trim(*after)
            return Criterion(None, "true", None, text=t[ra:rb].lstrip("、或及和与/"), needs_review=True)
        s = t[before[0]:before[1]]
        if re.search(rf"[{_CJK}”）)]{{2}}[、或及和与/]\s*$", s):
            ra, rb = self._trim(*before)
            return Criterion(None, "true", None, text=t[ra:rb].rstrip("、或及和与/"), needs_review=True)
        return None

    def _residue(self, a: int, b: int, found: list[Found]) -> tuple[int, int] | None:
        """The longest stretch of the piece that no criterion covers, if it says anything. A
        stretch that only says how the next figure is counted (按照向税务部门申报…的研发费用) is not
        a condition of its own."""
        best, pos = None, a
        for f in [*found, Found(b, b, Criterion(None, "true"))]:
            gap = self.text[pos:f.start]
            counted_as = f.start < b and f.criterion.attribute not in (None, "qualification", "platform") \
                and _COUNTED_AS_RE.fullmatch(gap.strip())
            if f.start - pos > (best[1] - best[0] if best else 0) and not counted_as:
                best = (pos, f.start)
            pos = max(pos, f.end)
        return best

    def _unread(self, a: int, b: int) -> bool:
        """Whether text[a:b] says something a reader must check (a condition we could not read),
        rather than filler, the subject, a verb of the criteria read, or a note on evidence."""
        # （以增值税发票为核准依据）, （含政策性减免）: how a figure is proven or counted; 由市委、市政府: who acts
        s = _NOTE_RE.sub("", self.text[a:b])
        s = re.sub(r"^\s*由[^，。；]{0,12}$", "", s)
        s = s.strip(" \t\u3000，、；：:（）()“”\"'")
        if re.fullmatch(rf"的[{_CJK}]{{0,6}}(?:企业|单位|组织|机构|项目|公司)", s):
            return False  # 的科技企业: the subject the conditions are about
        for _ in range(2):
            s = _FILLER.sub("", s).strip(" ，、；：:（）()")
        s = re.sub(r"^(?:且|并|和|或|以及|及|同时)|(?:且|并|和|或|及|的)$", "", s)
        if re.fullmatch(r"(?:对于?)?(?:当年)?(?:首次|新|重新|经)?(?:被)?(?:认定|评定|确认|列为|认定为|评为|获得?|增|增为|纳入|转为|创建|组建"
                        rf"|认定[（(]组建[)）])?为?(?:{level_pattern(bare=True)}(?:及以上|以上)?[、和及与]?)*", s):
            return False  # 对首次认定为 (高新技术企业): the qualification's own verb
        return len(re.findall(f"[{_CJK}]", s)) >= 3

    # -------------------------------------------------------------- benefits
    def grants(self, cid: str) -> tuple[list[Grant], float | None, str | None]:
        """The grants read from a clause's own sentences, a cap stated for the whole clause,
        and its recurrence when said once (每家企业每年最高…). Read once per clause."""
        if cid not in self._grants:
            self._grants[cid] = self._read_grants(cid)
        return self._grants[cid]

    def _read_grants(self, cid: str) -> tuple[list[Grant], float | None, str | None]:
        grants, clause_cap, clause_rec = [], None, None
        cap_only: list[Grant] = []
        last_subject: Condition | None = None
        for a, b in (u for sa, sb in self.sentences(cid) for u in self._grant_units(sa, sb)):
            s = self.text[a:b]
            m = BENEFIT_START_RE.search(s)
            kind = self.lex.kind_re.search(s)
            cap = CAP_RE.search(s)
            if not m or not kind or "承担" in s or "配套" in s[:m.start()]:
                if cap and not m and not GRANT_RE.search(s[:cap.start()]):
                    clause_cap = money_to_yuan(cap.group("num"), cap.group("mul"))
                    clause_rec = _recurrence(s)
                continue
            start = m.start()
            seg = max(s.rfind(ch, 0, start) for ch in "，,") + 1
            if re.match(r"\s*按照?", s[seg:start]):
                start = seg
            ca = a + start
            lead = re.search(r"对于?|凡", s[:start])
            if lead and not re.search(r"[，,]", s[:lead.start()]):
                a_cond = a + lead.start()  # skip a run-in heading (一、鼓励…对…)
            else:
                a_cond = _strip_number(self.text, a, b)[0]
                pieces = _pieces(self.text, a_cond, ca)
                for i, (pa, pb) in enumerate(pieces):
                    # 鼓励商贸企业提高统计数据质量，准确监测市场运行动态，对纳入限上统计的每家企业：
                    # what the policy wants is not who may apply
                    if i and re.match(r"\s*(?:对于?|凡)", self.text[pa:pb]) and all(
                            _PURPOSE_RE.match(self.text[x:y].strip()) for x, y in pieces[:i]):
                        a_cond = pa
                        break
            g = self._grant(a, b, ca, a_cond)
            if g is not None:
                subject = self._subject(a_cond, ca)
                if subject is not None:
                    last_subject = subject
                elif last_subject is not None and not re.match(r"\s*(?:对于?|凡)", self.text[a_cond:ca]):
                    # 对新增限额以上的零售类企业，…以上的，奖励10万元；销售额在2000万元以上的，奖励20万元：
                    # the later tiers are about the same firms
                    g.condition = Condition.all_of(last_subject, g.condition) if g.condition else last_subject
                grants.append(g)
            elif cap:  # 补贴总额最高不超过5万元: a cap with no amount of its own
                kind_pref = self.lex.kinds[kind.group(0)]
                cap_only.append(Grant(self.condition_of(a, a + start, review=False), [BenefitTerm(
                    kind_pref, cap_yuan=money_to_yuan(cap.group("num"), cap.group("mul")),
                    recurrence=_recurrence(s), text=s)], [(a, b)]))
        if grants and cap_only and clause_cap is None:
            # 单个企业最高奖励100万元 after the grants: it bounds them
            clause_cap = cap_only[0].benefits[0].cap_yuan
            clause_rec = cap_only[0].benefits[0].recurrence
        elif not grants:
            grants = cap_only
        return grants, clause_cap, clause_rec

    def _subject(self, a: int, b: int) -> Condition | None:
        """对新增限额以上的零售类企业，当年度销售额…的: the firms a grant is for, when the text names
        them in a piece of their own before the thresholds; None when it does not."""
        if not re.match(r"\s*(?:对于?|凡)", self.text[a:b]):
            return None
        pieces = _pieces(self.text, a, b)
        if len(pieces) < 2:
            return None
        found = [f for f in self.criteria_in(*pieces[0]) if f.criterion.attribute in ("qualification", "platform",
                                                                                        "registered_place")]
        return self._combine(found, *pieces[0])[0] if found else None

    def _grant_units(self, a: int, b: int) -> list[tuple[int, int]]:
        """Cut a sentence where a second condition starts after a complete grant:
        …以上的，奖励20万元，销售额在3亿元以上的，奖励30万元 → two units."""
        t, out, start, granted = self.text, [], a, False
        for seg_a, seg_b in _pieces(t, a, b):
            seg = t[seg_a:seg_b]
            if granted and not CAP_RE.search(seg) and not GRANT_RE.search(seg) \
                    and not re.match(r"\s*(?:单个|单项|每|最高|累计|其中|按|且|并|该|以上|分|连续|同时|超出|不超过)", seg):
                out.append((start, seg_a - 1))
                start, granted = seg_a, False
            if GRANT_RE.search(seg) and (MONEY_RE.search(seg) or RATE_RE.search(seg)):
                granted = granted or bool(re.search(r"\d+(?:\.\d+)?\s*(?:亿|万)?元|[%％]", seg))
        out.append((start, b))
        return out

    def _grant(self, a: int, b: int, ben: int, a_cond: int | None = None) -> Grant | None:
        """The grant of text[a:b] whose benefit part starts at `ben`, its condition read from
        text[a_cond:ben]; None when the benefit part names no amount or rate."""
        t = self.text
        s, part = t[a:b], t[ben:b]
        a_cond = a if a_cond is None else min(a_cond, ben)
        kind_m = self.lex.kind_re.search(part) or self.lex.kind_re.search(s)
        kind = self.lex.kinds[kind_m.group(0)]
        off = ben - a
        caps = [(m.start() - off, m.end() - off, money_to_yuan(m["num"], m["mul"])) for m in CAP_RE.finditer(s)
                if m.end() > off]
        in_cap = lambda i: any(x <= i < y for x, y, _ in caps)
        amounts = [money_to_yuan(m["num"], m["mul"]) for m in MONEY_RE.finditer(part)
                   if m["cur"] == "元" and not in_cap(m.start()) and not _per_unit(part, m.end())]
        rates = [float(m["num"]) / 100 for m in RATE_RE.finditer(part) if not in_cap(m.start())]
        cap = caps[0][2] if caps else None
        # 每件补助2万元 / 20万元/亩: amounts per unit; one stands for the grant when it names no total
        units = {m.start(): _unit_of(part, m.start(), m.end()) for m in MONEY_RE.finditer(part)}
        for x in _AMOUNT_LIST_RE.finditer(part):  # 每件分别补助4万元、1200元、600元: the list shares the unit
            if units.get(x.start()):
                for m in MONEY_RE.finditer(part, x.start(), x.end()):
                    units[m.start()] = units[x.start()]
        per = [(money_to_yuan(m["num"], m["mul"]), u) for m in MONEY_RE.finditer(part)
               if m["cur"] == "元" and not in_cap(m.start()) and (u := units.get(m.start()))]
        if per:
            amounts = [v for v in amounts if v not in {x for x, _ in per}]
            if not amounts and not rates:
                return Grant(self.condition_of(a_cond, ben) if ben > a_cond else None,
                             [BenefitTerm(kind, max(v for v, _ in per), None, cap, _recurrence(s), s,
                                          per_unit=max(per)[1])], [(a, b)], pairing_unsure=len(per) > 1)
        # 分别给予一次性最高2万元、5万元、8万元: one cap per tier
        every = [(m.start(), money_to_yuan(m["num"], m["mul"])) for m in MONEY_RE.finditer(part)
                 if m["cur"] == "元" and not _per_unit(part, m.end())]
        tier_caps = "分别" in s and len(every) > 1 and in_cap(every[0][0]) and len(caps) == 1
        if tier_caps:
            amounts = [v for _, v in every]
        if not amounts and not rates:
            return None
        rec = _recurrence(s)
        cond = self.condition_of(a_cond, ben) if ben > a_cond else None
        # 奖励10万元（在有效期内的国家高新技术企业纳入该信息库不再奖励）: who is left out, said after the grant
        for x in re.finditer(r"[（(](?P<body>[^（()）]*?(?:不再|不予|不得|不享受|除外)[^（()）]*)[）)]", part):
            left_out = {self.lex.qualifications[q.group(0)] for q in _qualification_words().finditer(x["body"])}
            if len(left_out) == 1:
                [pref] = left_out
                exclusion = Condition("NOT", (Condition.leaf(Criterion("qualification", "has", pref, text=x["body"])),))
                cond = Condition.all_of(cond, exclusion) if cond is not None else exclusion
        # 分别给予…, or A、B、C的企业…给予450万元、300万元、50万元: amounts paired one to one
        listed = "分别" in s or any(len(re.findall(r"\d+(?:\.\d+)?", x.group(0))) == len(amounts)
                                   for x in _AMOUNT_LIST_RE.finditer(part))
        tiers = self._tiers(a_cond, ben, len(amounts)) if len(amounts) > 1 and listed else None
        if tiers:
            terms = [BenefitTerm(kind, None, None, amt, rec, s) if tier_caps else BenefitTerm(kind, amt, None, cap, rec, s)
                     for amt in amounts]
            # the whole condition stays the clause's (the tiers are in it, as alternatives)
            return Grant(cond if cond is not None else Condition.any_of(*tiers), terms, [(a, b)] * len(terms),
                         tiers=tiers[:len(terms)])
        if len(amounts) > 1:
            # several amounts the text does not pair with conditions: the largest as the estimate
            return Grant(cond, [BenefitTerm(kind, max(amounts), rates[0] if rates else None, cap, rec, s)],
                         [(a, b)], pairing_unsure=True)
        return Grant(cond, [BenefitTerm(kind, amounts[0] if amounts else None, rates[0] if rates else None,
                                        cap, rec, s)], [(a, b)])

    def _tiers(self, a: int, b: int, n: int) -> list[Condition] | None:
        """年销售额在500万元以上、1000万元以上的，分别给予…: one readable criterion per tier."""
        found = [f for f in self.criteria_in(a, b) if not f.negated]
        segments = self._segments(found)
        if segments and len(segments) == n:  # 100亿元且5亿元的…、50亿元且2.5亿元的…，分别奖励1000万元、500万元
            return [self._combine(seg, a, b)[0] for seg in segments]
        # 对注册地在我市的…获得“中华老字号”“浙江老字号”…分别奖励50万元、20万元: the tiers are the
        # criteria of one attribute that match the amounts in number; the others hold for all tiers
        groups: dict[str | None, list[Found]] = {}
        for f in found:
            groups.setdefault(f.criterion.attribute, []).append(f)
        fitting = [g for g in groups.values() if len(g) == n]
        if len(fitting) > 1 and all(f.criterion.operator in ("ge", "gt") for g in fitting for f in g):
            # 达到20亿元、10亿元…且入库税收达到1亿元、5000万元…，分别奖励150万元、100万元…: zipped tiers
            return [Condition.all_of(*(Condition.leaf(g[j].criterion) for g in fitting)) for j in range(n)]
        if len(found) != n and len(fitting) == 1:
            found = fitting[0]
        if len(found) == n and len({f.criterion.attribute for f in found}) == 1:
            tiers = [Condition.leaf(f.criterion) for f in found]
            pa, pb = next(((x, y) for x, y in _pieces(self.text, a, b) if x <= found[0].start < y), (a, b))
            more = self._unread_alternative(found, list(range(len(found))), pa, pb)
            return tiers + [Condition.leaf(more)] if more else tiers
        return None


# ---------------------------------------------------------------- helpers
# 对企业按照向税务部门申报并计入当年度加计扣除额的 (研发费用): how a figure is counted
_COUNTED_AS_RE = re.compile(r"(?:对|对于)?(?:企业)?(?:按照?|依照?|以)[^，。；]{2,40}的")
# 450万元、300万元、50万元 / 5、10、20万元: a list of amounts
_AMOUNT_LIST_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:亿|万)?元?(?:\s*[、和及]\s*\d+(?:\.\d+)?\s*(?:亿|万)?元?)+")
# one more value of a list of tiers: 、1000万元（含）以上 / 、5000万元 / 和1亿元及以上
_CHAIN_RE = re.compile(
    r"\s*[、和及与或]\s*(?:在|达到|超过)?\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<mul>亿|万)?\s*(?P<unit>元|%|％|人|件|项|个|名)?"
    r"\s*(?:[（(]含[)）])?\s*(?P<post>及以上|以上)?")


def _pieces(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Cut at ，：, not inside brackets and not before 总额 / 金额 (研发费用，总额在30万元以上 is one)."""
    out, start = [], a
    depth = 0
    for i in range(a, b):
        ch = text[i]
        depth += ch in "（(" and 1 or 0
        depth -= ch in "）)" and 1 or 0
        if depth <= 0 and _PIECE_SPLIT.match(ch) and not _TOTAL_RE.match(text, i + 1, b):
            if i > start:
                out.append((start, i))
            start = i + 1
    if b > start:
        out.append((start, b))
    return out


_UNITS = "件|项|个|人|名|亩|台|套|条|次|平方米|吨|批|场|辆|间|张|株|头|只|千瓦时|度"
_UNIT_AFTER_RE = re.compile(rf"\s*[/／每](?P<u>{_UNITS})")
_UNIT_BEFORE_RE = re.compile(rf"每(?:增加|新增)?(?:一|1)?(?:个)?(?P<u>{_UNITS})[^，。；\d]{{0,12}}$")


def _unit_of(text: str, start: int, end: int) -> str | None:
    """The unit an amount at text[start:end] is given per: 每件补助2万元 / 20万元/亩 → 件 / 亩."""
    m = _UNIT_AFTER_RE.match(text, end) or _UNIT_BEFORE_RE.search(text[max(0, start - 24):start])
    return m.group("u") if m else None


@lru_cache(maxsize=1)
def _qualification_words() -> re.Pattern[str]:
    return re.compile(_alt(lb for lb in lexicon().qualifications if len(lb) > 2))


def _tier_groups(found: list[Found]) -> dict[str | None, list[int]]:
    """Indexes of the lower bounds (≥, >) of each attribute that the found criteria state more than once."""
    groups: dict[str | None, list[int]] = {}
    for i, f in enumerate(found):
        if not f.negated and f.criterion.operator in ("ge", "gt") and isinstance(f.criterion.value, int | float):
            groups.setdefault(f.criterion.attribute, []).append(i)
    return {k: v for k, v in groups.items() if len(v) > 1}


def _per_unit(text: str, end: int) -> bool:
    """20万元/亩, 0.4万元/个: an amount per unit, not a total."""
    return text[end:end + 1] in ("/", "／", "每")


_PART_PREFIX = re.compile(r"(?:网络|线上|网上|跨境|出口|进口|外贸|电商|电子商务|合同|项目|零售|批发|服务外包)[（(]?$|"
                          r"(?:网络|线上|网上|跨境|电商)[^，。；\d]{0,3}$")
_NOTE_RE = re.compile(r"[（(](?:以|按|凭|依据|根据|含|不含|包括|下同|以下简称|具体|详见|须|需)[^（()）]*[）)]")
_PURPOSE_RE = re.compile(r"(?:[一二三四五六七八九十\d]+[、.．])?(?:鼓励|支持|为了?|推动|加快|加强|引导|建立|提高|促进|准确|进一步|大力|积极"
                         r"|充分|深入|着力|全面|完善|培育|打造|发挥|提升)")
_CHANGE_RE = re.compile(r"增量|增长|新增|增加|增幅|增速|增额|同比|比上年|较上年|减少|下降|净增")
_DENSITY_PREFIX = re.compile(r"(?:亩均|每亩|人均|户均|单位面积|单位用地|平均)$")


def _per_unit_prefix(text: str, attr_start: int) -> bool:
    """亩均税收, 人均营业收入: a figure per unit of land or per person."""
    return bool(_DENSITY_PREFIX.search(text[max(0, attr_start - 4):attr_start]))


def _period(s: str | None) -> str | None:
    if not s:
        return None
    s = s.removesuffix("内").removesuffix("来")
    return {"上年": "上年度", "上一年": "上年度", "上一年度": "上年度", "当年": "当年度", "年": "年度"}.get(s, s)


def _recurrence(s: str) -> str | None:
    if "一次性" in s:
        return ONE_OFF
    if re.search(r"每年|连续[一二三四五两\d]年|年度最高|每家每年|年均", s):
        return YEARLY
    return None


def criterion_name(c: Criterion) -> str:
    """A readable summary: 上年度实缴税费≥500万元, 企业资质：高新技术企业, 待人工核对：…"""
    return c.describe()


def benefit_name(b: BenefitTerm) -> str:
    parts = [b.kind]
    if b.amount_yuan is not None:
        parts.append(f"{_num(b.amount_yuan)}元" + (f"/{b.per_unit}" if b.per_unit else ""))
    if b.rate is not None:
        parts.append(f"{b.rate * 100:g}%")
    if b.cap_yuan is not None:
        parts.append(f"最高{_num(b.cap_yuan)}元")
    return " ".join(parts)


# ---------------------------------------------------------------- writing the graph
class _Writer:
    def __init__(self, doc: DocumentGraph, text: str) -> None:
        self.doc, self.text = doc, text
        self.criterion_ids: dict[tuple[str, str], str] = {}  # (clause, criterion json) → node id
        self.counts: dict[str, int] = {}

    def prov(self, quote: str, within: tuple[int, int] | None = None) -> Provenance:
        a = self.text.find(quote, *(within or (0,))) if quote else -1
        if a < 0 and within:
            a = self.text.find(quote) if quote else -1
        a, b = (a, a + len(quote)) if a >= 0 else ((within or (0, 0))[0], (within or (0, 0))[1])
        return Provenance(self.doc.doc_id, self.doc.source, a, b, sentence_around(self.text, a, b))

    def _next(self, prefix: str, cid: str) -> str:
        n = self.counts[prefix + cid] = self.counts.get(prefix + cid, 0) + 1
        return f"{prefix}:{cid}#{n}"

    def criterion(self, owner: str, c: Criterion, within: tuple[int, int]) -> str:
        """The node of a criterion, under the clause whose text quotes it (`owner`)."""
        key = (owner, repr(c))
        if key in self.criterion_ids:
            return self.criterion_ids[key]
        nid = self._next(L_CRIT, owner.split(":", 1)[1])
        self.doc.add_node(nid, L_CRIT, criterion_name(c), prov=self.prov(c.text, within), **{
            P["attribute"]: c.attribute, P["operator"]: c.operator, P["value"]: c.value,
            P["period"]: c.period, P["needs_review"]: c.needs_review, P["text"]: c.text})
        self.criterion_ids[key] = nid
        return nid

    def require(self, cid: str, crit_node: str) -> None:
        n = self.doc.nodes[crit_node]
        self.doc.add_edge(cid, REQUIRES, crit_node, prov=n.provenance[0] if n.provenance else None)

    def benefit(self, cid: str, b: BenefitTerm, within: tuple[int, int], *, cond: Condition | None,
                unsure: bool) -> str:
        nid = self._next(L_BENEFIT, cid.split(":", 1)[1])
        prov = self.prov(b.text, within)
        self.doc.add_node(nid, L_BENEFIT, benefit_name(b), prov=prov, **{
            P["benefit_kind"]: b.kind, P["amount_yuan"]: b.amount_yuan, P["rate"]: b.rate,
            P["cap_yuan"]: b.cap_yuan, P["recurrence"]: b.recurrence, P["text"]: b.text, P["per_unit"]: b.per_unit,
            P["condition"]: cond.dumps() if cond is not None else None,
            P["needs_review"]: True if unsure else None})
        self.doc.add_edge(cid, PROVIDES, nid, prov=prov)
        return nid


@dataclass
class ClauseCriteria:
    """What add_criteria decided for one clause (also handy for measuring coverage)."""

    clause: str
    condition: Condition | None
    benefits: list[BenefitTerm]
    from_rule: bool = False


def read_criteria(doc: DocumentGraph, text: str, *, today: str | None = None) -> dict[str, ClauseCriteria]:
    """Read and write the criteria and benefits of every clause of a document; returns them by clause."""
    r = CriteriaReader(doc, text)
    w = _Writer(doc, text)
    clauses = r.clauses

    # Conditions the document states once, for all its clauses
    scope: list[tuple[str, Condition]] = []
    roots: dict[str, str | None] = {}
    for cid in sorted(clauses, key=lambda k: clauses[k].start):
        if _is_scope(r, cid) and not any(_inside(clauses, cid, s) for s, _ in scope):
            cond = _clause_condition(r, cid)
            if cond is not None:
                scope.append((cid, cond))
                roots[cid] = _scope_root(clauses, cid)

    jurisdiction = r.jurisdiction()
    stacking = any(STACK_RE.search(c.node.properties.get(P["text"], "")) for c in clauses.values()
                   if c.parent is None)
    group = f"{doc.policy_id or doc.doc_id}#stack" if stacking else None
    out: dict[str, ClauseCriteria] = {}
    folder = rules_dir()  # once per document: resolving the setting costs more than a lookup
    for cid in sorted(clauses, key=lambda k: clauses[k].start):
        c = clauses[cid]
        rule = rule_in_force(cid, on=today, directory=folder)
        grants, clause_cap, clause_rec = ([], None, None) if rule else r.grants(cid)
        own_scope = [(s, cond) for s, cond in scope if not _inside(clauses, cid, s)
                     and (roots[s] is None or _inside(clauses, cid, roots[s]))]
        is_scope = cid in dict(scope)
        if rule is None and not grants and not is_scope:
            continue
        if rule is not None:
            _write_rule(w, r, cid, rule)
            out[cid] = ClauseCriteria(cid, rule.condition, list(rule.benefits), from_rule=True)
            if rule.benefits and group:
                c.node.properties[P["stacking_group"]] = group
            continue
        # a cap stated once for the clause bounds the grants that state none
        for g in grants:
            g.benefits = [b if b.cap_yuan is not None or clause_cap is None else
                          BenefitTerm(b.kind, b.amount_yuan, b.rate, clause_cap, b.recurrence or clause_rec, b.text)
                          for b in g.benefits]
        parts = [cond for s, cond in own_scope] if not is_scope else []
        if is_scope:
            parts.append(dict(scope)[cid])
        lead = _lead_condition(r, cid) if grants else None
        if lead is not None:
            parts.append(lead)
        alts = [g.condition for g in grants if g.condition is not None]
        if grants and len(alts) == len(grants) and alts:
            parts.append(Condition.any_of(*alts))
        elif len(alts) == 1 and len(grants) == 1:
            parts.append(alts[0])
        # a grant with no condition of its own applies to all the clause's (and document's) firms
        cond = Condition.all_of(*parts) if parts else None
        if cond is None and grants:
            # nothing read at all (no document scope either): who may apply is for a reader to say,
            # and the clause still shows up in answers, as unknown
            a, b = grants[0].spans[0]
            cond = Condition.leaf(Criterion(None, "true", None, text=r.text[a:b].strip()[:200], needs_review=True))
        if cond is not None and jurisdiction is not None and not any(
                c.attribute == "registered_place" for c in cond.criteria()):
            # a local policy is for the firms of its place, whether or not the clause says so
            cond = Condition.all_of(Condition.leaf(jurisdiction), cond)
        _write_condition(w, cid, cond, scope_owner={id(cd): s for s, cd in scope}, r=r, jurisdiction=jurisdiction)
        benefits: list[BenefitTerm] = []
        for g in grants:
            for i, (b, span) in enumerate(zip(g.benefits, g.spans, strict=True)):
                w.benefit(cid, b, span, cond=g.condition_for(i), unsure=g.pairing_unsure)
                benefits.append(b)
        if benefits and group:
            c.node.properties[P["stacking_group"]] = group
        out[cid] = ClauseCriteria(cid, cond, benefits)
    _add_windows(r, {cid for cid, cc in out.items() if cc.benefits})
    policy = doc.nodes.get(doc.policy_id or "")
    if policy is not None:
        start, end = _validity(r)
        policy.properties[P["effective_from"]] = start
        policy.properties[P["effective_to"]] = end
    return out


_MONTH = r"\d{1,2}月(?:份|底|初|末|上旬|中旬|下旬|\d{1,2}日)?"
WINDOW_RE = re.compile(
    rf"(?P<when>(?:每年|次年|当年|每季度|每半年)(?:的)?(?:第[一二三四]季度|{_MONTH})(?:(?:[、和至到—－~-]|或)(?:次年)?{_MONTH})*(?:前|之前|以前)?"
    rf"|\d{{4}}年{_MONTH}(?:前|之前|以前|止)"
    rf"|(?:每年|次年)(?:的)?第[一二三四]季度)")
APPLY_RE = re.compile(r"申报|申请|受理|提交(?:申请|材料)|报送(?:申请|材料)")


def _windows(r: CriteriaReader, cid: str) -> list[str]:
    """每年的5月份和11月份 / 次年6月底前: when to apply, from the clause's sentences that say
    how to apply (申报 / 申请 / 提交 …)."""
    out = []
    for a, b in r.sentences(cid):
        s = r.text[a:b]
        if not APPLY_RE.search(s):
            continue
        for m in WINDOW_RE.finditer(s):
            if m.group("when") not in out:
                out.append(m.group("when"))
    return out


def _add_windows(r: CriteriaReader, granting: set[str]) -> None:
    """A window said in a benefit clause is that clause's; one said in another article (申报时间,
    申报程序) is the document's, for all its clauses."""
    doc_level: list[str] = []
    for cid, c in r.clauses.items():
        found = _windows(r, cid)
        if not found:
            continue
        if cid in granting:
            c.node.properties[P["application_window"]] = "；".join(found)
        else:
            doc_level += [w for w in found if w not in doc_level]
    policy = r.doc.nodes.get(r.doc.policy_id or "")
    if doc_level and policy is not None:
        policy.properties[P["application_window"]] = "；".join(doc_level)


_VALIDITY_SENT = re.compile(r"本(?:实施)?(?:意见|办法|细则|政策|通知|方案|规定|文件|决定|措施)[^。；]{0,40}?(?:施行|执行|试行|实施|有效期)")
_FROM_ISSUE = re.compile(r"自(?:发文|发布|公布|颁布|印发|下文|文件发布)之?日?起")
_YEARS = re.compile(r"(?:有效期|执行期|试行期?)(?:为|暂定|暂定为)?(?P<n>[一二三四五两\d]+)年")
_UNTIL = re.compile(r"(?:执行到|执行至|有效期至|有效期到|截止到|截至)")


def _validity(r: CriteriaReader) -> tuple[str | None, str | None]:
    """When the document is in force: 本意见自2018年1月1日起施行，有效期三年 → (2018-01-01, 2020-12-31);
    自发布之日起施行 → from the issue date; 执行到2021年12月31日 → to that day."""
    policy = r.doc.nodes.get(r.doc.policy_id or "")
    issued = policy.properties.get("issue_date") if policy else None
    start = end = None
    for m in _VALIDITY_SENT.finditer(r.text):
        a = m.start()
        b = min(len(r.text), _SENT_SPLIT.search(r.text, m.end()).start() if _SENT_SPLIT.search(r.text, m.end())
                else len(r.text))
        sent = r.text[a:b]
        if start is None:
            d = DATE_RE.search(sent)
            if d and re.match(r"\s*起?(?:施行|执行|试行|实施)", sent[d.end():]) and parse_date(d):
                start = parse_date(d)
            elif _FROM_ISSUE.search(sent) and issued:
                start = issued
        until = _UNTIL.search(sent)
        if end is None and until:
            d = DATE_RE.search(sent, until.end())
            end = parse_date(d) if d and d.start() - until.end() <= 2 else None
        years = _YEARS.search(sent)
        if end is None and years and start and cn_to_int(years.group("n")):
            y = int(start[:4]) + cn_to_int(years.group("n"))
            end = (dt.date(y, int(start[5:7]), int(start[8:10])) - dt.timedelta(days=1)).isoformat()
        if start:
            break
    return start, end


def add_criteria(doc: DocumentGraph, text: str) -> None:
    """Add EligibilityCriterion and Benefit nodes, REQUIRES / PROVIDES edges and each clause's
    `condition` (the AND / OR / NOT tree as JSON) to a document graph.

    Args:
        doc: the document graph the extractor built (its PolicyClause nodes are read).
        text: the full document text the clause offsets refer to.
    """
    read_criteria(doc, text)


def _is_scope(r: CriteriaReader, cid: str) -> bool:
    """An article that says who the document (or its section) is for: 申报对象, 适用范围 …"""
    own = r.own_ranges(cid)
    if not own:
        return False
    a, b = own[0]
    return bool(DOC_SCOPE_RE.search(r.text[a:min(b, a + 30)]))


def _scope_root(clauses: dict[str, ClauseInfo], cid: str) -> str | None:
    """What a scope article covers: its parent section, or the whole document (None) when it
    stands at the top or directly under a chapter (第二章 申报条件)."""
    parent = clauses[cid].parent
    if parent is None or re.fullmatch(r"第[一二三四五六七八九十百]+章", clauses[parent].node.properties.get("number", "")):
        return None
    return parent


def _inside(clauses: dict[str, ClauseInfo], cid: str, ancestor: str) -> bool:
    while cid is not None:
        if cid == ancestor:
            return True
        cid = clauses[cid].parent
    return False


def _clause_condition(r: CriteriaReader, cid: str) -> Condition | None:
    """A whole clause read as conditions: its own sentences, then its sub-clauses as a list
    (alternatives when it says 之一 / 以下企业, else all required)."""
    parts: list[Condition] = []
    own = []
    for a, b in r.sentences(cid):
        if DEFINITION_RE.search(r.text[a:b]):
            break  # 本办法所指的新材料主要包括：… defines words, it sets no condition
        own.append((a, b))
    for a, b in own:
        if PROCEDURE_RE.search(r.text[a:b]) or grants_something(r.text[a:b]):
            continue
        if OR_LIST_RE.fullmatch(r.text[a:b].strip("：: ")) or re.fullmatch(r"具体为[：:]?", r.text[a:b].strip()):
            continue
        cond = r.condition_of(*_after_subject(r.text, a, b))
        if cond is not None:
            parts.append(cond)
    kids = r.clauses[cid].children
    lead = "".join(r.text[a:b] for a, b in own)
    if kids and (OR_LIST_RE.search(lead) or AND_LIST_RE.search(lead)):
        alts = []
        for k in kids:
            ka, kb = r.clauses[k].start, r.clauses[k].end
            first = next(iter(r.sentences(k)), None) or (ka, kb)
            body = _strip_number(r.text, *first)
            cond = _clause_condition(r, k) if r.clauses[k].children else r.condition_of(*body)
            if cond is not None:
                alts.append(cond)
        if alts:
            either = OR_LIST_RE.search(lead) and not AND_LIST_RE.search(lead.replace("之一", "")) or "之一" in lead
            parts.append(Condition.any_of(*alts) if either else Condition.all_of(*alts))
    return Condition.all_of(*parts) if parts else None


def _lead_condition(r: CriteriaReader, cid: str) -> Condition | None:
    """A benefit clause's sub-items listed as 以下条件 / 之一 (申报条件：1.… 2.…) that grant nothing themselves."""
    c = r.clauses[cid]
    kids = [k for k in c.children if not r.grants(k)[0]]
    if not kids or len(kids) != len(c.children):
        return None
    lead = "".join(r.text[a:b] for a, b in r.own_ranges(cid))
    if not (OR_LIST_RE.search(lead) or AND_LIST_RE.search(lead)):
        return None
    alts = [cd for k in kids if (cd := r.condition_of(*_strip_number(r.text, *(next(iter(r.sentences(k)), None)
                                                                          or (r.clauses[k].start, r.clauses[k].end)))))]
    if not alts:
        return None
    return Condition.any_of(*alts) if "之一" in lead or OR_LIST_RE.search(lead) and not AND_LIST_RE.search(lead) \
        else Condition.all_of(*alts)


def grants_something(s: str) -> bool:
    """Whether a sentence of a scope article gives something: then it is a benefit of its own, not
    a condition on the document's grants.

    Args:
        s: e.g. 实际投资额在500万元以上的，提供1000平方米的免租创业场所 (True);
            在我县工商登记、依法纳税缴费、账证健全 (False).
    """
    return bool(re.search(r"给予|给以|予以|提供|按[^，。；]{0,20}计算", s)
                and re.search(r"\d+(?:\.\d+)?\s*(?:亿|万)?(?:元|平方米)|[%％]", s))


def _strip_number(text: str, a: int, b: int) -> tuple[int, int]:
    m = re.match(r"\s*(?:第[一二三四五六七八九十百]+条|[（(]?[一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])\s*", text[a:b])
    return (a + m.end(), b) if m else (a, b)


def _after_subject(text: str, a: int, b: int) -> tuple[int, int]:
    """Skip 第二条 and 'X的对象为' so the subject of the article is not read as a condition."""
    a, b = _strip_number(text, a, b)
    m = re.match(r"[^，。；]{0,20}?(?:对象|范围|条件)(?:为|是|包括|如下)?[：:]?", text[a:b])
    if m and DOC_SCOPE_RE.search(m.group(0)):
        a += m.end()
    return a, b


def _write_condition(w: _Writer, cid: str, cond: Condition | None, *, scope_owner: dict[int, str],
                     r: CriteriaReader, jurisdiction: Criterion | None = None) -> None:
    if cond is None:
        return
    doc = w.doc
    doc.nodes[cid].properties[P["condition"]] = cond.dumps()

    def walk(c: Condition, owner: str) -> None:
        owner = scope_owner.get(id(c), owner)
        if c.criterion is not None and c.criterion is jurisdiction and doc.policy_id:
            # the policy's own place: one criterion of the document, quoting its issuer or title
            w.require(cid, w.criterion(doc.policy_id, c.criterion, (0, len(r.text))))
        elif c.criterion is not None:
            span = (r.clauses[owner].start, r.clauses[owner].end)
            w.require(cid, w.criterion(owner, c.criterion, span))
        for ch in c.children:
            walk(ch, owner)

    walk(cond, cid)


def _write_rule(w: _Writer, r: CriteriaReader, cid: str, rule: Rule) -> None:
    node = w.doc.nodes[cid]
    span = (r.clauses[cid].start, r.clauses[cid].end)
    node.properties[P["condition"]] = rule.condition.dumps()
    node.properties[P["effective_from"]] = rule.effective_from
    if rule.effective_to:
        node.properties[P["effective_to"]] = rule.effective_to
    for c in rule.condition.criteria():
        owner = _quoting_clause(r, cid, c.text)
        w.require(cid, w.criterion(owner, c, (r.clauses[owner].start, r.clauses[owner].end)))
    for b in rule.benefits:
        w.benefit(cid, b, span, cond=None, unsure=False)


def _quoting_clause(r: CriteriaReader, cid: str, quote: str) -> str:
    """The clause whose text holds a quote: the clause itself, else the smallest other one."""
    def holds(k: str) -> bool:
        return quote in r.text[r.clauses[k].start:r.clauses[k].end]
    if not quote or holds(cid):
        return cid
    found = [k for k in r.clauses if holds(k)]
    return min(found, key=lambda k: r.clauses[k].end - r.clauses[k].start, default=cid)
