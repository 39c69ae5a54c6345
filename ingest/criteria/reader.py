"""Clause layout and the criteria of one document's clauses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from policykg.core.model import DocumentGraph, Node
from policykg.core.places import (
    OWN_PLACE,
    PLACE_IN_TEXT,
    ParsedPlace,
    is_place_name,
    level_pattern,
    levels_in,
    place_of_name,
)
from policykg.eligibility.engine import Condition, Criterion
from policykg.ingest.criteria.benefits import Grant, GrantReader
from policykg.ingest.criteria.lexicon import (
    _CJK,
    _FILLER,
    _SENT_SPLIT,
    HAS_CLAUSE,
    L_CLAUSE,
    PROCEDURE_RE,
    SCALE_RE,
    P,
    lexicon,
)
from policykg.ingest.criteria.pieces import (
    _COUNTED_AS_RE,
    _NOTE_RE,
    _PURPOSE_RE,
    Found,
    _period,
    _pieces,
    _tier_groups,
)
from policykg.ingest.criteria.readings import AUX, HVERB, PUNCT, STOP, YVERB, tokens_for, yes_no


@dataclass
class ClauseInfo:
    node: Node
    start: int
    end: int
    children: list[str] = field(default_factory=list)
    parent: str | None = None



# what a grant gives, how a figure is counted, whom a document is for: said next to conditions, not one
_NOT_A_CONDITION = re.compile(r"(?:给予|予以|提供)[^，。；]{0,20}(?:资助|补贴|补助|奖励|场所|支持)|按[^，。；]{0,20}计算|以[^，。；]{0,30}(?:为准|作为[^，。；]{0,8}依据)"
                              r"|^(?:本(?:细则|办法|政策|意见|通知|措施))?适用于|^[和及与]?(?:使用|资金)?范围$"
                              # 以规定面积计算 / 最高限额100万元 / 自盈利年度起5年内 / 在劳动合同期限内:
                              # how much, how long or on top of what a grant is paid
                              r"|以[^，。；]{0,20}计算|^\s*(?:每家)?(?:企业)?最高(?:限额|不超过|奖励|补助|补贴)"
                              r"|^\s*自[^，。；]{0,12}起[^，。；]{0,6}(?:年|个月)内\s*$|^\s*在[^，。；]{0,12}期限?内\s*$"
                              # 对企业经营者 (一次性给予…): who receives the money, not who qualifies
                              r"|^\s*(?:对|给予?)(?:企业|其|该企业)?的?(?:主要)?(?:经营者|经营团队|负责人|法定代表人|高管(?:团队)?"
                              r"|高级管理人员|管理团队|股东)\s*$")


_DISQUALIFIES = re.compile(r"(?:的|者)[，,]?\s*(?:一律)?(?:不能|不得|不予|不再)享受|(?:一律)?取消[^，。；]{0,16}(?:享受|申报)?资格")
_VIOLATION_WORDS = re.compile(r"事故|违法|违规|偷税|漏税|逃税|骗取|失信|处罚|纠纷|侵权|侵犯|抽检不合格|黑名单|环境事件")
# who checks, publishes or claws back: how sanctions are applied, not who may apply
_SANCTION_CONTEXT = re.compile(r"公示|举报|追回|收缴|退回|经办银行|考核评估|暂停|名单|评审纪律|撤稿|通报")
_PASSED = re.compile(r"\s*(?:对|凡)?(?:企业)?(?:当年度?|首次|新)?(?:通过|获得|取得)")
# 经主管部门审核后 / 经审核确认后: how the agency handles an application, not something a firm answers
_PROCEDURE_STEP = re.compile(r"\s*经?[^，。；]{0,12}?(?:审核|审批|审查|核实|核定)(?:确认|通过|同意|认定)?后?\s*")
GRANT_AMOUNT_RE = re.compile(r"(?:给予|奖励|补助|补贴)[^，。；]{0,8}\d")
# the items of a disqualification: cut at ，；, at 和/、 before a 重大 / 严重 / 较大, at 或 before 有 / 被 / 重大
_DISQ_ITEM_SPLIT = re.compile(r"[，,；;]|[和、](?=[^，。；]{0,4}(?:重大|严重|较大))|或(?=[^，。；]{0,4}(?:有|被|重大|严重))")
_ITEM_NUMBER = re.compile(r"[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|(?<![\d.])\d+[.．、](?!\d)")
# 未完成节能降耗、污染减排指标: one verb over a list of objects, not several events
_VERB_LIST_NOT = re.compile(r"^\s*(?:对|凡)?(?:未|没有|不)(?:完成|达到|按规定|按时|足额|实现|落实)[^、，]{0,12}、[^、，]{1,10}(?:指标|任务|目标|要求)")


def _an_item(x: str) -> bool:
    return len(re.findall(f"[{_CJK}]", x)) >= 4 and not re.search(r"以下|下列|如下", x)


_WHERE_RE = re.compile(
    rf"(?P<where>(?:在|于)(?P<place>{PLACE_IN_TEXT}|{OWN_PLACE})(?:范围内|行政区域内|区域内|境内|内)?)"
    r"(?=(?:依法|正常|实际)?(?:经营|纳税|缴税|生产经营|从事|开展经营|办公))"
    rf"|(?P<where2>经(?P<place2>{OWN_PLACE}|{PLACE_IN_TEXT})[^，。；、]{{1,10}}?(?:局|部门|机关)(?:依法)?(?:注册登记|登记注册|注册|登记))")
# 财务管理制度健全 / 信用良好 / 管理规范: a state the firm is in, a condition as much as a verb
_STATE_RE = re.compile(r"(?:健全|完善|规范|良好|齐全)$")
_STATE_AFTER_RE = re.compile(r"(?<=登记|注册|设立|成立|经营|纳税)、(?=[^，。；、]{2,16}?(?:健全|完善|规范|良好|齐全)(?:$|[，。；的]))")


@dataclass(frozen=True)
class _Cut:
    a: int
    b: int

    def start(self) -> int:
        return self.a

    def end(self) -> int:
        return self.b


# 且 / 并且 / 而且 / 同时 / 并 joining two conditions (not 合并, 兼并, 并购 …, nor 同时满足 / 同时具备 of a list)
_JOINED = re.compile(r"并且|而且|(?<![合兼吞归])并(?![购入列行发存重非])|且(?![为是])|同时(?!满足|具备|符合|享受)")
_EXCLUDES = re.compile(r"^除|不享受|除外|不予|不再|不含|不包括|不适用|不属于")


def _enclosing_note(text: str, pos: int, a: int, b: int) -> str | None:
    """The text of the （…） around `pos` within [a, b), if any."""
    depth, i = 0, pos - 1
    while i >= a:
        if text[i] in "）)":
            depth += 1
        elif text[i] in "（(":
            if depth == 0:
                close = next((k for k in range(pos, b) if text[k] in "）)"), b)
                return text[i + 1:close]
            depth -= 1
        i -= 1
    return None


class CriteriaReader(GrantReader):
    """Reads the criteria and benefits of one document's clauses."""

    def __init__(self, doc: DocumentGraph, text: str) -> None:
        self.doc, self.text, self.lex = doc, text, lexicon()
        self.tokens = tokens_for(text)
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

    def disqualification(self) -> list[tuple[str, Condition]]:
        """What the document says shuts a firm out of all its benefits (企业发生重大安全生产事故…的，
        不能享受财政奖励政策 / 企业上一年度发生以下情况的，取消当年奖补资格：（1）…（2）…): the
        condition every clause must meet. Accidents, offences or penalties listed together are the
        ontology's one clean record (one criterion quoting them all); anything else is a yes/no
        condition the firm must meet (未完成…的 → 完成…) or must not meet (弄虚作假的 → NOT 弄虚作假)."""
        parts: list[tuple[str, Condition]] = []
        for cid in self.clauses:
            sents = self.sentences(cid)
            for k, (a, b) in enumerate(sents):
                s = self.text[a:b]
                m = _DISQUALIFIES.search(s)
                if not m or GRANT_AMOUNT_RE.search(s[:m.start()]) or _SANCTION_CONTEXT.search(s):
                    continue
                head = s[:m.start()].rstrip("，,的 ")
                head = re.sub(r"^\s*(?:[（(]?[一二三四五六七八九十\d]+[)）、.．]\s*)?(?:对|凡|企业|申报单位)*", "", head)
                period = _period(p.group(0)) if (p := re.match(r"(?:近[一二三两\d]年(?:内|来)?|(?:当|上一?)年(?:度|内)?)", head)) else None
                items = [(a + s.find(x), x) for x in _DISQ_ITEM_SPLIT.split(head) if _an_item(x)]
                if re.search(r"(?:以下|下列|如下)(?:情况|情形|行为|事项)", head):
                    # 发生以下情况的，取消…资格：（1）…的，（2）…的: the items follow, in the clause's later sentences and sub-clauses
                    items = self._listed_after(cid, sents[k + 1:])
                parts += [(cid, c) for c in self._shut_out_by(items[:12], period)]
        return parts

    def _listed_after(self, cid: str, later: list[tuple[int, int]]) -> list[tuple[int, str]]:
        """The numbered items that follow a 以下情况 lead: （1）…的，（2）…的 / 1.…的。"""
        spans = list(later) + [(self.clauses[k].start, self.clauses[k].end) for k in self.clauses[cid].children]
        out: list[tuple[int, str]] = []
        for a, b in spans:
            t = self.text[a:b]
            cuts = [m.start() for m in _ITEM_NUMBER.finditer(t)] or [0]
            for x, y in zip(cuts, [*cuts[1:], len(t)], strict=True):
                item = _ITEM_NUMBER.sub("", t[x:y], count=1).strip().rstrip("，,；;。 ").removesuffix("的")
                if _an_item(item):
                    out.append((a + x + t[x:y].find(item), item))
        return out

    def _shut_out_by(self, items: list[tuple[int, str]], period: str | None) -> list[Condition]:
        out: list[Condition] = []
        violations = [(at, x) for at, x in items if _VIOLATION_WORDS.search(x) and not re.search(r"必须|应当|须", x)]
        if violations:
            # one fact of the firm (无重大违法违规行为), however many kinds of offence the text lists
            a0, b0 = violations[0][0], violations[-1][0] + len(violations[-1][1])
            out.append(Condition.leaf(Criterion("no_major_violation", "true", True, period=period,
                                                text=self.text[a0:b0])))
        for at, item in items:
            if (at, item) in violations:
                continue
            neg = re.match(r"\s*(?:对|凡)?(?:未|没有|不)", item)
            if neg is None:
                continue  # 已享受…的: a case a reader must place (a local rule, not one of every grant)
            # 未完成节能减排等刚性目标任务的 / 不按时报送、弄虚作假的: the first must be done, the others must not happen
            first, *others = re.split(r"、(?=[^、，]{2,})", item[neg.end():]) if not _VERB_LIST_NOT.search(item) \
                else [item[neg.end():]]
            f = yes_no(first, at + neg.end(), at + neg.end() + len(first), quote=item)
            if f is not None and not f.negated:
                out.append(Condition.leaf(f.criterion))
            for o in others:
                g = yes_no(o, at, at + len(item), quote=o)
                if g is not None and not g.negated and len(re.findall(f"[{_CJK}]", o)) >= 4:
                    out.append(Condition("NOT", (Condition.leaf(g.criterion),)))
        return out

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
        for m in _WHERE_RE.finditer(t, a, b):
            # 在温岭市范围内依法经营 / 经我市市场监管局注册登记 / 在我区依法纳税: where the firm is registered or operates
            g = "where" if m.group("where") else "where2"
            if not free(*m.span(g)):
                continue
            place = m.group("place") or m.group("place2")
            if place[0] in "本我":
                place = self.place.get(place[-1])
            if not place or not is_place_name(place):
                continue
            out.append(Found(m.start(g), m.end(g), Criterion("registered_place", "eq", place, text=m.group(g))))
            taken.append(m.span(g))
        for m in lex.violation_re.finditer(t, a, b):
            # a yes/no the ontology names by this label (账证健全 → sound_accounts), else a clean record
            said = m.group(0)[len(m.group("period") or ""):]
            key = lex.attributes.get(said) or "no_major_violation"
            out.append(Found(m.start(), m.end(), Criterion(
                key, "true", True, period=_period(m.group("period")), text=m.group(0))))
            taken.append(m.span())
        # thresholds, honours and firm kinds: the table of readings over the pipeline's tokens
        read = self._bracketed(self.tokens.read(a, b), a, b)
        def take(kinds: tuple[str, ...]) -> None:
            # one reading may give several criteria over one span (国家级、省级特色商业街): all of them
            for span in dict.fromkeys((f.start, f.end) for f in read if f.kind in kinds):
                if free(*span):
                    out.extend(f for f in read if f.kind in kinds and (f.start, f.end) == span)
                    taken.append(span)

        take(("threshold", "range"))
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
        take(("honour", "firm_kind"))
        return sorted(out, key=lambda f: f.start)

    def condition_of(self, a: int, b: int, *, review: bool = True) -> Condition | None:
        """The condition text[a:b] states: its pieces (cut at ，：) ANDed; within a piece,
        qualifications listed with 、/或 are alternatives; a stretch no reading covers is a yes/no
        condition when it says what the firm does or has (拥有…, 经…认定), else needs review."""
        parts: list[Condition] = []
        unread: list[tuple[int, int]] = []
        for pa, pb in _pieces(self.text, a, b):
            found = self.criteria_in(pa, pb)
            alt_span = None
            if found:
                cond, alt_span = self._combine(found, pa, pb)
                parts.append(cond)
                rests = self._residues(pa, pb, found)
            else:
                rests = [(pa, pb)]
            if alt_span:
                # the unread rest is already an alternative of the list it continues
                rests = [r for r in rests if not (r[0] < alt_span[1] and alt_span[0] < r[1])]
            # （其中水电、光伏、风电企业不享受以上政策）: the note was read (its exclusion); the words around what was read in it are not conditions
            notes = [(m.start(), m.end()) for m in re.finditer(r"[（(][^（()）]*[）)]", self.text[pa:pb])]
            notes = [(pa + x, pa + y) for x, y in notes if any(pa + x <= f.start and f.end <= pa + y for f in found)]
            rests = [r for r in rests if not any(x <= r[0] and r[1] <= y for x, y in notes)]
            longest = max(rests, key=lambda r: r[1] - r[0], default=None)
            for rest in rests if review else ():
                # 项目且通过考核验收的 / 在我市且在我市投入生产: two conditions joined by 且 / 并 / 同时
                for ra, rb in self._conjoined(*rest):
                    if not self._unread(ra, rb):
                        continue
                    ra, rb = self._trim(ra, rb)
                    said = self._yes_no(ra, rb)
                    if said is not None:
                        parts.append(said)
                    elif rest == longest:
                        unread.append((ra, rb))
                    # a shorter stretch beside what was read that states nothing a firm does is part of
                    # that reading's wording (as before), not a condition of its own
        if unread and not parts:
            # nothing readable: one review criterion quoting the whole phrase, not one per comma
            ra, rb = self._trim(a, b)
            return Condition.leaf(Criterion(None, "true", None, text=self.text[ra:rb].rstrip("，,：:"), needs_review=True))
        parts += [Condition.leaf(Criterion(None, "true", None, text=self.text[ra:rb], needs_review=True))
                  for ra, rb in unread]
        return Condition.all_of(*parts) if parts else None

    def _bracketed(self, found: list[Found], a: int, b: int) -> list[Found]:
        """Readings inside （…）: an exclusion when the note says so (（其中水电、风电企业不享受以上政策）),
        else a note on how something is counted, which sets no condition."""
        out = []
        for f in found:
            note = _enclosing_note(self.text, f.start, a, b)
            if note is None:
                out.append(f)
            elif _EXCLUDES.search(note) and f.kind in ("firm_kind", "honour"):
                f.negated = True
                out.append(f)
        return out

    def _yes_no(self, a: int, b: int) -> Condition | None:
        """A stretch that says what the firm has, does or went through: a yes/no condition."""
        text = _NOTE_RE.sub("", self.text[a:b])
        passed = _PASSED.match(text)  # 企业当年通过省级清洁生产审核验收: an achievement, not a procedure step
        if (PROCEDURE_RE.search(text) and not passed) or _PURPOSE_RE.match(text.strip()):
            return None
        span = self.tokens.span(a, b)
        lead = [t for t in span if t._.pk not in (AUX, STOP, PUNCT)] if span is not None else []
        if not any(t._.pk in (YVERB, HVERB) or t.text.startswith(("经", "未", "无", "没有")) for t in lead) \
                and not _STATE_RE.search(text.rstrip("的，, ")):
            return None  # 标准对新引进 / 使用范围: no verb the firm is the subject of, nor a state it is in
        f = yes_no(text, a, b, quote=self.text[a:b])
        if f is None:
            return None
        leaf = Condition.leaf(f.criterion)
        return Condition("NOT", (leaf,)) if f.negated else leaf

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
        run = self._kind_list(found)
        if run:
            # 外地股权投资机构、投资基金公司 / 工业企业或物流企业: kinds of firm listed together are alternatives
            kinds = Condition.any_of(*(Condition.leaf(f.criterion) for f in run))
            others = [f for f in found if f not in run]
            if not others:
                return kinds, None
            rest, span = self._combine(others, a, b)
            return Condition.all_of(rest, kinds), span
        leaves = [Condition("NOT", (Condition.leaf(f.criterion),)) if f.negated else Condition.leaf(f.criterion)
                  for f in found]
        segments = self._segments(found)
        if segments:
            # 年销售收入达到100亿元且税收达到5亿元的…、年销售收入达到50亿元且税收达到2.5亿元的…: one attribute
            # asked more than once means a list of alternatives, each item its own AND
            return Condition.any_of(*(self._combine(seg, a, b)[0] for seg in segments)), None
        quals = [i for i, f in enumerate(found) if (f.criterion.attribute in ("qualification", "platform")
                                                    or f.kind == "honour") and not f.negated]
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

    def _kind_list(self, found: list[Found]) -> list[Found]:
        """The longest run of firm kinds (not excluded) that follow each other with only a list
        word between them (、 或 和 及 /), when it has two or more."""
        best: list[Found] = []
        run: list[Found] = []
        for f in found:
            if f.kind == "firm_kind" and not f.negated and run and \
                    re.fullmatch(r"\s*(?:[、/]|或者?|和|及|以及)\s*", self.text[run[-1].end:f.start]):
                run.append(f)
            else:
                run = [f] if f.kind == "firm_kind" and not f.negated else []
            if len(run) > len(best):
                best = list(run)
        return best if len(best) > 1 else []

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
        if re.match(rf"\s*[、或及和与/]\s*[（(“]?[{_CJK}]{{2}}", s) and not re.match(r"\s*[、或及和与]\s*(?:的|等)", s):
            ra, rb = self._trim(*after)
            return Criterion(None, "true", None, text=t[ra:rb].lstrip("、或及和与/"), needs_review=True)
        note = re.match(rf"[（(](?!含|包括|不含|以下|下同)[{_CJK}]{{2,}}[^）)]*[）)]", s)  # 工程研究中心（工程实验室）
        if note and len(re.findall(f"[{_CJK}]", note.group(0))) >= 4:
            # the note names other items; what follows it (且通过考核验收的) is a condition of its own
            ra, rb = self._trim(after[0], after[0] + note.end())
            return Criterion(None, "true", None, text=t[ra:rb], needs_review=True)
        s = t[before[0]:before[1]]
        if re.search(rf"[{_CJK}”）)]{{2}}[、或及和与/]\s*$", s):
            ra, rb = self._trim(*before)
            return Criterion(None, "true", None, text=t[ra:rb].rstrip("、或及和与/"), needs_review=True)
        return None

    def _residues(self, a: int, b: int, found: list[Found]) -> list[tuple[int, int]]:
        """The stretches of the piece that no criterion covers (each is checked for a condition of
        its own: 具有自主产权重大技术的…研发生产 before 填补国内空白 is as much a condition as the
        longest one). A stretch that only says how the next figure is counted (按照向税务部门申报…的
        研发费用) is not a condition of its own."""
        out, pos = [], a
        for f in sorted([*found, Found(b, b, Criterion(None, "true"))], key=lambda f: f.start):
            gap = self.text[pos:f.start]
            counted_as = f.start < b and f.criterion.attribute not in (None, "qualification", "platform") \
                and _COUNTED_AS_RE.fullmatch(gap.strip())
            if f.start > pos and not counted_as:
                out.append((pos, f.start))
            pos = max(pos, f.end)
        return out

    def _conjoined(self, a: int, b: int) -> list[tuple[int, int]]:
        """A stretch cut where 且 / 并且 / 同时 / 并 (before a verb) join two conditions, or where 、
        follows a registration and a state follows it (经…注册登记、财务管理制度…健全); the stretch
        itself when nothing joins."""
        t, cuts = self.text, [a]
        joins = [_Cut(m.start(), m.end()) for m in _JOINED.finditer(t, a, b)]
        joins += [_Cut(m.start(), m.end()) for m in _STATE_AFTER_RE.finditer(t, a, b)]
        for m in sorted(joins, key=lambda m: m.start()):
            if m.start() - cuts[-1] >= 2 and b - m.end() >= 3 and _enclosing_note(t, m.start(), a, b) is None:
                cuts += [m.start(), m.end()]
        cuts.append(b)
        return [(x, y) for x, y in zip(cuts[::2], cuts[1::2], strict=True) if y > x]

    def _unread(self, a: int, b: int) -> bool:
        """Whether text[a:b] says something a reader must check (a condition we could not read),
        rather than filler, the subject, a verb of the criteria read, or a note on evidence."""
        # （以增值税发票为核准依据）, （含政策性减免）: how a figure is proven or counted; 由市委、市政府: who acts
        if _NOT_A_CONDITION.search(self.text[a:b]) or _PROCEDURE_STEP.fullmatch(self.text[a:b]):
            return False
        if re.fullmatch(r"\s*[（(][^（()）]{1,8}[）)](?:项目|企业|单位|工程|基地|产品)?(?:且|并|的)?\s*", self.text[a:b]):
            return False  # 试点（示范）项目: the rest of the name just read
        s = _NOTE_RE.sub("", self.text[a:b])
        s = re.sub(r"^\s*由[^，。；]{0,12}$", "", s)
        s = s.strip(" \t\u3000，、；：:（）()“”\"'")
        if re.fullmatch(rf"的[{_CJK}]{{0,6}}(?:企业|单位|组织|机构|项目|公司)", s):
            return False  # 的科技企业: the subject the conditions are about
        for _ in range(2):
            s = _FILLER.sub("", s).strip(" ，、；：:（）()")
        s = re.sub(r"^(?:且|并|和|或|以及|及|同时)|(?:且|并|和|或|及|的)$", "", s)
        if re.fullmatch(r"(?:对于?)?(?:当年)?(?:首次|新|重新|经)?(?:被)?(?:认定|评定|确认|列为|认定为|评为|获得?|增|增为|纳入|转为|创建|组建"
                        rf"|认定[（(](?:组建|认定)[)）]?)?为?(?:{level_pattern(bare=True)}(?:及以上|以上)?[、和及与]?)*", s):
            return False  # 对首次认定为 (高新技术企业): the qualification's own verb
        return len(re.findall(f"[{_CJK}]", s)) >= 3

