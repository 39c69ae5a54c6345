"""The spaCy pipeline: blank Chinese with the jieba segmenter, sentences, an EntityRuler fed
from the ontology, a Matcher for policy short names, and our own components for citations,
文号, money and names recognised by their ontology suffix.

Components are registered the spaCy way (`@Language.factory`), so the pipeline is a config.
Everything they find goes into ``doc.spans["policykg"]`` with the ontology class as label and
the normalised value in ``span._.value``; EntityRuler hits (ontology concepts) land in
``doc.ents`` with the concept's canonical label in ``ent.ent_id_``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import spacy
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from policykg.core.ontology import PKG, Ontology, load_ontology, name
from policykg.core.places import level_words
from policykg.core.tokens import ensure_dictionary
from policykg.ingest.text import DATE_RE, find_doc_numbers, find_money, parse_date

SPAN_KEY = "policykg"

if not Span.has_extension("value"):
    Span.set_extension("value", default=None)

jieba.setLogLevel(logging.WARNING)

# Words that end a name when read leftwards from its suffix: verbs and function words that
# stand before names in policy prose (依托重庆文理学院, 支持建设永川大数据产业园).
STOP_WORDS = frozenset(
    """依托 支持 鼓励 推动 推进 建设 建成 建立 引进 投资 围绕 设立 成立 由 对 向 在 为 与 和 及 等 以及 或 并
    会同 争取 加快 打造 培育 举办 实施 开展 面向 通过 包括 是 将 的 了 共建 组建 筹建 搭建 拥有 获评 入选 升级
    命名 成为 作为 合作 申报 认定 给予 获得 积极 大力 着力 各 其 该 全区 全市 一批 现有 我市 我区 本市 本区
    提升 完善 深化 强化 加强 优化 落实 出台 印发 根据 按照 经 被 从 到 至 于 把 让 使 给 同 跟 如 若 凡 自 已 已经
    还 也 都 又 再 就 即 这 那 此 上述 下列 相关 有关 所 之 以 其中 形成 发挥 利用 服务 参与 牵头 负责 指导 组织
    联系 对接 吸引 配合 协调 委托 新增 新建 改建 扩建 申请 享受 当年 年度 首次 首批 给 及其 所属 若干 一个 一家
    一份 一系列 每年 以上 以下 不低于 不超过 分别 达到 实现 争创 创建 认定为 评为 列入 纳入 入驻 落户 挂牌 设在
    区内 市内 域内 省内 国内 国外 境内 境外 有效 相应 统筹 整合 集聚 聚集 主动 充分 进一步 加大 持续 逐步 全面
    亿元 万元 元 亿 万 个 家 项 一是 二是 三是 四是 五是 六是 七是 关于 积极争取 部署 激发 加速 增强 深入 探索 不同
    类型 用好 已有 各类 首个 首家 设立了 成立了 建立了 包含 含 即 以下简称 简称 称 获 获批 新获 当选""".split()
)

# Modifiers that alone do not make a proper name (国家级众创空间 is a kind, not a platform); with
# the words for levels (国家级, 省, 县级 …, `generic_words`).
GENERIC_WORDS = frozenset(
    """专业 专业化 特色 新型 各类 各级 大型 中小 一批 双创 联合 国际 国际性
    区域 区域性 公共 综合 综合性 高水平 高端 重点 龙头 骨干 优质 知名 大中型 科技 科研 企业 产业 行业 研发 创新 创业
    技术 工程 市场化 社会化 市场 社会 国有 民营 外资 本地 本土 地方 全国 以上 及以上 级 或 和 现有 新 老""".split()
)


@lru_cache(maxsize=1)
def generic_words() -> tuple[str, ...]:
    """GENERIC_WORDS and every word for a level, longest first."""
    return tuple(sorted(GENERIC_WORDS | set(level_words()), key=lambda w: (-len(w), w)))

_PUNCT = set("，。；：、“”‘’《》（）()「」【】〔〕！？,.;:!?\"' \t\u3000—-…·/+─~＋")


def _concept_patterns(ontology: Ontology) -> list[dict]:
    patterns = []
    for scheme, cls in (
        (PKG.IndustryScheme, PKG.Industry),
        (PKG.QualificationScheme, PKG.Qualification),
        (PKG.KnownPolicyScheme, PKG.PolicyDocument),
    ):
        for c in ontology.concepts(scheme):
            for label in c.labels:
                patterns.append({"label": name(cls), "pattern": label, "id": c.pref_label})
    return patterns


def doc_text(doc: Doc) -> str:
    """The doc's text, kept in user_data: `Doc.text` joins every token again on each access."""
    text = doc.user_data.get("policykg_text")
    if text is None:
        text = doc.user_data["policykg_text"] = doc.text
    return text


def found_spans(doc: Doc):
    """The span group our components add to (created on first use)."""
    if SPAN_KEY not in doc.spans:
        doc.spans[SPAN_KEY] = []
    return doc.spans[SPAN_KEY]


@Language.factory("policykg_citations")
def make_citations(nlp: Language, name: str) -> "CitationFinder":
    return CitationFinder()


class CitationFinder:
    """《title》 citations (with the 文号 that may follow in brackets) and bare 文号."""

    TITLE_RE = re.compile(r"《([^《》\n]{2,80})》")

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = found_spans(doc)
        taken: list[tuple[int, int]] = []
        for m in self.TITLE_RE.finditer(text):
            title = re.sub(r"\s+", "", m.group(1))
            after = text[m.end(): m.end() + 30]
            number = None
            nums = find_doc_numbers(after)
            if nums and nums[0][0] <= 2:
                number = nums[0][2]
                taken.append((m.end() + nums[0][0], m.end() + nums[0][1]))
            span = doc.char_span(m.start(), m.end(), label=name(PKG.PolicyDocument), alignment_mode="expand")
            if span is not None:
                span._.value = {"title": title, "doc_number": number}
                spans.append(span)
        for s, e, number in find_doc_numbers(text):
            if any(a <= s < b for a, b in taken):
                continue
            span = doc.char_span(s, e, label=name(PKG.PolicyDocument), alignment_mode="expand")
            if span is not None:
                span._.value = {"title": None, "doc_number": number}
                spans.append(span)
        return doc


@Language.factory("policykg_short_names")
def make_short_names(nlp: Language, name: str) -> "ShortNameMatcher":
    return ShortNameMatcher(nlp)


class ShortNameMatcher:
    """Policies known by a short name in quotes: “创新30条”, “永川英才16条”, “十条意见”."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = Matcher(nlp.vocab)
        # Token attributes rather than regular expressions: the matcher checks them cheaply.
        opening, closing = {"ORTH": {"IN": ["“", "「", '"']}}, {"ORTH": {"IN": ["”", "」", '"']}}
        name_tok = {"IS_ALPHA": True, "OP": "{1,6}"}
        self.matcher.add(
            "SHORT_NAME",
            [
                [opening, name_tok, {"LIKE_NUM": True}, {"ORTH": {"IN": ["条", "项"]}}, closing],
            ],
        )

    def __call__(self, doc: Doc) -> Doc:
        # Run the matcher only around 条”/项” closings: a short name ends there, and the
        # matcher costs more than the rest of the pipeline when run over every token.
        text = doc_text(doc)
        found = []
        for m in re.finditer(r"[条项][”」\"]", text):
            window = doc.char_span(max(0, m.start() - 24), m.end(), alignment_mode="expand")
            if window is None:
                continue
            found.extend(window[s + 1: e - 1] for _, s, e in self.matcher(window))
        spans = found_spans(doc)
        for span in filter_spans(found):
            short = Span(doc, span.start, span.end, label=name(PKG.PolicyDocument))
            short._.value = {"short_name": span.text.replace(" ", "")}
            spans.append(short)
        return doc


@Language.factory("policykg_money")
def make_money(nlp: Language, name: str) -> "MoneyFinder":
    return MoneyFinder()


class MoneyFinder:
    """Amounts of money, normalised to yuan (3亿元 → 300000000)."""

    def __call__(self, doc: Doc) -> Doc:
        spans = found_spans(doc)
        for s, e, yuan, written in find_money(doc_text(doc)):
            span = doc.char_span(s, e, label="MONEY", alignment_mode="expand")
            if span is not None:
                span._.value = {"amount_yuan": yuan, "amount_text": written}
                spans.append(span)
        return doc


@Language.factory("policykg_dates")
def make_dates(nlp: Language, name: str) -> "DateFinder":
    return DateFinder()


class DateFinder:
    """Dates written 2021年6月3日 or 二〇二一年六月三日, normalised to ISO 8601."""

    def __call__(self, doc: Doc) -> Doc:
        spans = found_spans(doc)
        for m in DATE_RE.finditer(doc_text(doc)):
            iso = parse_date(m)
            span = doc.char_span(m.start(), m.end(), label="DATE", alignment_mode="expand") if iso else None
            if span is not None:
                span._.value = {"date": iso}
                spans.append(span)
        return doc


@Language.factory("policykg_names")
def make_names(nlp: Language, name: str) -> "SuffixNameFinder":
    return SuffixNameFinder(load_ontology())


class SuffixNameFinder:
    """Names of agencies, universities, platforms, funds and talent programs, found by the
    suffix the ontology gives their class and read leftwards over jieba tokens until a verb,
    a function word or punctuation."""

    MAX_CHARS = 24

    def __init__(self, ontology: Ontology) -> None:
        table: list[tuple[str, str, str | None]] = []  # (suffix, class, platform type)
        for cls in (PKG.Organization, PKG.Fund, PKG.TalentProgram, PKG.Enterprise, PKG.Agency):
            table.extend((s, name(cls), None) for s in ontology.suffixes(cls))
        for c in ontology.concepts(PKG.PlatformTypeScheme):
            table.extend((label, name(PKG.Platform), c.pref_label) for label in c.labels)
        table.sort(key=lambda t: -len(t[0]))
        self.table = table
        self.suffix_re = re.compile("|".join(re.escape(t[0]) for t in table))
        self.lookup = {t[0]: t for t in table}
        self.excluded = {name(c): ontology.excluded(c) for c in (PKG.Organization, PKG.Agency, PKG.Fund, PKG.TalentProgram)}
        self.agency_prefixes = ontology.prefixes(PKG.Agency)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        spans = found_spans(doc)
        found: list[Span] = []
        quoted = [(m.start(), m.end()) for m in re.finditer(r"《[^《》]*》", text)]
        for m in self.suffix_re.finditer(text):
            suffix, label, ptype = self.lookup[m.group(0)]
            end = m.end()
            if any(a <= m.start() < b for a, b in quoted):
                continue  # inside a cited title
            if not self._ends_token(doc, end, len(text)):
                continue  # 局 in 局面: the suffix must end a jieba word
            # Let a longer suffix further right win (区国有资产管理中心 not 区国有资产管理).
            start = self._left_edge(doc, m.start())
            if start is None:
                continue
            cand = text[start:end]
            if not self._plausible(cand, suffix, label):
                continue
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None or span.text != cand:
                span = doc.char_span(start, end, label=label, alignment_mode="contract")
            if span is None or len(span.text) <= len(suffix):
                continue
            span._.value = {"platform_type": ptype} if ptype else {}
            found.append(span)
        spans.extend(filter_spans(found))
        return doc

    @staticmethod
    def _ends_token(doc: Doc, end: int, length: int) -> bool:
        if end >= length:
            return True
        span = doc.char_span(end, end + 1, alignment_mode="expand")
        return span is not None and doc[span.start].idx == end

    def _left_edge(self, doc: Doc, suffix_start: int) -> int | None:
        tok = doc.char_span(suffix_start, suffix_start + 1, alignment_mode="expand")
        if tok is None:
            return None
        i = tok.start
        if doc[i].idx < suffix_start:  # the suffix starts inside a token: keep that token's head
            start = doc[i].idx
        else:
            start = suffix_start
        j = i - 1 if doc[i].idx >= suffix_start else i - 1
        while j >= 0:
            t = doc[j].text
            if t in STOP_WORDS or t.isspace() or any(ch in _PUNCT for ch in t) or t.isdigit():
                break
            if suffix_start - doc[j].idx > self.MAX_CHARS:
                break
            start = doc[j].idx
            j -= 1
        return start

    def _plausible(self, cand: str, suffix: str, label: str) -> bool:
        head = cand[: len(cand) - len(suffix)]
        if not head or cand in self.excluded.get(label, ()):
            return False
        if label == name(PKG.Agency):
            # Agencies: 区科技局, 国务院办公厅, 高新区管委会, 永川区人民政府; not 格局/布局.
            if len(cand) < 3 or any(cand.endswith(x) for x in self.excluded[label]) or cand.startswith("区域"):
                return False
            if suffix in ("部", "办", "中心", "委") and not cand.startswith(self.agency_prefixes):
                return False
            return cand.startswith(self.agency_prefixes) or "政府" in cand or "管委会" in cand or len(head) >= 2
        # Other kinds need a head that is more than generic modifiers.
        rest = head
        for w in generic_words():
            rest = rest.replace(w, "")
        return len(rest) >= 2


@lru_cache(maxsize=1)
def build_pipeline() -> Language:
    """The ingest pipeline, built once per process."""
    ontology = load_ontology()
    ensure_dictionary()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.add_pipe("sentencizer", config={"punct_chars": ["。", "！", "？", "；", "\n"]})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(_concept_patterns(ontology))
    nlp.add_pipe("policykg_citations")
    nlp.add_pipe("policykg_short_names")
    nlp.add_pipe("policykg_money")
    nlp.add_pipe("policykg_dates")
    nlp.add_pipe("policykg_names")
    return nlp
