"""Group picks on the test films: what every member of a group gets, and what each may have said about them."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatrec_agent.catalog import Catalog, Interaction
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.errors import ConfigError
from chatrec_agent.recommender import Dataset, UserState, make_model
from chatrec_agent.recommender.group import (
    STRATEGIES,
    Anchor,
    GroupEvidence,
    GroupExplainer,
    GroupPick,
    GroupRecommender,
    MemberPreference,
    group_order,
    group_picks,
)
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.settings import GroupSettings, settings_from_dict
from chatrec_agent.store.history import HistoryStore

from .conftest import film_items

ITEMS = film_items()
CLUSTERS = {
    "horror": ["alien", "psycho", "shining", "get-out"],
    "western": ["unforgiven", "good-bad-ugly", "rio-bravo"],
    "comedy": ["annie-hall", "groundhog-day", "some-like-it-hot", "singin-in-the-rain", "paddington-2"],
    "action": ["matrix", "heat", "mad-max-fury-road", "jurassic-park", "blade-runner"],
}


def population() -> list[Interaction]:
    """40 people in four taste clusters, each rating most of their cluster 4-5★ and a few others."""
    rng = random.Random(0)
    out = []
    for u in range(40):
        cluster = list(CLUSTERS.values())[u % 4]
        for item in rng.sample(cluster, len(cluster) - 1):
            out.append(Interaction(f"u{u}", item, float(rng.choice([4, 5]))))
        for item in rng.sample([i.id for i in ITEMS if i.id not in cluster], 2):
            out.append(Interaction(f"u{u}", item, float(rng.choice([2, 3]))))
    return out


class StarsByTaste:
    """A rating model stand-in: someone who rated a horror film 1★ would rate every horror
    film 1.5★; everything else gets 4★."""

    low, high = 1.0, 5.0

    def __init__(self, dataset: Dataset):
        self.ds = dataset

    def predict_for_history(self, rated, items):
        hates = any(stars <= 1 and "Horror" in self.ds.items[n].genres for n, stars in rated.items())
        return np.array([1.5 if hates and "Horror" in self.ds.items[n].genres else 4.0 for n in items])


@pytest.fixture(scope="module")
def model():
    return make_model("ease").fit(Dataset(population(), ITEMS))


def person(user_id: str, ratings: dict[str, float], disliked: set[str] = frozenset()) -> UserState:
    state = UserState.from_interactions(user_id, [Interaction(user_id, i, r) for i, r in ratings.items()])
    state.disliked |= set(disliked)
    return state


# Ben and Cy love horror; Ana loves westerns and rated The Shining 1★.
ANA = person("ana", {"unforgiven": 5, "rio-bravo": 5, "shining": 1})
BEN = person("ben", {"alien": 5, "psycho": 5, "unforgiven": 4})
CY = person("cy", {"alien": 5, "shining": 5, "rio-bravo": 4})


def picker(model, **settings) -> GroupRecommender:
    return GroupRecommender(model, GroupSettings(**settings), StarsByTaste(model.ds))


def ids(picks) -> list[str]:
    return [p.item.id for p in picks.picks]


def horror(item_id: str) -> bool:
    return "Horror" in next(i for i in ITEMS if i.id == item_id).genres


def test_fair_never_picks_what_a_member_would_hate_though_the_average_does(model):
    group = picker(model)
    average = ids(group.recommend([ANA, BEN, CY], k=5, strategy="average"))
    assert any(horror(i) for i in average), average  # two horror fans outvote Ana
    fair = group.recommend([ANA, BEN, CY], k=5)
    assert fair.strategy == "fair" and len(fair.picks) == 5
    assert not any(horror(i) for i in ids(fair))
    assert all(v.stars >= 3 for p in fair.picks for v in p.members) and not any(p.evidence.below_floor for p in fair.picks)
    least = group.recommend([ANA, BEN, CY], k=1, strategy="least_misery")
    assert not horror(least.picks[0].item.id)


def test_the_floor_gives_way_only_when_nothing_else_is_left(model):
    only_horror = SearchFilter(genres=("Horror",))
    picks = picker(model).recommend([ANA, BEN], k=3, filters=only_horror)
    assert picks.picks and all(horror(i) for i in ids(picks))
    assert all(p.evidence.below_floor == ("ana",) for p in picks.picks)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_an_item_a_member_disliked_never_appears(model, strategy):
    ana = person("ana", {"unforgiven": 5}, disliked={"get-out"})
    ben = person("ben", {"alien": 5, "psycho": 5, "shining": 2})  # 2★ is a dislike too
    for exclude_seen in (True, False):
        found = ids(GroupRecommender(model, GroupSettings()).recommend(
            [ana, ben], k=len(ITEMS), strategy=strategy, exclude_seen=exclude_seen))
        assert found and "get-out" not in found and "shining" not in found


def test_seen_items_are_left_out_unless_asked_for(model):
    group = picker(model)
    seen = set(ANA.preferences) | set(BEN.preferences)
    assert not seen & set(ids(group.recommend([ANA, BEN], k=len(ITEMS))))
    with_seen = group.recommend([ANA, BEN], k=len(ITEMS), exclude_seen=False)
    again = [p for p in with_seen.picks if p.item.id in seen]
    assert again and "shining" not in ids(with_seen)  # seen is allowed, disliked still is not
    for pick in with_seen.picks:
        assert set(pick.evidence.seen_by) == {m.user_id for m in (ANA, BEN) if pick.item.id in m.preferences}
        assert pick.evidence.nobody_seen == (pick.item.id not in seen)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_member_without_history_counts_as_neutral(model, strategy):
    group = picker(model)
    newcomer = UserState("dee")
    with_newcomer = group.recommend([ANA, BEN, newcomer], k=5, strategy=strategy)
    assert with_newcomer.neutral == ("dee",) and with_newcomer.members == ("ana", "ben", "dee")
    assert ids(with_newcomer) == ids(group.recommend([ANA, BEN], k=5, strategy=strategy))
    assert all({v.member_id for v in p.members} == {"ana", "ben"} for p in with_newcomer.picks)
    nobody = group.recommend([newcomer, UserState("eve")], k=3, strategy=strategy)
    assert nobody.neutral == ("dee", "eve") and len(nobody.picks) == 3
    popular = [r.item_id for r in model.recommend(UserState("anyone"), k=3)]
    assert ids(nobody) == popular
    assert GroupExplainer().neutral_note(with_newcomer, {"dee": "Dee"}) == \
        "Dee has no history here yet, so counts as neutral."


def test_strategies_differ_where_they_should():
    # Item 0: Ben's favourite, Ana lukewarm. Item 1: both like it well enough.
    prefs = np.array([[0.1, 0.6], [1.0, 0.6]])
    first = {s: int(group_order(prefs, s)[0][0]) for s in STRATEGIES}
    assert first == {"most_pleasure": 0, "least_misery": 1, "average": 1, "fair": 1}
    # Ana is predicted to hate item 1: fair takes item 0, though its average is lower.
    assert group_order(prefs, "fair", np.array([4.0, 2.0]), 3.0)[0][0] == 0
    with pytest.raises(ValueError, match="unknown group strategy"):
        group_order(prefs, "loudest")


matrices = st.integers(1, 5).flatmap(lambda m: st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.floats(0, 1), min_size=n, max_size=n), min_size=m, max_size=m),
    st.lists(st.floats(1, 5), min_size=n, max_size=n))))


@given(matrices, st.floats(1, 5), st.integers(1, 12))
@settings(max_examples=200, deadline=None)
def test_each_strategy_ranks_by_its_own_formula(case, floor, k):
    rows, lowest = case
    prefs, lowest = np.array(rows), np.array(lowest)
    formulas = {"average": prefs.mean(axis=0), "least_misery": prefs.min(axis=0), "most_pleasure": prefs.max(axis=0)}
    for strategy, expected in formulas.items():
        order, score = group_order(prefs, strategy)
        assert sorted(order.tolist()) == list(range(prefs.shape[1]))
        assert np.allclose(score, expected) and np.all(np.diff(expected[order]) <= 1e-12)
    order, _ = group_order(prefs, "fair", lowest, floor)
    clears = lowest[order] >= floor
    assert not np.any(clears[1:] & ~clears[:-1])  # every item that clears the floor comes first ...
    top = order[:k][clears[:k]]
    assert np.all(np.diff(prefs.mean(axis=0)[top]) <= 1e-12)  # ... by the members' average


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_pick_is_in_the_catalog_and_meets_the_request(model, strategy):
    ids_in_catalog = {i.id for i in ITEMS}
    westerns = picker(model).recommend([ANA, BEN, CY], k=5, strategy=strategy, exclude_seen=False,
                                       filters=SearchFilter(genres=("Western",)), exclude=["rio-bravo"])
    assert westerns.picks and all(p.item.id in ids_in_catalog for p in westerns.picks)
    assert all("Western" in p.item.genres for p in westerns.picks) and "rio-bravo" not in ids(westerns)
    scores = [p.score for p in picker(model).recommend([ANA, BEN], k=10, strategy=strategy).picks]
    assert scores == sorted(scores, reverse=True)


def test_group_evidence_is_true_of_the_members(model):
    picks = picker(model).recommend([ANA, CY], k=3, filters=SearchFilter(genres=("Western",)))
    (pick,) = [p for p in picks.picks if p.item.id == "good-bad-ugly"]
    western = next(s for s in pick.evidence.shared if s.name == "Western")
    assert western.kind == "genre" and set(western.members) == {"ana", "cy"}
    for anchor in pick.evidence.anchors:
        member = {"ana": ANA, "cy": CY}[anchor.member_id]
        assert member.preferences[anchor.item_id] >= 0.5 and anchor.stars == member.ratings[anchor.item_id]
    assert {a.member_id for a in pick.evidence.anchors} == {"ana", "cy"}
    names = {"ana": "Ana", "cy": "Cy"}
    text = GroupExplainer().explain(pick, names, share_individual={"ana", "cy"})  # both share their taste
    assert text.startswith("Fits everyone's taste for Western; nobody here has seen it; closest to *")
    # Without their consent it speaks of the group as a whole: not who rated what, nor even
    # that nobody has seen it (said only sometimes, its absence would tell who has).
    assert GroupExplainer().explain(pick, names) == "Fits everyone's taste for Western."
    only_ana = GroupExplainer().explain(pick, names, share_individual={"ana"})
    assert "Ana" in only_ana and "Cy" not in only_ana and "nobody" not in only_ana


def test_a_film_on_a_members_list_is_picked_and_said_to_be_theirs_only_with_consent(model):
    """Ana saved Saving Private Ryan, which none of them would get otherwise: her list brings
    it in, and the sentence names her list only when she lets her taste be named."""
    without = ids(picker(model).recommend([ANA, BEN, CY], k=3))
    assert "saving-private-ryan" not in without
    picks = picker(model).recommend([ANA, BEN, CY], k=3, saved={"ana": ["saving-private-ryan"]})
    (pick,) = [p for p in picks.picks if p.item.id == "saving-private-ryan"]
    assert pick.evidence.saved_by == ("ana",) and all(p.evidence.saved_by == () for p in picks.picks if p is not pick)
    names = {"ana": "Ana", "ben": "Ben", "cy": "Cy"}
    assert EXPLAINER.explain(pick, names, share_individual={"ana"}).startswith("It's on Ana's list to watch")
    assert "list" not in EXPLAINER.explain(pick, names, share_individual={"ben"})


EXPLAINER = GroupExplainer()
NAMES = {"ana": "Ana", "ben": "Ben", "cy": "Cy", "dee": "Dee"}
TITLES = ["Heat", "Fargo", "Alien", "Psycho", "Casablanca"]


@given(st.dictionaries(st.sampled_from(sorted(NAMES)), st.tuples(st.sampled_from(TITLES), st.sampled_from([4.0, 4.5, 5.0])),
                       min_size=1), st.sets(st.sampled_from(sorted(NAMES))))
@settings(max_examples=150, deadline=None)
def test_an_explanation_names_ratings_only_of_members_who_allowed_it(anchors, consenting):
    pick = GroupPick(ITEMS[0], 0.9, tuple(MemberPreference(m, 0.5, 4.0, 0.6) for m in NAMES), GroupEvidence(
        (), (), tuple(Anchor(m, title.lower(), title, stars, 1.0) for m, (title, stars) in anchors.items()), ()))
    text = EXPLAINER.explain(pick, NAMES, share_individual=consenting)
    named = {m: title for m, (title, stars) in anchors.items()
             if re.search(rf"\*{title}\* \([^)]*{NAMES[m]} rated it {stars:g}★", text)}
    assert set(named) <= consenting  # only a consenting member's item and stars are named ...
    assert named or not consenting & set(anchors)  # ... and one of them is, when anybody consented
    for member in NAMES:
        assert (NAMES[member] in text) <= (member in consenting)  # nobody else is named at all
    for member, (title, _) in anchors.items():
        if member not in named:
            assert f"{NAMES[member]} rated it" not in text and f"{NAMES[member]} liked it" not in text
            if title not in named.values():
                assert title not in text, text


def test_group_picks_for_people_of_the_history_store(tmp_path):
    settings = settings_from_dict({"storage": {"dir": str(tmp_path)}, "recommender": {"model": "ease"},
                                   "group": {"strategy": "least_misery"}}, environ={})
    catalog = Catalog.from_items(ITEMS, population(), source="test films")
    recommendations = Recommendations(settings, catalog, HistoryStore.open(settings.storage.dir))
    for item, stars in {"unforgiven": 5, "rio-bravo": 5}.items():
        recommendations.history.record_feedback("slack:T1:ana", item, "rated", stars)
    recommendations.history.record_feedback("slack:T1:ana", "good-bad-ugly", "disliked")
    recommendations.history.record_feedback("u1", "good-bad-ugly", "seen")
    picks = group_picks(recommendations, ["slack:T1:ana", "u1", "slack:T1:new"], k=4, wish="a western")
    assert picks.strategy == "least_misery" and picks.neutral == ("slack:T1:new",)
    assert len(picks.picks) == 4 and all(p.item.id in catalog.items for p in picks.picks)
    assert "good-bad-ugly" not in ids(picks)
    assert all(v.stars is not None for p in picks.picks for v in p.members)  # the catalog's own rating model


def test_group_settings_are_checked_when_the_config_is_read():
    assert settings_from_dict({}, environ={}).group == GroupSettings(strategy="fair", misery_stars=3.0)
    for bad, key in (({"strategy": "loudest"}, "group.strategy"), ({"misery_stars": -1}, "group.misery_stars"),
                     ({"candidate_pool": 3}, "group.candidate_pool"), ({"floor": 2}, "group.floor")):
        with pytest.raises(ConfigError, match=re.escape(f"'{key}'")):
            settings_from_dict({"group": bad}, environ={})


def test_ranking_without_evidence_ranks_the_same(model):
    group = picker(model)
    full, bare = (group.recommend([ANA, BEN, CY], k=6, evidence=e) for e in (True, False))
    assert ids(full) == ids(bare) and [p.members for p in full.picks] == [p.members for p in bare.picks]
    assert any(p.evidence.anchors for p in full.picks) and not any(p.evidence.anchors or p.evidence.shared
                                                                    for p in bare.picks)
