"""A question, parsed once: every later step (retrieval, sentence choice, abstention, the speaker
answer) reads this object instead of matching the text again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from index.analyzer import STOP_WORDS, fold
from index.errors import InputError
from index.names import Mention
from index.readers import is_blank
from rag.followup import rewrite
from rag.generator import Message
from rag.lang_de import (
    CAUSE_QUESTION,
    DATED,
    SPEAKER_QUESTION,
    SPEECH_QUESTION,
    TIME_WORD,
    AnswerKind,
    answer_kind,
    mentions,
    name_keys,
    topic_of,
)
from rag.text import content_terms

MAX_QUESTION_CHARS = 1000


def check_question(question: str) -> str:
    """The question stripped, or an InputError naming what is wrong with it."""
    q = question.strip() if isinstance(question, str) else ""
    if is_blank(q):
        raise InputError("question: must not be empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise InputError(f"question: longer than {MAX_QUESTION_CHARS} characters ({len(q)})")
    return q


@dataclass(frozen=True)
class Question:
    text: str  # as asked
    query: str  # what is searched: the question, a follow-up completed from the conversation
    kind: AnswerKind | None  # the kind of detail asked for („Wann“ → a date, „Wie viel kostet“ → money)
    topic: str | None  # X of „Was wurde über X gesagt?“ and of „Wer sagte was über X?“
    people: bool  # „Wer sagte was über X?“: who is quoted about the topic, by person
    speaker: str | None  # X of „Was sagte X (über Y)?“, when X is a name
    about: str | None  # Y of „Was sagte X über Y?“
    speech: bool  # asks what was said („sagte“, „kritisierte“, „begründete“)
    cause: bool  # asks why
    terms: frozenset[str]  # stemmed content words of the query
    mentions: tuple[Mention, ...]  # names in the query
    time_words: tuple[str, ...]  # „2008“, „Montag“, „gestern“

    @classmethod
    def parse(cls, text: str, history: Sequence[Message] | None = None) -> Question:
        query = rewrite(text, history)
        found = tuple(mentions(query))
        shape = DATED.sub("", query)  # „Was wurde 2015 über Taiwan gesagt?“ is a topic question
        topic, people = topic_of(shape)
        # the speaker's offsets are the shape's; a date before it would shift the query's mentions
        speaker, about = (None, None) if topic else _speaker(shape, found if shape == query else tuple(mentions(shape)))
        q = query.strip().lower()
        return cls(
            text=text,
            query=query,
            kind=answer_kind(query),
            topic=topic,
            people=people,
            speaker=speaker,
            about=about,
            speech=bool(SPEECH_QUESTION.search(q)),
            cause=q.startswith(CAUSE_QUESTION),
            terms=frozenset(content_terms(query)),
            mentions=found,
            time_words=tuple(m.group(0) for m in TIME_WORD.finditer(query)),
        )

    @cached_property  # read for every candidate sentence of a "Wer" question
    def names(self) -> set[str]:
        """Folded words of the names the question mentions."""
        return name_keys(list(self.mentions))

    @property
    def asks_detail(self) -> bool:
        return self.kind is not None

    @property
    def asks_quotes(self) -> bool:
        """Answered by stored quotations, not by sentence choice: „Was sagte X?“, „Wer sagte was
        über X?“."""
        return self.speaker is not None or self.people


def _speaker(query: str, found: tuple[Mention, ...]) -> tuple[str | None, str | None]:
    """„Was sagte Olaf Scholz über die Rente?“ → ("Olaf Scholz", "die Rente"), for a question
    that is no topic question („Was sagte man über …“). The speaker must be a name."""
    m = SPEAKER_QUESTION.match(query)
    if m is None:
        return None, None
    group = "speaker" if m.group("speaker") else "speaker2"
    start, end = m.span(group)
    about = m.group("about") or m.group("about2")
    about = about.strip(" ?.") if about else None
    # „Was sagte Mark Toner?“: in this slot, capitalised words are a name even where the tagger
    # reads nouns („Mark“, „Toner“); an article or pronoun („die Regierung“, „man“) is not.
    words = m.group(group).split()
    if len(words) <= 4 and all(w[:1].isupper() and w.lower() not in STOP_WORDS for w in words):
        return m.group(group), about
    named = [x for x in found if start <= x.start and x.end <= end and x.kind != "place"]
    return (named[0].name, about) if named else (None, None)


def same_person(asked: str, speaker: str, article: str) -> bool:
    """Does the stored speaker of `article` (its text) name the person asked for? One name's
    words must all be among the other's, the surname included: „Scholz“ matches „Olaf Scholz“
    and back, „Randy Henderson“ matches „Commander Randy Henderson“, but „Olaf Scholz“ never
    „Anna Scholz“ and never a bare „Olaf“. A speaker stored by fewer words than were asked
    („Scholz“ for „Anna Scholz“, „University“ for „Aga Khan University“) is that person only in
    an article that names the whole asked name."""
    a, s = fold(asked).split(), fold(speaker).split()
    if not a or not s or a[-1] not in s:  # the surname asked for is always part of the speaker's name
        return False
    if set(a) <= set(s):
        return True
    return set(s) <= set(a) and " ".join(a) in " ".join(fold(article).split())
