"""Which titles a message names: candidate spans from a gazetteer of the catalog's titles,
each scored from evidence, and a decision: link, ask, or ordinary text.

On a real catalog "It", "Yes", "Up", "Help!", "The One" and "2012" are films, so a span that
spells a title is only a candidate. Whether the person meant the film is weighed from what
the message shows (the spaCy entity-linker idea, with a logistic model instead of a net):

- how it is written: capitals where the rest of the message is lower case, quotes, a
  "(2004)" or "from 2004" beside it (the year also picks between remakes);
- cue words before it ("like", "seen", "loved", "in the spirit of");
- how common its words are in the language (wordfreq: "it", "the one" are everyday words,
  "Fargo" is not), and whether they are the catalog's genre, tag or attribute words;
- how long it is, and how popular the film is in the interactions (in orders of magnitude
  below the most rated one);
- whether it is the full title or a short form ("Anchorman" for the full title);
- whether it is used as a kind of film rather than one: "a superhero movie" (an article the
  title does not have), "the Spy movies", "the Alice stories" (a plural noun after it).

A written year that matches none of the title's films ("The Three Musketeers (1986)" when the
catalog has 1973 and 1993) makes the link at most a question; a year in parentheses is never a
title of its own ("Romancing the Stone (1984)" names no *1984*).

The weights and the two thresholds are data (`data/mention_model.json`), fitted on labelled
real utterances by `benchmarks/fit_mentions.py`; without that file the hand-set prior
weights below apply, as they do to a feature the file predates. Messages all in lower case
(most chat) have weights of their own beside those (`LOWER`), fitted on our own chat messages.
"""

from __future__ import annotations

import bisect
import copy
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import simplemma
from gender_guesser.detector import Detector
from rapidfuzz import fuzz, process
from wordfreq import zipf_frequency

from chatrec_agent.catalog.model import Catalog, Item, fold, item_counts

Decision = Literal["link", "ask", "text"]

MODEL_FILE = "mention_model.json"
MAX_TITLE_TOKENS = 12
# A word people rarely write but in a name ("totoro", "azkaban"; "alien" and "wonder" are common).
RARE_ZIPF = 3.3
TYPO_ZIPF = 1.5  # a word the language does not know: a typo, or a name
ARTICLES = ("the", "a", "an")
POSSESSIVES = frozenset("my your his our their its ur".split())

# Features, in the order of the weights. Each is 0..1 or a small count.
FEATURES = ("bias", "year", "year_clash", "quoted", "capitalised", "cue", "seen_cue", "compare", "whole", "cue_after", "judged", "continues", "begun_before",
            "common", "everyday", "vocabulary", "tokens", "popular", "short_form", "lowercase_message", "indefinite", "possessed", "alone", "starring",
            "kind_of", "inside_name", "role", "attribute", "listed", "named_as")
PRIOR_WEIGHTS = {
    "bias": -1.0, "year": 4.0, "year_clash": -1.5, "quoted": 3.0, "capitalised": 2.0, "cue": 1.5, "seen_cue": 0.5, "compare": 2.5, "whole": 1.5,
    "cue_after": 1.0, "judged": 1.5,
    "continues": -2.0, "begun_before": -2.0, "everyday": -1.5,
    "common": -0.9, "vocabulary": -2.0, "tokens": 0.6, "popular": 1.0, "short_form": -0.8,
    "lowercase_message": 0.0, "indefinite": -2.0, "possessed": -2.0, "alone": 1.5, "starring": 2.0, "kind_of": -1.5, "inside_name": -2.5, "role": -2.0,
    "attribute": -2.0, "listed": 1.5, "named_as": 3.0,
}
PRIOR_THRESHOLDS = {"link": 0.5, "ask": 0.25}
# In a message all in lower case, as most chat is, the same evidence weighs otherwise: no capital
# marks a title, so what is said around it ("loved the matrix", "coco made us sob") counts for
# more. A model may hold a second weight for a feature there, "lower:<feature>", added to its
# own (none: the same weight), so real seekers' "Title (YYYY)" and chat's lower case are fitted
# together without the one moving the other. Only for what is said around a span and how known
# it is: that it is used as a kind, a role, a thing owned or an attribute means the same in any case.
LOWER = "lower:"
LOWERED = ("cue", "seen_cue", "compare", "whole", "cue_after", "judged", "common", "tokens", "popular", "short_form",
           "alone", "listed")

# Words before a span that say a title follows: a taste ("loved X") or a viewing ("saw X").
TASTE_CUES = frozenset("""like likes liked love loves loved enjoy enjoys enjoyed adore adores adored hate hates hated
dislike dislikes disliked favorite favourite favorites favourites fan called titled named""".split())
# Words that say a film was watched (also what planner/opinions.py records as "seen").
WATCHED = frozenset("saw seen watched rewatched finished".split())
SEEN_CUES = WATCHED | {"watch", "rewatch"}
CUE_PHRASES = ("fan of", "version of", "what about", "how about", "heard of")
# A comparison says a title follows more surely still: "something like X", "in the spirit of X".
# "like" after a subject, an auxiliary or an adverb is the verb ("I don't really like X").
NOT_THE_VERB = r"(?<!\bi )(?<!\bwe )(?<!\byou )(?<!\bthey )(?<!\bwould )(?<!'d )(?<!\breally )(?<!n't )(?<!\bnot )(?<!\bdo )" \
               r"(?<!\bdid )(?<!\balso )"
COMPARISONS = re.compile(r"(?:" + NOT_THE_VERB + r"\blike|similar to|"
                         r"spirit of|vein of|style of|lines of|reminds? me of|such as|same as|mix of|between|closer? to|akin to|reminiscent of|crossed with|(?:vibe|feel) as)"
                         r"(?: the movies?| the films?| movies?| films?)?\s*[\"'“‘*_]?$")

# Where a phrase ends: after a cue, a span running up to one of these is all the phrase says;
# a time said after it too ("we watched Up last night", "saw Heat again").
_TIME_AFTER = (r"(?:last|this) (?:night|week|weekend|month|year|summer|winter|time|morning|evening)|the other (?:day|night)|"
               r"recently|(?:a (?:while|week|month|year)|\w+ (?:days|weeks|months|years)) ago")
# Emoji (and their joiners): no word, though chat writes them where punctuation goes.
EMOJI = "[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f\u200d]"
# Chat's interjections and emoji close a phrase as punctuation does ("rewatched the matrix lol").
_INTERJECTIONS = r"lol|lmao\w*|haha\w*|omg|ngl|tbh|imo|fr|rn|btw|smh|tho|though"
_PHRASE_END = re.compile(r"\s*(?:$|[,.;:!?)…]|\(|" + EMOJI + r"|(?:and|or|but|from|with|without|by|in|on|for|too|please|instead|"
                         r"last|yesterday|tonight|today|again|twice|once|" + _INTERJECTIONS + "|" + _TIME_AFTER + r")\b)")
# Where a title a cue points at surely ends: a pause, or a time phrase ("last night", "recently",
# "a week ago"); not at the words titles hold ("Pride and Prejudice", "Alien: Covenant", "The Last
# Samurai", "Born Yesterday", "Never Say Never Again").
_TITLE_END = re.compile(r"\s*(?:[,;!?…(]|(?:" + _TIME_AFTER + r")\b)|"
                        r"\s+and (?:it|we|they|he|she)(?:'s|\s+(?:was|is|were|are|looked|looks|seemed|seems|felt|had|has|\w+ed))\b")
# ("the trailer and it looked fun": a new clause)


def title_end(text: str) -> int:
    """Where a title opening `text` surely ends: "zorblax returns last night and cried" -> 15."""
    for m in re.finditer(r"\s|[,;!?…(]|$", text):
        if _TITLE_END.match(text, m.start()) or m.start() == len(text):
            return m.start()
    return len(text)

# Between two titles of a list: "Fargo and Alien", "Heat or Fargo" (a comma alone lists names
# as often: "loved Robin Williams, Hook (1991)…").
_LISTED = re.compile(r"^\s*,?\s*(?:and|or|&)\s+$")
# "any of the star wars": a quantifier before a span makes it a series.
_SERIES_BEFORE = re.compile(r"\b(?:any|all|none|some|each|both|most) of(?: the)?\s*$")
# "good films for halloween", "movies about heat waves": what the films are for or about, not one of them.
_FOR_BEFORE = re.compile(r"\b(?:movies?|films?|flicks?|something|anything|stuff)\s+(?:for|about)\s+(?:the\s+)?$")
# "the movie Up", "that film Her": the person says a title follows, as quotes do.
_NAMED_AS = re.compile(r"\b(?:the|this|that) (?:movie|film)\s*$")
# A verb before a span that makes it a role or a game, not a film: "didn't he play Spider Man?";
# a noun after it that makes it a person: "this Jack guy", "the Rocky character".
ROLE_CUES = frozenset("play plays played playing".split())
PERSON_NOUNS = frozenset("guy guys girl actor actress character person dude lady man woman fella fan fans".split())

# What people call a film they liked or not, after "X was …" (the planner reads these as verdicts;
# "good" only after "was": "is Heat good?" asks).
PRAISE = frozenset("great amazing awesome excellent brilliant fantastic best masterpiece gem hilarious enjoyable beautiful "
                   "wonderful incredible superb outstanding terrific gorgeous stunning perfect underrated".split())
SCORN = frozenset("awful terrible bad boring bored rubbish dull worst overrated meh disappointed disappointing tedious "
                  "dreadful horrible mediocre forgettable pointless".split())
# A verdict said of the span: "get out was brilliant", "signs is so underrated", "shawshank is
# overrated", "heat is a masterpiece": only a thing seen is judged so (not "it was …": *It* is
# everyday, which its own evidence says).
_JUDGED = re.compile(r"\s*(?:\(\s*\d{4}\s*\)\s*)?(?:is|was|are|were|'s|’s)\s+(?:(?:so|such|really|real|true|total|very|still|honestly|kinda|"
                     r"pretty|truly|just|absolutely|totally|lowkey|criminally|genuinely|seriously|the|a|an|my|most|one of the)\s+)*"
                     r"(?:" + "|".join(sorted(PRAISE | SCORN)) + r"|good)\b", re.IGNORECASE)
# A word after a span that says a title came before it ("Zootopia was great", "Psycho scared me").
CUES_AFTER = frozenset("was is were are looks look sounds sound seemed seems rocks rocked scared terrified made blew bored moved haunted".split())
# Past forms simplemma cannot tell from their lemma by the "-ed" ending.
_IRREGULAR_PAST = frozenset("made blew kept had got broke left gave took felt hit ran won lost tore shook wrecked".split())


def _told_of(word: str) -> bool:
    """A verb after the span that tells what it did, as a film does to the person: "the matrix
    changed my life", "gone girl kept me up", "coco made us sob"."""
    if word in _IRREGULAR_PAST:
        return True
    return word.endswith("ed") and len(word) > 4 and simplemma.lemmatize(word, lang="en") != word

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|&")
# Plural nouns after a span that make it a kind or a series: "the Spy movies", "Marvel films".
KIND_NOUNS = frozenset("movies films stories series franchise trilogy sequels books ones kind type genre".split())
# "Title (2004)", "Mother! (2017)", "Title from 2004": a year written beside a title.
_YEAR_AFTER = re.compile(r"^(?:[!?.…]*\s*\(\s*(?P<a>1[89]\d\d|20\d\d)\s*\)|\s*(?:from |in |of )?(?P<b>1[89]\d\d|20\d\d)\b)")
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "*": "*", "_": "_", "«": "»", "`": "`"}
_PARENS = re.compile(r"\s*\((?:a\.k\.a\.\s*)?([^()]*)\)")


# Sequels are written every way: "Ghostbusters II", "Ghostbusters 2", "Chapter Two".
_NUMBERS = {"&": "and", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
            "eleven": "11", "twelve": "12", "ii": "2", "iii": "3", "iv": "4", "vi": "6", "vii": "7", "viii": "8", "ix": "9"}


def tokens(text: str) -> list[tuple[str, int, int]]:
    """(folded token, start, end) for each word; contractions stay whole, so "don't" is no
    "Don"; numbers in words and Roman numerals as digits, "&" as "and"."""
    out = []
    for m in _TOKEN.finditer(text):
        word = fold(m.group()).replace("’", "'")
        out.append((_NUMBERS.get(word, word), m.start(), m.end()))
    return out


def key_of(text: str) -> str:
    words = [t for t, _, _ in tokens(text)]
    while words and words[0] in ARTICLES and len(words) > 1:
        words = words[1:]
    return " ".join(words)


_NUMBERED = re.compile(r"^(?P<head>.+?)(?:\s*:\s*|\s+)(?:part|chapter|episode|vol\.?|volume)\s+(?P<n>[0-9]+|[ivx]+|two|three|four|five|six)$",
                     re.IGNORECASE)
_OWNER = re.compile(r"^(?:[A-Z][\w.]*\s+){0,2}[A-Z][\w.]*(?:'s|s')\s+(?P<rest>\S.*)$")


def aliases(title: str) -> list[tuple[str, bool]]:
    """(key, is_short_form) for each way people write a title: as it is, without its
    parentheses, each "(a.k.a. …)" name, and without a subtitle ("Anchorman: The Legend …")."""
    main = _PARENS.sub("", title).strip() or title
    names = [(main, False)] + [(alt, False) for alt in _PARENS.findall(title) if alt.strip()]
    out: list[tuple[str, bool]] = []
    for name, short in names:
        out.append((name, short))
        # Without an owner's name before it: "National Lampoon's Van Wilder", "Dr. Seuss' The
        # Lorax" are written "Van Wilder", "The Lorax". Two words at least ("Schindler's List").
        if (owned := _OWNER.match(name)) and len(owned.group("rest").split()) >= 2:
            out.append((owned.group("rest"), True))
        # Each head before a subtitle: "Avengers: Infinity War - Part I" is also written
        # "Avengers: Infinity War" and "Avengers".
        for cut in re.finditer(r"\s*(?::| - | – )\s*", name):
            head = name[:cut.start()]
            if len(key_of(head)) >= 3:
                out.append((head, True))
        # A sequel by its number: "The Godfather: Part II", "John Wick: Chapter Two" and "Back to
        # the Future Part II" are written "godfather 2", "john wick 2", "back to the future 2".
        if (sequel := _NUMBERED.match(name)) and len(key_of(sequel.group("head"))) >= 3:
            out.append((f"{sequel.group('head')} {sequel.group('n')}", False))
    seen: set[str] = set()
    result = []
    for name, short in out:
        key = key_of(name)
        for variant in {key, key.replace("'", "")}:
            if variant and variant not in seen:
                seen.add(variant)
                result.append((variant, short))
    return result


@dataclass(frozen=True)
class Mention:
    start: int  # character offsets in the message
    end: int
    text: str  # as written
    items: tuple[Item, ...]  # candidates, best first
    score: float  # how likely the person means items[0], 0..1
    decision: Decision
    evidence: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def item(self) -> Item:
        return self.items[0]

    @property
    def names_a_kind(self) -> bool:
        """"all the alien movies", "the Toy Story films": a series or kind of film, meant or
        not as one film; no genre word ("the drama movies") nor everyday one ("all the ones")."""
        return bool(self.evidence.get("kind_of")) and not self.evidence.get("vocabulary") and not self.evidence.get("everyday")

    @property
    def said_of(self) -> bool:
        """Whether a seen or taste cue points at it ("seen all the alien movies", "loved the
        toy story films"): known to the person, not asked for ("any godzilla movies?")."""
        return bool(self.evidence.get("cue") or self.evidence.get("seen_cue"))

    @property
    def names_a_series(self) -> bool:
        """"any of the Star Wars": a head several titles share before their subtitles, with no
        year to pick one. The series, not one film: a seed, never one film's feedback."""
        return bool(self.evidence.get("short_form")) and not self.evidence.get("year") and len(self.items) > 1


@dataclass(frozen=True)
class MentionModel:
    weights: dict[str, float]
    link: float
    ask: float
    # A catalog with no interactions says nothing of how known its titles are: the feature takes
    # its mean over the candidates the model was fitted on (not 0, which reads as "nobody's heard of it").
    popular_unknown: float = 0.4

    @classmethod
    def load(cls, path: Path | None = None) -> MentionModel:
        try:
            text = path.read_text() if path else resources.files("chatrec_agent.catalog").joinpath("data", MODEL_FILE).read_text()
            data = json.loads(text)
            return cls({**PRIOR_WEIGHTS, **data["weights"]}, float(data["link"]), float(data["ask"]),
                       float(data.get("popular_unknown", cls.popular_unknown)))
        except FileNotFoundError:
            return cls(dict(PRIOR_WEIGHTS), PRIOR_THRESHOLDS["link"], PRIOR_THRESHOLDS["ask"])

    def probability(self, evidence: dict[str, float]) -> float:
        z = sum(self.weights.get(name, 0.0) * value for name, value in evidence.items())
        if evidence.get("lowercase_message"):
            z += sum(self.weights.get(LOWER + name, 0.0) * value for name, value in evidence.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, score: float) -> Decision:
        return "link" if score >= self.link else "ask" if score >= self.ask else "text"


class MentionLinker:
    """Finds the catalog titles a message names and decides, for each, whether it is meant."""

    def __init__(self, catalog: Catalog, vocabulary: Iterable[str] = (), model: MentionModel | None = None):
        """`vocabulary`: the catalog's genre, tag and attribute words (a span made of them is
        more likely the genre than the film "Drama")."""
        self.model = model or MentionModel.load()
        self.vocabulary = frozenset(fold(w) for w in vocabulary)
        self.catalog_ids = frozenset(catalog.items)
        self.catalog_items = catalog.items
        # Tags and attribute values several films carry ("Robin Williams", "Stephen King"):
        # a span spelling one names them, more likely than the one film of that title.
        carriers = Counter(key_of(value) for item in catalog.items.values()
                           for value in {*item.tags, *(v.strip() for vs in item.extra.values() for v in vs.split(","))})
        self.attributes = frozenset(key for key, n in carriers.items() if n >= 3 and key)
        # The catalog's kinds as nouns ("thriller", "thrillers", "comedies"): "psycho thrillers",
        # "zombie comedies" are a kind of film, as "the alien movies" are.
        kinds = {fold(g) for item in catalog.items.values() for g in item.genres if fold(g).isalpha()}
        self.kind_nouns = KIND_NOUNS | kinds | {g + "s" for g in kinds} | {g[:-1] + "ies" for g in kinds if g.endswith("y")}
        self.by_key: dict[str, list[tuple[Item, bool]]] = {}
        for item in catalog.items.values():
            for key, short in aliases(item.title):
                self.by_key.setdefault(key, []).append((item, short))
        counts = item_counts(catalog.interactions)
        # Orders of magnitude below the most rated film: a curated catalog whose films are all
        # known stays flat, and a long tail (a few ratings each) counts as little known.
        most = math.log1p(max(counts.values(), default=0)) or 1.0
        self._popular = {item_id: math.log1p(n) / most for item_id, n in counts.items()}
        self._popular_default = 0.0 if counts else self.model.popular_unknown
        for candidates in self.by_key.values():  # the more popular film first
            candidates.sort(key=lambda c: (c[1], -self._popular.get(c[0].id, 0.0)))
        self._keys = list(self.by_key)
        # Which films each word of a full title is in: "totoro", "brokeback", "azkaban" name their
        # film alone (see `rare_words_of`).
        self._by_word: dict[str, set[str]] = {}
        for key, found in self.by_key.items():
            for word in set(key.split()):
                self._by_word.setdefault(word, set()).update(item.id for item, short in found if not short)
        self._sorted_keys = sorted(self._keys)
        zipf_frequency("warm", "en")  # loads wordfreq's and gender-guesser's tables now, not in someone's turn
        _first_names()
        self.find = lru_cache(maxsize=4096)(self._find)
        self.likely_known = lru_cache(maxsize=4096)(self._likely_known)
        self.plausible = lru_cache(maxsize=4096)(self._plausible)

    def with_model(self, model: MentionModel) -> MentionLinker:
        """The same gazetteer deciding with another model (a fit tries several)."""
        other = copy.copy(self)
        other.model = model
        other._popular_default = self._popular_default if self._popular else model.popular_unknown
        other.find = lru_cache(maxsize=4096)(other._find)
        other.likely_known = lru_cache(maxsize=4096)(other._likely_known)
        other.plausible = lru_cache(maxsize=4096)(other._plausible)
        return other

    # --- evidence ------------------------------------------------------------------------

    def _evidence(self, text: str, toks: list[tuple[str, int, int]], i: int, j: int, item: Item,
                  short: bool) -> dict[str, float]:
        start, end = toks[i][1], toks[j - 1][2]
        words = [t for t, _, _ in toks[i:j]]
        content = [w for w in words if w not in ARTICLES]
        raw = text[start:end]
        year = _year_after(text[end:])
        if year is None and (go_on := re.match(r"\s*[:–—-][^.!?()]{1,60}(?=\()", text[end:])):
            year = _year_after(text[end + go_on.end():])  # "John Wick: Chapter 2 (2017)": not 2014's
        mixed = text != text.lower() and text != text.upper()
        caps = [text[s].isupper() for t, s, _ in toks[i:j] if text[s].isalpha() and (t not in ARTICLES or s != toks[i][1])]
        first_in_sentence = i == 0 or re.search(r"[.!?…:]\s*$|^\s*$", text[:start]) is not None
        # "The Matrix is…": the article starts the sentence, the capital of "Matrix" still counts.
        if first_in_sentence and len(caps) == 1 and not (words[0] in ARTICLES and len(words) > 1):
            capitalised = 0.0  # one capital at a sentence's start says nothing
        else:
            capitalised = float(mixed and bool(caps) and all(caps))
        before = text[:start].lower()
        compare = COMPARISONS.search(before.rstrip()) is not None
        # Not past a role's verb: "loves playing Spider-Man" loves the playing.
        cue = not compare and (any(before.rstrip(" \"'“‘*_").endswith(p) for p in CUE_PHRASES) or
                               any(t in TASTE_CUES for t, _, _ in toks[max(0, i - 3):i]) and not (i > 0 and toks[i - 1][0] in ROLE_CUES))
        seen_cue = any(t in SEEN_CUES for t, _, _ in toks[max(0, i - 3):i])
        # Catalogs and people disagree on release years by one (festival vs release).
        year_gap = abs(year - item.year) if year is not None and item.year is not None else None
        following = [t for t, s, _ in toks[j:j + 2] if not (year is not None and t == str(year) and s - end < 4)]
        after = following[0] if following else ""  # "Up (2009) is amazing": the word past the year
        told = j < len(toks) and not text[end:toks[j][1]].strip()  # the next word, with no pause before it
        zipf = min(zipf_frequency(" ".join(content) or raw, "en"), 8.0)
        # A question inside the sentence says nothing of a title: "you don't know who the killer is".
        asked_inside = re.search(r"\b(?:who|what|where|when|how|why|which|whether)\s*$", before) is not None
        return {
            "bias": 1.0,
            "year": float(year_gap is not None and year_gap <= 1),
            "year_clash": float(year_gap is not None and year_gap > 1),
            "cue_after": float((after in CUES_AFTER or told and _told_of(after)) and not asked_inside),
            # Not of a pick pointed at ("the third one was superb", "that one was great").
            "judged": float(_JUDGED.match(text, end) is not None and not asked_inside
                            and not (i > 0 and (toks[i - 1][0] in SERIES_ORDINALS or toks[i - 1][0] in ("that", "this")))),
            # "John Wick: Chapter 2": the person's title goes on past this one.
            "continues": float(re.match(r"\s*[:–—-]\s*\w", text[end:]) is not None),
            # "just watched eternal sunshine": the word before starts a longer title with this one.
            "begun_before": float(i > 0 and toks[i - 1][0] not in ARTICLES and self._starts_a_title(f"{toks[i - 1][0]} {' '.join(words)}")),
            "quoted": float(_quoted(text, start, end)),
            "capitalised": capitalised,
            "cue": float(cue),
            "seen_cue": float(seen_cue),
            "compare": float(compare),
            # "something like fargo": the title is all the comparison names.
            "whole": float((cue or seen_cue or compare) and _PHRASE_END.match(text[end:]) is not None
                           and not re.match(r"\s*[:–—-]\s*\w", text[end:])),
            "common": zipf / 2.0,
            # Everyday words ("it", "yes", "next") are a class apart from merely known ones ("arrival").
            "everyday": max(0.0, zipf - 5.0),
            "vocabulary": float(all(w in self.vocabulary or w.isdigit() for w in content)),
            "tokens": min(len(content), 6) / 2.0,
            "popular": self._popular.get(item.id, self._popular_default),
            "short_form": float(short),
            "lowercase_message": float(not mixed),
            # "a superhero movie", "a movie with some heat": any one, or some of it, not a title.
            "indefinite": float(toks[i][0] in ("a", "an") and not key_of(item.title).startswith(toks[i][0] + " ")
                                and not fold(item.title).startswith(toks[i][0] + " ") or i > 0 and toks[i - 1][0] in ("some", "any")),
            # "our drive home", "my grandfather's platoon": someone's thing, not a title ("her" is as
            # often the object: "showed her Up"; "Zombie's Halloween", "nolan's dunkirk" are a maker's
            # films); unless the two start a title ("Schindler's List").
            "possessed": float(i > 0 and (toks[i - 1][0] in POSSESSIVES or i > 1 and toks[i - 2][0] in POSSESSIVES
                                          and re.fullmatch(r"\w+['’]s", toks[i - 1][0]) is not None)
                               and not (self._starts_a_title(joined := f"{toks[i - 1][0]} {' '.join(words)}") or joined in self.by_key)),
            # A sentence of the title alone: "the princess bride?", "misery", "Room! Yes, great idea".
            "alone": float(re.search(r"(?:^|[.!?…]\s)[\W_]*$", text[:start]) is not None
                           and re.match(r"[^\w.!?…]*(?:[.!?…]|$)", text[end:]) is not None),
            # "big with tom hanks", "moon w/ sam rockwell": a film, as people say who is in it.
            "starring": float(_starring(text[end:])),
            "kind_of": float(after in self.kind_nouns or _SERIES_BEFORE.search(before) is not None or _FOR_BEFORE.search(before) is not None),
            "inside_name": float(mixed and _inside_name(text, toks, i, j, year)),
            "role": float(i > 0 and toks[i - 1][0] in ROLE_CUES or after in PERSON_NOUNS),
            "attribute": float(key_of(raw) in self.attributes),
            "listed": 0.0,  # set by `candidates`, which sees the other spans
            "named_as": float(_NAMED_AS.search(before) is not None),
        }

    # --- finding -------------------------------------------------------------------------

    def candidates(self, text: str) -> list[Mention]:
        """Every span that spells a title (overlapping ones too), scored."""
        toks = tokens(text)
        words = [t for t, _, _ in toks]
        out: list[Mention] = []
        for i in range(len(words)):
            if words[i] in ARTICLES and i + 1 < len(words):
                continue  # a span starts at its first word; "the" is taken in below
            for j in range(i + 1, min(len(words), i + MAX_TITLE_TOKENS) + 1):
                found = self.by_key.get(" ".join(words[i:j]))
                if not found or _year_in_parentheses(text, toks[i][1], toks[j - 1][2]) or self._spelt_on(words[i:j], words[j:j + 1]):
                    continue
                start = i - 1 if i > 0 and words[i - 1] in ARTICLES else i
                out.append(self._scored(text, toks, start, j, found))
            # "good fellas", "ghost busters": a one-word title written as two words, weighed as one word
            # as common as the two written, and as a variant of the title ("some good fellas" is no film).
            if i + 1 < len(words) and words[i].isalpha() and words[i + 1].isalpha() and \
                    (found := self.by_key.get(words[i] + words[i + 1])):
                start = i - 1 if i > 0 and words[i - 1] in ARTICLES else i
                joined = self._scored(text, toks, start, i + 2, found)
                out.append(self._rescored(joined, {**joined.evidence, "tokens": 0.5, "short_form": 1.0}))
        # "Casablanca and Toy Story are…": a span listed with a sure title is likelier one too, and
        # what is said around the pair is said of both ("Fargo and Pulp Fiction are my favourites":
        # the cue after the second is Fargo's too; "I loved Heat and Fargo": the first's cue is Fargo's).
        links = [m for m in out if m.decision == "link"]
        return [self._listed(m, links, text) if m.decision != "link" else m for m in out]

    def _plausible(self, text: str) -> tuple[Mention, ...]:
        """The candidates less those inside a longer one that is likelier a title: in "all the
        toy story films" the span "the toy" (*Toy*, 1949) is part of *Toy Story*, meant or not."""
        found = self.candidates(text)
        return tuple(m for m in found if not any(c.start <= m.start and m.end <= c.end and c.end - c.start > m.end - m.start
                                            and c.score > m.score for c in found))

    def _listed(self, m: Mention, links: list[Mention], text: str) -> Mention:
        before = [n for n in links if _LISTED.match(text[m.end:n.start])]  # m, then "and" n
        after = [n for n in links if _LISTED.match(text[n.end:m.start])]  # n "and", then m
        if not before and not after:
            return m
        shared = {"listed": 1.0}
        if before and before[0].evidence["cue_after"]:
            shared["cue_after"] = 1.0
        if after and (after[0].evidence["cue"] or after[0].evidence["seen_cue"]):
            shared |= {k: max(m.evidence[k], after[0].evidence[k]) for k in ("cue", "seen_cue")}
        return self._rescored(m, {**m.evidence, **shared})

    def _rescored(self, m: Mention, evidence: dict[str, float]) -> Mention:
        score = self.model.probability(evidence)
        decision = self.model.decide(score)
        decision = "ask" if evidence["year_clash"] and decision == "link" else decision
        return replace(m, score=round(score, 4), decision=decision, evidence=evidence)

    def _spelt_on(self, words: list[str], following: list[str]) -> bool:
        """Whether these words and the next spell a longer title, but for a typo: "blade runer"
        and "blade runners" are *Blade Runner*, not *Blade* and a stray word."""
        nxt = following[0] if following else ""
        # Only where some title goes on with the next word's first letter: the fuzzy search is not
        # run for every span of every message.
        if not (nxt.isalpha() and len(nxt) > 3 and self._starts_a_title(f"{' '.join(words)} {nxt[0]}", whole_word=False)):
            return False
        # A word the language does not know may be a typo ("runer"); a known one only a near miss ("blade runners").
        close = self.closest(" ".join([*words, nxt]), 80.0 if zipf_frequency(nxt, "en") < TYPO_ZIPF else 90.0)
        return close is not None and key_of(close[0].title) != " ".join(words)

    def _starts_a_title(self, words: str, whole_word: bool = True) -> bool:
        """Whether some title's key starts with these words and goes on ("eternal sunshine" ...);
        not `whole_word`: with these letters ("blade r" ...)."""
        prefix = words + " " if whole_word else words
        at = bisect.bisect_left(self._sorted_keys, prefix)
        return at < len(self._sorted_keys) and self._sorted_keys[at].startswith(prefix)

    def _series(self, key: str) -> list[Item]:
        """The films of the series this title heads, oldest first: the title itself (and its
        remakes) and those that go on from it with a sequel's number or a subtitle ("godfather
        part ii", "Alien: Covenant"); not *Alien Contamination* nor *The Rocky Horror Picture Show*."""
        at = bisect.bisect_left(self._sorted_keys, key)
        keys = []
        while at < len(self._sorted_keys) and (self._sorted_keys[at] == key or self._sorted_keys[at].startswith(key + " ")):
            keys.append(self._sorted_keys[at])
            at += 1
        items = {item.id: item for k in keys for item, _ in self.by_key[k]
                 if k == key or _SEQUEL.match(k[len(key):]) or key_of(_SUBTITLED.split(item.title)[0]) == key}
        return sorted(items.values(), key=lambda item: item.year or 0)

    def _scored(self, text: str, toks, i: int, j: int, found: list[tuple[Item, bool]]) -> Mention:
        year = _year_after(text[toks[j - 1][2]:])
        # "Help!" written with its "!" is *Help!*, not the better-known *The Help*.
        mark = text[toks[j - 1][2]:toks[j - 1][2] + 1]
        ranked = sorted(found, key=lambda c: (abs(c[0].year - year) if year and c[0].year else 0,
                                              not (mark and mark in "!?" and c[0].title.endswith(mark)), c[1],
                                              -self._popular.get(c[0].id, 0.0)))
        item, short = ranked[0]
        start, end = toks[i][1], toks[j - 1][2]
        evidence = self._evidence(text, toks, i, j, item, short)  # of the title written, whichever film it leads to
        # "the second Godfather", "the original Ghostbusters": that film of the series.
        if i > 0 and year is None and (n := SERIES_ORDINALS.get(toks[i - 1][0])) is not None:
            series = self._series(" ".join(t for t, _, _ in toks[i:j]))
            # "the third Toy Story" is *Toy Story 3* where the catalog lacks the second; a
            # numbered series without the number asked for ("the second Toy Story") is left as written.
            numbers = {it.id: m[1] for it in series if (m := re.search(r" (\d+|[ivx]+)$", key_of(it.title)))}
            numbered = [it for it in series if n > 0 and numbers.get(it.id) in (str(n + 1), _ROMAN[n])]
            if numbered or len(series) > 1 and -len(series) <= n < len(series) and (n <= 0 or not numbers):
                pick = (numbered or series)[0 if numbered else n]
                ranked = [(pick, False), *(c for c in ranked if c[0] != pick)]
                start = toks[i - 1][1]
        mention = Mention(start, end, text[start:end], tuple(dict.fromkeys(c[0] for c in ranked)), 0.0, "text")
        # A link whose year is another film's is at most a question (see _rescored).
        return self._rescored(mention, evidence)

    def _find(self, text: str) -> tuple[Mention, ...]:
        """The best non-overlapping candidates, in text order; ordinary text left out. A longer
        span wins over the ones inside it ("Paddington 2" over "Paddington") unless it is
        less sure a title."""
        chosen: list[Mention] = []
        rank = {"link": 0, "ask": 1, "text": 2}
        for m in sorted(self.candidates(text), key=lambda m: (rank[m.decision], -(m.end - m.start), -m.score)):
            if m.decision != "text" and all(m.end <= c.start or m.start >= c.end for c in chosen):
                chosen.append(m)
        return tuple(sorted(chosen, key=lambda m: m.start))

    def _likely_known(self, text: str) -> tuple[Item, ...]:
        """Films the message may name but too unsurely to act on, which cost little to keep out
        of the person's picks: ones a cue word points at ("I don't like frozen much", "something
        like gladiator", "moonlight was beautiful"), ones quoted or given a year, a series a cue
        points at ("seen all the alien movies"), and any title of words the language rarely
        uses, or of two everyday words or more, that is no kind, genre or attribute: a search for
        "elf every christmas" or "mean girls quotes are my whole personality" finds *Elf* and
        *Mean Girls*, which the person named. Not "I loved it" nor "we watched up to…"; nor a kind
        ("a Dracula film from the 30s" asks for *Dracula*)."""
        return tuple(m.item for m in self.plausible(text) if m.decision == "text" and not m.evidence["inside_name"] and (
            (m.evidence["cue"] or m.evidence["seen_cue"] or m.evidence["compare"] or m.evidence["cue_after"]) and not m.evidence["everyday"]
            or m.evidence["quoted"] or m.evidence["year"] or m.names_a_kind and m.said_of
            or not any(m.evidence[f] for f in ("vocabulary", "attribute", "kind_of", "indefinite", "role"))
            and (not m.evidence["everyday"] or m.evidence["tokens"] >= 1.0)))  # "mean girls", "get out"; not "up"

    def rare_words_of(self, text: str) -> tuple[Item, ...]:
        """Films a word of the message all but names: a word the language rarely uses that is in
        the titles of one or two films ("seen spirited away and totoro", "currently on prisoner
        of azkaban", "crash won over brokeback"). Too unsure to act on, cheap to keep out of the
        picks, which a search for those words would otherwise return. Not a word of a title the
        message surely names ("something like Paddington" keeps *Paddington 2*)."""
        named = [(m.start, m.end) for m in self.find(text) if m.decision == "link"]
        out: dict[str, Item] = {}
        for word, start, _ in tokens(text):
            if any(a <= start < b for a, b in named):
                continue
            ids = self._by_word.get(word, ())
            if 0 < len(ids) <= 2 and word.isalpha() and len(word) > 3 and zipf_frequency(word, "en") < RARE_ZIPF:
                out |= {i: self.catalog_items[i] for i in ids}
        return tuple(out.values())

    def closest(self, phrase: str, min_score: float = 80.0) -> tuple[Item, float] | None:
        """The title a whole phrase spells with a typo or two ("blade runer"), and how close
        (0..100); for a phrase a cue says is one title ("something like …")."""
        key = key_of(phrase)
        if len(key) < 4:
            return None
        best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=min_score)
        return None if best is None else (self.by_key[best[0]][0][0], float(best[1]))

    def suggest(self, text: str, limit: int = 3) -> list[Item]:
        """Close titles to offer for something that is not one."""
        found = process.extract(key_of(text), self._keys, scorer=fuzz.WRatio, limit=limit * 2, score_cutoff=50)
        out: list[Item] = []
        for key, _, _ in found:
            item = self.by_key[key][0][0]
            if item not in out:
                out.append(item)
        return out[:limit]


# Which film of a series an ordinal before its title means (sorted by year; -1 the newest).
_ROMAN = ("i", "ii", "iii", "iv", "v")
_SEQUEL = re.compile(r" (?:\d+|[ivx]+|part|chapter|episode|vol|volume)\b")  # what goes on after a series' title
_SUBTITLED = re.compile(r":|\s[-–—]\s")
SERIES_ORDINALS = {"first": 0, "original": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
                   "fifth": 4, "5th": 4, "last": -1, "latest": -1, "newest": -1}


_WITH_PERSON = re.compile(r"\s*,?\s*\(?(?:with|w/|starring)\s+(?P<first>[^\W\d_]+)\s+(?P<last>[^\W\d_]{2,})")
# Words before a name that are no first name ("with my mum", "with the kids"), and after one that are no surname.
_NOT_NAMES = frozenset("the my your his her our their a an some me us them him it this that all no".split())
_NOT_SURNAMES = frozenset("and or but tonight today tomorrow later again now yesterday too also then at on in for to "
                          "from of is was the a".split())


@lru_cache(maxsize=1)
def _first_names() -> Detector:
    return Detector(case_sensitive=False)


def _starring(rest: str) -> bool:
    """Whether the text after a span says who is in it: "with tom hanks", "w/ sam rockwell", "(starring
    Jodie Foster"; a first name gender-guesser's tables know, then another word ("with tom tonight" is a friend)."""
    m = _WITH_PERSON.match(rest)
    if not m or (first := m["first"].lower()) in _NOT_NAMES or m["last"].lower() in _NOT_SURNAMES:
        return False
    return _first_names().get_gender(first) != "unknown"


def _inside_name(text: str, toks: list[tuple[str, int, int]], i: int, j: int, year: int | None) -> bool:
    """The span is part of a longer name the person wrote, in capitals or with a number:
    "Game of Thrones" holds *The Game*, "Pitch Perfect 3" *Pitch Perfect*, "Robin Williams"
    *Williams*. Said nothing when the person writes every word with a capital."""
    words = [text[s:e] for _, s, e in toks]
    if sum(w[:1].isupper() for w in words) > 0.6 * len(words):
        return False

    def name_word(k: int) -> bool:
        return 0 <= k < len(toks) and words[k] != "I" and (words[k][:1].isupper() or words[k].isdigit())

    def joined(a: int, b: int) -> bool:  # only spaces between token a and the next token b
        return 0 <= a and b < len(toks) and not text[toks[a][2]:toks[b][1]].strip()

    def capital_after(k: int) -> bool:  # "… of the Apes", "… in Wonderland": a capitalised word, maybe after an article
        k += words[k].lower() in ARTICLES if k < len(toks) else 0
        return joined(k - 1, k) and name_word(k) and not words[k].isdigit()

    # "Alice in Wonderland", "Game of Thrones": joined by "of" or "in" to a capitalised name.
    # Not "and"/"or" (a list of titles), nor "on"/"from" ("Heat on Netflix", "from Ridley Scott").
    if joined(j - 1, j) and (name_word(j) and words[j] != str(year)
                             or words[j] in ("of", "in") and joined(j, j + 1) and capital_after(j + 1)):
        return True
    # A capital before it counts unless a sentence starts there ("Loved Frozen") or it owns
    # the film ("Disney's Frozen").
    starts_sentence = i >= 1 and re.search(r"(?:^|[.!?…:])\s*$", text[:toks[i - 1][1]]) is not None
    if joined(i - 1, i) and name_word(i - 1) and not starts_sentence and not words[i - 1].endswith(("'s", "’s")):
        return True
    # "Den of Thieves"; but "Meg Ryan in City of Angels" is an actor in the film.
    return i >= 2 and words[i - 1] == "of" and joined(i - 2, i - 1) and joined(i - 1, i) and name_word(i - 2)


def _year_after(rest: str) -> int | None:
    m = _YEAR_AFTER.match(rest)
    return int(m.group("a") or m.group("b")) if m else None


def _year_in_parentheses(text: str, start: int, end: int) -> bool:
    """"(1984)" after a title is its year, not the film *1984*."""
    return re.fullmatch(r"1[89]\d\d|20\d\d", text[start:end]) is not None and \
        text[:start].rstrip().endswith("(") and text[end:].lstrip().startswith(")")


def _quoted(text: str, start: int, end: int) -> bool:
    before, after = text[:start].rstrip(), text[end:].lstrip()
    return bool(before) and bool(after) and before[-1] in _QUOTES and after[0] == _QUOTES[before[-1]]
