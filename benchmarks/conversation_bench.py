"""Conversation benchmark: a rule-based simulated person looks for one hidden film through the agent.

The protocol follows InteRecAgent's / iEvaLM's user simulator, without an LLM:

* Per seed, sample people with enough ratings, hold out ~20% of each sampled person's
  ratings, and pick as each session's target one held-out film the person rated >= 4. The
  bot (index, history, recommender, planner, agent: the same pieces as `Runtime.start`) is
  built on the interactions WITHOUT the held-out ones, once per seed; the index is built
  once per run (the items do not change).
* The simulated person talks to `Agent.respond` in text only and never says the target's
  title. Turn 1 asks for a genre of the target from its decade, plus (where the catalog has
  them) its director or one of its tags. Every later turn rejects the suggestions and adds
  one more piece of what the person knows: another genre, a closer date, the director, a
  tag, or "something like X" where X is a film the person rated >= 4 in their *training*
  data that shares a genre with the target and is closest to it in content (index vectors +
  genre overlap + director + era; `--anchor model` ranks by the fitted recommender's
  `similar_items` instead; no such film, no "like X"). Phrasings come from several
  templates per act, drawn from the seeded generator; a phrasing that would name the
  target is never used.
* The session ends with a hit when the target is among the reply's items (top 5), or after
  `--max-turns` (5) turns.

Reported per seed and as mean / std / min / max over seeds:

* conversation: hit@5 within 1, 3 and 5 turns; `avg_turns` counts a session that never hits
  as max_turns + 1 (6); `avg_turns_when_hit` averages over the hits only.
* baseline_static: the plain personal top-5 (`Recommendations.recommend(user, k=5)`), which
  ignores the conversation, so it hits on turn 1 or never.
* baseline_turns: the same ranking, but each turn shows the next 5 (excluding what was
  shown), i.e. the same turn budget as the conversation.
* like_x: for sampled (person, X) pairs, a fresh conversation says "something like <X>".
  People have long histories (>= 100 ratings on MovieLens; the longest quarter on the demo
  catalog, counted before hold-out) and rated X >= 4 in training where enough such fans
  exist (else other long-history people fill in). Reported: the share of returned items
  among X's 20 nearest items in the model (`model.similar_items([X], 20)`; also against
  the 20 nearest the person has not rated, since the agent never recommends seen items),
  the same share for a person with no history, and how personal the lists are (mean
  pairwise Jaccard of different people's lists for the same X, and of each person's list
  against the no-history one; lower = more personal).
* diagnostics: tool calls, turns without items, later turns that show again what was just
  rejected, turns whose filters rule the target out, on which act the hits came, and how
  often a newly named genre / "like X" film reached the tool call.

On the demo catalog the first message (genre + decade + director or tag) nearly names the
film among 330, so its conversation scores are high by construction; MovieLens (genres and
years only) is the harder, more telling run.

    python benchmarks/conversation_bench.py --movielens ../shared/datasets/ml-100k --sessions 200 --seeds 1,2,3
    python benchmarks/conversation_bench.py --demo --sessions 60 --seeds 1,2,3

One JSON report on stdout; progress on stderr. `--transcripts FILE` writes every session as
JSON lines; `--include-sessions` puts them in the report too (the test uses it).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, Interaction, Item, genre_key
from chatrec_agent.catalog.filters import SearchFilter
from chatrec_agent.catalog.load import load_catalog
from chatrec_agent.catalog.titles import TitleLinker, normalise_title
from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.llm import make_chat_model, needs_speaker_labels
from chatrec_agent.conversation.tools import Services
from chatrec_agent.recommender.recommendations import Recommendations
from chatrec_agent.search.embeddings import Embedder
from chatrec_agent.search.index import ItemIndex
from chatrec_agent.settings import CatalogSettings, Settings, settings_from_dict
from chatrec_agent.store.history import HistoryStore

TOP_K = 5
NEIGHBOURS = 20

# --- what the simulated person says ------------------------------------------------------

GENRE_PHRASES: dict[str, list[str]] = {
    "action": ["action movie", "action film", "action flick"],
    "adventure": ["adventure film", "adventure movie", "adventure"],
    "animation": ["animated film", "animated movie", "cartoon"],
    "children": ["kids' film", "family movie", "children's film"],
    "comedy": ["comedy", "funny movie", "comedy film"],
    "crime": ["crime film", "crime movie", "crime flick"],
    "documentary": ["documentary", "doc"],
    "drama": ["drama", "drama film", "proper drama"],
    "fantasy": ["fantasy film", "fantasy movie"],
    "film_noir": ["film noir", "noir"],
    "horror": ["horror film", "horror movie", "scary movie"],
    "musical": ["musical", "movie musical"],
    "mystery": ["mystery", "mystery film", "whodunit"],
    "romance": ["romance", "romantic film", "love story"],
    "sci_fi": ["sci-fi film", "science fiction movie", "sci-fi movie"],
    "thriller": ["thriller", "thriller film"],
    "war": ["war film", "war movie"],
    "western": ["western", "cowboy movie"],
}

OPENERS = [
    "I'm in the mood for {a_genre} {era}{extra}",
    "looking for {a_genre} {era}{extra}, any ideas?",
    "can you recommend {a_genre} {era}{extra}?",
    "what's a good {genre} {era}{extra}?",
    "hey, got {a_genre} {era}{extra} for me?",
    "trying to find {a_genre} {era}{extra}",
    "suggest {a_genre} {era}{extra} please",
    "any recs for {a_genre} {era}{extra}?",
]
OPENERS_NO_ERA = [
    "I'm in the mood for {a_genre}{extra}",
    "looking for {a_genre}{extra}, any ideas?",
    "can you recommend {a_genre}{extra}?",
    "what's a good {genre}{extra}?",
]
ERA_PHRASES = ["from the {yy}s", "from the {yyyy}s", "from the {word}", "made in the {yyyy}s", "that came out in the {yy}s"]
DECADE_WORDS = {1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties", 1960: "sixties",
                1970: "seventies", 1980: "eighties", 1990: "nineties", 2000: "noughties"}
DIRECTOR_SUFFIX = [" by {surname}", ", directed by {full}", " by {full}", " - {surname} directed it"]
TAG_SUFFIX = [", think {tag}", " - {tag} vibes", ", the {tag} kind", " with a {tag} angle"]

REJECT = ["no, not those", "nope, none of these", "hmm, not quite", "not really what I'm after",
          "none of those", "nah", "not those ones", "close, but no"]
JOINERS = [", ", " - ", ". "]
REJECT_ONLY = ["others please", "any others?", "none of those, what else have you got?",
               "no, not those, show me others", "keep going, none of these", "nope, different ones please",
               "hmm, more options?"]
ADD_GENRE = ["it's also a bit of {a_genre}", "think {a_genre} as well", "it's {a_genre} too",
             "it should count as {a_genre} too", "it's kind of {a_genre} as well"]
ADD_DATE = ["I think it's {part} {yy}s", "more like {part} {yyyy}s", "it came out {part} {yy}s, roughly",
            "somewhere around {approx}"]
ADD_DIRECTOR = ["it's by {surname}", "directed by {full}, I think", "{full} made it", "it's a {surname} film",
                "I'm pretty sure {surname} directed it"]
ADD_TAG = ["think {tag}", "it's got a {tag} thing going on", "{tag} is a big part of it", "keywords: {tag}"]
ADD_LIKE = ["something like {x}", "it's a bit like {x}", "along the lines of {x}", "in the vein of {x}",
            "similar to {x}"]


def _key(text: str) -> str:
    return " ".join(normalise_title(text).split())


def mentions(text: str, title: str) -> bool:
    """Whether `text` names `title` (word for word, articles and punctuation ignored)."""
    key = _key(title)
    return bool(key) and f" {key} " in f" {_key(text)} "


def _an(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _genre_phrases(genre: str) -> list[str]:
    key = genre_key(genre)
    key = "children" if key.startswith("children") else key
    return GENRE_PHRASES.get(key, [f"{genre.lower()} film"])


def _surname(full: str) -> str:
    parts = full.split()
    if len(parts) >= 3 and parts[-2][:1].islower():  # "Guillermo del Toro" -> "del Toro"
        return " ".join(parts[-2:])
    return parts[-1] if parts else full


class Simulator:
    """One person who knows some facts about the target film, but never says its title."""

    def __init__(self, target: Item, anchor: Item | None, rng: random.Random):
        self.target = target
        self.rng = rng
        genres = list(target.genres)
        rng.shuffle(genres)
        self.first_genre = genres[0] if genres else None
        self.extra_genres = genres[1:3]
        director = target.extra.get("director") if target.extra else None
        tags = list(target.tags)
        rng.shuffle(tags)
        # Turn 1 also names the director or a tag where the catalog has them.
        first_extra = None
        if director and tags:
            first_extra = rng.choice(["director", "tag"])
        elif director or tags:
            first_extra = "director" if director else "tag"
        self.director, self.tags = director, tags
        self.first_extra = first_extra
        pieces: list[tuple[str, object]] = [("genre", g) for g in self.extra_genres]
        if target.year:
            pieces.append(("date", target.year))
        if director and first_extra != "director":
            pieces.append(("director", director))
        later_tags = tags[1:] if first_extra == "tag" else tags
        pieces += [("tag", t) for t in later_tags[:2]]
        rng.shuffle(pieces)
        if anchor is not None:  # "something like X" comes on turn 2 or 3
            pieces.insert(rng.choice([0, 1]) if pieces else 0, ("like", anchor))
        self.pieces = pieces
        self.act: tuple[str, object] = ("opening", None)  # what the latest message added

    # --- phrasing -------------------------------------------------------------------------

    def _say(self, options: list[str], **fields) -> str | None:
        """A template filled in, drawn at random among those that do not name the target."""
        order = list(options)
        self.rng.shuffle(order)
        for template in order:
            text = template.format(**fields)
            if not mentions(text, self.target.title):
                return text
        return None

    def _era(self) -> str | None:
        if not self.target.year:
            return None
        decade = self.target.year // 10 * 10
        options = [p for p in ERA_PHRASES if "{word}" not in p or decade in DECADE_WORDS]
        if decade >= 2000 or decade < 1930:
            options = [p for p in options if "{yy}" not in p]  # "the 00s", "the 20s": ambiguous
        return self._say(options, yy=f"{decade % 100:02d}", yyyy=str(decade), word=DECADE_WORDS.get(decade, ""))

    def _extra(self) -> str:
        if self.first_extra == "director":
            return self._say(DIRECTOR_SUFFIX, surname=_surname(self.director), full=self.director) or ""
        if self.first_extra == "tag":
            return self._say(TAG_SUFFIX, tag=self.tags[0]) or ""
        return ""

    def opening(self) -> str:
        """Turn 1: a genre of the target, its decade, and its director or a tag if known."""
        extra = self._extra()
        era = self._era()
        genres = ([self.first_genre] if self.first_genre else []) + self.extra_genres
        for genre in genres:
            for phrase in self.rng.sample(_genre_phrases(genre), len(_genre_phrases(genre))):
                fields = {"a_genre": _an(phrase), "genre": phrase, "era": era or "", "extra": extra}
                text = self._say(OPENERS if era else OPENERS_NO_ERA, **fields)
                if text:
                    if genre != self.first_genre:
                        self.extra_genres.remove(genre)
                        self.pieces = [p for p in self.pieces if p != ("genre", genre)]
                    return " ".join(text.split())
        text = self._say([f"any good films {era}{extra}?", f"something {era}{extra}"] if era else
                         [f"any good films{extra}?"])
        return " ".join((text or "what should I watch?").split())

    def _piece(self, kind: str, value) -> str | None:
        if kind == "genre":
            options = _genre_phrases(value)
            return self._say(ADD_GENRE, a_genre=_an(self.rng.choice(options)))
        if kind == "date":
            year = int(value)
            part = "early" if year % 10 <= 3 else "mid" if year % 10 <= 6 else "late"
            decade = year // 10 * 10
            approx = year + self.rng.choice([-1, 0, 0, 1])
            options = ADD_DATE if 1930 <= decade < 2000 else [t for t in ADD_DATE if "{yy}" not in t]
            return self._say(options, part=part, yy=f"{decade % 100:02d}", yyyy=str(decade), approx=approx)
        if kind == "director":
            return self._say(ADD_DIRECTOR, surname=_surname(value), full=value)
        if kind == "tag":
            return self._say(ADD_TAG, tag=value)
        if kind == "like":
            return self._say(ADD_LIKE, x=value.title)
        return None

    def follow_up(self) -> str:
        """A later turn: reject what was shown and add one more piece of information."""
        while self.pieces:
            kind, value = self.pieces.pop(0)
            piece = self._piece(kind, value)
            if piece:
                self.act = (kind, value)
                reject = self._say(REJECT) or "no"
                return f"{reject}{self.rng.choice(JOINERS)}{piece}"
        self.act = ("reject", None)
        return self._say(REJECT_ONLY) or "next"


# --- building the bot from a reduced catalog ------------------------------------------------


@dataclass
class Bot:
    settings: Settings
    catalog: Catalog
    history: HistoryStore
    recommendations: Recommendations
    agent: Agent


def build_bot(catalog_config: dict, storage: Path, catalog: Catalog, index: ItemIndex) -> Bot:
    """The pieces `Runtime.start` assembles, from `catalog` (the reduced interactions) and an
    index that is already synced (the items are the same for every seed)."""
    settings = settings_from_dict({"catalog": catalog_config, "storage": {"dir": str(storage)}}, environ={})
    history = HistoryStore.open(settings.storage.dir)
    recommendations = Recommendations(settings, catalog, history, index)
    recommendations.refresh()
    titles = TitleLinker(catalog)
    services = Services(catalog, index, recommendations, history, titles)
    model = make_chat_model(settings.llm, catalog, titles)
    agent = Agent(services, model, settings.storage.dir, settings.memory.window_messages,
                  speaker_labels=needs_speaker_labels(settings.llm))
    return Bot(settings, catalog, history, recommendations, agent)


@dataclass
class Session:
    person: str
    target: str
    anchor: str | None = None


@dataclass
class Split:
    catalog: Catalog  # the items with the training interactions only
    sessions: list[Session]
    held_out: dict[str, list[Interaction]] = field(default_factory=dict)


def split_for_seed(full: Catalog, seed: int, n_sessions: int, holdout: float, min_ratings: int) -> Split:
    """Sample people, hold out ~`holdout` of each one's ratings (all at once), pick targets."""
    rng = random.Random(seed)
    by_user: dict[str, list[Interaction]] = defaultdict(list)
    for inter in full.interactions:
        by_user[inter.user_id].append(inter)
    eligible = sorted(u for u, rows in by_user.items() if len(rows) >= min_ratings)
    rng.shuffle(eligible)
    held: dict[str, list[Interaction]] = {}
    candidates: dict[str, list[str]] = {}
    sessions: list[Session] = []
    for user in eligible:  # first pass: one session per person
        if len(sessions) >= n_sessions:
            break
        rows = sorted(by_user[user], key=lambda i: i.item_id)
        out = rng.sample(rows, max(1, round(holdout * len(rows))))
        good = [i.item_id for i in out if (i.rating or 0) >= 4 and len(_key(full[i.item_id].title)) >= 3]
        if not good:
            continue
        rng.shuffle(good)
        held[user], candidates[user] = out, good
        sessions.append(Session(user, good.pop()))
    for user in itertools.cycle(list(candidates)):  # more sessions than people: more targets each
        if len(sessions) >= n_sessions or not any(candidates.values()):
            break
        if candidates[user]:
            sessions.append(Session(user, candidates[user].pop()))
    dropped = {(i.user_id, i.item_id) for rows in held.values() for i in rows}
    kept = [i for i in full.interactions if (i.user_id, i.item_id) not in dropped]
    reduced = Catalog(full.items, kept, [], full.source + " (benchmark training split)")
    return Split(reduced, sessions, held)


def pick_anchor(bot: Bot, index: ItemIndex, person: str, target: Item, mode: str) -> Item | None:
    """The film the person rated >= 4 in training that is closest to the target."""
    liked = [e.item_id for e in bot.history.user_history(person)
             if e.rating is not None and e.rating >= 4 and e.item_id in bot.catalog
             and not mentions(bot.catalog[e.item_id].title, target.title)]
    # Only a film that shares a genre with the target: nobody describes a cartoon as "like The Thing".
    liked = [i for i in liked if set(bot.catalog[i].genres) & set(target.genres)]
    if not liked:
        return None
    if mode == "model":
        ranked = [r.item_id for r in bot.recommendations.model.similar_items([target.id], 300)]
        liked_set = set(liked)
        for item_id in ranked:
            if item_id in liked_set:
                return bot.catalog[item_id]
    vectors = index.vectors([target.id] + liked)
    cosine = vectors[1:] @ vectors[0]
    genres = set(target.genres)
    director = target.extra.get("director")

    def score(n: int, item: Item) -> float:
        overlap = len(genres & set(item.genres)) / max(1, len(genres | set(item.genres)))
        same = 0.5 if director and item.extra.get("director") == director else 0.0
        era = math.exp(-abs(item.year - target.year) / 10) if item.year and target.year else 0.0
        return float(cosine[n]) + overlap + same + 0.5 * era

    best = max(enumerate(liked), key=lambda pair: score(pair[0], bot.catalog[pair[1]]))
    return bot.catalog[best[1]]


# --- one simulated session ----------------------------------------------------------------------


def _admits(target: Item, call: dict) -> bool:
    """Whether a tool call's filters (genres, years) still allow the target."""
    args = call.get("args", {})
    flt = SearchFilter(genres=tuple(args.get("genres") or ()), exclude_genres=tuple(args.get("exclude_genres") or ()),
                       year_from=args.get("year_from"), year_to=args.get("year_to"))
    return flt.accepts(target)


def _honoured(act: tuple[str, object], calls: list[dict]) -> bool | None:
    """Whether the tool calls used what the latest message added: the new genre among the
    required genres, the "like X" film among the seeds. None for other acts."""
    kind, value = act
    if kind == "genre":
        return any(genre_key(value) in {genre_key(g) for g in c["args"].get("genres") or ()} for c in calls)
    if kind == "like":
        names = {value.id, value.title.lower()}
        return any(str(x).lower() in names or str(x) in names
                   for c in calls for x in list(c["args"].get("like") or ()) + list(c["args"].get("items") or ()))
    return None


def run_session(bot: Bot, session: Session, conversation: str, rng: random.Random, max_turns: int) -> dict:
    """Talk to the agent until the target is shown (top 5) or `max_turns` have passed."""
    catalog = bot.catalog
    target = catalog[session.target]
    anchor = catalog[session.anchor] if session.anchor else None
    sim = Simulator(target, anchor, rng)
    turns: list[dict] = []
    hit_turn = None
    rejected: set[str] = set()
    for turn in range(1, max_turns + 1):
        text = sim.opening() if turn == 1 else sim.follow_up()
        reply = bot.agent.respond(conversation, session.person, text)
        shown = reply.items[:TOP_K]
        turns.append({
            "user": text,
            "bot": reply.text,
            "items": [{"id": i.id, "title": i.title, "year": i.year} for i in reply.items],
            "tools": reply.tool_calls,
            "act": sim.act[0],
            "act_honoured": _honoured(sim.act, reply.tool_calls),
            "filters_admit_target": all(_admits(target, c) for c in reply.tool_calls),
            "reshown": sum(1 for i in shown if i.id in rejected),  # shown again after "no, not those"
            "latency_ms": reply.latency_ms,
        })
        rejected |= {i.id for i in shown}
        if any(i.id == target.id for i in shown):
            hit_turn = turn
            break
    return {
        "person": session.person,
        "target": {"id": target.id, "title": target.title, "year": target.year, "genres": list(target.genres),
                   "director": target.extra.get("director"), "tags": list(target.tags)},
        "anchor": None if anchor is None else {"id": anchor.id, "title": anchor.title},
        "hit_turn": hit_turn,
        "turns": turns,
    }


def baseline_turns(bot: Bot, person: str, target: str, max_turns: int) -> tuple[int | None, int | None]:
    """(turn the static top-5 hits or None, turn the next-5-per-turn baseline hits or None).

    One `recommend(person, k=5 * max_turns)`: excluding what was shown only masks items, so
    its n-th block of 5 is exactly what the n-th turn of "exclude what was shown" returns, and
    its first 5 are the plain `recommend(person, k=5)`."""
    ids = [r.item.id for r in bot.recommendations.recommend(person, k=TOP_K * max_turns)]
    if target not in ids:
        return None, None
    turn = ids.index(target) // TOP_K + 1
    return (1 if turn == 1 else None), turn


def _clear_feedback(history: HistoryStore, user: str) -> int:
    """Undo feedback the agent recorded from a simulated message (a misread), so that the
    person's later sessions start from the same history."""
    with history._tx() as db:  # the benchmark's own throw-away store
        return db.execute("DELETE FROM feedback WHERE user_id = ?", (user,)).rowcount


# --- "something like X" -----------------------------------------------------------------------


def like_x_probe(bot: Bot, seed: int, n_pairs: int, per_x: int, long_people: list[str]) -> dict:
    """`long_people`: people with long histories (counted on the full data, before hold-out)."""
    rng = random.Random(seed * 7919 + 1)
    catalog = bot.catalog
    long_set = set(long_people)
    fans: dict[str, list[str]] = defaultdict(list)
    for inter in catalog.interactions:  # training ratings only
        if inter.user_id in long_set and (inter.rating or 0) >= 4:
            fans[inter.item_id].append(inter.user_id)
    # X: films that long-history people rated >= 4, those with the most such fans first (in
    # seeded random order among equals); each X is asked about by its fans, topped up with
    # other long-history people when it has fewer than `per_x` fans.
    xs = sorted(fans, key=lambda i: (-min(per_x, len(set(fans[i]))), rng.random()))
    n_x = math.ceil(n_pairs / per_x) if n_pairs else 0
    model = bot.recommendations.model
    per_pair, cold, jaccards, vs_cold, records = [], [], [], [], []
    for n, x_id in enumerate(xs[:n_x]):
        x = catalog[x_id]
        liked_x = sorted(set(fans[x_id]))
        people = rng.sample(liked_x, min(per_x, len(liked_x)))
        others = [u for u in long_people if u not in people]
        people += rng.sample(others, min(len(others), per_x - len(people)))
        nearest = {r.item_id for r in model.similar_items([x_id], NEIGHBOURS)}
        text = f"something like {x.title}"
        reply = bot.agent.respond(f"likex:{seed}:{n}:cold", f"bench-cold-{seed}", text)
        cold_ids = [i.id for i in reply.items]
        cold.append(_share(cold_ids, nearest))
        lists = []
        for m, person in enumerate(people):
            seen = {e.item_id for e in bot.history.user_history(person)}
            unseen_only = SearchFilter(exclude_ids=frozenset(seen))
            unseen = {r.item_id for r in model.similar_items([x_id], NEIGHBOURS, unseen_only)}
            reply = bot.agent.respond(f"likex:{seed}:{n}:{m}", person, text)
            ids = [i.id for i in reply.items]
            lists.append(ids)
            per_pair.append((_share(ids, nearest), _share(ids, unseen)))
            vs_cold.append(_jaccard(ids, cold_ids))
            records.append({"person": person, "x": x.title, "fan": person in liked_x,
                            "items": [catalog[i].title for i in ids if i in catalog],
                            "share_nearest": per_pair[-1][0], "share_nearest_unseen": per_pair[-1][1]})
        pairs = [_jaccard(a, b) for a, b in itertools.combinations(lists, 2)]
        if pairs:
            jaccards.append(statistics.fmean(pairs))
    return {
        "pairs": len(per_pair),
        "x_items": len(jaccards),
        "pairs_by_fans_of_x": sum(1 for r in records if r["fan"]),
        "neighbour_share": _mean([p[0] for p in per_pair]),
        "neighbour_share_unseen": _mean([p[1] for p in per_pair]),
        "cold_neighbour_share": _mean(cold),
        "mean_pairwise_jaccard": _mean(jaccards),
        "jaccard_vs_cold": _mean(vs_cold),
        "empty_replies": sum(1 for r in records if not r["items"]),
        "records": records,
    }


def _share(ids: list[str], pool: set[str]) -> float | None:
    return sum(1 for i in ids if i in pool) / len(ids) if ids else 0.0


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 4) if values else None


# --- one seed, then the whole run -------------------------------------------------------------


def summarise(sessions: list[dict], max_turns: int) -> dict:
    n = len(sessions)
    marks = sorted({1, 3, max_turns})

    def block(hits: list[int | None]) -> dict:
        out = {f"hit@5_within_{t}": round(sum(1 for h in hits if h is not None and h <= t) / n, 4) for t in marks}
        out["avg_turns"] = round(statistics.fmean(h if h is not None else max_turns + 1 for h in hits), 3)
        done = [h for h in hits if h is not None]
        out["avg_turns_when_hit"] = round(statistics.fmean(done), 3) if done else None
        return out

    turns = [t for s in sessions for t in s["turns"]]
    later = [t for s in sessions for t in s["turns"][1:]]
    tools = Counter(c["name"] for t in turns for c in t["tools"])
    return {
        "sessions": n,
        "conversation": block([s["hit_turn"] for s in sessions]),
        "baseline_static": block([s["baseline_static_turn"] for s in sessions]),
        "baseline_turns": block([s["baseline_turns_turn"] for s in sessions]),
        "diagnostics": {
            "turns": len(turns),
            "tool_calls": dict(tools.most_common()),
            "turns_without_items": round(sum(1 for t in turns if not t["items"]) / max(1, len(turns)), 4),
            "later_turns_reshowing_rejected_items": round(
                sum(1 for t in later if t["reshown"]) / max(1, len(later)), 4),
            "reshown_share_of_later_items": round(
                sum(t["reshown"] for t in later) / max(1, sum(min(TOP_K, len(t["items"])) for t in later)), 4),
            "turns_whose_filters_exclude_target": round(
                sum(1 for t in turns if not t["filters_admit_target"]) / max(1, len(turns)), 4),
            "hits_by_act": dict(Counter(s["turns"][-1]["act"] for s in sessions if s["hit_turn"]).most_common()),
            "acts_honoured": {
                kind: round(statistics.fmean(t["act_honoured"] for t in turns if t["act"] == kind), 4)
                for kind in ("genre", "like") if any(t["act"] == kind for t in turns)},
            "feedback_recorded_from_simulated_messages": sum(s["feedback_cleared"] for s in sessions),
            "sessions_with_anchor": sum(1 for s in sessions if s["anchor"]),
        },
    }


def run_seed(full: Catalog, catalog_config: dict, index: ItemIndex, storage: Path, seed: int,
             args: argparse.Namespace, long_people: list[str]) -> tuple[dict, list[dict], list[float]]:
    started = time.perf_counter()
    split = split_for_seed(full, seed, args.sessions, args.holdout, args.min_ratings)
    bot = build_bot(catalog_config, storage / f"seed-{seed}", split.catalog, index)
    built = time.perf_counter() - started
    rng = random.Random(seed)
    results: list[dict] = []
    latencies: list[float] = []
    for n, session in enumerate(split.sessions):
        target = bot.catalog[session.target]
        anchor = pick_anchor(bot, index, session.person, target, args.anchor)
        session.anchor = anchor.id if anchor else None
        static, by_turns = baseline_turns(bot, session.person, session.target, args.max_turns)
        result = run_session(bot, session, f"sim:{seed}:{n}", random.Random(rng.random()), args.max_turns)
        result["feedback_cleared"] = _clear_feedback(bot.history, session.person)
        result["baseline_static_turn"], result["baseline_turns_turn"] = static, by_turns
        result["seed"] = seed
        results.append(result)
        latencies += [t["latency_ms"] for t in result["turns"]]
        if (n + 1) % args.progress_every == 0 or n + 1 == len(split.sessions):
            hits = sum(1 for r in results if r["hit_turn"] is not None)
            print(f"seed {seed}: {n + 1}/{len(split.sessions)} sessions, {hits} hits, "
                  f"{time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    report = summarise(results, args.max_turns)
    like = like_x_probe(bot, seed, args.like_x, args.like_x_people, long_people) if args.like_x else None
    if like is not None:
        report["like_x"] = {k: v for k, v in like.items() if k != "records"}
    report["people"] = len({s.person for s in split.sessions})
    report["held_out_ratings"] = sum(len(v) for v in split.held_out.values())
    report["build_s"] = round(built, 2)
    report["wall_s"] = round(time.perf_counter() - started, 2)
    bot.history.close()
    return report, results, latencies


def spread(values: list) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None}
    return {"mean": round(statistics.fmean(values), 4), "std": round(statistics.pstdev(values), 4),
            "min": round(min(values), 4), "max": round(max(values), 4), "per_seed": values}


def aggregate(per_seed: dict[int, dict]) -> dict:
    """Mean and spread over seeds of every number in the per-seed reports' metric blocks."""
    out: dict = {}
    for block in ("conversation", "baseline_static", "baseline_turns", "like_x"):
        keys = [k for k in next(iter(per_seed.values())).get(block, {})]
        if keys:
            out[block] = {k: spread([r[block][k] for r in per_seed.values()]) for k in keys
                          if all(isinstance(r[block].get(k), (int, float, type(None))) for r in per_seed.values())}
    return out


def _compact(session: dict) -> dict:
    """A failing session, short enough to read in a report."""
    return {
        "person": session["person"],
        "target": f"{session['target']['title']} ({session['target']['year']}) {'/'.join(session['target']['genres'])}",
        "anchor": session["anchor"]["title"] if session["anchor"] else None,
        "turns": [{"user": t["user"], "act": t["act"],
                   "tools": [f"{c['name']}({json.dumps(c['args'], ensure_ascii=False)})" for c in t["tools"]],
                   "shown": [i["title"] for i in t["items"][:TOP_K]]} for t in session["turns"]],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--movielens", type=Path, help="the MovieLens-100K folder")
    source.add_argument("--demo", action="store_true", help="the shipped demo catalog (the default)")
    parser.add_argument("--sessions", type=int, default=200, help="simulated sessions per seed")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--max-turns", type=int, default=5)
    parser.add_argument("--holdout", type=float, default=0.2, help="share of each sampled person's ratings held out")
    parser.add_argument("--min-ratings", type=int, default=20, help="people with fewer ratings are not sampled")
    parser.add_argument("--anchor", choices=["content", "model"], default="content",
                        help="how the 'something like X' film is chosen (see the module docstring)")
    parser.add_argument("--like-x", type=int, default=40, help="(person, X) pairs per seed for the like-X probe; 0: off")
    parser.add_argument("--like-x-people", type=int, default=4, help="people per X (for the Jaccard)")
    parser.add_argument("--long-history", type=int, default=None,
                        help="ratings for a long history (default 100 on MovieLens, the top quarter on the demo)")
    parser.add_argument("--examples", type=int, default=8, help="failing sessions quoted in the report")
    parser.add_argument("--include-sessions", action="store_true", help="every session's transcript in the report")
    parser.add_argument("--transcripts", type=Path, help="write every session as JSON lines here")
    parser.add_argument("--workdir", type=Path, help="where the index and stores go (default: a temp dir)")
    parser.add_argument("--progress-every", type=int, default=25)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    seeds = [int(s) for s in str(args.seeds).split(",") if s.strip()]
    catalog_config = ({"format": "movielens-100k", "path": str(args.movielens.resolve())} if args.movielens
                      else {"format": "demo"})
    with contextlib.ExitStack() as stack:
        work = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chatrec-conv-bench-")))
        work.mkdir(parents=True, exist_ok=True)
        base = settings_from_dict({"catalog": catalog_config, "storage": {"dir": str(work / "index")}}, environ={})
        full = load_catalog(CatalogSettings(**catalog_config))
        counts = Counter(i.user_id for i in full.interactions)
        if args.long_history is not None:
            long_history = args.long_history
        elif args.movielens:
            long_history = 100
        else:
            ordered = sorted(counts.values())
            long_history = ordered[(3 * len(ordered)) // 4] if ordered else 1
        long_people = sorted(u for u, n in counts.items() if n >= long_history)
        t0 = time.perf_counter()
        index = ItemIndex(base, Embedder(base.embeddings))
        index.sync(full)
        index_s = time.perf_counter() - t0
        print(f"index: {len(full)} items in {index_s:.1f}s", file=sys.stderr, flush=True)
        per_seed: dict[int, dict] = {}
        sessions: list[dict] = []
        latencies: list[float] = []
        for seed in seeds:
            report, results, lat = run_seed(full, catalog_config, index, work, seed, args, long_people)
            per_seed[seed] = report
            sessions += results
            latencies += lat
    if args.transcripts:
        with args.transcripts.open("w", encoding="utf-8") as out:
            for s in sessions:
                out.write(json.dumps(s, ensure_ascii=False) + "\n")
    failures = [s for s in sessions if s["hit_turn"] is None]
    report = {
        "benchmark": "conversation",
        "config": {
            "catalog": catalog_config["format"], "items": len(full), "interactions": len(full.interactions),
            "users": len(full.users), "seeds": seeds, "sessions_per_seed": args.sessions, "max_turns": args.max_turns,
            "top_k": TOP_K, "holdout": args.holdout, "min_ratings": args.min_ratings, "anchor": args.anchor,
            "like_x_pairs_per_seed": args.like_x, "like_x_people_per_x": args.like_x_people,
            "long_history_ratings": long_history, "long_history_people": len(long_people), "neighbours": NEIGHBOURS,
            "recommender": base.recommender.model, "llm": base.llm.provider,
            "avg_turns_note": "sessions that never hit count as max_turns + 1; avg_turns_when_hit is over hits only",
            "baseline_turns_note": "each turn shows the next 5 of the personal ranking, excluding what was shown",
        },
        "summary": aggregate(per_seed),
        "per_seed": {str(k): v for k, v in per_seed.items()},
        "latency_ms": {"p50": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
                       "p95": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
                       "turns": len(latencies)},
        "index_s": round(index_s, 2),
        "wall_s": round(time.perf_counter() - started, 2),
        "failure_examples": [_compact(s) for s in failures[: args.examples]],
    }
    if args.include_sessions:
        report["sessions"] = sessions
    return report


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # libraries' chatter never mixes into the JSON
        report = run(args)
    json.dump(report, stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return report


if __name__ == "__main__":
    main()
