"""From one message (and what the conversation recalls) to the tool calls a capable LLM would make."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatrec_agent.catalog import phrase_words
from chatrec_agent.catalog.titles import TitleLinker
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.lexicon import GenreLexicon
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.references import count_in, ordinal_in, pick

MAX_MESSAGE_CHARS = 2000

HELP = (
    "I recommend films from this catalog and explain why. Try: “what should I watch tonight?”, "
    "“a mind-bending sci-fi from the 90s”, “something like Fargo, no horror”, “give me 3 comedies”, "
    "then “why the second one?”, “something older”, “not those, others”. Tell me what you thought "
    "(“I loved Alien”, “rate Fargo 5”, “seen it”) and I'll learn; “what have I liked?” shows your history."
)
THANKS = "You're welcome! Tell me how it went (“I loved it”, “rate it 4”) and I'll tune the next picks."
GREETING = "Hi! Tell me what you're in the mood for, or ask “what should I watch tonight?”."
DECLINE_ADMIN = ("I can't run admin actions from a conversation. Admins use the slash command "
                 "(/chatrec reindex, status, forget, link) for that.")
DECLINE_OTHERS = "I can only use your own history, not other people's; ask me about your own taste instead."
EMPTY = "Say what you're in the mood for, e.g. “a light comedy from the 90s”."
TOO_LONG = f"That message is too long for me; please keep it under {MAX_MESSAGE_CHARS} characters."

_ADMIN = re.compile(
    r"\b(re-?index|rebuild (the )?index|(delete|drop|wipe|reset) (the )?(index|database|memory|history)|"
    r"forget (this|the) (channel|conversation)|clear (the |your )?(memory|history)|link (user|me|<@|@)|"
    r"make me (an )?admin|run (an )?admin|sudo|/chatrec)\b"
)
_OTHERS = re.compile(
    r"(<@[A-Za-z0-9]+>|\b(?!my\b|your\b|the\b|this\b|that\b|it\b)[a-z]+'s (history|ratings|favou?rites|likes|profile|watchlist)\b|"
    r"\bwhat (does|did|has) (?!it\b|that\b|this\b|everyone\b|anyone\b)[a-z]+ (like|liked|rate|rated|watch|watched|seen|love|loved)\b|"
    r"\b(another|other) user'?s?\b|\buser ?#?\d+\b|\bas user\b)"
)
_THANKS = re.compile(r"^(thanks|thank you|cheers|ta|thx)\b")
_GREETING = re.compile(r"^(hi|hello|hey|yo|hiya|howdy|good (morning|afternoon|evening)|thanks|thank you|cheers|ta|thx)\b")
_HELP = re.compile(r"^(help|\?|what can you do|how does (this|it) work|commands|usage)\W*$")
_HISTORY = re.compile(
    r"\bwhat (have|did) i (like|liked|rate|rated|watch|watched|love|loved|enjoy|enjoyed)\b|"
    r"^(did|have) i (ever )?(like|liked|rate|rated|watch|watched|see|seen|love|loved|enjoy|enjoyed)\b|"
    r"\bmy (ratings|history|favou?rites|likes|taste)\b|\bwhat do i (like|love)\b|\bwhat i('ve| have) (liked|rated)\b"
)
_REQUEST = re.compile(r"\b(something|anything|recommend|suggest|give me|show me some|films? like|movies? like)\b")
_RATE = [
    re.compile(r"\brate (?P<t>.+?) (?:a |with )?(?P<n>[0-5](?:\.5)?)\s*(?:stars?|★|/5|out of 5)?\s*[.!]*$"),
    re.compile(r"\b(?:i'?d )?give (?P<t>.+?) (?P<n>[0-5](?:\.5)?)\s*(?:stars?|★|/5|out of 5)\b"),
    re.compile(r"^(?P<t>.+?) (?:is|was|gets|deserves) (?:a )?(?P<n>[0-5](?:\.5)?)\s*(?:stars?|★|/5|out of 5)\b"),
]
_LIKED = re.compile(
    r"(?:\bi (?:really |absolutely |totally )?(?:loved|liked|enjoyed|adored|love|like)|^(?:really )?(?:loved|liked|enjoyed|adored)) (?P<t>.+)")
_LIKED_REF = re.compile(r"^(?P<t>.+?) (?:was|is) (?:great|amazing|awesome|excellent|brilliant|good|fantastic)\b")
_DISLIKED = re.compile(
    r"(?:\bi (?:really )?(?:hated|disliked|didn'?t like|did not like|couldn'?t stand|hate|dislike|don'?t like)|"
    r"^(?:really )?(?:hated|disliked|didn'?t like|couldn'?t stand)) (?P<t>.+)")
_DISLIKED_REF = re.compile(r"^(?P<t>.+?) (?:was|is) (?:awful|terrible|bad|boring|rubbish|dull)\b")
_SEEN = re.compile(
    r"\b(?:i'?ve seen|i have seen|already seen|seen|already watched|i'?ve watched|watched|saw)(?: it| that| this)?(?: (?P<t>.+))?$")
_WHY = re.compile(r"\bwhy\b")
# "would I like Heat?": a question about fit, answered like a "why" (never recorded as feedback).
_WOULD_I = re.compile(r"^(?:would|will|do you think|should|might) i (?:like|love|enjoy|dig) (?P<t>.+?)\??$")
_QUESTION = re.compile(r"^(?:would|will|do|does|did|should|could|can|might|is|are|was)\b")
_MORE_LIKE = re.compile(r"\b(?:more like|similar to|more of|others like|anything like) (?P<t>.+)")
_LIKE = re.compile(r"\blike (?P<t>[^,.;!?]+?)(?=(?:,| but| from| with| without| no | not | in the| before| after| only|[.;!?]|$))")
_OLDER = re.compile(r"\b(older|earlier|less recent|more classic)\b")
_NEWER = re.compile(r"\b(newer|more recent|later|fresher|more modern)\b")
_OTHERS_AGAIN = re.compile(
    r"\b(not (those|these|them|that)|others|other ones|something else|different ones?|anything else|more options|"
    r"show me more|more please|give me more|next|none of (those|these|them)|what else|^more)\b")
_ONLY = re.compile(r"^(?:only|just|but only|now only|and only)\b")
_SEARCH = re.compile(r"^(?:do you have|have you got|is there|find|search(?: for)?|look up|tell me about|what is|what's) (?P<q>.+?)\??$")
_IN_CATALOG = re.compile(
    r"^(?:is|are) (?P<q>.+?) (?:in (?:the|your) (?:catalog(?:ue)?|list|library|collection)|available|on here|there)\??$")
_REFINE_OPENER = re.compile(r"^(?:no|nope|hmm|ok|okay|well|and|but|then|now|what about|how about|maybe)\b")
_FILLER = re.compile(
    r"\b(what should i watch( tonight| today| next)?|recommend( me)?|suggest( me)?|give me|show me|i want|i'd like|"
    r"i would like|looking for|in the mood for|something|anything|some|a film|a movie|films|movies|film|movie|"
    r"please|tonight|today|for me|can you|could you|any|ideas?|good|great|\d+|one|ones|me)\b")
_ASKING = re.compile(
    r"^(?:(?:hey|hi|ok|okay|so|please|can you|could you|would you)[, ]+)*"
    r"(?:i want|i'd like|i would like|i'm looking for|i am looking for|looking for|i'm in the mood for|in the mood for|"
    r"give me|show me|find me|recommend(?: me)?|suggest(?: me)?|what about|how about|is there|are there|any)\s+(?:(?:a|an|some|good|great)\s+)?")
_ERA_WORDS = re.compile(
    r"\b(\d0s|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties|noughties|recent|latest|new|"
    r"newest|modern|classic|old|older|vintage|before|after|since|between|era|decade|year|years)\b")
_PRONOUN = re.compile(r"^(it|that|this|that one|this one|them|those)$")


def _without_interjection(t: str) -> str:
    """"no, a comedy" is a correction, not "no comedy"."""
    return re.sub(r"^(?:no|nope|nah|hmm|ok|okay)\s*[,.!]\s*", "", t)


@dataclass
class Plan:
    tool_calls: list[dict] = field(default_factory=list)  # {"name": ..., "args": {...}}
    answer: str | None = None


class IntentParser:
    def __init__(self, lexicon: GenreLexicon, titles: TitleLinker, latest_year: int, tags: set[str] = frozenset()):
        self.lexicon = lexicon
        self.titles = titles
        self.latest_year = latest_year
        self.tags = tags  # the catalog's tags, as words: a wish naming one is worth passing on

    def plan(self, text: str, memory: Recall) -> Plan:
        raw = text.strip()
        if not raw:
            return Plan(answer=EMPTY)
        if len(raw) > MAX_MESSAGE_CHARS:
            return Plan(answer=TOO_LONG)
        t = " ".join(raw.lower().split())
        if _ADMIN.search(t):
            return Plan(answer=DECLINE_ADMIN)
        if _OTHERS.search(raw.lower()):
            return Plan(answer=DECLINE_OTHERS)
        if _HELP.match(t):
            return Plan(answer=HELP)
        if _GREETING.match(t) and len(t.split()) <= 4:
            return Plan(answer=THANKS if _THANKS.match(t) else GREETING)
        if _HISTORY.search(t) and not _REQUEST.search(t):
            return self._call("user_history")
        for planner in (self._feedback, self._why, self._more_like, self._follow_up, self._search):
            plan = planner(t, memory)
            if plan is not None:
                return plan
        return self._recommend(t, memory)

    # --- pieces ------------------------------------------------------------------------

    @staticmethod
    def _call(name: str, **args) -> Plan:
        return Plan(tool_calls=[{"name": name, "args": args}])

    def _target(self, phrase: str | None, memory: Recall) -> str | None:
        """An item named by position ("the third one"), pronoun ("it") or title; None if unclear."""
        phrase = (phrase or "").strip(" .!?")
        position = ordinal_in(phrase) if phrase else None
        if position is not None:
            card = pick(memory.last_shown, position)
            return None if card is None else card["id"]
        if not phrase or _PRONOUN.match(phrase):
            if memory.last_item:
                return memory.last_item["id"]
            if len(memory.last_shown) >= 1 and phrase:
                return memory.last_shown[0]["id"]
            return None
        return phrase  # a title: the tool resolves it, typos included, or offers close matches

    def _feedback(self, t: str, memory: Recall) -> Plan | None:
        if _WHY.search(t) or _QUESTION.match(t):
            return None  # "why would I like it?", "did I like Fargo?" are questions, not feedback
        for pattern in _RATE:
            if m := pattern.search(t):
                target = self._target(m.group("t"), memory)
                if target:
                    return self._call("record_feedback", item=target, kind="rated", rating=float(m.group("n")))
        for pattern, kind in ((_DISLIKED, "disliked"), (_DISLIKED_REF, "disliked"), (_LIKED, "liked"), (_LIKED_REF, "liked")):
            m = pattern.search(t)
            if not m:
                continue
            phrase = m.group("t")
            if kind == "liked" and re.match(r"(something|anything|a |an |some |films?|movies?|to )", phrase):
                return None  # "I'd like something funny" is a request, not feedback
            target = self._target(phrase, memory)
            if target:
                return self._call("record_feedback", item=target, kind=kind)
        if m := _SEEN.search(t):
            if re.search(r"\bhaven'?t\b|\bnot seen\b|\bnever (seen|watched)\b", t):
                return None
            target = self._target(m.group("t") or "it", memory)
            if target:
                return self._call("record_feedback", item=target, kind="seen")
            return Plan(answer="Which one have you seen? Say e.g. “seen the second one”.")
        return None

    def _why(self, t: str, memory: Recall) -> Plan | None:
        if m := _WOULD_I.match(t):
            target = self._target(m.group("t"), memory)
            return self._call("explain", item=target) if target else None
        if not _WHY.search(t):
            return None
        rest = re.sub(r".*\bwhy\b( (did|do|would|should) you (recommend|suggest|pick|choose))?( (is|was))?"
                      r"( (would|will|do|should|might) i (like|love|enjoy|watch|see))?", "", t).strip(" ?.!")
        target = self._target(rest or "it", memory) if (rest or memory.last_shown) else None
        if not target:
            return Plan(answer="Why which one? Ask for recommendations first, then “why the second one?”.")
        return self._call("explain", item=target)

    def _more_like(self, t: str, memory: Recall) -> Plan | None:
        m = _MORE_LIKE.search(t)
        if not m:
            return None
        phrase = m.group("t").strip(" ?.!")
        if ordinal_in(phrase) is not None or _PRONOUN.match(phrase):
            target = self._target(phrase, memory)
            if target:
                return self._call("similar_items", items=[target], k=count_in(t))
        return None  # titles: a personal recommend with like=[...] (below)

    def _follow_up(self, t: str, memory: Recall) -> Plan | None:
        previous = memory.last_recommend
        if previous is None:
            return None
        if (m := _LIKE.search(t)) and self.titles.find_in_text(m.group("t")):
            return None  # "something like Alien, no horror" starts a new request, anchored on a title
        args = {k: v for k, v in previous.items() if v not in (None, [], "")}
        years = [c["year"] for c in memory.last_shown if c.get("year")]
        changed = False
        if _OLDER.search(t) and years:
            args.pop("year_from", None)
            args["year_to"] = min(years) - 1
            changed = True
        elif _NEWER.search(t) and years:
            args.pop("year_to", None)
            args["year_from"] = max(years) + 1
            changed = True
        genres, excluded = self.lexicon.parse(_without_interjection(t))
        year_from, year_to = parse_era(t, self.latest_year)
        era = year_from is not None or year_to is not None
        refining = bool(_ONLY.search(t) or _REFINE_OPENER.search(t)) or (not genres and len(t.split()) <= 6)
        if era and refining and not changed:
            # "no, something from the 2010s" / "only comedies from the 80s": the same list, another era.
            args.pop("year_from", None)
            args.pop("year_to", None)
            args.update({k: v for k, v in (("year_from", year_from), ("year_to", year_to)) if v is not None})
            changed = True
        if _ONLY.search(t) and genres:
            # "only comedies" narrows the current list: its genres and the new ones.
            args["genres"] = list(dict.fromkeys(list(args.get("genres", [])) + genres))
            changed = True
        elif era and changed and genres and _REFINE_OPENER.search(t):
            args["genres"] = genres  # "no, a comedy from the 80s": the genre is replaced too,
            args.pop("wish", None)  # and the old wish went with the old genre
        elif excluded and len(t.split()) <= 5:
            args["exclude_genres"] = sorted(set(args.get("exclude_genres", [])) | set(excluded))
            # "no comedies" after "a comedy": the exclusion wins over the old genre.
            kept = [g for g in args.get("genres", []) if g not in excluded]
            if kept:
                args["genres"] = kept
            else:
                args.pop("genres", None)
            changed = True
        others = bool(_OTHERS_AGAIN.search(t))
        if not (changed or others):
            return None
        if others:  # "not those": everything shown so far is out; a refinement keeps them eligible
            args["exclude"] = list(dict.fromkeys(list(args.get("exclude", [])) + memory.shown_ids))
        if re.search(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|couple|few)\b", t):
            args["k"] = count_in(t)
        return self._call("recommend", **args)

    def _search(self, t: str, memory: Recall) -> Plan | None:
        m = _SEARCH.match(t) or _IN_CATALOG.match(t)
        if not m:
            return None
        query = m.group("q").strip()
        if re.match(r"(your|a good|good|the best|popular|trending|worth)\b", query):
            return None  # "what's your favourite movie?", "is there a good thriller?": a request
        if _PRONOUN.match(query):  # "tell me about it": the item just talked about
            target = self._target(query, memory)
            return self._call("explain", item=target) if target else Plan(answer="About which one? Name a title.")
        if self.titles.resolve(query) is None and (self.lexicon.parse(query)[0] or len(query.split()) > 4):
            return None  # "is there a good sci-fi from the 90s?" is a request
        return self._call("search_catalog", query=query)

    def _recommend(self, t: str, memory: Recall) -> Plan:
        args: dict = {}
        genres, excluded = self.lexicon.parse(_without_interjection(t))
        if genres:
            args["genres"] = genres
        excluded = excluded + [g for g in self.lexicon.mood_exclusions(t, genres) if g not in excluded]
        if excluded:
            args["exclude_genres"] = excluded
        year_from, year_to = parse_era(t, self.latest_year)
        if year_from is not None:
            args["year_from"] = year_from
        if year_to is not None:
            args["year_to"] = year_to
        like: list[str] = []
        if (m := _LIKE.search(t)) and not re.match(r"(my|what i|the ones i)\b", m.group("t").strip()):
            phrase = m.group("t").strip()
            like = [i.id for i in self.titles.find_in_text(phrase)]
            if not like:
                pieces = [p.strip() for p in re.split(r",| and | & ", phrase) if p.strip()]
                like = [p for p in pieces if not self.lexicon.parse(p)[0]]
        if like:
            args["like"] = like
        wish = self._wish(t, like)
        if wish:
            args["wish"] = wish
        args["k"] = count_in(t)
        return self._call("recommend", **args)

    def _wish(self, t: str, like: list[str]) -> str | None:
        """The descriptive part of a request ("mind-bending", "light and funny"), if any."""
        text = _LIKE.sub(" ", t) if like else t
        content = _FILLER.sub(" ", text)
        content = re.sub(r"\b(a|an|the|to|watch|i|for|from|with|and|or|of|in|no|not|without|s)\b", " ", content)
        content = re.sub(r"[^a-z' -]", " ", content)
        content = _ERA_WORDS.sub(" ", content)
        words = [w for w in content.replace("-", " ").split() if len(w) > 2 and not any(self.lexicon.parse(w))]
        padded = f" {phrase_words(text)} "
        if not words and not any(f" {tag} " in padded for tag in self.tags):  # "a heist film": genre and tag
            return None
        # The wish is embedded and quoted back: drop the asking ("i want a …", "… please").
        wish = _ASKING.sub("", t.strip(" ?.!"))
        wish = re.sub(r"\s+(?:please|tonight|today|for me|thanks)$", "", wish).strip(" ,")
        return wish or t.strip(" ?.!")
