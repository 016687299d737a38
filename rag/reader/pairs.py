"""One (question, candidate sentence) pair as the reader sees it, in training and in use.

The candidate comes first so that truncation cuts its context, never the sentence itself; the
article title and the sentences before and after follow, because a news sentence often refers
back ("Sie sagte …") or leads into its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer

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


# A question is cut to this many tokens, so the candidate keeps room within MAX_TOKENS: the
# longest of the 2,471 written news questions the reader learned from has 49, and a question may
# have 1,000 characters (`rag.question.MAX_QUESTION_CHARS`), which cutting only the candidate
# cannot fit.
QUESTION_TOKENS = 96


class PairTokenizer:
    """The plain `tokenizers` tokenizer of a model folder, cutting each pair the one way, in
    training and in use: the question to `QUESTION_TOKENS`, then the candidate to what is left
    of `MAX_TOKENS`. For every training question (49 tokens at most) that gives the ids of
    transformers' tokenizer with truncation="only_second", which trained the shipped reader.
    AutoTokenizer imports torch, which made a cold `rag ask` 4.3 s slower and 370 MB larger.
    One instance, with no truncation state to set (loading the e5 tokenizer takes 0.84 s and
    300 MB), so concurrent calls share it safely."""

    def __init__(self, folder: Path) -> None:
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._specials = self._tokenizer.num_special_tokens_to_add(True)
        pad = self._tokenizer.token_to_id("<pad>")
        if pad is None:
            raise ValueError(f"{folder / 'tokenizer.json'} has no <pad> token")
        self.pad_token_id: int = pad

    def encode(self, questions: list[str], texts: list[str]) -> list[list[int]]:
        tok = self._tokenizer
        out = []
        for q, t in zip(questions, texts, strict=True):
            question = tok.encode(q, add_special_tokens=False)
            question.truncate(QUESTION_TOKENS)
            candidate = tok.encode(t, add_special_tokens=False)
            candidate.truncate(MAX_TOKENS - len(question.ids) - self._specials)
            out.append(tok.post_process(question, candidate, add_special_tokens=True).ids)
        return out


def encode_pairs(tokenizer: PairTokenizer, questions: list[str], candidates: list[Candidate]) -> list[list[int]]:
    """Token ids of each (question, candidate) pair, cut in the candidate's context when too long."""
    return tokenizer.encode(questions, [candidate_text(c) for c in candidates])


def by_length(ids: list[list[int]], size: int) -> list[list[int]]:
    """Index batches of pairs of similar length, so little is spent on padding."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    return [order[s : s + size] for s in range(0, len(order), size)]
