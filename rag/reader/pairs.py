"""One (question, candidate sentence) pair as the reader sees it, in training and in use.

The candidate comes first so that truncation cuts its context, never the sentence itself; the
article title and the sentences before and after follow, because a news sentence often refers
back ("Sie sagte …") or leads into its answer.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_TOKENS = 192  # question + sentence + context: 94.9 % of the training pairs fit (truncated_share 0.0506)


@dataclass(frozen=True)
class Candidate:
    sentence: str
    title: str = ""
    before: str = ""
    after: str = ""


def candidate_text(c: Candidate) -> str:
    context = " ".join(p.strip() for p in (c.before, c.after) if p.strip())
    parts = [c.sentence.strip(), c.title.strip(), context]
    return " | ".join(p for p in parts if p)
