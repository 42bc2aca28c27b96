"""Triage duplicate detection benchmark. Not run as a test.

    uv run python tests/bench/bench_triage_dupes.py [--reports 5000] [--queries 200] [--seed 7]
                                                    [--log-share 0.1]

Generates bug-bash reports from a vocabulary of product areas, parts, symptoms, triggers and
platforms, some of them planted duplicates (the same bug retold in other words). Builds the
similarity index and prints, each beside a baseline measured in the same run (brute-force
cosine over every report's vector, the naive way): similar() median, p99 and max against the
goal (100 ms); build time and memory; add() and search() times; and how many planted
duplicates similar() finds in its top 3.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from app.core.similarity import SimilarityIndex, stem, term_weights  # noqa: E402

GOAL_MS = 100.0
AREAS = """login page|sign-in screen|settings dialog|csv export|pdf export|billing page|invoice list
|dashboard|notification center|search bar|file upload|image gallery|chat window|calendar view
|onboarding wizard|profile page|team admin|password reset|project board|task list|comment thread
|markdown editor|sidebar|top menu|mobile app|desktop app|api tokens|webhooks page|audit log
|reports page|charts|data import|backup restore|dark mode|language picker|timezone setting
|keyboard shortcuts|drag and drop|print preview|email digest|sso integration|two-factor setup
|video player|audio recorder|map view|checkout flow|coupon field|shopping cart|order history
|support widget|help center|release notes|feedback form|tag manager|color picker|font settings
|accessibility mode|offline mode|sync status""".replace("\n", "").split("|")
PARTS = """save button|dropdown|avatar|progress bar|tooltip|modal|date picker|scrollbar|table header
|pagination|toast message|badge count|search results|thumbnail|spinner|breadcrumb|tab bar|toggle
|checkbox|text field|link preview|error banner|empty state|footer|column width|sort order|filter
|icon|label|font|cursor|selection|undo history|autosave|clipboard copy|zoom level|caret""".replace(
    "\n", ""
).split("|")
# Each symptom is one family of ways to say the same thing.
SYMPTOMS = [
    ["crashes", "crashed", "keeps crashing", "crash to desktop"],
    ["freezes", "hangs", "gets stuck", "is frozen"],
    ["is very slow", "takes forever", "lags badly", "is sluggish"],
    ["disappears", "vanishes", "goes missing", "is gone"],
    ["shows the wrong value", "displays incorrect numbers", "has wrong data", "is inaccurate"],
    ["overlaps other text", "covers the content", "is drawn on top", "hides the text below"],
    ["is unreadable", "has no contrast", "is invisible", "cannot be read"],
    ["does nothing", "is unresponsive", "ignores clicks", "does not react"],
    ["loses data", "drops rows", "deletes my changes", "forgets what I typed"],
    ["shows an error", "throws an exception", "fails with an error", "reports a failure"],
    ["flickers", "blinks", "keeps redrawing", "jumps around"],
    ["is misaligned", "is off by a few pixels", "is not centered", "sits in the wrong place"],
    ["logs me out", "ends my session", "signs me out", "kicks me out"],
    ["duplicates entries", "shows items twice", "creates copies", "repeats rows"],
    ["uses too much memory", "leaks memory", "eats RAM", "grows without bound"],
    ["is blurry", "looks pixelated", "renders fuzzy", "is low resolution"],
]
TRIGGERS = [
    ["when I click it", "after clicking", "on click", "once I press it"],
    ["while scrolling", "when I scroll", "during scrolling", "as I scroll down"],
    ["after I log in", "right after login", "once logged in", "after signing in"],
    ["when uploading a big file", "with large uploads", "uploading big files", "on big uploads"],
    ["in dark mode", "with the dark theme", "when dark theme is on", "using dark mode"],
    ["after an update", "since the last update", "after upgrading", "since the new version"],
    ["on a slow network", "with bad wifi", "on a flaky connection", "when offline briefly"],
    ["when resizing the window", "after resizing", "on window resize", "if I resize it"],
    ["with many items", "with thousands of rows", "on a big project", "with lots of data"],
    ["after switching language", "in German", "with a non-English locale", "in French"],
]
PLATFORMS = """on Windows 11|on macOS Sonoma|on Ubuntu 22.04|in Firefox|in Safari|in Chrome|on iPad
|on an Android phone|on a 4K monitor|on a laptop with two screens""".replace("\n", "").split("|")
DETAILS = """invoice|customer|workspace|folder|ticket|milestone|label|webhook|token|report|chart
|playlist|recording|address|payment|coupon|message|channel|meeting|attachment""".replace(
    "\n", ""
).split("|")
FILLER = [
    "I tried restarting the app but it did not help.",
    "It happens every time for me.",
    "A colleague can reproduce it too.",
    "This started this morning.",
    "Not sure if this is related to my account.",
    "Clearing the cache did not change anything.",
    "It worked last week.",
    "Pretty annoying during the bug bash.",
    "Screenshot attached.",
    "Let me know if you need logs.",
    "Expected it to just work.",
    "Maybe a race condition?",
]

Doc = tuple[int, str, str]


def _story(rng: random.Random) -> dict[str, object]:
    """Return the facts of one bug: what breaks, how, when, where."""
    return {
        "area": rng.choice(AREAS),
        "part": rng.choice(PARTS),
        "symptom": rng.randrange(len(SYMPTOMS)),
        "trigger": rng.randrange(len(TRIGGERS)),
        "platform": rng.choice(PLATFORMS),
        "detail": f"{rng.choice(DETAILS)} {rng.randrange(10, 9999)}",
        "code": rng.choice(["", "", f"error {rng.choice([400, 403, 404, 409, 500, 502, 503])}"]),
    }


def _tell(story: dict[str, object], rng: random.Random) -> tuple[str, str]:
    """Return a title and body telling `story` in one of many wordings."""
    area, part, platform = str(story["area"]), str(story["part"]), str(story["platform"])
    symptom = rng.choice(SYMPTOMS[int(str(story["symptom"]))])
    trigger = rng.choice(TRIGGERS[int(str(story["trigger"]))])
    title = rng.choice(
        [
            f"{area.capitalize()}: {part} {symptom}",
            f"{part.capitalize()} {symptom} {trigger}",
            f"{part.capitalize()} in the {area} {symptom}",
            f"The {area} {part} {symptom} {platform}",
        ]
    )
    lines = [
        rng.choice(
            [
                f"In the {area} the {part} {symptom} {trigger}.",
                f"{trigger.capitalize()}, the {part} on the {area} {symptom}.",
                f"Whenever I open the {area}, the {part} {symptom} {trigger}.",
            ]
        ),
        f"Seen {platform}, with {story['detail']}.",
        "Steps to reproduce:",
        f"1. Open the {area}",
        f"2. Use the {part} {trigger}",
        f"3. See that it {symptom}",
    ]
    if story["code"]:
        lines.append(f"The console says {story['code']}.")
    lines += rng.sample(FILLER, rng.randrange(1, 4))
    return title, "\n".join(lines)


def make_reports(count: int, rng: random.Random) -> tuple[list[Doc], list[tuple[int, int]]]:
    """Return `count` reports and the (original, duplicate) id pairs planted among them.

    A duplicate retells an earlier report's bug in other words (the same area, part, kind of
    symptom and trigger); half the time from another platform, half the time without the
    reporter's specific detail. A duplicate of a duplicate names the first report as original.
    """
    docs: list[Doc] = []
    stories: list[tuple[dict[str, object], int]] = []  # (story, id of its first report)
    pairs: list[tuple[int, int]] = []
    for report_id in range(1, count + 1):
        if stories and rng.random() < 0.08:
            earlier, first = rng.choice(stories)
            story = dict(earlier)
            if rng.random() < 0.5:
                story["platform"] = rng.choice(PLATFORMS)
            if rng.random() < 0.5:
                story["detail"] = f"{rng.choice(DETAILS)} {rng.randrange(10, 9999)}"
            pairs.append((first, report_id))
        else:
            story, first = _story(rng), report_id
        stories.append((story, first))
        docs.append((report_id, *_tell(story, rng)))
    return docs, pairs


def _log(rng: random.Random, lines: int = 300) -> str:
    """Return a pasted server log: the long, noisy body some reports carry."""
    return "\n".join(
        f"2024-05-0{rng.randrange(1, 9)} 12:{rng.randrange(60):02d} ERROR"
        f" worker-{rng.randrange(40)} module_{rng.randrange(300)}.handler failed:"
        f" TimeoutError id={rng.randrange(10**6)}"
        for _ in range(lines)
    )


def with_logs(docs: list[Doc], share: float, rng: random.Random) -> list[Doc]:
    """Return `docs` with a pasted log appended to about `share` of the bodies."""
    return [(i, t, f"{b}\n{_log(rng)}" if rng.random() < share else b) for i, t, b in docs]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


def _time_ms(call: object, args: list[tuple[object, ...]]) -> list[float]:
    out = []
    for arg in args:
        started = time.perf_counter()
        call(*arg)  # type: ignore[operator]
        out.append((time.perf_counter() - started) * 1000)
    return out


class BruteForce:
    """The naive way: every report's full TF-IDF vector, a query scored against all of them."""

    def __init__(self, docs: list[Doc]) -> None:
        raw = {report_id: term_weights(title, body) for report_id, title, body in docs}
        df: dict[str, int] = {}
        for vector in raw.values():
            for term in vector:
                df[term] = df.get(term, 0) + 1
        idf = {term: math.log(1 + len(raw) / n) for term, n in df.items()}
        self.vectors = {d: {t: w * idf[t] for t, w in v.items()} for d, v in raw.items()}
        self.norms = {d: math.sqrt(sum(w * w for w in v.values())) for d, v in self.vectors.items()}

    def similar(self, report_id: int, k: int = 3) -> list[tuple[int, float]]:
        query, query_norm = self.vectors[report_id], self.norms[report_id]
        scores = []
        for doc, vector in self.vectors.items():
            if doc == report_id or not self.norms[doc]:
                continue
            dot = sum(w * vector.get(t, 0.0) for t, w in query.items())
            scores.append((dot / (query_norm * self.norms[doc]), doc))
        scores.sort(reverse=True)
        return [(doc, score) for score, doc in scores[:k]]


def _row(name: str, times: list[float], baseline: list[float] | None = None) -> None:
    median, p99, worst = statistics.median(times), _percentile(times, 0.99), max(times)
    line = f"  {name:<22} median {median:7.2f} ms   p99 {p99:7.2f} ms   max {worst:7.2f} ms"
    if baseline:
        line += f"   (brute force: median {statistics.median(baseline):7.1f} ms,"
        line += f" p99 {_percentile(baseline, 0.99):7.1f} ms)"
    print(line)


def _recall(similar: object, pairs: list[tuple[int, int]]) -> tuple[float, float]:
    """Return the share of duplicates whose original, or any report of its bug, is in the top 3."""
    group: dict[int, int] = {}
    for original, duplicate in pairs:
        group[original] = group[duplicate] = original
    exact = same_bug = 0
    for original, duplicate in pairs:
        top = [d for d, _s in similar(duplicate, 3)]  # type: ignore[operator]
        exact += original in top
        same_bug += any(group.get(d) == original for d in top)
    return exact / len(pairs), same_bug / len(pairs)


def _quality(name: str, similar: object, pairs: list[tuple[int, int]]) -> None:
    exact, same_bug = _recall(similar, pairs)
    print(f"  {name:<22} original {exact:6.1%}   original or another retelling {same_bug:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log-share", type=float, default=0.0, help="reports with a long log")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    docs, pairs = make_reports(args.reports, rng)
    docs = with_logs(docs, args.log_share, rng) if args.log_share else docs
    words = sum(len(title.split()) + len(body.split()) for _i, title, body in docs)
    print(f"{len(docs)} reports ({words / len(docs):.0f} words each), {len(pairs)} planted dupes")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    builds = []
    for _ in range(3):
        stem.cache_clear()  # each build pays for its stems, as the app's first build does
        started = time.perf_counter()
        index = SimilarityIndex.build(docs)
        builds.append(time.perf_counter() - started)
    build_s = statistics.median(builds)
    started = time.perf_counter()
    brute = BruteForce(docs)
    brute_build_s = time.perf_counter() - started
    tracemalloc.start()
    measured = SimilarityIndex.build(docs)
    memory, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  build {len(measured)} reports {build_s * 1000:7.0f} ms median of 3 (goal well under"
        f" 1000 ms;"
        f" brute-force vectors {brute_build_s * 1000:.0f} ms), index memory"
        f" {memory / 2**20:.1f} MiB (tracemalloc)"
    )
    del measured

    queries = [(rng.randrange(1, len(docs) + 1),) for _ in range(args.queries)]
    fast = _time_ms(index.similar, queries)
    slow = _time_ms(brute.similar, queries)
    print(f"similar(k=3), {len(queries)} random reports, goal {GOAL_MS:.0f} ms:")
    _row("inverted index", fast, slow)
    same = sum(index.similar(q)[0][0] == brute.similar(q)[0][0] for (q,) in queries[:50])
    print(f"  top hit the same as brute force's in {same}/50 queries")
    print("quality: planted duplicates whose original is in the top 3 of similar(duplicate):")
    sample = pairs[:100]
    _quality(f"index, all {len(pairs)}", index.similar, pairs)
    _quality(f"index, first {len(sample)}", index.similar, sample)
    _quality(f"brute, first {len(sample)}", brute.similar, sample)

    typed = [(rng.choice(docs)[1][: rng.randrange(3, 20)],) for _ in range(args.queries)]
    _row("search(typed prefix)", _time_ms(index.search, typed))
    extra = make_reports(args.queries, random.Random(args.seed + 1))[0]
    adds = [(len(docs) + i, title, body) for i, (_id, title, body) in enumerate(extra, 1)]
    _row("add(new report)", _time_ms(index.add, adds))


if __name__ == "__main__":
    main()
