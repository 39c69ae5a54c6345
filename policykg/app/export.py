"""Export the graph as JSON Lines or as Turtle (rdflib) that the SHACL shapes validate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import IO
from urllib.parse import quote

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef

from policykg.core.model import Edge, Node
from policykg.core.ontology import ID_IRI, PKG_IRI
from policykg.graph.store import GraphStore

PKG_NS = Namespace(PKG_IRI)


def iter_jsonl(graph: GraphStore) -> Iterator[str]:
    for item in graph.iter_graph():
        yield json.dumps(item.to_json(), ensure_ascii=False, sort_keys=True)


def export_jsonl(graph: GraphStore, out: IO[str]) -> int:
    n = 0
    for line in iter_jsonl(graph):
        out.write(line + "\n")
        n += 1
    return n


def node_iri(node_id: str) -> URIRef:
    return URIRef(ID_IRI + quote(node_id, safe=""))


def _literal(key: str, value) -> Literal:
    if key in ("issue_date", "dates"):
        return Literal(value, datatype=XSD.date)
    if isinstance(value, bool):
        return Literal(value)
    if isinstance(value, dict | list):
        return Literal(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, int | float):
        return Literal(Decimal(str(value)), datatype=XSD.decimal)
    return Literal(str(value), lang="zh") if key in ("title", "heading", "text", "tasks") else Literal(str(value))


def to_rdf(graph: GraphStore) -> Graph:
    g = Graph()
    g.bind("pkg", PKG_NS)
    g.bind("skos", SKOS)
    g.bind("id", Namespace(ID_IRI))
    for item in graph.iter_graph():
        if isinstance(item, Node):
            s = node_iri(item.id)
            g.add((s, RDF.type, PKG_NS[item.label]))
            g.add((s, RDFS.label, Literal(item.name, lang="zh")))
            for a in item.aliases:
                g.add((s, SKOS.altLabel, Literal(a, lang="zh")))
            for k, v in item.properties.items():
                for value in v if isinstance(v, list) else [v]:
                    if value is not None:
                        g.add((s, PKG_NS[k], _literal(k, value)))
        elif isinstance(item, Edge):
            g.add((node_iri(item.source), PKG_NS[item.label], node_iri(item.target)))
    return g


def export_turtle(graph: GraphStore, out: IO[str]) -> int:
    g = to_rdf(graph)
    out.write(g.serialize(format="turtle"))
    return len(g)
