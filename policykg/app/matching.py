"""Which clauses apply to which firm, with reasons: both directions over the graph.

Clauses carry their criteria as a condition tree (property ``condition``, written at ingest
by ingest.criteria or a curated rule); firms carry dated facts (property ``facts``). The
engine in policykg.eligibility.engine decides each pair; this module loads both sides from a
GraphStore, ranks, groups clauses that may not be combined (不重复享受 / 就高) and asks the
questions (policykg.eligibility.questions) that would settle the most answers.

A firm's answers to those questions are facts like any other (source ``answer``). Given with a
profile (its ``answers``) they are part of the profile; stored on their own (`store_answers`)
they are one document per firm, ``answers:<统一社会信用代码>``, that contributes only facts to
the firm's Enterprise node — replacing the answers replaces that document, and the profile and
registry documents of the firm are not touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykg.core.errors import NotFound
from policykg.core.model import DocumentGraph, Node
from policykg.core.ontology import PKG, name
from policykg.eligibility.engine import (
    BenefitTerm,
    Condition,
    Criterion,
    FirmProfile,
    Line,
    Memo,
    Outcome,
    Status,
    evaluate,
    status_of,
)
from policykg.eligibility.profile import P_CREDIT, P_FACTS, enterprise_id, firm_from_graph, load_profile
from policykg.eligibility.questions import SOURCE as ANSWER
from policykg.eligibility.questions import (
    Question,
    answer_value,
    answers_to_facts,
    count_question,
    question_for,
    standing_questions,
)
from policykg.graph.store import GraphStore
from policykg.ingest.pipeline import Ingestor, IngestResult
from policykg.ingest.profiles import profile_to_document
from policykg.search.index import SearchIndex

L_CLAUSE, L_DOC, L_FIRM, L_BENEFIT = (name(PKG.PolicyClause), name(PKG.PolicyDocument), name(PKG.Enterprise),
                                      name(PKG.Benefit))
HAS_CLAUSE, PROVIDES = name(PKG.HAS_CLAUSE), name(PKG.PROVIDES)


@dataclass(frozen=True)
class ClauseRule:
    """A clause with its condition, what it gives, and the policy it belongs to."""

    clause_id: str
    clause_name: str
    clause_text: str
    policy_id: str
    policy_title: str
    doc_number: str | None
    issuer: str | None
    source_file: str
    condition: Condition
    benefits: tuple[BenefitTerm, ...]
    stacking_group: str | None = None
    effective_from: str | None = None
    effective_to: str | None = None
    # per benefit: the condition of its own (a tier, one grant of several), None when it has none
    benefit_conditions: tuple[Condition | None, ...] = ()
    application_window: str | None = None  # 申报时间 as the text says it: the clause's, else its document's
    tiered: bool = False  # its benefits have conditions of their own that differ (tiers)
    # what all firms together may get (所有符合条件的企业补助总额不超过500万元): never one firm's estimate
    budget_yuan: float | None = None

    def in_force(self, as_of: str | None) -> bool:
        if as_of is None:
            return True
        return (self.effective_from or "") <= as_of and (not self.effective_to or as_of <= self.effective_to)

    def estimate(self) -> float:
        """The most any benefit of the clause gives (one unit of a per-unit amount)."""
        return max((b.estimate() or 0 for b in self.benefits), default=0)

    def estimate_for(self, firm: FirmProfile, *, as_of: str | None = None, memo: Memo | None = None) -> float:
        """What the firm can expect: the best benefit whose own condition (its tier) it meets;
        when none is met yet, the best one it is not ruled out of. A per-unit amount counts the
        units the firm said it has (its answer to the count question), else one."""
        def worth(b: BenefitTerm) -> float:
            key = b.count_key()
            facts = firm.values(key, as_of=as_of) if key else []
            count = facts[0].value if facts and isinstance(facts[0].value, int | float) else None
            return b.estimate(count) or 0

        if not self.tiered:
            return max((worth(b) for b in self.benefits), default=0)
        met, open_ = [], []
        for b, c in zip(self.benefits, self.benefit_conditions, strict=False):
            status = evaluate(c, firm, as_of=as_of, memo=memo)[0] if c is not None else Status.ELIGIBLE
            if status is Status.ELIGIBLE:
                met.append(worth(b))
            elif status is Status.UNKNOWN:
                open_.append(worth(b))
        return max(met or open_ or [0])

    def count_questions(self) -> list[tuple[BenefitTerm, Question]]:
        """The questions that say how many units the clause's per-unit amounts pay for."""
        return [(b, q) for b in self.benefits if (q := count_question(b)) is not None]


@dataclass
class Match:
    rule: ClauseRule
    status: Status
    lines: list[Line]
    counted: bool = True  # False when a better clause of the same stacking group is counted
    estimate: float = 0.0  # what this firm can expect from the clause (its tier), in 元

    def to_json(self) -> dict[str, Any]:
        r = self.rule
        return {
            "status": self.status.value,
            "policy": {"id": r.policy_id, "title": r.policy_title, "doc_number": r.doc_number, "issuer": r.issuer,
                       "effective_from": r.effective_from, "effective_to": r.effective_to},
            "clause": {"id": r.clause_id, "name": r.clause_name, "text": r.clause_text, "source_file": r.source_file},
            "application_window": r.application_window,
            "reasons": [line.to_json() for line in self.lines],
            "benefit": {"estimate_yuan": self.estimate or None, "counted": self.counted,
                        **({"budget_yuan": r.budget_yuan} if r.budget_yuan is not None else {}),
                        "terms": [{k: v for k, v in b.__dict__.items() if v not in (None, "")} for b in r.benefits]},
        }


@dataclass
class FirmAnswer:
    firm: FirmProfile
    matches: list[Match] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)

    def total_estimate(self) -> float:
        return sum(m.estimate for m in self.matches if m.status is Status.ELIGIBLE and m.counted)

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        shown = self.matches if limit is None else self.matches[:limit]
        return {
            "firm": {"credit_code": self.firm.credit_code, "name": self.firm.name},
            "summary": {s.value: sum(m.status is s for m in self.matches) for s in Status}
            | {"estimate_yuan": self.total_estimate(), "shown": len(shown)},
            "questions": self.questions,
            "results": [m.to_json() for m in shown],
        }


def load_rules(graph: GraphStore) -> list[ClauseRule]:
    """Every clause that has a condition, with its policy and benefits."""
    clauses: dict[str, Node] = {}
    policies: dict[str, Node] = {}
    benefits: dict[str, list[Node]] = {}
    parent: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    edges = []
    for item in graph.iter_graph():
        if isinstance(item, Node):
            nodes[item.id] = item
            if item.label == L_CLAUSE and item.properties.get("condition"):
                clauses[item.id] = item
            elif item.label == L_DOC:
                policies[item.id] = item
        else:
            edges.append(item)
    for e in edges:
        if e.label == HAS_CLAUSE:
            parent[e.target] = e.source
        elif e.label == PROVIDES and e.target in nodes and nodes[e.target].label == L_BENEFIT:
            benefits.setdefault(e.source, []).append(nodes[e.target])
    rules = []
    same: dict[Criterion, Criterion] = {}  # equal criteria of all clauses as one object (`engine.Memo`)
    for cid, c in clauses.items():
        granted = benefits.get(cid, [])
        top = cid
        while top in parent and top not in policies:
            top = parent[top]
        policy = policies.get(top)
        p = c.properties
        window, up = p.get("application_window"), cid
        while not window and up in parent:
            up = parent[up]
            window = nodes[up].properties.get("application_window") if up in nodes else None
        rules.append(ClauseRule(
            clause_id=cid, clause_name=c.name, clause_text=p.get("text", ""),
            policy_id=policy.id if policy else top,
            policy_title=(policy.properties.get("title") or policy.name) if policy else "",
            doc_number=policy.properties.get("doc_number") if policy else None,
            issuer=policy.properties.get("issuer") if policy else None,
            source_file=c.provenance[0].source if c.provenance else "",
            condition=_condition(p["condition"], same),
            benefits=tuple(_benefit(b) for b in granted),
            benefit_conditions=tuple(_condition(b.properties.get("condition"), same) for b in granted),
            stacking_group=p.get("stacking_group"),
            # a curated rule's dates, else the document's (本意见自…起施行，有效期三年)
            effective_from=p.get("effective_from") or (policy.properties.get("effective_from") if policy else None),
            effective_to=p.get("effective_to") if p.get("effective_from") else (
                policy.properties.get("effective_to") if policy else None),
            application_window=window,
            budget_yuan=p.get("budget_yuan"),
            tiered=len({json.dumps(b.properties.get("condition"), sort_keys=True, ensure_ascii=False)
                        for b in granted if b.properties.get("condition")}) > 1,
        ))
    return sorted(rules, key=lambda r: r.clause_id)


def _condition(raw: Any, same: dict[Criterion, Criterion]) -> Condition | None:
    if not raw:
        return None
    return _shared(Condition.from_json(json.loads(raw) if isinstance(raw, str) else raw), same)


def _shared(cond: Condition, same: dict[Criterion, Criterion]) -> Condition:
    """The condition with each criterion replaced by the first equal one seen."""
    if cond.criterion is not None:
        try:
            c = same.setdefault(cond.criterion, cond.criterion)
        except TypeError:  # a list value: not hashable, kept as it is
            return cond
        return cond if c is cond.criterion else Condition.leaf(c)
    return Condition(cond.op, tuple(_shared(ch, same) for ch in cond.children))


def _benefit(n: Node) -> BenefitTerm:
    p = n.properties
    return BenefitTerm(kind=p.get("benefit_kind", ""), amount_yuan=p.get("amount_yuan"), rate=p.get("rate"),
                       cap_yuan=p.get("cap_yuan"), recurrence=p.get("recurrence"), text=p.get("text", ""),
                       per_unit=p.get("per_unit"), count_of=p.get("count_of"), credit_yuan=p.get("credit_yuan"))


def match_firm(firm: FirmProfile, rules: list[ClauseRule], *, as_of: str | None = None,
               include_ineligible: bool = True) -> FirmAnswer:
    """A firm against every clause in force: ranked eligible first, then by benefit, with the
    questions that would settle the unknown ones (`guided_questions`)."""
    answer = FirmAnswer(firm)
    memo: Memo = {}  # one firm, one date: each criterion is worked out once for all clauses
    for rule in rules:
        if not rule.in_force(as_of):
            continue
        if not include_ineligible and status_of(rule.condition, firm, as_of=as_of, memo=memo) is Status.INELIGIBLE:
            continue  # its reasons are not wanted: no need to gather them
        status, lines = evaluate(rule.condition, firm, as_of=as_of, memo=memo)
        estimate = (rule.estimate_for(firm, as_of=as_of, memo=memo) if status is not Status.INELIGIBLE
                    else rule.estimate())
        answer.matches.append(Match(rule, status, lines, estimate=estimate))
    order = {Status.ELIGIBLE: 0, Status.UNKNOWN: 1, Status.INELIGIBLE: 2}
    answer.matches.sort(key=lambda m: (order[m.status], -m.estimate, m.rule.clause_id))
    _stack(answer.matches)
    answer.questions = guided_questions(answer.matches, firm=firm)
    return answer


def _stack(matches: list[Match]) -> None:
    """Within a stacking group only the best eligible clause counts toward the estimate."""
    best: dict[str, Match] = {}
    for m in matches:
        g = m.rule.stacking_group
        if g and m.status is Status.ELIGIBLE:
            if g not in best or m.estimate > best[g].estimate:
                best[g] = m
    for m in matches:
        g = m.rule.stacking_group
        m.counted = not g or m.status is not Status.ELIGIBLE or best.get(g) is m


def guided_questions(matches: list[Match], *, most: int | None = None,
                     firm: FirmProfile | None = None) -> list[dict[str, Any]]:
    """The questions whose answers would settle `unknown` answers, most useful first.

    One question per id across all clauses (「贵企业是否获得高新技术企业认定/称号？」 serves every
    clause asking for 高新技术企业), with the unknown clauses it helps settle and the money they
    may give this firm; ranked by clauses, then money, then id. A per-unit amount (每件补助1万元)
    also asks how many units the firm has (``count:发明专利``), for the eligible and unknown
    clauses that pay by it, unless `firm` has already said.

    Returns:
        dicts with ``id``, ``question``, ``answer_type``, ``unit``, ``attribute`` (and
        ``choices``), ``clauses`` (how many), ``clause_ids`` and ``money_yuan``.
    """
    asked: dict[str, Question] = {}
    clauses: dict[str, list[Match]] = {}
    for m in matches:
        if m.status is not Status.UNKNOWN:
            continue
        seen = set()
        for line in m.lines:
            if line.outcome is not Outcome.MISSING:
                continue
            q = question_for(line.criterion)
            if q is None or q.id in seen:
                continue
            seen.add(q.id)
            asked.setdefault(q.id, q)
            clauses.setdefault(q.id, []).append(m)
    for m in matches:
        # 每件补助1万元: how many units the firm has sets what an eligible or open clause gives
        if m.status is Status.INELIGIBLE:
            continue
        for _, q in m.rule.count_questions():
            if firm is None or not firm.values(q.attribute):
                asked.setdefault(q.id, q)
                clauses.setdefault(q.id, []).append(m)
    out = [{**q.to_json(), "clauses": len(clauses[qid]), "clause_ids": [m.rule.clause_id for m in clauses[qid]],
            "money_yuan": sum(m.estimate for m in clauses[qid])} for qid, q in asked.items()]
    out.sort(key=lambda d: (-d["clauses"], -d["money_yuan"], d["id"]))
    return out if most is None else out[:most]


_known_lock = threading.Lock()
_known: dict[int, tuple[list[ClauseRule], dict[str, Question]]] = {}


def known_questions(rules: list[ClauseRule]) -> dict[str, Question]:
    """Every question a firm may answer: those the clauses ask (their conditions and their
    tiers), and the standing ones (every attribute, every qualification by name). Worked out
    once per list of rules."""
    with _known_lock:
        hit = _known.get(id(rules))
        if hit is not None and hit[0] is rules:
            return hit[1]
    known = standing_questions()
    for rule in rules:
        for _, q in rule.count_questions():
            known.setdefault(q.id, q)
        for cond in (rule.condition, *rule.benefit_conditions):
            for c in cond.criteria() if cond is not None else ():
                q = question_for(c)
                if q is not None:
                    known.setdefault(q.id, q)
    with _known_lock:
        if len(_known) > 8:
            _known.clear()
        _known[id(rules)] = (rules, known)
    return known


def with_answers(firm: FirmProfile, answers: Mapping[str, Any] | None, *, on: str | None = None,
                 known: Mapping[str, Question] | None = None) -> FirmProfile:
    """The firm with the facts its answers give (dated `on`, default today), not stored.

    Raises:
        InvalidInput: a bad answer (`answers_to_facts`).
    """
    if not answers:
        return firm
    facts = answers_to_facts(answers, on=on or dt.date.today().isoformat(), known=known)
    return FirmProfile(firm.credit_code, firm.name, [*firm.facts, *facts])


def stored_answers(firm: FirmProfile) -> dict[str, Any]:
    """The answers among a firm's facts, newest per question, in the questions' units."""
    out = {}
    for a in firm.attributes():
        facts = [f for f in firm.values(a) if f.source == ANSWER]
        if facts:
            out[a] = answer_value(facts[0])
    return out


def answers_doc_id(credit_code: str) -> str:
    return f"answers:{credit_code}"


def store_answers(graph: GraphStore, index: SearchIndex, key: str, answers: Mapping[str, Any], *,
                  known: Mapping[str, Question], on: str | None = None, max_bytes: int) -> dict[str, Any]:
    """Store a firm's answers, replacing those stored before (an empty set removes them). Every
    answer is checked first: one bad answer stores nothing.

    Args:
        key: the firm's 统一社会信用代码 or name.
        answers: question id → answer (`answers_to_facts`).
        known: the questions that may be answered (`known_questions`).
        on: the ISO date the answers hold from (default today).

    Returns:
        ``{"firm", "outcome", "answers"}``: the firm, created / replaced / unchanged / deleted, and
        every answer of the firm now stored (a profile's own included).

    Raises:
        NotFound: no such firm.
        InvalidInput: a bad answer; nothing is stored.
    """
    node = find_firm(graph, key)
    firm = firm_from_graph(node)
    facts = answers_to_facts(answers, on=on or dt.date.today().isoformat(), known=known)
    doc_id = answers_doc_id(firm.credit_code)
    if not facts:
        deleted = graph.delete_document(doc_id)
        index.delete_document(doc_id)
        outcome = "deleted" if deleted else "unchanged"
    else:
        payload = [f.to_json() for f in facts]
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        doc = DocumentGraph(doc_id, hashlib.sha256(text.encode()).hexdigest(), "answers")
        doc.add_node(node.id, L_FIRM, node.name, **{P_CREDIT: firm.credit_code, P_FACTS: payload})
        outcome = Ingestor(graph, index, max_bytes=max_bytes).write(doc).outcome
    now = firm_from_graph(graph.get_node(node.id))
    return {"firm": {"credit_code": now.credit_code, "name": now.name}, "outcome": outcome,
            "answers": stored_answers(now)}


def store_profile(graph: GraphStore, index: SearchIndex, profile: Mapping[str, Any], *,
                  known: Mapping[str, Question], source: str, max_bytes: int) -> IngestResult:
    """Store one firm's profile, its `answers` as facts of the profile (dated its ``as_of``,
    else today), replacing its older profile.

    Raises:
        InvalidInput: the profile or one of its answers is not valid; nothing is stored.
    """
    p = load_profile(profile)
    doc = profile_to_document(p, source=source)
    if p.answers:
        on = p.as_of.isoformat() if p.as_of else dt.date.today().isoformat()
        facts = answers_to_facts(p.answers, on=on, known=known)
        node = doc.nodes[enterprise_id(p.credit_code)]
        node.properties[P_FACTS] = [*node.properties.get(P_FACTS, []), *(f.to_json() for f in facts)]
    return Ingestor(graph, index, max_bytes=max_bytes).write(doc)


def iter_firm_nodes(graph: GraphStore, *, page: int = 1000) -> Iterator[Node]:
    """Every stored Enterprise node, a page at a time."""
    offset = 0
    while batch := graph.list_nodes(L_FIRM, limit=page, offset=offset):
        yield from batch
        if len(batch) < page:
            return
        offset += len(batch)


def stored_firms(graph: GraphStore) -> list[FirmProfile]:
    """The engine's view of every stored firm."""
    return [firm_from_graph(n) for n in iter_firm_nodes(graph)]


def find_firm(graph: GraphStore, key: str) -> Node:
    """An Enterprise node by 统一社会信用代码 or by exact name.

    Raises:
        NotFound: no such firm in the graph.
    """
    try:
        return graph.get_node(enterprise_id(key.strip().upper()))
    except NotFound:
        pass
    found = next((n for n in iter_firm_nodes(graph) if n.name == key.strip()), None)
    if found is None:
        raise NotFound(f"no firm with credit code or name {key!r}", hint="import it with `policykg firms import`")
    return found


def profile_firm(profile: str | Path | Mapping[str, Any], *, source: str,
                 answers: Mapping[str, Any] | None = None, known: Mapping[str, Question] | None = None,
                 on: str | None = None) -> FirmProfile:
    """The engine's view of a firm profile (a file or its JSON), without storing it: the same
    facts as the profile would give once imported, and those of its answers.

    Args:
        profile: a path or the parsed JSON.
        source: where it came from (the facts' source).
        answers: more answers, over those of the profile (the CLI's ``--answer``).
        known: the questions that may be answered (`known_questions`).
        on: the date of the answers; default the profile's ``as_of``, else today.

    Raises:
        InvalidInput: the profile or one of its answers does not validate.
    """
    p = load_profile(profile)
    doc = profile_to_document(p, source=source)
    firm = firm_from_graph(next(n for n in doc.nodes.values() if n.label == L_FIRM))
    given = {**(p.answers or {}), **(answers or {})}
    day = on or (p.as_of.isoformat() if p.as_of else None)
    return with_answers(firm, given, on=day, known=known)


def firm_of(graph: GraphStore, key: str, *, answers: Mapping[str, Any] | None = None,
            known: Mapping[str, Question] | None = None, on: str | None = None) -> FirmProfile:
    """A firm by 统一社会信用代码 or name in the graph, or from a profile file (``*.json``), with
    `answers` (not stored) dated `on`.

    Raises:
        NotFound: no such firm in the graph.
        InvalidInput: the profile file or an answer does not validate.
    """
    path = Path(key)
    if key.endswith(".json") and path.is_file():
        return profile_firm(path, source=path.name, answers=answers, known=known, on=on)
    return with_answers(firm_from_graph(find_firm(graph, key)), answers, on=on, known=known)


def match_policy(graph: GraphStore, key: str, firms: list[FirmProfile], rules: list[ClauseRule], *,
                 as_of: str | None = None) -> list[dict[str, Any]]:
    """The firms each clause of a policy (id, 文号 or clause id) applies to.

    Raises:
        NotFound: no clause with a condition belongs to that policy.
    """
    wanted = [r for r in rules if key in (r.policy_id, r.doc_number, r.clause_id, r.policy_title)
              or r.policy_id == f"{L_DOC}:{key}"]
    if not wanted:
        raise NotFound(f"no clause with criteria for {key!r}", hint="give a PolicyDocument id, a 文号 or a clause id")
    out = []
    memos: list[Memo] = [{} for _ in firms]
    for rule in wanted:
        if not rule.in_force(as_of):
            continue
        by_status: dict[str, list[dict[str, Any]]] = {s.value: [] for s in Status}
        for firm, memo in zip(firms, memos, strict=True):
            status, lines = evaluate(rule.condition, firm, as_of=as_of, memo=memo)
            missing = sorted({line.criterion.attribute for line in lines if line.outcome is Outcome.MISSING} - {None})
            by_status[status.value].append({"credit_code": firm.credit_code, "name": firm.name,
                                            **({"missing": missing} if missing else {})})
        out.append({"clause": {"id": rule.clause_id, "name": rule.clause_name, "text": rule.clause_text},
                    "policy": {"id": rule.policy_id, "title": rule.policy_title, "doc_number": rule.doc_number},
                    "counts": {s: len(v) for s, v in by_status.items()}, "firms": by_status})
    return out
