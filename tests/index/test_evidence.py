"""`index.evidence.within` against a brute-force scan, on spans shaped as the splitter makes them."""

from __future__ import annotations

import random

from index.evidence import within
from index.sentences import Span


def brute(spans: list[Span], start: int, end: int) -> list[int]:
    return [i for i, (s, e) in enumerate(spans) if s >= start and e <= end]


def test_within_matches_a_scan_over_every_span() -> None:
    rng = random.Random(7)
    for _ in range(300):
        spans: list[Span] = []
        at = rng.randint(0, 5)
        for _ in range(rng.randint(0, 40)):
            start = at + rng.randint(0, 3)  # gaps of blanks between sentences, or none
            at = start + rng.randint(1, 60)
            spans.append((start, at))
        limit = at + 5
        for _ in range(20):
            a = rng.randint(0, limit)
            b = rng.randint(a, limit)
            assert within(spans, a, b) == brute(spans, a, b)
        if spans:  # a chunk of whole sentences holds exactly those
            i = rng.randrange(len(spans))
            j = rng.randrange(i, len(spans))
            assert within(spans, spans[i][0], spans[j][1]) == list(range(i, j + 1))
