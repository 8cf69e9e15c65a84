"""Genre words people use, mapped onto whatever genres the catalog actually has.

The words are data: a hand seed in several languages (data/genre_words.yaml, with the other
languages' inflected forms in data/word_forms.json), and, per catalog, the words its own tags
and the embedding model show to name a genre (associations.py). A message's words are read in
their dictionary forms ("dramas", "Komödien", "comédies"), compounds joined or split as the
phrases need ("super hero", "Horrorfilme")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from chatrec_agent.catalog import Catalog, genre_key
from chatrec_agent.catalog.model import fold
from chatrec_agent.conversation.planner import wordforms
from chatrec_agent.conversation.planner.wordforms import Normaliser, genre_words, lemma, words_of

_DATA = genre_words()
GENERIC = frozenset({"movie", "movies", "film", "films", "flick", "flicks"})

# "I've never watched a western", "not seen much anime": what they haven't tried, not what they
# refuse (the genre parse drops these words before reading; "I never watch horror" refuses).
_UNTRIED_VERB = r"\s+(?:(?:really|actually|even|ever)\s+)?(?:seen|watched|tried)\b"
UNTRIED = re.compile(r"\b(?:never|not|haven'?t|hasn'?t|hadn'?t)" + _UNTRIED_VERB)
# A negation governs the genre words after it up to the end of its clause ("not really into
# horror, what about thrillers?": horror is out, thrillers are in). The other languages' words
# are data (genre_words.yaml); these English ones the intent parser shares.
NEGATION = re.compile(
    r"\b(?:no|not|never|without|nothing|none|except|avoid|skip|hate|hated|dislike|disliked|neither|nor|"
    r"(?:do|does|did|is|are|was|were|could|would)n'?t|(?:do|does|did|could|would) not|ca?n'?t stand|"
    r"(?:sick|tired?|weary) of|"  # "tired of", as a lemma "tire of" (not "a guy bored with his life")
    r"anything but|other than|instead of|rather than)\b(?!" + _UNTRIED_VERB + ")")
# "a little too romantic for my taste", "too much action": more of it than they want; the word
# right after it only ("too scary for the kids" rules out horror, not children; "horror too" is "also").
# Opening a clause it is the same ("seen it, too scary"). After a verb "too" is a typo of "to"
# ("looking too laugh"; words are read in their dictionary form).
_EXCESS = (r"(?:(?:^|[,;:.!?…])\s*|\b(?:is|was|are|were|be|been|it'?s|that'?s|they'?re|bit|little|way|far|much|lot|just|kinda|"
           r"seems?|seemed|felt|feels?|feel|sounds?|got|getting)\s+)too (?:much |many )?")
EXCESS = re.compile(_EXCESS + r"(?=\w)")
_EXCESS_BEFORE = re.compile(_EXCESS + "$")
# "that's not a slasher movie", "those aren't comedies", opening a message: what was shown is said
# to miss the genre, so the genre is what they want (the words as `_read` gives them: "thats").
_SHOWN_IS_NOT = re.compile(r"^\s*(?:(?:but|and|so|well|no|nope|yeah|hmm|oh|um)\s+)*(?:thats|its|that|this|it|those|these|they|"
                           r"theyre)\s+(?:is\s+|are\s+|was\s+|were\s+)?(?:not|isn'?t|aren'?t|wasn'?t|weren'?t)\s+"
                           r"(?:really\s+|quite\s+|exactly\s+|very\s+)?(?:an?\s+)?$")
_OPENERS = frozenset("no nope nah yeah yes hmm oh well um ok okay but and so".split())
_TURN_WORDS = (r"\b(?:(?<!anything )(?<!nothing )(?<!all )but|though|although|however|what about|how about|instead|rather|prefer|"
               r"more like|and (?:maybe|perhaps|also|some))\b")
_CLAUSE_END = re.compile(r"[,.;!?…()]|" + _TURN_WORDS)


# "not a fan of horror though, especially slashers": a clause that only intensifies the one
# before it keeps its negation.
_CARRIES = re.compile(r"^ (?:especially|particularly|specially|above all|let alone|much less|even less|least of all)\b"
                      r"(?! (?:since|as|because|given|for)\b)")  # "especially since it's for the kids" is a reason
# A negated word that accepts ("don't mind", "no problem with", "nothing beats") or knows ("you
# don't know who the killer is", "I don't know, maybe a comedy"), and a question about what the
# catalog has ("isn't there anything with …?"): no negation of what follows.
_ACCEPTING = re.compile(r" (?:mind|problem|issue|matter|bother|beat|know|guess|remember|recall|understand) ")
_ASKS_WHAT_THERE_IS = re.compile(r"^(?:is|isn't|are|aren't|do|don't|does|doesn't) (?:there|you)\b")
# Where a taste turns to something else ("I hate westerns, how about a thriller?"); a list's
# comma does not end it ("I hate westerns, musicals and war films").
_TURN = re.compile(r"[.;!?…()]|,\s*(?=(?:maybe|perhaps|so|then|just|any|give me|show me|find me|recommend|suggest|i want|i.d like)\b)|" + _TURN_WORDS)


def _governs(words: Sequence[str], carried: bool = False) -> bool:
    """Whether the clause's words before a word negate it: a negation or "too" within the five
    words before it (or one `carried` from the clause before), not one that accepts ("nothing
    beats", "don't mind") nor a weariness denied ("never get tired of"). The
    negation is read in the words as written ("dont" is "do" as a lemma)."""
    near = " " + " ".join(words[-5:]) + " "
    return bool(carried or refuses(near) or _EXCESS_BEFORE.search(near)) and not _accepts(words[-5:])


def _accepts(words: Iterable[str]) -> bool:
    return bool(_ACCEPTING.search(" " + " ".join(map(lemma, words)) + " "))


# An audience after "too … for" is who the film is for, whatever a negation before says of the
# film ("nothing too scary for my kids", "not too violent for a 12 year old"); "no cartoons for
# little kids", "isn't for kids" rule them out.
_TOO_MUCH_FOR = re.compile(r"\btoo \S+(?: \S+)? for (?:(?:the|my|a|an|our|his|her|your|their|little|young)\s+)*$")


# Weariness and what denies it: two negations that cancel ("never get tired of westerns",
# "could never be bored of sci-fi"), in the words as written or as lemmas ("tire of").
_WEARY = re.compile(r"\b(?:tired?|sick|bored?|weary) (?:of|with)\b")
_DENIAL = re.compile(r"\b(?:not|never|(?:do|does|did|would|could|wo|ca)n'?t)"
                     r"(?:\s+(?:think|i|i'd|we|could|would|can|will|ever|get|gets|getting|got|be|being|been|really|so|too))*\s+$")


def refuses(before: str) -> bool:
    """Whether the words before a word negate it: a negation, not a weariness denied nor one
    that accepts or knows ("I don't know any good westerns")."""
    weary = [None, *_WEARY.finditer(before)][-1]
    if weary and _DENIAL.search(before[:weary.start()]) and not NEGATION.search(before[weary.end():]):  # "never get tired of"
        return False
    last = [None, *NEGATION.finditer(before)][-1]
    return last is not None and not _accepts(words_of(before[last.end():])[:2])


# "no I want something recent", "nope, just…": a reply's "no" opens the sentence and negates nothing in it.
_NO_OPENER = re.compile(r"^\s*(?:no|nope|nah)\b[\s,!.]*(?=(?:i|we|just|only|give|show|something|anything)\b)")
# Words that start a new sentence in a run-on message: a negation before them is over.
_RESTARTS = frozenset("so just maybe if but please thanks thank i we then also instead because though or".split())


def negated_here(before: str) -> bool:
    """Whether what follows `before` is negated in its clause ("nothing too old", "I hate old
    movies", "not a fan of old films"). Not where the negation has its own object or sentence
    before the word: a genre ("doesn't like horror so something old"), a new start ("so", "just",
    "maybe", "if", "i"…: run-on sentences), "and"; nor by a reply's opening "no", nor two
    negations ("never get tired of old westerns"), nor one that accepts ("nothing beats")."""
    clause = re.split(r"\band\b", _CLAUSE_END.split(fold(before))[-1])[-1]
    tail = words_of(_NO_OPENER.sub("", clause))[-5:]
    if tail[-1:] == ["too"] and _EXCESS_BEFORE.search(" " + " ".join(tail) + " "):
        return True  # "way too old"
    for n in range(len(tail) - 1, -1, -1):
        if tail[n] in _RESTARTS or tail[n] in _genre_words():
            return False
        if NEGATION.match(" ".join(tail[n:])):
            return not NEGATION.search(" ".join(tail[:n])) and not _accepts(tail)
    return False


@lru_cache(maxsize=1)
def _genre_words() -> frozenset[str]:
    return frozenset(p for p in seed_phrases() if " " not in p)


def against(clauses: Sequence[str]) -> list[str | None]:
    """Per clause, whether it says what they do not want: "own" (a negation or "too …" of its
    own) or "carried" (it only intensifies a clause before that refused something: "not into
    horror, especially slashers"; not after "I don't mind gore" or "isn't there …?"); None."""
    out: list[str | None] = []
    refused = False  # the clause before refused something
    for clause in clauses:
        words = " ".join(words_of(clause))
        if NEGATION.search(clause) or EXCESS.search(clause):
            out.append("own")
            refused = not (_accepts(words.split()) or _ASKS_WHAT_THERE_IS.match(words))
        elif refused and _CARRIES.match(f" {words} "):
            out.append("carried")
        else:
            out.append(None)
            refused = refused and not words  # an empty clause ("no westerns... let alone") goes on
    return out


def taste_scope(text: str) -> str:
    """The text up to where the taste it opens with turns to something else."""
    return _TURN.split(text, maxsplit=1)[0]


def _any_of(words: Iterable[str]) -> re.Pattern:
    return re.compile(rf"\b(?:{'|'.join(re.escape(' '.join(words_of(w))) for w in sorted(words, key=len, reverse=True))})\b")


# Per language: its negation words and its clause ends, for messages written in it.
_FOREIGN_NEGATION = {lang: _any_of(words) for lang, words in _DATA["negation"].items()}
_FOREIGN_CLAUSE_END = {lang: _any_of(words) for lang, words in _DATA["clause_ends"].items()}
_FUNCTION_WORDS = {lang: frozenset(w for word in words for w in words_of(word)) for lang, words in _DATA["function_words"].items()}
_COMPOUND_HEADS = sorted({fold(h) for heads in _DATA["compound_heads"].values() for h in heads}, key=len, reverse=True)
# Mood phrase -> the genres it rules out.
MOODS: dict[str, tuple[str, ...]] = {" ".join(words_of(w)): tuple(m["rule_out"]) for m in _DATA["moods"] for w in m["words"]}
# Words that are never read in another form: negations and function words of every language.
_AS_WRITTEN = frozenset(w for table in (_DATA["negation"], _DATA["function_words"]) for words in table.values()
                        for word in words for w in words_of(word))


def seed_phrases() -> dict[str, list[str]]:
    """The hand seed: phrase (folded, the other languages' words in dictionary form) -> the
    genres it names, as MovieLens names them."""
    forms = wordforms.word_forms()
    out: dict[str, list[str]] = {}
    for target, by_language in _DATA["genres"].items():
        for phrases in by_language.values():
            for phrase in phrases:
                key = " ".join(forms.get(w, w) for w in words_of(phrase))
                out.setdefault(key, target.split("+"))
    return out


def message_language(words: Sequence[str]) -> str:
    """The language the words are written in, told by its function words; English unless
    another language's are more."""
    counts = {lang: sum(w in small for w in words) for lang, small in _FUNCTION_WORDS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > counts.get("en", 0) else "en"


class GenreLexicon:
    def __init__(self, catalog_genres: Iterable[str], tags: Iterable[str] = (),
                 learned: Mapping[str, Sequence[str]] | None = None, language: str = "en",
                 renamed: Mapping[str, str] | None = None):
        """`tags`: the catalog's tags; one of several words that holds a genre word ("live
        action") is read whole, so it names no genre. `learned`: phrase -> the catalog's genres
        it names by the catalog's own evidence (associations.learn); an empty list says the
        phrase names none here, whatever the seed says. `language`: the catalog's, whose words
        are lemmatised live. `renamed`: a seed genre -> the genre this catalog calls it by
        (associations.renamed_genres: a book catalog's "Humor" is Comedy)."""
        self.by_key = {genre_key(g): g for g in catalog_genres}
        self.renamed = {name: genre for name, genre in (renamed or {}).items() if genre_key(genre) in self.by_key}
        self.language = language
        seed = seed_phrases()
        learned = dict(learned or {})
        # A catalog's own genre names always count as words for themselves.
        phrases: dict[str, list[str]] = {}
        for name in self.by_key.values():
            phrases.setdefault(" ".join(words_of(name)), []).append(name)
        # A synonym the catalog also has as a tag ("scifi", "family", "heist") still names its
        # genre: the request keeps the word as its wish, so the tagged items rank first within it.
        for phrase, targets in seed.items():
            if phrase not in learned and all(names := [self.present(t) for t in targets]):
                phrases.setdefault(phrase, names)
        self.learned: set[str] = set()  # phrases known only from the catalog's tags: kinds within a genre
        for phrase, names in learned.items():
            present = [n for n in names if genre_key(n) in self.by_key]
            if present and phrase not in phrases:
                phrases[phrase] = present
                if phrase not in seed:  # "funny" is comedy itself, however learned
                    self.learned.add(phrase)
        self.normalise = Normaliser(frozenset(w for p in phrases for w in p.split()) | _AS_WRITTEN, language)
        tag_phrases = {" ".join(self.normalise(words_of(t))) for t in tags}
        # Tags of several words that contain a genre word ("live action", "war hero") are read as
        # the tag, so "live-action" is not the genre Action. Except where the tag is itself how
        # people name a genre: "romantic comedy" is both, "scary movie" is still scary.
        self.tag_phrases = sorted((t for t in tag_phrases if " " in t and t not in phrases and t.split()[-1] not in GENERIC),
                                  key=len, reverse=True)
        # Longest phrases first so "romantic comedy" beats "comedy".
        self.phrases = sorted(phrases.items(), key=lambda kv: -len(kv[0]))
        self._lookup = dict(self.phrases)
        self._compact = {p.replace(" ", ""): p for p in self._lookup}
        self.known = frozenset(self.words())
        self.audiences = frozenset(filter(None, map(self.present, _DATA.get("audiences", ()))))
        self.narrower = frozenset(_DATA.get("narrower", ()))  # kinds within a genre: also a wish
        self._parse = lru_cache(maxsize=4096)(self._parse_text)  # one message is parsed several times
        wordforms.lemma("warming", language)  # loads simplemma's tables now, not in someone's turn

    @classmethod
    def for_catalog(cls, catalog: Catalog, encode: Callable[[list[str]], np.ndarray] | None = None,
                    cache_dir: Path | None = None) -> GenreLexicon:
        """The lexicon of a catalog: the seed, and with `encode` (the index's sentence encoder)
        the words its tags show to name a genre, where their evidence clears the threshold."""
        learned: dict[str, list[str]] = {}
        renamed: dict[str, str] = {}
        if encode is not None:
            from chatrec_agent.conversation.planner.associations import Params, decide, renamed_genres, weigh

            params = Params.from_data()
            renamed = renamed_genres(catalog.genres, encode, params.name_similarity)
            learned = decide(weigh(catalog, encode, params, cache_dir=cache_dir, renamed=renamed), params.threshold)
        return cls(catalog.genres, catalog.tag_index, learned, renamed=renamed)

    def narrows(self, word: str) -> bool:
        """Whether the word names a narrower kind within its genre ("biopics", "a tearjerker"; and
        on a catalog with tags, the kinds its tags show, "zombie" or "pixar")."""
        return any(form in self.narrower or form in self.learned for form in (word, lemma(word), word[:-1] if word.endswith("s") else ""))

    def words(self) -> set[str]:
        """Every word of the genre and mood phrases this catalog understands."""
        return {w for phrase, _ in self.phrases for w in phrase.split()} | {w for m in MOODS for w in m.split()}

    def present(self, name: str) -> str | None:
        key = genre_key(name)
        if key in self.by_key:
            return self.by_key[key]
        if name in self.renamed:
            return self.renamed[name]
        # "Children" also finds MovieLens' "Children's"; a German catalog's "Komödie" is Comedy.
        found = next((g for k, g in self.by_key.items() if k.startswith(key)), None)
        if found is None:
            names = {genre_key(p) for phrases in _DATA["genres"].get(name, {}).values() for p in phrases}
            found = next((g for k, g in self.by_key.items() if k in names), None)
        return found

    def mood_exclusions(self, text: str, asked: Iterable[str]) -> list[str]:
        """The catalog genres a mood word in the text rules out, minus the genres asked for;
        not where the mood is negated ("nothing too dark", "no adult content")."""
        words = " " + " ".join(words_of(text)) + " "
        asked = set(asked)
        ruled_out = [g for phrase, genres in MOODS.items() if (at := words.find(f" {phrase} ")) >= 0 and not negated_here(words[:at])
                     for g in filter(None, map(self.present, genres))]
        return [g for g in dict.fromkeys(ruled_out) if g not in asked]

    @staticmethod
    def negated(text: str, phrases: Mapping[str, str]) -> list[str]:
        """The phrases (the catalog's tags, keyed by their words' lemmas) the text names where a
        negation governs them: "I don't like violence", "no zombies", "nothing with a twist
        ending", "way too much singing". Not where the negated word accepts ("I don't mind
        gore", "no problem with violence", "nothing beats a twist ending") nor in a question
        about what there is ("isn't there anything with time travel?")."""
        found: list[str] = []
        clauses = _CLAUSE_END.split(fold(text))
        for clause, unwanted in zip(clauses, against(clauses)):
            words = words_of(clause)
            padded = " " + " ".join(lemma(w) for w in words) + " "
            if not unwanted or _ASKS_WHAT_THERE_IS.match(" ".join(words)):
                continue
            for key, phrase in phrases.items():
                at = padded.find(f" {key} ")
                # Governed, not only preceded ("…, especially zombies" is governed by the clause before).
                if at >= 0 and phrase not in found and \
                        _governs(words[:len(padded[:at + 1].split())], carried=unwanted == "carried"):
                    found.append(phrase)
        return [p for p in found if not any(f" {p} " in f" {q} " for q in found if q != p)]  # "twist ending", not also "twist"

    def parse(self, text: str, asked: Iterable[str] = ()) -> tuple[list[str], list[str]]:
        """(genres asked for, genres excluded) in the text. Words count in their everyday forms
        (plurals, "dramas", "Komödien"); a negation rules out what follows it in its clause, and
        a negated mix ("not a romcom") after one of its parts was asked for ("a comedy") rules
        out the rest. A negated kind within a genre, known from the catalog's tags ("not into
        ghost movies"), rules out no genre the text or the search (`asked`) asks for: it narrows
        the horror, it does not end it."""
        include, excluded, within = self._parse(text)
        asked = {*include, *asked}
        return list(include), [*excluded, *(g for g in within if g not in asked and g not in excluded)]

    def _parse_text(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        include: list[str] = []
        exclude: list[list[str]] = []
        within: list[str] = []  # excluded by a kind within the genre (a learned phrase)
        folded = UNTRIED.sub(" ", fold(text))
        language = message_language(words_of(folded))
        clauses = _CLAUSE_END.split(folded)
        if language in _FOREIGN_CLAUSE_END:
            clauses = [part for clause in clauses for part in _FOREIGN_CLAUSE_END[language].split(clause)]
        negation = _FOREIGN_NEGATION.get(language)
        opening = True  # no clause before but interjections: "no, that isn't a western"
        for clause, unwanted in zip(clauses, against(clauses)):
            taken = " " + " ".join(self._read(words_of(clause))) + " "
            opens, opening = opening, opening and all(w in _OPENERS for w in taken.split())
            carried = unwanted == "carried"
            for phrase in self.tag_phrases:
                if f" {phrase} " in taken:
                    # The head word stays: a "dark comedy" is a comedy, "live action hybrid" no action film.
                    head = phrase.split()[-1]
                    keep = f" {head} " if head in self._lookup else " "
                    taken = taken.replace(f" {phrase} ", " #" + keep)
            for phrase, names in self.phrases:
                pattern = rf" {re.escape(phrase)} "
                for match in re.finditer(pattern, taken):
                    before = taken[: match.start() + 1]
                    negated = carried or refuses(before) or _EXCESS_BEFORE.search(before) or \
                        (negation is not None and negation.search(before))
                    if negated and set(names) & self.audiences and _TOO_MUCH_FOR.search(before):
                        negated = False  # "nothing too scary for my kids": who it is for
                    if not negated or opens and _SHOWN_IS_NOT.match(before):  # "that isn't a western": wanted
                        include.extend(n for n in names if n not in include)
                    elif phrase in self.learned:
                        within.extend(names)
                    else:
                        exclude.append((phrase, names))
                taken = re.sub(pattern, " # ", taken)
        excluded: list[str] = []
        for phrase, names in exclude:
            if len(names) == 1 and names[0] in include and fold(names[0]) not in (phrase, lemma(phrase)):
                within.extend(names)  # "scary but not a slasher": a kind within the horror asked for
                continue
            rest = [n for n in names if n not in include] if len(names) > 1 else names
            excluded.extend(n for n in rest if n not in excluded)
        return tuple(g for g in include if g not in excluded), tuple(excluded), tuple(dict.fromkeys(within))

    def _read(self, words: list[str]) -> list[str]:
        """The words in the forms the phrases are written in: each in its dictionary form, a
        word written in two joined where the phrase is one ("super hero", "rom coms"), one
        written whole split where the phrase is two ("chickflick", "Horrorfilme")."""
        out: list[str] = []
        i = 0
        while i < len(words):
            if NEGATION.fullmatch(words[i]):  # "dont" is no "do"
                out.append(words[i])
            elif i + 1 < len(words) and (joined := self._compound(words[i] + words[i + 1])):
                out.extend(joined.split())
                i += 1  # two words read as one
            else:
                out.extend(self._split(words[i]))
            i += 1
        return out

    def _compound(self, word: str) -> str | None:
        return next((self._compact[form] for form in (word, self.normalise.word(word), word[:-1] if word.endswith("s") else "")
                     if form in self._compact), None)

    def _split(self, word: str) -> list[str]:
        normal = self.normalise.word(word)
        if normal in self.known or word in self.known:
            return [normal]
        if whole := self._compact.get(word) or self._compact.get(normal):
            return whole.split()
        for head in _COMPOUND_HEADS:
            rest = word[: -len(head)]
            if word.endswith(head) and len(rest) >= 3:
                for part in (rest, rest[:-1] if rest.endswith("s") else ""):
                    if part and (phrase := self._compact.get(self.normalise.word(part))) and " " not in phrase:
                        return [phrase, "film"]
        return [normal]
