"""A whole document: scopes, jurisdiction, grants and conditions per clause, windows, validity; the graph writer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from itertools import pairwise

from policykg.core.model import DocumentGraph, Provenance
from policykg.core.ontology import PKG, name
from policykg.eligibility.engine import BenefitTerm, Condition, Criterion
from policykg.eligibility.rules import Rule, rule_in_force, rules_dir
from policykg.ingest.criteria.benefits import MONEY, Grant, Reference, form_grant_in, value_type_of
from policykg.ingest.criteria.lexicon import (
    _SENT_SPLIT,
    AND_LIST_RE,
    DEFINITION_RE,
    DOC_SCOPE_RE,
    L_BENEFIT,
    L_CRIT,
    OR_LIST_RE,
    PROCEDURE_RE,
    PROVIDES,
    REQUIRES,
    STACK_RE,
    P,
)
from policykg.ingest.criteria.pieces import _PURPOSE_RE, _strip_number, benefit_name, criterion_name
from policykg.ingest.criteria.reader import ClauseInfo, CriteriaReader
from policykg.ingest.text import DATE_RE, cn_to_int, parse_date, sentence_around

# properties the criteria package's table (lexicon.P) does not hold yet
P_CREDIT, P_COUNT_OF, P_BUDGET, P_NUMBER = (name(t) for t in (PKG.credit_yuan, PKG.count_of, PKG.budget_yuan,
                                                              PKG.number))


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
            P["period"]: c.period, P["needs_review"]: c.needs_review, P["text"]: c.text,
            P["attribute_label"]: c.label, P["value_type"]: c.value_type})
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
            P_COUNT_OF: b.count_of, P_CREDIT: b.credit_yuan,
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
    # 发生重大安全生产事故…的，不能享受: a condition of every grant, quoted from the clause that says it
    shut_out = r.disqualification()
    disqualified = Condition.all_of(*(c for _, c in shut_out)) if shut_out else None
    stacking = any(STACK_RE.search(c.node.properties.get(P["text"], "")) for c in clauses.values()
                   if c.parent is None)
    group = f"{doc.policy_id or doc.doc_id}#stack" if stacking else None
    out: dict[str, ClauseCriteria] = {}
    owners: dict[int, str] = {id(cd): s for s, cd in scope}  # a condition read in another clause → that clause
    owners.update({id(cd): s for s, cd in shut_out})
    folder = rules_dir()  # once per document: resolving the setting costs more than a lookup
    for cid in sorted(clauses, key=lambda k: clauses[k].start):
        c = clauses[cid]
        rule = rule_in_force(cid, on=today, directory=folder)
        grants, clause_cap, clause_rec = ([], None, None) if rule else r.grants(cid)
        budget = r.budget(cid)
        if budget is not None:
            # 所有符合条件的企业补助总额不超过500万元: for all firms, never one firm's cap or estimate
            c.node.properties[P_BUDGET] = budget
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
        # a cap stated once for the clause bounds the grants of money that state none
        for g in grants:
            g.benefits = [replace(b, cap_yuan=clause_cap, recurrence=b.recurrence or clause_rec)
                          if b.cap_yuan is None and clause_cap is not None and value_type_of(b.kind) == MONEY else b
                          for b in g.benefits]
        # 符合本办法第一条规定的 / 符合上述条件的: the grant's condition stands where it points
        applying = {s for s, _ in own_scope} | ({cid} if is_scope else set())
        for g in grants:
            owners.update(_resolve_references(r, cid, g, applying))
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
        if cond is not None and disqualified is not None and grants:
            cond = Condition.all_of(*_conjuncts(cond), *_conjuncts(disqualified))
        _write_condition(w, cid, cond, scope_owner=owners, r=r, jurisdiction=jurisdiction)
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


# 第一条 认定范围 / 一、申请对象及条件: an article that says who may apply, in words DOC_SCOPE_RE leaves out
_SCOPE_HEAD_RE = re.compile(r"[^，。；]{0,10}?(?:认定(?:的)?(?:范围|条件)|申请(?:的)?(?:对象|范围|条件)|基本条件)")


def _is_scope(r: CriteriaReader, cid: str) -> bool:
    """An article that says who the document (or its section) is for: 申报对象, 适用范围, 认定范围 …"""
    own = r.own_ranges(cid)
    if not own:
        return False
    a, b = own[0]
    head = r.text[a:min(b, a + 30)]
    return bool(DOC_SCOPE_RE.search(head) or _SCOPE_HEAD_RE.match(r.text, _strip_number(r.text, a, b)[0], b))


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
            cond = _clause_condition(r, k) if r.clauses[k].children else _item_condition(r, *body)
            if cond is not None:
                alts.append(cond)
        if alts:
            either = OR_LIST_RE.search(lead) and not AND_LIST_RE.search(lead.replace("之一", "")) or "之一" in lead
            parts.append(Condition.any_of(*alts) if either else Condition.all_of(*alts))
    return Condition.all_of(*parts) if parts else None


def _item_condition(r: CriteriaReader, a: int, b: int) -> Condition | None:
    """One item of a list read as conditions. An item that states two cases, each ending in 的 and
    each asking the same figure (…销售收入在3000万元以上的，…铜棒…销售收入在2000万元以上的), gives
    alternatives: a firm meets one case or the other, not both thresholds at once."""
    t = r.text
    bounds = [a, *(a + m.end() for m in re.finditer(r"的[，,；;]", t[a:b])), b]
    cases = [(x, y) for x, y in pairwise(bounds) if t[x:y].strip("，,；;。 ")]
    if len(cases) > 1:
        conds = [cd for x, y in cases if (cd := r.condition_of(x, y)) is not None]
        asked = [{(c.attribute, c.period) for c in cd.criteria() if c.operator in ("ge", "gt") and not c.needs_review}
                 for cd in conds]
        if any(asked[i] & asked[j] for i in range(len(asked)) for j in range(i + 1, len(asked))):
            return Condition.any_of(*conds)
    return r.condition_of(a, b)


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
                and re.search(r"\d+(?:\.\d+)?\s*(?:亿|万)?(?:元|平方米)|[%％]", s)) or form_grant_in(s) is not None


# ---------------------------------------------------------------- conditions a grant points to
def _resolve_references(r: CriteriaReader, cid: str, g: Grant, applying: set[str]) -> dict[int, str]:
    """Add to a grant's condition the conditions it points to (符合本办法第一条规定的 → 第一条's;
    符合上述条件的 → the sentences, items or lead before it); a reference that cannot be followed
    stays as a needs-review criterion quoting it. Returns the clause each added condition was read
    in (by the condition's id), so its criteria quote that clause.

    Args:
        r: the document's reader.
        cid: the clause the grant is in.
        g: the grant; its `refers` are resolved once and cleared.
        applying: scope articles that already apply to the clause (their conditions are not added twice).
    """
    owners: dict[int, str] = {}
    added: list[Condition] = []
    for ref in g.refers:
        found = _article_condition(r, cid, ref, applying) if ref.article else _above_condition(r, cid, ref)
        if found is None:
            added.append(Condition.leaf(Criterion(None, "true", None, text=ref.text, needs_review=True)))
            continue
        cond, owner = found
        if cond is not None:  # None: an article that already applies
            added.append(cond)
            owners[id(cond)] = owner
    g.refers = []
    if added:
        g.condition = Condition.all_of(*([g.condition] if g.condition is not None else []), *added)
    return owners


def _article_condition(r: CriteriaReader, cid: str, ref: Reference,
                       applying: set[str]) -> tuple[Condition | None, str] | None:
    """The condition of the article a grant points to (本办法第一条), read as a whole clause; (None, …)
    when that article already applies as the document's scope; None when there is no such article."""
    clauses = r.clauses
    found = [k for k, c in clauses.items() if c.node.properties.get(P_NUMBER) == ref.article
             and k != cid and not _inside(clauses, cid, k)]
    if not found:
        return None

    def ancestors(k: str | None) -> list[str]:
        out = []
        while k is not None:
            out.append(k)
            k = clauses[k].parent
        return out

    mine = set(ancestors(cid))
    # the article of the same part of the document (an attachment's 细则 has its own 第一条), then the nearest before
    k = max(found, key=lambda k: (len(mine & set(ancestors(k))), clauses[k].start < clauses[cid].start,
                                  -abs(clauses[k].start - clauses[cid].start)))
    if k in applying:
        return None, k
    cond = _clause_condition(r, k)
    return (cond, k) if cond is not None else None


def _above_condition(r: CriteriaReader, cid: str, ref: Reference) -> tuple[Condition, str] | None:
    """What 上述条件 / 以上条件 point to: the clause's own sentences before the grant (its list of
    conditions (1)…(3)), else the items before the clause that grant nothing, else its parent's lead;
    之一 / 其中一条 makes them alternatives."""
    combine = Condition.any_of if ref.any_of else Condition.all_of
    t, clauses = r.text, r.clauses
    grants = r.grants(cid)[0]

    def said(a: int, b: int) -> Condition | None:
        """What an earlier sentence asks for: the condition of the grant in it, or the sentence read as one."""
        s = t[a:b].strip()
        if not s or _PURPOSE_RE.match(s) or PROCEDURE_RE.search(s) or DEFINITION_RE.search(s):
            return None
        in_it = [g.condition for g in grants if any(a <= x < b for x, _ in g.spans)]
        if in_it:
            return in_it[0]
        return None if grants_something(s) else r.condition_of(*_strip_number(t, a, b))

    earlier = [(a, b) for a, b in r.sentences(cid) if b <= ref.start]
    conds = [cd for a, b in earlier if (cd := said(a, b)) is not None]
    if conds:
        return combine(*conds), cid
    parent = clauses[cid].parent
    siblings = clauses[parent].children if parent is not None else sorted(
        (k for k, c in clauses.items() if c.parent is None), key=lambda k: clauses[k].start)
    before: list[str] = []
    for k in reversed(siblings[:siblings.index(cid)]):
        if r.grants(k)[0]:
            if not before:  # 对…的，奖励10万元。符合上述条件且…的，再奖励…: the conditions of that grant
                conds = [g.condition for g in r.grants(k)[0] if g.condition is not None]
                if conds:
                    return Condition.any_of(*conds), k
            break
        before.insert(0, k)
    conds = [cd for k in before if (cd := _clause_condition(r, k)) is not None]
    if conds:
        return combine(*conds), parent if parent is not None and len(before) > 1 else before[-1]
    if parent is None:
        return None
    lead = [cd for a, b in r.sentences(parent) if (cd := said(a, b)) is not None]
    return (Condition.all_of(*lead), parent) if lead else None



def _after_subject(text: str, a: int, b: int) -> tuple[int, int]:
    """Skip 第二条 and 'X的对象为' so the subject of the article is not read as a condition."""
    a, b = _strip_number(text, a, b)
    m = re.match(r"[^，。；]{0,20}?(?:对象|范围|条件)(?:为|是|包括|如下)?[：:]?", text[a:b])
    if m and (DOC_SCOPE_RE.search(m.group(0)) or _SCOPE_HEAD_RE.match(m.group(0))):
        a += m.end()
    elif (m := _FUNDS_FOR.match(text, a, b)) is not None:
        a = m.end()  # 专项资金主要用于(在我区注册并纳税…的企业): what the funds are for names the firms
    return a, b


_FUNDS_FOR = re.compile(r"[^，。；]{0,12}?(?:专项资金|资金|政策|办法|措施|细则)(?:主要)?(?:用于|适用于)(?:支持|扶持|奖励|补助)?")


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


def _conjuncts(c: Condition) -> tuple[Condition, ...]:
    """The parts of an AND (the condition itself when it is not one), so ANDs do not nest."""
    return c.children if c.op == "AND" else (c,)
