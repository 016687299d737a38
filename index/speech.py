"""Who is named and who speaks in an article: found once at index time, stored with it.

`annotate` runs the name finder and the quotation finder over an article's stored sentence
spans, and lets the speaker model (`index.speaker_model`) pick each quotation's speaker; the
result is saved in the articles file next to the spans, so a question never tags article text.
Tagging and attribution take about 0.1 s per article (968 Wikinews articles: see `rag eval
indexing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.analyzer import fold
from index.names import Mention, NameFinder
from index.quotations import Quotation, QuotationFinder
from index.sentences import Span
from index.speaker_model import choose_speakers, shipped_model

# Raised whenever the name or quotation rules or the speaker model's weights change: an index
# annotated by older ones is re-annotated on load (no re-embedding), and saved so by its next
# write or `rag reindex`.
VERSION = 20
_names = NameFinder()
_quotes = QuotationFinder()


@dataclass
class ArticleSpeech:
    mentions: list[Mention] = field(default_factory=list)
    quotations: list[Quotation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"names": [m.to_list() for m in self.mentions], "quotations": [q.to_dict() for q in self.quotations]}

    @classmethod
    def from_dict(cls, d: dict[str, Any], text: str) -> ArticleSpeech:
        mentions = [Mention(s, e, text[s:e], kind, name) for s, e, kind, name in d["names"]]
        return cls(mentions, [Quotation.from_dict(q) for q in d["quotations"]])

    def names_within(self, start: int, end: int) -> list[Mention]:
        return [m for m in self.mentions if start <= m.start and m.end <= end]

    def speaker_at(self, start: int, end: int) -> str | None:
        """Who is quoted in [start, end): the speaker of the first quotation overlapping it."""
        for q in self.quotations:
            if q.speaker and any(s < end and start < e for s, e in q.spans()):
                return q.speaker
        return None

    def sources_within(self, start: int, end: int) -> set[str]:
        """Speakers whose mention as the source of a quotation lies in [start, end)."""
        return {q.speaker for q in self.quotations if q.speaker and q.speaker_span and start <= q.speaker_span[0] < end}


class SpeakerIndex:
    """Which articles quote or name a person, by each folded word of the person's name. A speaker
    question („Was sagte Scholz?“) reads only the articles under the asked surname instead of
    every article's quotations: over the 2,917 news articles that scan took 38 ms p50 and 157 ms
    p95 per question, growing with the archive; the lookup is a dictionary access."""

    def __init__(self) -> None:
        self._articles: dict[str, set[str]] = {}  # folded name word -> article ids
        self._words: dict[str, set[str]] = {}  # article id -> its folded name words

    def put(self, article_id: str, speech: ArticleSpeech) -> None:
        self.drop(article_id)
        names = {q.speaker for q in speech.quotations if q.speaker}
        names |= {m.name for m in speech.mentions if m.kind == "person"}
        words = {w for name in names for w in fold(name).split()}
        self._words[article_id] = words
        for w in words:
            self._articles.setdefault(w, set()).add(article_id)

    def copy(self) -> SpeakerIndex:
        other = SpeakerIndex()
        other._articles = {w: set(ids) for w, ids in self._articles.items()}
        other._words = dict(self._words)  # replaced per article, never changed
        return other

    def drop(self, article_id: str) -> None:
        for w in self._words.pop(article_id, set()):
            self._articles[w].discard(article_id)

    def articles(self, word: str) -> set[str]:
        """The articles where a quoted or named person's name holds `word` (any case, folded)."""
        return set(self._articles.get(fold(word), ()))


def annotate(text: str, sentences: list[Span]) -> ArticleSpeech:
    mentions = _names.mentions(text, sentences)
    found = _quotes.find(text, sentences, mentions)
    return ArticleSpeech(mentions, choose_speakers(text, sentences, mentions, found, shipped_model()))
