"""Tests for ingest.reader: every input format down to the one normalised text shape."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import random
from pathlib import Path

import docx
import pypdf
import pytest

from policykg.core.errors import InvalidInput, PayloadTooLarge
from policykg.ingest.reader import (
    DOCX,
    HTML,
    PDF,
    SUPPORTED_SUFFIXES,
    TEXT_PLAIN,
    RawDocument,
    iter_input_files,
    read_bytes,
    read_document,
)

CORPUS_FILE = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "yongchuan_fuban_2021_49.txt"

PARAGRAPH = (
    "重庆市永川区人民政府办公室关于印发《重庆永川国家双创示范基地建设方案（2021-2023）》的通知，"
    "永川府办发〔2021〕49号。各镇人民政府、街道办事处，区政府各部门，有关单位：经区政府同意，"
    "现将方案印发给你们，请认真贯彻执行。对符合条件的企业给予最高不超过50万元的一次性奖励。"
)


# ------------------------------------------------------------------ fixtures


def _docx_bytes() -> bytes:
    """A .docx with a heading, paragraphs around a 3x3 table whose first column merges rows 2-3."""
    document = docx.Document()
    document.add_heading("永川区科技创新奖励办法", level=1)
    document.add_paragraph("第一条　为加快创新驱动发展，制定本办法。")
    table = document.add_table(rows=3, cols=3)
    for row, values in enumerate([("板块", "序号", "目标值"), ("项目", "1", "100个"), ("", "2", "2亿")]):
        for col, value in enumerate(values):
            table.cell(row, col).text = value
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 0).text = "项目"
    # Word keeps stale text in a merge continuation without showing it; it must not leak.
    continuation = table._tbl.tr_lst[2].tc_lst[0]
    continuation.p_lst[0].add_r().text = "旧内容"
    document.add_paragraph("第二条　本办法自发布之日起施行。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(content: bytes) -> bytes:
    """A minimal one-page PDF with a correct xref table, written by hand."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


HELLO_PDF_STREAM = b"BT /F1 24 Tf 72 700 Td (Policy 2021 No. 49) Tj 0 -30 Td (Subsidy up to 500000 yuan) Tj ET"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -------------------------------------------------------------- shared corpus


def test_corpus_file_decodes_with_document_number_and_without_bookmarks() -> None:
    document = read_document(CORPUS_FILE)

    assert document.source == "yongchuan_fuban_2021_49.txt"
    assert document.media_type == TEXT_PLAIN
    assert document.encoding == "utf-8"
    assert "永川府办发〔2021〕49号" in document.text
    assert "[bookmark:" not in document.text
    assert document.sha256 == hashlib.sha256(CORPUS_FILE.read_bytes()).hexdigest()
    # The table encoding survives normalisation: a merged cell stays an empty TAB line
    # and rows stay separated by a single blank line.
    assert "\t板块\n\t序号\n\t指标名称\n\t目标值\n\t达成周期\n\n\t项目\n\t1\n" in document.text
    assert "\n\t\n\t2\n\t认定大中小企业产学研合作项目\n" in document.text
    assert "\n\n\n\n" not in document.text
    assert not document.text.startswith("\n")


# ------------------------------------------------------------------- text


def test_utf8_sig_text_is_normalised_but_chinese_punctuation_is_kept(tmp_path: Path) -> None:
    raw = (
        "\ufeff[bookmark: _GoBack]永川府办发〔2021〕49号\r\n"
        "《方案》（试行）「附件」“奖励”\u3000第一条\r"
        "补贴\u200b标准\u00a0500万元\r\n\r\n\r\n\r\n\r\n"
        "[bookmark: _Hlk65066320]第二条\n"
    ).encode("utf-8-sig")
    document = read_document(_write(tmp_path, "notice.txt", raw))

    assert document.encoding == "utf-8"
    assert document.text == (
        "永川府办发〔2021〕49号\n《方案》（试行）「附件」“奖励”\u3000第一条\n补贴标准 500万元\n\n\n第二条\n"
    )


def test_gbk_text_without_declaration_is_decoded_as_gb18030(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "gbk.txt", PARAGRAPH.encode("gbk")))

    assert document.encoding == "gb18030"
    assert document.text == PARAGRAPH + "\n"


def test_utf16_with_bom_is_decoded(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "u16.txt", codecs.BOM_UTF16_LE + PARAGRAPH.encode("utf-16-le")))

    assert document.encoding == "utf-16-le"
    assert document.text == PARAGRAPH + "\n"


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n\xe3\x80\x80\n"], ids=["empty", "whitespace"])
def test_empty_or_blank_file_is_rejected(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"blank\.txt is empty"):
        read_document(_write(tmp_path, "blank.txt", content))


def test_random_bytes_are_rejected_as_binary(tmp_path: Path) -> None:
    path = _write(tmp_path, "garbage.txt", os.urandom(4096))

    with pytest.raises(InvalidInput, match="looks binary.*UTF-8 or GB18030") as caught:
        read_document(path)
    assert caught.value.hint


def test_random_gbk_byte_pairs_that_decode_cleanly_are_still_rejected() -> None:
    # Every pair lands in the GB2312 hanzi rows, so strict GB18030 decoding succeeds
    # and the result is all valid hanzi; only the character mix gives it away.
    rng = random.Random(49)
    garbage = bytes(rng.randint(0xB0, 0xF7) if i % 2 == 0 else rng.randint(0xA1, 0xFE) for i in range(4096))
    garbage.decode("gb18030")  # the premise of the test

    with pytest.raises(InvalidInput, match="looks binary"):
        read_bytes(garbage, "garbage.txt")


def test_nul_byte_marks_a_file_as_binary() -> None:
    with pytest.raises(InvalidInput, match="looks binary"):
        read_bytes(PARAGRAPH.encode("utf-8") + b"\x00" + PARAGRAPH.encode("utf-8"), "nul.txt")


def test_random_bytes_without_nul_are_rejected() -> None:
    garbage = bytes(b for b in random.Random(7).randbytes(8192) if b)

    with pytest.raises(InvalidInput, match="looks binary"):
        read_bytes(garbage, "garbage.txt")


# ------------------------------------------------------------------- .docx


def test_docx_interleaves_paragraphs_and_tables_in_corpus_encoding(tmp_path: Path) -> None:
    data = _docx_bytes()
    document = read_document(_write(tmp_path, "办法.docx", data))

    assert document.media_type == DOCX
    assert document.encoding is None
    assert document.source == "办法.docx"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.text == (
        "永川区科技创新奖励办法\n"
        "第一条　为加快创新驱动发展，制定本办法。\n"
        "\t板块\n\t序号\n\t目标值\n\n"
        "\t项目\n\t1\n\t100个\n\n"
        "\t\n\t2\n\t2亿\n\n"
        "第二条　本办法自发布之日起施行。\n"
    )


@pytest.mark.parametrize(
    "make_bytes",
    [lambda: _docx_bytes()[: len(_docx_bytes()) // 2], lambda: b"PK\x03\x04" + os.urandom(2000)],
    ids=["truncated", "garbage"],
)
def test_damaged_docx_is_invalid_input(tmp_path: Path, make_bytes) -> None:
    path = _write(tmp_path, "broken.docx", make_bytes())

    with pytest.raises(InvalidInput, match=r"broken\.docx is not a readable \.docx \(damaged or truncated\)"):
        read_document(path)


# -------------------------------------------------------------------- .pdf


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "policy.pdf", _pdf_bytes(HELLO_PDF_STREAM)))

    assert document.media_type == PDF
    assert document.encoding is None
    assert "Policy 2021 No. 49" in document.text
    assert "Subsidy up to 500000 yuan" in document.text


def test_corrupt_pdf_is_invalid_input(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.pdf", b"%PDF-1.4\n" + os.urandom(3000))

    with pytest.raises(InvalidInput, match=r"broken\.pdf is not a readable PDF"):
        read_document(path)


def test_pdf_without_text_layer_mentions_ocr(tmp_path: Path) -> None:
    path = _write(tmp_path, "scan.pdf", _pdf_bytes(b"0 0 1 rg 10 10 100 100 re f"))

    with pytest.raises(InvalidInput, match="no extractable text") as caught:
        read_document(path)
    assert "OCR" in str(caught.value)
    assert "not supported" in str(caught.value)


def test_password_protected_pdf_is_invalid_input(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(_pdf_bytes(HELLO_PDF_STREAM))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)

    with pytest.raises(InvalidInput, match="encrypted PDF"):
        read_bytes(buffer.getvalue(), "locked.pdf")


# ------------------------------------------------------------------- .html


GBK_PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>站点标题_人民政府</title><style>p { color: red }</style></head>
<body><script>var x = "不应出现";</script>
<h1>永川府办发〔2021〕49号</h1>
<p>各镇人民政府，<b>街道</b>办事处：</p><div>主要目标具体如下表：<br>（一）项目</div>
<table>
  <tr><th>板块</th><th>序号</th><th>目标值</th></tr>
  <tr><td rowspan="2">项目</td><td>1</td><td>100个</td></tr>
  <tr><td>2</td><td>2&nbsp;亿</td></tr>
</table>
<p>第二条　本办法自发布之日起施行。</p>
</body></html>
"""


def test_gbk_html_with_meta_charset_and_table(tmp_path: Path) -> None:
    document = read_document(_write(tmp_path, "page.html", GBK_PAGE.encode("gbk")))

    assert document.media_type == HTML
    assert document.encoding == "gb18030"
    assert document.text == (
        "永川府办发〔2021〕49号\n"
        "各镇人民政府，街道办事处：\n"
        "主要目标具体如下表：\n"
        "（一）项目\n"
        "\t板块\n\t序号\n\t目标值\n\n"
        "\t项目\n\t1\n\t100个\n\n"
        "\t\n\t2\n\t2 亿\n\n"
        "第二条　本办法自发布之日起施行。\n"
    )
    assert "不应出现" not in document.text
    assert "color" not in document.text
    assert "站点标题" not in document.text


def test_html_meta_charset_short_form_is_honoured() -> None:
    page = '<html><head><meta charset="GBK"></head><body><p>补贴标准</p></body></html>'

    document = read_bytes(page.encode("gbk"), "short.htm")

    assert document.encoding == "gb18030"
    assert document.text == "补贴标准\n"


def test_html_declared_charset_wins_over_sniffing() -> None:
    page = '<html><head><meta charset="big5"></head><body><p>臺灣產業補助辦法</p></body></html>'

    document = read_bytes(page.encode("big5"), "tw.html")

    assert document.encoding == "big5"
    assert document.text == "臺灣產業補助辦法\n"


# ------------------------------------------------------------- size limit


def test_oversize_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)

    def forbidden(self: Path) -> bytes:
        raise AssertionError("the file must not be read")

    monkeypatch.setattr(Path, "read_bytes", forbidden)
    with pytest.raises(PayloadTooLarge, match=r"huge\.txt is 60\.0 MB, over the limit of 20 MB") as caught:
        read_document(path)
    assert "POLICYKG_MAX_FILE_MB" in str(caught.value)
    assert caught.value.status == 413


def test_read_bytes_enforces_max_bytes() -> None:
    with pytest.raises(PayloadTooLarge):
        read_bytes(b"a" * 2048, "small.txt", max_bytes=1024)
    assert read_bytes(b"a" * 1024, "small.txt", max_bytes=1024).text == "a" * 1024 + "\n"


# --------------------------------------------------------------- read_bytes


def test_read_bytes_sniffs_format_when_name_has_no_suffix() -> None:
    assert read_bytes(_docx_bytes(), "upload").media_type == DOCX
    assert read_bytes(_pdf_bytes(HELLO_PDF_STREAM), "upload").media_type == PDF
    html = read_bytes(b"<!doctype html><html><body><p>a</p><p>b</p></body></html>", "upload")
    assert (html.media_type, html.text) == (HTML, "a\nb\n")
    assert read_bytes(PARAGRAPH.encode("utf-8"), "upload").media_type == TEXT_PLAIN


def test_read_bytes_keeps_only_the_basename() -> None:
    document = read_bytes(PARAGRAPH.encode("utf-8"), "C:\\Users\\me\\政策.txt")

    assert isinstance(document, RawDocument)
    assert document.source == "政策.txt"


def test_read_bytes_rejects_unsupported_suffix() -> None:
    with pytest.raises(InvalidInput, match=r"unsupported suffix '\.doc'.*\.docx") as caught:
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.doc")
    assert caught.value.hint and ".docx" in caught.value.hint


# --------------------------------------------------------------- input files


def test_iter_input_files_expands_folders_sorted_and_filters(tmp_path: Path) -> None:
    for name in ["b.txt", "a.docx", "sub/c.pdf", "sub/deeper/d.HTML", "notes.md", "~$a.docx", ".hidden/e.txt", "x.htm"]:
        _write(tmp_path / "in", name, b"x")
    single = _write(tmp_path, "single.txt", b"x")

    files = iter_input_files([single, tmp_path / "in", single])

    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "single.txt",
        "in/a.docx",
        "in/b.txt",
        "in/sub/c.pdf",
        "in/sub/deeper/d.HTML",
        "in/x.htm",
    ]


def test_iter_input_files_rejects_explicit_unsupported_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "table.xlsx", b"x")

    with pytest.raises(InvalidInput, match=r"\.xlsx") as caught:
        iter_input_files([path])
    assert all(suffix in str(caught.value) for suffix in SUPPORTED_SUFFIXES)


def test_missing_path_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        iter_input_files([tmp_path / "nope"])
    with pytest.raises(InvalidInput, match="does not exist"):
        read_document(tmp_path / "nope.txt")
