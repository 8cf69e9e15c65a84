"""The agent's LangChain tools. Each returns JSON that carries its evidence.

The current user is bound by the caller through the run's context (`ChatContext`), never
read from the message or from tool arguments, so a message cannot reach another user's
history. Admin operations (reindex, forget, link) are deliberately not tools.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from chatrec_agent.catalog import Catalog, Item
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.store.history import HistoryStore

MAX_K = 20


@dataclass
class ChatContext:
    """Bound per request by the platform adapter: whose history the tools read and write."""

    user_id: str
    source: str = "chat"


@dataclass
class Services:
    catalog: Catalog
    index: ItemIndex
    recommendations: Recommendations
    history: HistoryStore
    titles: TitleLinker


def item_card(item: Item, **extra) -> dict:
    return {"id": item.id, "title": item.title, "year": item.year, "genres": list(item.genres), **extra}


class Filters(BaseModel):
    genres: list[str] = Field(default_factory=list, description="Genres every result must have, e.g. ['Comedy'].")
    exclude_genres: list[str] = Field(default_factory=list, description="Genres no result may have, e.g. ['Horror'].")
    year_from: int | None = Field(default=None, description="Earliest release year, inclusive.")
    year_to: int | None = Field(default=None, description="Latest release year, inclusive.")


class RecommendArgs(Filters):
    wish: str | None = Field(default=None, description="What the user is in the mood for, in their words, e.g. 'a mind-bending sci-fi'.")
    like: list[str] = Field(default_factory=list, description="Titles or ids the results should be like.")
    exclude: list[str] = Field(default_factory=list, description="Titles or ids not to recommend (e.g. ones already shown).")
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many items.")


class SearchArgs(Filters):
    query: str = Field(description="A title (typos are fine) or a description to look for.")
    k: int = Field(default=5, ge=1, le=MAX_K)


class SimilarArgs(Filters):
    items: list[str] = Field(description="Titles or ids to find similar items for.")
    k: int = Field(default=5, ge=1, le=MAX_K)


class ItemArgs(BaseModel):
    item: str = Field(description="A title or id from the catalog.")
    wish: str | None = Field(default=None, description="The user's stated wish, if any, to explain against.")


class FeedbackArgs(BaseModel):
    item: str = Field(description="A title or id from the catalog.")
    kind: Literal["liked", "disliked", "rated", "seen"] = Field(description="What the user said about the item.")
    rating: float | None = Field(default=None, ge=0.5, le=5, description="Stars (1-5), only with kind='rated'.")


def _filter(args: Filters, exclude_ids: frozenset[str] = frozenset()) -> SearchFilter:
    return SearchFilter(genres=tuple(args.genres), exclude_genres=tuple(args.exclude_genres),
                        year_from=args.year_from, year_to=args.year_to, exclude_ids=exclude_ids)


def build_tools(services: Services) -> list:
    s = services

    def resolve(names: list[str]) -> tuple[list[Item], list[dict]]:
        found, unknown = [], []
        for name in names:
            item = s.catalog.items.get(name)
            match = None if item else s.titles.resolve(name)
            if item or match:
                found.append(item or match.item)
            else:
                unknown.append({"query": name, "suggestions": [item_card(i) for i in s.titles.suggest(name)]})
        return found, unknown

    def dump(payload: dict) -> str:
        return json.dumps(payload, ensure_ascii=False)

    @tool("recommend", args_schema=RecommendArgs)
    def recommend(runtime: ToolRuntime[ChatContext], wish: str | None = None, like: list[str] | None = None,
                  exclude: list[str] | None = None, genres: list[str] | None = None,
                  exclude_genres: list[str] | None = None, year_from: int | None = None,
                  year_to: int | None = None, k: int = 5) -> str:
        """Personal recommendations for the current user from their history, a free-text wish and/or
        titles to be like, with genre and year filters. Never returns items the user has rated.
        Each item comes with an explanation built from real evidence."""
        args = RecommendArgs(wish=wish, like=like or [], exclude=exclude or [], genres=genres or [],
                             exclude_genres=exclude_genres or [], year_from=year_from, year_to=year_to, k=k)
        like_items, unknown = resolve(args.like)
        excluded, _ = resolve(args.exclude)
        results = s.recommendations.recommend(
            runtime.context.user_id, k=args.k, filters=_filter(args), exclude=[i.id for i in excluded],
            like_items=[i.id for i in like_items] or None, wish=args.wish,
        )
        return dump({"tool": "recommend", "items": [r.as_dict() for r in results],
                     "like": [item_card(i) for i in like_items], "unknown": unknown,
                     "filters": args.model_dump(exclude={"k", "like", "exclude"})})

    @tool("search_catalog", args_schema=SearchArgs)
    def search_catalog(query: str, genres: list[str] | None = None, exclude_genres: list[str] | None = None,
                       year_from: int | None = None, year_to: int | None = None, k: int = 5) -> str:
        """Find catalog items by title (typo-tolerant) or by description, with optional filters."""
        args = SearchArgs(query=query, genres=genres or [], exclude_genres=exclude_genres or [],
                          year_from=year_from, year_to=year_to, k=k)
        match = s.titles.resolve(args.query)
        flt = _filter(args)
        if match and flt.accepts(match.item):
            return dump({"tool": "search_catalog", "match": "title", "items": [item_card(match.item, score=match.score / 100)]})
        hits = s.index.search(args.query, k=args.k, flt=flt)
        return dump({"tool": "search_catalog", "match": "description",
                     "items": [item_card(s.catalog[h.item_id], score=h.score) for h in hits if h.item_id in s.catalog],
                     "suggestions": [item_card(i) for i in s.titles.suggest(args.query)]})

    @tool("similar_items", args_schema=SimilarArgs)
    def similar_items(runtime: ToolRuntime[ChatContext], items: list[str], genres: list[str] | None = None,
                      exclude_genres: list[str] | None = None, year_from: int | None = None,
                      year_to: int | None = None, k: int = 5) -> str:
        """Items similar to the given titles (by who liked them and by content), excluding ones the
        current user has already rated."""
        args = SimilarArgs(items=items, genres=genres or [], exclude_genres=exclude_genres or [],
                           year_from=year_from, year_to=year_to, k=k)
        seeds, unknown = resolve(args.items)
        results = s.recommendations.similar_items([i.id for i in seeds], args.k, _filter(args), runtime.context.user_id) if seeds else []
        return dump({"tool": "similar_items", "seeds": [item_card(i) for i in seeds], "unknown": unknown,
                     "items": [r.as_dict() for r in results]})

    @tool("user_history")
    def user_history(runtime: ToolRuntime[ChatContext]) -> str:
        """The current user's own ratings and feedback: top-rated, most recent and disliked items."""
        user = runtime.context.user_id

        def cards(entries):
            return [item_card(s.catalog[e.item_id], signal=e.signal, rating=e.rating)
                    for e in entries if e.item_id in s.catalog]

        return dump({"tool": "user_history", "top_rated": cards(s.history.top_rated(user, 5)),
                     "recent": cards(s.history.recent(user, 5)), "disliked": cards(s.history.disliked(user)[:5])})

    @tool("explain", args_schema=ItemArgs)
    def explain(runtime: ToolRuntime[ChatContext], item: str, wish: str | None = None) -> str:
        """Why an item suits the current user: the evidence and a sentence built from it."""
        found, unknown = resolve([item])
        if not found:
            return dump({"tool": "explain", "unknown": unknown})
        explanation = s.recommendations.explain(runtime.context.user_id, found[0].id, wish)
        return dump({"tool": "explain", "item": item_card(found[0]), **explanation.as_dict()})

    @tool("record_feedback", args_schema=FeedbackArgs)
    def record_feedback(runtime: ToolRuntime[ChatContext], item: str, kind: str, rating: float | None = None) -> str:
        """Record that the current user liked, disliked, rated (1-5 stars) or has seen an item."""
        found, unknown = resolve([item])
        if not found:
            return dump({"tool": "record_feedback", "unknown": unknown})
        if kind == "rated" and rating is None:
            return dump({"tool": "record_feedback", "error": "a rating (1-5 stars) is needed"})
        s.history.record_feedback(runtime.context.user_id, found[0].id, kind, rating, source=runtime.context.source)  # type: ignore[arg-type]
        return dump({"tool": "record_feedback", "item": item_card(found[0]), "kind": kind, "rating": rating})

    return [recommend, search_catalog, similar_items, user_history, explain, record_feedback]
