"""The agent's LangChain tools. Each answers with its result twice (tool_results.py): as JSON
text that carries its evidence for the model, and as plain data for our own code.

The current user is bound by the caller through the run's context (`ChatContext`), never
read from the message or from tool arguments, so a message cannot reach another user's
history. Admin operations (reindex, forget, link) are deliberately not tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from langchain.tools import ToolRuntime, tool
from pydantic import BaseModel, Field

from chatrec_agent.catalog import Catalog, Item, phrase_words
from chatrec_agent.catalog.attributes import TAGS, AttributeCondition, AttributeVocabulary, item_values
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.people import Audience
from chatrec_agent.conversation.tool_names import ToolName
from chatrec_agent.conversation.tool_results import tool_output
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.store.history import HistoryStore

MAX_K = 20
RESULT = "content_and_artifact"  # the text for the model, the plain data for our code


@dataclass
class ChatContext:
    """Bound per request by the platform adapter: whose history the tools read and write."""

    user_id: str
    source: str = "chat"
    speaker: str = ""  # who wrote the turn, in a conversation several people share
    audience: Audience | None = None  # the speaker and whom the message mentions (group requests)


@dataclass
class Services:
    catalog: Catalog
    index: ItemIndex
    recommendations: Recommendations
    history: HistoryStore
    titles: TitleLinker
    attributes: AttributeVocabulary | None = None

    def __post_init__(self) -> None:
        if self.attributes is None:
            self.attributes = AttributeVocabulary(self.catalog)


def item_card(item: Item, **extra) -> dict:
    card = {"id": item.id, "title": item.title, "year": item.year, "genres": list(item.genres), **extra}
    if item.image_url:
        card["image_url"] = item.image_url  # the card's poster on Slack and Discord
    return card


class AttributeFilter(BaseModel):
    """One metadata constraint: `field` is (or with negate, is not) any of `values`."""

    field: str = Field(description="A catalog metadata field, e.g. 'director', or 'tags'.")
    values: list[str] = Field(min_length=1, description="Values as people say them, e.g. ['Kubrick'] or ['Stanley Kubrick'].")
    negate: bool = Field(default=False, description="True for 'nothing by …' / 'not tagged …'.")


class Filters(BaseModel):
    genres: list[str] = Field(default_factory=list, description="Genres every result must have, e.g. ['Comedy'].")
    any_genres: list[str] = Field(default_factory=list, description=(
        "Genres of which every result must have at least one ('a western or a war film': ['Western', 'War'])."))
    exclude_genres: list[str] = Field(default_factory=list, description="Genres no result may have, e.g. ['Horror'].")
    year_from: int | None = Field(default=None, description="Earliest release year, inclusive.")
    year_to: int | None = Field(default=None, description="Latest release year, inclusive.")
    attributes: list[AttributeFilter] = Field(default_factory=list, description=(
        "Metadata constraints, all of which must hold: e.g. [{'field': 'director', 'values': ['Kubrick']}] or "
        "[{'field': 'director', 'values': ['Spielberg'], 'negate': true}]. Fields are listed in the tool description."))


class RecommendArgs(Filters):
    wish: str | None = Field(default=None, description="What the user is in the mood for, in their words, e.g. 'a mind-bending sci-fi'.")
    like: list[str] = Field(default_factory=list, description="Titles or ids the results should be like.")
    exclude: list[str] = Field(default_factory=list, description="Titles or ids not to recommend (e.g. ones already shown).")
    k: int = Field(default=5, ge=1, le=MAX_K, description="How many items.")


class SearchArgs(Filters):
    query: str = Field(description="A title (typos are fine) or a description to look for.")
    plot: bool = Field(default=False, description="The query tells what happens in a film the user is trying to "
                                                  "name (\"the one where a guy relives the same day\"), not a title.")
    k: int = Field(default=5, ge=1, le=MAX_K)


class SimilarArgs(Filters):
    items: list[str] = Field(description="Titles or ids to find similar items for.")
    k: int = Field(default=5, ge=1, le=MAX_K)


class ItemArgs(BaseModel):
    item: str = Field(description="A title or id from the catalog.")
    wish: str | None = Field(default=None, description="The user's stated wish, if any, to explain against.")


class DetailsArgs(BaseModel):
    item: str = Field(description="A title or id from the catalog.")
    fields: list[str] = Field(default_factory=list, description=(
        "What the user asked about, e.g. ['director'], ['year'], ['description'], ['genres'], ['predicted_stars'];"
        " empty for everything."))
    check: str | None = Field(default=None, description="A genre or tag to check, e.g. 'Comedy' for 'is it a comedy?'.")


class FeedbackArgs(BaseModel):
    item: str = Field(description="A title or id from the catalog.")
    kind: Literal["liked", "disliked", "rated", "seen"] = Field(description="What the user said about the item.")
    rating: float | None = Field(default=None, ge=0.5, le=5, description="Stars (1-5), only with kind='rated'.")


def build_tools(services: Services) -> list:
    s = services
    vocabulary = s.attributes

    def conditions(args: Filters) -> tuple[tuple[AttributeCondition, ...], list[dict]]:
        """The attribute filters as catalog values; values the catalog lacks come back as unknown."""
        out, unknown = [], []
        for flt in args.attributes:
            values, missing = vocabulary.resolve(flt.field, flt.values)
            for value in missing:
                unknown.append({"query": value, "field": flt.field,
                                "suggestions": [{"title": v} for v in vocabulary.suggest(flt.field, value)]})
            if values:
                out.append(AttributeCondition(flt.field, tuple(values), flt.negate))
            elif not flt.negate:
                # Nothing the catalog knows matches: an empty "any of" keeps nothing, as asked.
                out.append(AttributeCondition(flt.field, (), False))
        return tuple(out), unknown

    def _filter(args: Filters) -> tuple[SearchFilter, list[dict]]:
        attributes, unknown = conditions(args)
        flt = SearchFilter(genres=tuple(args.genres), any_genres=tuple(args.any_genres), exclude_genres=tuple(args.exclude_genres),
                           year_from=args.year_from, year_to=args.year_to, attributes=attributes)
        return flt, unknown

    def echo(args: Filters, flt: SearchFilter) -> dict:
        return {**args.model_dump(include={"genres", "any_genres", "exclude_genres", "year_from", "year_to"}),
                "attributes": [c.as_dict() for c in flt.attributes]}

    def resolve(names: list[str], exact: bool = False) -> tuple[list[Item], list[dict]]:
        """Ids or titles to items; `exact`: only an id or a title written in full counts (a
        typo gets close matches instead), for what is written into someone's history."""
        found, unknown = [], []
        for name in names:
            item = s.catalog.items.get(name)
            match = None if item else s.titles.resolve(name)
            if match is not None and exact and match.score < 100:
                match = None
            if item or match:
                found.append(item or match.item)
            else:
                unknown.append({"query": name, "suggestions": [item_card(i) for i in s.titles.suggest(name)]})
        return found, unknown

    @tool(ToolName.RECOMMEND, response_format=RESULT, args_schema=RecommendArgs)
    def recommend(runtime: ToolRuntime[ChatContext], wish: str | None = None, like: list[str] | None = None,
                  exclude: list[str] | None = None, genres: list[str] | None = None, any_genres: list[str] | None = None,
                  exclude_genres: list[str] | None = None, year_from: int | None = None,
                  year_to: int | None = None, attributes: list | None = None, k: int = 5) -> tuple[str, dict]:
        """Personal recommendations for the current user. `like` titles set the neighbourhood
        (the user's taste only re-ranks within it); genres, years and attribute filters are hard
        constraints; the wish is matched by meaning and by catalog tags. Never returns items
        the user has rated. Each item comes with an explanation built from real evidence. When
        nothing new matches, `loosened` holds the nearest request that had picks (a wider
        era); say so to the person. When nothing new matches even so, `known` lists some
        matching items already in the user's history, and `only` the items the request itself
        named (to exclude or to be like) that are all that match: say so; they are not picks."""
        args = RecommendArgs(wish=wish, like=like or [], exclude=exclude or [], genres=genres or [], any_genres=any_genres or [],
                             exclude_genres=exclude_genres or [], year_from=year_from, year_to=year_to,
                             attributes=attributes or [], k=k)
        like_items, unknown = resolve(args.like)
        excluded, _ = resolve(args.exclude)
        # The films offered as what an unknown title may mean ("Did you mean The Patriot?") are
        # likely ones the person knows: not picks in the same answer.
        offered = [card["id"] for entry in unknown for card in entry["suggestions"]]
        flt, unknown_values = _filter(args)
        # Nothing new matches all of it ("a comedy and a romance from the 2000s", all seen):
        # the nearest request that has picks, said as such, rather than an empty answer.
        results, wider = s.recommendations.recommend_nearest(
            runtime.context.user_id, k=args.k, filters=flt, exclude=[i.id for i in excluded] + offered,
            like_items=[i.id for i in like_items] or None, wish=args.wish,
        )
        loosened = None if wider is None else {"genres": list(wider.genres), "year_from": wider.year_from, "year_to": wider.year_to}
        # Nothing new even loosened: the matches already in their history (rated, seen, liked or
        # not), so the answer says why ("what did Denis Villeneuve direct?"); not those only
        # named or shown here ("I haven't seen Dune…").
        known = []
        if not results:
            user = s.recommendations.user_state(runtime.context.user_id)
            had = set(user.preferences) | user.disliked
            known = [item_card(r.item) for r in s.recommendations.recommend(
                runtime.context.user_id, k=args.k, filters=flt, exclude=offered,
                like_items=[i.id for i in like_items] or None, include_seen=True) if r.item.id in had]
        # "anything else by the director of Heat?" where Heat is all there is: said, not "nothing".
        only = [] if results or known else list({i.id: item_card(i) for i in [*excluded, *like_items] if flt.accepts(i)}.values())
        return tool_output({"tool": ToolName.RECOMMEND, "items": [r.as_dict() for r in results], "k": args.k,
                            "like": [item_card(i) for i in like_items], "unknown": unknown + unknown_values,
                            "filters": {**echo(args, flt), "wish": args.wish}, "loosened": loosened, "known": known,
                            **({"only": only} if only else {})})

    @tool(ToolName.SEARCH_CATALOG, response_format=RESULT, args_schema=SearchArgs)
    def search_catalog(query: str, genres: list[str] | None = None, any_genres: list[str] | None = None,
                       exclude_genres: list[str] | None = None,
                       year_from: int | None = None, year_to: int | None = None, attributes: list | None = None,
                       plot: bool = False, k: int = 5) -> tuple[str, dict]:
        """Find catalog items by title (typo-tolerant) or by description, with optional filters;
        `plot`: by what happens in them only (seen or not: the user is trying to name one)."""
        args = SearchArgs(query=query, genres=genres or [], any_genres=any_genres or [], exclude_genres=exclude_genres or [],
                          year_from=year_from, year_to=year_to, attributes=attributes or [], plot=plot, k=k)
        match = None if args.plot else s.titles.resolve(args.query)
        flt, _ = _filter(args)
        if match and flt.accepts(match.item):
            return tool_output({"tool": ToolName.SEARCH_CATALOG, "match": "title",
                                "items": [item_card(match.item, score=match.score / 100)]})
        # Only what the words really describe, above what made-up words reach in this catalog
        # (ItemIndex.noise_floor, 0.33 on the demo): there "a shark attacking a beach town" finds
        # Jaws at 0.86, and a title it lacks ("hot fuzz") nothing above 0.29.
        floor = s.index.noise_floor()
        hits = s.index.search(args.query, k=args.k, flt=flt)
        if args.plot:  # someone trying to name a film gets the nearest, said to be unsure below the floor
            return tool_output({"tool": ToolName.SEARCH_CATALOG, "match": "plot", "query": args.query,
                                "sure": bool(hits) and hits[0].score > floor,
                                "items": [item_card(s.catalog[h.item_id], score=h.score) for h in hits if h.item_id in s.catalog]})
        hits = [h for h in hits if h.score > floor]
        return tool_output({"tool": ToolName.SEARCH_CATALOG, "match": "description", "query": args.query,
                            "items": [item_card(s.catalog[h.item_id], score=h.score) for h in hits if h.item_id in s.catalog],
                            "suggestions": [item_card(i) for i in s.titles.suggest(args.query)]})

    @tool(ToolName.SIMILAR_ITEMS, response_format=RESULT, args_schema=SimilarArgs)
    def similar_items(runtime: ToolRuntime[ChatContext], items: list[str], genres: list[str] | None = None,
                      any_genres: list[str] | None = None,
                      exclude_genres: list[str] | None = None, year_from: int | None = None,
                      year_to: int | None = None, attributes: list | None = None, k: int = 5) -> tuple[str, dict]:
        """Items in the neighbourhood of the given titles (by who liked them and by content),
        re-ranked for the current user, excluding ones they have already rated."""
        args = SimilarArgs(items=items, genres=genres or [], any_genres=any_genres or [], exclude_genres=exclude_genres or [],
                           year_from=year_from, year_to=year_to, attributes=attributes or [], k=k)
        seeds, unknown = resolve(args.items)
        flt, _ = _filter(args)
        results = s.recommendations.similar_items([i.id for i in seeds], args.k, flt, runtime.context.user_id) if seeds else []
        return tool_output({"tool": ToolName.SIMILAR_ITEMS, "seeds": [item_card(i) for i in seeds], "unknown": unknown,
                            "items": [r.as_dict() for r in results]})

    @tool(ToolName.USER_HISTORY, response_format=RESULT)
    def user_history(runtime: ToolRuntime[ChatContext]) -> tuple[str, dict]:
        """The current user's own ratings and feedback: top-rated, most recent and disliked items.
        In a channel, only for a person who shares their taste (`share-taste on`); else a DM."""
        user = runtime.context.user_id
        audience = runtime.context.audience
        if audience is not None and not audience.private and user not in s.history.sharing_taste([user]):
            return tool_output({"tool": ToolName.USER_HISTORY, "private": True,
                                "note": "Their ratings are not named in a channel: offer a DM or `share-taste on`."})

        def cards(entries):
            return [item_card(s.catalog[e.item_id], signal=e.signal, rating=e.rating)
                    for e in entries if e.item_id in s.catalog]

        return tool_output({"tool": ToolName.USER_HISTORY, "top_rated": cards(s.history.top_rated(user, 5)),
                            "recent": cards(s.history.recent(user, 5)), "disliked": cards(s.history.disliked(user)[:5])})

    @tool(ToolName.EXPLAIN, response_format=RESULT, args_schema=ItemArgs)
    def explain(runtime: ToolRuntime[ChatContext], item: str, wish: str | None = None) -> tuple[str, dict]:
        """Why an item suits the current user: the evidence and a sentence built from it."""
        found, unknown = resolve([item])
        if not found:
            return tool_output({"tool": ToolName.EXPLAIN, "unknown": unknown})
        explanation = s.recommendations.explain(runtime.context.user_id, found[0].id, wish)
        return tool_output({"tool": ToolName.EXPLAIN, "item": item_card(found[0]), **explanation.as_dict()})

    @tool(ToolName.ITEM_DETAILS, response_format=RESULT, args_schema=DetailsArgs)
    def item_details(runtime: ToolRuntime[ChatContext], item: str, fields: list[str] | None = None,
                     check: str | None = None) -> tuple[str, dict]:
        """An item's catalog record (title, year, genres, tags, description and every metadata
        field, e.g. director) to answer questions about it, with the current user's rating of it
        if any and the predicted stars for them. A field the catalog lacks is listed as unknown."""
        found, unknown = resolve([item])
        if not found:
            return tool_output({"tool": ToolName.ITEM_DETAILS, "unknown": unknown})
        it = found[0]
        record = {"title": it.title, "year": it.year, "genres": list(it.genres), "tags": list(it.tags),
                  "description": it.description or None, **{f: list(item_values(it, f)) or v for f, v in it.extra.items()}}
        asked = [f.strip().lower() for f in fields or [] if f.strip()]
        asked = [f if f == "predicted_stars" else (_field_of(f, record) or f) for f in asked]
        missing = [f for f in asked if f != "predicted_stars" and record.get(f) in (None, [], "")]
        user = runtime.context.user_id
        checked = None
        if check:
            wanted = phrase_words(check)
            checked = {"asked": check, "matches": [v for v in (*it.genres, *it.tags)
                                                   if phrase_words(v) == wanted or wanted in phrase_words(v).split()]}
        return tool_output({"tool": ToolName.ITEM_DETAILS, "item": item_card(it), "record": record, "check": checked,
                            "asked": asked, "unknown_fields": missing,
                            "your_history": None if (entry := s.history.entry(user, it.id)) is None
                            else {"signal": entry.signal, "rating": entry.rating},
                            "predicted_stars": (stars := s.recommendations.predicted_stars(user, it.id, wait=False)),
                            # A turn never waits for the rating model's fit: it says so instead.
                            "stars_pending": stars is None and s.recommendations.rating_model_pending})

    @tool(ToolName.RECORD_FEEDBACK, response_format=RESULT, args_schema=FeedbackArgs)
    def record_feedback(runtime: ToolRuntime[ChatContext], item: str, kind: str,
                        rating: float | None = None) -> tuple[str, dict]:
        """Record that the current user liked, disliked, rated (1-5 stars) or has seen an item.
        The item must be an id or an exact title; anything else gets close matches to confirm."""
        found, unknown = resolve([item], exact=True)
        if not found:
            return tool_output({"tool": ToolName.RECORD_FEEDBACK, "unknown": unknown})
        if kind == "rated" and rating is None:
            return tool_output({"tool": ToolName.RECORD_FEEDBACK, "error": "a rating (1-5 stars) is needed"})
        s.history.record_feedback(runtime.context.user_id, found[0].id, kind, rating, source=runtime.context.source)  # type: ignore[arg-type]
        return tool_output({"tool": ToolName.RECORD_FEEDBACK, "item": item_card(found[0]), "kind": kind,
                            "rating": rating})

    from chatrec_agent.conversation.group_tools import build_group_tools  # they build on this module
    from chatrec_agent.conversation.watchlist_tools import build_watchlist_tool

    group_tools = build_group_tools(s, _filter, echo, resolve)
    fields = ", ".join(vocabulary.fields + [TAGS]) if vocabulary else TAGS
    for t in (recommend, search_catalog, similar_items, group_tools[0]):
        t.description += f" Attribute fields in this catalog: {fields}."
    return [recommend, search_catalog, similar_items, user_history, explain, item_details, record_feedback,
            build_watchlist_tool(s, resolve), *group_tools]


_FIELD_ALIASES = {"about": "description", "plot": "description", "summary": "description", "story": "description",
                  "released": "year", "release": "year", "when": "year", "date": "year", "genre": "genres",
                  "kind": "genres", "tag": "tags", "keywords": "tags", "themes": "tags"}


def _field_of(name: str, record: dict) -> str | None:
    """The record field a question names ("genre" -> genres, "directed" -> director)."""
    name = _FIELD_ALIASES.get(name, name)
    if name in record:
        return name
    for key in record:
        if key.startswith(name[:6]) or name.startswith(key[:6]) or key.rstrip("s") == name.rstrip("s"):
            return key
    return None
