"""Bad input gets a clear error or a clear "nothing found", and the store stays exactly as it was."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from docx import Document

from policykg.app.export import iter_jsonl
from policykg.core.errors import InvalidInput, NotAPolicy, PayloadTooLarge
from policykg.core.model import DocumentGraph, Provenance
from policykg.ingest.reader import read_document
from tests.conftest import ZHEJIANG


def snapshot(store):
    return list(iter_jsonl(store.graph)), store.index.count(), store.graph.counts()


@pytest.fixture
def seeded(store):
    [r] = store.ingestor.ingest_paths([ZHEJIANG / "0410.txt"])
    assert r.outcome == "created"
    return store


def _docx_bytes() -> bytes:
    d = Document()
    d.add_paragraph("嘉兴市科技局关于印发科技保险补贴办法的通知")
    d.add_paragraph("第一条 为鼓励企业参加科技保险，制定本办法。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


CASES = {
    "empty.txt": (b"", InvalidInput, "empty"),
    "blank.txt": (" \n\t\n".encode(), InvalidInput, "empty"),
    "garbage.txt": (os.urandom(8192), InvalidInput, "binary"),
    "truncated.docx": (_docx_bytes()[:900], InvalidInput, "docx"),
    "novel.txt": ("天色渐晚，他沿着河边慢慢地走回家去，一路上看见许多孩子在放风筝，心里很是欢喜。".encode(), NotAPolicy, "policy"),
    "english.txt": (b"This is a plain English README file with no policy content at all.\n" * 5, NotAPolicy, "policy"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_and_store_unchanged(seeded, tmp_path, name):
    data, error, word = CASES[name]
    path = tmp_path / name
    path.write_bytes(data)
    before = snapshot(seeded)
    [result] = seeded.ingestor.ingest_paths([path])
    assert result.outcome == "failed"
    assert word in result.error.lower()
    assert result.status == error.status
    with pytest.raises(error):
        seeded.ingestor.ingest_raw(read_document(path))
    assert snapshot(seeded) == before


def test_a_60_mb_file_is_refused_before_reading(seeded, tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(60 * 1024 * 1024)
    before = snapshot(seeded)
    [result] = seeded.ingestor.ingest_paths([path])
    assert result.outcome == "failed" and result.status == PayloadTooLarge.status
    assert "60.0 MB" in result.error and "POLICYKG_MAX_FILE_MB" in result.error
    assert snapshot(seeded) == before


def test_gbk_text_without_declared_encoding_is_decoded(store, tmp_path):
    text = (ZHEJIANG / "0410.txt").read_text(encoding="utf-8")
    path = tmp_path / "0410-gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    [result] = store.ingestor.ingest_paths([path])
    assert result.outcome == "created", result
    node = store.graph.get_node(result.doc_id and "PolicyDocument:嘉科综〔2018〕47号")
    assert node.properties["title"] == "关于印发《嘉兴市科技保险补贴实施办法（试行）》的通知"
    assert read_document(path).encoding == "gb18030"


def test_a_failing_write_leaves_no_half_document(seeded):
    """A document whose graph cannot be serialised fails inside the transaction: nothing of it stays."""
    before = snapshot(seeded)
    doc = DocumentGraph(doc_id="broken.txt", version="v1", source="broken.txt")
    prov = Provenance("broken.txt", "broken.txt", 0, 1, "x")
    for i in range(50):
        doc.add_node(f"Agency:ok{i}", "Agency", f"ok{i}", prov=prov)
    doc.add_node("Agency:bad", "Agency", "bad", prov=prov, unserialisable=object())
    with pytest.raises(InvalidInput):
        seeded.graph.write_document(doc)
    assert snapshot(seeded) == before
    assert seeded.graph.document_version("broken.txt") is None


def test_unsupported_suffix_and_missing_path_are_clear(store, tmp_path):
    doc = tmp_path / "policy.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InvalidInput, match=r"\.doc"):
        store.ingestor.ingest_paths([doc])
    with pytest.raises(InvalidInput, match="does not exist|not found|no such"):
        store.ingestor.ingest_paths([tmp_path / "nope"])


def test_a_damaged_zip_named_docx(seeded, tmp_path):
    path = tmp_path / "fake.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a word document")
    path.write_bytes(buf.getvalue())
    before = snapshot(seeded)
    [result] = seeded.ingestor.ingest_paths([path])
    assert result.outcome == "failed" and "docx" in result.error
    assert snapshot(seeded) == before
