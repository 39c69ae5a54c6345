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
    类型 用好 已有 各类 首个 首家 扩大 设立了 成立了 建立了 包含 含 即 以下简称 简称 称 获 获批 新获 当选""".split()
)

# Modifiers that alone do not make a proper name (国家级众创空间 is a kind, not a platform); with
# the words for levels (国家级, 省, 县级 …, `generic_words`).
GENERIC_WORDS = frozenset(
    """专业 专业化 特色 新型 各类 各级 大型 中小 一批 双创 联合 国际 国际性
    区域 区域性 公共 综合 综合性 高水平 高端 重点 龙头 骨干 优质 知名 大中型 科技 科研 企业 产业 行业 研发 创新 创业
    技术 工程 市场化 社会化 市场 社会 国有 民营 外资 本地 本土 地方 全国 以上 及以上 级 或 和 现有 新 老 优秀 知名 一流""".split()
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
            if cand.startswith("环") and len(cand) - len(suffix) >= 4 and label == name(PKG.Organization):
                start, cand = start + 1, cand[1:]  # 环重庆文理学院生态圈: the ring around 重庆文理学院
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
        if label == name(PKG.Enterprise) and "企业" in head:
            return False  # 大企业大集团: a kind of firm, not one
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


# ---------------------------------------------------------------------- firms in enumerations
# Firms are often named without a legal suffix, in a list that prose closes with 等…企业:
# 集聚了长城汽车、雅迪新能源摩托车、瑞悦汽车、庆铃等一大批优质企业. `enumerated_firms` reads such
# lists; a word before the list (集聚了, 引进, 依托 …) or a comma starts it.
ENUM_TRIGGERS = (
    "先后集聚了", "集聚了", "聚集了", "已经聚集了", "汇聚了", "引进了", "引入了", "成功引入", "成功引进", "引进", "引入",
    "依托", "推动", "支持", "鼓励", "联合", "携手", "投资", "包括", "构建起由", "由", "与", "如", "吸引了", "吸引", "落户了", "培育了",
)
# Words after which a list closed by a bare 等企业 names firms (集聚了A、B等企业).
_STRONG_TRIGGERS = frozenset(("先后集聚了", "集聚了", "聚集了", "已经聚集了", "汇聚了", "引进了", "引入了",
                              "成功引入", "成功引进", "引进", "引入", "依托", "携手", "投资", "吸引了", "落户了"))
# 等 + a quantity, a word of standing and a noun for firms (等一大批优质企业, 等10多家企业,
# 等行业内龙头企业, 等数控机床整机及零部件企业30余家, 等两个整车代工厂); a list of sectors closes
# otherwise (等公益性企业, 等服务业企业) and is not read. A bare 等项目 is a list of projects.
_Q = r"(?:一大批|一批|多家|数十家|十多家|十余家|\d+余?多?家|两个|三个|几个|\d+个)?"
_STANDING = r"(?:行业内|行业|国内外|国内|国际|全球|区内|省内|业内)?(?:优质|知名|龙头|骨干|重点|领军|头部|大型|著名|领先|独角兽|优秀|重点骨干)?"
_MAKERS = r"(?:[\u4e00-\u9fff]{0,6}?(?:整机及零部件|整机|零部件|配套|整车))?"
_ENUM_CLOSER = re.compile(
    r"(?<![高平同相对均初中])等" + _Q + _STANDING + _MAKERS + r"(?:企业|公司|代工厂)"
    r"|(?<![高平同相对均初中])等(?:一大批|一批)(?:品牌|重点|重大)?项目"
    r"|(?<=[^\d])\d+[个家]" + _MAKERS + r"企业"
)
# Items that are kinds or places, not names (龙头企业, 科技型企业, 区内企业, 两江新区).
_ENUM_KIND_ENDS = (
    "企业", "产业", "行业", "机构", "院所", "院校", "高校", "平台", "基地", "园区", "新区", "地区", "城市", "集群",
    "项目", "单位", "主体", "团队", "人才", "资源", "领域", "环节", "服务", "技术", "设备", "装备", "材料", "产品",
    "品牌", "模式", "体系", "机制", "等", "服务业", "制造业", "业务", "上市公司", "国企", "央企", "外企", "强", "国", "省", "市", "区", "县", "镇",
)
_ENUM_ITEM = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9·&]{1,19}$")
ORG_SUFFIXES = ("职业技术学院", "职业学院", "技术学院", "学院", "大学", "科学院", "研究院", "研究所", "实验室")
LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团有限公司", "集团股份有限公司", "集团公司", "集团")


def firm_stem(full_name: str) -> str:
    """A firm's name without its legal form and the bracketed place: 长城汽车股份有限公司 → 长城汽车,
    重庆长城汽车有限公司（永川）→ 重庆长城汽车. Used to match a name read in prose to registry rows
    (a registry name whose stem ends with the prose name, or equals it, is a candidate)."""
    s = re.sub(r"[（(][^）)]*[）)]", "", full_name.strip())
    for suf in sorted(LEGAL_SUFFIXES, key=len, reverse=True):
        if s.endswith(suf) and len(s) > len(suf) + 1:
            s = s[: -len(suf)]
            break
    return s


# Cities that lists of places name (跟踪北京、杭州、深圳等独角兽企业): places, not firms.
_CITIES = frozenset("""北京 上海 天津 重庆 深圳 杭州 广州 南京 成都 武汉 西安 苏州 宁波 合肥 长沙 郑州 青岛
    厦门 济南 沈阳 大连 昆明 贵阳 福州 无锡 东莞 佛山 香港 澳门 台湾 雄安 永川 大足 江津 璧山 两江""".split())


def _enum_item_ok(item: str) -> bool:
    if item in _CITIES or item.endswith(("新区", "地区")) or re.search(r"\d+强", item):
        return False
    if not _ENUM_ITEM.match(item) or item.endswith(_ENUM_KIND_ENDS) or item in STOP_WORDS:
        return False
    rest = item
    for w in generic_words():
        rest = rest.replace(w, "")
    return len(rest) >= 2


def enumerated_firms(text: str) -> list[tuple[int, int, str]]:
    """(start, end, class name) of the organisations named in lists closed by 等…企业 (or a
    number of 企业) — firms (Enterprise) unless the name ends like a university or institute
    (Organization). A list needs a trigger word before it or at least two names."""
    out: list[tuple[int, int, str]] = []
    seen: set[int] = set()
    for m in _ENUM_CLOSER.finditer(text):
        end = m.start()
        left = max(text.rfind(ch, 0, end) for ch in "。；：！？\n;:!?") + 1
        seg = text[left:end]
        # the list starts after the nearest trigger word (or comma) before it
        start = left
        cut = max(seg.rfind("，"), seg.rfind(","))
        trig_at, trig = -1, ""
        for t in ENUM_TRIGGERS:
            i = seg.rfind(t)
            if i > trig_at or (i == trig_at and i >= 0 and len(t) > len(trig)):
                trig_at, trig = i, t
        if trig_at >= 0 and trig_at + len(trig) > cut:
            start = left + trig_at + len(trig)
        elif cut >= 0:
            # 。普康医疗、星星冷链等…: a comma-led list; a trigger further left may head items
            # separated by commas too (集聚了A，B等企业) — only 、 separates items here
            start = left + cut + 1
            trig = ""
        body = text[start:end]
        items, pos = [], start
        for piece in re.split(r"[、]", body):
            items.append((pos, piece))
            pos += len(piece) + 1
        good = []
        for a, piece in items:
            lead = len(piece) - len(piece.lstrip())
            item = piece.strip()
            a += lead
            # the last item may be joined by 和/及: A、B和C等企业
            parts = re.split(r"(?<=.)[和及](?=.)", item) if len(item) > 5 else [item]
            for part in parts:
                at = text.find(part, a, a + len(item))
                if _enum_item_ok(part):
                    good.append((at, at + len(part)))
        if not good or (not trig and len(good) < 2):
            continue
        if m.group(0) in ("等企业", "等公司") and trig not in _STRONG_TRIGGERS:
            continue  # 鼓励勘察、设计、监理等企业: a bare 等企业 after a weak word lists trades
        for a, b in good:
            if a in seen:
                continue
            seen.add(a)
            cls = name(PKG.Organization) if text[a:b].endswith(ORG_SUFFIXES) else name(PKG.Enterprise)
            out.append((a, b, cls))
    return sorted(out)
