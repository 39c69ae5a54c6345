"""Domain records shared by ingest, the stores, search and the API.

Plain dataclasses: nothing here imports a database driver or the web framework.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any


def node_id(label: str, key: str) -> str:
    """Stable id of a node: its ontology class and its natural key (whitespace dropped)."""
    return label + ":" + re.sub(r"\s+", "", key)


@dataclass(frozen=True)
class Provenance:
    """Where a node or edge was read: document, character offsets and the sentence."""

    doc_id: str
    source: str
    start: int
    end: int
    sentence: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        return cls(d["doc_id"], d["source"], int(d["start"]), int(d["end"]), d["sentence"])


@dataclass
class Node:
    """A graph node. `label` is an ontology class name; `id` is stable across ingests."""

    id: str
    label: str
    name: str
    aliases: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)

    def to_json(self, *, with_provenance: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": "node",
            "id": self.id,
            "label": self.label,
            "name": self.name,
            "aliases": sorted(self.aliases),
            "properties": self.properties,
        }
        if with_provenance:
            d["provenance"] = [p.to_dict() for p in self.provenance]
        return d


@dataclass
class Edge:
    """A directed, typed edge; `label` is an ontology relation type."""

    label: str
    source: str
    target: str
    properties: dict[str, Any] = field(default_factory=dict)
    provenance: list[Provenance] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.label, self.target)

    def to_json(self, *, with_provenance: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "kind": "edge",
            "label": self.label,
            "source": self.source,
            "target": self.target,
            "properties": self.properties,
        }
        if with_provenance:
            d["provenance"] = [p.to_dict() for p in self.provenance]
        return d


# The label of the unit that holds a whole document's words (its node is the PolicyDocument).
# Not a node label: type filters never name it; only the document ranking reads these units.
DOCUMENT_TEXT = "PolicyText"
# The label of a sentence unit of a clause (its node is the clause): the passages search answers with.
PASSAGE = "Passage"
# A passage unit's id is its clause's id, this mark and its sentence number: backends keep one
# hit per id, and a clause has several passages.
PASSAGE_MARK = "¶"
# Units that belong to one document. Two files of the same 文号 give such units equal ids, and
# each stays a hit of its own; an entity indexed once per document that names it is one hit.
DOCUMENT_UNITS = frozenset({"PolicyDocument", "PolicyClause", DOCUMENT_TEXT, PASSAGE})


def one_hit_per_node(labels: tuple[str, ...]) -> bool:
    """Whether a search over these labels (none: all) keeps one hit per node id."""
    return not labels or not set(labels) <= DOCUMENT_UNITS


@dataclass(frozen=True)
class SearchUnit:
    """One searchable passage or entity, linked to its graph node."""

    node_id: str
    label: str
    doc_id: str
    title: str
    text: str
    tokens: str  # jieba tokens joined by single spaces; both backends index exactly this


@dataclass
class DocumentGraph:
    """Everything one ingested document contributes: nodes, edges and search units."""

    doc_id: str
    version: str
    source: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], Edge] = field(default_factory=dict)
    units: list[SearchUnit] = field(default_factory=list)
    primary: set[str] = field(default_factory=set)  # nodes this document owns (itself, its clauses)
    policy_id: str | None = None  # the PolicyDocument node of the policy the file holds

    def add_node(
        self,
        node_id: str,
        label: str,
        name: str,
        *,
        prov: Provenance | None = None,
        aliases: list[str] | tuple[str, ...] = (),
        primary: bool = False,
        **properties: Any,
    ) -> Node:
        """Add a node or merge into the one with the same id (aliases, properties, provenance)."""
        node = self.nodes.get(node_id)
        if node is None:
            node = self.nodes[node_id] = Node(node_id, label, name)
        for a in aliases:
            if a != node.name and a not in node.aliases:
                node.aliases.append(a)
        for k, v in properties.items():
            if v is not None and v != "":
                node.properties.setdefault(k, v)
        if prov is not None and len(node.provenance) < 50:
            node.provenance.append(prov)
        if primary:
            self.primary.add(node_id)
        return node

    def add_edge(
        self, source: str, label: str, target: str, *, prov: Provenance | None = None, **properties: Any
    ) -> Edge | None:
        if source == target:
            return None
        key = (source, label, target)
        edge = self.edges.get(key)
        if edge is None:
            edge = self.edges[key] = Edge(label, source, target)
        for k, v in properties.items():
            if v is not None and v != "":
                edge.properties.setdefault(k, v)
        if prov is not None and len(edge.provenance) < 20:
            edge.provenance.append(prov)
        return edge


class DuplicatePolicy(enum.Enum):
    """What a store does when a document with the same id is already stored."""

    OVERWRITE = "overwrite"  # replace an older version; a same version is left as it is
    SKIP = "skip"  # keep whatever is stored
    FAIL = "fail"  # raise Conflict if a different version is stored


class WriteOutcome(enum.Enum):
    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Subgraph:
    nodes: list[Node]
    edges: list[Edge]


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: each group is a set of interchangeable terms (a term and its synonyms)."""

    text: str
    groups: tuple[tuple[str, ...], ...]
    labels: tuple[str, ...] = ()
    limit: int = 10
    offset: int = 0
    doc_ids: tuple[str, ...] = ()  # only units of these documents (empty: every document)
    weights: tuple[float, ...] = ()  # one per group for the ranking (empty: all 1)
    places: tuple[str, ...] = ()  # first terms of the groups that name a place
    asks: tuple[str, ...] = ()  # what the question asks for: "amount", "time"


@dataclass(frozen=True)
class SearchHit:
    node_id: str
    label: str
    doc_id: str
    title: str
    score: float
    text: str
    snippet: str = ""
    tokens: str = ""  # the unit's index tokens, for scoring the same way on every backend


@dataclass(frozen=True)
class TermStats:
    """Index statistics BM25 needs: number of units, their mean length in tokens, and how
    many units hold each term. Exact (deleted units are not counted)."""

    units: int
    avg_length: float
    doc_freq: dict[str, int]
