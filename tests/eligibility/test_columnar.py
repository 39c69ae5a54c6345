"""The columnar engine gives exactly the scalar engine's answer for every firm × clause."""

import random

from policykg.app.matching import load_rules
from policykg.eligibility.columnar import CODES, FirmTable
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, evaluate, member_key
from policykg.eligibility.questions import SOURCE, answers_to_facts
from tests.eligibility.open_clauses import ADDRESSES, OPEN_CONDITIONS, asked, random_answer

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


# ---------------------------------------------------------------- the whole corpus, open attributes and answers
# some of them the dates of `random_firm`'s qualifications: an answer and a profile fact of the same day
ANSWER_DATES = ("2019-06-30", "2021-01-01", "2022-01-01", "2023-01-01", "2024-06-30")


def answering_firm(rng: random.Random, i: int, questions) -> FirmProfile:
    """A random firm (`random_firm`) that has also answered a random part of the questions,
    on one of a few dates (so answers are older or newer than its profile's facts)."""
    f = random_firm(rng, i)
    if rng.random() < 0.2:
        f.facts.append(Fact("registered_place", rng.choice(ADDRESSES)))  # 浙江省 alone is too coarse to tell
    share = rng.random() * 0.4
    answers = {qid: random_answer(rng, *questions[qid]) for qid in sorted(questions) if rng.random() < share}
    known = {qid: q for qid, (q, _) in questions.items()}
    f.facts += answers_to_facts(answers, on=rng.choice(ANSWER_DATES), known=known)
    for fact in list(f.facts):  # answers about what the profile lists, some of the same day, some saying no
        if fact.attribute == "qualification" and fact.value != "无" and rng.random() < 0.5:
            f.facts.append(Fact(member_key("qualification", fact.value), rng.random() < 0.5,
                                date=rng.choice([fact.date, *ANSWER_DATES]), source=SOURCE))
    if rng.random() < 0.3:
        day = rng.choice(ANSWER_DATES)
        f.facts.append(Fact("platform", rng.choice([["省级企业技术中心"], ["市级众创空间"]]), date=day))
        f.facts.append(Fact("platform:省级企业技术中心", rng.random() < 0.5, date=rng.choice([day, *ANSWER_DATES]),
                            source=SOURCE))
    return f


def test_columnar_engine_equals_scalar_engine_on_the_corpus_with_answers(corpus_store):
    """Every clause of the corpus and the hand-built open clauses, random firms with random facts and
    random answers to the questions those clauses ask: the same status for every (firm, clause)."""
    rules = load_rules(corpus_store.graph)
    conditions = [*(r.condition for r in rules), *(c for r in rules for c in r.benefit_conditions if c is not None),
                  *OPEN_CONDITIONS]
    questions = asked(conditions)
    assert {"open:设备投资额", "open:拥有自主知识产权", "qualification:高新技术企业", "registered_place"} <= set(questions)
    rng = random.Random(11)
    firms = [answering_firm(rng, i, questions) for i in range(120)]
    pairs = 0
    for as_of, some in ((None, firms), ("2023-01-01", firms[::2])):
        table = FirmTable(some, as_of=as_of)
        for cond in conditions:
            codes = table.evaluate(cond)
            for firm, code in zip(some, codes, strict=True):
                assert CODES[int(code)] is evaluate(cond, firm, as_of=as_of)[0], (cond.dumps(), firm, as_of)
                pairs += 1
    assert pairs > 100_000
