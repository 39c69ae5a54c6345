"""The Turtle export follows the ontology and the SHACL shapes validate it."""

import io

import pyshacl
from rdflib import RDF, Graph, URIRef

from policykg.app.export import export_jsonl, export_turtle, node_iri, to_rdf
from policykg.core.ontology import PKG, load_ontology
from policykg.ontologies import SHAPES_NAME, read_turtle


def test_turtle_export_conforms_to_the_shapes(yongchuan_store):
    out = io.StringIO()
    triples = export_turtle(yongchuan_store.graph, out)
    g = Graph().parse(data=out.getvalue(), format="turtle")
    assert len(g) == triples > 1000
    conforms, _, report = pyshacl.validate(g, shacl_graph=read_turtle(SHAPES_NAME), shacl_graph_format="turtle", inference="none")
    assert conforms, report
    doc = node_iri("PolicyDocument:永川府办发〔2021〕49号")
    assert (doc, RDF.type, PKG.PolicyDocument) in g
    assert str(g.value(doc, PKG.doc_number)) == "永川府办发〔2021〕49号"


def test_shapes_catch_a_broken_graph(yongchuan_store):
    g = to_rdf(yongchuan_store.graph)
    scenario = next(g.subjects(RDF.type, PKG.Scenario))
    g.remove((scenario, PKG.IN_DOMAIN, None))
    conforms, _, report = pyshacl.validate(g, shacl_graph=read_turtle(SHAPES_NAME), shacl_graph_format="turtle", inference="none")
    assert not conforms and "IN_DOMAIN" in report


def test_exported_terms_all_come_from_the_ontology(yongchuan_store):
    o = load_ontology()
    g = to_rdf(yongchuan_store.graph)
    pkg = str(PKG.PolicyDocument).rsplit("#", 1)[0] + "#"
    used = {str(p)[len(pkg):] for p in g.predicates() if str(p).startswith(pkg)}
    assert used <= o.relation_types | o.property_keys
    classes = {str(c)[len(pkg):] for c in g.objects(None, RDF.type) if isinstance(c, URIRef) and str(c).startswith(pkg)}
    assert classes <= o.node_labels


def test_jsonl_labels_are_ontology_terms(yongchuan_store):
    import json

    o = load_ontology()
    out = io.StringIO()
    n = export_jsonl(yongchuan_store.graph, out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert len(lines) == n
    assert {x["label"] for x in lines if x["kind"] == "node"} <= o.node_labels
    assert {x["label"] for x in lines if x["kind"] == "edge"} <= o.relation_types
    keys = {k for x in lines for k in x["properties"]}
    assert keys <= o.property_keys
