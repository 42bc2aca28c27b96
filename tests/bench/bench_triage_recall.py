"""Duplicate recall on real bug reports (tests/data/dupes). Not run as a test.

    uv run python tests/bench/bench_triage_recall.py [--scale 5000] [--queries 200] [--base REV]

For each project of the set, indexes all its reports; for each report that its maintainers
marked as a duplicate of a report also in the set, asks for the most similar reports among all
the project's others (a report never lists itself) and notes where the original ranks. Prints
recall@1, @3, @10 and MRR per project and overall for three rankers measured in the same run:
plain TF-IDF (words, cosine), the similarity index as it was at --base (the baseline, loaded
from git), and the index as it is now. Then the precision and recall of the links that
app.core.dupelinks proposes at several thresholds (a link is right when both reports are in one
maintainer-marked duplicate group), and build and query times over synthetic reports at
--scale (goals: build < 2 s for 5,000, query median < 10 ms).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_triage_dupes import make_reports  # noqa: E402

from app.core.dupelinks import DEFAULT_MIN_SCORE, duplicate_links  # noqa: E402
from app.core.similarity import SimilarityIndex  # noqa: E402

DATA = ROOT / "tests" / "data" / "dupes"
BASE_REV = "9bee674"  # main when this benchmark was written: similarity before issue 25
KS = (1, 3, 10)
Doc = tuple[int, str, str]
Ranker = Callable[[list[Doc]], Callable[[int], list[int]]]


class Project:
    """One project's reports, ids in creation order, and its marked duplicate pairs."""

    def __init__(self, name: str, records: list[dict[str, object]]) -> None:
        ordered = sorted(records, key=lambda r: int(str(r["number"])))  # one tracker: numbers grow
        self.name = name
        self.number = {i + 1: int(str(r["number"])) for i, r in enumerate(ordered)}
        by_number = {n: i for i, n in self.number.items()}
        self.docs: list[Doc] = [
            (i + 1, str(r["title"]), str(r["body"])) for i, r in enumerate(ordered)
        ]
        self.pairs = [
            (by_number[int(str(r["number"]))], by_number[int(str(r["duplicate_of"]))])
            for r in ordered
            if "duplicate_of" in r and int(str(r["duplicate_of"])) in by_number
        ]
        self.group = _groups(self.pairs)


def _groups(pairs: list[tuple[int, int]]) -> dict[int, int]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        parent[find(a)] = find(b)
    return {x: find(x) for x in parent}


def load() -> list[Project]:
    """Return the projects of the development set."""
    return [Project(p.stem, json.loads(p.read_text())) for p in sorted(DATA.glob("*.json"))]


def tfidf_ranker(docs: list[Doc]) -> Callable[[int], list[int]]:
    """Plain TF-IDF: lower-cased words of title and body, log tf, cosine."""
    vectors = {i: Counter(re.findall(r"\w+", f"{t} {b}".lower())) for i, t, b in docs}
    df = Counter(term for vector in vectors.values() for term in vector)
    idf = {term: math.log(1 + len(docs) / n) for term, n in df.items()}
    weighted = {
        i: {t: (1 + math.log(c)) * idf[t] for t, c in v.items()} for i, v in vectors.items()
    }
    norms = {i: math.sqrt(sum(w * w for w in v.values())) or 1.0 for i, v in weighted.items()}

    def rank(query: int) -> list[int]:
        q = weighted[query]
        scores = {
            i: sum(w * v.get(t, 0.0) for t, w in q.items()) / (norms[i] * norms[query])
            for i, v in weighted.items()
            if i != query
        }
        return sorted(scores, key=lambda i: (-scores[i], i))

    return rank


def index_ranker(index_class: type) -> Ranker:
    def make(docs: list[Doc]) -> Callable[[int], list[int]]:
        index = index_class.build(docs)
        return lambda query: [i for i, _ in index.similar(query, len(docs))]

    return make


def base_module(rev: str) -> ModuleType:
    """Return app/core/similarity.py as it was at `rev`, loaded under another name."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:app/core/similarity.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "similarity_base.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("similarity_base", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["similarity_base"] = module
    spec.loader.exec_module(module)
    return module


def ranks(project: Project, ranker: Ranker) -> list[int | None]:
    """Return the 1-based rank of each duplicate's original (None when not listed)."""
    rank = ranker(project.docs)
    out: list[int | None] = []
    for dup, original in project.pairs:
        listed = rank(dup)
        assert dup not in listed, f"{project.name}: report {dup} lists itself"
        out.append(listed.index(original) + 1 if original in listed else None)
    return out


def metrics(found: list[int | None]) -> dict[str, float]:
    n = len(found) or 1
    out = {f"R@{k}": sum(1 for r in found if r and r <= k) / n for k in KS}
    out["MRR"] = sum(1 / r for r in found if r) / n
    return out


def print_recall(projects: list[Project], rankers: dict[str, Ranker]) -> None:
    print(f"{'project':<11}{'pairs':>6}  {'ranker':<10}" + "".join(f"{k:>7}" for k in metrics([])))
    totals: dict[str, list[int | None]] = {name: [] for name in rankers}
    for project in projects:
        for name, ranker in rankers.items():
            found = ranks(project, ranker)
            totals[name] += found
            row = metrics(found)
            print(
                f"{project.name:<11}{len(found):>6}  {name:<10}"
                + "".join(f"{v:>7.2f}" for v in row.values())
            )
    for name, found in totals.items():
        row = metrics(found)
        print(
            f"{'overall':<11}{len(found):>6}  {name:<10}"
            + "".join(f"{v:>7.2f}" for v in row.values())
        )


def print_links(projects: list[Project], thresholds: Iterable[float]) -> None:
    print("\nlinks proposed by dupelinks.duplicate_links (all projects together)")
    print(f"{'min_score':>10}{'links':>7}{'right':>7}{'precision':>11}{'recall':>8}")
    wanted = sum(len(p.pairs) for p in projects)
    indexes = [(p, SimilarityIndex.build(p.docs)) for p in projects]
    for threshold in thresholds:
        links = right = covered = 0
        for project, index in indexes:
            proposed = duplicate_links(index, threshold)
            links += len(proposed)
            good = {
                (a, b)
                for a, b, _ in proposed
                if a in project.group and project.group.get(b) == project.group[a]
            }
            right += len(good)
            linked = {frozenset(pair) for pair in good}
            covered += sum(1 for pair in project.pairs if frozenset(pair) in linked)
        mark = "  <- default" if math.isclose(threshold, DEFAULT_MIN_SCORE) else ""
        precision = right / links if links else float("nan")
        share = covered / wanted
        print(f"{threshold:>10.2f}{links:>7}{right:>7}{precision:>11.2f}{share:>8.2f}{mark}")


def print_speed(scale: int, queries: int, base: type) -> None:
    docs, _ = make_reports(scale, random.Random(7))
    ids = random.Random(3).sample([d[0] for d in docs], min(queries, len(docs)))
    print(f"\nspeed over {scale} synthetic reports ({len(ids)} queries, similar(k=10))")
    for name, cls in (("baseline", base), ("now", SimilarityIndex)):
        start = time.perf_counter()
        index = cls.build(docs)
        built = time.perf_counter() - start
        times = []
        for report in ids:
            start = time.perf_counter()
            index.similar(report, 10)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"  {name:<9} build {built:6.2f} s (goal < 2)   query median "
            f"{statistics.median(times):6.2f} ms, max {max(times):6.2f} ms (goal median < 10)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--base", default=BASE_REV)
    args = parser.parse_args()
    projects = load()
    base = base_module(args.base).SimilarityIndex
    reports = sum(len(p.docs) for p in projects)
    print(f"development set: {reports} reports, {sum(len(p.pairs) for p in projects)} pairs\n")
    rankers: dict[str, Ranker] = {
        "tfidf": tfidf_ranker,
        "baseline": index_ranker(base),
        "now": index_ranker(SimilarityIndex),
    }
    print_recall(projects, rankers)
    print_links(projects, sorted({0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, DEFAULT_MIN_SCORE, 0.6}))
    print_speed(args.scale, args.queries, base)


if __name__ == "__main__":
    main()
