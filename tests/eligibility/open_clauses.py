"""Hand-built clauses with open attributes, and random answers to the questions clauses ask:
shared by the engine-parity test and the convergence test (tests/app). Until criteria reading
gives open attributes, these make sure both are tried on them."""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from policykg.eligibility.engine import Condition, Criterion, in_unit
from policykg.eligibility.questions import MONEY_FACTOR, Question, question_for

L = Condition.leaf
EQUIPMENT = Criterion("open:设备投资额", "ge", 3_000_000, unit="元", period="上年度", label="设备投资额",
                      value_type="money", text="上年度设备投资额300万元以上")
ONLINE_SALES = Criterion("open:年网络零售额", "ge", 10_000_000, unit="元", label="年网络零售额", value_type="money",
                         text="年网络零售额1000万元以上")
IP = Criterion("open:拥有自主知识产权", "true", True, label="拥有自主知识产权", value_type="boolean", text="拥有自主知识产权")
GREEN = Criterion("open:省级绿色企业", "true", True, label="省级绿色企业", value_type="boolean", text="获得省级绿色企业称号")
INDUSTRIAL = Criterion("open:工业企业", "true", True, label="工业企业", value_type="boolean", text="工业企业")
SOLE_TRADER = Criterion("open:个体工商户", "true", True, label="个体工商户", value_type="boolean", text="个体工商户除外")
LAND = Criterion("open:新增用地面积", "ge", 20, unit="亩", label="新增用地面积", value_type="quantity", text="新增用地20亩以上")
CLIENTS = Criterion("open:服务本地企业数", "ge", 10, unit="家", label="服务本地企业数", value_type="count",
                    text="服务本地企业10家以上")
EXPORT_SHARE = Criterion("open:出口额占比", "gt", 30, unit="%", label="出口额占比", value_type="ratio", text="出口额占比30%以上")
PLACE = Criterion("registered_place", "eq", "嘉兴市", text="在嘉兴市注册")
HNTE = Criterion("qualification", "has", "高新技术企业", text="高新技术企业")
CENTRE = Criterion("platform", "has", "省级企业技术中心", text="省级企业技术中心")
REVENUE = Criterion("revenue", "ge", 5_000_000, unit="元", period="上年度", text="上年度营业收入500万元以上")

OPEN_CONDITIONS: tuple[Condition, ...] = (
    Condition.all_of(L(PLACE), L(EQUIPMENT)),
    Condition.all_of(L(PLACE), L(INDUSTRIAL), L(IP), Condition("NOT", (L(SOLE_TRADER),))),
    Condition.all_of(L(GREEN), Condition.any_of(L(HNTE), L(CENTRE))),
    Condition.any_of(L(ONLINE_SALES), Condition.all_of(L(CLIENTS), L(REVENUE))),
    Condition.all_of(L(LAND), Condition("NOT", (L(HNTE),)), L(EXPORT_SHARE)),
    Condition.all_of(L(IP), L(Criterion("no_major_violation", "true", True))),
)

# full addresses (a firm knows its county), and one too coarse to tell against most clauses
ADDRESSES = ("浙江省嘉兴市南湖区", "浙江省平湖市", "浙江省湖州市吴兴区", "浙江省台州市仙居县", "重庆市永川区", "浙江省湖州市")


def asked(conditions: Iterable[Condition | None]) -> dict[str, tuple[Question, list[float]]]:
    """Every question the conditions ask, with the thresholds they compare (in the question's unit)."""
    out: dict[str, tuple[Question, list[float]]] = {}
    for cond in conditions:
        for c in cond.criteria() if cond is not None else ():
            q = question_for(c)
            if q is None:
                continue
            _, limits = out.setdefault(q.id, (q, []))
            if q.answer_type == "number" and isinstance(c.value, int | float) and not isinstance(c.value, bool):
                v = c.value / MONEY_FACTOR if q.value_type == "money" else in_unit(c.value, c.unit, q.unit)
                if v is not None:
                    limits.append(v)
    return out


def random_answer(rng: random.Random, q: Question, limits: list[float]) -> Any:
    """An answer of the question's type, near a threshold when it has one."""
    if q.answer_type == "yes_no":
        return rng.random() < 0.5
    if q.answer_type == "number":
        base = rng.choice(limits) if limits else rng.choice([1, 50, 500])
        v = base * rng.choice([0, 0.5, 1, 1.5, 3])
        return round(v) if q.value_type == "count" else v
    if q.answer_type == "date":
        return f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    if q.answer_type == "choice":
        return rng.choice(q.choices)
    return rng.choice(ADDRESSES[:-1])
