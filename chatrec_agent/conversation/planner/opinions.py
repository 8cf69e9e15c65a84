"""What a person says of each film one sentence names: "I liked Heat, Fargo but not Alien",
"not really into Saw but I did like The Craft", "Heat was great but Alien was boring".

The sentence is cut into clauses. A clause with an opinion word of its own says what it says
(negated, a liking turns to a dislike, and a negated dislike or "haven't seen" records nothing);
a clause with only a negation turns the running opinion round ("but not Alien"); a clause with
neither keeps the opinion of the one before it ("Heat, Fargo"), unless it opens with a contrast
("I didn't like Saw but Alien..."), which leaves it unsaid. The sentence's own reading (the rule
that matched it) starts the run. Titles are masked first: "Love Actually" or "Harry and the
Hendersons" say nothing and cut nothing."""

from __future__ import annotations

import re

from chatrec_agent.catalog.mentions import WATCHED
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.lexicon import EXCESS, lemma
from chatrec_agent.conversation.planner.references import NUMBERS

# "liked", "disliked", "seen"; "seed": a film asked after ("something like X"), recorded as nothing;
# None: nothing to record.
Opinion = str | None

# A title straight followed by a new subject starts a new clause: "I liked Anchorman I just
# didn't care for Anchorman 2" is two, written as one.
_CLAUSE = re.compile(r"[,;:.!?…]|\b(?:but|though|although|however|whereas|while|yet|and|or)\b|(?<=_) (?=(?:i|we|he|she|they)\b)")
_CONTRAST = re.compile(r"^\W*(?:but|though|although|however|whereas|while|yet)\b")
_WORD = re.compile(r"[a-z0-9]+(?:n't|'[a-z]+)?")
_LIKING = frozenset("like love enjoy adore favourite favorite fave faves fav favs fan into dig".split()) | cues.PRAISE
_DISLIKING = frozenset(["hate", "dislike"]) | cues.SCORN
# Only what was watched (WATCHED) is "seen", and "I did see X", "we watch X every year" (_watched);
# "one I need to watch", "I want to see it" intend to.
_HABIT = frozenset("every always usually often".split())
_ADVERBS = frozenset("just actually finally already also really recently still always usually".split())
# "into" likes only after being ("I'm into", "really into", "not into"); "look into X" likes nothing.
_BEING = frozenset("i'm im am are we're they're is was were be been really so very also more much totally just still big huge "
                   "not".split())
# "I'll pass on X", "interested in X": what they mean to watch or not, a seed or nothing, never a rating.
_INTENDING = {"pass": None, "skip": None, "interested": "seed"}
# "X sounds amazing", "looks good": an impression of a film not yet seen, a seed and no rating.
_IMPRESSION = frozenset("sounds sound looks look seems seem".split())
_NEGATORS = frozenset("no not never nor neither hardly".split())
# "the second was ok": a verdict of its own that records nothing (nor takes the one before it).
_NEUTRAL = frozenset("ok okay alright fine average so-so".split())  # "meh", "mediocre" are scorn (cues.SCORN)
# Mild praise said of it ("it was pretty good", "which I thought was fun"): a liking after "is"/"was" only;
# "a good comedy", "any good films?" rate nothing.
_MILD = frozenset("good better decent solid fun funny entertaining".split())
_BE = frozenset("is was were it's that's".split())
_BE_NOT = frozenset("isn't wasn't weren't isnt wasnt werent".split())
_NEGATED = re.compile(r"(?:n't|(?:do|does|did|is|are|was|were|could|would|should|have|has|had|ca|wo|ai)nt)$")  # "didnt" too


def _negates(word: str) -> bool:
    return word in _NEGATORS or _NEGATED.search(word) is not None
# Words after which "like" is the verb ("I really like", "we'd like", "movies that they like");
# after any other word it compares ("anything like Heat", "something great like Alien").
_SUBJECTS = frozenset("i i'd we we'd you you'd they they'd he she who really also just still totally absolutely "
                      "do did does would always both all kinda definitely actually truly mostly".split())
# Someone else's taste ("my wife adored Casablanca", "have you seen Fargo?") seeds the
# picks but is not the speaker's to record.
_OTHER_PEOPLE = frozenset("you he she they wife husband son sons daughter daughters kid kids child children friend friends "
                          "boyfriend girlfriend partner family mom mum dad mother father brother sister parents".split())
# "everyone says Moonlight is great", "I heard Heat is good": what others say, the speaker's to seed, not record.
_HEARSAY = frozenset("everyone everybody people someone somebody says say said heard hear told tells apparently "
                     "supposedly reviews critics".split())
_JOINING = frozenset("and or both".split())
# A clause that says something of its own about its film ("Heat was slow", "Alien is next on my
# list"): a liking before it is not carried onto it; "…, Fargo too tbh" only lists.
_PREDICATE = re.compile(r"\b(?:is|was|are|were|isn't|wasn't|looks|sounds|seems|seemed)\b")
_RELATIVE = re.compile(r"^\W*(?:which|who)\b|^\W*that (?:i|we)\b")
_PRONOUN = re.compile(r"\b(?:it|that|this|that one|this one)\b")
_PLURAL = re.compile(r"\b(?:both|all of them|they were|both of them|them both|each of them)\b")
_SUBJECT = re.compile(r"\b(?:i|we|you|he|she|they)\b")
_STAND = re.compile(r"\b(?:can'?t|cannot|could(?:n'?t| not)) stand\b")  # "couldn't stand it": a dislike
_CARE_FOR = re.compile(r"\bcar(?:e|ed|ing) (?:much |a lot |too much )?for\b")  # "didn't care for X": a liking, negated


# "way too good": more than enough of something good is no complaint ("way too much" is one,
# unless a liking word says otherwise first: "loved it way too much").
_PRAISED = re.compile(r"(?:good|" + "|".join(sorted(cues.PRAISE)) + r")\b")


def someone_elses(before: str) -> bool:
    """Whether the words before a verb in its clause make it someone else's ("has she seen it",
    "my kids watched it"): another person named, and not the speaker with them ("my wife and I")."""
    words = _WORD.findall(_CLAUSE.split(before)[-1])
    return any(w.split("'")[0] in _OTHER_PEOPLE - {"you"} for w in words) and not {"i", "we"} & set(words)


def says_it_missed(t: str) -> bool:
    """Whether the text says why a film missed: "too gory for me", "not really my thing"."""
    return bool(cues.MISSED.search(t) or any(not _PRAISED.match(t, m.end()) for m in EXCESS.finditer(t)))


def _of_its_age(t: str) -> bool:
    """"the first one is too old": the year on its card, seen or not (cues.FILM_AGE)."""
    return not cues.MISSED.search(t) and all(cues.FILM_AGE.match(t, m.end()) for m in EXCESS.finditer(t))


def _own(clause: str, asks: bool = False) -> tuple[bool, Opinion | bool]:
    """(whether the clause holds a negation, its own opinion: an Opinion, or False for none);
    `asks`: the clause is a question ("is Alien any good?"), so mild praise in it is no verdict."""
    negated = False
    not_own = False  # someone else's taste, or an impression: no verdict of the speaker's
    watched: Opinion | bool = False  # "I saw X, it was amazing": what they thought outranks that they saw it
    words = _WORD.findall(_CARE_FOR.sub("like", _STAND.sub("hate", clause)))
    pairs = list(zip(["", *words], words))
    # A comparison is what the clause says of its film, whatever else it praises: "something
    # great like Alien", "I love movies like Alien", "like Alien but lighter", "don't you have
    # anything like Alien?" ask after it and rate nothing; "nothing like Alien" seeds nothing.
    hedge = {n for n, (previous, word) in enumerate(pairs)
             if word == "like" and previous not in _SUBJECTS and _hedges(words[n + 1:n + 3])}  # "seen it like ten times"
    for n, (previous, word) in enumerate(pairs):
        if word == "like" and previous not in _SUBJECTS and not _negates(previous) and n not in hedge:
            return any(map(_negates, words)), None if previous == "nothing" else "seed"
    for n, (previous, word) in enumerate(pairs):
        if _negates(word):
            negated = negated or words[n + 1:n + 2] not in (["worry"], ["worries"], ["mind"], ["bother"])  # "don't worry, …"
            continue
        not_own = not_own or word.split("'")[0] in _OTHER_PEOPLE or word in _IMPRESSION or word in _HEARSAY  # "my wife's" too
        base = lemma(word)
        if (word == "into" and previous not in _BEING) or n in hedge:
            continue
        if word in _INTENDING:
            return negated, None if negated else _INTENDING[word]
        if base in _LIKING or word in _LIKING:
            return negated, None if not_own and negated else "seed" if not_own else "disliked" if negated else "liked"
        if word in ("bad", "badly") and previous in ("so", "real", "really") and not any(w in _BE for w in words[max(0, n - 3):n]):
            continue  # "it made me cry so bad", "scared me so bad": how much, no verdict
        if base in _DISLIKING or word in _DISLIKING:
            return negated, None if negated or not_own else "disliked"
        if word in _NEUTRAL and any(w in _BE for w in words[max(0, n - 3):n]):
            return negated, None
        if word in _MILD and any(w in _BE or w in _BE_NOT for w in words[max(0, n - 3):n]) and not not_own and not asks:
            return negated, "disliked" if negated else "liked"
        if (word in WATCHED or _watched(words, n)) and watched is False:
            watched = None if negated or not_own else "seen"
    if says_it_missed(clause) and not not_own and not _of_its_age(clause):
        return False, "disliked"  # "Zodiac was way too slow for me", "Heat: not really my thing"
    if not_own and watched is False:
        return negated, "seed"  # "my wife thought Heat was good": hers, not the speaker's to record
    return negated, watched


def _hedges(after: list[str]) -> bool:
    """Whether "like" before these words only hedges a quantity: "seen it like ten times", "like
    a million times", "like twice"; no film is compared."""
    first = after[0] if after else ""
    return (first.isdigit() and len(first) < 4) or first in NUMBERS or first in ("twice", "once", "every", "dozens", "hundreds") or \
        " ".join(after[:2]) in NUMBERS or (first == "a" and after[1:2] in (["million"], ["hundred"], ["thousand"], ["dozen"]))


def _watched(words: list[str], n: int) -> bool:
    """Whether "see"/"watch" at words[n] says it was watched: "I did (just) see X", "we watch X
    every year"; not "I'll watch X", "one I need to see"."""
    if words[n] not in ("see", "watch"):
        return False
    before = [w for w in words[:n] if w not in _ADVERBS]
    habit = any(w in _HABIT for w in words[n:])  # "we watch X every year"; not "I watch X tomorrow"
    return bool(before) and (before[-1] == "did" or (words[n] == "watch" and before[-1] in ("i", "we", "they") and habit))


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    for begin, end in spans:
        text = text[:begin] + "_" * (end - begin) + text[end:]
    return text


# "I liked Fargo. Not so much The Big Lebowski though.": a sentence that names a film and only
# negates, with no opinion word of its own, turns round the sentence before it.
_ELLIPTICAL = re.compile(r"^\W*(?:(?:but|and|though)\s+)?(?:not|nor|neither)\s+(?:(?:so|that|too|very)\s+much\s+|really\s+|"
                         r"quite\s+)?(?:for\s+|on\s+)?_")  # the film right after: not "Not sure about Heat"


def continues(sentence: str, spans: list[tuple[int, int]]) -> bool:
    """Whether the sentence (lower case; `spans`: its titles) goes on the one before it."""
    masked = _masked(sentence, spans)
    return bool(spans) and bool(_ELLIPTICAL.match(masked)) and _own(masked) == (True, False)


def opinions(text: str, spans: list[tuple[int, int]], start: Opinion, carry: bool = True) -> list[Opinion]:
    """The opinion the text gives of each (start, end) span, in order; `start` is the reading of
    the sentence as a whole. `carry`: a clause with no opinion of its own takes the one before
    it ("Heat, Fargo"); without, only what its own clause (or a later one that speaks of it)
    says: "great picks, I'll check out the first one" says nothing of the first."""
    text = _masked(text, spans)
    cuts = [0, *(m.start() for m in _CLAUSE.finditer(text)), len(text)]
    clauses = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    running: Opinion = start
    said: list[Opinion] = []
    for n, (a, b) in enumerate(clauses):
        running = running if carry else None
        asks = text[b:b + 1] == "?" or text[a:b].rstrip().endswith("?")
        negated, own = _own(text[a:b], asks)
        if own is not False:
            running = own
        elif negated:
            running = {"liked": "disliked", "disliked": "liked"}.get(running or "")
        elif _CONTRAST.match(text[a:b]):
            running = None
        elif n and running in ("liked", "disliked") and (asks or _PREDICATE.search(text[a:b])):
            running = None  # "I love sci fi, is Alien any good?", "…, Heat was slow": says something else of its film
        said.append(running)
    # "Toy Story, which I adore", "Heat, that we hated": a relative clause says it of the film
    # just named.
    for n in range(1, len(clauses)):
        if _RELATIVE.match(text[slice(*clauses[n])]) and said[n] in ("liked", "disliked") and said[n - 1] in (start, None):
            said[n - 1] = said[n]
    # "Heat, Fargo and Alien were all great": films named one after another before what is said
    # of them share it.
    for n in range(len(clauses) - 2, -1, -1):
        if said[n] == start and set(_WORD.findall(text[slice(*clauses[n])])) <= _JOINING and \
                set(_WORD.findall(text[slice(*clauses[n + 1])])[:1]) <= _JOINING:
            said[n] = said[n + 1]
    where = [next((n for n, (a, b) in enumerate(clauses) if a <= begin < b), None) for begin, _ in spans]
    out: list[Opinion] = []
    for k, index in enumerate(where):
        opinion = start if index is None else said[index]
        if index is not None and (opinion == "seen" or (opinion is None and not carry)):
            # "I just saw X and enjoyed it", "seen X, not really my thing": a later clause that
            # speaks of it (by a pronoun, or by no subject at all) says what they thought;
            # "I watched X and Y, both were amazing": one that speaks of them all, of each.
            until = next((w for w in where[k + 1:] if w is not None and w > index), len(clauses))
            for n, (a, b) in enumerate(clauses[index + 1:], start=index + 1):
                _, own = _own(text[a:b])
                if own not in ("liked", "disliked"):
                    continue
                if _PLURAL.search(text[a:b]) or (n < until and (_PRONOUN.search(text[a:b]) or not _SUBJECT.search(text[a:b]))):
                    opinion = own
                    break
        out.append(opinion)
    return out
