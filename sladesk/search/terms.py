"""Text to index terms, and a query to the words that must all match. Pure Python, no Django.

Chinese is written without spaces, so a document's Chinese is indexed by **overlapping
character pairs**: 报表系统 becomes 报表 表系 系统 统 (the last character of a run stands
alone, so that every character begins exactly one term). A query's Chinese is cut into
words by a dictionary segmenter (jieba's, through rjieba), and each word must occur in the
document as written: its pairs, next to each other (a phrase). So

- 报表 finds 报表系统无法登录 (the pair 报表), and so does 无法登录 (无法 and 登录);
- a document never depends on how the dictionary cuts it: the segmenter only splits the
  query, and splitting a query can only find more, never fewer, documents than the whole
  query as one phrase would (报表登录 finds 报表系统无法登录: 报表 and 登录);
- one character (表) is a prefix of the terms: every term that begins with it.

Latin letters and digits are words of their own, lower-cased after NFKC (full-width ERP is
erp): ERP系统 has the words erp and 系统. A word that mixes letters and digits is also
indexed by its letter and digit parts of two characters or more, so 0x80070005 is found by
0x80070005 and by 80070005, win10 by win. The search's documentation is docs/search.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

# Scripts written without spaces between words: Han (CJK ideographs and their extensions
# and compatibility forms), Japanese kana, Hangul syllables. Indexed by character pairs.
_IDEOGRAPHIC = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\U00020000-\U0003134f"  # CJK extensions B–H
)
_RUN = re.compile(rf"([{_IDEOGRAPHIC}]+)|((?:(?![{_IDEOGRAPHIC}])[^\W_])+)")
_PARTS = re.compile(r"[^\W\d_]+|\d+")
# Single characters of a longer query that carry no meaning of their own: 卡纸了 means 卡纸.
_PARTICLES = frozenset("的了吗呢啊吧呀哦么嘛着过得地")
MAX_WORDS = 16  # words of a query beyond these are ignored (each is one more index lookup)


def normalise(text: str) -> str:
    """NFKC and lower case: full-width letters and digits become ASCII, ERP becomes erp."""
    return unicodedata.normalize("NFKC", text).lower()


def document_terms(text: str) -> list[str]:
    """The index terms of a text, in order: character pairs for Chinese, words otherwise."""
    terms: list[str] = []
    for match in _RUN.finditer(normalise(text)):
        run, word = match.group(1), match.group(2)
        if run:
            terms.extend(run[i : i + 2] for i in range(len(run)))
        else:
            terms.append(word)
            terms.extend(_parts(word))
    return terms


def _parts(word: str) -> list[str]:
    """win10 → win, 10; 0x80070005 → 80070005 (parts of one character are left out)."""
    parts = _PARTS.findall(word)
    return [p for p in parts if len(p) > 1] if len(parts) > 1 else []


@dataclass(frozen=True)
class Word:
    """One word of a query: its terms must occur in this order, next to each other; with
    `prefix`, its one term is the beginning of a term (a single Chinese character)."""

    terms: tuple[str, ...]
    prefix: bool = False

    @property
    def text(self) -> str:
        """The word as the reader typed it (normalised), for marking it in a snippet."""
        if len(self.terms) == 1:
            return self.terms[0]
        return self.terms[0] + "".join(t[-1] for t in self.terms[1:])


def query_words(text: str) -> list[Word]:
    """The words of a query, each of which a document must contain; at most MAX_WORDS."""
    words: list[Word] = []
    for match in _RUN.finditer(normalise(text)):
        run, word = match.group(1), match.group(2)
        found = [_chinese_word(w) for w in _segments(run)] if run else [Word((word,))]
        words.extend(w for w in found if w not in words)
    if len(words) > 1:  # 卡纸了: 卡纸; but 了 alone is still a query
        words = [w for w in words if not (w.prefix and w.terms[0] in _PARTICLES)] or words
    return words[:MAX_WORDS]


def _chinese_word(word: str) -> Word:
    if len(word) == 1:
        return Word((word,), prefix=True)
    return Word(tuple(word[i : i + 2] for i in range(len(word) - 1)))


def _segments(run: str) -> list[str]:
    """A run of Chinese cut into dictionary words; consecutive single characters the
    dictionary does not know (钉 钉) are kept together as one word (钉钉)."""
    out: list[str] = []
    singles = ""
    for piece in _cut(run):
        if len(piece) == 1 and piece not in _PARTICLES:
            singles += piece
            continue
        if singles:
            out.append(singles)
            singles = ""
        out.append(piece)
    if singles:
        out.append(singles)
    return out


@cache
def _segmenter():
    """rjieba, imported on first use: it loads its dictionary (about 0.2 s)."""
    import rjieba

    return rjieba


def _cut(run: str) -> list[str]:
    # Without the HMM: unknown words fall apart into single characters, which _segments
    # joins again, instead of words guessed differently depending on their neighbours.
    return _segmenter().cut(run, hmm=False)
