"""Both directions over a stored graph: firm → clauses (ranked, stacked, with questions) and
clause → firms."""

import pytest

from policykg.app.matching import find_firm, load_rules, match_firm, match_policy
from policykg.core.errors import NotFound
from policykg.core.model import DocumentGraph, Provenance
from policykg.eligibility.engine import Condition, Criterion, Fact, FirmProfile, Status

PLACE = Criterion("registered_place", "eq", "嘉兴市", text="在嘉兴市注册")
HNTE = Criterion("qualification", "has", "高新技术企业", text="高新技术企业")
TAX = Criterion("tax_paid", "ge", 5_000_000, unit="元", text="实缴税费500万元以上")


def policy_doc() -> DocumentGraph:
    g = DocumentGraph(doc_id="p.txt", version="v1", source="p.txt")
    p = Provenance("p.txt", "p.txt", 0, 4, "第一条")
    pid = "PolicyDocument:嘉科〔2024〕1号"
    g.add_node(pid, "PolicyDocument", "关于支持科技企业的若干政策", prov=p, primary=True,
               title="关于支持科技企业的若干政策", doc_number="嘉科〔2024〕1号")
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
    assert answer.questions == [{"attribute": "employees", "question": "请提供职工人数", "clauses": 1}]
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
