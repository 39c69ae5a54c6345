"""Which clauses apply to which firm, with reasons: both directions over the graph.

Clauses carry their criteria as a condition tree (property ``condition``, written at ingest
by ingest.criteria or a curated rule); firms carry dated facts (property ``facts``). The
engine in policykg.eligibility.engine decides each pair; this module loads both sides from a
GraphStore, ranks, groups clauses that may not be combined (不重复享受 / 就高) and works out
which missing facts would settle the most answers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policykg.core.errors import NotFound
from policykg.core.model import Node
from policykg.core.ontology import PKG, name
from policykg.eligibility.engine import BenefitTerm, Condition, FirmProfile, Line, Outcome, Status, evaluate
from policykg.eligibility.profile import enterprise_id, firm_from_graph, load_profile
from policykg.graph.store import GraphStore
from policykg.ingest.profiles import profile_to_document

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

    def in_force(self, as_of: str | None) -> bool:
        if as_of is None:
            return True
        return (self.effective_from or "") <= as_of and (not self.effective_to or as_of <= self.effective_to)

    def estimate(self) -> float:
        """The most any benefit of the clause gives."""
        return max((b.estimate() or 0 for b in self.benefits), default=0)

    def estimate_for(self, firm: FirmProfile, *, as_of: str | None = None) -> float:
        """What the firm can expect: the best benefit whose own condition (its tier) it meets;
        when none is met yet, the best one it is not ruled out of."""
        if not self.tiered:
            return self.estimate()
        met, open_ = [], []
        for b, c in zip(self.benefits, self.benefit_conditions, strict=False):
            status = evaluate(c, firm, as_of=as_of)[0] if c is not None else Status.ELIGIBLE
            if status is Status.ELIGIBLE:
                met.append(b.estimate() or 0)
            elif status is Status.UNKNOWN:
                open_.append(b.estimate() or 0)
        return max(met or open_ or [0])


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
            condition=_condition(p["condition"]),
            benefits=tuple(_benefit(b) for b in granted),
            benefit_conditions=tuple(_condition(b.properties.get("condition")) for b in granted),
            stacking_group=p.get("stacking_group"),
            # a curated rule's dates, else the document's (本意见自…起施行，有效期三年)
            effective_from=p.get("effective_from") or (policy.properties.get("effective_from") if policy else None),
            effective_to=p.get("effective_to") if p.get("effective_from") else (
                policy.properties.get("effective_to") if policy else None),
            application_window=window,
            tiered=len({json.dumps(b.properties.get("condition"), sort_keys=True, ensure_ascii=False)
                        for b in granted if b.properties.get("condition")}) > 1,
        ))
    return sorted(rules, key=lambda r: r.clause_id)


def _condition(raw: Any) -> Condition | None:
    if not raw:
        return None
    return Condition.from_json(json.loads(raw) if isinstance(raw, str) else raw)


def _benefit(n: Node) -> BenefitTerm:
    p = n.properties
    return BenefitTerm(kind=p.get("benefit_kind", ""), amount_yuan=p.get("amount_yuan"), rate=p.get("rate"),
                       cap_yuan=p.get("cap_yuan"), recurrence=p.get("recurrence"), text=p.get("text", ""),
                       per_unit=p.get("per_unit"))


def match_firm(firm: FirmProfile, rules: list[ClauseRule], *, as_of: str | None = None,
               include_ineligible: bool = True) -> FirmAnswer:
    """A firm against every clause in force: ranked eligible first, then by benefit."""
    answer = FirmAnswer(firm)
    for rule in rules:
        if not rule.in_force(as_of):
            continue
        status, lines = evaluate(rule.condition, firm, as_of=as_of)
        if status is Status.INELIGIBLE and not include_ineligible:
            continue
        estimate = rule.estimate_for(firm, as_of=as_of) if status is not Status.INELIGIBLE else rule.estimate()
        answer.matches.append(Match(rule, status, lines, estimate=estimate))
    order = {Status.ELIGIBLE: 0, Status.UNKNOWN: 1, Status.INELIGIBLE: 2}
    answer.matches.sort(key=lambda m: (order[m.status], -m.estimate, m.rule.clause_id))
    _stack(answer.matches)
    answer.questions = guided_questions(answer.matches)
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


def guided_questions(matches: list[Match], *, most: int = 5) -> list[dict[str, Any]]:
    """The few facts that would settle the most `unknown` answers, most useful first."""
    counts: Counter[str] = Counter()
    asks: dict[str, str] = {}
    for m in matches:
        if m.status is not Status.UNKNOWN:
            continue
        for attr in {line.criterion.attribute for line in m.lines if line.outcome is Outcome.MISSING}:
            counts[attr] += 1
            asks.setdefault(attr, next(line.advice for line in m.lines
                                       if line.criterion.attribute == attr and line.outcome is Outcome.MISSING))
    return [{"attribute": a, "question": asks[a], "clauses": n} for a, n in counts.most_common(most) if a]


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


def profile_firm(profile: str | Path | Mapping[str, Any], *, source: str) -> FirmProfile:
    """The engine's view of a firm profile (a file or its JSON), without storing it: the same
    facts as the profile would give once imported.

    Raises:
        InvalidInput: the profile does not validate.
    """
    doc = profile_to_document(load_profile(profile), source=source)
    return firm_from_graph(next(n for n in doc.nodes.values() if n.label == L_FIRM))


def firm_of(graph: GraphStore, key: str) -> FirmProfile:
    """A firm by 统一社会信用代码 or name in the graph, or from a profile file (``*.json``).

    Raises:
        NotFound: no such firm in the graph.
        InvalidInput: the profile file does not validate.
    """
    path = Path(key)
    if key.endswith(".json") and path.is_file():
        return profile_firm(path, source=path.name)
    return firm_from_graph(find_firm(graph, key))


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
    for rule in wanted:
        if not rule.in_force(as_of):
            continue
        by_status: dict[str, list[dict[str, Any]]] = {s.value: [] for s in Status}
        for firm in firms:
            status, lines = evaluate(rule.condition, firm, as_of=as_of)
            missing = sorted({line.criterion.attribute for line in lines if line.outcome is Outcome.MISSING} - {None})
            by_status[status.value].append({"credit_code": firm.credit_code, "name": firm.name,
                                            **({"missing": missing} if missing else {})})
        out.append({"clause": {"id": rule.clause_id, "name": rule.clause_name, "text": rule.clause_text},
                    "policy": {"id": rule.policy_id, "title": rule.policy_title, "doc_number": rule.doc_number},
                    "counts": {s: len(v) for s, v in by_status.items()}, "firms": by_status})
    return out
