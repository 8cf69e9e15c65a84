"""Recommenders on small synthetic data where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from chatrec_agent.catalog import Interaction, Item
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.recommender import Dataset, UserState, make_model, model_choice
from chatrec_agent.recommender.hybrid import HybridRecommender
from chatrec_agent.recommender.model_files import StoredArrays

# Two taste clusters: westerns (w0..w9) and cartoons (c0..c9), plus one popular crossover.
ITEMS = (
    [Item(f"w{i}", f"Western {i}", genres=("Western",), year=1950 + i) for i in range(10)]
    + [Item(f"c{i}", f"Cartoon {i}", genres=("Animation", "Children"), year=2000 + i) for i in range(10)]
    + [Item("hit", "Crossover Hit", genres=("Comedy",), year=1999), Item("new", "Brand New Western", genres=("Western",), year=2024)]
)


def interactions() -> list[Interaction]:
    out = []
    rng = np.random.default_rng(0)
    for u in range(30):
        cluster = "w" if u < 15 else "c"
        for i in rng.choice(10, size=7, replace=False):
            out.append(Interaction(f"u{u}", f"{cluster}{i}", 5.0, u))
        if u % 4 != 3:
            out.append(Interaction(f"u{u}", "hit", 4.0, u))
    return out


def vectors(dataset: Dataset) -> np.ndarray:
    """Content vectors: westerns point one way, cartoons another; the new western is a western."""
    out = np.zeros((dataset.n_items, 3), dtype=np.float32)
    for n, item_id in enumerate(dataset.item_ids):
        out[n] = [1, 0.1, 0] if item_id.startswith(("w", "new")) else ([0, 1, 0.1] if item_id.startswith("c") else [0.5, 0.5, 1])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset(interactions(), ITEMS)


def fitted(name: str, dataset: Dataset):
    model = make_model(name, n_items=dataset.n_items)
    if isinstance(model, HybridRecommender):
        model.set_vectors(vectors(dataset))
    return model.fit(dataset)


western_fan = UserState.from_interactions("fan", [Interaction("fan", "w1", 5.0), Interaction("fan", "w2", 5.0), Interaction("fan", "w3", 4.0)])


@pytest.mark.parametrize("name", ["itemknn", "ease", "als", "hybrid"])
def test_recommendations_stay_in_the_users_cluster(dataset, name):
    recs = fitted(name, dataset).recommend(western_fan, k=5)
    assert len(recs) == 5
    # Westerns, or the crossover hit both clusters like; never the other cluster's cartoons.
    assert all(r.item_id.startswith("w") or r.item_id == "hit" for r in recs), [r.item_id for r in recs]
    assert sum(r.item_id.startswith("w") for r in recs) >= 4
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


@pytest.mark.parametrize("name", ["popularity", "itemknn", "ease", "als", "hybrid"])
def test_seen_items_are_never_recommended_unless_asked(dataset, name):
    model = fitted(name, dataset)
    ids = {r.item_id for r in model.recommend(western_fan, k=30)}
    assert not ids & {"w1", "w2", "w3"}
    with_seen = {r.item_id for r in model.recommend(western_fan, k=30, include_seen=True)}
    assert {"w1", "w2", "w3"} <= with_seen


@pytest.mark.parametrize("name", ["popularity", "itemknn", "ease", "als", "hybrid"])
def test_filters_apply_before_the_top_k_cut(dataset, name):
    model = fitted(name, dataset)
    recs = model.recommend(western_fan, k=5, filters=SearchFilter(genres=("Animation",)))
    assert len(recs) == 5 and all(r.item_id.startswith("c") for r in recs)
    recs = model.recommend(western_fan, k=10, filters=SearchFilter(year_from=1955, year_to=1958), exclude=["w6"])
    assert {r.item_id for r in recs} == {"w5", "w7", "w8"}


def test_a_new_item_without_ratings_is_reachable_through_content(dataset):
    plain = fitted("ease", dataset)
    assert plain.score(western_fan, ["new"]) == {"new": 0.0}  # no CF evidence at all
    hybrid = fitted("hybrid", dataset)
    ranked = [r.item_id for r in hybrid.recommend(western_fan, k=30)]
    # Content puts the unrated western among the westerns, above every cartoon.
    assert ranked.index("new") < min(ranked.index(f"c{i}") for i in range(10))
    new = hybrid.score_items(western_fan, ["new"])[0]
    assert new.content_similarity is not None and new.content_similarity > 0.9
    recent = hybrid.recommend(western_fan, k=1, filters=SearchFilter(year_from=2020))
    assert [r.item_id for r in recent] == ["new"]


def test_a_new_user_gets_popular_items_or_their_wish(dataset):
    hybrid = fitted("hybrid", dataset)
    cold = UserState("nobody")
    assert hybrid.recommend(cold, k=1)[0].item_id == "hit"  # most interacted
    cartoon_wish = np.array([0, 1, 0.1], dtype=np.float32) / np.linalg.norm([0, 1, 0.1])
    recs = hybrid.recommend(cold, k=3, query_vector=cartoon_wish)
    assert all(r.item_id.startswith("c") for r in recs)
    assert recs[0].wish_similarity == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("name", ["itemknn", "ease", "hybrid"])
def test_disliking_an_item_demotes_its_neighbours(dataset, name):
    model = fitted(name, dataset)
    # A user who liked both clusters equally; disliking a cartoon must tip the balance.
    both = UserState.from_interactions("both", [Interaction("both", i, 5.0) for i in ("w1", "w2", "c1", "c2")])
    before = model.score(both, ["c5", "w5"])
    both.preferences["c3"] = -1.0
    both.disliked.add("c3")
    after = model.score(both, ["c5", "w5"])
    assert after["c5"] < before["c5"]
    assert "c3" not in {r.item_id for r in model.recommend(both, k=30)}


@pytest.mark.parametrize("name", ["itemknn", "ease", "als", "hybrid"])
def test_similar_items_and_evidence(dataset, name):
    model = fitted(name, dataset)
    similar = model.similar_items(["c1"], k=5)
    assert all(r.item_id.startswith("c") and r.item_id != "c1" for r in similar)
    rec = model.recommend(western_fan, k=1)[0]
    pulled_in_by = {c.item_id for c in rec.contributions}
    assert pulled_in_by and pulled_in_by <= {"w1", "w2", "w3"}  # only the user's own items


def test_like_items_steers_toward_the_given_titles(dataset):
    model = fitted("ease", dataset)
    recs = model.recommend(western_fan, k=5, like_items=["c4", "c5"])
    assert all(r.item_id.startswith("c") or r.item_id == "hit" for r in recs)
    assert sum(r.item_id.startswith("c") for r in recs) >= 4
    assert not {"c4", "c5"} & {r.item_id for r in recs}


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown model"):
        make_model("magic")


# --- "like X": how much collaborative neighbours count follows the evidence -----------------

def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def hybrid_on(items: list[Item], interactions: list[Interaction], content: dict[str, np.ndarray]) -> HybridRecommender:
    dataset = Dataset(interactions, items)
    model = make_model("hybrid", n_items=dataset.n_items)
    model.set_vectors(unit(np.stack([content[i] for i in dataset.item_ids])))
    return model.fit(dataset)


def test_like_x_follows_content_when_the_interactions_are_noise():
    # Three genres whose content vectors say what they are; people rate items at random.
    groups = {"w": "Western", "c": "Animation", "h": "Horror"}
    items = [Item(f"{g}{i}", f"{name} {i}", genres=(name,)) for g, name in groups.items() for i in range(10)]
    rng = np.random.default_rng(3)
    content = {item.id: np.eye(3)[list(groups).index(item.id[0])] + rng.normal(0, 0.1, 3) for item in items}
    noise = [Interaction(f"u{u}", items[j].id, float(rng.integers(1, 6)))
             for u in range(60) for j in rng.choice(len(items), size=8, replace=False)]
    model = hybrid_on(items, noise, content)
    assert model.shrinkage.weight(30) < 0.1  # even a well-rated seed's CF neighbours barely count
    for seed in ("w0", "c3", "h7"):
        like = [r.item_id for r in model.similar_items([seed], k=8)]
        assert all(i[0] == seed[0] for i in like), (seed, like)


def clustered() -> tuple[list[Item], list[Interaction], dict[str, np.ndarray]]:
    """Two groups of people, each rating within its own 10 items (a*, b*), all of one genre;
    content says little about which group an item belongs to. Plus `rare`, whose content says
    plainly that it is an a-item, rated by a single b-person."""
    rng = np.random.default_rng(5)
    items = [Item(f"{g}{i}", f"Film {g}{i}", genres=("Drama",)) for g in "ab" for i in range(10)]
    items.append(Item("rare", "Rare film", genres=("Drama",)))
    content = {}
    for item in items[:-1]:
        lean = np.eye(12)[0 if item.id[0] == "a" else 1]
        content[item.id] = 0.3 * lean + np.concatenate([[0, 0], rng.normal(0, 1, 10)])
    content["rare"] = np.eye(12)[0]
    interactions = [Interaction(f"{g}-fan{u}", f"{g}{i}", 5.0)
                    for g in "ab" for u in range(40) for i in rng.choice(10, size=7, replace=False)]
    interactions.append(Interaction("b-fan0", "rare", 5.0))
    return items, interactions, content


def test_like_x_follows_co_ratings_where_they_are_strong():
    model = hybrid_on(*clustered())
    assert model.shrinkage.weight(28) > 0.5  # validated: co-ratings predict held-out co-likes
    for seed in ("a0", "b4"):
        like = [r.item_id for r in model.similar_items([seed], k=5)]
        assert all(i[0] == seed[0] for i in like), (seed, like)


def test_a_seed_few_people_rated_follows_its_content():
    model = hybrid_on(*clustered())
    like = [r.item_id for r in model.similar_items(["rare"], k=5)]
    # Its one rater's other films (b*) are one person's taste, not evidence about it.
    assert all(i.startswith("a") for i in like), like


def test_the_like_x_shrinkage_is_saved_with_the_model():
    model = hybrid_on(*clustered())
    settings, arrays = model.state()
    again = HybridRecommender.from_state(settings, StoredArrays(arrays, "test"), model.ds)
    again.set_vectors(model.vectors)
    assert again.shrinkage == model.shrinkage
    assert ([r.item_id for r in again.similar_items(["rare"], k=5)]
            == [r.item_id for r in model.similar_items(["rare"], k=5)])
    del settings["like_shrinkage"]  # saved by an older version: refitted, not guessed
    with pytest.raises(ValueError, match="older version"):
        HybridRecommender.from_state(settings, StoredArrays(arrays, "test"), model.ds)


def test_a_wish_whose_words_are_an_items_tags_lifts_it_within_the_filters(dataset):
    hybrid = fitted("hybrid", dataset)
    western_wish = np.array([1, 0.1, 0], dtype=np.float32) / np.linalg.norm([1, 0.1, 0])
    lexical = np.zeros(dataset.n_items, dtype=np.float32)
    lexical[dataset.item_index["w7"]] = 2.0  # carries the wish's words as tags
    lexical[dataset.item_index["c2"]] = 1.0  # carries one of them
    plain = [r.item_id for r in hybrid.recommend(western_fan, k=3, query_vector=western_wish)]
    lifted = [r.item_id for r in hybrid.recommend(western_fan, k=3, query_vector=western_wish, lexical=lexical)]
    assert plain[0] != "w7" and lifted[0] == "w7"
    cartoons = hybrid.recommend(western_fan, k=3, filters=SearchFilter(genres=("Animation",)),
                                query_vector=western_wish, lexical=lexical)
    assert cartoons[0].item_id == "c2"  # the best match the filters allow gets the full lift
    pure_cf = fitted("ease", dataset)  # scores no wishes, so no lexical lift either
    assert pure_cf.recommend(western_fan, k=3, lexical=lexical)[0].item_id != "w7"


@pytest.mark.parametrize("neighbours", [3, 100])
def test_item_knn_fitted_a_few_rows_at_a_time_equals_the_whole_product(neighbours):
    """Item-KNN builds its neighbours a block of rows at a time (the whole items x items
    product is nearly dense when items are popular); the blocks give the same neighbours."""
    from chatrec_agent.recommender.itemknn import ItemKNNRecommender

    rng = np.random.default_rng(3)
    items = [Item(f"i{n}", f"Item {n}") for n in range(60)]
    rows = [Interaction(f"u{u}", f"i{i}", float(rng.uniform(1, 5)), 0) for u in range(80)
            for i in rng.choice(60, size=int(rng.integers(2, 30)), replace=False)]
    data = Dataset(rows, items)
    whole = ItemKNNRecommender(neighbours=neighbours, block_cells=10**9).fit(data)
    blocks = ItemKNNRecommender(neighbours=neighbours, block_cells=7 * 60).fit(data)  # 7 rows a block
    assert whole._sim.shape == blocks._sim.shape == (60, 60)
    assert (whole._sim != blocks._sim).nnz == 0 and whole._sim.diagonal().max() == 0
    assert max(np.diff(blocks._sim.indptr)) <= neighbours


def test_ease_weights_in_place_equal_the_plain_inverse():
    """EASE's B computed with an in-place Cholesky inverse, written out a block of rows at a
    time, is the textbook B = -P / diag(P), P = (XᵀX + λI)⁻¹, zero diagonal."""
    from scipy import sparse

    from chatrec_agent.recommender import ease

    rng = np.random.default_rng(5)
    X = sparse.random(120, 70, density=0.2, random_state=7, format="csr", dtype=np.float64)
    X.data[:] = rng.integers(1, 6, X.nnz)
    gram = (X.T @ X).toarray() + 30.0 * np.eye(70)
    P = np.linalg.inv(gram)
    want = P / (-np.diag(P))
    np.fill_diagonal(want, 0.0)
    rows = ease._ROWS
    try:
        ease._ROWS = 16  # several blocks, the last one short
        got = ease.ease_weights(X, 30.0)
    finally:
        ease._ROWS = rows
    assert got.dtype == np.float32 and got.shape == (70, 70)
    assert np.allclose(got, want, atol=1e-6)


def test_cold_items_borrow_the_same_neighbours_a_block_at_a_time(monkeypatch):
    """Items nobody rated borrow CF scores from their closest rated items; those are found a
    block of cold items at a time (all of them at once was 10 GB at 100k items)."""
    from chatrec_agent.recommender import hybrid
    from chatrec_agent.recommender.itemknn import ItemKNNRecommender

    rng = np.random.default_rng(11)
    items = [Item(f"i{n}", f"Item {n}") for n in range(80)]
    rated = [Interaction(f"u{u}", f"i{i}", 5.0, 0) for u in range(40) for i in rng.choice(40, size=6, replace=False)]
    data = Dataset(rated, items)  # i40..i79: nobody rated them
    unit = rng.normal(size=(80, 8)).astype(np.float32)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)

    def borrowed():
        return HybridRecommender(ItemKNNRecommender()).set_vectors(unit).fit(data)._borrow

    whole = borrowed()
    monkeypatch.setattr(hybrid, "BORROW_BLOCK_CELLS", 3 * 40)  # 3 cold items a block
    blocks = borrowed()
    (cold, neighbours, weights), (cold_b, neighbours_b, weights_b) = whole, blocks
    assert len(cold) == 40 and np.array_equal(cold, cold_b)
    assert np.array_equal(np.sort(neighbours, axis=1), np.sort(neighbours_b, axis=1))
    assert np.allclose(np.sort(weights, axis=1), np.sort(weights_b, axis=1), atol=1e-6)  # BLAS sums blocks in another order


@pytest.mark.parametrize("n_items, kind, chosen", [(500, "ease", "hybrid(ease)"), (20_000, "ease", "hybrid(ease)"),
                                                   (20_001, "itemknn", "hybrid(itemknn)"), (100_000, "itemknn", "hybrid(itemknn)")])
def test_the_hybrid_chooses_its_cf_model_by_catalog_size_and_says_why(n_items, kind, chosen):
    model = make_model("hybrid", n_items=n_items)
    assert model.cf.name == kind  # EASE's matrix is items squared; item-KNN's grows with neighbours kept
    name, why = model_choice("hybrid", n_items)
    assert name == chosen and f"{n_items:,} items" in why
    assert ("GB" in why) == (kind == "itemknn")  # the size EASE would have needed, where it was passed over
    assert model_choice("als", n_items) == ("als", "as configured (recommender.model)")


@pytest.mark.parametrize("kind", ["ease", "itemknn"])
def test_scores_from_the_historys_rows_equal_the_whole_product(kind):
    """EASE and item-KNN score a person from their history's rows of the item-item weights
    only; that equals the fold-in times the whole matrix, dislikes (negative) included, and
    so do the contributions an explanation cites."""
    rng = np.random.default_rng(2)
    items = [Item(f"i{n}", f"Item {n}") for n in range(50)]
    rows = [Interaction(f"u{u}", f"i{i}", float(rng.integers(1, 6)), 0) for u in range(70)
            for i in rng.choice(50, size=int(rng.integers(2, 20)), replace=False)]
    model = make_model(kind).fit(Dataset(rows, items))
    weights = model._B if kind == "ease" else model._sim.toarray()
    x = np.zeros(50, dtype=np.float32)
    x[[3, 17, 29]] = 1.0
    x[41] = -1.0  # a dislike
    assert np.allclose(model._scores(x, UserState("p"), None), x @ weights, atol=1e-5)
    for item in (0, 12, 48):
        want = [(j, float(x[j] * weights[j, item])) for j in np.flatnonzero(x * weights[:, item] > 0)]
        got = model._contributions(x, item)
        assert sorted(j for j, _ in got) == sorted(j for j, _ in want)  # three liked items: all of them
        assert all(np.isclose(w, x[j] * weights[j, item]) for j, w in got)
    assert not np.any(model._scores(np.zeros(50, dtype=np.float32), UserState("p"), None))


def test_a_selective_filter_scores_only_its_candidates_and_ranks_the_same(monkeypatch):
    """With a filter that leaves few items, the hybrid scores content and the wish for those
    rows only (at 100k items the whole product reads 150 MB); the picks are the same."""
    from chatrec_agent.catalog.filters import SearchFilter
    from chatrec_agent.recommender import base

    rng = np.random.default_rng(8)
    genres = ("Western", "Horror", "Comedy", "Drama")
    items = [Item(f"i{n}", f"Item {n}", genres=(genres[n % 4],), year=1950 + n % 60) for n in range(120)]
    rows = [Interaction(f"u{u}", f"i{i}", 5.0, 0) for u in range(50) for i in rng.choice(120, size=8, replace=False)]
    content = {item.id: rng.normal(size=16) for item in items}
    model = hybrid_on(items, rows, content)
    person = UserState("p", preferences={f"i{n}": 1.0 for n in (0, 5, 10, 17)})
    wish = unit(rng.normal(size=(1, 16)))[0]
    westerns = SearchFilter(genres=("Western",))
    assert sum(item.genres == ("Western",) for item in items) < base.SCORE_ROWS_BELOW * len(items)
    scored = []
    monkeypatch.setattr(HybridRecommender, "_scores", lambda self, *a, _real=HybridRecommender._scores: scored.append(a[-1]) or _real(self, *a))
    picks = [(r.item_id, round(r.score, 5)) for r in model.recommend(person, k=6, filters=westerns, query_vector=wish)]
    assert scored[-1] is not None and len(scored[-1]) == 30 - 1  # the westerns, less the one they rated
    monkeypatch.setattr(base, "SCORE_ROWS_BELOW", 0.0)  # never restricted: every item scored
    whole = [(r.item_id, round(r.score, 5)) for r in model.recommend(person, k=6, filters=westerns, query_vector=wish)]
    assert scored[-1] is None and picks == whole and all(i in {it.id for it in items if it.genres == ("Western",)} for i, _ in picks)


def test_like_x_in_a_genre_x_lacks_follows_its_kind_not_its_fans():
    """"like Die Hard but a comedy": the comedies Die Hard's fans also liked are what is
    popular among them (romances here), not films of its kind; within a genre the seed lacks,
    its content says what is near (the action comedies nobody of its fans rated)."""
    rng = np.random.default_rng(7)
    items = [Item("x", "Blast Point", genres=("Action",))]
    items += [Item(f"a{i}", f"Action comedy {i}", genres=("Action", "Comedy")) for i in range(6)]
    items += [Item(f"b{i}", f"Romantic comedy {i}", genres=("Comedy", "Romance")) for i in range(6)]
    items += [Item(f"c{i}", f"Action film {i}", genres=("Action",)) for i in range(8)]
    content = {i.id: np.eye(6)[0 if i.id[0] in "xac" else 1] + rng.normal(0, 0.05, 6) for i in items}
    fans = [Interaction(f"fan{u}", i, 5.0) for u in range(40) for i in ["x", *rng.choice([f"b{n}" for n in range(6)], 3, replace=False),
                                                                         *rng.choice([f"c{n}" for n in range(8)], 3, replace=False)]]
    others = [Interaction(f"other{u}", f"a{n}", 4.0) for u in range(12) for n in rng.choice(6, 3, replace=False)]
    model = hybrid_on(items, fans + others, content)
    assert model.shrinkage.weight(40) > 0.5  # the fans' co-ratings do count for "like x" in its own genre
    comedies = [r.item_id for r in model.recommend(UserState("new"), k=4, filters=SearchFilter(genres=("Comedy",)), like_items=["x"])]
    assert comedies and all(i.startswith("a") for i in comedies), comedies
