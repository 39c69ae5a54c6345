"""Typed access to the ontology in `ontologies/*.ttl`.

`PKG` is the one namespace class code uses for node labels, relation types and property
keys: the graph stores each term's local name (``PKG.ISSUED_BY`` → ``"ISSUED_BY"``).
`Ontology` reads the Turtle files with rdflib and answers the lexical questions the
extractor and the search need (labels, synonyms, name suffixes, dictionary words).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, DefinedNamespace

from policykg.ontologies import ONTOLOGY_FILES, read_turtle

PKG_IRI = "https://w3id.org/policykg/ontology#"
ID_IRI = "https://w3id.org/policykg/id/"


class PKG(DefinedNamespace):
    """Terms of the policykg ontology. A term missing from the Turtle fails a test."""

    _NS = Namespace(PKG_IRI)
    _fail = True

    # classes (node labels)
    PolicyDocument: URIRef
    PolicyClause: URIRef
    Benefit: URIRef
    EligibilityCriterion: URIRef
    Enterprise: URIRef
    Organization: URIRef
    Agency: URIRef
    Platform: URIRef
    Industry: URIRef
    Qualification: URIRef
    Scenario: URIRef
    Domain: URIRef
    Project: URIRef
    Indicator: URIRef
    Fund: URIRef
    TalentProgram: URIRef
    Talent: URIRef
    Patent: URIRef
    Place: URIRef

    # relation types
    ISSUED_BY: URIRef
    CITES: URIRef
    HAS_CLAUSE: URIRef
    PROVIDES: URIRef
    REQUIRES: URIRef
    TARGETS: URIRef
    LEADS: URIRef
    ASSISTS: URIRef
    IN_DOMAIN: URIRef
    LOCATED_IN: URIRef
    OWNS: URIRef
    WORKS_AT: URIRef
    OPERATES: URIRef
    HOLDS: URIRef
    MENTIONS: URIRef
    PART_OF: URIRef
    IN_INDUSTRY: URIRef

    # property keys
    doc_number: URIRef
    title: URIRef
    short_name: URIRef
    issuer: URIRef
    issue_date: URIRef
    source_file: URIRef
    content_sha256: URIRef
    number: URIRef
    heading: URIRef
    path: URIRef
    level_of_heading: URIRef
    text: URIRef
    amount_yuan: URIRef
    amount_text: URIRef
    amounts_yuan: URIRef
    dates: URIRef
    target_value: URIRef
    target_unit: URIRef
    target_text: URIRef
    period: URIRef
    group: URIRef
    tasks: URIRef
    level: URIRef
    platform_type: URIRef
    credit_code: URIRef
    role: URIRef
    registered_capital_yuan: URIRef
    registered_currency: URIRef
    registration_date: URIRef
    enterprise_type: URIRef
    business_scope: URIRef
    address: URIRef
    facts: URIRef
    attribute: URIRef
    operator: URIRef
    value: URIRef
    needs_review: URIRef
    condition: URIRef
    benefit_kind: URIRef
    rate: URIRef
    cap_yuan: URIRef
    recurrence: URIRef
    stacking_group: URIRef
    effective_from: URIRef
    effective_to: URIRef
    application_window: URIRef
    per_unit: URIRef
    attribute_label: URIRef
    value_type: URIRef
    count_of: URIRef
    credit_yuan: URIRef
    budget_yuan: URIRef
    patent_type: URIRef
    program: URIRef

    # annotations and schemes
    nameSuffix: URIRef
    namePrefix: URIRef
    excludedWord: URIRef
    instancesOf: URIRef
    valueType: URIRef
    unit: URIRef
    definitionPeriod: URIRef
    AttributeScheme: URIRef
    OperatorScheme: URIRef
    PlatformTypeScheme: URIRef
    LevelScheme: URIRef
    IndustryScheme: URIRef
    QualificationScheme: URIRef
    BenefitTypeScheme: URIRef
    KnownPolicyScheme: URIRef
    DomainTermScheme: URIRef
    PlaceScheme: URIRef
    SearchLexiconScheme: URIRef

    # word lists (ontologies/words.ttl) for reading criteria
    WordList: URIRef
    word: URIRef
    MeasureHeads: URIRef
    TermNouns: URIRef
    HonourVerbs: URIRef
    HonourHeads: URIRef
    YesNoVerbs: URIRef
    FirmKindHeads: URIRef
    SubjectWords: URIRef
    NegationWords: URIRef
    ExclusionWords: URIRef
    CountUnits: URIRef
    QuantityUnits: URIRef
    MoneyUnits: URIRef
    PeriodWords: URIRef
    QueryWords: URIRef
    AmountQuestionWords: URIRef
    TimeQuestionWords: URIRef


# Schemes that describe criteria (what is compared and how), not things named in text: their
# labels are neither search synonyms nor segmentation words.
NOT_LEXICAL = frozenset({PKG.AttributeScheme, PKG.OperatorScheme, PKG.PlaceScheme})


def name(term: URIRef) -> str:
    """The string a term becomes in the graph: its local name."""
    return str(term)[len(PKG_IRI):] if str(term).startswith(PKG_IRI) else str(term)


@dataclass(frozen=True)
class Concept:
    """A SKOS concept: canonical label, synonyms and broader concept."""

    iri: URIRef
    pref_label: str
    alt_labels: tuple[str, ...]
    broader: URIRef | None

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.pref_label, *self.alt_labels)


def _zh(values) -> list[str]:
    out = []
    for v in values:
        if isinstance(v, Literal) and (v.language in (None, "zh")):
            out.append(str(v))
    return sorted(out)


class Ontology:
    """The loaded ontology. Build once with `load_ontology()`; it is read-only."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    @cached_property
    def node_labels(self) -> frozenset[str]:
        return frozenset(
            name(c) for c in self.graph.subjects(RDF.type, OWL.Class) if str(c).startswith(PKG_IRI)
        )

    @cached_property
    def relation_types(self) -> frozenset[str]:
        return frozenset(name(p) for p in self.graph.subjects(RDF.type, OWL.ObjectProperty))

    @cached_property
    def property_keys(self) -> frozenset[str]:
        return frozenset(name(p) for p in self.graph.subjects(RDF.type, OWL.DatatypeProperty))

    def label_zh(self, term: URIRef) -> str:
        """The Chinese rdfs:label of a term."""
        labels = _zh(self.graph.objects(term, RDFS.label))
        return labels[0] if labels else name(term)

    def annotation(self, term: URIRef, prop: URIRef) -> tuple[str, ...]:
        return tuple(sorted(str(v) for v in self.graph.objects(term, prop)))

    def suffixes(self, cls: URIRef) -> tuple[str, ...]:
        """Name suffixes of a class, longest first so the longest one wins a match."""
        return tuple(sorted(self.annotation(cls, PKG.nameSuffix), key=lambda s: (-len(s), s)))

    def prefixes(self, cls: URIRef) -> tuple[str, ...]:
        return tuple(sorted(self.annotation(cls, PKG.namePrefix), key=lambda s: (-len(s), s)))

    def excluded(self, cls: URIRef) -> frozenset[str]:
        return frozenset(self.annotation(cls, PKG.excludedWord))

    def words(self, word_list: URIRef) -> tuple[str, ...]:
        """The words of one of the ontology's word lists (ontologies/words.ttl), longest first."""
        return tuple(sorted({str(w) for w in self.graph.objects(word_list, PKG.word)}, key=lambda w: (-len(w), w)))

    def concepts(self, scheme: URIRef) -> tuple[Concept, ...]:
        g = self.graph
        out = []
        for c in sorted(g.subjects(SKOS.inScheme, scheme)):
            prefs = _zh(g.objects(c, SKOS.prefLabel))
            out.append(
                Concept(
                    iri=c,
                    pref_label=prefs[0],
                    alt_labels=tuple(_zh(g.objects(c, SKOS.altLabel))),
                    broader=next(iter(g.objects(c, SKOS.broader)), None),
                )
            )
        return tuple(out)


    @cached_property
    def synonyms(self) -> dict[str, tuple[str, ...]]:
        """Every label of every concept → all labels of that concept (itself included)."""
        out: dict[str, tuple[str, ...]] = {}
        for scheme in self.graph.subjects(RDF.type, SKOS.ConceptScheme):
            if scheme in NOT_LEXICAL:
                continue
            for c in self.concepts(scheme):
                for label in c.labels:
                    out[label] = c.labels
        return out

    @cached_property
    def dictionary_words(self) -> tuple[str, ...]:
        """Words for the jieba user dictionary: every Chinese label and suffix in the ontology."""
        words: set[str] = set()
        skip = {c for scheme in NOT_LEXICAL for c in self.graph.subjects(SKOS.inScheme, scheme)}
        for prop in (SKOS.prefLabel, SKOS.altLabel):
            for subject, o in self.graph.subject_objects(prop):
                if subject not in skip:
                    words.update(_zh([o]))
        for o in self.graph.objects(None, RDFS.label):
            if isinstance(o, Literal) and o.language == "zh":
                words.add(str(o))
        return tuple(sorted(w for w in words if len(w) >= 2 and " " not in w))


@lru_cache(maxsize=1)
def load_ontology() -> Ontology:
    """Parse the ontology files once per process."""
    g = Graph()
    for f in ONTOLOGY_FILES:
        g.parse(data=read_turtle(f), format="turtle")
    return Ontology(g)
