"""Explanations: evidence that was really computed, rendered through Jinja2 templates.

Each kind of evidence has a template (shipped in chatrec_agent/recommender/templates, overridable by
`recommender.template_dir`). An explanation speaks to the request first (how the item meets
"like X", the asked director/genre/era, the wish), then to the person (their strongest
evidence), and returns the evidence as data beside the sentence, so tests (and users) can
check every claim.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
import numpy as np
from scipy import sparse

from chatrec_agent.catalog import Item
from chatrec_agent.catalog.attributes import TAGS, item_values, value_key
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender.base import Dataset, Recommendation, UserState
from chatrec_agent.store.history import TasteProfile, era_of

EvidenceKind = Literal["like_seed", "asked_for", "because_you_liked", "shared_features", "era", "people_like_you",
                       "matches_wish", "popular", "new"]
# Evidence about the request, said before evidence about the person.
REQUEST_KINDS = ("like_seed", "asked_for", "matches_wish")

# Minimum share of the user's favourites for a genre to be called "theirs".
GENRE_SHARE_MIN = 0.15
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Evidence:
    kind: EvidenceKind
    weight: float
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Explanation:
    item_id: str
    text: str
    evidence: tuple[Evidence, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"item_id": self.item_id, "text": self.text, "evidence": [e.as_dict() for e in self.evidence]}


def _stars(value: float) -> str:
    return f"{value:g}★"


def _join_and(values) -> str:
    values = [str(v) for v in values]
    if len(values) <= 1:
        return "".join(values)
    return ", ".join(values[:-1]) + " and " + values[-1]


class Explainer:
    def __init__(self, template_dir: Path | None = None):
        loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("chatrec_agent.recommender", "templates")]
        if template_dir is not None:
            loaders.insert(0, jinja2.FileSystemLoader(str(template_dir)))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders), autoescape=False, trim_blocks=True,
            keep_trailing_newline=False, undefined=jinja2.StrictUndefined,
        )
        self.env.filters["stars"] = _stars
        self.env.filters["join_and"] = _join_and

    # --- gathering ----------------------------------------------------------------------

    def gather(
        self, item: Item, user: UserState, profile: TasteProfile, dataset: Dataset,
        rec: Recommendation | None = None, wish: str | None = None, items: dict[str, Item] | None = None,
        filters: SearchFilter | None = None, favourites: Favourites | None = None,
    ) -> list[Evidence]:
        """Every piece of evidence for `item` and `user`, strongest first. `favourites`: the
        user's, read once for an answer that explains several picks (`Favourites.of`)."""
        items = items or {i.id: i for i in dataset.items}
        out: list[Evidence] = []
        seeds = [(seed, sim) for seed, sim in (rec.like if rec else []) if seed in items]
        if seeds:
            out.append(Evidence("like_seed", 3.0 + max(sim for _, sim in seeds), {"seeds": [
                {"id": seed, "title": items[seed].title, "similarity": round(sim, 3),
                 "shared": [g for g in item.genres if g in items[seed].genres][:3],
                 "co_likers": _both_liked(dataset, seed, item.id)}
                for seed, sim in sorted(seeds, key=lambda pair: -pair[1])]}))
        asked = _asked_for(item, filters)
        if asked:
            out.append(Evidence("asked_for", 2.5, {"parts": asked}))
        liked = [i for i in (rec.contributions if rec else []) if user.preferences.get(i.item_id, 0) > 0 and i.item_id in items]
        if liked:
            total = sum(c.weight for c in liked)
            top = liked[:2]
            out.append(Evidence("because_you_liked", 1.0 + sum(c.weight for c in top) / total, {
                "items": [{"id": c.item_id, "title": items[c.item_id].title, "rating": user.ratings.get(c.item_id),
                           "weight": round(c.weight / total, 3)} for c in top],
            }))
        shared = [g for g in profile.genres if g.name in item.genres and g.share >= GENRE_SHARE_MIN][:2]
        era = next((e for e in profile.eras if e.name == era_of(item.year) and e.share >= 0.2), None)
        if shared:
            share = _union_share(shared, user, items)
            out.append(Evidence("shared_features", 0.5 + share, {
                "genres": [{"name": g.name, "share": round(g.share, 3)} for g in shared],
                "share": round(share, 3),
                "era": {"name": era.name, "share": round(era.share, 3)} if era else None,
            }))
        elif era:
            out.append(Evidence("era", 0.3 + era.share, {"era": {"name": era.name, "share": round(era.share, 3)}}))
        neighbours = _co_likers(dataset, item.id, user, favourites)
        if neighbours["count"] > 0:
            out.append(Evidence("people_like_you", 0.4 + min(0.5, neighbours["count"] / 50), neighbours))
        if wish and rec is not None and rec.wish_similarity is not None:
            out.append(Evidence("matches_wish", 1.2 + rec.wish_similarity, {
                "wish": wish, "similarity": round(rec.wish_similarity, 3), "matched": _matched_terms(wish, item),
            }))
        fans = _fans(dataset, item.id)
        if fans == 0 and user.liked:
            anchors = [items[c.item_id].title for c in liked[:1]]
            out.append(Evidence("new", 0.6, {"anchors": anchors, "content_similarity":
                                            None if rec is None or rec.content_similarity is None else round(rec.content_similarity, 3)}))
        elif fans > 0 and (not user.liked or not out):
            out.append(Evidence("popular", 0.2 + min(0.3, fans / 200), {"count": fans}))
        return sorted(out, key=lambda e: -e.weight)

    # --- rendering ----------------------------------------------------------------------

    def render(self, item_id: str, evidence: list[Evidence], limit: int = 2) -> Explanation:
        request = [e for e in evidence if e.kind in REQUEST_KINDS]
        personal = [e for e in evidence if e.kind not in REQUEST_KINDS]
        # The request first, then the person: one clause each when both have something to say.
        chosen = (request[:1] + personal[:1]) if request and personal else evidence[:limit]
        parts = []
        for ev in chosen:
            facts = dict(ev.facts)
            if ev.kind == "people_like_you":
                facts["anchors"] = [a["title"] for a in facts["anchors"]]
            text = self.env.get_template(f"{ev.kind}.j2").render(**facts).strip()
            if text:
                parts.append(text)
        if not parts:
            return Explanation(item_id, "It matches what you asked for.", tuple(evidence))
        sentence = parts[0][0].upper() + parts[0][1:]
        if len(parts) > 1:
            sentence += " — " + parts[1]
        return Explanation(item_id, sentence + ".", tuple(chosen))

    def explain(self, item: Item, user: UserState, profile: TasteProfile, dataset: Dataset,
                rec: Recommendation | None = None, wish: str | None = None,
                items: dict[str, Item] | None = None, filters: SearchFilter | None = None,
                favourites: Favourites | None = None) -> Explanation:
        return self.render(item.id, self.gather(item, user, profile, dataset, rec, wish, items, filters, favourites))


def _union_share(genres, user: UserState, items: dict[str, Item]) -> float:
    """Share of the user's favourites that have at least one of these genres."""
    names = {g.name for g in genres}
    favourites = [items[i] for i in user.liked if i in items]
    if not favourites:
        return 0.0
    return sum(1 for f in favourites if names & set(f.genres)) / len(favourites)


def _asked_for(item: Item, filters: SearchFilter | None) -> list[str]:
    """What the request constrained that this item really has: genres, era, attribute values."""
    if filters is None:
        return []
    parts: list[str] = []
    genres = [g for g in item.genres if g.lower() in {n.lower() for n in (*filters.genres, *filters.any_genres)}]
    if genres:
        parts.append(_join_and(genres))
    if item.year is not None and (filters.year_from is not None or filters.year_to is not None) and \
            (filters.year_from or item.year) <= item.year <= (filters.year_to or item.year):  # a film outside it was no ask
        if filters.year_from is not None and filters.year_to is not None and filters.year_to - filters.year_from == 9 \
                and filters.year_from % 10 == 0:
            parts.append(f"from the {filters.year_from}s")
        else:
            parts.append(f"from {item.year}")
    for condition in filters.attributes:
        if condition.negate:
            continue
        wanted = {value_key(v) for v in condition.values}
        has = [v for v in item_values(item, condition.field) if value_key(v) in wanted]
        if has:
            parts.append(f"tagged {_join_and(has)}" if condition.field == TAGS
                         else f"{_join_and(has)} ({condition.field.replace('_', ' ')})")
    return parts


def _both_liked(dataset: Dataset, seed_id: str, item_id: str) -> int:
    """How many people liked both the seed and the item."""
    a, b = dataset.item_index.get(seed_id), dataset.item_index.get(item_id)
    if a is None or b is None:
        return 0
    return len(_likers(dataset, a) & _likers(dataset, b))


def _fans(dataset: Dataset, item_id: str) -> int:
    n = dataset.item_index.get(item_id)
    return 0 if n is None else int(dataset.liked_by_item[:, n].nnz)


def _likers(dataset: Dataset, column: int) -> set[int]:
    start, end = dataset.liked_by_item.indptr[column], dataset.liked_by_item.indptr[column + 1]
    return set(dataset.liked_by_item.indices[start:end].tolist())


@dataclass(frozen=True)
class Favourites:
    """A person's favourites (dataset columns) and, for every user, which of them they liked."""

    columns: list[int]
    by_user: sparse.csr_matrix | None  # users x favourites

    @classmethod
    def of(cls, dataset: Dataset, user: UserState) -> Favourites:
        columns = [dataset.item_index[i] for i in user.liked if i in dataset.item_index]
        return cls(columns, dataset.liked_by_item[:, columns].tocsr() if columns else None)


def _co_likers(dataset: Dataset, item_id: str, user: UserState, favourites: Favourites | None = None) -> dict[str, Any]:
    """How many other users liked this item and also liked one of the user's favourites, and
    the favourite most of them liked (on a tie, the later one in the catalog)."""
    n = dataset.item_index.get(item_id)
    favourites = favourites or Favourites.of(dataset, user)
    if n is None or favourites.by_user is None:
        return {"count": 0, "anchors": []}
    matrix = dataset.liked_by_item
    fans = matrix.indices[matrix.indptr[n]:matrix.indptr[n + 1]]
    fans = fans[fans != dataset.user_index.get(user.user_id, -1)]
    liked_too = favourites.by_user[fans]  # the item's fans x the person's favourites
    count = int(np.count_nonzero(np.diff(liked_too.indptr)))
    if count == 0:
        return {"count": 0, "anchors": []}
    per_favourite = np.asarray(liked_too.sum(axis=0)).ravel()
    most = per_favourite.max()
    j = max(favourites.columns[k] for k in np.flatnonzero(per_favourite == most))
    return {"count": count, "anchors": [{"id": dataset.item_ids[j], "title": dataset.items[j].title, "count": int(most)}]}


def _matched_terms(wish: str, item: Item) -> list[str]:
    """Genres and tags of the item whose words appear in the wish (what visibly matched)."""
    words = set(_WORD.findall(wish.lower()))
    terms = [g for g in item.genres if set(_WORD.findall(g.lower())) & words]
    terms += [t for t in item.tags if set(_WORD.findall(t.lower())) & words]
    return terms[:3]
