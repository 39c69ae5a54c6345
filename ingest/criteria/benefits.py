"""What a clause gives: grants read from its sentences, with their amounts, rates, caps and tiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from policykg.eligibility.engine import BenefitTerm, Condition, Criterion
from policykg.ingest.criteria.lexicon import BENEFIT_START_RE, CAP_RE, GRANT_RE, RATE_RE
from policykg.ingest.criteria.pieces import (
    _AMOUNT_LIST_RE,
    _PURPOSE_RE,
    Found,
    _per_unit,
    _pieces,
    _qualification_words,
    _recurrence,
    _strip_number,
    _unit_of,
)
from policykg.ingest.text import MONEY_RE, money_to_yuan


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



class GrantReader:
    """Grant reading, mixed into CriteriaReader."""

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


