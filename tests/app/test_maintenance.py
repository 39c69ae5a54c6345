from policykg.app.export import iter_jsonl
from policykg.app.maintenance import migrate, reindex
from policykg.graph.sqlite_store import SqliteGraphStore
from policykg.search.service import SearchService
from policykg.search.sqlite_index import SqliteSearchIndex


def test_reindex_from_the_graph_gives_the_same_hits(yongchuan_store, tmp_path):
    fresh = SqliteSearchIndex(tmp_path / "idx")
    assert reindex(yongchuan_store.graph, fresh) == 1
    for q in ("高新技术企业", "创新30条", "区科技局", "融通创新产业引导基金"):
        a = [(h.node_id, h.score) for h in SearchService(yongchuan_store.index).search(q, limit=10)]
        b = [(h.node_id, h.score) for h in SearchService(fresh).search(q, limit=10)]
        assert a == b and a, q
    assert fresh.count() == yongchuan_store.index.count()


def test_reindex_replaces_everything(yongchuan_store, tmp_path):
    idx = SqliteSearchIndex(tmp_path / "idx")
    idx.write_document("stale.txt", "v0", [])
    reindex(yongchuan_store.graph, idx)
    assert idx.document_version("stale.txt") is None


def test_migrate_copies_without_loss_and_is_rerunnable(yongchuan_store, tmp_path):
    target = SqliteGraphStore(tmp_path / "copy")
    assert migrate(yongchuan_store.graph, target) == 1
    assert list(iter_jsonl(target)) == list(iter_jsonl(yongchuan_store.graph))
    assert [n.provenance for n in target.iter_graph()] == [n.provenance for n in yongchuan_store.graph.iter_graph()]
    assert migrate(yongchuan_store.graph, target) == 1
    assert target.counts() == yongchuan_store.graph.counts()


def test_term_vectors_are_learned_from_the_passages_and_reloaded_when_they_change(yongchuan_store, tmp_path):
    from policykg.app.maintenance import load_vectors, train_vectors
    from policykg.search.vectors import VECTORS_FILE

    assert load_vectors(tmp_path) is None  # none yet: search ranks without them
    learned = train_vectors(yongchuan_store.graph, tmp_path)
    assert learned is not None and "企业" in learned
    loaded = load_vectors(tmp_path)
    assert loaded is not None and loaded.terms == learned.terms
    assert load_vectors(tmp_path) is loaded  # cached while the file is unchanged
    svc = SearchService(yongchuan_store.index, loaded)
    [doc] = svc.documents("融通创新产业引导基金规模", limit=1)
    assert doc.passages and all(p.text in yongchuan_store.graph.get_node(p.node_id).properties["text"]
                                for p in doc.passages)
    (tmp_path / VECTORS_FILE).write_bytes(b"not vectors")
    assert load_vectors(tmp_path) is None  # a damaged file is reported and left out, not fatal
