"""From a parsed document and the spaCy pipeline to the nodes, edges and search units it
contributes (a `DocumentGraph`)."""

from __future__ import annotations

import re
from pathlib import PurePath

from spacy.language import Language

from policykg.core.errors import NotAPolicy
from policykg.core.model import DocumentGraph, Provenance, node_id
from policykg.core.ontology import PKG, load_ontology, name
from policykg.core.places import level_of, place_of_name
from policykg.core.tokens import remember_doc_words
from policykg.ingest.criteria import add_criteria
from policykg.ingest.criteria.readings import share_tokens
from policykg.ingest.nlp import SPAN_KEY, doc_text, enumerated_firms
from policykg.ingest.reader import RawDocument
from policykg.ingest.structure import ParsedDocument, Section, Table, is_addressee, split_issuers
from policykg.ingest.text import parse_quantity, sentence_around
from policykg.ingest.units import units_for

L_DOC, L_CLAUSE, L_AGENCY, L_ORG = (name(PKG.PolicyDocument), name(PKG.PolicyClause),
                                    name(PKG.Agency), name(PKG.Organization))
L_PLATFORM, L_FUND, L_TALENT_PROG = name(PKG.Platform), name(PKG.Fund), name(PKG.TalentProgram)
L_INDUSTRY, L_QUAL, L_SCENARIO, L_DOMAIN = (name(PKG.Industry), name(PKG.Qualification),
                                            name(PKG.Scenario), name(PKG.Domain))
L_PROJECT, L_INDICATOR, L_PLACE, L_ENTERPRISE = (name(PKG.Project), name(PKG.Indicator),
                                                 name(PKG.Place), name(PKG.Enterprise))
R = {r: name(getattr(PKG, r)) for r in ("ISSUED_BY", "CITES", "HAS_CLAUSE", "LEADS", "ASSISTS",
                                         "IN_DOMAIN", "LOCATED_IN", "MENTIONS", "PART_OF", "TARGETS")}
P = {p: name(getattr(PKG, p)) for p in (
    "doc_number", "title", "short_name", "issuer", "issue_date", "source_file", "content_sha256",
    "number", "heading", "path", "level_of_heading", "text", "amount_yuan", "amount_text",
    "target_value", "target_unit", "target_text", "period", "group", "tasks", "level",
    "platform_type", "role", "amounts_yuan", "dates")}

CLAUSE_TEXT_LIMIT = 6000
CHUNK_CHARS = 100_000


def _chunks(text: str, size: int):
    """(offset, piece) pieces of at most about `size` characters, cut after a line end."""
    start = 0
    while start < len(text):
        end = len(text) if len(text) - start <= size else text.rfind("\n", start, start + size) + 1
        if end <= start:
            end = min(len(text), start + size)
        yield start, text[start:end]
        start = end
# Words of administrative prose: one of them is enough to tell a notice from a story.
_POLICY_WORDS = re.compile(
    r"政策|办法|通知|意见|决定|规定|条例|细则|方案|措施|公告|通告|解读|补助|补贴|奖励|扶持|资助|申报|申请"
    r"|企业|单位|部门|政府|机关|国务院|委员会|办公室|实施|执行|印发|施行|办理|管理|服务|项目|资金|标准"
    r"|条件|要求|责任|监督|审核|认定|鼓励|支持|推进|加强|落实|开展|组织|机构|居民|市民|群众|纳税|税务|社保"
)
_CODE_LINE = re.compile(
    r"^\s*(?:(?:def|class|import|from|return|function|var|let|const|public|private|static|package|#include"
    r"|if|for|while|elif|else|try|except|catch)\b.*|.*[;{}]\s*$|.*\)\s*(?::|=>|\{)\s*$|\s*(?://|/\*|\*/|<[/!]?\w+).*"
    r"|.*\b\w+\s*(?:=|==|\+=|->)\s*[\w\"'(\[{].*)$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NUMERIC = re.compile(r"[\d.,;:%+\-/|\t ]")
MIN_CJK = 20  # fewer Chinese characters than a one-line notice holds
MIN_CJK_SHARE = 0.25


def refusal_reason(text: str) -> str | None:
    """Why `text` is clearly not a policy text, or None when it is policy-ish Chinese prose.

    Refused: empty; binary or control characters; program code; a bare table of numbers;
    no or too little Chinese; Chinese with no word of administrative prose at all (a story).
    Everything else is accepted, with or without 文号, issuer, date or numbered articles."""
    body = "".join(text.split())
    if not body:
        return "it is empty"
    control = len(_CONTROL.findall(text))
    if control > max(2, len(text) // 200):
        return f"it holds binary or control characters ({control} of {len(text)} characters)"
    cjk = len(_CJK.findall(body))
    share = cjk / len(body)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    code = sum(1 for ln in lines if _CODE_LINE.match(ln) and len(_CJK.findall(ln)) < len(ln.strip()) / 2)
    if lines and code >= max(2, 0.4 * len(lines)):
        return f"it looks like program code ({code} of {len(lines)} lines are code)"
    numeric = len(_NUMERIC.findall(text.replace("\n", "")))
    if share < MIN_CJK_SHARE and numeric >= 0.6 * len(text.replace("\n", "")):
        return f"it is a bare table of numbers ({numeric / max(1, len(text)):.0%} digits and separators)"
    if cjk == 0:
        return "it has no Chinese text (0% of its characters)"
    if share < MIN_CJK_SHARE:
        return f"too little of it is Chinese ({share:.0%} of its characters; a policy text is mostly Chinese)"
    if cjk < MIN_CJK:
        return f"it is too short: {cjk} Chinese characters (at least {MIN_CJK})"
    if not _POLICY_WORDS.search(text):
        return f"its {cjk} Chinese characters hold no word of administrative prose (政策, 通知, 企业, 申报 …)"
    return None


# A paragraph this long is cut into groups of sentences of about this many characters.
PARAGRAPH_CHARS = 300
_SENTENCE = re.compile(r"[^。！？；!?]*[。！？；!?]+[”’」』）)]*|[^。！？；!?]+$")


def _paragraphs(text: str, start: int, end: int):
    """(start, end) of the paragraphs of text[start:end] (one a line), a huge one cut into
    groups of whole sentences; lines with fewer than 6 Chinese characters (a date, a
    signature, 特此通知) are left out."""
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        line = text[pos:stop]
        if len(_CJK.findall(line)) >= 6:
            lead = len(line) - len(line.lstrip())
            a = pos + lead
            b = pos + len(line.rstrip())
            if b - a <= PARAGRAPH_CHARS * 3 // 2:
                yield a, b
            else:
                group = a
                for m in _SENTENCE.finditer(text, a, b):
                    if m.end() - group >= PARAGRAPH_CHARS and m.end() < b:
                        yield group, m.end()
                        group = m.end()
                if group < b:
                    yield group, b
        pos = stop + 1


class Extractor:
    """Builds the `DocumentGraph` of one document."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.ontology = load_ontology()
        self.synonyms = self.ontology.synonyms

    # ------------------------------------------------------------------ entry point
    def extract(self, raw: RawDocument, parsed: ParsedDocument) -> DocumentGraph:
        h = parsed.header
        text = parsed.text
        self._check_policy(raw, parsed)
        key = h.doc_number or h.title or PurePath(raw.source).stem
        # A file is the unit of storage (re-ingesting it replaces what it gave); the policy it
        # holds is a node that other files may cite or hold excerpts of (same 文号).
        doc_id = node_id(L_DOC, key)
        g = DocumentGraph(doc_id=raw.source, version=raw.sha256, source=raw.source)
        self.g, self.text, self.source, self.doc_id = g, text, raw.source, raw.source
        self.policy_id = g.policy_id = doc_id
        self.policy_key = doc_id.split(":", 1)[1]
        self.place = self._place_of(h.issuer or "")
        self.doc_aliases: set[str] = set()

        title_prov = self._prov(*(h.title_span or (0, min(len(text), 40))))
        doc = g.add_node(doc_id, L_DOC, h.title or key, prov=title_prov, primary=True, **{
            P["doc_number"]: h.doc_number, P["title"]: h.title, P["issuer"]: h.issuer,
            P["issue_date"]: h.date, P["source_file"]: raw.source, P["content_sha256"]: raw.sha256,
        })
        if h.title:
            inner = re.search(r"印发(?:《)?(.+?)(?:》)?的通知$", h.title)
            if inner:
                self.doc_aliases.add(inner.group(1))
                doc.aliases.append(inner.group(1))
        if h.issuer:
            for issuer in split_issuers(h.issuer):
                ag = self._agency(issuer, self._prov(*h.issuer_span))
                g.add_edge(doc_id, R["ISSUED_BY"], ag, prov=self._prov(*h.issuer_span))
                self._locate(ag, issuer, self._prov(*h.issuer_span))

        sections = list(parsed.walk())
        self.clause_of: list[tuple[int, int, str, int]] = []  # (start, end, clause id, depth)
        paths: dict[str, int] = {}
        clause_ids: dict[int, str] = {}
        first = sections[0].start if sections else len(text)
        if not sections:
            self._paragraph_clauses(doc_id, parsed)
        elif len(text[parsed.body_start:first].strip()) > 20:
            cid = self._clause(doc_id, "序言", "序言", "0", 0, parsed.body_start, first)
            self.clause_of.append((parsed.body_start, first, cid, 0))
        for s in sections:
            if s.kind == "subitem":
                continue
            path = self._path(s)
            n = paths[path] = paths.get(path, 0) + 1
            if n > 1:
                path = f"{path}~{n}"
            parent = clause_ids.get(id(s.parent)) if s.parent else None
            cid = self._clause(parent or doc_id, s.number, s.heading, path, s.level, s.start, s.end)
            clause_ids[id(s)] = cid
            self.clause_of.append((s.start, s.end, cid, self._depth(s)))

        self._entities(parsed)
        for t in parsed.tables:
            self._table(t)
        self._scenarios(sections, clause_ids)
        add_criteria(g, self.text)
        g.units = units_for(g)
        return g

    # ------------------------------------------------------------------ helpers
    def _check_policy(self, raw: RawDocument, parsed: ParsedDocument) -> None:
        reason = refusal_reason(parsed.text)
        if reason is not None:
            raise NotAPolicy(
                f"{raw.source}: not a policy document: {reason}",
                hint="any Chinese policy text is read: a notice, measure, announcement, 政策解读 or news of a measure",
            )

    def _prov(self, start: int, end: int) -> Provenance:
        return Provenance(self.doc_id, self.source, start, end, sentence_around(self.text, start, end))

    @staticmethod
    def _path(s: Section) -> str:
        parts = []
        while s is not None:
            parts.append((s.number if s.kind != "attachment" else (s.number + s.heading)).rstrip("、.．"))
            s = s.parent
        return "/".join(reversed(parts))

    @staticmethod
    def _depth(s: Section) -> int:
        d = 0
        while s.parent is not None:
            d, s = d + 1, s.parent
        return d

    def _clause(self, parent: str, number: str, heading: str, path: str, level: int,
                start: int, end: int) -> str:
        cid = f"{L_CLAUSE}:{self.policy_key}#{path}"
        body = self.text[start:end].strip()
        name_ = f"{number.rstrip('、')} {heading}".strip() if heading and heading != number else number
        self.g.add_node(cid, L_CLAUSE, name_, prov=self._prov(start, min(end, start + 80)), primary=True, **{
            P["number"]: number, P["heading"]: heading, P["path"]: path, P["level_of_heading"]: level,
            P["text"]: body[:CLAUSE_TEXT_LIMIT],
        })
        self.g.add_edge(parent, R["HAS_CLAUSE"], cid, prov=self._prov(start, min(end, start + 80)))
        return cid

    def _paragraph_clauses(self, doc_id: str, parsed: ParsedDocument) -> None:
        """A text without numbered articles: one clause a paragraph (段1, 段2 …), so criteria,
        matching and search have units. The title line is not a paragraph of the body."""
        text, span = self.text, parsed.header.title_span
        start = parsed.body_start
        if span is not None:
            line_start = text.rfind("\n", 0, span[0]) + 1
            line_end = text.find("\n", span[1])
            line_end = len(text) if line_end < 0 else line_end
            heading_only = not text[span[1]:line_end].strip()
            start = line_end if heading_only else line_start
        spans = [(a, b) for a, b in _paragraphs(text, start, len(text)) if not is_addressee(text[a:b])]
        for n, (a, b) in enumerate(spans, 1):
            cid = self._clause(doc_id, f"段{n}", "", f"段{n}", 1, a, b)
            self.clause_of.append((a, b, cid, 0))

    def _clause_at(self, pos: int) -> str:
        best, depth = self.policy_id, -1
        for s, e, cid, d in self.clause_of:
            if s <= pos < e and d > depth:
                best, depth = cid, d
        return best

    def _canonical(self, label: str) -> tuple[str, list[str]]:
        syn = self.synonyms.get(label)
        return (syn[0], list(syn[1:])) if syn else (label, [])

    def _scoped(self, name_: str) -> str:
        """Key of a name that is relative to the issuing place (区科技局 → 永川区/区科技局)."""
        if self.place and name_[:1] in "区市县镇" and not name_.startswith(("市场", "区域")):
            return f"{self.place}/{name_}"
        return name_

    def _agency(self, agency: str, prov: Provenance) -> str:
        aid = node_id(L_AGENCY, self._scoped(agency))
        self.g.add_node(aid, L_AGENCY, agency, prov=prov)
        return aid

    @staticmethod
    def _places_of(issuer: str) -> list[str]:
        """The places an issuing body's name starts with, widest first, the zone it is of last
        (嘉兴港区管委会 → 嘉兴市, 嘉兴港区)."""
        p = place_of_name(issuer)
        if p is None:
            return []
        return p.chain + [p.zone] if p.zone else p.chain

    def _place_of(self, issuer: str) -> str | None:
        parts = self._places_of(issuer)
        return parts[-1] if parts else None

    def _locate(self, node: str, issuer: str, prov: Provenance) -> None:
        parts = self._places_of(issuer)
        prev = None
        for p in parts:
            pid = node_id(L_PLACE, p)
            self.g.add_node(pid, L_PLACE, p, prov=prov)
            if prev:
                self.g.add_edge(pid, R["PART_OF"], prev, prov=prov)
            prev = pid
        if prev:
            self.g.add_edge(node, R["LOCATED_IN"], prev, prov=prov)

    # ------------------------------------------------------------------ entities in the prose
    def _entities(self, parsed: ParsedDocument) -> None:
        # The whole text goes through spaCy in a few large chunks cut at line ends: per-Doc
        # overhead dominates on short lines, and jieba treats a line end as a block boundary,
        # so the words are the same as line by line.
        text = self.text
        table_ranges = [(t.start, t.end) for t in parsed.tables]
        chunks = list(_chunks(text, CHUNK_CHARS))
        own_title = re.sub(r"\s+", "", parsed.header.title or "")
        docs = []
        for start, doc in zip((c for c, _ in chunks), self.nlp.pipe(t for _, t in chunks)):
            docs.append((start, doc))
            remember_doc_words(doc, doc_text(doc))
            inside_table = lambda pos: any(a <= pos <= b for a, b in table_ranges)
            for ent in doc.ents:
                if not inside_table(start + ent.start_char):
                    self._concept(ent.label_, ent.ent_id_ or ent.text, start + ent.start_char, start + ent.end_char)
            spans = [s for s in doc.spans.get(SPAN_KEY, []) if not inside_table(start + s.start_char)]
            money = [s for s in spans if s.label_ == "MONEY"]
            funds = [s for s in spans if s.label_ == L_FUND]
            for span in spans:
                a, b = start + span.start_char, start + span.end_char
                if span.label_ in ("MONEY", "DATE"):
                    key, value = (P["amounts_yuan"], span._.value["amount_yuan"]) if span.label_ == "MONEY" \
                        else (P["dates"], span._.value["date"])
                    found = self.g.nodes[self._clause_at(a)].properties.setdefault(key, [])
                    if value not in found:
                        found.append(value)
                elif span.label_ == L_DOC:
                    self._citation(span._.value or {}, a, b, own_title)
                elif span.label_ == L_FUND:
                    self._fund(span, money, funds, start)
                elif span.label_ in (L_AGENCY, L_ORG, L_PLATFORM, L_TALENT_PROG, L_ENTERPRISE):
                    self._named(span.label_, span.text, a, b, span._.value or {})
        self._listed_organisations(table_ranges)
        share_tokens(text, docs)  # criteria reading runs on these tokens, not on a second segmentation

    def _listed_organisations(self, table_ranges: list[tuple[int, int]]) -> None:
        """Firms, universities and institutes named without a legal suffix in lists closed by
        等…企业 (集聚了长城汽车、雅迪新能源摩托车、庆铃等一大批优质企业): Enterprise or Organization
        nodes mentioned by their clause, as the suffix-found names are."""
        for a, b, label in enumerated_firms(self.text):
            if any(s <= a <= e for s, e in table_ranges):
                continue
            written = self.text[a:b]
            name_ = self._without_own_place(written)
            nid = self._named(label, name_, a, b, {})
            if name_ != written:
                self.g.add_node(nid, label, name_, aliases=[written], prov=self._prov(a, b))

    def _without_own_place(self, written: str) -> str:
        """永川长城汽车 in a 永川区 document is 长城汽车 (the firm, located here)."""
        if not self.place:
            return written
        stem = self.place[:-1] if len(self.place) > 2 and self.place[-1] in "省市区县镇" else self.place
        if written.startswith(stem) and len(written) - len(stem) >= 4:
            return written[len(stem):]
        return written

    def _mention(self, target: str, a: int, b: int) -> None:
        prov = self._prov(a, b)
        self.g.add_edge(self._clause_at(a), R["MENTIONS"], target, prov=prov)

    def _concept(self, label: str, canonical: str, a: int, b: int) -> None:
        if label == L_DOC:  # a known short name (职教发展24条 → 职教24条)
            self._citation({"short_name": canonical}, a, b, "")
            return
        pref, alts = self._canonical(canonical)
        nid = node_id(label, pref)
        self.g.add_node(nid, label, pref, aliases=alts, prov=self._prov(a, b))
        self._mention(nid, a, b)

    def _citation(self, value: dict, a: int, b: int, own_title: str) -> None:
        title, number, short = value.get("title"), value.get("doc_number"), value.get("short_name")
        if number and number == self.g.nodes[self.policy_id].properties.get(P["doc_number"]):
            return
        if title and (title == own_title or title in self.doc_aliases or (own_title and title in own_title)):
            return
        if short:
            pref, alts = self._canonical(short)
            nid = node_id(L_DOC, pref)
            self.g.add_node(nid, L_DOC, pref, aliases=alts + ([short] if short != pref else []),
                            prov=self._prov(a, b), **{P["short_name"]: pref})
        else:
            nid = node_id(L_DOC, number or title)
            aliases = [x for x in (title, number) if x and x != (title or number)]
            self.g.add_node(nid, L_DOC, title or number, aliases=aliases, prov=self._prov(a, b),
                            **{P["doc_number"]: number, P["title"]: title})
        self.g.add_edge(self.policy_id, R["CITES"], nid, prov=self._prov(a, b))
        self._mention(nid, a, b)

    def _named(self, label: str, text: str, a: int, b: int, value: dict) -> str:
        key = self._scoped(text) if label == L_AGENCY else text
        nid = node_id(label, key)
        props = {}
        if label == L_PLATFORM:
            props[P["platform_type"]] = value.get("platform_type")
            props[P["level"]] = self._level(text, a)
        self.g.add_node(nid, label, text, prov=self._prov(a, b), **props)
        self._mention(nid, a, b)
        return nid

    def _level(self, name_: str, a: int) -> str | None:
        return level_of(self.text[max(0, a - 6): a] + name_)

    def _fund(self, span, money, funds, chunk_start: int) -> None:
        a, b = chunk_start + span.start_char, chunk_start + span.end_char
        nid = self._named(L_FUND, span.text, a, b, {})
        # An amount belongs to a fund when it is the only fund in its comma-delimited clause.
        text = self.text
        left = max(text.rfind(ch, 0, a) for ch in "，。；,;\n") + 1 - chunk_start
        rights = [i for i in (text.find(ch, b) for ch in "，。；,;\n") if i != -1]
        right = (min(rights) if rights else len(text)) - chunk_start
        funds_here = [s for s in funds if left <= s.start_char < right]
        amounts = [m for m in money if left <= m.start_char < right]
        if len(funds_here) == 1 and len(amounts) == 1:
            v = amounts[0]._.value
            node = self.g.nodes[nid]
            node.properties.setdefault(P["amount_yuan"], v["amount_yuan"])
            node.properties.setdefault(P["amount_text"], v["amount_text"])

    # ------------------------------------------------------------------ tables
    def _table(self, t: Table) -> None:
        head = "".join(t.header)
        clause = self._clause_at(t.start)
        if "指标" in head and "目标" in head:
            self._indicators(t, clause)
        elif "牵头" in head:
            self._projects(t, clause)

    @staticmethod
    def _col(rec: dict[str, str], *keys: str) -> str:
        for k, v in rec.items():
            if any(key in k for key in keys):
                return v
        return ""

    def _row_prov(self, t: Table, rec: dict[str, str]) -> Provenance:
        cells = [c for c in rec["_own"].split("\x1f") if c]
        first = cells[0] if cells else ""
        a = self.text.find(first, t.start, t.end + 1) if first else t.start
        a = t.start if a < 0 else a
        return Provenance(self.doc_id, self.source, a, a + len(first), " | ".join(cells))

    def _indicators(self, t: Table, clause: str) -> None:
        for i, rec in enumerate(t.records(), 1):
            title = self._col(rec, "指标")
            if not title:
                continue
            num = self._col(rec, "序号").strip() or str(i)
            target = self._col(rec, "目标")
            value, unit = parse_quantity(target)
            prov = self._row_prov(t, rec)
            nid = f"{L_INDICATOR}:{self.policy_key}#{num}"
            self.g.add_node(nid, L_INDICATOR, title, prov=prov, primary=True, **{
                P["number"]: num, P["target_text"]: target, P["target_value"]: value, P["target_unit"]: unit,
                P["period"]: self._col(rec, "周期", "期限", "时间"), P["group"]: self._col(rec, "板块", "类别"),
            })
            self.g.add_edge(clause, R["MENTIONS"], nid, prov=prov)
            # 设立融通创新产业引导基金 | 3亿元: the indicator sets up a fund of that size.
            fund = self.nlp.get_pipe("policykg_names")(self.nlp.make_doc(title))
            for span in fund.spans.get(SPAN_KEY, []):
                if span.label_ == L_FUND and unit == "元":
                    fid = node_id(L_FUND, span.text)
                    self.g.add_node(fid, L_FUND, span.text, prov=prov, **{
                        P["amount_yuan"]: value, P["amount_text"]: target})
                    self.g.nodes[fid].properties[P["amount_yuan"]] = value
                    self.g.nodes[fid].properties[P["amount_text"]] = target
                    self.g.add_edge(nid, R["TARGETS"], fid, prov=prov)

    def _projects(self, t: Table, clause: str) -> None:
        for i, rec in enumerate(t.records(), 1):
            title = self._col(rec, "名称", "项目")
            if not title:
                continue
            num = self._col(rec, "序号").strip() or str(i)
            prov = self._row_prov(t, rec)
            nid = f"{L_PROJECT}:{self.policy_key}#{num}"
            task = self._col(rec, "任务", "内容")
            node = self.g.add_node(nid, L_PROJECT, title, prov=prov, primary=True, **{P["number"]: num})
            tasks = node.properties.setdefault(P["tasks"], [])
            if task and task not in tasks:
                tasks.append(task)
            self.g.add_edge(clause, R["MENTIONS"], nid, prov=prov)
            for col, rel, role in (("牵头", "LEADS", "牵头单位"), ("责任", "ASSISTS", "责任单位"), ("配合", "ASSISTS", "配合单位")):
                for unit in re.split(r"[、，,；;/\s]+", self._col(rec, col)):
                    unit = unit.strip()
                    if len(unit) < 2:
                        continue
                    label = L_ORG if unit.endswith(("大学", "学院", "研究院", "研究所")) else L_AGENCY
                    at = self.text.find(unit, prov.start, t.end + 1)
                    at = at if at >= 0 else max(self.text.find(unit, t.start, t.end + 1), t.start)
                    uprov = Provenance(self.doc_id, self.source, at, at + len(unit), prov.sentence)
                    uid = self._agency(unit, uprov) if label == L_AGENCY else node_id(L_ORG, unit)
                    if label == L_ORG:
                        self.g.add_node(uid, L_ORG, unit, prov=uprov)
                    self.g.add_edge(uid, R[rel], nid, prov=prov, **{P["role"]: role})

    # ------------------------------------------------------------------ scenarios
    def _scenarios(self, sections: list[Section], clause_ids: dict[int, str]) -> None:
        domain_suffixes = self.ontology.suffixes(PKG.Domain)
        for s in sections:
            heading = s.heading.strip("。：: ")
            if not heading.endswith(domain_suffixes) or not s.children:
                continue
            context = " ".join(x.heading for x in self._ancestors(s)) + self.text[s.start: s.start + 10]
            if "场景" not in context and "场景" not in heading:
                continue
            dname = heading
            for suf in domain_suffixes:
                if dname.endswith(suf) and len(dname) > len(suf) + 1:
                    dname = dname[: -len(suf)]
            did = node_id(L_DOMAIN, dname)
            prov = self._prov(s.start, s.start + len(s.number) + len(s.heading))
            self.g.add_node(did, L_DOMAIN, dname, aliases=[heading] if heading != dname else [], prov=prov)
            self.g.add_edge(clause_ids[id(s)], R["MENTIONS"], did, prov=prov)
            for c in s.children:
                if not c.heading:
                    continue
                sprov = self._prov(c.start, c.start + len(c.number) + len(c.heading) + 1)
                sid = node_id(L_SCENARIO, c.heading)
                self.g.add_node(sid, L_SCENARIO, c.heading, prov=sprov,
                                **{P["text"]: self.text[c.body_start:c.end].strip()[:2000]})
                self.g.add_edge(sid, R["IN_DOMAIN"], did, prov=sprov)
                self.g.add_edge(clause_ids[id(c)], R["MENTIONS"], sid, prov=sprov)

    @staticmethod
    def _ancestors(s: Section):
        while s.parent is not None:
            s = s.parent
            yield s
