"""The one tokenisation both search backends index: jieba words plus the dictionary words
inside long ones (as jieba's search mode does), joined by spaces."""

from __future__ import annotations

import re

import jieba

_KEEP = re.compile(r"[\w\u4e00-\u9fff]")


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
    out: list[str] = []
    for w in jieba.cut(text):
        if not _KEEP.search(w):
            continue
        w = w.lower()
        out.append(w)
        if len(w) > 2:
            out.extend(_subwords(w))
    return " ".join(out)


def query_tokens(text: str) -> list[str]:
    """Query-side tokens: jieba's precise cut, punctuation and spaces dropped."""
    return [w.lower() for w in jieba.cut(text) if _KEEP.search(w)]
