"""Term vectors trained on the Zhejiang corpus, the sentence-encoder loader and cosine top-k.

Must show: related policy terms are near each other and random ones are not; training is
reproducible; vectors survive save/load; a missing or corrupt file raises VectorsUnavailable."""

import sys
import types

import numpy as np
import pytest

from policykg.core.errors import BackendUnavailable, InvalidInput
from policykg.core.tokens import search_tokens
from policykg.search.vectors import VECTORS_FILE, SentenceEncoder, TermVectors, VectorsUnavailable, top_k
from tests.conftest import ZHEJIANG


@pytest.fixture(scope="module")
def sentences():
    """One token list per non-empty line of the 81 Zhejiang documents."""
    out = []
    for path in sorted(ZHEJIANG.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            tokens = search_tokens(line).split()
            if tokens:
                out.append(tokens)
    assert len(out) > 5000
    return out


@pytest.fixture(scope="module")
def vectors(sentences):
    return TermVectors.train(sentences)  # about 10 s on one core


def cosine(tv, a, b):
    return float(tv.unit[tv.index[a]] @ tv.unit[tv.index[b]])


# Pairs that occur together across the corpus (博士后工作站, 发明专利/实用新型专利, 上市/挂牌 ...).
RELATED = [("博士后", "工作站"), ("发明专利", "实用新型"), ("上市", "挂牌"), ("跨境", "电商"), ("孵化器", "众创空间")]


@pytest.mark.parametrize("a,b", RELATED)
def test_related_terms_are_neighbours(vectors, a, b):
    assert b in [t for t, _ in vectors.similar(a, k=10, min_sim=0.0)]


def test_related_pairs_beat_random_pairs(vectors):
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(vectors), size=(2000, 2))
    random_cos = np.sum(vectors.unit[pairs[:, 0]] * vectors.unit[pairs[:, 1]], axis=1)
    # Centred vectors: two random terms are unrelated on average.
    assert abs(float(np.median(random_cos))) < 0.1
    p95 = float(np.quantile(random_cos, 0.95))
    for a, b in RELATED:
        assert cosine(vectors, a, b) > p95, (a, b)


def test_similar_contract(vectors):
    hits = vectors.similar("博士后", k=5, min_sim=0.6)
    assert 0 < len(hits) <= 5
    assert "博士后" not in [t for t, _ in hits]
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0.6
    assert vectors.similar("没有这个词语", k=5) == []
    assert vectors.similar("博士后", k=0) == []
    assert vectors.similar("博士后", k=5, min_sim=1.01) == []


def test_embed_finds_the_passage_a_query_means(vectors):
    passages = [
        "对企业新建立的博士后工作站给予一次性20万元专项补助；",
        "对跨境电商企业租用经省级主管部门认定的公共海外仓开展跨境电商贸易的，对海外仓租金给予50%的补助。",
        "对获得区政府质量奖的企业，由区政府给予表彰，颁发奖杯、证书，并给予20万元的经费奖励。",
        "发明专利每件补助2万元（含创新券补助）、实用新型专利每件补助3000元。",
        "企业在全国中小企业股份转让系统（新三板）挂牌，最高给予150万元补助。",
        "每家企业每年的科技保险保费补贴总额最高不超过5万元。",
    ]
    queries = ["博士后站建站资助", "租用海外仓的房租补贴", "政府质量奖奖金", "专利授权补贴", "新三板上市奖励",
               "科技险保费补贴上限"]
    matrix = np.stack([vectors.embed(search_tokens(p).split()) for p in passages])
    for i, q in enumerate(queries):
        v = vectors.embed(search_tokens(q).split())
        assert v.dtype == np.float32 and abs(float(np.linalg.norm(v)) - 1) < 1e-5
        assert top_k(matrix, v, 1)[0][0] == i, q


def test_embed_skips_unknown_tokens(vectors):
    known = ["博士后", "工作站"]
    assert np.allclose(vectors.embed(known + ["不存在的词甲", "不存在的词乙"]), vectors.embed(known))
    zero = vectors.embed(["不存在的词甲", "不存在的词乙"])
    assert zero.shape == (vectors.dim,) and zero.dtype == np.float32 and not zero.any()
    assert not vectors.embed([]).any()


def test_sif_weights_favour_rare_terms(vectors):
    assert vectors.weights[vectors.index["的"]] < vectors.weights[vectors.index["博士后"]]


def test_training_is_deterministic(sentences):
    subset = sentences[:1500]
    a = TermVectors.train(subset, dim=32, epochs=2)
    b = TermVectors.train(subset, dim=32, epochs=2)
    assert a.terms == b.terms
    assert np.array_equal(a.vectors, b.vectors)
    c = TermVectors.train(subset, dim=32, epochs=2, seed=2)
    assert not np.array_equal(a.vectors, c.vectors)


def test_training_on_nothing_is_invalid():
    with pytest.raises(InvalidInput):
        TermVectors.train([["只有", "一次"]], min_count=2)


def test_save_load_roundtrip(vectors, tmp_path):
    path = vectors.save(tmp_path / "vec")
    assert path.name == VECTORS_FILE
    assert [p.name for p in path.parent.iterdir()] == [VECTORS_FILE]  # no temporary file left
    loaded = TermVectors.load(tmp_path / "vec")
    assert loaded.terms == vectors.terms and loaded.dim == vectors.dim
    assert np.array_equal(loaded.vectors, vectors.vectors)
    assert np.array_equal(loaded.counts, vectors.counts)
    assert loaded.params == vectors.params
    assert loaded.similar("博士后") == vectors.similar("博士后")
    tokens = search_tokens("企业研发投入补助").split()
    assert np.array_equal(loaded.embed(tokens), vectors.embed(tokens))


def test_save_replaces_the_old_file(sentences, vectors, tmp_path):
    vectors.save(tmp_path)
    small = TermVectors.train(sentences[:500], dim=16, epochs=1)
    small.save(tmp_path)
    assert TermVectors.load(tmp_path).dim == 16
    assert len(list(tmp_path.iterdir())) == 1


def test_missing_vectors_are_unavailable(tmp_path):
    with pytest.raises(VectorsUnavailable, match="no term vectors"):
        TermVectors.load(tmp_path / "nowhere")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "foreign npz"])
def test_corrupt_vectors_are_unavailable(vectors, tmp_path, damage):
    path = vectors.save(tmp_path)
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"not a zip file" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        np.savez(path, vectors=np.zeros((2, 3), dtype=np.float32))
    with pytest.raises(VectorsUnavailable) as err:
        TermVectors.load(tmp_path)
    assert isinstance(err.value, BackendUnavailable) and err.value.status == 503


# --- top_k ---------------------------------------------------------------------------------


def unit_rows(n, dim, seed):
    m = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


@pytest.mark.parametrize("k", [1, 7, 499, 500, 800])
def test_top_k_matches_brute_force(k):
    matrix = unit_rows(500, 16, seed=3)
    query = np.random.default_rng(4).normal(size=16).astype(np.float32)
    scores = matrix @ (query / np.linalg.norm(query))
    expected = np.argsort(-scores, kind="stable")[:k]
    got = top_k(matrix, query, k)
    assert [i for i, _ in got] == expected.tolist()
    assert np.allclose([s for _, s in got], scores[expected], atol=1e-6)


def test_top_k_ties_in_row_order_and_edge_cases():
    matrix = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], dtype=np.float32)
    assert [i for i, _ in top_k(matrix, np.array([2.0, 0.0]), 3)] == [0, 2, 3]
    assert top_k(matrix, np.array([1.0, 0.0]), 0) == []
    assert top_k(matrix, np.zeros(2), 2) == []
    assert top_k(np.zeros((0, 2), dtype=np.float32), np.array([1.0, 0.0]), 2) == []
    with pytest.raises(InvalidInput):
        top_k(matrix, np.ones(3), 2)


# --- SentenceEncoder -----------------------------------------------------------------------


def test_sentence_encoder_needs_a_model_directory(tmp_path):
    with pytest.raises(VectorsUnavailable, match="no sentence-transformers model"):
        SentenceEncoder.load(tmp_path / "nowhere")
    with pytest.raises(VectorsUnavailable, match="no sentence-transformers model"):
        SentenceEncoder.load(tmp_path)


def test_sentence_encoder_without_the_package(tmp_path, monkeypatch):
    (tmp_path / "modules.json").write_text("[]", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(VectorsUnavailable, match="sentence-transformers is not installed"):
        SentenceEncoder.load(tmp_path)


class _FakeSentenceTransformer:
    """Stands in for sentence_transformers.SentenceTransformer (not installed here: it pulls
    in torch) to check our glue: CPU, local files only, unit float32 rows."""

    def __init__(self, path, device=None, local_files_only=False):
        assert device == "cpu" and local_files_only
        if path.endswith("broken"):
            raise OSError("weights missing")

    def get_sentence_embedding_dimension(self):
        return 3

    def encode(self, texts, convert_to_numpy=True, show_progress_bar=False):
        return np.array([[len(t), 1.0, 0.0] if t else [0.0, 0.0, 0.0] for t in texts], dtype=np.float64)


def test_sentence_encoder_glue(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers",
                        types.SimpleNamespace(SentenceTransformer=_FakeSentenceTransformer))
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "modules.json").write_text("[]", encoding="utf-8")
    enc = SentenceEncoder.load(model_dir)
    rows = enc.encode(["高新技术企业", "", "补助"])
    assert rows.shape == (3, 3) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows[[0, 2]], axis=1), 1) and not rows[1].any()
    assert enc.encode([]).shape == (0, 3)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "modules.json").write_text("[]", encoding="utf-8")
    with pytest.raises(VectorsUnavailable, match="failed to load"):
        SentenceEncoder.load(broken)
