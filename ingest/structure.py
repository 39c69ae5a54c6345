"""The layout of a Chinese government document: header, headings, articles, boxes, tables.

Works on the text a reader produced: one paragraph a line; tables as runs of lines that
start with a TAB (one cell a line, a blank line after each row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
    r"(通知|意见|决定|办法|方案|规定|细则|批复|规划|措施|政策|条例|纲要|计划|公告|通告|(?<!第)\d+条|(?<!第)[一二三四五六七八九十]+条)"
    r"(（[^（）]{0,14}(?:试行|暂行|修订|\d{4})[^（）]{0,6}）|\([^()]{0,14}(?:试行|暂行|修订)\))?"
)
_ISSUER_END = re.compile(
    r"(人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|管委会|管理委员会|党工委|局|委|厅|部|办|领导小组|中心|支行|分行)$"
)
_ADDRESSEE = re.compile(r"^[各有][\u4e00-\u9fa5、，,（）()\s]{2,80}[:：]\s*$")
_JUNK_LEAD = re.compile(r"^[^\u4e00-\u9fa5]+")
_FORM_TITLE = re.compile(r"(?:申请表|备案表|登记表|汇总表|明细表|一览表|申报表|审批表|承诺书|申报书|申请书|清单|目录"
                         r"|通知|意见|办法|细则|方案|规定|决定|通告|公告)(?=[\u4e00-\u9fa5]{3})")
_DATE_LINE = re.compile(r"^\s*(?:\d{4}-\d{2}-\d{2}(?:\s+\d{2}:\d{2}:\d{2})?)\s*$")
_SIGNED = re.compile(r"([\u4e00-\u9fa5]{4,60})\s*" + DATE_RE.pattern)
_PRINTED = re.compile(r"([\u4e00-\u9fa5（）]{4,40}?)\s*" + DATE_RE.pattern + r"\s*印发")


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


def cut_title(s: str) -> str | None:
    """The title at the start of `s`, which may run on into the addressee or the body
    (…的若干意见各镇人民政府，…): up to the last title word before the first comma or colon."""
    s = re.sub(r"\s+", "", s)
    for a, b, _num in reversed(find_doc_numbers(s, bare=True)):
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
    title = title.strip("《》")
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
    return s if 3 <= len(s) <= 60 and _ISSUER_END.search(s) else None


_ISSUER_SPLIT = re.compile(r"(人民政府办公室|人民政府|办公室|管委会|党工委|管理委员会|委员会|局|委|部|支行|分行)")


def split_issuers(s: str) -> list[str]:
    """Joint issuers written as one run: 中共东阳市委东阳市人民政府 → [中共东阳市委, 东阳市人民政府]."""
    base = s[2:] if s.startswith("中共") else s
    place = base[:2]
    out, start = [], 0
    for m in _ISSUER_SPLIT.finditer(s):
        rest = s[m.end():]
        if rest and (rest.startswith("中共") or (len(place) == 2 and rest.startswith(place))):
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
            rest = ln
            nums = find_doc_numbers(ln, bare=True)
            if nums and nums[0][0] < 3:
                rest = ln[nums[0][1]:]
            title = cut_title(rest)
            if title:
                off = a + max(0, ln.find(title[:2]))
                h.title, h.title_span = title, _span_of(text, off, title)
                break
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
    # Date: a line that is only a date (the signature); the line before it names the issuer.
    for a, b, ln in _lines(text):
        m = DATE_RE.fullmatch(ln.strip())
        iso = _DATE_LINE.match(ln)
        if (m and parse_date(m)) or iso:
            h.date = parse_date(m) if m else ln.strip()[:10]
            h.date_span = (a, b)
            if h.issuer is None:
                prev = text.rfind("\n", 0, max(0, a - 1))
                sig = clean_issuer(text[prev + 1:a])
                if sig:
                    h.issuer, h.issuer_span = sig, (prev + 1, a - 1)
            break
    # A signature run into its date: 兰溪市人民政府2017年6月2日
    if h.date is None or h.issuer is None:
        for m in _SIGNED.finditer(text, body_start):
            sig = clean_issuer(m.group(1))
            if sig and parse_date(m):
                if h.date is None:
                    h.date, h.date_span = parse_date(m), (m.start(2), m.end())
                if h.issuer is None:
                    h.issuer, h.issuer_span = sig, (m.start(1), m.end(1))
                break
    # 仙居县人民政府办公室2017年12月5日印发: who printed it and when
    tail_off = max(0, len(text) - 600)
    printed = None
    for m in _PRINTED.finditer(text, tail_off):
        printed = m
    if printed is not None:
        if h.date is None and parse_date(printed):
            h.date, h.date_span = parse_date(printed), (printed.start(2), printed.end())
        sig = clean_issuer(printed.group(1))
        if h.issuer is None and sig:
            h.issuer, h.issuer_span = sig, (printed.start(1), printed.end(1))
    if h.date is None and h.title_span is not None:
        m = re.compile(r"\s*[（(]\s*" + DATE_RE.pattern + r"\s*[）)]").match(text, h.title_span[1])
        if m and parse_date(m):
            h.date, h.date_span = parse_date(m), (m.start(), m.end())
    if h.date is None:
        for m in DATE_RE.finditer(region):
            before, after = region[max(0, m.start() - 1):m.start()], region[m.end():m.end() + 2]
            if parse_date(m) and before not in ("自", "至", "到", "于") and not after.startswith(("起", "前", "至")):
                h.date, h.date_span = parse_date(m), (m.start(), m.end())
                break
    return h


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
