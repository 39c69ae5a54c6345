"""The one tokenisation both search backends index: jieba words plus the dictionary words
inside long ones (as jieba's search mode does), joined by spaces."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba

from policykg.core.ontology import PKG, load_ontology

jieba.setLogLevel(logging.WARNING)

# The parts of a jieba word that both backends keep: letters, digits, CJK (50% → 50, 0.5 → 0 5),
# exactly as SQLite's unicode61 tokenizer would split them, so Elasticsearch's whitespace
# analyzer sees the same tokens.
_PARTS = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def ensure_dictionary() -> None:
    """Make jieba keep every ontology term and name suffix whole (once per process).

    Index and query tokenisation and the spaCy pipeline all call this first, so that the
    same text always gives the same tokens."""
    ontology = load_ontology()
    jieba.initialize()
    words = set(ontology.dictionary_words)
    for cls in (PKG.Agency, PKG.Organization, PKG.Fund, PKG.TalentProgram, PKG.Enterprise):
        words.update(s for s in ontology.suffixes(cls) if len(s) >= 2)
    for w in sorted(words):
        jieba.add_word(w)


# jieba words of lines the spaCy pipeline already segmented during this ingest, so the
# search units built from the same lines do not run jieba a second time. Bounded.
_LINE_WORDS: dict[str, list[str]] = {}
_LINE_WORDS_MAX = 20_000


def remember_words(line: str, words: list[str]) -> None:
    """Record the jieba words of a line (from the spaCy tokenizer, which runs jieba)."""
    if len(_LINE_WORDS) >= _LINE_WORDS_MAX:
        _LINE_WORDS.clear()
    _LINE_WORDS[line] = words


def remember_doc_words(doc, text: str) -> None:
    """Record the jieba words of every line of a spaCy Doc made by the jieba tokenizer
    (`text` is the doc's text). Reads offsets as arrays: making Token objects costs more
    than the segmentation."""
    from spacy.attrs import IDX, LENGTH

    arr = doc.to_array([IDX, LENGTH])
    line_start, words = 0, []
    for idx, length in arr.tolist():
        word = text[idx: idx + length]
        nl = text.find("\n", line_start, idx + 1)
        while nl != -1:
            remember_words(text[line_start:nl], words)
            line_start, words = nl + 1, []
            nl = text.find("\n", line_start, idx + 1)
        if not word.isspace():
            words.append(word)
    while True:
        nl = text.find("\n", line_start)
        if nl == -1:
            remember_words(text[line_start:], words)
            break
        remember_words(text[line_start:nl], words)
        line_start, words = nl + 1, []


def _cut(text: str):
    # jieba treats a line break as a block boundary, so cutting line by line gives the same
    # words as cutting the whole text.
    for line in text.split("\n"):
        words = _LINE_WORDS.get(line)
        yield from (words if words is not None else jieba.cut(line))


def _subwords(word: str):
    freq = jieba.dt.FREQ
    for n in (2, 3):
        if len(word) > n:
            for i in range(len(word) - n + 1):
                gram = word[i: i + n]
                if freq.get(gram):
                    yield gram


def search_tokens(text: str) -> str:
    """Index-side tokens: every jieba word, and the 2/3-character dictionary words inside
    longer ones so that 技术 finds 高新技术企业."""
    ensure_dictionary()
    out: list[str] = []
    for word in _cut(text):
        for w in _PARTS.findall(word.lower()):
            out.append(w)
            if len(w) > 2:
                out.extend(_subwords(w))
    return " ".join(out)


def query_tokens(text: str) -> list[str]:
    """Query-side tokens: jieba's precise cut, punctuation and spaces dropped."""
    ensure_dictionary()
    return [w for word in jieba.cut(text) for w in _PARTS.findall(word.lower())]
