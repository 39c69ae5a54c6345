"""The layout of a Chinese government document: header, headings, articles, boxes, tables.

Works on the text a reader produced: one paragraph a line; tables as runs of lines that
start with a TAB (one cell a line, a blank line after each row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from policykg.core.places import place_of_name
from policykg.ingest.text import DATE_RE, find_doc_numbers, parse_date

_CN = "一二三四五六七八九十百零〇两"

# (kind, level, pattern). Level 0 is a chapter, articles (第X条) are level 1 like 一、
HEADING_PATTERNS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    ("chapter", 0, re.compile(rf"^第[{_CN}\d]+章\s*")),
    ("article", 1, re.compile(rf"^第[{_CN}\d]+条\s*")),
    ("section", 1, re.compile(rf"^[{_CN}]+\s*[、．.]\s*")),
    ("subsection", 2, re.compile(rf"^[（(]\s*[{_CN}]+\s*[）)]\s*")),
    ("item", 3, re.compile(r"^\d{1,2}\s*[、．.](?!\d)\s*")),
    ("subitem", 4, re.compile(r"^[（(]\s*\d{1,2}\s*[）)]\s*")),
    ("box", 1, re.compile(r"^专栏\s*\d+\s*")),
    ("attachment", 0, re.compile(r"^附件\s*\d*\s*[:：]?\s*")),
)


_ENUMERATION = re.compile(rf"^(?:[{_CN}]+|\d{{1,2}})\s*[、．.]\s*第?(?:[{_CN}]+|\d{{1,2}})\s*(?:[、和及至到]|项目|等奖)")


@dataclass
class Table:
    start: int
    end: int
    rows: list[list[str]]

    @property
    def header(self) -> list[str]:
        return self.rows[0] if self.rows else []

    def records(self) -> list[dict[str, str]]:
        """Rows below the header as dicts; an empty cell repeats the one above (merged cells)."""
        head = [h.strip() for h in self.header]
        out: list[dict[str, str]] = []
        prev: list[str] = [""] * len(head)
        for row in self.rows[1:]:
            cells = [(row[i].strip() if i < len(row) else "") for i in range(len(head))]
            filled = [c or (prev[i] if self._carries(head[i]) else "") for i, c in enumerate(cells)]
            out.append({**dict(zip(head, filled)), "_own": "\x1f".join(cells)})
            prev = filled
        return out

    @staticmethod
    def _carries(header: str) -> bool:
        # Grouping columns are merged vertically; task columns are never carried down.
        return any(k in header for k in ("板块", "序号", "名称", "类别", "领域", "项目"))


@dataclass
class Section:
    kind: str
    level: int
    number: str
    heading: str
    start: int  # offset of the heading line
    end: int = 0
    body_start: int = 0
    children: list[Section] = field(default_factory=list)
    parent: Section | None = None


@dataclass
class Header:
    doc_number: str | None = None
    doc_number_span: tuple[int, int] | None = None
    title: str | None = None
    title_span: tuple[int, int] | None = None
    issuer: str | None = None
    issuer_span: tuple[int, int] | None = None
    date: str | None = None
    date_span: tuple[int, int] | None = None


@dataclass
class ParsedDocument:
    text: str
    header: Header
    sections: list[Section]  # top level, in order
    tables: list[Table]
    body_start: int

    def walk(self):
        stack = list(reversed(self.sections))
        while stack:
            s = stack.pop()
            yield s
            stack.extend(reversed(s.children))


_TITLE_WORDS = re.compile(
    r"(通知|意见|决定|办法|方案|规定|细则|批复|规划|措施|政策解读|解读|问答|政策|条例|纲要|计划|公告|通告|公示|(?<!第)\d+条|(?<!第)[一二三四五六七八九十]+条)"
    r"(（[^（）]{0,14}(?:试行|暂行|修订|\d{4})[^（）]{0,6}）|\([^()]{0,14}(?:试行|暂行|修订)\))?"
)
_ISSUER_END = re.compile(
    r"(人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|管委会|管理委员会|党工委|局|委|厅|部|办|领导小组|中心|支行|分行)$"
)
_ADDRESSEE = re.compile(r"^[各有][\u4e00-\u9fa5、，,（）()\s]{2,80}[:：]\s*$")
def is_addressee(line: str) -> bool:
    """各镇人民政府，市政府直属各单位： the line a notice is addressed to."""
    return bool(_ADDRESSEE.match(line.strip()))


_JUNK_LEAD = re.compile(r"^[^\u4e00-\u9fa5]+")
_FORM_TITLE = re.compile(r"(?:申请表|备案表|登记表|汇总表|明细表|一览表|申报表|审批表|承诺书|申报书|申请书|清单|目录"
                         r"|通知|意见|办法|细则|方案|规定|决定|通告|公告)(?=[\u4e00-\u9fa5]{3})")
_DATE_LINE = re.compile(r"^\s*(?:\d{4}-\d{2}-\d{2}(?:\s+\d{2}:\d{2}:\d{2})?)\s*$")
_SIGNED = re.compile(r"([\u4e00-\u9fa5][\u4e00-\u9fa5 \u3000]{3,120}?)\s*" + DATE_RE.pattern)


TITLE_CHARS = 60
# Lines of a web page's frame, not its heading: 来源：… 发布时间：… 【字体：大 中 小】
_PAGE_FRAME = re.compile(r"^(?:来源|发布|时间|日期|作者|点击|浏览|阅读|字号|字体|【|索引号|分类|主题|当前位置|首页)")
_SENTENCE_END = re.compile(r"[。！？!?；;]")


def _plain_title(text: str, lines: list[tuple[int, int, str]]) -> tuple[str, tuple[int, int]] | None:
    """The title of a text that has no 关于… heading: its heading line (a short first line that
    is not a sentence), else its first sentence, cut at a comma before `TITLE_CHARS`."""
    for a, b, ln in lines[:8]:
        bare = ln.strip()
        nums = find_doc_numbers(bare, bare=True)
        if (_PAGE_FRAME.match(bare) or DATE_RE.fullmatch(bare) or _DATE_LINE.match(bare)
                or (nums and nums[0][1] - nums[0][0] >= len(bare) - 1)
                or len(re.findall(r"[\u4e00-\u9fff]", bare)) < 4):
            continue
        off = a + len(ln) - len(ln.lstrip())
        lead = re.match(r"^[各有][^，。；：:]{1,40}[：:]", bare)  # 各县（市、区）科技局：为做好…
        if lead and len(bare) > lead.end() + 4:
            off += lead.end()
            bare = bare[lead.end():]
        end = _SENTENCE_END.search(bare)
        if end is None and len(bare) <= TITLE_CHARS and not bare.endswith(("：", ":")):
            return bare, (off, off + len(bare))  # a heading line
        first = bare[: end.start()] if end else bare
        if len(first) > TITLE_CHARS:
            cut = max(first.rfind(ch, 0, TITLE_CHARS) for ch in "，,、：:")
            first = first[:cut] if cut >= 8 else first[:TITLE_CHARS]
        first = first.strip("：: ")
        if len(first) >= 4:
            return first, (off, off + len(first))
    return None


def _lines(text: str, start: int = 0, end: int | None = None):
    """(start, end, line) for each line of text[start:end]."""
    end = len(text) if end is None else end
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl
        yield pos, stop, text[pos:stop]
        pos = stop + 1


def _find_tables(text: str) -> list[Table]:
    tables: list[Table] = []
    rows: list[list[str]] = []
    row: list[str] = []
    t_start = t_end = -1
    blank_run = 0
    for a, b, line in _lines(text):
        if line.startswith("\t"):
            if t_start < 0:
                t_start = a
            row.append(line[1:].strip())
            t_end = b
            blank_run = 0
            continue
        if row:
            rows.append(row)
            row = []
        if not line.strip() and t_start >= 0 and blank_run < 2:
            blank_run += 1
            continue
        if t_start >= 0:
            tables.append(Table(t_start, t_end, rows))
        rows, t_start, blank_run = [], -1, 0
    if row:
        rows.append(row)
    if t_start >= 0:
        tables.append(Table(t_start, t_end, rows))
    return tables


def _is_data_table(t: Table) -> bool:
    return max((len(r) for r in t.rows), default=0) > 1


_DATED = re.compile(r"[（(]" + DATE_RE.pattern + r"[）)]$")  # 若干意见（2017年4月17日）: the date, not the title


def cut_title(s: str) -> str | None:
    """The title at the start of `s`, which may run on into the addressee or the body
    (…的若干意见各镇人民政府，…): up to the last title word before the first comma or colon."""
    s = re.sub(r"\s+", "", s)
    for a, b, _num in reversed(find_doc_numbers(s, bare=True)):
        if s[max(0, a - 2):a] in ("转发", "印发"):  # 关于转发杭银发〔2018〕1号: the 文号 is what is forwarded
            continue
        if a == 0 or b == len(s) or s[b:b + 1] in "各，：":  # a 文号 beside the title, not in it
            s = s[:a] + s[b:]
    head = re.split(r"[，,：:。；]", s, maxsplit=1)[0]
    ends = [m for m in _TITLE_WORDS.finditer(head) if not _inside_brackets(head, m.start())]
    if ends:
        title = head[: ends[-1].end()]
    elif len(head) <= 60:
        title = head
    else:
        return None
    title = _DATED.sub("", title)
    if not (title.startswith("《") and title.find("》") < len(title) - 1):
        title = title.strip("《》")  # 《…》政策解读 keeps its brackets
    return title if len(title) >= 4 else None


def _span_of(text: str, start: int, compact: str) -> tuple[int, int]:
    """Offsets in `text` of `compact` (a string with the whitespace removed) read from `start`,
    so a title wrapped over lines gets the span of all its lines."""
    i, j = start, 0
    while i < len(text) and j < len(compact):
        if text[i] == compact[j]:
            j += 1
        elif not text[i].isspace():
            break
        i += 1
    return start, i


def _inside_brackets(s: str, pos: int) -> bool:
    return s.count("《", 0, pos) > s.count("》", 0, pos) and "》" in s[pos:]


def clean_issuer(s: str) -> str | None:
    """An issuing body as written at the head of a document, without codes, 文号 and the word 文件."""
    s = re.sub(r"\s+", "", s)
    for a, b, _ in reversed(find_doc_numbers(s, bare=True)):
        s = s[:a] + "|" + s[b:]
    parts = [p for p in re.split(r"文件|\|", s) if p]
    s = parts[-1] if parts else ""
    # 2.玉环市…奖励申请表玉环市经济和信息化局…: the last attachment's title runs into the signature
    s = _FORM_TITLE.split(s)[-1]
    s = _JUNK_LEAD.sub("", s)
    s = s.strip("★（）()—-").removeprefix("日")
    return s if 3 <= len(s) <= 100 and _ISSUER_END.search(s) else None


# Where one body's name ends inside a run of several (longest first, so 中心支行 before 中心).
_AGENCY_END = re.compile(
    r"(人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|管理委员会|委员会|管委会|党工委|领导小组"
    r"|中心支行|支行|分行|中心|局|委|厅|部|办)"
)
# A name that starts a new body: the party, the central bank, a ministry, or 区委/区政府 written short.
_AGENCY_START = re.compile(r"(?:中共|中国人民银行|国家|中华人民共和国|[区市县](?:委|政府|人民政府))")
_NOT_AGENCY = re.compile(r"关于|通知|意见|办法|方案|细则|政策|规定|印发|计划|[，。；：、,;:《》“”\s\d]")


def _starts_agency(rest: str, place: str = "") -> bool:
    """Whether `rest` starts the name of another body: 中共…, 中国人民银行…, or a place name."""
    if _AGENCY_START.match(rest) or (len(place) >= 2 and rest.startswith(place)):
        return True
    return _starts_with_place(rest[:12])


@lru_cache(maxsize=4096)
def _starts_with_place(head: str) -> bool:
    p = place_of_name(head)
    return bool(p and p.chain and head.startswith(p.chain[0][:2]))


def agency_run(s: str) -> tuple[list[str], int]:
    """The bodies named one after another at the start of `s`, as a signature writes them
    (嘉兴市科学技术局 嘉兴市财政局2017年8月22日 → [嘉兴市科学技术局, 嘉兴市财政局]), and the offset
    where the run ends. Each name ends in an agency word and is followed by the next name, a
    date, a bracket or the end; the run stops where it turns into other text (the title of the
    attached document that follows a signature)."""
    out: list[str] = []
    i = end = 0
    while i < len(s):
        if not _starts_agency(s[i:], out[0][:2] if out else ""):
            break
        stop = None
        for m in _AGENCY_END.finditer(s, i, min(len(s), i + 32)):
            piece = s[i:m.end()]
            if _NOT_AGENCY.search(piece):
                break
            rest = s[m.end():]
            if len(piece) >= 3 and (not rest or _starts_agency(rest, piece[:2]) or rest[0] in "（(\n \u3000\t"
                                    or DATE_RE.match(rest)):
                stop = m.end()
                break
        if stop is None:
            break
        out.append(s[i:stop])
        i = end = stop
        while i < len(s) and s[i] in " \u3000\t":
            i += 1
    return out, end


def split_issuers(s: str) -> list[str]:
    """Joint issuers written as one run, split where a body's name ends and another's starts:
    中共东阳市委东阳市人民政府 → [中共东阳市委, 东阳市人民政府];
    中国人民银行湖州市中心支行湖州市人力资源和社会保障局湖州市财政局 → the three bodies."""
    if "、" in s:
        return [x for part in s.split("、") for x in split_issuers(part)]
    s = re.sub(r"\s+", "", s)
    base = s[2:] if s.startswith("中共") else s
    place = base[:2]
    out, start = [], 0
    for m in _AGENCY_END.finditer(s):
        rest = s[m.end():]
        if rest and m.end() - start >= 3 and _starts_agency(rest, place):
            out.append(s[start:m.end()])
            start = m.end()
    out.append(s[start:])
    return [x for x in out if x]


def parse_header(text: str, body_start: int) -> Header:
    h = Header()
    region_end = max(body_start, min(len(text), 300))
    region = text[:region_end]
    for s, e, num in find_doc_numbers(region, bare=True):
        if region[max(0, s - 2):s].endswith(("》（", "》(", "》", "（", "(")):
            continue
        h.doc_number, h.doc_number_span = num, (s, e)
        break
    lines = [(a, b, ln) for a, b, ln in _lines(text, 0, min(len(text), max(region_end, 1500))) if ln.strip()]
    for i, (a, b, ln) in enumerate(lines):
        k = ln.find("关于")
        if k < 0 or a > region_end + 200 or ln.lstrip().startswith(("根据", "为", "按照")):
            continue
        if _inside_brackets(ln, k) and "印发" not in ln[max(0, k - 3):k]:
            continue
        if re.search(r"[，。；,;]", ln[:k]) and not clean_issuer(ln[:k]):
            continue  # 5月10日，市商务局印发《关于…》: a sentence that cites a title
        joined, j = ln[k:], i
        while not _TITLE_WORDS.search(cut_title(joined) or "") and j + 1 < len(lines) and len(joined) < 100:
            j += 1
            joined += lines[j][2]
        title = cut_title(joined)
        if title and not _TITLE_WORDS.search(title) and j > i:
            title = cut_title(ln[k:])
        if title is None:
            continue
        h.title, h.title_span = title, _span_of(text, a + k, title)
        issuer = clean_issuer(ln[:k])
        if issuer:
            h.issuer, h.issuer_span = issuer, (a, a + k)
        elif i > 0 and clean_issuer(lines[i - 1][2]):
            h.issuer, h.issuer_span = clean_issuer(lines[i - 1][2]), (lines[i - 1][0], lines[i - 1][1])
        break
    if h.title is None:
        for a, b, ln in lines[:6]:
            bare = ln.strip()
            nums = find_doc_numbers(bare, bare=True)
            if _ADDRESSEE.match(bare) or clean_issuer(bare) or (nums and nums[0][1] - nums[0][0] >= len(bare) - 1):
                continue
            if re.match(r"^[各有][^，。；：:]{1,40}[：:]", bare) or _PAGE_FRAME.match(bare):
                continue  # an addressee the body runs on after; a web page's 来源/发布时间 line
            if not re.search(r"[，。；：:,;？?！!]", bare) and len(bare) <= TITLE_CHARS and not nums:
                off = a + len(ln) - len(ln.lstrip())
                h.title, h.title_span = bare, (off, off + len(bare))  # a headline, whole
                break
            rest = ln
            nums = find_doc_numbers(ln, bare=True)
            if nums and nums[0][0] < 3:
                rest = ln[nums[0][1]:]
            title = cut_title(rest)
            if title:
                off = a + max(0, ln.find(title[:2]))
                h.title, h.title_span = title, _span_of(text, off, title)
                break
    if h.title is None:
        found = _plain_title(text, lines)
        if found:
            h.title, h.title_span = found
    if h.issuer is None:
        for a, b, ln in lines[:3]:
            if clean_issuer(ln) and len(ln.strip()) <= 80:
                h.issuer, h.issuer_span = clean_issuer(ln), (a, b)
                break
    if h.issuer is None:
        for a, b, ln in lines[:4]:
            m = re.search(r"^(.{2,40}?)文件", ln)
            if m and clean_issuer(m.group(1)):
                h.issuer, h.issuer_span = clean_issuer(m.group(1)), (a, a + len(m.group(1)))
                break
    _sign(h, text, h.title_span[1] if h.title_span else 0, region)
    if h.issuer is None:
        m = _PROSE_ISSUER.search(text, 0, min(len(text), 400))
        if m:
            who = "、".join(x for x in (m.group(1), m.group(2)) if x)
            h.issuer, h.issuer_span = who, (m.start(1), m.end(2) if m.group(2) else m.end(1))
    return h


@dataclass
class _Signature:
    """A signature or 印发 line: who signed (joint bodies as one run) and when."""

    kind: str  # signed (a date under the bodies) | unsigned (bodies, no date) | printed (…印发)
    issuer: str | None
    issuer_span: tuple[int, int] | None
    date: str | None
    date_span: tuple[int, int] | None


# News of a measure names who issued it in a sentence: 市商务局联合市财政局印发《…》
_AGENCY_WORD = r"[\u4e00-\u9fa5]{1,20}?(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|局|厅|部|委)"
_PROSE_ISSUER = re.compile(rf"(?:^|[，。\n])(?:近日|日前|\d{{1,2}}月\d{{1,2}}日)?[，,]?({_AGENCY_WORD})"
                           rf"(?:(?:联合|会同|与|和)({_AGENCY_WORD}))?(?:近日|日前)?(?:联合)?(?:印发|出台|发布|制定)(?:了)?《")


_NO_ISSUE_DATE_BEFORE = ("自", "至", "到", "于", "经", "已经", "截至", "截止", "从", "在")
_NO_ISSUE_DATE_AFTER = re.compile(r"^\s*(?:起|前|后|以|止|至|到|期间|开始|召开|[^。，\n]{0,12}会议)")
_UNSIGNED_TAIL = re.compile(r"^\s*(?:[（(]\s*此件|抄送|$)")


def _signatures(text: str, start: int):
    """Signatures from `start` on, in text order (see `_Signature`)."""
    prev: tuple[int, int, str] | None = None
    for a, b, ln in _lines(text, start):
        line = ln.strip()
        if not line:
            continue
        off = a + len(ln) - len(ln.lstrip())
        m = DATE_RE.fullmatch(line)
        if (m and parse_date(m)) or _DATE_LINE.match(ln):
            sig = _Signature("signed", None, None, parse_date(m) if m else line[:10], (a, b))
            if prev is not None:
                names, end = agency_run(prev[2].strip().lstrip("★"))
                tail = prev[2].strip().lstrip("★")[end:]
                if names and _UNSIGNED_TAIL.match(tail):
                    sig.issuer, sig.issuer_span = "".join(names), (prev[0], prev[1])
                elif len(prev[2].strip()) <= 40 and clean_issuer(prev[2]) and not re.search(r"[，。；：:]", prev[2]):
                    sig.issuer, sig.issuer_span = clean_issuer(prev[2]), (prev[0], prev[1])
            yield sig
            prev = (a, b, ln)
            continue
        found = False
        for m in (_SIGNED.finditer(ln) if "日" in ln and DATE_RE.search(ln) else ()):
            date = parse_date(m)
            names = agency_run(clean_issuer(m.group(1)) or "")[0]
            if not date or not names or "".join(names) != clean_issuer(m.group(1)):
                continue
            kind = "printed" if ln[m.end():m.end() + 4].lstrip().startswith("印发") else "signed"
            who = "".join(names)
            at = a + m.start(1) + m.group(1).rfind(names[0][:4])
            yield _Signature(kind, who, (at, a + m.end(1)), date, (a + m.start(2), a + m.end()))
            found = True
        if not found and _AGENCY_END.search(line, 0, 40):
            body = line.lstrip("★")
            names, end = agency_run(body)
            if names:
                tail = body[end:].lstrip()
                who, span = "".join(names), (off, off + end)
                if tail.startswith("印发"):
                    yield _Signature("printed", who, span, None, None)
                elif _UNSIGNED_TAIL.match(tail) or _starts_agency(tail) and cut_title(tail[:60]):
                    # a signature with no date, or one the attached document's title runs into
                    yield _Signature("unsigned", who, span, None, None)
        prev = (a, b, ln)


def _sign(h: Header, text: str, start: int, region: str) -> None:
    """Issue date and, when the head names none, the issuer, from the signatures.

    The date is the 成文日期: the first date signed under the issuing bodies after the title
    (the notice's own signature comes before the attached measure's), else the date of the
    印发 line, else a date in brackets after the title, else a date in the head that is not
    part of the content (自…起施行, 有效期至…, the day a meeting approved it)."""
    sigs = list(_signatures(text, start))
    signed = [s for s in sigs if s.kind == "signed"]
    printed = [s for s in sigs if s.kind == "printed"]
    if signed:
        h.date, h.date_span = signed[0].date, signed[0].date_span
    elif any(s.date for s in printed):
        last = [s for s in printed if s.date][-1]
        h.date, h.date_span = last.date, last.date_span
    named = [s for s in sigs if s.kind != "printed" and s.issuer]
    if h.issuer is None:
        pick = named[0] if named else (printed[-1] if printed and printed[-1].issuer else None)
        if pick is not None:
            h.issuer, h.issuer_span = pick.issuer, pick.issuer_span
    elif named:
        # 黄旅〔2016〕35号 heads one bureau; the signature names the two that issued it jointly
        head, sig = set(split_issuers(h.issuer)), split_issuers(named[0].issuer)
        if head < set(sig):
            h.issuer, h.issuer_span = named[0].issuer, named[0].issuer_span
    if h.date is None and h.title_span is not None:
        m = re.compile(r"\s*[（(]\s*" + DATE_RE.pattern + r"\s*[）)]").match(text, h.title_span[1])
        if m and parse_date(m):
            h.date, h.date_span = parse_date(m), (m.start(), m.end())
    if h.date is None:
        for m in DATE_RE.finditer(region):
            before = region[max(0, m.start() - 2):m.start()]
            if parse_date(m) and not before.endswith(_NO_ISSUE_DATE_BEFORE) \
                    and not _NO_ISSUE_DATE_AFTER.match(region[m.end():m.end() + 16]):
                h.date, h.date_span = parse_date(m), (m.start(), m.end())
                break


def _body_start(text: str) -> int:
    """Offset where the body starts: after the addressee line, else at the first heading,
    else at the first long paragraph."""
    for a, b, ln in _lines(text, 0, min(len(text), 3000)):
        s = ln.strip()
        if _ADDRESSEE.match(s) or (s.endswith(("：", ":")) and ("各" in s[:3]) and len(s) < 120):
            return b + 1
        if s.startswith(("第一条", "一、", "为", "根据", "按照")) and a > 0:
            return a
    # Whole header squeezed onto one line: the first heading (第一章 总则第一条 …), else
    # after the addressee list that ends with ：
    m = re.search(rf"第[{_CN}]+[章条]|(?<=[。\n])[{_CN}]{{1,2}}、", text[:3000])
    if m:
        return m.start()
    m = re.search(r"[：:]", text[:600])
    return m.end() if m else 0


# The .docx → text conversion some documents went through broke lines after a colon, also inside a
# ratio (给予1：\n1配套经费补助): one line again, so that the ratio and its sentence stay together.
_BROKEN_RATIO = re.compile(r"(?<=\d[：:])\n(?=\d+(?:\.\d+)?(?![\d、.．]))")


def parse_structure(text: str) -> ParsedDocument:
    """Split a document into header, a heading tree and tables (the text with broken ratios joined)."""
    text = _BROKEN_RATIO.sub("", text)
    body_start = _body_start(text)
    header = parse_header(text, body_start)
    tables = [t for t in _find_tables(text)]
    data_tables = [t for t in tables if _is_data_table(t)]
    in_table = [(t.start, t.end) for t in data_tables]
    has_articles = re.search(rf"(^|\n)\s*第[{_CN}]+条", text[body_start:]) is not None

    # First every heading line, then the tree: a 一、 in a document of 第X条 articles either
    # groups articles (一、总则 第一条 …) or lists items inside one (第二条 …：一、高新技术企业).
    found: list[tuple[int, str, str, str, int, re.Match[str]]] = []
    for a, b, raw in _segments(text, body_start):
        if any(s <= a <= e for s, e in in_table):
            continue
        line = raw.lstrip("\t \u3000")
        if not line:
            continue
        for kind, level, pat in HEADING_PATTERNS:
            m = pat.match(line)
            if not m:
                continue
            if kind in ("item", "subitem") and len(line) - m.end() < 2:
                break
            if kind in ("section", "item") and _ENUMERATION.match(line):
                break  # 一、二、三等奖的…: numbers listed in a sentence, not a heading
            found.append((a, raw, line, kind, level, m))
            break
    roots: list[Section] = []
    stack: list[Section] = []
    for i, (a, raw, line, kind, level, m) in enumerate(found):
        if kind == "section" and has_articles:
            nxt = next((f[3] for f in found[i + 1:] if f[3] != "subsection"), None)
            rest = line[m.end():].strip()
            short = len(rest) <= 14 and not re.search(r"[，。；、,;]", rest)
            level = 0 if nxt in ("article", "chapter", None) and short else 2
        number = line[: m.end()].strip().rstrip("：:")
        rest = line[m.end():]
        heading = _heading_of(rest)
        off = a + (len(raw) - len(line))
        sec = Section(kind, level, number, heading, off, body_start=off + m.end())
        if stack and stack[-1].kind == "box":
            stack.pop().end = off  # a 专栏 box holds plain paragraphs; any heading ends it
        if kind == "box":
            # A box sits inside the current heading without taking part in the numbering.
            sec.level = stack[-1].level + 1 if stack else 1
        elif kind == "attachment" or (
            kind == "section" and level == 1 and _restarts(number, roots, stack)
        ):
            while stack:
                stack.pop().end = off
            if kind == "section":
                # Numbering starts again at 一、: an attachment whose 附件N line was lost;
                # the short line before it is its title.
                att = Section("attachment", 0, "附件", _previous_line(text, a), off, body_start=off)
                roots.append(att)
                stack.append(att)
        while stack and stack[-1].level >= sec.level and kind != "box":
            stack.pop().end = off
        if stack:
            sec.parent = stack[-1]
            stack[-1].children.append(sec)
        else:
            roots.append(sec)
        stack.append(sec)
    for s in stack:
        s.end = len(text)
    _fix_ends(roots, len(text))
    return ParsedDocument(text, header, roots, data_tables, body_start)


_INLINE_HEADING = re.compile(
    rf"(?<=[。；：:])[ \t\u3000]*(?=第[{_CN}]+[条章]|[{_CN}]{{1,3}}、|[（(][{_CN}]{{1,3}}[）)])"
)
_INLINE_ARTICLE = re.compile(rf"第[{_CN}]+条")
_CHAPTER_HEAD = re.compile(rf"^\s*第[{_CN}]+章[^。；：\n]{{0,16}}$")


def _segments(text: str, start: int):
    """Lines, with a line also broken where a heading runs on after a sentence
    (…的规定。第二条 …) or after a chapter title (第一章 总则第一条 …)."""
    for a, b, line in _lines(text, start):
        cuts = [m.start() for m in _INLINE_HEADING.finditer(line) if m.start() > 0]
        for m in _INLINE_ARTICLE.finditer(line):
            if m.start() > 0 and _CHAPTER_HEAD.match(line[: m.start()]):
                cuts.append(m.start())
        prev = 0
        for c in sorted(set(cuts)):
            yield a + prev, a + c, line[prev:c]
            prev = c
        yield a + prev, b, line[prev:]


def _restarts(number: str, roots: list[Section], stack: list[Section]) -> bool:
    if not number.startswith("一") or number.startswith("一十"):
        return False
    in_attachment = any(s.kind == "attachment" for s in stack)
    top = [s for s in roots if s.kind == "section" and s.level == 1]
    return bool(top) and not in_attachment


def _previous_line(text: str, pos: int) -> str:
    for _a, _b, ln in reversed(list(_lines(text, max(0, pos - 800), max(0, pos - 1)))):
        if ln.strip() and len(ln.strip()) <= 40:
            return ln.strip()
    return ""


def _fix_ends(secs: list[Section], end: int) -> None:
    for i, s in enumerate(secs):
        s.end = secs[i + 1].start if i + 1 < len(secs) else end
        _fix_ends(s.children, s.end)


def _heading_of(rest: str) -> str:
    """The heading of a numbered line: up to the first 。 or ： (a heading line may run on
    into its text, as 第二条 申报条件：…)."""
    rest = rest.strip()
    for stop in ("。", "：", ":", "；"):
        k = rest.find(stop)
        if 0 < k <= 40:
            return rest[:k]
    return rest[:40] if len(rest) > 40 else rest
