"""Readings: the ways a condition is written, as a table over spaCy tokens.

Each `Reading` is one row: a name, token patterns in spaCy's `Matcher` format (data: the token
tags below, words and punctuation), a builder that turns a match into criteria, and examples
with the criteria they must give (they run as parametrized tests, tests/ingest/test_readings.py).
Adding a way of reading a condition is adding a row and its examples.

Tokens are the jieba words of the pipeline's own Doc. A token's tag (``token._.pk``) comes from
the ontology: its attribute labels, operator words, and the word lists of ontologies/words.ttl
(measure heads, honour verbs, yes/no verbs, firm kinds, units, periods). A threshold on a measure
the ontology does not name (设备投资额, 年网络零售额) still reads as a typed criterion on an *open*
attribute ``open:<normalised phrase>``, linked to the ontology's attribute whenever a label or
alias matches the phrase; an honour, a firm kind or a yes/no condition reads as an open boolean.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from policykg.core.ontology import PKG, load_ontology
from policykg.core.places import is_place_name
from policykg.eligibility.attributes import attribute_table
from policykg.eligibility.engine import OPEN, Criterion
from policykg.ingest.criteria.pieces import Found
from policykg.ingest.nlp import build_pipeline, doc_text
from policykg.ingest.text import money_to_yuan

# ---------------------------------------------------------------- token tags
NUM, MUL, MONEY, UNIT, PCT = "NUM", "MUL", "MONEY", "UNIT", "PCT"
OPPRE, OPPOST, NEG, INCL, FILL = "OPPRE", "OPPOST", "NEG", "INCL", "FILL"
PERIOD, PMOD, MEAS, ATTR, HVERB, YVERB, AUX, KIND, STOP, PUNCT, WORD = (
    "PERIOD", "PMOD", "MEAS", "ATTR", "HVERB", "YVERB", "AUX", "KIND", "STOP", "PUNCT", "WORD")
LATIN, QUOTE, LIST, PER = "LATIN", "QUOTE", "LIST", "PER"

_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_PCT_RE = re.compile(r"\d+(?:\.\d+)?[%％]")
_CJK_RE = re.compile(r"[\u4e00-\u9fa5]")
# Words around a condition that are never part of what it names.
_STOPS = frozenset(["鼓励", "支持", "根据", "享受", "推动", "引导", "加快", "加强", "促进", "提升", "加大", "对", "凡", "的", "和", "及", "与", "或", "且", "并", "其", "该", "等", "之", "为", "由", "以", "按", "按照", "其中", "同时", "以及", "或者", "对于", "另", "另外", "并且", "上述", "下列", "以下", "如下"])
_AUX = frozenset(["已", "已经", "均", "须", "需", "应", "应当", "必须", "曾", "首次", "新", "当年", "并", "且", "能", "能够", "可", "正常", "依法"])
_FILLS = frozenset(["在", "为", "于", "累计", "均", "合计", "总计", "要", "需", "须", "应", "均在", "分别"])
_MULS = {"万": "万", "亿": "亿", "万元": "万", "亿元": "亿", "元": "", "千元": "千"}
# operators written as symbols: 投资强度≥200万元/亩
_SYMBOL_OPS = {"≥": "ge", "≧": "ge", "⩾": "ge", "≤": "le", "≦": "le", "⩽": "le", ">": "gt", "＞": "gt", "<": "lt", "＜": "lt"}
_TIME_UNITS = ("年", "个月", "月", "天", "日", "周", "小时")
_OPEN_BRACKETS, _CLOSE_BRACKETS = ("（", "("), ("）", ")")


@dataclass(frozen=True)
class Words:
    """The ontology's words, arranged for tagging tokens."""

    attributes: dict[str, str]  # label → attribute key
    numeric: frozenset[str]  # keys of attributes compared by size
    operators: dict[str, str]  # word → operator key
    measure_heads: tuple[str, ...]
    honour_verbs: frozenset[str]
    honour_heads: tuple[str, ...]
    yes_no_verbs: frozenset[str]
    kind_heads: tuple[str, ...]
    subjects: frozenset[str]
    negations: frozenset[str]
    count_units: frozenset[str]
    quantity_units: frozenset[str]
    periods: frozenset[str]
    qualifications: dict[str, str]  # label → preferred label
    term_nouns: tuple[str, ...]


@lru_cache(maxsize=1)
def words() -> Words:
    o = load_ontology()
    table = attribute_table()
    attrs = {label: k for k, a in table.items() for label in a.labels}
    ops = {label: c.iri.rsplit("/", 1)[-1] for c in o.concepts(PKG.OperatorScheme) for label in c.labels}
    quals = {label: c.pref_label for c in o.concepts(PKG.QualificationScheme) for label in c.labels}
    return Words(
        attributes=attrs, numeric=frozenset(k for k, a in table.items() if a.numeric), operators=ops,
        measure_heads=o.words(PKG.MeasureHeads), honour_verbs=frozenset(o.words(PKG.HonourVerbs)),
        honour_heads=o.words(PKG.HonourHeads), yes_no_verbs=frozenset(o.words(PKG.YesNoVerbs)),
        kind_heads=o.words(PKG.FirmKindHeads), subjects=frozenset(o.words(PKG.SubjectWords)),
        negations=frozenset(o.words(PKG.NegationWords)), count_units=frozenset(o.words(PKG.CountUnits)),
        quantity_units=frozenset(o.words(PKG.QuantityUnits)), periods=frozenset(o.words(PKG.PeriodWords)),
        qualifications=quals, term_nouns=o.words(PKG.TermNouns))


@lru_cache(maxsize=65536)
def tag_of(text: str) -> str:
    """The tag of one token, from its text alone (cached: the vocabulary is small)."""
    w = words()
    if _PCT_RE.fullmatch(text):
        return PCT
    if _NUM_RE.fullmatch(text):
        return NUM
    if text in _MULS:
        return MONEY if text.endswith("元") else MUL
    if text in w.periods:
        return PERIOD
    if text in ("%", "％") or text in w.count_units or text in w.quantity_units:
        return UNIT
    if text in ("以上", "及以上", "以下", "以内", "及以下"):
        return OPPOST
    if text == "含":
        return INCL
    if text in w.operators and text not in ("为", "属于", "之一", "其中之一"):
        return OPPRE
    if text in _SYMBOL_OPS:
        return OPPRE
    if text in ("/", "／"):
        return PER  # 万元/亩: money per unit
    if text in ("&", "＆"):
        return LATIN  # R&D
    if text in ("低于", "高于", "少于", "多于", "大于", "小于", "超过", "达", "达到", "满", "突破", "不足",
                "不少", "不低", "不高", "不超"):
        return OPPRE
    if text in w.negations or text == "不":
        return NEG
    if text in ("上", "当", "近", "本"):
        return PMOD
    if text in ("“", "”", "「", "」", '"', "‘", "’"):
        return QUOTE
    if text == "、":
        return LIST
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9+\-]*", text):
        return LATIN  # AAA, MAH, 5G: part of a name
    if not _CJK_RE.search(text):
        return PUNCT
    if text in _FILLS:
        return FILL
    if text in _STOPS:
        return STOP
    if text in w.honour_verbs:
        return HVERB
    if text in _AUX:
        return AUX
    if text in w.attributes and w.attributes[text] in w.numeric:
        return ATTR
    if text.endswith(w.measure_heads):
        return MEAS
    if text in w.yes_no_verbs:
        return YVERB
    if text.endswith(w.kind_heads):
        return KIND
    return WORD


if not Token.has_extension("pk"):
    Token.set_extension("pk", getter=lambda t: t.tag_ or tag_of(t.text))

_TAGGED = "policykg_pk_tagged"


def tagged(doc: Doc) -> Doc:
    """The doc with each token's tag in `Token.tag_` (once per doc; the pipeline has no tagger
    of its own), so the readings' Matcher compares a C attribute instead of calling Python."""
    if not doc.user_data.get(_TAGGED):
        for t in doc:
            t.tag_ = tag_of(t.text)
        doc.user_data[_TAGGED] = True
    return doc


def _t(tag: str | list[str], op: str | None = None) -> dict:
    d: dict = {"TAG": {"IN": tag} if isinstance(tag, list) else tag}
    if op:
        d["OP"] = op
    return d


# ---------------------------------------------------------------- the table
@dataclass(frozen=True)
class Reading:
    """One way of writing a condition."""

    name: str
    patterns: list[list[dict]]
    build: Callable[[Span], list[Found]]
    examples: tuple[tuple[str, tuple[str, ...]], ...] = ()  # text → the criteria it gives (describe())
    doc: str = ""
    gives: tuple[str, ...] = ()  # the kinds of what it reads, when not (only) its own name

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.gives or (self.name,)


def _number(toks: list[Token], i: int) -> tuple[float, str, str, int] | None:
    """The number at toks[i] with its multiplier and unit: (value, kind, unit, next index)."""
    t = toks[i]
    if t._.pk == PCT:
        return float(t.text[:-1]), "ratio", "%", i + 1
    if t._.pk != NUM:
        return None
    raw, j = t.text, i + 1
    mul = unit = ""
    if j + 3 < len(toks) and toks[j].text in _OPEN_BRACKETS and toks[j + 1]._.pk == INCL \
            and toks[j + 2].text in _CLOSE_BRACKETS and toks[j + 3]._.pk == UNIT:
        j += 3  # 30（含）家以上: the note before the unit
    while j < len(toks) and (toks[j]._.pk in (MUL, MONEY, UNIT) or toks[j].text == "年") and not unit:
        x = toks[j].text
        if toks[j]._.pk in (MUL, MONEY) and toks[j].text != "年":
            mul = mul or _MULS[x]
            unit = "元" if x.endswith("元") else unit
        else:
            unit = "%" if x in ("%", "％") else x
        j += 1
    if unit == "个" and j < len(toks) and toks[j].text == "月":
        unit, j = "个月", j + 1  # 6个月
    money = unit == "元" or (mul and not unit)
    if money and j < len(toks) and toks[j].text == "人民币":
        j += 1
    if money and j + 1 < len(toks) and toks[j]._.pk == PER and (toks[j + 1]._.pk == UNIT or toks[j + 1].text in _TIME_UNITS):
        return money_to_yuan(raw, mul or None), "quantity", "元/" + toks[j + 1].text, j + 2  # 200万元/亩: per unit
    if money:
        return money_to_yuan(raw, mul or None), "money", "元", j
    if unit == "%":
        return float(raw), "ratio", "%", j
    if unit:
        w = words()
        value = float(raw) * {"万": 10_000, "亿": 100_000_000}.get(mul, 1)
        return value, "count" if unit in w.count_units else "quantity", unit, j
    return None


_PRE_OPS = {"低于": "lt", "少于": "lt", "不足": "lt", "小于": "lt", "高于": "gt", "多于": "gt", "大于": "gt",
            "超过": "gt", "突破": "gt", "达": "ge", "达到": "ge", "满": "ge", **_SYMBOL_OPS,
            # jieba cuts 不少于 / 不低于 / 不高于 / 不超过 as 不少 + 于 … when the text around them says so
            "不少": "ge", "不低": "ge", "不高": "le", "不超": "le"}
_NOT_PRE = {"低于": "ge", "少于": "ge", "高于": "le", "超过": "le", "大于": "le", "小于": "ge"}
_POST_OPS = {"以上": "ge", "及以上": "ge", "以下": "le", "及以下": "le", "以内": "le"}
# 超过5000万元及以上 / 超过1000万元（含）: the bound is included after all
_INCLUSIVE = {"gt": "ge", "lt": "le"}
_CAP = re.compile(r"最多|最高|不能|不得|不超过")
_GRANTED = re.compile(r"补助|补贴|资助|奖励|给予|拨付|贴息|收费|最高|最多")


def normalise(phrase: str) -> tuple[str, str | None]:
    """A measure phrase without the words around it, and the period it names:
    年销售额 → (销售额, 年度), 企业上年度设备投资额 → (设备投资额, 上年度)."""
    w = words()
    period = None
    s = phrase.strip("“”\"'「」《》（）() 、，")
    for _ in range(3):
        for sub in sorted(w.subjects, key=len, reverse=True):
            if s.startswith(sub) and len(s) > len(sub) + 1:
                s = s[len(sub):].lstrip("的")
        for p in sorted(w.periods, key=len, reverse=True):
            if s.startswith(p) and len(s) > len(p) + 1:
                period = period or p
                s = s[len(p):].removeprefix("内").lstrip("的")  # 年度内完成…: within the year
    period = {"年": "年度", "全年": "年度", "上年": "上年度", "上一年": "上年度", "上一年度": "上年度",
              "当年": "当年度", "本年度": "当年度"}.get(period or "", period)
    return s, period


def _attribute(phrase: str) -> str | None:
    """The ontology's attribute a phrase names (a label or alias), if any."""
    w = words()
    key = w.attributes.get(phrase) or w.attributes.get(phrase.replace("的", ""))
    return key if key in w.numeric else None


def open_id(phrase: str) -> str:
    """The stable id of an open attribute: its normalised phrase."""
    return OPEN + re.sub(r"\s+", "", phrase)


def _threshold(span: Span) -> list[Found]:
    # the span and what follows it in its sentence: a list of tiers may go on (、2000万元、5000万元、1亿元…)
    doc = span.doc
    stop = span.end
    while stop < len(doc) and stop - span.end < 80 and doc[stop].text not in ("，", "。", "；", ",", ";", "：", "\n"):
        stop += 1
    toks = list(doc[span.start:stop])
    # the measure: the words before the operator / number
    i = next((k for k, t in enumerate(toks) if t._.pk in (NUM, PCT)), None)
    if i is None:
        return []
    j = i
    op_word = ""
    neg = False
    while j > 0 and (toks[j - 1]._.pk in (OPPRE, NEG, FILL, AUX) or toks[j - 1].text == "人民币"):
        j -= 1
        if toks[j]._.pk == OPPRE:
            op_word = toks[j].text
        elif toks[j]._.pk == NEG:
            neg = True
    head = [t for t in toks[:j] if t._.pk not in (PMOD,)]
    first = _number(toks, i)
    kinds: list[Found] = []
    cut = max((k for k, t in enumerate(head) if t._.pk == KIND), default=None)
    if cut is not None and 0 < len(head) - cut - 1 and first and first[1] in ("money", "ratio"):
        # 个体工商户注册资本5万元以下 / 工业企业年研发投入300万元以上: the kind of firm, then its own figure
        kinds = _firm_kind(doc[head[0].i:head[cut].i + 1])
        head = head[cut + 1:] if kinds else head
    phrase = "".join(t.text for t in head)
    pmod = "".join(t.text for t in toks[:j] if t._.pk == PMOD)
    if not phrase:
        return []
    name, period = normalise(phrase)
    if name in _TOTALS and span.start >= 2 and doc[span.start - 1].text in ("，", ",") \
            and doc[span.start - 2]._.pk in (MEAS, ATTR):
        name, period = normalise(doc[span.start - 2].text)  # 研发费用，总额在30万元以上: the figure just named
        lead = span.start - 2
    else:
        lead = head[0].i if kinds else span.start
    back = lead - 1
    while period is None and back >= 0 and lead - back <= 8 and doc[back]._.pk != PUNCT and doc[back].text != "的":
        if doc[back]._.pk == PERIOD:
            # 当年度直接调增市内企业销售收入在3000万元以上: the period said before the measure's words
            period = normalise(doc[back].text + "额")[1]
            pmod = pmod or (doc[back - 1].text if back > 0 and doc[back - 1]._.pk == PMOD else "")
        back -= 1
    if pmod and period in ("年度", None) and pmod in ("上", "当", "本"):
        period = {"上": "上年度", "当": "当年度", "本": "当年度"}[pmod]
    if len(_CJK_RE.findall(name)) < 2 or (i and toks[i - 1].text == "第"):
        return []
    # a measure, or a number of things (入驻创业团队达到10家以上) / a length of time (正常经营6个月以上)
    counted = not name.endswith(words().measure_heads + tuple(words().attributes))
    out: list[Found] = []
    k = i
    shared_post = None
    items: list[tuple[int, int, float, str, str, str | None, bool]] = []  # start, end, value, kind, unit, post, 含
    while k < len(toks):
        num = _number(toks, k)
        if num is None:
            break
        value, kind, unit, e = num
        incl = False
        while e < len(toks) and (toks[e].text in _OPEN_BRACKETS + _CLOSE_BRACKETS or toks[e]._.pk == INCL):
            incl = incl or toks[e]._.pk == INCL
            e += 1
        if e + 1 < len(toks) and toks[e].text in ("及", "或") and toks[e + 1]._.pk == OPPOST:
            incl, e = True, e + 1  # 及以上
        post = toks[e].text if e < len(toks) and toks[e]._.pk == OPPOST else None
        if post:
            e += 1
            shared_post = shared_post or post
        items.append((k, e, value, kind, unit, post, incl))
        # one more value of a list of tiers: 、1000万元（含）以上 / 和1亿元及以上
        if e + 1 < len(toks) and toks[e].text in ("、", "和", "及", "或") and toks[e + 1]._.pk in (NUM, PCT):
            k = e + 1
            continue
        break
    if not items:
        return []
    if counted and items[-1][1] < len(toks) and toks[items[-1][1]]._.pk in (WORD, MEAS, ATTR, KIND):
        return []  # 拥有3件以上发明专利: the number counts the noun after it
    for n, (s_tok, e_tok, value, kind, unit, post, incl) in enumerate(items):
        if op_word:
            op = (_NOT_PRE if neg else _PRE_OPS).get(op_word) or words().operators.get(("不" if neg else "") + op_word)
            if op in _INCLUSIVE and incl and _POST_OPS.get(post or shared_post or "", _INCLUSIVE[op]) == _INCLUSIVE[op]:
                op = _INCLUSIVE[op]
        else:
            op = _POST_OPS.get(post or shared_post or "")
        if op is None and post:
            op = _POST_OPS.get(post)
        if op is None:
            continue
        label = name
        if counted and (kind not in ("count", "quantity") or unit.startswith("元") or op not in ("ge", "gt")):
            continue  # 同一企业项目不超过2项: a cap on what is granted, not a figure of the firm
        if counted and (_CAP.search(name) or unit not in _TIME_UNITS and all(t._.pk == YVERB for t in head)):
            continue  # 最多不能超过3家: a cap; 拥有3件: what is had is not said
        if unit in _TIME_UNITS:
            label = name if name.endswith(("期", "期限", "年限", "时间", "时长")) else name + "时间"  # 缴纳社保满1年: for how long
        elif counted and kind == "count" and not name.endswith(("数", "量")):
            label = name + "数"  # 提供岗位150个以上: how many
        key = _attribute(name) or _attribute(phrase)
        if kind == "ratio" and not key and not name.endswith(_RATIO_HEADS):
            continue  # 募集资金80%以上投资在本区: a share of the figure, said of something else
        a = attribute_table().get(key) if key else None
        if a is not None and (a.unit or "元") != unit and not (a.value_type == "count"):
            key = None  # the ontology's attribute is measured in another unit: keep the phrase
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        start = lead if n == 0 else toks[s_tok].i
        text = span.doc[start:toks[e_tok - 1].i + 1].text
        if key:
            c = Criterion(key, op, value, unit if unit != "元" else "元", period, text=text)
        else:
            c = Criterion(open_id(label), op, value, unit, period, text=text, label=label, value_type=kind)
        out.append(Found(span.doc[start].idx, span.doc[start:toks[e_tok - 1].i + 1].end_char, c, kind="threshold"))
    return kinds + out if out else []


def _range(span: Span) -> list[Found]:
    """实际投资额在1000万元-2000万元的: at least the first value, less than the second (at most, when
    it says 含); 对2000万元-5000万元规上企业: a firm of that size is one of that revenue."""
    toks = list(span)
    nums = [k for k, t in enumerate(toks) if t._.pk in (NUM, PCT)]
    if len(nums) != 2:
        return []
    phrase = "".join(t.text for t in toks[:nums[0]] if t._.pk not in (FILL, OPPRE, PMOD))
    name, period = normalise(phrase)
    lo, hi = _number(toks, nums[0]), _number(toks, nums[1])
    if hi and not lo and toks[nums[0]]._.pk == NUM:  # 5-10万元: the first value in the second's unit
        lo = (float(toks[nums[0]].text) * hi[0] / float(toks[nums[1]].text), hi[1], hi[2], nums[0] + 1)
    if not lo or not hi:
        return []
    key = _attribute(name)
    if not phrase:
        after = span.doc[span.end] if span.end < len(span.doc) else None
        if hi[1] != "money" or after is None or after._.pk != KIND or not after.text.endswith("企业"):
            return []
        key = "revenue"
    elif len(_CJK_RE.findall(name)) < 2:
        return []
    if lo[2] != hi[2] and not (lo[1] == "money" and hi[1] == "money"):
        lo = (lo[0], hi[1], hi[2], lo[3])
    hi_op = "le" if any(t._.pk == INCL for t in toks[nums[1]:]) else "lt"
    text = span.text
    out = []
    for op, (value, kind, unit, _) in (("ge", lo), (hi_op, hi)):
        value = int(value) if isinstance(value, float) and value.is_integer() else value
        c = Criterion(key, op, value, unit, period, text=text) if key else \
            Criterion(open_id(name), op, value, unit, period, text=text, label=name, value_type=kind)
        out.append(Found(span.start_char, span.end_char, c, kind="range"))
    return out


_RATIO_HEADS = ("率", "比例", "比重", "占比", "增幅", "增速", "增长", "比")
_TOTALS = ("总额", "金额", "合计", "总计", "累计", "额度")
_QUOTES = "“”\"'「」《》"


def honour_name(text: str) -> str:
    s = text.strip(_QUOTES + "（）() 、，的")
    s = re.sub(r"[“”\"'「」]", "", s)
    s = re.sub(r"(?:称号|荣誉称号|荣誉|认定|资格|名单|名录)$", "", s) or s
    return s.strip("的")


def _a_place(name: str) -> bool:
    """浙江省 / 温岭市: a place, not an honour (列入浙江省… is read by what follows)."""
    return len(name) <= 6 and name.endswith(("省", "市", "县", "区", "镇", "乡", "街道")) and is_place_name(name)


def _distributed(name: str) -> list[str]:
    """国家级、省级特色商业街 → 国家级特色商业街, 省级特色商业街; 五星级、四星级文明规范市场 → two names."""
    parts = name.split("、")
    if len(parts) < 2:
        return [name]
    m = re.match(r"(.{1,5}?(?:星级|级|等))(?:的)?(.{2,})", parts[-1])
    if m and all(len(p) <= 6 and p.endswith(("级", "星级", "星", "等")) for p in parts[:-1]):
        return [p + m[2] for p in parts[:-1]] + [m[1] + m[2]]
    return [name]


def _honour(span: Span) -> list[Found]:
    """获得“浙江老字号”称号 / 认定为国家级、省级特色商业街 / 列入…名单: the firm holds it (by name)."""
    toks = list(span)
    v = next(k for k, t in enumerate(toks) if t._.pk == HVERB)
    neg = any(t._.pk == NEG for t in toks[:v])
    rest = toks[v + 1:]
    if rest and rest[0].text == "为":
        rest = rest[1:]
    body = "".join(t.text for t in rest)
    # …称号的企业 / …名单的单位: the honour ends where the applicant it describes starts
    head, sep, tail = body.rpartition("的")
    if sep and (tail in words().subjects or tail.endswith(words().kind_heads) and len(tail) <= 6):
        body = head
    name = honour_name(body)
    if len(_CJK_RE.findall(name)) < 3 or _generic(name) or _a_place(name):
        return []
    w = words()
    # 国家级、省级特色商业街: one honour per level named
    names = _distributed(name)
    out = []
    for n in names:
        q = w.qualifications.get(n)
        if q:
            c = Criterion("qualification", "has", q, text=span.text)
        else:
            c = Criterion(open_id(n), "true", True, text=span.text, label=n, value_type="boolean")
        out.append(Found(span.start_char, span.end_char, c, negated=neg, kind="honour"))
    return out


def _firm_kind(span: Span) -> list[Found]:
    """工业企业 / 物流企业 / 个体工商户 / 电子商务专业村: who the clause is for, by kind."""
    if any(t.text in _QUOTES for t in span) or (span.start and span.doc[span.start - 1].text in _QUOTES) \
            or _in_quotes(span):
        return []  # 的“航母”工业企业 / “亩税贡献先进企业”: a name the clause gives, not a kind of firm
    if span[0]._.pk == STOP and span.end < len(span.doc) and span.doc[span.end]._.pk in (WORD, KIND, MEAS, ATTR):
        return []  # 对高校毕业生: the kind word names whose people or things, not who the clause is for
    name = "".join(t.text for t in span if t._.pk not in (STOP, AUX)).strip("的")
    name = _PLACE_IN.sub("", _LEAD_STOP.sub("", name))  # 区内设计企业: a 设计企业 (the place readings say where)
    if _PLACE_WITHIN.search(name[1:]) or any(t._.pk in (YVERB, PERIOD) for t in span):
        return []  # 将产品回归市内企业 / 当年度直接调增市内企业: what firms do, said around a kind word
    w = words()
    if name in w.kind_heads and name not in w.subjects and len(name) >= 2:
        pass  # 对银行 / 个体工商户: the kind word alone names the kind
    elif name in w.subjects or len(_CJK_RE.findall(name)) < 3 or _PLACE_LIKE.match(name) or _generic(name):
        return []
    q = w.qualifications.get(name)
    neg = bool(span.start > 0 and span.doc[span.start - 1]._.pk == NEG)
    c = Criterion("qualification", "has", q, text=span.text) if q else \
        Criterion(open_id(name), "true", True, text=span.text, label=name, value_type="boolean")
    return [Found(span.start_char, span.end_char, c, negated=neg, kind="firm_kind")]


# 本地企业 / 我市企业: firms of a place (the place readings say which), not a kind
_PLACE_LIKE = re.compile(r"^(?:[本我该全]|(?:市|区|县|省|镇|园区?)(?:内|外))")
_PLACE_IN = re.compile(r"^(?:市|区|县|省|镇|园区?)内(?=.{2})")
_PLACE_WITHIN = re.compile(r"(?:市|区|县|省|镇)(?:内|外)|本地|[本我](?:市|区|县|省)")


def _generic(name: str) -> bool:
    """国家级、省级 / 示范企业 / 相关企业: levels and generic words only, no name."""
    rest = re.sub(r"(?:国家|省|市|县|区)级?|以上|及|、|和|或|的|相关|有关|其他|其它|各类|示范|重点|同一|单个|单家|每家|每个|各", "", name)
    rest = re.sub("|".join(sorted(words().kind_heads, key=len, reverse=True)), "", rest)
    return len(_CJK_RE.findall(rest)) < 2


_LEAD_STOP = re.compile("^(?:" + "|".join(sorted(_STOPS, key=len, reverse=True)) + ")+")
# what a grant gives, how a figure is counted, a rule of the scheme: not something a firm answers
_NOT_YES_NO = re.compile(r"^(?:每|将|可|符合以下|符合下列|以下|下列)|可申请|可放宽|之一$|给予|予以|奖励|补助|补贴|资助|按[^，。；]{0,20}(?:计算|为准)|以[^，。；]{0,20}为准|范围$|标准$|方式$|程序$|办法$")
_YES_NO_TRIM = re.compile(r"^(?:对于?|凡是?|是|且|并|同时|已经?|均|须|需|应当?|必须|能够?|以及|及|和|要|的)+|(?:的|者|后|前)+$")
# …注册证书的企业 / …的单位: the applicant the condition describes, not part of it
_YES_NO_SUBJECT = re.compile(r"(?<=[\u4e00-\u9fff）)”])的(?:各类)?(?:企业|单位|公司|机构|项目|主体|个人|人员|法人)$")


_PAIRS = (("“", "”"), ("「", "」"), ("《", "》"), ("（", "）"), ("(", ")"))


def _balanced(text: str) -> bool:
    """Every quotation mark and bracket opened in `text` is closed in it, in order."""
    for o, c in _PAIRS:
        depth = 0
        for ch in text:
            depth += (ch == o) - (ch == c)
            if depth < 0:
                return False
        if depth:
            return False
    return True


def _in_quotes(span: Span) -> bool:
    """The span starts inside a “…” opened earlier in its sentence (a name, not a reading)."""
    depth, i = 0, span.start - 1
    while i >= 0 and span.doc[i].text not in ("。", "；", ";", "\n"):
        depth += (span.doc[i].text == "“") - (span.doc[i].text == "”")
        i -= 1
    return depth > 0


def yes_no(text: str, start: int, end: int, *, quote: str | None = None) -> Found | None:
    """拥有自主知识产权 / 已签订服务协议 / 经市商务局认定: a yes/no condition a firm can answer
    (`text` without its notes; `quote` the clause's own words). A stretch that opens or closes a
    quotation or bracket it does not finish (开展“十强企业”、“亩) is a piece of something longer: None."""
    if not _balanced(text):
        return None
    s = _YES_NO_TRIM.sub("", text.strip(" \t\u3000，、；：:"))
    neg = False
    for n in sorted(words().negations, key=len, reverse=True):
        if s.startswith(n) and len(s) > len(n) + 2:
            s, neg = s[len(n):], True
            break
    s = _YES_NO_TRIM.sub("", s)
    if len(_CJK_RE.findall(s)) < 4 or len(s) > 30 or _NOT_YES_NO.search(s) or s.endswith(("通过", "认定为")):
        return None
    s = re.sub(r"^[（(][^）)]{1,6}[）)]", "", s)  # （单位）必须依法经营: who, said in brackets
    s = _YES_NO_TRIM.sub("", _YES_NO_SUBJECT.sub("", s))
    if len(_CJK_RE.findall(s)) < 4:
        return None
    known = words().attributes.get(s)
    if known and attribute_table()[known].value_type == "boolean":  # 依法纳税 / 账证健全: the ontology names it
        return Found(start, end, Criterion(known, "true", True, text=(quote or text).strip()), negated=neg, kind="yes_no")
    c = Criterion(open_id(s), "true", True, text=(quote or text).strip(), label=s, value_type="boolean")
    return Found(start, end, c, negated=neg, kind="yes_no")


def _share(span: Span) -> list[Found]:
    """知识产权融资额度超过投贷总额的50%: the share of one figure in another (知识产权融资额度占投贷总额比例 > 50%)."""
    toks = list(span)
    o = next(k for k, t in enumerate(toks) if t._.pk == OPPRE)
    p = next(k for k, t in enumerate(toks) if t._.pk == PCT)
    part, period = normalise("".join(t.text for t in toks[:o] if t._.pk not in (PMOD, FILL, AUX, NEG)))
    whole, _ = normalise("".join(t.text for t in toks[o + 1:p] if t.text != "的"))
    if len(_CJK_RE.findall(part)) < 2 or len(_CJK_RE.findall(whole)) < 2 or _GRANTED.search(part):
        return []  # 单个项目补助额不超过设备投资额的50%: how much is granted, not a figure of the firm
    neg = any(t._.pk == NEG for t in toks[:o])
    op = (_NOT_PRE if neg else _PRE_OPS).get(toks[o].text) or words().operators.get(("不" if neg else "") + toks[o].text)
    post = next((t.text for t in toks[p + 1:] if t._.pk == OPPOST), None)
    op = op or _POST_OPS.get(post or "")
    if op in _INCLUSIVE and any(t._.pk == INCL for t in toks[p + 1:]):
        op = _INCLUSIVE[op]
    if op is None:
        return []
    name = f"{part}占{whole}比例"
    key = _attribute(name)
    value = float(toks[p].text[:-1])
    value = int(value) if value.is_integer() else value
    c = Criterion(key, op, value, "%", period, text=span.text) if key else \
        Criterion(open_id(name), op, value, "%", period, text=span.text, label=name, value_type="ratio")
    return [Found(span.start_char, span.end_char, c, kind="threshold")]


def _term(span: Span) -> list[Found]:
    """签订3年及以上劳动合同: the agreement's term (劳动合同期限 ≥ 3年)."""
    toks = list(span)
    o = next(k for k, t in enumerate(toks) if t._.pk == OPPOST)
    noun = "".join(t.text for t in toks[o + 1:]).lstrip("的")
    if not noun.endswith(words().term_nouns) or len(_CJK_RE.findall(noun)) < 2:
        return []
    num = _number(toks, next(k for k, t in enumerate(toks) if t._.pk == NUM))
    op = _POST_OPS.get(next(t.text for t in span if t._.pk == OPPOST))
    if num is None or num[2] not in _TIME_UNITS or op is None:
        return []
    value = int(num[0]) if float(num[0]).is_integer() else num[0]
    name = noun + "期限"
    c = Criterion(open_id(name), op, value, num[2], None, text=span.text, label=name, value_type=num[1])
    return [Found(span.start_char, span.end_char, c, kind="threshold")]


_MEASURE = _t([WORD, MEAS, ATTR, KIND, YVERB, LATIN, PERIOD], "*")  # 新产品年销售收入, R&D经费投入
_UNITS = [_t([MUL, MONEY, UNIT, PERIOD, PER], "*"), {"ORTH": {"IN": ["月", "人民币"]}, "OP": "?"}]  # 6个月, 万元/亩
_NOTE = [{"ORTH": {"IN": list(_OPEN_BRACKETS)}}, _t(INCL), {"ORTH": {"IN": list(_CLOSE_BRACKETS)}}]  # （含）
_DASH = {"ORTH": {"IN": ["-", "—", "－", "~", "～", "至", "到"]}}
_NOTE_OPT = [{"ORTH": {"IN": list(_OPEN_BRACKETS)}, "OP": "?"}, _t(INCL, "?"), {"ORTH": {"IN": list(_CLOSE_BRACKETS)}, "OP": "?"}]
READINGS: tuple[Reading, ...] = (
    Reading(
        "range",
        [[*lead, _t(NUM), *_UNITS, *lo_note, _DASH, _t(NUM), _t([MUL, MONEY, UNIT, PERIOD, PER], "+"), *_UNITS[1:], *hi_note]
         for lead in ([_t(PMOD, "?"), _t(PERIOD, "?"), _MEASURE, _t([MEAS, ATTR]), _t(FILL, "?")], [])
         for lo_note in ([], _NOTE) for hi_note in ([], _NOTE)],
        _range,
        (("实际投资额在1000万元-2000万元的", ("实际投资额≥1000万元", "实际投资额<2000万元")),
         ("地方留成部分总额在1000万元（含）-2000万元人民币的", ("地方留成部分总额≥1000万元", "地方留成部分总额<2000万元")),
         ("注册资本5-10万元（含5万元、不含10万元）的", ("注册资本≥5万元", "注册资本<10万元")),
         ("营业收入1亿元-5亿元（含）的", ("营业收入≥1亿元", "营业收入≤5亿元")),
         ("对2000万元-5000万元规上企业", ("营业收入≥2000万元", "营业收入<5000万元"))),
        "a measure between two values: at least the first, less than the second (at most, with 含); "
        "a range of money before a kind of firm is its revenue",
    ),
    Reading(
        "share",
        [[_t(PMOD, "?"), _t(PERIOD, "?"), _MEASURE, _t([MEAS, ATTR, WORD, KIND]), _t([FILL, AUX], "*"), _t(NEG, "?"), _t(OPPRE),
          _t([WORD, MEAS, ATTR, KIND, YVERB, LATIN, PERIOD, FILL], "*"), _t([MEAS, ATTR]), {"ORTH": "的", "OP": "?"}, _t(PCT),
          *_NOTE_OPT, _t(OPPOST, "?")]],
        _share,
        (("知识产权融资额度超过投贷总额的50%", ("知识产权融资额度占投贷总额比例>50%",)),
         ("单个项目补助额不超过设备投资额的50%", ()),
         ("招用重点人群达到企业现有在岗职工总数20%以上", ("招用重点人群占现有在岗职工总数比例≥20%",))),
        "one figure against a share of another: the ratio of the two",
        ("threshold",),
    ),
    Reading(
        "term",
        [[_t(YVERB, "?"), _t(NUM), {"ORTH": {"IN": ["年", "个"]}}, {"ORTH": "月", "OP": "?"}, *_NOTE_OPT, {"ORTH": "及", "OP": "?"}, _t(OPPOST),
          {"ORTH": "的", "OP": "?"}, _t([WORD, YVERB], "?"), _t(WORD)]],
        _term,
        (("签订3年及以上劳动合同", ("劳动合同期限≥3年",)),
         ("签订1年以上劳动合同、依法缴纳社会保险费", ("劳动合同期限≥1年",)),
         ("需与用人单位签订3年以上聘用合同", ("聘用合同期限≥3年",))),
        "the length of an agreement, said before it: 签订3年以上劳动合同",
        ("threshold",),
    ),
    Reading(
        "threshold",
        [[_t(PMOD, "?"), _t(PERIOD, "?"), {"ORTH": "新", "OP": "?"}, _MEASURE, _t([MEAS, ATTR, WORD, KIND, YVERB]),
          _t([FILL, AUX], "*"), _t(NEG, "?"),
          _t(OPPRE, "?"), {"ORTH": "人民币", "OP": "?"}, _t([NUM, PCT]), *_NOTE_OPT, *_UNITS, *_NOTE_OPT, _t(OPPOST, "?"),
          {"ORTH": {"IN": ["、", "和", "及", "或"]}, "OP": "?"}, _t([NUM, PCT], "?"), *_UNITS, *_NOTE_OPT, _t(OPPOST, "?")]],
        _threshold,
        (("上年度设备投资额在1000万元（含）以上的", ("上年度设备投资额≥1000万元",)),
         ("年网络零售额达到50万元以上", ("年度网络零售额≥50万元",)),
         ("当年度直接调增市内企业销售收入在3000万元以上的", ("当年度直接调增市内企业销售收入≥3000万元",)),
         ("服务对象中东阳企业数达到30家的", ("服务对象中东阳企业数≥30家",)),
         ("营业面积达到5000平方米", ("营业面积≥5000平方米",)),
         ("年销售额在500万元（含）以上、1000万元（含）以上的", ("年度营业收入≥500万元", "年度营业收入≥1000万元")),
         ("实到注册资本不低于5000万元", ("实到注册资本≥5000万元",)),
         ("核定的投资强度≥200万元/亩", ("投资强度≥200万元/亩",)),
         ("拥有3件以上发明专利的", ()),
         ("固定资产投资10亿元以上的", ("固定资产投资≥10亿元",)),
         ("企业存续期须8年（含）以上", ("存续期≥8年",)),
         ("经核定上年度R&D经费投入超过5000万元及以上的企业", ("上年度R&D经费投入≥5000万元",)),
         ("销售收入同比增幅达25%以上的", ("销售收入同比增幅≥25%",)),
         ("新产品年销售收入超过1000万元的企业", ("新产品年销售收入>1000万元",)),
         ("入驻创业团队达到10家以上", ("入驻创业团队数≥10家",)),
         ("组织参会企业达到30（含）家以上", ("参会企业数≥30家",)),
         ("且正常经营6个月以上的", ("经营时间≥6个月",)),
         ("每年在我县工作时间超过3个月的", ("我县工作时间>3个月",)),
         ("同一企业项目不超过2项", ()),
         ("但最多不能超过3家", ()),
         ("有效期6年以上", ("有效期≥6年",))),
        "a measure, an operator word before or after, a number and its unit; a number of things or a length "
        "of time named by what is counted (入驻创业团队达到10家以上); the kind of firm whose figure it is",
        ("threshold", "firm_kind"),
    ),
    Reading(
        "honour",
        [[_t(NEG, "?"), _t(HVERB), {"ORTH": "为", "OP": "?"},
          {"TAG": {"IN": [WORD, MEAS, KIND, YVERB, ATTR, LATIN, QUOTE, LIST, PERIOD]}, "OP": "+"},
          {"ORTH": "的", "OP": "?"}, {"TAG": {"IN": [WORD, MEAS, KIND, YVERB, ATTR, LATIN, QUOTE]}, "OP": "*"}]],
        _honour,
        (("获得“浙江老字号”称号的企业", ("企业资质：浙江老字号",)),
         ("认定为国家级、省级特色商业街的", ("国家级特色商业街", "省级特色商业街")),
         ("获得省级绿色企业称号的", ("省级绿色企业",)),
         ("首次被评为五星级、四星级文明规范市场的", ("五星级文明规范市场", "四星级文明规范市场")),
         ("对首次获得浙江省“AAA”守合同重信用公示企业的", ("浙江省AAA守合同重信用公示企业",)),
         ("列入省级绿色工厂名单的企业", ("省级绿色工厂",))),
        "an honour, title, qualification or list the firm holds, by its name",
    ),
    Reading(
        "firm_kind",
        [[{"TAG": {"IN": [WORD, MEAS, ATTR]}, "OP": "{1,4}"}, _t(KIND)],
         [{"ORTH": {"IN": ["对", "对于", "凡"]}}, _t(KIND)]],
        _firm_kind,
        (("完成减排目标任务的工业企业", ("工业企业",)),
         ("对物流企业", ("物流企业",)),
         ("将产品回归市内企业", ()),
         ("对银行为企业开展投贷联动融资服务的", ("银行",)),
         ("对高校毕业生", ()),
         ("区内设计企业合并", ("设计企业",)),
         ("单个企业不超过100万元", ())),
        "who the clause is for, by kind of firm (对银行…: the kind word alone)",
    ),
)


_matchers: dict[int, Matcher] = {}


def _matcher(vocab) -> Matcher:
    """The readings' Matcher for a vocabulary (one per pipeline; checked by identity, not by id alone)."""
    m = _matchers.get(id(vocab))
    if m is None or m.vocab is not vocab:
        m = Matcher(vocab)
        for r in READINGS:
            m.add(r.name, r.patterns, greedy="LONGEST")
        _matchers.clear()
        _matchers[id(vocab)] = m
    return m


BY_NAME = {r.name: r for r in READINGS}
_ORDER = {r.name: i for i, r in enumerate(READINGS)}


def read_span(span: Span | Doc) -> list[Found]:
    """Every criterion the readings find in a span of tokens, each token read once
    (an earlier row of the table wins over a later one, a longer match over a shorter)."""
    doc = tagged(span if isinstance(span, Doc) else span.doc)
    m = _matcher(doc.vocab)
    matches = m(span, as_spans=True)
    matches.sort(key=lambda s: (_ORDER[s.label_], -(s.end - s.start), s.start))
    taken: set[int] = set()
    out: list[Found] = []
    for s in matches:
        if any(i in taken for i in range(s.start, s.end)):
            continue
        found = BY_NAME[s.label_].build(s)
        if found:
            out.extend(found)
            taken.update(range(s.start, s.end))
    return sorted(out, key=lambda f: f.start)


@dataclass
class TokenIndex:
    """The pipeline's Docs of one text (cut in chunks at line ends), addressed by character offsets."""

    chunks: list[tuple[int, Doc]] = field(default_factory=list)
    # chunk ends, computed once: Doc.text joins every token again on each access
    ends: list[int] = field(default_factory=list)
    _read: dict[tuple[int, int], list[Found]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.ends:
            self.ends = [start + len(doc_text(doc)) for start, doc in self.chunks]

    def _chunk(self, a: int, b: int) -> tuple[int, Doc] | None:
        k = bisect.bisect_left(self.ends, b)
        if k < len(self.chunks) and self.chunks[k][0] <= a:
            return self.chunks[k]
        return None

    def span(self, a: int, b: int) -> Span | None:
        found = self._chunk(a, b)
        if found is None:
            return None
        start, doc = found
        return doc.char_span(a - start, b - start, alignment_mode="expand")

    def read(self, a: int, b: int) -> list[Found]:
        """The readings of text[a:b] with offsets in the whole text (read once per range)."""
        if (a, b) in self._read:
            return [replace(f) for f in self._read[(a, b)]]
        out: list[Found] = []
        found = self._chunk(a, b)
        if found is not None:
            start, doc = found
            sp = doc.char_span(a - start, b - start, alignment_mode="contract")
            if sp is not None and len(sp):
                out = read_span(sp)
                for f in out:
                    f.start += start
                    f.end += start
        self._read[(a, b)] = out
        return [replace(f) for f in out]


_shared: dict[int, TokenIndex] = {}


def share_tokens(text: str, chunks: Iterable[tuple[int, Doc]]) -> None:
    """Hand the pipeline's Docs of `text` to criteria reading (the last document's only)."""
    _shared.clear()
    _shared[hash(text)] = TokenIndex(list(chunks))


def tokens_for(text: str) -> TokenIndex:
    """The Docs of `text`: the pipeline's when it shared them, else made here (tests, one-off reads)."""
    found = _shared.get(hash(text))
    if found is not None:
        return found
    nlp = build_pipeline()
    chunks, pos = [], 0
    for line in text.splitlines(keepends=True):
        chunks.append((pos, nlp.make_doc(line)))
        pos += len(line)
    index = TokenIndex(chunks)
    _shared.clear()
    _shared[hash(text)] = index
    return index
