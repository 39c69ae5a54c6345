"""Turn one input file (.txt, .docx, .pdf, .html) into normalised UTF-8 text.

The structure parser downstream only ever sees the text this module produces, so
every format is brought to one shape:

* one paragraph per line, at most two blank lines in a row;
* tables as one line per cell starting with a TAB, the cells of a row on
  consecutive lines and a blank line after each row; a cell that continues a
  vertical merge is an empty ``"\\t"`` line. This is the encoding of the shared
  corpus (``yongchuan_fuban_2021_49.txt``), so converted files and corpus files
  parse alike;
* Chinese punctuation (〔〕《》（）“” …) and the ideographic space U+3000 are kept
  exactly, because document numbers such as ``永川府办发〔2021〕49号`` and the
  usual full-width indentation are what the parser keys on.

Every failure is an error from :mod:`policykg.core.errors`; nothing from python-docx,
pypdf or the codecs escapes.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import docx
import pypdf
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from lxml import etree
from pypdf.errors import PyPdfError

from policykg.core.errors import InvalidInput, PayloadTooLarge

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DOCX",
    "HTML",
    "MEDIA_TYPES",
    "PDF",
    "SUPPORTED_SUFFIXES",
    "TEXT_PLAIN",
    "RawDocument",
    "iter_input_files",
    "read_bytes",
    "read_document",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

SUPPORTED_SUFFIXES = (".txt", ".docx", ".pdf", ".html", ".htm")

TEXT_PLAIN = "text/plain"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
HTML = "text/html"

MEDIA_TYPES = {
    ".txt": TEXT_PLAIN,
    ".docx": DOCX,
    ".pdf": PDF,
    ".html": HTML,
    ".htm": HTML,
}

_MAX_SIZE_HINT = "set POLICYKG_MAX_FILE_MB to raise the limit"
_TEXT_HINT = "save the document as UTF-8 (or GB18030/GBK) text, .docx, .pdf or .html"


@dataclass(frozen=True)
class RawDocument:
    """One input file, decoded and normalised, before any structure is parsed.

    Attributes:
        source: File name as given (basename only), kept for provenance.
        text: Normalised text, see the module docstring for its shape.
        media_type: IANA media type of the input format.
        encoding: Encoding the bytes were decoded with, for text/plain and
            text/html (``"utf-8"``, ``"gb18030"``, ``"utf-16-le"`` …); ``None``
            for .docx and .pdf, whose containers carry their own encoding.
        sha256: Hex SHA-256 of the raw bytes, so re-ingesting an unchanged file
            can be recognised.
    """

    source: str
    text: str
    media_type: str
    encoding: str | None
    sha256: str


# --------------------------------------------------------------------------- API


def read_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read one file from disk.

    Args:
        path: The file to read; its suffix picks the format.
        max_bytes: Files larger than this are refused before they are read.

    Returns:
        The decoded, normalised document.

    Raises:
        PayloadTooLarge: The file is larger than ``max_bytes``.
        InvalidInput: The path is missing, not a regular file, unreadable, empty,
            of an unsupported format, binary, damaged, or (PDF) has no text layer.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{path} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}") from None
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory, not a file")
    # Checked on the stat result so a 2 GB upload left on disk is never loaded.
    _check_size(path.name, stat.st_size, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path} cannot be read: {exc.strerror}") from None
    return read_bytes(data, path.name, max_bytes=max_bytes)


def read_bytes(data: bytes, filename: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read one document held in memory, e.g. an API upload.

    The format is picked from the file name's suffix; when the name has no
    supported suffix, from the leading magic bytes (``PK`` zip → .docx,
    ``%PDF-`` → .pdf, ``<html``/``<!doctype html`` → .html, anything else →
    plain text, which the binary check then vets).

    Args:
        data: The raw bytes of the file.
        filename: The name the client gave; only its basename is kept.
        max_bytes: Inputs larger than this are refused.

    Returns:
        The decoded, normalised document.

    Raises:
        PayloadTooLarge: ``data`` is larger than ``max_bytes``.
        InvalidInput: Empty, unsupported format, binary, damaged, or (PDF) no text layer.
    """
    # Browsers on Windows have been known to send the full client path.
    source = filename.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
    _check_size(source, len(data), max_bytes)
    if not data.strip():
        raise InvalidInput(f"{source} is empty")

    media_type = _media_type(data, source)
    encoding: str | None = None
    if media_type == DOCX:
        text = _docx_text(data, source)
    elif media_type == PDF:
        text = _pdf_text(data, source)
    else:
        raw, encoding = _decode(data, source, html=media_type == HTML)
        text = _html_text(raw) if media_type == HTML else raw

    text = _normalise(text)
    if not text.strip():
        raise InvalidInput(f"{source} is empty", hint="it contains no text after conversion")
    return RawDocument(
        source=source,
        text=text,
        media_type=media_type,
        encoding=encoding,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def iter_input_files(paths: Iterable[Path]) -> list[Path]:
    """Expand the paths given on a command line into the files to ingest.

    Folders are walked recursively in sorted order and only files with a
    supported suffix are kept; hidden entries and Word lock files (``~$x.docx``)
    are skipped because they are never documents. A file named explicitly must
    have a supported suffix, since silently dropping it would hide a mistake.

    Args:
        paths: Files and folders, in the order given.

    Returns:
        The files, in order, each at most once.

    Raises:
        InvalidInput: A path does not exist, or a file given explicitly has an
            unsupported suffix.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in map(Path, paths):
        if path.is_dir():
            candidates: Iterable[Path] = _walk(path)
        elif path.is_file():
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise InvalidInput(
                    f"{path} has the unsupported suffix {path.suffix or '(none)'!r}; "
                    f"supported: {', '.join(SUPPORTED_SUFFIXES)}"
                )
            candidates = [path]
        elif path.exists():
            raise InvalidInput(f"{path} is neither a file nor a folder")
        else:
            raise InvalidInput(f"{path} does not exist")
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


# ----------------------------------------------------------------- size, format


def _check_size(source: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise PayloadTooLarge(
            f"{source} is {size / 2**20:.1f} MB, over the limit of {max_bytes / 2**20:g} MB",
            hint=_MAX_SIZE_HINT,
        )


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if any(part.startswith((".", "~$")) for part in relative):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            yield path


def _media_type(data: bytes, source: str) -> str:
    suffix = os.path.splitext(source)[1].lower()
    if suffix in MEDIA_TYPES:
        return MEDIA_TYPES[suffix]
    head = data[:1024]
    if head.startswith(b"PK\x03\x04"):
        return DOCX
    if head.startswith(b"%PDF-"):
        return PDF
    if re.match(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype\s+html|html)[\s>]", head, re.IGNORECASE):
        return HTML
    if suffix:
        # A named but unsupported type (.doc, .xlsx, .jpg …): say so rather than
        # reporting its bytes as "binary", which would send the user guessing.
        raise InvalidInput(
            f"{source} has the unsupported suffix {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}",
            hint="save Word 97-2003 .doc files as .docx" if suffix == ".doc" else None,
        )
    return TEXT_PLAIN


# ---------------------------------------------------------------- text decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# GBK and GB2312 are subsets of GB18030, so one strict GB18030 decode covers all
# three and never mis-decodes a character the narrower codecs would have read.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn"}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

_SINGLE_BYTE_CODECS = ("latin", "iso8859", "cp125", "mac", "ascii", "koi8")

# The only control characters a text document legitimately contains.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")


def _decode(data: bytes, source: str, *, html: bool) -> tuple[str, str]:
    """Decode a text or HTML file, returning the text and the codec used."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise _not_text(source) from None
            _reject_junk(text, source, via_gb=False)
            return text, encoding

    # A NUL never occurs in UTF-8 or GB18030 text (it would in UTF-16, handled above).
    if b"\x00" in data:
        raise _not_text(source)

    candidates = ["utf-8", "gb18030"]
    declared = _declared_charset(data) if html else None
    if declared and declared.startswith(_SINGLE_BYTE_CODECS):
        # These decode any byte string, so a page saved as UTF-8 but still
        # declaring the template's latin-1 would turn into mojibake; strict UTF-8
        # validity is the better evidence there.
        candidates.insert(1, declared)
    elif declared:
        candidates.insert(0, declared)
    for encoding in dict.fromkeys(candidates):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        _reject_junk(text, source, via_gb=encoding == "gb18030")
        return text, encoding
    raise _not_text(source)


def _declared_charset(data: bytes) -> str | None:
    """The charset an HTML file declares in a <meta> tag, as a Python codec name."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        # An unknown label: fall back to sniffing rather than refusing the page.
        return None
    # A byte stream that is readable as ASCII up to this <meta> cannot be UTF-16/32
    # (those files carry a BOM, handled earlier); browsers read it as UTF-8 too.
    return "utf-8" if codec.startswith(("utf-16", "utf-32")) else codec


def _not_text(source: str) -> InvalidInput:
    return InvalidInput(f"{source} looks binary: it is not text in UTF-8 or GB18030", hint=_TEXT_HINT)


def _gb2312_level1() -> frozenset[str]:
    # GB2312 rows 0xB0-0xD7 hold the 3,755 most frequent hanzi (一级字库).
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # 0xD7FA-0xD7FE are unassigned
    return frozenset(chars)


_COMMON_HANZI = _gb2312_level1()


def _is_hanzi(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\U00020000" <= ch <= "\U0003134f"


def _is_textual(ch: str) -> bool:
    """Characters a Chinese policy document is made of, besides hanzi and ASCII."""
    code = ord(ch)
    return (
        0x00A0 <= code <= 0x024F  # Latin-1 supplement, Latin extended
        or 0x0391 <= code <= 0x03C9  # Greek (α, β in technical specs)
        or 0x2000 <= code <= 0x2BFF  # punctuation, letterlike, numerals, arrows, maths, shapes
        or 0x3000 <= code <= 0x33FF  # CJK punctuation, kana, bopomofo, enclosed CJK, ㎡
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFE30 <= code <= 0xFE4F  # CJK compatibility forms (vertical punctuation)
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def _reject_junk(text: str, source: str, *, via_gb: bool) -> None:
    """Raise when a successful decode still produced something that is not prose.

    GB18030 maps almost every byte sequence to some character, so random bytes
    without a NUL can decode "successfully"; the result is told apart from real
    text by its character mix. Counting distinct characters keeps this linear in
    C speed even for a 20 MB file.
    """
    counts = Counter(text)
    total = sum(n for ch, n in counts.items() if not ch.isspace())
    if total == 0:
        return  # blank: the caller reports "empty"
    junk = hanzi = common = other = 0
    for ch, n in counts.items():
        if ch.isspace() or " " <= ch <= "~":
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Co", "Cn", "Cs") and ch not in _ALLOWED_CONTROLS or ch == "\ufffd":
            junk += n
        elif _is_hanzi(ch):
            hanzi += n
            common += n if ch in _COMMON_HANZI else 0
        elif not _is_textual(ch):
            other += n
    if junk / total > 0.02:
        raise _not_text(source)
    if not via_gb:
        # A strict UTF-8 (or BOM-marked) decode is itself strong evidence of text,
        # and such files may legitimately be in any script or in traditional hanzi.
        return
    if other / total > 0.3:
        raise _not_text(source)
    # Real Chinese prose draws ≥99% of its hanzi from the 3,755 common ones (measured
    # on the shared corpus); uniformly random GBK byte pairs land there at most ~55%.
    if hanzi >= 16 and common / hanzi < 0.8:
        raise _not_text(source)


# ------------------------------------------------------------------------ .docx


def _docx_text(data: bytes, source: str) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _docx_block(document.element.body, lines)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        RuntimeError,  # zipfile: encrypted entries; NotImplementedError: unknown compression
        PackageNotFoundError,
        etree.LxmlError,
    ):
        # Truncated uploads and files renamed to .docx end up here; the library's
        # own exception says nothing useful to someone uploading a policy.
        raise InvalidInput(
            f"{source} is not a readable .docx (damaged or truncated)",
            hint="open and re-save it in Word or WPS, or upload it as PDF",
        ) from None
    return "\n".join(lines)


def _docx_block(container: etree._Element, lines: list[str]) -> None:
    """Append paragraphs and tables of a body (or content control) in document order."""
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            # A leading TAB would make a body paragraph look like a table cell.
            lines.append(child.text.lstrip("\t"))
        elif child.tag == qn("w:tbl"):
            _docx_table(child, lines)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _docx_block(content, lines)


def _docx_table(table: etree._Element, lines: list[str]) -> None:
    for row in table.iterchildren(qn("w:tr")):
        cells = [_docx_cell(cell) for cell in _docx_row_cells(row)]
        if not cells:
            continue
        lines.extend("\t" + cell for cell in cells)
        lines.append("")


def _docx_row_cells(row: etree._Element) -> Iterator[etree._Element]:
    for child in row.iterchildren():
        if child.tag == qn("w:tc"):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from content.iterchildren(qn("w:tc"))


def _docx_cell(cell: etree._Element) -> str:
    merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    # <w:vMerge/> without val="restart" continues the cell above: its text, if
    # any, belongs to that cell, and the corpus encodes the slot as an empty cell.
    if merge is not None and merge.get(qn("w:val"), "continue") != "restart":
        return ""
    return _flat_text(cell)


def _flat_text(element: etree._Element) -> str:
    """All paragraph text under a cell, nested tables included, on one line."""
    parts = [p.text for p in element.iter(qn("w:p"))]
    return " ".join(part.replace("\n", " ").replace("\t", " ").strip() for part in parts if part.strip())


# ------------------------------------------------------------------------- .pdf


def _pdf_text(data: bytes, source: str) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only to restrict printing and open with an
            # empty user password; those are readable.
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError):
                opened = 0
            if not opened:
                raise InvalidInput(
                    f"{source} is an encrypted PDF that needs a password",
                    hint="remove the password protection and upload it again",
                )
        pages = [page.extract_text() or "" for page in reader.pages]
    except InvalidInput:
        raise
    except (
        PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RuntimeError, zlib.error
    ):  # fmt: skip
        raise InvalidInput(
            f"{source} is not a readable PDF (damaged or truncated)",
            hint="re-export it from the original document",
        ) from None
    if not pages:
        raise InvalidInput(f"{source} is not a readable PDF: it has no pages")
    text = "\n".join(pages)
    if not text.strip():
        raise InvalidInput(
            f"{source} has no extractable text",
            hint="it is probably a scanned PDF; scanned PDFs need OCR, which is not supported",
        )
    return text


# ------------------------------------------------------------------------ .html

_HTML_SKIP = frozenset({"script", "style", "head", "noscript", "template"})
_HTML_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "title", "ul",
    }
)  # fmt: skip
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _HtmlText(HTMLParser):
    """Collects the visible text of a page as lines, tables in the TAB encoding."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line: list[str] = []
        self._skip: list[str] = []
        self._pre = 0
        self._table_depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._col = 0
        # column -> [rows still covered, colspan] for cells with rowspan > 1
        self._rowspans: dict[int, list[int]] = {}
        self._visited: set[int] = set()

    # -- tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self._skip.clear()  # an unclosed <head> ends where the body starts
        if self._skip:
            if tag in _HTML_SKIP:
                self._skip.append(tag)
            return
        if tag in _HTML_SKIP:
            self._skip.append(tag)
            return
        if tag == "table":
            self._table_depth += 1
            if self._table_depth == 1:
                self._flush_line()
                self._rowspans.clear()
            else:
                self._text(" ")
            return
        if self._table_depth == 1 and tag in ("tr", "td", "th"):
            if tag == "tr":
                self._end_row()
                self._row, self._col, self._visited = [], 0, set()
            else:
                self._start_cell(dict(attrs))
            return
        if tag == "pre":
            self._pre += 1
        if tag == "br":
            self._break(hard=True)
        elif tag in _HTML_BLOCKS or tag in ("tr", "td", "th"):
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if tag == "table" and self._table_depth:
            if self._table_depth == 1:
                self._end_row()
            else:
                self._text(" ")
            self._table_depth -= 1
            return
        if self._table_depth == 1 and tag in ("tr", "td", "th"):
            if tag == "tr":
                self._end_row()
            else:
                self._end_cell()
            return
        if tag == "pre" and self._pre:
            self._pre -= 1
        if tag in _HTML_BLOCKS or tag in ("tr", "td", "th"):
            self._break()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text(data if self._pre and self._cell is None else _HTML_SPACE.sub(" ", data))

    def close(self) -> None:
        super().close()
        self._end_row()
        self._flush_line()

    # -- text and lines

    def _text(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._table_depth and self._row is not None:
            # Stray text between cells: browsers hoist it out of the table; it must
            # not be glued onto the row encoding, so it becomes its own cell-less line.
            if data.strip():
                self._line.append(data)
        else:
            self._line.append(data)

    def _break(self, *, hard: bool = False) -> None:
        if self._cell is not None:
            self._cell.append(" ")
            return
        if self._pre:
            self._line.append("\n")
            return
        self._flush_line(keep_empty=hard)

    def _flush_line(self, *, keep_empty: bool = False) -> None:
        line = "".join(self._line)
        self._line = []
        if not self._pre:
            line = line.strip(" \t\n\r\f\xa0")
        if line.strip() or keep_empty:
            # Leading TABs are reserved for table cells.
            self.lines.extend(part.lstrip("\t") for part in line.split("\n"))

    # -- tables

    def _start_cell(self, attrs: dict[str, str | None]) -> None:
        self._end_cell()
        if self._row is None:  # a <td> without <tr>
            self._row, self._col, self._visited = [], 0, set()
        self._fill_rowspans()
        span = _int_attr(attrs.get("colspan"))
        down = _int_attr(attrs.get("rowspan"))
        if down > 1:
            self._rowspans[self._col] = [down - 1, span]
        self._visited.add(self._col)
        self._col += span
        self._cell = []

    def _fill_rowspans(self) -> None:
        """Emit empty cells for the slots at the cursor covered by an earlier rowspan."""
        while self._col in self._rowspans:
            covered = self._rowspans[self._col]
            assert self._row is not None
            self._row.append("")
            self._visited.add(self._col)
            covered[0] -= 1
            if covered[0] == 0:
                del self._rowspans[self._col]
            self._col += covered[1]

    def _end_cell(self) -> None:
        if self._cell is None:
            return
        assert self._row is not None
        self._row.append(" ".join("".join(self._cell).split()))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is None:
            return
        self._fill_rowspans()
        # A rowspan this row never reached (ragged markup) still covers it once.
        for column in sorted(self._rowspans):
            if column not in self._visited:
                self._row.append("")
                covered = self._rowspans[column]
                covered[0] -= 1
                if covered[0] == 0:
                    del self._rowspans[column]
        row, self._row = self._row, None
        if row:
            self._flush_line()
            self.lines.extend("\t" + cell for cell in row)
            self.lines.append("")


def _int_attr(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    return "\n".join(parser.lines)


# -------------------------------------------------------------------- normalise

# Zero-width and direction marks are invisible in the source document but would
# split words and document numbers for the parser and the tokenizer.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u00ad"))
_INVISIBLE.update({0x00A0: " ", 0x2028: "\n", 0x2029: "\n", 0x0B: "\n", 0x0C: "\n"})
# Left behind by the .docx → text conversion the shared corpus went through.
_BOOKMARK = re.compile(r"\[bookmark: [^\]\n]*\]")


def _normalise(text: str) -> str:
    """Bring text from any format to the one shape the parser expects."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = _BOOKMARK.sub("", text)
    lines: list[str] = []
    blank_run = 0
    for line in text.split("\n"):
        # A line that starts with a TAB is a table cell, empty or not, never blank.
        if not line.startswith("\t") and not line.strip():
            blank_run += 1
            if blank_run > 2 or not lines:
                continue
            line = ""
        else:
            blank_run = 0
        lines.append(line)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n" if lines else ""
