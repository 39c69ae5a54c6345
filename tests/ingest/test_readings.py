"""The table of readings: every row's examples give the criteria they say, over real pipeline tokens."""

from __future__ import annotations

import json
import random

import pytest

from policykg.eligibility.engine import Condition, Fact, FirmProfile, Outcome, Status, evaluate
from policykg.ingest.criteria.readings import BY_NAME, READINGS, normalise, open_id, tag_of, tokens_for
from policykg.ingest.pipeline import extract_document
from policykg.ingest.reader import read_document
from tests.conftest import ZHEJIANG

EXAMPLES = [(r.name, text, want) for r in READINGS for text, want in r.examples]


@pytest.mark.parametrize(("reading", "text", "want"), EXAMPLES, ids=[f"{r}:{t[:12]}" for r, t, _ in EXAMPLES])
def test_every_reading_gives_its_examples(reading, text, want):
    found = tokens_for(text).read(0, len(text))
    assert tuple(("NOT " if f.negated else "") + f.criterion.describe() for f in found) == want
    assert all(f.kind in BY_NAME[reading].kinds for f in found)
    for f in found:
        assert f.criterion.text and f.criterion.text in text  # a quote of the clause, not a paraphrase


def test_every_reading_has_patterns_and_examples():
    assert {r.name for r in READINGS} >= {"threshold", "range", "honour", "firm_kind"}
    for r in READINGS:
        assert r.patterns and r.examples and r.doc, r.name


def test_open_attributes_get_a_stable_id_from_their_phrase_and_link_to_the_ontology():
    def one(text):
        return tokens_for(text).read(0, len(text))[0].criterion

    a, b = one("上年度设备投资额在1000万元以上的"), one("企业设备投资额达到2000万元")
    assert a.attribute == b.attribute == open_id("设备投资额") and a.value_type == "money" and a.unit == "元"
    assert a.period == "上年度" and b.period is None
    # a label or alias of the ontology's attribute links the phrase to it
    c = one("年销售收入达到500万元")
    assert c.attribute == "revenue" and not c.is_open
    assert normalise("企业上年度设备投资额") == ("设备投资额", "上年度")


def test_the_word_lists_come_from_the_ontology():
    assert tag_of("获评") == "HVERB" and tag_of("拥有") == "YVERB" and tag_of("工业企业") == "KIND"
    assert tag_of("平方米") == "UNIT" and tag_of("以上") == "OPPOST" and tag_of("上年度") == "PERIOD"


def test_an_exclusion_in_a_note_is_an_exclusion_not_a_requirement():
    # 0436: （其中水电、光伏、风电企业不享受以上政策）
    g = extract_document(read_document(ZHEJIANG / "0436.txt"))
    node = next(n for n in g.nodes.values() if n.label == "PolicyClause" and n.properties.get("text", "").startswith("1.企业家创业奖"))
    cond = Condition.from_json(json.loads(node.properties["condition"]))

    def negated(c: Condition, under: bool = False):
        if c.op == "LEAF":
            yield c.criterion, under
        for ch in c.children:
            yield from negated(ch, under or c.op == "NOT")

    kinds = {c.label: neg for c, neg in negated(cond) if c.label}
    assert kinds.get("风电企业") is True and kinds.get("工业企业") is False


@pytest.mark.parametrize("name", ["0436.txt", "0441.txt", "0470.txt", "0508.txt", "0018.txt"])
def test_no_eligible_answer_rests_on_an_unread_or_unmet_condition(name):
    """Firms with random facts and random yes/no answers: whenever a clause comes out eligible,
    every reason given is a criterion that was read and met."""
    g = extract_document(read_document(ZHEJIANG / name))
    rng = random.Random(name)
    conds = [Condition.from_json(json.loads(n.properties["condition"])) for n in g.nodes.values()
             if n.label == "PolicyClause" and n.properties.get("condition")]
    attrs = {c.attribute: c for cond in conds for c in cond.criteria() if c.attribute}
    assert conds
    for k in range(40):
        facts = []
        for a, c in attrs.items():
            if rng.random() < 0.6:
                if c.operator == "true" or c.value_type == "boolean":
                    facts.append(Fact(a, rng.random() < 0.7))
                elif isinstance(c.value, int | float) and not isinstance(c.value, bool):
                    facts.append(Fact(a, c.value * rng.choice([0.5, 1, 2]), unit=c.unit))
                else:
                    facts.append(Fact(a, c.value))
        firm = FirmProfile(f"F{k}", f"firm {k}", facts)
        for cond in conds:
            status, lines = evaluate(cond, firm)
            if status is Status.ELIGIBLE:
                assert lines and all(line.outcome is Outcome.MET for line in lines), [l.to_json() for l in lines]
                assert not any(line.criterion.needs_review for line in lines)
