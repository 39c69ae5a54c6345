"""Questions a firm can answer: one for each thing a clause asks that the firm has not said.

Every criterion the engine can read (`Criterion`, not ``needs_review``) gives a `Question`
(`question_for`): a stable id, Chinese text, the type and unit of the answer, and the attribute
the answer becomes a fact about. One question serves every clause that asks the same thing.

Question ids::

    revenue, tax_paid, registered_place …   an attribute of the attribute table: its key
    qualification:高新技术企业              a qualification, award or honour by name
    platform:省级企业技术中心               a platform by level and type
    open:设备投资额, open:拥有自主知识产权   an open attribute (one the ontology does not name yet)
    count:发明专利                          how many units a per-unit amount pays for (sets the estimate)

Answers (``{question id: value}``, JSON values) become facts (`answers_to_facts`) with source
``answer`` and the date they were given, like any other fact:

- ``yes_no``: ``true`` or ``false`` (a JSON boolean; not "yes", not 1). The fact is the boolean
  itself, under the question id as attribute — ``Fact("qualification:高新技术企业", False)``.
  That is how a "no" to a qualification or platform is kept: it says nothing about the others,
  and the engines read it before the profile's lists (`engine._membership`).
- ``number``: a finite JSON number in the question's unit, never negative for an amount, a
  count or a quantity, whole for a count. Money is asked in 万元 and stored in 元; a yearly
  attribute (营业收入) is asked for 上年度 and stored for the year before the answer's date.
- ``date``: ``"YYYY-MM-DD"``. ``choice``: one of the question's `choices`. ``text``: the
  registered place (an address works: 浙江省嘉兴市南湖区), read into 省 / 市 / 区县.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from policykg.core.errors import InvalidInput
from policykg.core.ontology import PKG, load_ontology
from policykg.core.places import level_labels, place_chain
from policykg.eligibility.attributes import YEAR, attribute, attribute_table
from policykg.eligibility.engine import (
    BOOLEAN,
    COUNT,
    MEMBERSHIP,
    NUMERIC,
    OPEN,
    PLACE,
    QUALIFICATION,
    BenefitTerm,
    Criterion,
    Fact,
    member_key,
)

ANSWER_TYPES = ("yes_no", "number", "date", "choice", "text")
SOURCE = "answer"  # the source of every fact an answer gives
MONEY_UNIT, MONEY_FACTOR = "万元", 10_000  # money is asked in 万元, kept in 元
LAST_YEAR = "上年度"

# How a name reads, for the wording of its yes/no question. A phrase that starts with a verb
# is asked as it is (拥有自主知识产权 → 是否拥有自主知识产权); a kind of firm is belonged to
# (工业企业 → 是否属于工业企业); anything else is an honour or title one is awarded.
VERB_STARTS = ("拥有", "具有", "具备", "已", "经", "通过", "签订", "建立", "建有", "设立", "开展", "参与", "参加",
               "承担", "获得", "获", "取得", "列入", "入选", "纳入", "评为", "认定为", "被", "属于", "是", "未", "无",
               "不", "依法", "按", "符合", "实现", "完成", "引进", "使用", "采用", "购买", "租用", "入驻", "落户", "在",
               "有", "从事", "开设", "配备", "提供", "执行", "遵守", "持有", "接受", "达到", "纳税")
KIND_STARTS = ("规模以上", "规上", "限额以上", "限上", "上市")
KIND_ENDS = ("企业", "公司", "单位", "机构", "工商户", "主体", "组织", "合作社", "农场")
HONOUR_WORDS = ("高新", "专精特新", "科技型", "小巨人", "独角兽", "瞪羚", "冠军", "领军", "示范", "优势", "标杆", "龙头",
                "高成长", "重点", "骨干", "绿色", "名牌", "商标", "老字号", "守合同", "星级", "先进", "优秀", "试点",
                "认定", "称号", "农业科技", "总部")
HONOUR_STARTS = ("国家", "全国", "中国", "中华", "省", "市级", "区级", "县级", "浙江")
AWARD_ENDS = ("奖", "认证")

_OPEN_ID = re.compile(r"open:\S.*")
_COUNT_ID = re.compile(r"count:\S.*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Question:
    """What to ask a firm, and how its answer becomes a fact.

    Attributes:
        id: stable id (see the module docstring); the key of its answer.
        text: the question in Chinese: 贵企业上年度设备投资额是多少（万元）？
        answer_type: yes_no | number | date | choice | text.
        unit: the unit the answer is given in (万元, 人, %, 亩); None when it has none.
        attribute: the attribute of the fact the answer gives (the id itself but for places).
        value: the qualification or platform a yes/no question names.
        choices: the answers a `choice` question takes.
        value_type: the value type of the fact (money, count, ratio, quantity, boolean …).
        fact_unit: the unit of the fact (元 for money, else `unit`).
        yearly: the answer is for 上年度: its fact is for the year before the answer's date.
    """

    id: str
    text: str
    answer_type: str
    unit: str | None = None
    attribute: str | None = None
    value: Any = None
    choices: tuple[str, ...] = ()
    value_type: str | None = None
    fact_unit: str | None = None
    yearly: bool = False

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "question": self.text, "answer_type": self.answer_type,
                             "unit": self.unit, "attribute": self.attribute}
        if self.choices:
            d["choices"] = list(self.choices)
        return d


# ---------------------------------------------------------------------------- wording
def _name_question(name: str) -> str:
    """贵企业是否拥有自主知识产权？ / 是否属于工业企业？ / 是否获得省级绿色企业认定/称号？"""
    if name.startswith(VERB_STARTS):
        return f"贵企业是否{name}？"
    if name.endswith(AWARD_ENDS):
        return f"贵企业是否获得{name}？"
    honour = name.startswith(HONOUR_STARTS + level_labels()) or any(w in name for w in HONOUR_WORDS)
    if name.startswith(KIND_STARTS) or (not honour and name.endswith(KIND_ENDS)):
        return f"贵企业是否属于{name}？"
    return f"贵企业是否获得{name}认定/称号？"


def _yes_no(qid: str, text: str, value: Any = None) -> Question:
    return Question(qid, text, "yes_no", attribute=qid, value=value, value_type=BOOLEAN)


def _number(qid: str, label: str, kind: str, unit: str | None, period: str | None, yearly: bool) -> Question:
    if kind == "money":
        asked, fact_unit = MONEY_UNIT, "元"
    else:
        asked = fact_unit = unit
    when = LAST_YEAR if yearly else (period or "的")
    text = f"贵企业{when}{label}是多少" + (f"（{asked}）" if asked else "") + "？"
    return Question(qid, text, "number", unit=asked, attribute=qid, value_type=kind, fact_unit=fact_unit,
                    yearly=yearly)


@lru_cache(maxsize=1)
def _industries() -> tuple[str, ...]:
    return tuple(c.pref_label for c in load_ontology().concepts(PKG.IndustryScheme))


def _of_attribute(key: str, c: Criterion | None = None) -> Question | None:
    """The question for an attribute of the table (not a qualification or platform by name)."""
    a = attribute(key)
    if a is None:
        return None
    kind = a.value_type
    if kind == PLACE:
        return Question(key, "贵企业的注册地是？（省、市、区县）", "text", attribute=key, value_type=kind)
    if kind == "industry":
        return Question(key, f"贵企业{a.label}是？", "choice", attribute=key, choices=_industries(), value_type=kind)
    if kind == "date":
        return Question(key, f"贵企业的{a.label}是？（年-月-日）", "date", attribute=key, value_type=kind)
    if kind == BOOLEAN:
        return _yes_no(key, _name_question(a.label))
    if kind in NUMERIC:
        unit = a.unit or (c.unit if c else None)
        if kind == "count" and c is not None and c.unit:
            unit = c.unit
        return _number(key, a.label, kind, unit, c.period if c else None, a.period == YEAR)
    return None


def _membership(kind: str, name: str) -> Question:
    qid = member_key(kind, name)
    text = _name_question(name) if kind == QUALIFICATION else f"贵企业是否建有{name}？"
    return _yes_no(qid, text, name)


def question_for(c: Criterion) -> Question | None:
    """The question whose answer settles the criterion; None for one needing review, or one
    no answer can settle (a qualification compared as a list, a text attribute)."""
    try:
        return _cached_question(c)
    except TypeError:  # a list value: not hashable
        return _question_for(c)


@lru_cache(maxsize=16384)
def _cached_question(c: Criterion) -> Question | None:
    return _question_for(c)


def _question_for(c: Criterion) -> Question | None:
    if c.needs_review or not c.attribute:
        return None
    kind = c.kind()
    if kind in MEMBERSHIP:
        if c.operator not in ("eq", "has") or not isinstance(c.value, str) or not c.value:
            return None
        return _membership(kind, c.value)
    if c.attribute.startswith(OPEN):
        label = c.label or c.attribute[len(OPEN):]
        if kind == BOOLEAN:
            return _yes_no(c.attribute, _name_question(label))
        if kind in NUMERIC:
            return _number(c.attribute, label, kind, c.unit, c.period, False)
        return None
    return _of_attribute(c.attribute, c)


def count_question(b: BenefitTerm) -> Question | None:
    """How many units a per-unit amount pays for (每件发明专利补助1万元 → 贵企业可申报的发明专利有多少（件）？):
    the answer sets the estimate, not the status; None when the amount is not per unit of a named thing."""
    key = b.count_key()
    if key is None or len(b.count_of or "") < 2 or b.count_of == b.per_unit:
        return None  # 每人 / 每家: the unit alone names nothing a firm could count apart from the clause
    return Question(key, f"贵企业可申报的{b.count_of}有多少（{b.per_unit}）？", "number", unit=b.per_unit,
                    attribute=key, value_type="count", fact_unit=b.per_unit)


def question_of_id(qid: str) -> Question | None:
    """The question an id names without a clause to ask it: an attribute of the table, or a
    qualification / platform by name; None for an open attribute (its type and unit are the
    criterion's) or an id that is not well formed."""
    if qid.startswith((OPEN, COUNT)):
        return None
    kind, sep, name = qid.partition(":")
    if sep:
        return _membership(kind, name) if kind in MEMBERSHIP and name.strip() == name and name else None
    if attribute(qid) is None or attribute(qid).value_type in MEMBERSHIP:
        return None
    return _of_attribute(qid)


def standing_questions() -> dict[str, Question]:
    """Questions any firm may answer whatever the clauses ask: every attribute of the table,
    and every qualification of the ontology's QualificationScheme by name."""
    out = {q.id: q for key in attribute_table() if (q := question_of_id(key)) is not None}
    for concept in load_ontology().concepts(PKG.QualificationScheme):
        q = _membership(QUALIFICATION, concept.pref_label)
        out[q.id] = q
    return out


ID_FORMS = ("an attribute key (revenue, registered_place …), qualification:<名称>, platform:<级别+类型>, "
            "open:<短语> or count:<所计之物>")


def check_id(qid: Any) -> str:
    """A well-formed question id, as it is.

    Raises:
        InvalidInput: not a string, or none of the id forms.
    """
    ok = isinstance(qid, str) and qid == qid.strip() and (
        bool(_OPEN_ID.fullmatch(qid) or _COUNT_ID.fullmatch(qid)) or question_of_id(qid) is not None)
    if not ok:
        raise InvalidInput(f"answers: {qid!r} is not a question id; an id is {ID_FORMS}",
                           hint="use the `id` of a question the match returned")
    return qid


# ---------------------------------------------------------------------------- answers → facts
def _iso(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"{what}: expected a date YYYY-MM-DD, not {value!r}")


def answers_to_facts(answers: Mapping[str, Any], *, on: str | dt.date,
                     known: Mapping[str, Question] | None = None) -> list[Fact]:
    """The facts a firm's answers give, each with source ``answer`` and date `on`.

    Args:
        answers: question id → the answer, as JSON values (see the module docstring).
        on: the ISO date the answers are given for (the facts' date).
        known: the questions that may be answered (those the clauses ask, `standing_questions`);
            when None, any well-formed id of the table or a qualification / platform, and yes/no
            answers to open attributes (an open number needs its question for its unit).

    Raises:
        InvalidInput: a malformed id, an id not in `known`, or an answer of the wrong type
            (a yes/no needs a JSON boolean, a number a finite JSON number, never negative for
            amounts, counts and quantities) — the message names the question id and what it takes.
    """
    day = _iso(on, "on")
    if not isinstance(answers, Mapping):
        raise InvalidInput("answers: expected an object of question id → answer")
    facts = []
    for qid, value in answers.items():
        check_id(qid)
        if known is not None:
            q = known.get(qid)
            if q is None:
                raise InvalidInput(f"answers: no clause asks the question {qid!r}",
                                   hint="answer the questions a match returned, by their `id`")
        else:
            q = question_of_id(qid)
            if q is None and qid.startswith(COUNT):
                raise InvalidInput(f"answer to {qid!r}: a count is read with the clause that asks it (its unit)",
                                   hint="answer it through a match, which knows the clauses")
            if q is None:  # an open attribute without its clause: only a yes/no can be read
                if not isinstance(value, bool):
                    raise InvalidInput(f"answer to {qid!r}: without the question, only true or false can be read "
                                       "(a number's unit comes from the clause that asks it)")
                q = _yes_no(qid, "")
        facts.append(_fact(q, value, day))
    return facts


def _fact(q: Question, value: Any, day: dt.date) -> Fact:
    on = day.isoformat()
    where = f"answer to {q.id!r}"
    if q.answer_type == "yes_no":
        if not isinstance(value, bool):
            raise InvalidInput(f"{where}: a yes/no question takes true or false (a JSON boolean), not {value!r}")
        return Fact(q.attribute, value, date=on, source=SOURCE)
    if q.answer_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"{where}: expected a finite number" + (f" in {q.unit}" if q.unit else "")
                               + f", not {value!r}")
        signed = q.value_type == "ratio" and q.id.startswith(OPEN)  # a growth rate may fall
        if value < 0 and not signed:
            raise InvalidInput(f"{where}: expected a number of zero or more" + (f" in {q.unit}" if q.unit else "")
                               + f", not {value!r}")
        if q.value_type == "count" and float(value) != int(value):
            raise InvalidInput(f"{where}: a count is a whole number, not {value!r}")
        v: float | int = value * MONEY_FACTOR if q.value_type == "money" else value
        v = round(v, 2)
        if float(v).is_integer():
            v = int(v)
        return Fact(q.attribute, v, unit=q.fact_unit, year=day.year - 1 if q.yearly else None, date=on,
                    source=SOURCE)
    if q.answer_type == "date":
        return Fact(q.attribute, _iso(value, where).isoformat(), date=on, source=SOURCE)
    if q.answer_type == "choice":
        if value not in q.choices:
            raise InvalidInput(f"{where}: expected one of {', '.join(q.choices)}, not {value!r}")
        return Fact(q.attribute, value, date=on, source=SOURCE)
    # text: the registered place
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: expected the registered place as text (省、市、区县), not {value!r}")
    chain = place_chain(value.strip())
    if not chain:
        raise InvalidInput(f"{where}: no 省, 市 or 区县 can be read from {value!r}",
                           hint="give it as 浙江省嘉兴市南湖区")
    return Fact(q.attribute, "".join(chain), date=on, source=SOURCE)


def answer_value(fact: Fact) -> Any:
    """The answer a fact from `answers_to_facts` gives back, in its question's unit (money in 万元)."""
    if fact.unit == "元" and isinstance(fact.value, int | float) and not isinstance(fact.value, bool):
        v = fact.value / MONEY_FACTOR
        return int(v) if float(v).is_integer() else v
    return fact.value
