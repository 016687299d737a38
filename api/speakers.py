"""GET /speakers?about=X: who is quoted about X across the archive (`rag.speaker_view`)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Query

from api.deps import RagDep
from api.errors import errors
from index.filters import Filters
from index.readers import NON_BLANK
from rag.answer import SpeakerView
from rag.speaker_view import speaker_view

router = APIRouter(tags=["speakers"])


@router.get("/speakers", response_model=SpeakerView, responses=errors(401, 500, 503))
def speakers(
    r: RagDep,
    about: str = Query(min_length=1, max_length=200, pattern=NON_BLANK, description="The topic X: „Taiwan“."),
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: str | None = Query(None, max_length=200),
    include_undated: bool = False,
) -> SpeakerView:
    """The people quoted about `about`, who said most first, each with their statements about it
    in date order; every statement is a stored sentence, exactly article.text[start:end]. A topic
    of stop words only („und“) names nothing, so nobody is listed."""
    return speaker_view(r.catalog, about, Filters(since, until, source, include_undated))
