"""Re-ingesting a document changes nothing; a changed document replaces its old version cleanly."""

from policykg.app.export import iter_jsonl
from tests.conftest import ZHEJIANG


def test_reingest_is_a_no_op(store):
    src = ZHEJIANG / "0410.txt"
    [first] = store.ingestor.ingest_paths([src])
    before = list(iter_jsonl(store.graph)), store.index.count()
    [again] = store.ingestor.ingest_paths([src])
    assert (first.outcome, again.outcome) == ("created", "unchanged")
    assert (list(iter_jsonl(store.graph)), store.index.count()) == before


def test_changed_document_replaces_old_version(store, tmp_path):
    original = (ZHEJIANG / "0410.txt").read_text(encoding="utf-8")
    assert "最高不超过5万元" in original
    path = tmp_path / "0410.txt"
    path.write_text(original, encoding="utf-8")
    store.ingestor.ingest_paths([path])
    clause_id = "PolicyClause:嘉科综〔2018〕47号#第六条"
    assert "最高不超过5万元" in store.graph.get_node(clause_id).properties["text"]
    counts = store.graph.counts()

    path.write_text(original.replace("最高不超过5万元", "最高不超过8万元"), encoding="utf-8")
    [r] = store.ingestor.ingest_paths([path])
    assert r.outcome == "replaced"
    text = store.graph.get_node(clause_id).properties["text"]
    assert "最高不超过8万元" in text and "5万元" not in text
    assert store.graph.counts() == counts  # replaced, not added beside the old one
    from policykg.search.service import SearchService

    hits = SearchService(store.index).search("最高不超过8万元", limit=3)
    assert hits and "8万元" in hits[0].text
    assert not any("最高不超过5万元" in h.text for h in SearchService(store.index).search("5万元", limit=50))


def test_shared_entities_survive_deleting_one_document(store):
    store.ingestor.ingest_paths([ZHEJIANG / "0410.txt", ZHEJIANG / "0442.txt"])
    q = store.graph.get_node("Qualification:高新技术企业")
    docs = {p.doc_id for p in q.provenance}
    assert {"0410.txt", "0442.txt"} <= docs
    assert store.graph.delete_document("0442.txt")
    assert store.graph.document_version("0442.txt") is None
    still = store.graph.get_node("Qualification:高新技术企业")
    assert {p.doc_id for p in still.provenance} == {"0410.txt"}


def test_parallel_ingest_stores_exactly_what_one_worker_does(tmp_path):
    from tests.conftest import Store

    files = sorted(ZHEJIANG.glob("04[1-4]*.txt"))
    assert len(files) >= 8
    one, two = Store(tmp_path / "one"), Store(tmp_path / "two")
    r1 = one.ingestor.ingest_paths(files, workers=1)
    r2 = two.ingestor.ingest_paths(files, workers=2)
    assert [r.to_json() for r in r1] == [r.to_json() for r in r2]
    assert list(iter_jsonl(one.graph)) == list(iter_jsonl(two.graph))
    assert one.index.count() == two.index.count()
