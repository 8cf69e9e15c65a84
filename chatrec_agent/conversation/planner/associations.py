"""Which of a catalog's tags name a genre, weighed from the catalog's own evidence.

For a tag phrase and a genre the score adds up, in log-odds-like units:
- co-occurrence: how much likelier an item carrying the tag is to have the genre than items
  at large (log odds ratio, the tag's items mixed with a few pseudo-items at the genre's base
  rate, so a tag on two films proves little);
- meaning: how far above the other genres the embedding model puts the genre's name next to
  the word (a z-score over the catalog's genres: "scary" sits by Horror, "superhero" by none);
- commonness: a word more common than `common_zipf` in the language pays the difference, as
  common words mean many things ("love" is a tag of romances, and a verb);
- the hand seed (genre_words.yaml), worth `seed`.
A tag names a genre when its score reaches the threshold (tuned on the real dialogues' tuning
part) and, for a word the seed does not know, most of its items carry the genre (`min_share`).
The model's similarities are the only costly part: they are cached on disk per set of tags,
genres and model, so a restart on the same catalog does not encode again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from wordfreq import zipf_frequency

from chatrec_agent.catalog import Catalog
from chatrec_agent.conversation.planner.lexicon import MOODS, GenreLexicon, seed_phrases
from chatrec_agent.conversation.planner.wordforms import genre_words, words_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Params:
    template: str
    share_prior_items: float
    min_items: int
    max_phrases: int
    min_share: float
    common_zipf: float
    seed: float
    threshold: float
    name_similarity: float

    @classmethod
    def from_data(cls) -> Params:
        return cls(**genre_words()["learned"])


@dataclass(frozen=True)
class Evidence:
    phrase: str
    genre: str
    items: int  # catalog items carrying the tag
    carrying: int  # of them, those with the genre
    share: float  # carrying / items, mixed with pseudo-items at the genre's base rate
    odds: float  # log odds ratio of share against the base rate
    similarity: float  # z-score of the model's similarity among the catalog's genres
    commonness: float  # zipf above common_zipf
    seed: bool  # the hand seed reads the phrase as this genre
    score: float


def renamed_genres(genres: list[str], encode: Callable[[list[str]], np.ndarray], min_similarity: float) -> dict[str, str]:
    """The seed's genres this catalog names by another word ("Comedy" as "Humor", "Thriller"
    as "Suspense", "Children" as "Kids"): a seed genre it lacks -> the catalog genre whose name
    the model puts nearest, where that is at least `min_similarity` and no other missing seed
    genre is nearer to it (a mutual best: "Suspense" is Thriller's, not also Horror's)."""
    seed_lexicon = GenreLexicon(genres)
    seed = sorted({name for target in genre_words()["genres"] for name in target.split("+")})
    absent = [name for name in seed if seed_lexicon.present(name) is None]
    taken = {seed_lexicon.present(name) for name in seed} - {None}
    free = [g for g in genres if g not in taken]
    if not absent or not free:
        return {}
    sims = np.asarray(encode(absent), dtype=np.float32) @ np.asarray(encode(free), dtype=np.float32).T
    return {name: free[col] for row, (name, col) in enumerate(zip(absent, sims.argmax(axis=1).tolist()))
            if sims[row, col] >= min_similarity and int(sims[:, col].argmax()) == row}


def weigh(catalog: Catalog, encode: Callable[[list[str]], np.ndarray], params: Params,
          cache_dir: Path | None = None, renamed: dict[str, str] | None = None) -> list[Evidence]:
    """The evidence for every (tag phrase, genre) of the catalog's most used tags."""
    if not (genres := catalog.genres):
        return []
    seed_lexicon = GenreLexicon(genres, renamed=renamed)
    items_of: dict[str, set[str]] = defaultdict(set)
    for item in catalog.items.values():
        for tag in item.tags:
            if phrase := " ".join(seed_lexicon.normalise(words_of(tag))):
                items_of[phrase].add(item.id)
    names = {" ".join(words_of(g)) for g in genres}
    candidates = sorted((p for p, ids in items_of.items() if len(ids) >= params.min_items and p not in names
                         and p not in MOODS and any(c.isalpha() for c in p)),
                        key=lambda p: (-len(items_of[p]), p))[: params.max_phrases]
    if not candidates:
        return []
    n_items = len(catalog.items)
    base = Counter(g for item in catalog.items.values() for g in item.genres)
    z = _similarities(candidates, genres, encode, params.template, cache_dir)
    seed = {phrase: {seed_lexicon.present(t) for t in targets} for phrase, targets in seed_phrases().items()}
    evidence: list[Evidence] = []
    for row, phrase in enumerate(candidates):
        ids = items_of[phrase]
        carrying = Counter(g for i in ids for g in catalog.items[i].genres)
        commonness = max(0.0, zipf_frequency(phrase, seed_lexicon.language) - params.common_zipf)
        for col, genre in enumerate(genres):
            rate = base[genre] / n_items
            share = (carrying[genre] + params.share_prior_items * rate) / (len(ids) + params.share_prior_items)
            odds = _logit(share) - _logit(rate) if 0 < rate < 1 else 0.0
            seeded = genre in seed.get(phrase, ())
            score = params.seed * seeded + float(z[row, col]) + odds - commonness
            evidence.append(Evidence(phrase, genre, len(ids), carrying[genre], round(share, 4), round(odds, 4),
                                     round(float(z[row, col]), 4), round(commonness, 4), seeded, round(score, 4)))
    return evidence


def decide(evidence: list[Evidence], threshold: float) -> dict[str, list[str]]:
    """Tag phrase -> the genres it names (best first); an empty list where none clears the
    threshold, so that a seed word the catalog's evidence contradicts names nothing here."""
    min_share = Params.from_data().min_share
    out: dict[str, list[tuple[float, str]]] = {e.phrase: [] for e in evidence}
    for e in evidence:
        if e.score >= threshold and (e.seed or e.share >= min_share):
            out[e.phrase].append((e.score, e.genre))
    return {phrase: [g for _, g in sorted(chosen, reverse=True)] for phrase, chosen in out.items()}


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def _similarities(phrases: list[str], genres: list[str], encode: Callable[[list[str]], np.ndarray],
                  template: str, cache_dir: Path | None) -> np.ndarray:
    """Phrase x genre z-scores of the model's cosine similarity: read from `cache_dir` when the
    same phrases, genres and model were encoded before (a restart), else from this process's
    memory (the planner built again), else encoded."""
    probe = np.round(np.asarray(encode([template.format("film")]), dtype=np.float32), 4).tobytes()
    key = hashlib.blake2b(json.dumps([template, genres, phrases]).encode() + probe, digest_size=16).hexdigest()
    path = cache_dir / "lexicon" / f"similarities-{key}.npy" if cache_dir is not None else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path, allow_pickle=False)
            if cached.shape == (len(phrases), len(genres)):
                return cached
        except (OSError, ValueError) as exc:
            log.warning("Ignoring the unreadable lexicon cache %s (%s)", path, exc)
    z = _MEMO.get(key)
    if z is None:
        vectors = np.asarray(encode([template.format(p) for p in phrases]), dtype=np.float32)
        names = np.asarray(encode([template.format(g) for g in genres]), dtype=np.float32)
        sims = vectors @ names.T
        z = ((sims - sims.mean(axis=1, keepdims=True)) / np.maximum(sims.std(axis=1, keepdims=True), 1e-6)).astype(np.float32)
        _MEMO[key] = z
        while len(_MEMO) > 4:  # a process serves one catalog; a reindex or a test run a few
            _MEMO.pop(next(iter(_MEMO)))
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npy")
            np.save(partial, z, allow_pickle=False)
            os.replace(partial, path)
        except OSError as exc:
            log.warning("Could not cache the lexicon's similarities in %s (%s)", path.parent, exc)
    return z


# The similarities of the last catalogs this process encoded, so that building the planner
# again (a reindex, another replica's catalog, a test) encodes them once per process.
_MEMO: dict[str, np.ndarray] = {}
