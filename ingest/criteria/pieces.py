"""Small readings of clause text shared by criteria and benefits: pieces, units, periods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policykg.eligibility.engine import BenefitTerm, Criterion
from policykg.eligibility.engine import format_number as _num
from policykg.ingest.criteria.lexicon import _PIECE_SPLIT, _TOTAL_RE, ONE_OFF, YEARLY, _alt, lexicon


@dataclass
class Found:
    """A criterion read at text[start:end] (absolute offsets)."""

    start: int
    end: int
    criterion: Criterion
    negated: bool = False
    kind: str = ""  # the reading that found it (threshold, honour, firm_kind, yes_no …)


# ---------------------------------------------------------------- helpers
# 对企业按照向税务部门申报并计入当年度加计扣除额的 (研发费用): how a figure is counted
_COUNTED_AS_RE = re.compile(r"(?:对|对于)?(?:企业)?(?:按照?|依照?|以)[^，。；]{2,40}的")
# 450万元、300万元、50万元 / 5、10、20万元: a list of amounts
_AMOUNT_LIST_RE = re.compile(r"\d+(?:\.\d+)?\s*(?:亿|万)?元?(?:\s*[、和及]\s*\d+(?:\.\d+)?\s*(?:亿|万)?元?)+")


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


_UNITS = "件|项|个|人|名|亩|台|套|条|次|平方米|吨|批|场|辆|间|张|株|头|只|千瓦时|度|标箱|自然箱|集装箱|箱|篇|部|首"
_UNIT_AFTER_RE = re.compile(rf"\s*[/／每](?P<u>{_UNITS})")
# 每件发明专利补助2万元 / 每100吨一次性补助1.5万元 / 按每人每月300元: the unit, and what is counted after it
_UNIT_BEFORE_RE = re.compile(rf"每(?:增加|新增)?(?P<n>\d+|一)?(?:个)?(?P<u>{_UNITS})(?P<of>[^，。；\d]{{0,12}})$")
# words between the unit and the amount that say how it is given, not what is counted
_GIVING_WORDS = re.compile(r"一次性|每年|每月|每季度|每天|每日|每次|每|给予|给以|予以|奖励|补助|补贴|资助|奖补|标准|分别|最高|不超过"
                           r"|企业|单位|可|再|按|的|为")


def _unit_of(text: str, start: int, end: int) -> str | None:
    """The unit an amount at text[start:end] is given per: 每件补助2万元 / 20万元/亩 → 件 / 亩."""
    found = _per_unit_of(text, start, end)
    return found[0] if found else None


def _per_unit_of(text: str, start: int, end: int) -> tuple[str, str] | None:
    """The unit an amount at text[start:end] is given per, and what the firm counts in it:
    每件发明专利补助2万元 → (件, 发明专利); 每标箱30元 → (标箱, 标箱); 每100吨补助1.5万元 → (100吨, 吨)."""
    m = _UNIT_AFTER_RE.match(text, end)
    if m:
        return m.group("u"), m.group("u")
    m = _UNIT_BEFORE_RE.search(text[max(0, start - 24):start])
    if not m:
        return None
    unit = m.group("u") if m.group("n") in (None, "一", "1") else m.group("n") + m.group("u")
    counted = _GIVING_WORDS.sub("", m.group("of")).strip()
    return unit, counted if re.fullmatch(r"[\u4e00-\u9fa5]{2,8}", counted) else m.group("u")


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


_NOTE_RE = re.compile(r"[（(](?:以|按|凭|依据|根据|含|不含|包括|下同|以下简称|具体|详见|须|需)[^（()）]*[）)]")
_PURPOSE_RE = re.compile(r"(?:[一二三四五六七八九十\d]+[、.．])?(?:鼓励|支持|为了?|推动|加快|加强|引导|建立|提高|促进|准确|进一步|大力|积极"
                         r"|充分|深入|着力|全面|完善|培育|打造|发挥|提升|贯彻|落实|深化|推进|围绕|扶持|做大|做强|实施(?=[“\"《]))")



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
    if b.credit_yuan is not None:
        parts.append(f"额度{_num(b.credit_yuan)}元")
    return " ".join(parts)



def _strip_number(text: str, a: int, b: int) -> tuple[int, int]:
    m = re.match(r"\s*(?:第[一二三四五六七八九十百]+条|[（(]?[一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十\d]+[、.．])\s*", text[a:b])
    return (a + m.end(), b) if m else (a, b)

