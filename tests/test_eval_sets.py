"""The hand-written held-out question sets in eval/ are well-formed (their articles are not in the
repository, so the offsets themselves are checked by `rag eval answers` when it runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT

SETS = sorted((ROOT / "eval").glob("questions_*.jsonl"))


def test_all_five_sets_are_there() -> None:
    assert [p.name for p in SETS] == [f"questions_heldout{n}.jsonl" for n in ("", "2", "3", "4", "5")]


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.name)
def test_every_question_has_its_evidence_or_says_what_is_missing(path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["question"].strip().endswith("?"), r["id"]
        if r["answerable"]:
            assert r["article_id"] and 0 <= r["evidence_start"] < r["evidence_end"], r["id"]
        else:
            assert r["article_id"] is None and r["related_article_id"] and r["note"], r["id"]
