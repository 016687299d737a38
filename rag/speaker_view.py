"""„Wer sagte was über X?“: the people quoted about X across the archive, each with their
statements about X in date order, people ordered by how much they said.

Read from what the index stored, like „Was sagte X?“ (`rag.speakers`): the quotations and their
resolved speakers. A statement is a stored sentence that holds (part of) a quotation and is
about X by the topic rule of topic answers (`rag.text.on_topic`). A speaker counts only when the
article names them (a person or organisation the name finder resolved): a role or a noun phrase
(„der Pentagon-Chef“, „die Polizei“) is no person to list, and a person who is named but not
quoted is no speaker. The articles to read come from the keyword index (every passage whose
words include X's), so the view reads a few articles, not the archive.
"""

from __future__ import annotations

from index.catalog import Catalog
from index.filters import Filters
from rag.answer import Person, SpeakerView, Statement
from rag.evidence import Sentence
from rag.retrieval import Passage
from rag.speakers import Said, quoted_sentences
from rag.text import content_terms, on_topic

# Passages read from the keyword index for X. The keyword search ranks every passage holding one
# of X's words; a topic named in more passages than this (a country in a large archive) is read
# in its best-matching ones.
MAX_PASSAGES = 2_000


def _person_key(name: str, known: list[str]) -> str:
    """The name a person is listed under: a shorter form („Trump“) joins a longer one („Donald
    Trump“) that holds all its words, the surname included."""
    words = name.split()
    for other in known:
        theirs = other.split()
        if words[-1] == theirs[-1] and set(words) <= set(theirs):
            return other
    return name


def said_about(catalog: Catalog, about: str, filters: Filters | None = None) -> list[Said]:
    """Every stored sentence in which a named speaker is quoted about `about`."""
    terms = content_terms(about)
    if not terms:
        return []
    rows = catalog.keyword_search(about, MAX_PASSAGES, filters)
    articles = sorted({catalog.chunks[r].article_id for r, _ in rows})
    out: list[Said] = []
    for aid in articles:
        speech = catalog.speech.get(aid)
        if speech is None or not speech.quotations:
            continue
        named = {m.name for m in speech.mentions if m.kind != "place"}
        text = catalog.articles[aid].text
        table = catalog.sentences.get(aid)
        spans = list(table.spans) if table is not None else []
        seen: set[int] = set()
        for q in speech.quotations:
            if q.speaker is None or q.speaker not in named:
                continue
            for s, e in spans:
                if s not in seen and any(s < qe and qs < e for qs, qe in q.spans()) and on_topic(terms, text[s:e]):
                    seen.add(s)
                    out.append(Said(aid, s, e, q.speaker))
    return out


def speaker_view(catalog: Catalog, about: str, filters: Filters | None = None) -> SpeakerView:
    said = said_about(catalog, about, filters)
    listed_as: dict[str, str] = {}  # each speaker's name -> the name they are listed under
    for name in sorted({x.speaker for x in said}, key=lambda n: (-len(n.split()), n)):
        listed_as[name] = _person_key(name, list(dict.fromkeys(listed_as.values())))
    by_person: dict[str, list[Said]] = {}
    for x in said:
        by_person.setdefault(listed_as[x.speaker], []).append(x)

    def statement(x: Said) -> Statement:
        a = catalog.articles[x.article_id]
        return Statement(
            article_id=a.id, title=a.title, date=a.date, url=a.url, source=a.source,
            start=x.start, end=x.end, text=a.text[x.start : x.end],
        )  # fmt: skip

    people = [
        Person(
            name=name,
            statements=[
                statement(x)
                for x in sorted(xs, key=lambda x: (catalog.articles[x.article_id].date or "", x.article_id, x.start))
            ],
        )
        for name, xs in by_person.items()
    ]
    people.sort(key=lambda p: (-len(p.statements), p.name))
    return SpeakerView(about=about, people=people)


def people_evidence(catalog: Catalog, view: SpeakerView) -> tuple[list[Passage], list[Sentence]]:
    """The view's statements as candidate sentences, person by person, for an answer to „Wer
    sagte was über X?“."""
    said = [Said(st.article_id, st.start, st.end, p.name) for p in view.people for st in p.statements]
    return quoted_sentences(catalog, said)
