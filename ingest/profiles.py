"""Firm profiles and registry rows as graph: the Enterprise node with its facts, and the firm's
places, industries, qualifications, patents, talents and platforms as nodes and edges."""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from typing import Any

from policykg.core.model import DocumentGraph, Provenance, node_id
from policykg.core.ontology import PKG, Concept
from policykg.core.places import canonical_level, place_chain
from policykg.eligibility.attributes import attribute, yearly_attributes
from policykg.eligibility.engine import Fact
from policykg.eligibility.profile import (
    L_ENTERPRISE,
    L_INDUSTRY,
    L_PATENT,
    L_PLACE,
    L_PLATFORM,
    L_QUAL,
    L_TALENT,
    NO_QUALIFICATION,
    P_CREDIT,
    P_FACTS,
    P_FROM,
    P_LEVEL,
    P_NUMBER,
    P_PATENT_TYPE,
    P_PROGRAM,
    P_PTYPE,
    P_ROLE,
    P_TITLE,
    P_TO,
    R_HOLDS,
    R_IN_INDUSTRY,
    R_LOCATED_IN,
    R_OPERATES,
    R_OWNS,
    R_PART_OF,
    R_WORKS_AT,
    SENTENCE_CHARS,
    FirmProfileIn,
    canonical_in,
    enterprise_id,
    label_index,
    qualification_concept,
)
from policykg.ingest.units import units_for


@lru_cache(maxsize=1)
def _industries() -> tuple[dict[str, Concept], re.Pattern[str]]:
    index = label_index(PKG.IndustryScheme)
    # Longest label first, so 新能源汽车 wins over 新能源 and 汽车 at the same position.
    pattern = re.compile("|".join(re.escape(label) for label in sorted(index, key=lambda s: (-len(s), s))))
    return index, pattern



# Clauses that exclude an activity (「不得从事…金融业务」, 「不含危险化学品」) name industries the
# firm is not in.
_EXCLUDED = re.compile(r"(?:不得|不含|不包括|禁止|除)[^；;。）)]*")


def infer_industries(business_scope: str | None) -> list[Concept]:
    """IndustryScheme concepts whose labels 经营范围 mentions, in order of first mention."""
    if not business_scope:
        return []
    index, pattern = _industries()
    text = _EXCLUDED.sub("", business_scope)
    out: list[Concept] = []
    for m in pattern.finditer(text):
        c = index[m.group(0)]
        if c not in out:
            out.append(c)
    return out

def _level(label: str | None) -> str | None:
    """A platform's 级别 as the LevelScheme names it (县级 → 区级, 省 → 省级); one it does not know, as given."""
    return (canonical_level(label) or label) if label else label


def add_place_chain(doc: DocumentGraph, firm: str, chain: list[str], prov: Provenance | None) -> None:
    """Place nodes for the chain, each PART_OF the wider one; the firm LOCATED_IN the last."""
    prev = None
    for place in chain:
        pid = node_id(L_PLACE, place)
        doc.add_node(pid, L_PLACE, place, prov=prov)
        if prev:
            doc.add_edge(pid, R_PART_OF, prev, prov=prov)
        prev = pid
    if prev:
        doc.add_edge(firm, R_LOCATED_IN, prev, prov=prov)


def add_industry(doc: DocumentGraph, firm: str, concept: Concept, prov: Provenance | None) -> None:
    iid = node_id(L_INDUSTRY, concept.pref_label)
    doc.add_node(iid, L_INDUSTRY, concept.pref_label, prov=prov, aliases=concept.alt_labels)
    doc.add_edge(firm, R_IN_INDUSTRY, iid, prov=prov)


# ---------------------------------------------------------------------------- profile → graph
def _num(v: float) -> float | int:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def profile_to_document(profile: FirmProfileIn, source: str) -> DocumentGraph:
    """The graph a profile contributes: its facts on the firm's Enterprise node (merged with
    the registry's node of the same id), and the firm's qualifications, patents, platforms and
    talents as nodes and edges.

    Args:
        profile: a checked profile (`load_profile`).
        source: the file or channel it came from (the document's source); the facts cite
            `profile.source` if given, else this.
    """
    cc = profile.credit_code
    src = profile.source or source  # what the facts cite
    data = profile.model_dump(mode="json", exclude_none=True)
    text = _dumps(data)
    doc = DocumentGraph(f"profile:{cc}", hashlib.sha256((source + "\n" + text).encode()).hexdigest(), source)

    def prov(part: Any) -> Provenance:
        """Where a list item (a dict) or a top-level key (a str) is in the canonical JSON."""
        frag = f'"{part}":{_dumps(data[part])}' if isinstance(part, str) else _dumps(part)
        start = text.find(frag)
        if start < 0:  # not expected: every fragment is cut from `text`'s own serialisation
            start, frag = 0, text
        return Provenance(doc.doc_id, source, start, start + len(frag), frag[:SENTENCE_CHARS])

    as_of = profile.as_of.isoformat() if profile.as_of else None
    facts: list[Fact | dict[str, Any]] = []
    firm = enterprise_id(cc)
    # Not primary: a registry row owns the firm's name and scalar properties; facts lists merge.
    doc.add_node(firm, L_ENTERPRISE, profile.name, prov=prov("credit_code"),
                 **{P_CREDIT: cc})

    if profile.registered_place:
        chain = place_chain(profile.registered_place)
        p = prov("registered_place")
        add_place_chain(doc, firm, chain, p)
        facts.append(Fact("registered_place", "".join(chain) or profile.registered_place, date=as_of, source=src))

    for q, qd in zip(profile.qualifications, data["qualifications"]):
        c = qualification_concept(q.name)
        qid = node_id(L_QUAL, q.name)
        p = prov(qd)
        doc.add_node(qid, L_QUAL, q.name, prov=p, aliases=c.alt_labels)
        doc.add_edge(firm, R_HOLDS, qid, prov=p, **{P_FROM: q.date.isoformat(),
                                                    P_TO: q.expires.isoformat() if q.expires else None})
        fact = Fact("qualification", q.name, date=q.date.isoformat(), source=src).to_json()
        if q.expires:
            fact["expires"] = q.expires.isoformat()  # kept for the engine; Fact has no field for it yet
        facts.append(fact)

    if "qualifications" in profile.model_fields_set and not profile.qualifications:
        facts.append(Fact("qualification", NO_QUALIFICATION, date=as_of, source=src))

    for y in profile.yearly:
        for a in yearly_attributes():
            v = getattr(y, a.key)
            if v is not None:
                facts.append(Fact(a.key, _num(v), unit=a.unit, year=y.year, source=src))

    for n, (pt, pd) in enumerate(zip(profile.patents, data["patents"]), 1):
        pid = f"{L_PATENT}:{cc}:{n}"
        p = prov(pd)
        doc.add_node(pid, L_PATENT, pt.title or pt.number or f"{pt.type}专利{n}", prov=p,
                     **{P_NUMBER: pt.number, P_TITLE: pt.title, P_PATENT_TYPE: pt.type,
                        P_FROM: pt.date.isoformat() if pt.date else None})
        doc.add_edge(firm, R_OWNS, pid, prov=p)
    if "patents" in profile.model_fields_set:
        facts.append(Fact("invention_patents", sum(1 for pt in profile.patents if pt.type == "发明"),
                          unit=attribute("invention_patents").unit, date=as_of, source=src))

    for i, (t, td) in enumerate(zip(profile.talents, data["talents"])):
        key = cc + t.name if t.name else f"{cc}#{i}{t.role or ''}{t.program or ''}"
        tid = f"{L_TALENT}:{hashlib.sha1(key.encode()).hexdigest()[:12]}"
        p = prov(td)
        doc.add_node(tid, L_TALENT, t.name or t.role or t.program or "人才", prov=p,
                     **{P_ROLE: t.role, P_PROGRAM: t.program})
        doc.add_edge(tid, R_WORKS_AT, firm, prov=p, **{P_ROLE: t.role})

    for pl, pld in zip(profile.platforms, data["platforms"]):
        plid = node_id(L_PLATFORM, pl.name)
        p = prov(pld)
        doc.add_node(plid, L_PLATFORM, pl.name, prov=p,
                     **{P_PTYPE: canonical_in(PKG.PlatformTypeScheme, pl.type),
                        P_LEVEL: _level(pl.level)})
        doc.add_edge(firm, R_OPERATES, plid, prov=p)
    if "platforms" in profile.model_fields_set:
        # one fact listing 级别+类型 of every platform (省级企业技术中心), so "not among them" is known
        held = [(_level(pl.level) or "") + (canonical_in(PKG.PlatformTypeScheme, pl.type)
                                                                   or pl.name) for pl in profile.platforms]
        facts.append(Fact("platform", held, date=as_of, source=src))

    if profile.no_major_violation is not None:
        facts.append(Fact("no_major_violation", profile.no_major_violation, date=as_of, source=src))

    doc.nodes[firm].properties[P_FACTS] = [f if isinstance(f, dict) else f.to_json() for f in facts]

    doc.units = units_for(doc)
    return doc
