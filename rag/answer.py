"""The answer contract shared by the CLI (`--json`) and the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, computed_field

# Why an answer abstains: nothing related was found; the articles found lack the detail asked for
# (the rules); the sentence scorer finds no sentence that answers; the reader's or the judge's score for
# what would have been quoted is below its threshold.
AbstainReason = Literal["unrelated", "missing", "doubtful", "reader", "judge"]


class Quote(BaseModel):
    start: int = Field(description="Character offset in the article text.")
    end: int
    speaker: str | None = Field(None, description="Who is quoted in this sentence (full name), when known.")


class Citation(BaseModel):
    n: int
    article_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None = None
    chunk_id: str
    text: str = Field(description="The passage; equals article.text[start:end].")
    start: int
    end: int
    score: float
    verified: bool = Field(description="True when a quoted sentence of this passage supports the answer.")
    quotes: list[Quote] = Field(default_factory=list)


class Timings(BaseModel):
    embed_ms: float = 0.0
    search_ms: float = 0.0
    read_ms: float | None = Field(
        None,
        description="The reader (RAG_READER=on) ordering the scorer's best sentences, or without a scorer scoring "
        "what the answer quotes; None: not run.",
    )
    judge_ms: float | None = Field(None, description="The judge reading the quotes (RAG_JUDGE=on); None: not run.")
    generate_ms: float = 0.0
    total_ms: float = 0.0


class ModelInfo(BaseModel):
    embedder: str
    generator: str
    judge: str = Field("none", description="The judge's model (RAG_JUDGE=on), or 'none'.")


class DateFilter(BaseModel):
    words: str = Field(description="The question's words that named the period: „2010“, „seit März 2015“.")
    since: dt.date | None
    until: dt.date | None

    @computed_field(description="The filter in German, for the user.")  # type: ignore[prop-decorator]
    @property
    def note(self) -> str:
        def day(d: dt.date) -> str:
            return d.strftime("%d.%m.%Y")

        if self.since and self.until:
            span = f"vom {day(self.since)} bis {day(self.until)}"
        elif self.since:
            span = f"ab dem {day(self.since)}"
        else:
            span = f"bis zum {day(self.until)}" if self.until else "jeden Datums"
        return f"Zeitraum aus der Frage („{self.words}“): nur Artikel {span} und Artikel ohne Datum."


class Statement(BaseModel):
    """One sentence in which a person is quoted: exactly article.text[start:end]."""

    article_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None
    start: int
    end: int
    text: str


class Person(BaseModel):
    name: str = Field(description="The full name the articles resolve the speaker to.")
    statements: list[Statement] = Field(description="Oldest first.")


class SpeakerView(BaseModel):
    about: str
    people: list[Person] = Field(description="Who said most about it first.")


class Answer(BaseModel):
    question: str
    answer: str
    abstain_reason: AbstainReason | None = Field(
        None,
        description="Why it abstained (None when it answers): unrelated (no article is close to the question), "
        "missing (the closest articles lack the detail asked for), doubtful (no candidate sentence reaches the "
        "sentence scorer's threshold), reader or judge (that model's score for what would have been quoted is below "
        "its threshold).",
    )
    citations: list[Citation]
    related: list[Citation] = Field(
        default_factory=list,
        description="Abstained: the closest passages. Answered: „Weitere Stellen“, the best-scored candidate "
        "sentences the answer does not quote, each as its passage with the sentence as its one quote.",
    )
    timings: Timings
    model: ModelInfo
    mode: str = Field("extractive", description="How the answer text was produced.")
    fallback: str | None = Field(None, description="'extractive' when generated text was rejected.")
    search_query: str = Field("", description="The query used for retrieval (rewritten follow-ups).")
    confidence: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="With RAG_JUDGE=on: the judge's probability (0-1) that the quoted sentences answer the "
        "question (what abstention compares to judge_threshold). Else the learned scorer's highest probability "
        "that a candidate sentence answers it (compared to its threshold). Without a scorer (e5-small) and with "
        "RAG_READER=on: the reader's highest probability that a quoted sentence answers it (compared to "
        "min_reader). None when none of them ran, and when the rules abstained before any did.",
    )
    low_confidence: bool = Field(
        False, description="An answer whose confidence is below the sure level (judge_sure, or the reader's)."
    )
    omitted_passages: int = Field(
        0, description="Retrieved passages left out of the model's prompt because they did not fit its context."
    )
    about: str | None = Field(
        None,
        description="X of „Was wurde über X gesagt?“ and „Wer sagte was über X?“: GET /speakers?about=X lists "
        "who is quoted about it.",
    )
    date_filter: DateFilter | None = Field(
        None,
        description="The period the question named („Was sagte X 2010 …“), applied as a filter on the articles' "
        "dates (undated articles stay in); None when it named none, or since/until were given.",
    )

    @computed_field(description="No answer was given (see abstain_reason); derived, so the two cannot disagree.")  # type: ignore[prop-decorator]
    @property
    def abstained(self) -> bool:
        return self.abstain_reason is not None

    @computed_field(  # type: ignore[prop-decorator]
        description="The answer as Markdown for a draft: each citation a footnote with the quoted sentence, "
        "title, date, URL or article id, and character span (rag.export)."
    )
    @property
    def markdown(self) -> str:
        from rag.export import answer_markdown  # it reads this model; a module import would be a loop

        return answer_markdown(self)
