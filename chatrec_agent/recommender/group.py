"""Group picks: one list for several people, aggregated from each member's own preferences.

For each candidate item i, every informed member m (someone with history) has
  relevance  r_m(i) = max(0, s_m(i)) / max_j s_m(j), the recommender's score relative to
             the member's best allowed item, so every member's scale tops out at 1 and a
             heavy rater's larger raw scores do not outvote a light one;
  stars      ŝ_m(i), the rating model's prediction with the member's ratings folded in
             (None without a rating model: a catalog with too few star ratings);
  preference p_m(i) = ½ r_m(i) + ½ (ŝ_m(i) - lowest) / (highest - lowest), on the rating
             scale's range; r_m(i) alone without stars. Relevance says what they would
             choose, stars how much they would like it: on MovieLens-100K (group_bench.py)
             relevance alone scores worse group NDCG and misery, and stars alone rank
             little-watched well-rated films first and lose half the NDCG.

Strategies (G is the group score over the informed members; ties go to the higher mean):
  average        G(i) = mean_m p_m(i)
  least_misery   G(i) = min_m p_m(i)                  nobody is left far behind
  most_pleasure  G(i) = max_m p_m(i)                  somebody loves it
  fair (default) G(i) = mean_m p_m(i) with a least-misery floor: an item some member is
                 predicted to rate below `misery_stars` (3: where a rating turns into a
                 dislike, as in `preference_of`) comes after every item nobody is,
                 and those come in order of their lowest prediction (so only when fewer
                 than k items clear the floor, and then the least bad first).

Rules for every strategy: never an item any member disliked (👎, or rated below 3 stars),
and with `exclude_seen` never one any member has seen. A member with no history has no
preference to aggregate: they count as neutral (the same for every item, so they change no
ranking), never set the floor, and are listed in `GroupPicks.neutral` for the answer to say
so. With nobody informed, the group gets a newcomer's picks (popularity, and the wish).

Candidates: each informed member's top `candidate_pool` allowed items, and the top of the
group taken as one person (every member's history pooled), so an item that suits everyone
moderately is considered even when it is nobody's personal favourite.

Every pick carries each member's relevance and predicted stars (individual: the caller
decides what to reveal) and group evidence for explanations: tastes several members share,
whether anybody has seen it, and which member's own liked items pulled it in.
`GroupExplainer` renders that evidence, naming a member's own items and stars only for the
members who allowed it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, get_args

import numpy as np

from chatrec_agent.catalog import Item
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender.base import Recommender, UserState
from chatrec_agent.recommender.explain import GENRE_SHARE_MIN, Explainer
from chatrec_agent.recommender.rating_model import RatingModel
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.settings import GroupSettings
from chatrec_agent.settings import GroupStrategy as Strategy

STRATEGIES: tuple[str, ...] = get_args(Strategy)

# A history item at least this strongly liked (4★ and up, 👍, or an unrated interaction)
# may be named as what pulled a pick in.
ANCHOR_PREFERENCE = 0.5
# The weight of predicted stars in a member's preference (see the module docstring).
STARS_WEIGHT = 0.5


@dataclass(frozen=True)
class MemberPreference:
    """One member's view of a pick. Individual: never shown without the member's consent."""

    member_id: str
    relevance: float
    stars: float | None
    preference: float


@dataclass(frozen=True)
class SharedTaste:
    """A genre or tag of the pick that is a favourite of each of `members`."""

    name: str
    kind: Literal["genre", "tag"]
    members: tuple[str, ...]


@dataclass(frozen=True)
class Anchor:
    """A member's own liked item that pulled the pick in (the recommender's contribution)."""

    member_id: str
    item_id: str
    title: str
    stars: float | None  # the member's own rating of it: individual
    weight: float


@dataclass(frozen=True)
class GroupEvidence:
    shared: tuple[SharedTaste, ...]
    seen_by: tuple[str, ...]  # members who have seen it (only when seen items were allowed)
    anchors: tuple[Anchor, ...]
    below_floor: tuple[str, ...]  # members predicted under the misery floor (picked anyway)
    saved_by: tuple[str, ...] = ()  # members who saved it to watch later (only lists they let count)

    @property
    def nobody_seen(self) -> bool:
        return not self.seen_by


@dataclass(frozen=True)
class GroupPick:
    item: Item
    score: float
    members: tuple[MemberPreference, ...]  # informed members only
    evidence: GroupEvidence


@dataclass(frozen=True)
class GroupPicks:
    strategy: Strategy
    members: tuple[str, ...]
    neutral: tuple[str, ...]  # no history: counted as neutral
    picks: tuple[GroupPick, ...]


def group_order(preferences: np.ndarray, strategy: Strategy, lowest_stars: np.ndarray | None = None,
                misery_stars: float | None = None, tiebreak: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(candidate columns best first, their group scores) for a members × candidates matrix
    of preferences in [0, 1]; `lowest_stars` per candidate drives `fair`'s floor, and equal
    scores go to the higher mean, then the higher `tiebreak` (popularity)."""
    _check(strategy)
    n = preferences.shape[1]
    if preferences.shape[0] == 0:
        return np.arange(n), np.zeros(n)
    mean = preferences.mean(axis=0)
    score = {"fair": mean, "average": mean, "least_misery": preferences.min(axis=0),
             "most_pleasure": preferences.max(axis=0)}[strategy]
    keys = [np.arange(n), -(np.zeros(n) if tiebreak is None else tiebreak), -mean, -score]  # the last key is primary
    if strategy == "fair" and lowest_stars is not None and misery_stars is not None:
        clears = lowest_stars >= misery_stars
        keys += [np.where(clears, 0.0, -lowest_stars), ~clears]
    return np.lexsort(keys), score


def _check(strategy: str) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown group strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")


def disliked_by(member: UserState) -> set[str]:
    """Items the member said they dislike, or rated below the middle of the scale."""
    return set(member.disliked) | {item for item, pref in member.preferences.items() if pref < 0}


class GroupRecommender:
    """Group picks over a fitted recommender and (optionally) the rating model."""

    def __init__(self, model: Recommender, settings: GroupSettings, rating_model: RatingModel | None = None):
        self.model = model
        self.settings = settings
        self.rating_model = rating_model

    def recommend(
        self, members: Sequence[UserState], k: int = 5, strategy: Strategy | None = None,
        filters: SearchFilter | None = None, exclude: Iterable[str] = (), query_vector: np.ndarray | None = None,
        exclude_seen: bool | None = None, evidence: bool = True, only: Collection[str] | None = None,
        saved: Mapping[str, Collection[str]] | None = None,
    ) -> GroupPicks:
        """The group's top k. `evidence=False` leaves out the shared tastes and anchors (a
        scoring per member) for callers that only rank, such as the benchmark. `only`: rank
        just these items (still never one a member disliked), e.g. to explain one; each
        member's relevance stays relative to everything they could be offered. `saved`: member
        id → the films on their watchlist (only members who let it count): each is a candidate,
        and its member wants it as much as anything they could be offered."""
        strategy = strategy or self.settings.strategy
        _check(strategy)
        exclude_seen = self.settings.exclude_seen if exclude_seen is None else exclude_seen
        ds = self.model.ds
        members = list({m.user_id: m for m in members}.values())  # a member named twice counts once
        informed = [m for m in members if any(i in ds.item_index for i in m.preferences)]
        neutral = tuple(m.user_id for m in members if m not in informed)
        blocked = set(exclude).union(*(disliked_by(m) for m in members))
        if exclude_seen:
            blocked.update(*(m.preferences for m in members))
        if not informed:  # nobody to aggregate: a newcomer's picks (popularity, and the wish)
            recs = self.model.recommend(UserState("newcomer"), k, filters, blocked, query_vector=query_vector,
                                        include_seen=True)
            return GroupPicks(strategy, tuple(m.user_id for m in members), neutral, tuple(
                GroupPick(ds.items[ds.item_index[r.item_id]], round(r.score, 4), (), GroupEvidence((), (), (), ()))
                for r in recs))
        saved = {m: set(ids) for m, ids in (saved or {}).items() if ids}
        wanted = set().union(*saved.values()) if saved else set()
        candidates, rel = self._candidates(informed, self.model.allowed(filters, blocked), query_vector, only,
                                           extra=wanted if only is None else wanted & set(only))
        stars = self._stars(informed, candidates)
        lowest = None if stars is None else stars.min(axis=0)
        prefs = self._preferences(rel, stars)
        for row, m in enumerate(informed):  # on their list: they want it
            for column in np.flatnonzero(np.isin(candidates, [ds.item_index[i] for i in saved.get(m.user_id, ()) if i in ds.item_index])):
                prefs[row, column] = 1.0
        order, score = group_order(prefs, strategy, lowest, self.settings.misery_stars,
                                   ds.item_popularity[candidates])
        picks = []
        for column in order[:k]:
            n = int(candidates[column])
            views = tuple(MemberPreference(m.user_id, round(float(rel[row, column]), 4),
                                           None if stars is None else round(float(stars[row, column]), 2),
                                           round(float(prefs[row, column]), 4))
                          for row, m in enumerate(informed))
            picks.append((ds.items[n], round(float(score[column]), 4), views))
        anchors = self._anchors(informed, [item.id for item, _, _ in picks]) if evidence else {}
        traits = {m.user_id: _favourite_traits(m, ds.items, ds.item_index) if evidence else set() for m in informed}
        return GroupPicks(strategy, tuple(m.user_id for m in members), neutral, tuple(
            GroupPick(item, score, views, replace(self._evidence(item, informed, traits, views, anchors.get(item.id, [])),
                                                  saved_by=tuple(m for m, ids in saved.items() if item.id in ids)))
            for item, score, views in picks))

    def _candidates(self, informed: list[UserState], allowed: np.ndarray, query_vector: np.ndarray | None,
                    only: Collection[str] | None = None, extra: Collection[str] = ()) -> tuple[np.ndarray, np.ndarray]:
        """The pooled candidates' dataset indices (`extra` ids among them when allowed), and
        members × candidates relevance."""
        scores = [self.model.scores(m, query_vector) for m in informed]
        if only is not None:
            index = self.model.ds.item_index
            wanted = np.array(sorted(index[i] for i in only if i in index), dtype=np.int64)
            candidates = wanted[allowed[wanted]] if len(wanted) else wanted
        else:
            pooled = self.model.scores(_pooled(informed), query_vector)
            pool = self.settings.candidate_pool
            index = self.model.ds.item_index
            more = np.array([index[i] for i in extra if i in index], dtype=np.int64)
            candidates = np.unique(np.concatenate([_top(s, allowed, pool) for s in (*scores, pooled)] + [more[allowed[more]]]))
        return candidates, np.array([_relevance(s, allowed)[candidates] for s in scores])

    def _preferences(self, relevance: np.ndarray, stars: np.ndarray | None) -> np.ndarray:
        if stars is None or STARS_WEIGHT == 0:
            return relevance
        low, high = self.rating_model.low, self.rating_model.high
        return (1 - STARS_WEIGHT) * relevance + STARS_WEIGHT * (stars - low) / (high - low)

    def _stars(self, informed: list[UserState], candidates: np.ndarray) -> np.ndarray | None:
        """Members × candidates predicted stars, each member's ratings folded in."""
        if self.rating_model is None or not informed:
            return None
        index = self.model.ds.item_index
        return np.array([self.rating_model.predict_for_history(
            {index[i]: r for i, r in m.ratings.items() if i in index}, candidates) for m in informed])

    def _anchors(self, informed: list[UserState], item_ids: list[str]) -> dict[str, list[Anchor]]:
        """Per pick, each member's most strongly liked history item that pulled it in."""
        ds = self.model.ds
        out: dict[str, list[Anchor]] = {}
        for m in informed:
            for rec in self.model.score_items(m, item_ids):  # one scoring per member for all picks
                best = next((c for c in rec.contributions
                             if m.preferences.get(c.item_id, 0) >= ANCHOR_PREFERENCE and c.item_id in ds.item_index), None)
                if best is not None:
                    out.setdefault(rec.item_id, []).append(Anchor(
                        m.user_id, best.item_id, ds.items[ds.item_index[best.item_id]].title,
                        m.ratings.get(best.item_id), round(best.weight, 4)))
        return out

    def _evidence(self, item: Item, informed: list[UserState], traits: Mapping[str, set[tuple[str, str]]],
                  views: tuple[MemberPreference, ...], anchors: list[Anchor]) -> GroupEvidence:
        needed = 2 if len(informed) > 1 else 1  # a taste is shared by two members, or is the only one's
        shared = []
        for kind, name in [*(("genre", g) for g in item.genres), *(("tag", t) for t in item.tags)]:
            fans = tuple(m for m, theirs in traits.items() if (kind, name) in theirs)
            if len(fans) >= needed:
                shared.append(SharedTaste(name, kind, fans))
        floor = self.settings.misery_stars
        below = tuple(v.member_id for v in views if v.stars is not None and v.stars < floor)
        return GroupEvidence(tuple(sorted(shared, key=lambda s: -len(s.members))),
                             tuple(m.user_id for m in informed if item.id in m.preferences),
                             tuple(sorted(anchors, key=lambda a: -a.weight)), below)


def group_picks(recommendations: Recommendations, member_ids: Sequence[str], k: int = 5,
                strategy: Strategy | None = None, filters: SearchFilter | None = None, exclude: Iterable[str] = (),
                wish: str | None = None, exclude_seen: bool | None = None,
                only: Collection[str] | None = None, like_items: Sequence[str] = (),
                saved: Mapping[str, Collection[str]] | None = None) -> GroupPicks:
    """Group picks for people of the history store, their feedback so far included (what a
    chat tool calls); settings from `group:` in the config. `like_items` ("something like
    Fargo for the three of us") steer by meaning, as a wish does: the query is the mean of
    their embeddings and the wish's, and they are not picked themselves."""
    embedder = recommendations.embedder
    queries = [embedder.encode([wish])[0]] if wish and embedder is not None else []
    if like_items:
        queries += list(recommendations.item_vectors(list(like_items)))
    queries = [q for q in queries if len(q) and np.linalg.norm(q) > 0]
    query_vector = None
    if queries:
        mean = np.mean(np.stack(queries), axis=0)
        query_vector = (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)
    picker = GroupRecommender(recommendations.model, recommendations.settings.group, recommendations.rating_model)
    members = [recommendations.user_state(m) for m in member_ids]
    return picker.recommend(members, k, strategy, filters, [*exclude, *like_items], query_vector, exclude_seen,
                            only=only, saved=saved)


def _relevance(scores: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    usable = allowed & np.isfinite(scores)
    top = float(scores[usable].max()) if usable.any() else 0.0
    if top <= 0:
        return np.zeros_like(scores)
    return np.clip(np.nan_to_num(scores / top, nan=0.0, neginf=0.0), 0.0, 1.0)


def _top(scores: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    usable = np.flatnonzero(allowed & np.isfinite(scores))
    if len(usable) <= n:
        return usable
    return usable[np.argpartition(-scores[usable], n - 1)[:n]]


def _pooled(members: Sequence[UserState]) -> UserState:
    """The group as one person: every member's history, and every member's dislikes."""
    pooled = UserState("group")
    for m in members:
        pooled.preferences.update(m.preferences)
        pooled.disliked |= disliked_by(m)
    return pooled


def _favourite_traits(member: UserState, items: Sequence[Item], index: Mapping[str, int]) -> set[tuple[str, str]]:
    """("genre" | "tag", name) that make up a fair share of the member's favourites."""
    favourites = [items[index[i]] for i in member.liked if i in index]
    counts = Counter(trait for f in favourites for trait in {*(("genre", g) for g in f.genres),
                                                              *(("tag", t) for t in f.tags)})
    return {trait for trait, n in counts.items() if n >= GENRE_SHARE_MIN * len(favourites)}


class GroupExplainer:
    """A group pick's evidence as one sentence, through the explanation templates
    (group_*.j2). A member's own items and stars are named only for the member ids in
    `share_individual`; everyone else is spoken of only as part of the group."""

    def __init__(self, template_dir: Path | None = None):
        self.env = Explainer(template_dir).env

    def explain(self, pick: GroupPick, names: Mapping[str, str] | None = None,
                share_individual: Collection[str] = frozenset()) -> str:
        """Without every member's consent a sentence speaks of the group as a whole, and of
        the members in `share_individual` only: whose taste it fits, what they rated, even
        that nobody has seen it (said only sometimes, its absence would tell who has)."""
        names = names or {}

        def name(member_id: str) -> str:
            return names.get(member_id, member_id)

        informed = {v.member_id for v in pick.members}
        everyone_shares = bool(informed) and informed <= set(share_individual)
        parts = []
        savers = [name(m) for m in pick.evidence.saved_by if m in share_individual]
        if savers:
            parts.append(self._render("group_saved", members=savers))
        if pick.evidence.shared:
            widest = pick.evidence.shared[0].members
            tastes = [s.name for s in pick.evidence.shared if s.members == widest][:2]
            everyone = set(widest) == informed and len(informed) > 1
            speakable = list(widest) if everyone else [m for m in widest if m in share_individual]
            if speakable:
                parts.append(self._render("group_shared", tastes=tastes, everyone=everyone,
                                          members=[name(m) for m in speakable]))
        if pick.evidence.nobody_seen and everyone_shares:
            parts.append(self._render("group_unseen"))
        # Only what the consenting members allowed reaches the template: the others' anchors
        # are left out whole ("what Ana rated highly" would say that she rated it).
        anchors = [a for a in pick.evidence.anchors if a.member_id in share_individual]
        if anchors:
            named: dict[str, dict] = {}  # at most two items, by title, with who rated them how
            others = []  # spoken of only as "what they rated highly"
            for a in anchors:
                if a.item_id in named or len(named) < 2:
                    named.setdefault(a.item_id, {"title": a.title, "raters": []})["raters"].append(
                        {"member": name(a.member_id), "stars": a.stars})
                else:
                    others.append(a)
            parts.append(self._render("group_closest", named=list(named.values()), others=[name(a.member_id) for a in others],
                                      rated=all(a.stars is not None and a.stars >= 4 for a in others)))
        parts = [p for p in parts if p]
        if not parts:
            return "It scores best for the group as a whole."
        sentence = "; ".join(parts)
        return sentence[0].upper() + sentence[1:] + "."

    def neutral_note(self, picks: GroupPicks, names: Mapping[str, str] | None = None) -> str | None:
        """The sentence that says who counted as neutral (no history yet), if anybody did."""
        if not picks.neutral:
            return None
        names = names or {}
        return self._render("group_neutral", members=[names.get(m, m) for m in picks.neutral]) + "."

    def _render(self, template: str, **facts) -> str:
        return self.env.get_template(f"{template}.j2").render(**facts).strip()
