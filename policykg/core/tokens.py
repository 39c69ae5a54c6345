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


def _index_words(word: str, out: list[str]) -> None:
    for w in _PARTS.findall(word.lower()):
        out.append(w)
        if len(w) > 2:
            out.extend(_subwords(w))


def search_tokens(text: str) -> str:
    """Index-side tokens: every jieba word, and the 2/3-character dictionary words inside
    longer ones so that 技术 finds 高新技术企业."""
    ensure_dictionary()
    out: list[str] = []
    for word in _cut(text):
        _index_words(word, out)
    return " ".join(out)


_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
SHORT_SENTENCE = 30


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of a text (cut after 。！？； and at line breaks); a short one (a
    heading such as 「（三）支持研发投入。」) is joined to the next, a short tail on the same line
    to the one before."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start and text[start:m.start()].strip():
            spans.append((start, m.start()))
        start = max(start, m.end())
    if text[start:].strip():
        spans.append((start, len(text)))
    out: list[list[int]] = []
    for a, b in spans:
        if out and out[-1][1] - out[-1][0] < SHORT_SENTENCE:
            out[-1][1] = b  # a heading with what follows it
        elif out and b - a < SHORT_SENTENCE and "\n" not in text[out[-1][1]:a]:
            out[-1][1] = b  # a short tail (「最高100万元。」) with the sentence before it
        else:
            out.append([a, b])
    return [(a + len(text[a:b]) - len(text[a:b].lstrip()), b) for a, b in out]


def sentence_tokens(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """`search_tokens` of each span of `text`, from one segmentation of its lines (a sentence
    ends inside a line, where jieba would not cut again)."""
    ensure_dictionary()
    out: list[list[str]] = [[] for _ in spans]
    if not spans:
        return []
    k, line_start = 0, 0
    for line in text.split("\n"):
        pos = 0
        for word in _cut(line):
            at = line.find(word, pos) if word else -1
            if at < 0:
                continue
            pos = at + len(word)
            offset = line_start + at
            while k < len(spans) - 1 and offset >= spans[k][1]:
                k += 1
            if spans[k][0] <= offset < spans[k][1]:
                _index_words(word, out[k])
        line_start += len(line) + 1
    return [" ".join(x) for x in out]


def query_tokens(text: str) -> list[str]:
    """Query-side tokens: jieba's precise cut, punctuation and spaces dropped."""
    ensure_dictionary()
    return [w for word in jieba.cut(text) for w in _PARTS.findall(word.lower())]
