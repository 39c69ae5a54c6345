"""Both directions over a stored graph: firm → clauses (ranked, stacked, with questions) and
clause → firms."""

import random
from collections import Counter
from typing import Any

import pytest

from policykg.app.matching import (
    find_firm,
    known_questions,
    load_rules,
    match_firm,
    match_policy,
    profile_firm,
    store_answers,
    store_profile,
    with_answers,
)
from policykg.core.errors import InvalidInput, NotFound
from policykg.core.model import DocumentGraph, Provenance
from policykg.core.places import place_chain
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Outcome, Status
from policykg.eligibility.profile import firm_from_graph
from policykg.eligibility.questions import question_for
from tests.eligibility.open_clauses import OPEN_CONDITIONS, asked, random_answer

PLACE = Criterion("registered_place", "eq", "嘉兴市", text="在嘉兴市注册")
HNTE = Criterion("qualification", "has", "高新技术企业", text="高新技术企业")
TAX = Criterion("tax_paid", "ge", 5_000_000, unit="元", text="实缴税费500万元以上")


def policy_graph(doc_id: str, doc_number: str, title: str) -> tuple[DocumentGraph, Provenance, str]:
    """An empty policy document: its graph, the provenance its facts share, and its node id."""
    g = DocumentGraph(doc_id=doc_id, version="v1", source=doc_id)
    p = Provenance(doc_id, doc_id, 0, 4, "第一条")
    pid = f"PolicyDocument:{doc_number}"
    g.add_node(pid, "PolicyDocument", title, prov=p, primary=True, title=title, doc_number=doc_number)
    return g, p, pid


def policy_doc() -> DocumentGraph:
    g, p, pid = policy_graph("p.txt", "嘉科〔2024〕1号", "关于支持科技企业的若干政策")
    clauses = {
        "一": (Condition.all_of(Condition.leaf(PLACE), Condition.leaf(HNTE)), 300_000, "stack"),
        "二": (Condition.all_of(Condition.leaf(PLACE), Condition.leaf(TAX)), 500_000, "stack"),
        "三": (Condition.all_of(Condition.leaf(PLACE), Condition.leaf(Criterion("employees", "ge", 50, unit="人"))), 100_000, None),
    }
    for n, (cond, amount, stack) in clauses.items():
        cid = f"PolicyClause:嘉科〔2024〕1号#{n}"
        g.add_node(cid, "PolicyClause", f"第{n}条", prov=p, primary=True, text=f"第{n}条 …给予{amount // 10000}万元奖励",
                   path=n, condition=cond.dumps(), stacking_group=stack)
        g.add_edge(pid, "HAS_CLAUSE", cid, prov=p)
        bid = f"Benefit:{cid}#1"
        g.add_node(bid, "Benefit", f"奖励{amount}元", prov=p, primary=True, benefit_kind="奖励", amount_yuan=amount)
        g.add_edge(cid, "PROVIDES", bid, prov=p)
    return g


@pytest.fixture
def rules(store):
    store.graph.write_document(policy_doc())
    return load_rules(store.graph)


def firm(*facts):
    return FirmProfile("91330400MA2B3C4D5E", "测试企业", list(facts))


def test_rules_are_loaded_with_policy_and_benefit(rules):
    assert [r.clause_id.rsplit("#", 1)[1] for r in rules] == ["一", "三", "二"]
    r = next(r for r in rules if r.clause_id.endswith("#二"))
    assert (r.doc_number, r.estimate(), r.stacking_group) == ("嘉科〔2024〕1号", 500_000, "stack")


def test_firm_answer_ranks_stacks_and_asks(rules):
    f = firm(Fact("registered_place", "浙江省嘉兴市"), Fact("qualification", "高新技术企业"), Fact("tax_paid", 6e6))
    answer = match_firm(f, rules)
    assert [m.status for m in answer.matches] == [Status.ELIGIBLE, Status.ELIGIBLE, Status.UNKNOWN]
    assert answer.matches[0].rule.clause_id.endswith("#二")  # the bigger benefit first
    assert [m.counted for m in answer.matches[:2]] == [True, False]  # 不重复享受: only the best counts
    assert answer.total_estimate() == 500_000
    assert answer.questions == [{"id": "employees", "question": "贵企业上年度职工人数是多少（人）？",
                                 "answer_type": "number", "unit": "人", "attribute": "employees", "clauses": 1,
                                 "clause_ids": ["PolicyClause:嘉科〔2024〕1号#三"], "money_yuan": 100_000}]
    reasons = answer.to_json()["results"][0]["reasons"]
    assert {r["criterion"]["text"] for r in reasons} == {"在嘉兴市注册", "实缴税费500万元以上"}


def test_policy_direction_lists_firms_by_status(store, rules):
    firms = [firm(Fact("registered_place", "嘉兴市"), Fact("qualification", "高新技术企业")),
             FirmProfile("2", "乙", [Fact("registered_place", "湖州市")]),
             FirmProfile("3", "丙", [Fact("registered_place", "嘉兴市")])]
    [row] = match_policy(store.graph, "PolicyClause:嘉科〔2024〕1号#一", firms, rules)
    assert row["counts"] == {"eligible": 1, "ineligible": 1, "unknown": 1}
    assert row["firms"]["unknown"][0]["missing"] == ["qualification"]
    assert len(match_policy(store.graph, "嘉科〔2024〕1号", firms, rules)) == 3
    with pytest.raises(NotFound):
        match_policy(store.graph, "无此文号", firms, rules)


def test_find_firm_by_code_or_name(store):
    g = DocumentGraph(doc_id="firms.csv", version="v1", source="firms.csv")
    g.add_node("Enterprise:91500118203790903T", "Enterprise", "重庆市水利电力机械厂",
               prov=Provenance("firms.csv", "firms.csv", 0, 1, "x"), primary=True)
    store.graph.write_document(g)
    assert find_firm(store.graph, "91500118203790903t").name == "重庆市水利电力机械厂"
    assert find_firm(store.graph, "重庆市水利电力机械厂").id == "Enterprise:91500118203790903T"
    with pytest.raises(NotFound):
        find_firm(store.graph, "不存在的公司")


# ---------------------------------------------------------------- questions and answers
def open_policy_doc() -> DocumentGraph:
    """The hand-built clauses with open attributes (tests.eligibility.open_clauses) as a policy."""
    g, p, pid = policy_graph("open.txt", "嘉经信〔2024〕9号", "开放条件测试政策")
    for n, cond in enumerate(OPEN_CONDITIONS, 1):
        cid = f"{pid.replace('PolicyDocument', 'PolicyClause')}#{n}"
        g.add_node(cid, "PolicyClause", f"第{n}条", prov=p, primary=True, text=f"第{n}条", path=str(n),
                   condition=cond.dumps())
        g.add_edge(pid, "HAS_CLAUSE", cid, prov=p)
        bid = f"Benefit:{cid}#1"
        g.add_node(bid, "Benefit", "奖励", prov=p, primary=True, benefit_kind="奖励", amount_yuan=100_000 * n)
        g.add_edge(cid, "PROVIDES", bid, prov=p)
    return g


def test_one_question_per_id_ranked_by_clauses_then_money(store):
    store.graph.write_document(policy_doc())
    store.graph.write_document(open_policy_doc())
    answer = match_firm(firm(Fact("registered_place", "浙江省嘉兴市南湖区")), load_rules(store.graph))
    ids = [q["id"] for q in answer.questions]
    assert len(ids) == len(set(ids))
    assert ids[:2] == ["qualification:高新技术企业", "open:拥有自主知识产权"]  # 2 clauses each, then by money
    q = next(q for q in answer.questions if q["id"] == "open:设备投资额")
    assert (q["question"], q["answer_type"], q["unit"], q["clauses"], q["money_yuan"]) == (
        "贵企业上年度设备投资额是多少（万元）？", "number", "万元", 1, 100_000)
    assert q["clause_ids"] == ["PolicyClause:嘉经信〔2024〕9号#1"]
    keys = [(-q["clauses"], -q["money_yuan"], q["id"]) for q in answer.questions]
    assert keys == sorted(keys)


def hidden_truth(rng: random.Random, questions) -> dict[str, Any]:
    """What a firm knows about itself, for every question the clauses can ask: money in 元."""
    out = {}
    for qid, (q, limits) in questions.items():
        v = random_answer(rng, q, limits)
        out[qid] = v * 10_000 if q.unit == "万元" else v
    return out


def answer_from(truth: dict[str, Any], q: dict[str, Any]) -> Any:
    """The simulated firm answers in the question's unit."""
    v = truth[q["id"]]
    return v / 10_000 if q["unit"] == "万元" else v


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_firm_answering_the_questions_converges(corpus_store, store, seed):
    """A firm that answers the product's own questions from what it knows: after a few rounds no
    new question, its answers stand, and no clause stays unknown for a fact it knows — every
    answer is then what its hidden facts give directly. Over every clause of the corpus and the
    hand-built clauses with open attributes."""
    store.graph.write_document(open_policy_doc())
    rules = load_rules(corpus_store.graph) + load_rules(store.graph)
    known = known_questions(rules)
    rng = random.Random(seed)
    truth = hidden_truth(rng, asked([*(r.condition for r in rules), *OPEN_CONDITIONS]))
    truth |= {q.id: rng.randint(0, 5) for r in rules for _, q in r.count_questions()}  # 每件…: how many it has
    base = FirmProfile("91330400MA2B3C4D5E", "模拟企业", [])
    answers: dict[str, Any] = {}
    for rounds in range(1, 6):
        result = match_firm(with_answers(base, answers, on="2024-06-30", known=known), rules)
        new = {q["id"]: answer_from(truth, q) for q in result.questions if q["id"] not in answers}
        if not new:
            break
        answers.update(new)
    assert rounds <= 3, rounds
    assert result.questions == []  # every question asked was answered
    again = match_firm(with_answers(base, answers, on="2024-06-30", known=known), rules)
    status = {m.rule.clause_id: m.status for m in result.matches}
    assert {m.rule.clause_id: m.status for m in again.matches} == status
    for m in result.matches:
        if m.status is Status.UNKNOWN:
            asks = {question_for(line.criterion) for line in m.lines if line.outcome is Outcome.MISSING}
            assert asks <= {None}, (m.rule.clause_id, asks)
    # the same as a firm that had stated every fact itself
    facts = [Fact(q.attribute, v if q.answer_type != "text" else "".join(place_chain(v)), unit=q.fact_unit,
                  year=2023 if q.yearly else None, date="2024-06-30")
             for qid, v in truth.items() for q in [known[qid]]]
    oracle = match_firm(FirmProfile(base.credit_code, base.name, facts), rules)
    assert {m.rule.clause_id: m.status for m in oracle.matches} == status
    assert Counter(status.values())[Status.ELIGIBLE] >= 1


def test_stored_answers_replace_each_other_and_a_bad_batch_stores_nothing(store):
    store.graph.write_document(open_policy_doc())
    profile = {"credit_code": "91330402MA28A1X0XW", "name": "嘉兴测试科技有限公司", "registered_place": "浙江省嘉兴市南湖区",
               "answers": {"open:拥有自主知识产权": True}, "as_of": "2024-01-01"}
    rules = load_rules(store.graph)
    known = known_questions(rules)
    assert store_profile(store.graph, store.index, profile, known=known, source="t", max_bytes=2**20).outcome == "created"
    code = profile["credit_code"]
    out = store_answers(store.graph, store.index, code, {"open:设备投资额": 320, "qualification:高新技术企业": False},
                        known=known, on="2024-06-30", max_bytes=2**20)
    assert out["answers"] == {"open:拥有自主知识产权": True, "open:设备投资额": 320, "qualification:高新技术企业": False}
    before = store.graph.get_node("Enterprise:" + code)
    for bad in ({"open:设备投资额": -1}, {"open:设备投资额": 10, "open:拥有自主知识产权": "yes"}, {"无此问题": 1}):
        with pytest.raises(InvalidInput):
            store_answers(store.graph, store.index, code, bad, known=known, on="2024-06-30", max_bytes=2**20)
    assert store.graph.get_node("Enterprise:" + code) == before
    firm_now = firm_from_graph(before)
    statuses = {m.rule.clause_id.rsplit("#", 1)[1]: m.status for m in match_firm(firm_now, rules).matches}
    assert statuses["1"] is Status.ELIGIBLE  # 嘉兴 and 设备投资额 320万元 ≥ 300万元
    assert statuses["5"] is Status.UNKNOWN  # 高企 excluded (answered no), land and export still to answer
    out = store_answers(store.graph, store.index, code, {}, known=known, max_bytes=2**20)  # {} removes them
    assert out["outcome"] == "deleted" and out["answers"] == {"open:拥有自主知识产权": True}  # the profile's stays
    with pytest.raises(NotFound):
        store_answers(store.graph, store.index, "不存在的公司", {}, known=known, max_bytes=2**20)


def test_a_profile_with_answers_is_the_profile_and_its_answer_facts():
    profile = {"credit_code": "91330402MA28A1X0XW", "name": "嘉兴测试科技有限公司", "as_of": "2024-06-30",
               "answers": {"revenue": 520, "qualification:高新技术企业": False}}
    f = profile_firm(profile, source="t", answers={"revenue": 600})
    [revenue] = f.values("revenue")
    assert (revenue.value, revenue.unit, revenue.year, revenue.date, revenue.source) == (
        6_000_000, "元", 2023, "2024-06-30", "answer")
    assert f.values("qualification:高新技术企业")[0].value is False
    with pytest.raises(InvalidInput, match="revenue"):
        profile_firm({**profile, "answers": {"revenue": "很多"}}, source="t")


def per_unit_doc() -> DocumentGraph:
    """每件发明专利补助1万元，每家最高5万元; 所有企业补助总额不超过500万元 (a budget)."""
    g, p, pid = policy_graph("u.txt", "嘉科〔2024〕2号", "专利资助办法")
    cid = "PolicyClause:嘉科〔2024〕2号#1"
    g.add_node(cid, "PolicyClause", "第一条", prov=p, primary=True, text="第一条 每件发明专利补助1万元",
               path="一", condition=Condition.leaf(PLACE).dumps(), budget_yuan=5_000_000)
    g.add_edge(pid, "HAS_CLAUSE", cid, prov=p)
    bid = f"Benefit:{cid}#1"
    g.add_node(bid, "Benefit", "补助10000元/件", prov=p, primary=True, benefit_kind="补助", amount_yuan=10_000,
               cap_yuan=50_000, per_unit="件", count_of="发明专利")
    g.add_edge(cid, "PROVIDES", bid, prov=p)
    return g


def test_a_per_unit_amount_asks_how_many_and_the_answer_sets_the_estimate(store):
    store.graph.write_document(per_unit_doc())
    rules = load_rules(store.graph)
    here = firm(Fact("registered_place", "浙江省嘉兴市南湖区"))
    first = match_firm(here, rules)
    (m,) = first.matches
    assert (m.status, m.estimate) == (Status.ELIGIBLE, 10_000)  # one unit until the firm says how many
    assert m.to_json()["benefit"]["budget_yuan"] == 5_000_000  # for all firms: shown apart, never the estimate
    q = next(q for q in first.questions if q["id"] == "count:发明专利")
    assert (q["question"], q["answer_type"], q["unit"], q["clauses"]) == ("贵企业可申报的发明专利有多少（件）？", "number", "件", 1)
    known = known_questions(rules)
    three = match_firm(with_answers(here, {"count:发明专利": 3}, known=known), rules)
    assert three.matches[0].estimate == 30_000 and not any(q["id"] == "count:发明专利" for q in three.questions)
    many = match_firm(with_answers(here, {"count:发明专利": 12}, known=known), rules)
    assert many.matches[0].estimate == 50_000  # within the cap of 每家最高5万元
    for bad in (-1, 2.5, True, "3"):
        with pytest.raises(InvalidInput, match="count:发明专利"):
            with_answers(here, {"count:发明专利": bad}, known=known)
