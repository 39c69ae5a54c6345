from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import OWL

from policykg.core.ontology import PKG, PKG_IRI, load_ontology, name
from policykg.ingest.nlp import build_pipeline


def test_every_namespace_term_is_defined_in_the_turtle_and_back():
    g = load_ontology().graph
    declared = {name(s) for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(PKG_IRI)}
    in_code = {t for t in PKG.__annotations__}
    assert in_code - declared == set(), "terms in PKG but not in ontologies/*.ttl"
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    typed = {name(s) for k in kinds for s in g.subjects(RDF.type, k)}
    assert typed - in_code == set(), "ontology terms the code cannot name through PKG"


def test_required_classes_and_relations_exist_with_chinese_labels():
    o = load_ontology()
    for cls in ("PolicyDocument", "PolicyClause", "Benefit", "EligibilityCriterion", "Enterprise", "Organization",
                "Agency", "Platform", "Industry", "Qualification", "Scenario", "Project", "Indicator", "Fund",
                "TalentProgram", "Talent", "Patent", "Place"):
        assert cls in o.node_labels
        label = o.label_zh(PKG[cls])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in label), cls
    for rel in ("ISSUED_BY", "CITES", "HAS_CLAUSE", "PROVIDES", "REQUIRES", "TARGETS", "LEADS", "ASSISTS",
                "IN_DOMAIN", "LOCATED_IN", "OWNS", "WORKS_AT", "OPERATES", "HOLDS", "MENTIONS"):
        assert rel in o.relation_types


def test_synonyms_resolve_short_forms_to_one_concept():
    syn = load_ontology().synonyms
    assert syn["高企"][0] == "高新技术企业"
    assert syn["职教发展24条"][0] == "职教24条"
    assert set(syn["高企"]) == set(syn["高新技术企业"])


def test_public_vocabularies_are_mapped():
    g = load_ontology().graph
    eli = "http://data.europa.eu/eli/ontology#"
    assert (PKG.PolicyDocument, RDFS.subClassOf, URIRef(eli + "LegalResource")) in g
    assert (PKG.EligibilityCriterion, RDFS.subClassOf, URIRef("http://data.europa.eu/m8g/Criterion")) in g
    assert (PKG.Agency, RDFS.subClassOf, URIRef("http://www.w3.org/ns/org#Organization")) in g
    assert any(o == URIRef("https://schema.org/MonetaryGrant") for o in g.objects(PKG.Benefit, None))


def test_jieba_dictionary_is_generated_from_the_ontology():
    import jieba

    build_pipeline()
    words = load_ontology().dictionary_words
    assert "高新技术企业" in words and "汽摩及零部件" in words
    # Segmentation keeps ontology terms whole, which plain jieba would split.
    assert "汽摩及零部件" in jieba.lcut("围绕汽摩及零部件、智能装备等主导产业")
    assert "高新技术企业" in jieba.lcut("培育高新技术企业60家以上")


def test_chinese_labels_are_language_tagged():
    g = load_ontology().graph
    labels = list(g.objects(PKG.Agency, RDFS.label))
    assert Literal("政府部门", lang="zh") in labels
