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
