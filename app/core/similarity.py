"""Local duplicate detection for bug-bash reports: TF-IDF cosine over an inverted index.

Pure: no I/O, no network. A report becomes weighted terms: words folded to a rough stem
("crashes", "crashed" and "crashing" are all "crash"), plus each pair of neighbouring words
joined ("log in" also gives "login"), with the title's terms weighing more than the body's.
A query walks only the postings of its own terms, so it costs what those terms cost, not
what the whole index holds.

IDF drifts while reports are added one at a time: each query uses the document frequencies of
the moment, but a document's norm is computed with the IDF of when it was last refreshed. Adding
or removing a report refreshes the norms of the reports sharing one of its rare terms (whose IDF
moves most), and all norms are recomputed once the index has changed by REFRESH_SHARE since the
last full refresh, so the drift stays small; scores are clamped to 0..1.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable
from functools import lru_cache
from itertools import islice, pairwise

from app.core.signatures import signatures

TITLE_WEIGHT = 1.5  # a title term counts this much more than a body term
PAIR_WEIGHT = 0.5  # a joined neighbour pair ("login" from "log in") next to a single word
MAX_TOKENS = 2_000  # words read from one body: a 1 MB report cannot stall the index
MAX_TITLE_TOKENS = 64
MAX_PAIRED = 500  # words of a body whose neighbours are joined: a long log's pairs are noise
MAX_CHARS = 16_000  # characters scanned for them: 2,000 words of prose take about 12,000
MIN_SCORE = 0.05  # weaker matches are noise and are dropped
COMMON_SHARE = 0.1  # terms in more than this share of reports are not walked by a query ...
COMMON_FLOOR = 40  # ... once they are in more than this many reports
QUERY_TERMS = 64  # a query walks only its heaviest terms
RARE_TERM = 8  # adding or removing a report refreshes the norms of reports sharing such terms
REFRESH_SHARE = 0.1  # recompute all norms once this share of the index has changed
PREFIX_BONUS = 0.3  # search(): a title that starts with the query text
PREFIX_TERMS = 40  # search(): a half-typed word stands for at most this many terms
SIGNATURE_WEIGHT = 3.0  # a quoted file, exception, frame or version, next to a word's 1
CONFLICT_FACTOR = 0.5  # similar(): both quote source files or frames, and none in common
_LOCATED = ("file:", "frame:")  # signatures that say where in the code a bug is

_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = (
    "a an and are as at be been but by can could did do does doesn for from had has have he i "
    "if in into is it its me my no not of on or our out over she so some than that the their "
    "them then there these they this to too up us was we were what when where which while who "
    "will with would you your yes off down back just also very get got after before again"
)
_STOP = frozenset(_STOP_WORDS.split())
_PARTICLES = frozenset({"in", "up", "out", "on", "off", "down", "back", "over"})

Vector = dict[str, float]


def _fold(word: str) -> str:
    """Return `word` without accents (é -> e)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_CJK_START = "\u3040"


def _is_cjk(char: str) -> bool:
    return (
        "\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
    )


def _split_cjk(word: str) -> list[str]:
    """Return overlapping character pairs for a run of CJK text, which has no spaces."""
    if len(word) < 2:
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


def words(text: str, limit: int = MAX_TOKENS) -> list[str]:
    """Return up to `limit` case- and accent-folded words from the start of `text`."""
    chunk = text[:MAX_CHARS]
    found = _WORD.findall(chunk.casefold())
    if chunk.isascii():
        return list(islice((w for w in found if len(w) > 1 or w.isdigit()), limit))
    out: list[str] = []
    for word in found:
        if not word.isascii():
            word = _fold(word)
            if any(_is_cjk(c) for c in word):
                out.extend(_split_cjk(word))
                continue
        if len(word) > 1 or word.isdigit():
            out.append(word)
        if len(out) >= limit:
            break
    return out[:limit]


def _strip_suffix(word: str) -> str:
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ings") and len(word) >= 7:
        return word[:-4]
    if word.endswith("ing") and len(word) >= 6:
        return word[:-3]
    if word.endswith("ed") and len(word) >= 5 and not word.endswith("eed"):
        return word[:-2]
    if word.endswith(("ches", "shes", "xes", "zes", "sses")) and len(word) >= 5:
        return word[:-2]
    if word.endswith("ly") and len(word) >= 6:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) >= 4:
        return word[:-1]
    return word


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Return a rough stem of `word`: crashes, crashed, crashing -> crash; settings -> set."""
    if len(word) <= 3 or not word.isalpha() or not word.isascii():
        return word
    base = _strip_suffix(word)
    if base.endswith("e") and len(base) > 3:
        base = base[:-1]
    if base != word and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "lsz":
        base = base[:-1]
    return base


def features(text: str, limit: int = MAX_TOKENS) -> tuple[Counter[str], Counter[str]]:
    """Return the stemmed words of `text` and its joined neighbour pairs, each counted."""
    seq = words(text, limit)
    stems = [stem(w) for w in seq]
    singles = Counter(s for w, s in zip(seq, stems, strict=True) if w not in _STOP)
    # Pairs are for spaced scripts only: CJK text is already cut into character pairs.
    pairs = Counter(
        a + b
        for (first, a), (second, b) in pairwise(zip(seq[:MAX_PAIRED], stems, strict=False))
        if first not in _STOP
        and (second not in _STOP or second in _PARTICLES)
        and first[0] < _CJK_START
        and second[0] < _CJK_START
    )
    return singles, pairs


def _add_weights(into: Vector, counts: Counter[str], scale: float) -> None:
    for term, count in counts.items():
        into[term] = into.get(term, 0.0) + scale * (1.0 + math.log(count))


def term_weights(title: str, body: str) -> Vector:
    """Return the term frequency weights of a report (before IDF)."""
    vector: Vector = {}
    title_singles, title_pairs = features(title, MAX_TITLE_TOKENS)
    body_singles, body_pairs = features(body)
    _add_weights(vector, title_singles, TITLE_WEIGHT)
    _add_weights(vector, title_pairs, TITLE_WEIGHT * PAIR_WEIGHT)
    _add_weights(vector, body_singles, 1.0)
    _add_weights(vector, body_pairs, PAIR_WEIGHT)
    for signature in signatures(f"{title}\n{body}"):
        vector[signature] = SIGNATURE_WEIGHT
    return vector


class SimilarityIndex:
    """Reports indexed by their terms, to find the ones most like a report or a query."""

    def __init__(self) -> None:
        self._docs: dict[int, Vector] = {}  # report id -> term frequency weights
        self._postings: dict[str, dict[int, float]] = {}  # term -> report id -> weight
        self._norms: dict[int, float] = {}  # report id -> vector length under IDF
        self._titles: dict[int, str] = {}  # report id -> folded title, for prefix search
        self._located: dict[int, frozenset[str]] = {}  # report id -> its files and frames
        self._vocabulary: list[str] | None = None  # sorted terms, built when a search needs it
        self._changes = 0  # adds and removes since the norms were last all refreshed

    @classmethod
    def build(cls, docs: Iterable[tuple[int, str, str]]) -> SimilarityIndex:
        """Return an index over (report id, title, body) triples."""
        index = cls()
        for report_id, title, body in docs:
            index._insert(report_id, title, body)
        index._refresh_norms()
        return index

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, report_id: object) -> bool:
        return report_id in self._docs

    def ids(self) -> list[int]:
        """Return the ids of the indexed reports, in the order they were added."""
        return list(self._docs)

    def add(self, report_id: int, title: str, body: str) -> None:
        """Index a report, replacing what was indexed for the same id."""
        self._insert(report_id, title, body)
        self._norms[report_id] = self._norm(self._docs[report_id])
        self._refresh_sharing(self._docs[report_id])
        self._note_change()

    def remove(self, report_id: int) -> None:
        """Forget a report; an unknown id is ignored."""
        vector = self._docs.pop(report_id, None)
        if vector is None:
            return
        for term in vector:
            posting = self._postings[term]
            del posting[report_id]
            if not posting:
                del self._postings[term]
                self._vocabulary = None
        self._norms.pop(report_id, None)
        self._titles.pop(report_id, None)
        self._located.pop(report_id, None)
        self._refresh_sharing(vector)
        self._note_change()

    def similar(self, report_id: int, k: int = 3) -> list[tuple[int, float]]:
        """Return up to `k` (id, score) of the reports most like `report_id`, best first."""
        vector = self._docs.get(report_id)
        if not vector or k <= 0:
            return []
        query = {term: weight * self._idf(term) for term, weight in vector.items()}
        scores = self._scores(query)
        scores.pop(report_id, None)
        self._damp_conflicts(report_id, scores)
        return _best(scores, k)

    def _damp_conflicts(self, report_id: int, scores: dict[int, float]) -> None:
        """Lower reports that quote other files or frames: same words, other component."""
        mine = self._located.get(report_id)
        if not mine:
            return
        for doc in scores:
            theirs = self._located.get(doc)
            if theirs and mine.isdisjoint(theirs):
                scores[doc] *= CONFLICT_FACTOR

    def search(
        self, text: str, k: int = 10, exclude: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Return up to `k` (id, score) of the reports matching free text, best first.

        A last word still being typed matches as a prefix; a title starting with the text
        ranks higher; "#12" or "12" puts report 12 first.
        """
        skip = exclude or ()
        query = self._query_vector(text)
        scores = self._scores(query) if query else {}
        self._boost_title_prefix(text, scores)
        found = _best({i: s for i, s in scores.items() if i not in skip}, k)
        wanted = _report_number(text)
        if wanted is not None and wanted in self._docs and wanted not in skip:
            found = [(wanted, 1.0), *[hit for hit in found if hit[0] != wanted]][:k]
        return found

    def _insert(self, report_id: int, title: str, body: str) -> None:
        if report_id in self._docs:
            self.remove(report_id)
        vector = term_weights(title, body)
        self._docs[report_id] = vector
        self._titles[report_id] = " ".join(words(title, MAX_TITLE_TOKENS))
        located = frozenset(term for term in vector if term.startswith(_LOCATED))
        if located:
            self._located[report_id] = located
        for term, weight in vector.items():
            posting = self._postings.get(term)
            if posting is None:
                posting = self._postings[term] = {}
                self._vocabulary = None
            posting[report_id] = weight

    def _idf(self, term: str) -> float:
        count = len(self._postings.get(term, ()))
        return math.log(1.0 + len(self._docs) / count) if count else 0.0

    def _norm(self, vector: Vector) -> float:
        return math.sqrt(sum((w * self._idf(t)) ** 2 for t, w in vector.items()))

    def _refresh_norms(self) -> None:
        idf = {term: self._idf(term) for term in self._postings}
        self._norms = {
            doc: math.sqrt(sum((w * idf[t]) ** 2 for t, w in vector.items()))
            for doc, vector in self._docs.items()
        }
        self._changes = 0

    def _refresh_sharing(self, vector: Vector) -> None:
        """Recompute the norms of reports sharing a rare term with `vector` (its IDF moved)."""
        touched = {
            doc
            for term in vector
            if len(posting := self._postings.get(term, {})) <= RARE_TERM
            for doc in posting
        }
        for doc in touched:
            self._norms[doc] = self._norm(self._docs[doc])

    def _note_change(self) -> None:
        self._changes += 1
        if self._changes > REFRESH_SHARE * max(len(self._docs), 50):
            self._refresh_norms()

    def _scores(self, query: Vector) -> dict[int, float]:
        """Return cosine scores of every report sharing one of the query's walked terms."""
        query_norm = math.sqrt(sum(w * w for w in query.values()))
        if query_norm == 0.0:
            return {}
        common = max(COMMON_FLOOR, COMMON_SHARE * len(self._docs))
        walked = [t for t in query if len(self._postings.get(t, ())) <= common]
        walked = heapq.nlargest(QUERY_TERMS, walked, key=query.__getitem__)
        acc: dict[int, float] = {}
        get = acc.get
        for term in walked:
            factor = query[term] * self._idf(term)
            for doc, weight in self._postings[term].items():
                acc[doc] = get(doc, 0.0) + weight * factor
        norms = self._norms
        return {doc: dot / (query_norm * norms[doc]) for doc, dot in acc.items() if norms[doc]}

    def _query_vector(self, text: str) -> Vector:
        """Return the IDF-weighted vector of a typed query, its last word taken as a prefix."""
        singles, pairs = features(text, MAX_TITLE_TOKENS)
        query: Vector = {}
        _add_weights(query, singles, 1.0)
        _add_weights(query, pairs, PAIR_WEIGHT)
        typed = words(text, MAX_TITLE_TOKENS)
        if typed and not text[-1:].isspace():
            for term in self._expand_prefix(typed[-1]):
                query.setdefault(term, 1.0)
        vector = {t: w * self._idf(t) for t, w in query.items()}
        return {t: w for t, w in vector.items() if w > 0.0}

    def _expand_prefix(self, word: str) -> list[str]:
        """Return indexed terms starting with `word`, or with it less its last two letters."""
        if self._vocabulary is None:
            self._vocabulary = sorted(self._postings)
        vocabulary = self._vocabulary
        for end in range(len(word), min(len(word), max(3, len(word) - 2)) - 1, -1):
            prefix = word[:end]
            start = bisect_left(vocabulary, prefix)
            found: list[str] = []
            for term in vocabulary[start:]:
                if not term.startswith(prefix) or len(found) >= PREFIX_TERMS:
                    break
                found.append(term)
            if found:
                return found
        return []

    def _boost_title_prefix(self, text: str, scores: dict[int, float]) -> None:
        prefix = " ".join(words(text, MAX_TITLE_TOKENS))
        if len(prefix) < 2:
            return
        for doc, title in self._titles.items():
            if title.startswith(prefix):
                scores[doc] = scores.get(doc, 0.0) + PREFIX_BONUS


def _report_number(text: str) -> int | None:
    value = text.strip().removeprefix("#")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _best(scores: dict[int, float], k: int) -> list[tuple[int, float]]:
    """Return the `k` best (id, score) at or over MIN_SCORE, clamped to 1, best first."""
    kept = ((doc, min(score, 1.0)) for doc, score in scores.items() if score >= MIN_SCORE)
    return heapq.nlargest(k, kept, key=lambda hit: (hit[1], -hit[0]))
