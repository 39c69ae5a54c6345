"""Small text helpers for Chinese government documents: numbers, money, dates, 文号."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(s: str) -> int | None:
    """二十四 → 24, 一百零八 → 108, 二〇二一 → 2021 (digit by digit), 24 → 24."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if all(ch in CN_DIGITS for ch in s):  # 二〇二一: read digit by digit
        return int("".join(str(CN_DIGITS[ch]) for ch in s))
    total, current = 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


# Money: 3亿元, 5000万元, 2.39亿元, 1,258万元, 5亿, 450万 (the unit 元 may be missing in tables)
MONEY_RE = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)[ \t\u3000]*(?P<mul>万亿|亿|千万|百万|万|千)?[ \t\u3000]*(?P<cur>元|美元|欧元)?"
)
_MULTIPLIERS = {None: 1, "千": 1_000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000,
                "亿": 100_000_000, "万亿": 1_000_000_000_000}


def money_to_yuan(num: str, mul: str | None) -> int | float:
    """Normalise a written amount to yuan: ('3', '亿') → 300000000."""
    try:
        value = Decimal(num.replace(",", "")) * _MULTIPLIERS[mul]
    except (InvalidOperation, KeyError):
        raise ValueError(f"not an amount: {num}{mul or ''}") from None
    return int(value) if value == value.to_integral_value() else float(value)


def find_money(text: str) -> list[tuple[int, int, int | float, str]]:
    """All money amounts in a text as (start, end, yuan, as_written); needs 元 or a 万/亿 multiplier
    followed by 元."""
    out = []
    for m in MONEY_RE.finditer(text):
        if m.group("cur") != "元" or (m.start() > 0 and text[m.start() - 1] in "第"):
            continue
        out.append((m.start(), m.end(), money_to_yuan(m.group("num"), m.group("mul")), m.group(0)))
    return out


# A quantity with a unit, as in a goals table: 100个, 2亿, 3亿元, 10家, 1周, 1份, 5000万元
QUANTITY_RE = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<mul>万亿|亿|千万|百万|万)?\s*(?P<unit>[^\d\s]*)\s*$")


def parse_quantity(text: str) -> tuple[int | float | None, str | None]:
    """'3亿元' → (300000000, '元'); '100个' → (100, '个'); '2亿' → (200000000, '元')."""
    m = QUANTITY_RE.match(text)
    if not m:
        return None, None
    unit = m.group("unit") or None
    mul = m.group("mul")
    value = money_to_yuan(m.group("num"), mul)
    if mul and not unit:
        unit = "元"  # a bare 亿/万 amount in a Chinese plan is money
    return value, unit


_CN_NUM = "〇零○Ｏ一二三四五六七八九十"
DATE_RE = re.compile(
    rf"(?P<y>\d{{4}}|[{_CN_NUM}]{{4}})\s*年\s*(?P<m>\d{{1,2}}|[{_CN_NUM}]{{1,2}})\s*月\s*(?P<d>\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*日"
)


def parse_date(m: re.Match[str]) -> str | None:
    """ISO date from a DATE_RE match, or None when it is not a real date."""
    y, mo, d = (cn_to_int(m.group(k)) for k in ("y", "m", "d"))
    if not (y and mo and d) or not (1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


# 文号: 永川府办发〔2021〕49号; brackets vary (〔〕[]［］（）【】), and some texts lost them: 温政发202057号.
# The issuing-organ abbreviation before the year is read backwards from the bracket, at most six
# characters, stopping where a header runs into it (…人民政府文件温政发, …的意见兰政发).
_DOC_NUMBER_ANCHOR = re.compile(r"[〔\[［(（【]\s*(?P<y>(?:19|20)\d{2})\s*[〕\]］)）】]\s*(?P<n>\d{1,4})\s*号")
_DOC_NUMBER_BARE = re.compile(r"(?P<y>(?:19|20)\d{2})(?P<n>\d{1,4})号")
_ORG_STOPS = ("文件", "意见", "通知", "办法", "号", "的", "之", "》", "（", "）", "(", ")", "转发", "印发", "关于")
_ORG_MAX = 6


def _org_before(text: str, pos: int) -> str:
    start = pos
    while start > 0 and pos - start < _ORG_MAX and "\u4e00" <= text[start - 1] <= "\u9fa5":
        start -= 1
    org = text[start:pos]
    for stop in _ORG_STOPS:
        k = org.rfind(stop)
        if k >= 0:
            org = org[k + len(stop):]
    for stop in ("局", "政府", "室", "会", "厅"):  # 财政局鄞商局 → 鄞商局: an organ's name ran in
        k = org.rfind(stop, 0, len(org) - 1)
        if k >= 0:
            org = org[k + len(stop):]
    return org


def normalise_doc_number(org: str, year: str, num: str) -> str:
    return f"{org}〔{year}〕{int(num)}号"


def find_doc_numbers(text: str, *, bare: bool = False) -> list[tuple[int, int, str]]:
    """All 文号 in a text as (start, end, canonical form with 〔〕). With `bare`, also the
    bracketless form (温政发202057号) when no bracketed one is found."""
    out = []
    for m in _DOC_NUMBER_ANCHOR.finditer(text):
        org = _org_before(text, m.start())
        if org:
            out.append((m.start() - len(org), m.end(), normalise_doc_number(org, m["y"], m["n"])))
    if bare and not out:
        for m in _DOC_NUMBER_BARE.finditer(text):
            org = _org_before(text, m.start())
            if len(org) >= 2 and org.endswith(("发", "办", "函", "字")):
                out.append((m.start() - len(org), m.end(), normalise_doc_number(org, m["y"], m["n"])))
    return out


SENTENCE_END = "。！？；\n"


def sentence_around(text: str, start: int, end: int, limit: int = 300) -> str:
    """The sentence that holds text[start:end], cut at Chinese sentence punctuation."""
    left = max((text.rfind(ch, 0, start) for ch in SENTENCE_END), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in SENTENCE_END) if i != -1]
    right = min(rights) + 1 if rights else len(text)
    sent = text[left:right].strip()
    if len(sent) > limit:
        a = max(0, start - left - limit // 2)
        sent = sent[a:a + limit]
    return sent
