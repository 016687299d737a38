"""Articles lifecycle over HTTP: list, read, upsert (one or many), delete.

Writes go through `index.build` (the single writer lock and an atomic publish), then the
pipeline picks up the new index generation on its next request.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import HolderDep, RagDep
from api.errors import errors
from api.schemas import Text
from api.uploads import UPLOAD_BODY, DocumentUploadRoute
from index.article import Article
from index.build import remove_articles, upsert_articles
from index.errors import InputError, NotFoundError, TooLargeError
from index.filters import Filters
from index.readers import ARTICLE_ID, NON_BLANK, check_article

router = APIRouter(tags=["articles"])
# POST /articles takes JSON, or one document uploaded as multipart/form-data (api/uploads.py).
upload_router = APIRouter(tags=["articles"], route_class=DocumentUploadRoute)
# One request is embedded while its client waits: 200k characters took 29 s on 2 cores, so an
# article over the API is capped at 100k (about 15 s; a long news feature is 20-40k), and a
# request at 200 articles. Larger imports go through `rag index`, which shows progress.
MAX_API_ARTICLE_CHARS = 100_000
MAX_API_ARTICLES = 200
# A 100k-character news article has about 1,000 sentences (100 characters each). 100k characters
# of „Ja. “ are 25,000, indexed as 12,500 chunks in about 8 minutes (issue #39), so the API takes
# at most 2,000 sentence ends per article, counted cheaply as end marks before a space; `rag index`
# takes longer texts with progress shown.
MAX_API_SENTENCES = 2_000
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")


class ArticleIn(BaseModel):
    id: str = Field(min_length=1, max_length=200, pattern=ARTICLE_ID, description="Letters, digits, . : @ + - _")
    title: Text = Field("", max_length=1000)
    text: Text = Field(min_length=1, pattern=NON_BLANK, description=f"At most {MAX_API_ARTICLE_CHARS} characters.")
    date: dt.date | None = None
    url: Text | None = Field(None, max_length=2000)
    source: Text | None = Field(None, max_length=200)


class ArticleSummary(BaseModel):
    id: str
    title: str
    date: str | None
    url: str | None
    source: str | None
    chars: int


class ArticlePage(BaseModel):
    total: int
    offset: int
    items: list[ArticleSummary]


class WriteResult(BaseModel):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    articles: int
    chunks: int


@router.get("/articles", response_model=ArticlePage, responses=errors(401, 500, 503))
def list_articles(
    r: RagDep,
    offset: int = Query(0, ge=0),
    limit: int = Query(20, ge=1, le=100),
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: str | None = None,
) -> ArticlePage:
    f = Filters(since, until, source)
    rows = [a for a in r.catalog.articles.values() if f.allows_meta(a.date, a.source)]
    rows.sort(key=lambda a: (a.date or "", a.id), reverse=True)
    items = [
        ArticleSummary(id=a.id, title=a.title, date=a.date, url=a.url, source=a.source, chars=len(a.text))
        for a in rows[offset : offset + limit]
    ]
    return ArticlePage(total=len(rows), offset=offset, items=items)


@router.get("/articles/{article_id}", response_model=Article, responses=errors(401, 404, 500, 503))
def get_article(article_id: str, r: RagDep) -> Article:
    article = r.catalog.articles.get(article_id)
    if article is None:
        raise NotFoundError(f"article {article_id!r} is not in the index")
    return article


def _article(a: ArticleIn) -> Article:
    article = Article(a.id, a.title, a.text, a.date.isoformat() if a.date else None, a.url, a.source)
    try:
        return check_article(article)
    except ValueError as e:
        raise InputError(f"article {a.id!r}: {e}") from None


def _check_request(items: list[ArticleIn]) -> None:
    if len(items) > MAX_API_ARTICLES:
        raise TooLargeError(f"body: {len(items)} articles, at most {MAX_API_ARTICLES} per request")
    first: dict[str, int] = {}
    for n, a in enumerate(items):
        if len(a.text) > MAX_API_ARTICLE_CHARS:
            raise TooLargeError(
                f"article {a.id!r}: text has {len(a.text)} characters, at most {MAX_API_ARTICLE_CHARS} "
                "over the API (use `rag index` for longer ones)"
            )
        ends = len(_SENTENCE_END.findall(a.text))
        if ends > MAX_API_SENTENCES:
            raise TooLargeError(
                f"article {a.id!r}: text has about {ends} sentences, at most {MAX_API_SENTENCES} over the API "
                "(use `rag index` for such texts)"
            )
        if a.id in first:
            raise InputError(f"article {a.id!r} appears twice in the request (items {first[a.id]} and {n})")
        first[a.id] = n


@upload_router.post(
    "/articles", response_model=WriteResult, responses=errors(401, 413, 500, 503), openapi_extra=UPLOAD_BODY
)
def upsert(body: ArticleIn | list[ArticleIn], holder: HolderDep) -> WriteResult:
    """Add or replace articles by id; only new or changed ones are embedded. The first article
    sent to an empty data directory creates the index. Instead of JSON, one document may be
    uploaded as multipart/form-data (field `file`: PDF, DOCX, HTML, text or Markdown); its id is
    its file name's stem unless the form field `id` gives one."""
    items = body if isinstance(body, list) else [body]
    _check_request(items)
    articles = [_article(a) for a in items]
    s = upsert_articles(holder.archive, articles, holder.embedder())
    return WriteResult(added=s.added, updated=s.updated, unchanged=s.unchanged, articles=s.articles, chunks=s.chunks)


@router.delete("/articles/{article_id}", response_model=WriteResult, responses=errors(401, 404, 500, 503))
def delete(article_id: str, r: RagDep, holder: HolderDep) -> WriteResult:
    s = remove_articles(holder.archive, [article_id], r.embedder)
    if not s.removed:
        raise NotFoundError(f"article {article_id!r} is not in the index")
    return WriteResult(removed=s.removed, articles=s.articles, chunks=s.chunks)
