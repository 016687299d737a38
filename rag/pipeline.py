"""The read path: question → retrieval → answer with verified citations.

`Rag.stream()` yields events (sources, tokens, the final answer); `Rag.ask()` runs the same
stream to the end. Generated text is verified sentence by sentence (`rag.generation`), and only
verified sentences reach the final answer; when too little survives, the extractive answer is
used and the response says so (`fallback: "extractive"`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np

from index.catalog import Catalog
from index.embedder import Embedder
from index.errors import GeneratorUnavailable, InputError
from index.filters import Filters
from rag.abstain import AbstainParams, Decision, decide, naming_articles, unrelated
from rag.answer import AbstainReason, Answer, Citation, ModelInfo, Timings
from rag.compose import compose_quotes, further, related
from rag.config import DEFAULTS, MAX_TOP_K, Grammar, Mode
from rag.evidence import Sentence, candidate_sentences, reader_candidates
from rag.extractive import ExtractiveParams, score_sentences, select, select_scored
from rag.generation import Event, Generation
from rag.generator import Generator, Message
from rag.judge import Judging, quoted_evidence
from rag.lang_de import abstain_text
from rag.probe import ProbeCache
from rag.question import Question, check_question
from rag.reader.onnx_reader import Reader
from rag.rerank import best_first, rerank
from rag.retrieval import HybridRetriever, Passage
from rag.scorer import SentenceScorer
from rag.scorer_features import feature_rows
from rag.speaker_view import people_evidence, speaker_view
from rag.speakers import speaker_evidence
from rag.verify import VerifyParams
from rag.when import with_period

log = logging.getLogger(__name__)
CONFIDENCE_DIGITS = 4  # in the answer JSON; finer differences mean nothing for a 0-1 score


class Rag:
    def __init__(
        self,
        catalog: Catalog,
        embedder: Embedder,
        generator: Generator | None,
        retriever: HybridRetriever,
        reader: Reader | None,
        top_k: int = DEFAULTS.top_k,
        mode: Mode = DEFAULTS.mode,
        max_tokens: int = DEFAULTS.max_tokens,
        temperature: float = DEFAULTS.temperature,
        extractive: ExtractiveParams | None = None,
        abstain: AbstainParams | None = None,
        verify: VerifyParams | None = None,
        grammar: Grammar = "off",
        judging: Judging | None = None,
        scorer: SentenceScorer | None = None,
        probe_cache: ProbeCache | None = None,
    ) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self.generator = generator
        self.retriever = retriever
        self.reader = reader
        self.top_k = top_k
        self.mode: Mode = mode
        self.extractive = extractive or ExtractiveParams()
        self.abstain = abstain or AbstainParams()
        self.verify = verify or VerifyParams()
        self.judging = judging
        self.scorer = scorer  # None: the rule score and checks of the calibration (e5-small)
        self.generation = (
            Generation(generator, embedder, self.verify, max_tokens, temperature, grammar, probe_cache)
            if generator is not None
            else None
        )

    def set_catalog(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.retriever.catalog = catalog

    @property
    def model_info(self) -> ModelInfo:
        return ModelInfo(
            embedder=self.embedder.name,
            generator=self.generator.name if self.generator else "none",
            judge=self.judging.judge.name if self.judging else "none",
        )

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        mode: Mode | None = None,
        filters: Filters | None = None,
        history: Sequence[Message] | None = None,
        stop: threading.Event | None = None,
    ) -> Answer:
        for event in self.stream(question, top_k, mode, filters, history, stop):
            if event.kind == "answer":
                answer: Answer = event.data
                return answer
        raise RuntimeError("stream ended without an answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        top_k: int | None = None,
        mode: Mode | None = None,
        filters: Filters | None = None,
        history: Sequence[Message] | None = None,
        stop: threading.Event | None = None,
    ) -> Iterator[Event]:
        t0 = time.perf_counter()
        question = check_question(question)
        k = top_k or self.top_k
        if not 1 <= k <= MAX_TOP_K:
            raise InputError(f"top_k: must be between 1 and {MAX_TOP_K}, got {k}")
        parsed = Question.parse(question, history)
        query = parsed.query
        filters, date_filter = with_period(parsed, filters)
        res = self.retriever.retrieve(query, k, filters)
        passages = res.passages
        yield Event("sources", [s.model_dump() for s in related(passages, len(passages))])

        t1 = time.perf_counter()
        passages, sentences = self.evidence(parsed, passages, filters, res.query_vector)
        embed_ms = res.embed_ms + (time.perf_counter() - t1) * 1000
        timings = Timings(embed_ms=embed_ms, search_ms=res.search_ms)
        if parsed.asks_quotes:  # the stored statements, or nothing (`rag.speakers`, `rag.speaker_view`)
            decision = Decision("found" if sentences else "missing", [])
        elif self.scorer is not None:
            decision = self._scored_decision(parsed, sentences)
        else:
            decision = decide(parsed, sentences, self.abstain)
        scored = self.scorer is not None and not parsed.asks_quotes
        if not decision.abstain:  # the reader orders what the answer will quote
            timings.read_ms = self.reread(parsed, passages, sentences)
        ranked = best_first(sentences) if scored else []
        # the scorer's best probability is the answer's confidence, an abstention's too
        best = round(max(s.score for s in ranked), CONFIDENCE_DIGITS) if ranked else None
        chosen: list[Sentence] = []  # what the answer quotes; the rest of `ranked` goes to `related`

        def finish(
            text: str,
            cites: list[Citation],
            mode_used: str,
            fallback: str | None,
            confidence: float | None,
            omitted: int = 0,
            reason: AbstainReason | None = None,
        ) -> Answer:
            timings.total_ms = (time.perf_counter() - t0) * 1000
            sure = self.judging.sure if timings.judge_ms is not None and self.judging else self.abstain.sure_reader
            return Answer(
                question=question,
                answer=text,
                abstain_reason=reason,
                citations=cites,
                related=related(passages) if reason is not None else further(passages, ranked, chosen),
                timings=timings,
                model=self.model_info,
                mode=mode_used,
                fallback=fallback,
                search_query=query,
                confidence=confidence,
                low_confidence=confidence is not None and reason is None and confidence < sure,
                omitted_passages=omitted,
                date_filter=date_filter,
                about=parsed.topic,
            )

        def abstain(reason: AbstainReason, confidence: float | None) -> Event:
            """No answer: say why, and show the closest passages."""
            return Event("answer", finish(abstain_text(reason), [], "extractive", None, confidence, reason=reason))

        if decision.abstain:
            chosen = []
        elif parsed.asks_quotes:
            chosen = sentences
        elif self.scorer is not None:
            chosen = select_scored(parsed, sentences, self.scorer.second, self.extractive.topic_max)
        else:
            chosen = select(parsed, sentences, self.extractive)
        if not passages or not chosen:
            # nothing chosen although the rules found: the detail is not among the candidates
            reason: AbstainReason = "missing" if decision.verdict == "found" else decision.verdict
            # the scorer's best probability where its threshold decided; a rule's verdict has none
            yield abstain(reason, best if reason == "doubtful" else None)
            return
        if decision.details and decision.details[0] not in chosen:
            # The sentence that states the requested detail is quoted even when it scored lower.
            chosen = sorted([*chosen, decision.details[0]], key=lambda s: (s.passage, s.start))
        confidence: float | None = best  # reported as the answer's; replayable against thresholds
        if self.reader is not None and self.scorer is None:  # without a scorer, the reader's confidence
            t2 = time.perf_counter()
            scores = self.reader.score(query, reader_candidates(sentences, passages, chosen))
            timings.read_ms = (time.perf_counter() - t2) * 1000
            confidence = round(float(scores.max()), CONFIDENCE_DIGITS)
            if confidence < self.abstain.min_reader:
                yield abstain("reader", confidence)
                return
        headers = bool(parsed.topic) or len({passages[s.passage].chunk.article_id for s in chosen}) > 1
        ranked_order = self.scorer is not None or parsed.people  # people: who said most first
        quoted = compose_quotes(passages, chosen, headers, by_rank=ranked_order, by_person=parsed.people)
        if self.judging is not None and not parsed.asks_quotes:
            yield Event("checking", {"judge": self.judging.judge.name})
            tj = time.perf_counter()
            # rounded as the answer reports it, so a threshold replayed on answers decides as the gate did
            confidence = round(self.judging.judge(query, *quoted_evidence(quoted.citations)), CONFIDENCE_DIGITS)
            timings.judge_ms = (time.perf_counter() - tj) * 1000  # the judge's p replaces the reader's
            if confidence < self.judging.threshold:  # the quotes do not answer it: say so, show what is near
                yield abstain("judge", confidence)
                return
        fallback: str | None = None
        omitted = 0
        if self.generation is not None and self.generation.used(mode or self.mode) and not parsed.asks_quotes:
            try:
                composed, omitted = yield from self.generation.answer(question, passages, sentences, timings, stop)
            except GeneratorUnavailable as e:  # a remote model down or slow: the quotes still answer
                log.warning("generation failed, answering extractively: %s", e)
                composed = None
            if composed is not None:
                answer = finish(composed.text, composed.citations, "generative", None, confidence, omitted)
                yield Event("answer", answer)
                return
            fallback = "extractive"
        yield Event("answer", finish(quoted.text, quoted.citations, "extractive", fallback, confidence, omitted))

    def candidates(self, question: Question) -> tuple[list[Passage], list[Sentence]]:
        """Retrieval and `evidence` for one question, unfiltered, as `stream` does them."""
        res = self.retriever.retrieve(question.query, self.top_k)
        return self.evidence(question, res.passages, None, res.query_vector)

    def evidence(
        self, question: Question, passages: list[Passage], filters: Filters | None, query_vector: np.ndarray
    ) -> tuple[list[Passage], list[Sentence]]:
        """The candidate sentences an answer is chosen from (scored by the features), with the
        passages they lie in: for „Was sagte X?“ X's statements, else the retrieved passages'
        sentences from articles that name the persons asked about. The reader scores these, in use
        and in training (`rag.lab.reader_retrieved`)."""
        if question.people and question.topic:  # „Wer sagte was über X?“
            found, sentences = people_evidence(self.catalog, speaker_view(self.catalog, question.topic, filters))
            return found or passages, sentences
        if question.speaker is not None:
            params = self.extractive
            found, sentences = speaker_evidence(
                self.catalog, question, filters, query_vector, params.speaker_max, params.margin
            )
            return found or passages, sentences  # an abstention still shows the closest passages
        sentences = candidate_sentences(passages, self.catalog.sentences, self.catalog.speech)
        sentences = naming_articles(question, sentences, self.catalog.speech, self.abstain)
        score_sentences(question, query_vector, sentences, self.embedder, self.extractive)
        if self.scorer is not None and sentences:  # its probability replaces the rule score
            p = self.scorer.probabilities(self.scorer_rows(question, sentences))
            for s, score in zip(sentences, p.tolist(), strict=True):
                s.score = score
        return passages, sentences

    def scorer_rows(self, question: Question, sentences: list[Sentence]) -> np.ndarray:
        """What the scorer reads of rule-scored candidates (`rag.scorer_features`), the same in use
        and in training (`rag.lab.scorer_data`): the features, and the rules' verdict on them."""
        rules = decide(question, sentences, self.abstain)
        return feature_rows(question, sentences, rules)

    def reread(self, question: Question, passages: list[Passage], sentences: list[Sentence]) -> float | None:
        """With a scorer, the reader reorders its best few (`rag.rerank`) for a question that asks
        for one detail; the milliseconds it took, or None when it did not read."""
        if self.reader is None or self.scorer is None or not sentences or question.topic or question.asks_quotes:
            return None
        t = time.perf_counter()
        rerank(self.reader, question.query, sentences, passages)
        return (time.perf_counter() - t) * 1000

    def _scored_decision(self, question: Question, sentences: list[Sentence]) -> Decision:
        """The scorer's one threshold: answer when a candidate reaches it, once the articles are
        about the question at all (`rag.abstain.unrelated`). A topic question asks for no one
        detail, so any sentence about the topic answers it (`select_scored`)."""
        assert self.scorer is not None
        if unrelated(sentences, self.abstain):
            return Decision("unrelated", [])
        if question.topic or max(s.score for s in sentences) >= self.scorer.threshold:
            return Decision("found", [])
        return Decision("doubtful", [])
