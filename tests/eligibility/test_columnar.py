"""The columnar engine gives exactly the scalar engine's answer for every firm × clause."""

import random

from policykg.eligibility.columnar import CODES, FirmTable
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, evaluate

PLACES = ["浙江省嘉兴市南湖区", "浙江省湖州市", "嘉兴市", "重庆市永川区", None]
QUALS = ["高新技术企业", "科技型企业", "专精特新企业", None]


def random_firm(rng: random.Random, i: int) -> FirmProfile:
    facts = []
    if place := rng.choice(PLACES):
        facts.append(Fact("registered_place", place))
    for q in rng.sample(QUALS, rng.randint(0, 2)):
        if q:
            facts.append(Fact("qualification", q, date=f"20{rng.randint(15, 24)}-01-01"))
    for attr in ("revenue", "tax_paid", "employees"):
        if rng.random() < 0.6:
            facts.append(Fact(attr, rng.choice([0, 5e5, 5e6, 2e7, 9e7, 120]), year=2023,
                              unit=rng.choice(["元", "元", "USD"]) if attr != "employees" else "人"))
    if rng.random() < 0.5:
        facts.append(Fact("no_major_violation", rng.random() < 0.8))
    if rng.random() < 0.3:  # a platform list (a text column of lists) and a profile that holds no qualification
        facts.append(Fact("platform", rng.choice([[], ["省级企业技术中心"], ["市级众创空间", "省级企业技术中心"]])))
    if not any(f.attribute == "qualification" for f in facts) and rng.random() < 0.3:
        facts.append(Fact("qualification", "无"))
    return FirmProfile(str(i), f"企业{i}", facts)


def conditions():
    L = Condition.leaf
    place = L(Criterion("registered_place", "eq", "嘉兴市"))
    hnte = L(Criterion("qualification", "has", "高新技术企业"))
    tech = L(Criterion("qualification", "has", "科技型企业"))
    tax = L(Criterion("tax_paid", "ge", 5e6, unit="元"))
    rev = L(Criterion("revenue", "gt", 2e7, unit="元"))
    emp = L(Criterion("employees", "lt", 100, unit="人"))
    clean = L(Criterion("no_major_violation", "true", True))
    review = L(Criterion(None, "eq", None, text="其他", needs_review=True))
    centre = L(Criterion("platform", "has", "省级企业技术中心"))
    return [
        place, hnte, tax, review,
        Condition.all_of(place, Condition.any_of(hnte, tech), clean),
        Condition.any_of(Condition.all_of(rev, tax), Condition("NOT", (hnte,))),
        Condition.all_of(place, emp, review),
        Condition.any_of(review, tax),
        Condition.all_of(place, Condition.any_of(centre, hnte)),
    ]


def test_columnar_engine_equals_scalar_engine():
    rng = random.Random(7)
    firms = [random_firm(rng, i) for i in range(400)]
    table = FirmTable(firms)
    for cond in conditions():
        codes = table.evaluate(cond)
        for firm, code in zip(firms, codes):
            assert CODES[int(code)] is evaluate(cond, firm)[0], (cond, firm)
