"""Convert rows of the OpenOffice duplicate-pair file into openoffice.json (see README.md).

    uv run python tests/data/dupes/build_set.py ROWS.tsv > tests/data/dupes/openoffice.json

ROWS.tsv is tab-separated with a header naming at least bug_id_x, title_x, description_x,
dup_id_x, title_y, description_y, product_x, component_x, creation_ts_x, product_y,
component_y, creation_ts_y: the column names of OfficeDupsTestWithMetaData.csv, so its first
rows can be given as they are. An original that several rows share may have its title and
description empty after its first row. Each description is cut to its first WORDS words.
"""

from __future__ import annotations

import csv
import json
import sys

WORDS = 80
URL = "https://bz.apache.org/ooo/show_bug.cgi?id={}"


def _cut(text: str) -> str:
    return " ".join(text.split()[:WORDS])


def _record(number: str, title: str, body: str, product: str, component: str, created: str):
    return {
        "project": "openoffice",
        "number": int(float(number)),
        "url": URL.format(int(float(number))),
        "title": title,
        "created": created[:10] or None,
        "product": f"{product}/{component}" if component else product,
        "body": _cut(body),
    }


def build(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    records: dict[int, dict[str, object]] = {}
    for row in rows:
        original = int(float(row["dup_id_x"]))
        if original not in records:
            records[original] = _record(
                row["dup_id_x"],
                row["title_y"],
                row["description_y"],
                row["product_y"],
                row["component_y"],
                row["creation_ts_y"],
            )
        dup = _record(
            row["bug_id_x"],
            row["title_x"],
            row["description_x"],
            row["product_x"],
            row["component_x"],
            row["creation_ts_x"],
        )
        dup["duplicate_of"] = original
        dup["closing"] = f"RESOLVED DUPLICATE of bug {original} (Bugzilla resolution; no words)"
        records[int(str(dup["number"]))] = {**records.get(int(str(dup["number"])), {}), **dup}
    missing = [n for n, r in records.items() if not r["title"]]
    if missing:
        raise SystemExit(f"no title for {missing}: give each original's text on its first row")
    return sorted(records.values(), key=lambda r: int(str(r["number"])))


def main() -> None:
    with open(sys.argv[1], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    json.dump(build(rows), sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
