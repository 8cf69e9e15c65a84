"""A request read into the recommend tool's arguments: genres and exclusions, era, attributes,
"like X" seeds (the titles it surely names, or their close spellings), references to what
was shown, and the words left over as the wish."""

from __future__ import annotations

import re
from itertools import takewhile

from wordfreq import zipf_frequency

from chatrec_agent.catalog import phrase_words
from chatrec_agent.catalog.attributes import AttributeMention
from chatrec_agent.catalog.mentions import tokens
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.lexicon import NEGATION, against, lemma, negated_here
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.opinions import opinions, someone_elses
from chatrec_agent.conversation.planner.plans import (MENTIONS, WRITTEN, Plan, did_you_mean, did_you_mean_item, last_search,
                                                      mentioned, names_a_tag, set_era, spans_in, without_interjection, without_titles)
from chatrec_agent.conversation.planner.questions import role_field
from chatrec_agent.conversation.planner.references import ordinal_in
from chatrec_agent.conversation.tool_names import ToolName


# Where a clause ends: a stop, a comma, or before "but".
CLAUSE = re.compile(r"[,.;!?…]+\s*|\s+(?=but\b)")
WRITTEN_YEAR = re.compile(r"\((?:19|20)\d\d\)")


# A word the language uses this often, written in lower case, is no title's by itself.
EVERYDAY_ZIPF = 4.5


def _everyday(phrase: str, written: str) -> bool:
    """Whether every word of the phrase is an everyday word not written with a capital."""
    words = phrase_words(phrase).split()
    capitalised = {w.lower() for w in re.findall(r"\b[A-Z]\w*", written)}
    return bool(words) and all(zipf_frequency(w, "en") >= EVERYDAY_ZIPF and w not in capitalised for w in words)


# What a person's taste is said with ("my wife wants…", "he's into…", "I'd rather…").
_WANTS = frozenset("want like love prefer enjoy adore into fan rather".split())
_QUALIFIED = re.compile(r"^(.*\w)\s+(?:that|which|who|but|though)\s+(?:(?:are|is|do|does)\s+)?$")
# "…that we haven't seen (yet)", "…I might not have seen", "…I may have missed" closing a
# clause: what all picks are, not a film spoken of.
_UNSEEN_AFTER = re.compile(r"(?<=\w)\s+(?:that |which )?(?:i|we|they|you)?\s*(?:(?:might|may|could|probably|possibly)\s+)?"
                           r"(?:(?:have |'ve )?(?:never|not|haven'?t|hasn'?t|didn'?t)\s+(?:have\s+)?(?:(?:really|actually|even|ever|all)\s+)?"
                           r"(?:seen|watched|see|watch)|(?:have |'ve )missed)(?:\s+(?:yet|before|already))?(?=\s*[?.!,]*\s*$)")


# What a wish may open with that describes nothing: "but …", "so …"; "anything from studio ghibli",
# "something about time travel" wish for "studio ghibli", "time travel" (the embedding of the rest is sharper).
_LEAD = re.compile(r"^(?:(?:but|and|so|though|especially|particularly)\s+)?"
                   r"(?:(?:anything|something|stuff|ones?)\s+(?:from|by|with|about|involving|featuring|starring)\s+)?")


class RequestReading:
    """The request rules of IntentParser (intents.py), which mixes them in."""

    def _search(self, t: str, memory: Recall) -> Plan | None:
        if (m := cues.IDENTIFY.search(t)) and len((q := (m["q"] or m["q2"]).strip()).split()) >= 3 and not cues.NOT_A_PLOT.search(q):
            return self._call(ToolName.SEARCH_CATALOG, query=q, plot=True, k=3)
        if not (m := cues.SEARCH.match(t) or cues.IN_CATALOG.match(t)):
            return None
        query = m.group("q").strip()
        if cues.PRONOUN.match(query) or ordinal_in(query) is not None:  # "tell me about it": the item just talked about
            target = self._target(query, memory)
            return self._call(ToolName.ITEM_DETAILS, item=target, fields=[]) if target else Plan(answer="About which one? Name a title.")
        match = self.titles.resolve(query)
        if match is None and cues.LIKE.search(query):
            return None  # "have you got anything like Spirited Away?": a request like it
        if match is None and (not any(lemma(w) not in cues.ASKING_WORDS and w not in cues.KINDS for w in phrase_words(query).split())
                              or self.lexicon.parse(query)[0] or self._mentions(query) or len(query.split()) > 4):
            return None  # requests: with nothing to search ("any good recommendations?"), or for kinds ("a good sci-fi from the 90s?", "anything by Kubrick?")
        if match is None and re.match(r"^(?:what is|what's)\b", t) and _everyday(query, WRITTEN.get()) \
                and not self.linker.candidates(query):
            return None  # "what's left?", "what's new?": everyday words holding no title, asked of none
        if match is not None and re.match(r"^(?:tell me about|what is|what's)\b", t):
            return self._call(ToolName.ITEM_DETAILS, item=match.item.id, fields=[])  # "tell me about Inception"
        return self._call(ToolName.SEARCH_CATALOG, query=query)

    def _mentions(self, t: str) -> list[AttributeMention]:
        """Attribute values named in the text, minus those inside a title it names ("Hitchcock"
        the film, in "something like Hitchcock")."""
        if not self.attributes:
            return []
        mentions = self.attributes.find(t, written=WRITTEN.get())
        if mentions and (m := cues.LIKE.search(t)) and self._named(m.group("t")):
            title_words = set(phrase_words(m.group("t")).split())
            words = phrase_words(t).split()
            mentions = [x for x in mentions if not set(words[x.start:x.end]) <= title_words]
        return mentions

    def _referenced(self, t: str, memory: Recall) -> tuple[list[str], list[dict], dict]:
        """What "along those lines", "that director", "the same era" point at, from the item
        the conversation just talked about: (like ids, attribute conditions, other constraints: years, genre)."""
        # "Have you seen Oppenheimer? Something like that": the one film the message surely names
        # comes first, unless it is one they dislike; several ("I loved Heat and Fargo, any like
        # that?") are each a seed below, as the message says of them.
        named = list(dict.fromkeys(m.item.id for m in MENTIONS.get() if m.decision == "link"))
        if len(named) == 1 and opinions(t, [self._span(t, self.items[named[0]])], "seed")[0] in ("seed", "liked", "seen", None):
            item = self.items.get(named[0])
        else:
            item = self.items.get((memory.last_item or {}).get("id", ""))
        if item is None and len(memory.last_shown) == 1:
            item = self.items.get(memory.last_shown[0]["id"])
        if item is None:
            if memory.last_shown and (cues.LIKE_THOSE.search(t) or re.search(r"\blike that\b(?! one)|\b(?:anything|something) similar\b(?! to)", t)) \
                    and not NEGATION.search(t):
                # "a few more just like those", "more like that, but funnier", "got anything similar?": the whole list as
                # seeds, within the search it answered.
                carried = {k: v for k, v in last_search(memory).items() if k in cues.CARRIED}
                return [card["id"] for card in memory.last_shown], [], carried
            return [], [], {}
        # "…, more crime stuff please": more of the film liked, unless the message turns from it ("but something different").
        liked_here = item.id in memory.liked_of and cues.MORE_OF_SAME.search(t) and not cues.TURN_FROM.search(WRITTEN.get().lower())
        like = memory.seeds_for(item.id) if cues.LIKE_THAT.search(t) or liked_here else []
        if like and len(memory.spoken_of) > 1 and len(like) < 2 and cues.LIKE_THOSE.search(t):
            like = list(memory.spoken_of)  # "I've seen Zodiac and Prisoners, anything like those?": both
        conditions: list[dict] = []
        constraints: dict = {}
        # "that director" names its field; "what else did he direct?" by the role's verb.
        roles = [(m.group("what"), False) for m in cues.REF_FIELD.finditer(t)] + \
            [(m["verb"] or m["verb2"], True) for m in cues.ROLE_OF_IT.finditer(t)]
        for what, verb in roles:
            field = None if not self.attributes else role_field(what, self.attributes) if verb else self.attributes.field_named(what)
            if field and item.extra.get(field):
                values = self.attributes.resolve(field, [item.extra[field]])[0]
                conditions.append({"field": field, "values": values or [item.extra[field]], "negate": False})
            elif what in ("era", "decade", "period", "time") and item.year:
                constraints.update(year_from=item.year // 10 * 10, year_to=item.year // 10 * 10 + 9)
            elif what == "year" and item.year:
                constraints.update(year_from=item.year, year_to=item.year)
            elif what in ("genre", "genres", "kind", "type", "sort") and item.genres:
                constraints.setdefault("genres", list(item.genres[:1]))
        return like, conditions, constraints

    def _maker_of(self, t: str) -> tuple[dict, str, tuple[int, int]] | None:
        """"anything by the guy who made Jaws?", "whoever directed alien", "Heat's director": the
        role's value in the film named, as a condition, the film, and where the words say so;
        the film itself is no seed and no pick.
        The cue is sure a title is there, so any span that spells one counts (a filter writes nothing)."""
        if not self.attributes:
            return None
        found = [("made" if m["noun"] in cues.MAKERS else m["noun"] or m["verb"], c, (m.start(), m.end() + c.end))
                 for m in cues.MAKER_OF.finditer(t)
                 for c in self.linker.candidates(t[m.end():]) if c.start == 0]
        for own in re.finditer(r"'s? ([a-z]+)\b", t):  # "Heat's director"; "it's", "that's" name no role: no title lookup
            if role_field(own[1], self.attributes):
                found += [(own[1], c, (c.start, own.end())) for c in self.linker.candidates(t[:own.start()]) if c.end == own.start()]
        for role, mention, span in sorted(found, key=lambda f: f[1].start - f[1].end):  # the longest title first
            field = None if cues.PRONOUN.match(mention.text.lower()) else role_field(role, self.attributes)
            if field and (value := mention.item.extra.get(field)):
                values = self.attributes.resolve(field, [value])[0]
                # "nothing by the guy who made Jaws", "not by whoever directed Alien": ruled out.
                return {"field": field, "values": values or [value], "negate": negated_here(t[:span[0]])}, mention.item.id, span
        return None

    def _either(self, t: str, genres: list[str]) -> list[str] | None:
        """The genres of "a western or a war film", "horror or thriller", where each side of
        "or" names one of them, and of "my wife wants a romcom, I want action", where people's
        wants name their own; None otherwise ("a romantic comedy or a thriller" stays all)."""
        if len(genres) < 2:
            return None
        sides = re.split(r"\s+or\s+", t)
        named = [self.lexicon.parse(side)[0] for side in sides]
        if len(sides) > 1 and all(len(n) == 1 for n in named) and sorted(n[0] for n in named) == sorted(genres):
            return [n[0] for n in named]
        clauses = [c for c in re.split(r"[,;.!?]+|\s+but\s+|\s+(?:and|while|whereas)\s+(?=(?:i|we|my|he|she|they)\b)", t)
                   if self.lexicon.parse(c)[0]]
        kinds = [g for g in genres if g not in self.lexicon.audiences]  # "my kids love …": for kids, whatever the kind
        # Another person's taste beside the speaker's: not "they say horror is scary", "a film for my dad".
        theirs = [someone_elses(c) and bool(_WANTS & {lemma(w) for w in c.split()}) for c in clauses]
        return kinds if len(kinds) > 1 and any(theirs) and not all(theirs) else None

    def _recommend(self, t: str, memory: Recall) -> Plan:
        args: dict = {}
        bare = without_titles(t)  # a title's words are no genre, era or count
        mentions = self._mentions(t)
        like_ref, ref_conditions, ref_constraints = self._referenced(t, memory)
        if attributes := [m.condition.as_dict() for m in mentions] + ref_conditions:
            args["attributes"] = attributes
        made, asked = None, t
        if maker := self._maker_of(t):
            condition, made, (start, end) = maker
            args["attributes"] = [*[a for a in args.get("attributes", []) if a != condition], condition]
            args["exclude"] = [made]
            asked = t[:start] + t[end:]  # the words naming the role describe nothing wanted
        genres, excluded = self.lexicon.parse(without_interjection(bare), last_search(memory).get("genres", ()))
        if either := self._either(without_interjection(bare), genres):
            args["any_genres"] = either  # "a western or a war film": one of them, not both
            if audience := [g for g in genres if g not in either]:
                args["genres"] = audience
        elif genres:
            args["genres"] = genres
        excluded = excluded + [g for g in self.lexicon.mood_exclusions(bare, genres) if g not in excluded]
        if avoided := self.lexicon.negated(bare, self.avoidable):  # "I don't like violence": no film tagged so
            args["attributes"] = [*args.get("attributes", []), {"field": "tags", "values": avoided, "negate": True}]
        if excluded:
            args["exclude_genres"] = excluded
        set_era(args, *parse_era(bare, self.latest_year))  # none set yet
        for key, value in ref_constraints.items():
            args.setdefault(key, value)
        like: list[str] = list(like_ref)
        m = cues.LIKE.search(t)
        if not like and m and not re.match(r"(my|what i|the ones i|that|this|it|those|them)\b", m.group("t").strip()):
            found = self._compared(self._through_titles(t, m.start("t"), m.end("t")))
            if isinstance(found, Plan):
                return found
            # "nothing like Fifty Shades": a comparison its clause negates seeds nothing.
            known = [i for i in found if i in self.items]  # the rest: titles the catalog may lack
            said = dict(zip(known, opinions(t, [self._span(t, self.items[i]) for i in known], "seed")))
            like = [i for i in found if said.get(i, "seed") in ("seed", "liked", "seen")]
        if not like:  # the films the message names, but those it says they dislike or haven't seen
            named = [i for i in self._named(t) if i.id != made]
            said = opinions(t, [self._span(t, i) for i in named], "seed")
            like = [i.id for i, opinion in zip(named, said)
                    if opinion in ("seed", "liked", "seen") or (opinion is None and cues.LIKE_THAT.search(t))]
        seeds = [self.items[i] for i in like if i in self.items]
        if seeds and all(s.year for s in seeds) and "year_from" not in args and "year_to" not in args:
            # "similar to The Matrix but older", "newer than Heat": than the seeds themselves;
            # "older comedies such as Mrs. Doubtfire" says how old the comedies are, not the seeds.
            relative = cues.AGE_OF_KIND.sub(" ", t)
            if cues.OLDER.search(relative):
                args["year_to"] = min(s.year for s in seeds) - 1
            elif cues.NEWER.search(relative):
                args["year_from"] = max(s.year for s in seeds) + 1
        if like:
            args["like"] = like
        elif cues.LIKE_THAT.search(t) and not like_ref:
            # "my daughter loves frozen, anything similar?": like the film named unsurely, if it is that one.
            unsure = mentioned(t, "ask")
            return did_you_mean(unsure) if unsure else Plan(answer="Like which one? Name a title, e.g. “something like Fargo”.")
        described = without_titles(self._describing(cues.ROLE_OF_IT.sub(" ", asked)))  # "did he direct" describes nothing
        # Attribute values in the describing clauses: only where the message names any (a catalog-wide lookup per call).
        if wish := self._wish(self._without_mentions(described, self._mentions(described) if mentions else []), like):
            args["wish"] = wish
        if not like and not (set(args) - {"wish"}) and (unsure := mentioned(t, "ask")):
            return did_you_mean(unsure)  # "something like heat": the film, or the word?
        args["k"] = self._count(bare)
        return self._call(ToolName.RECOMMEND, **args)

    @staticmethod
    def _through_titles(t: str, start: int, end: int) -> str:
        """t[start:end], run on to the end of a title that begins inside it ("like Monsters, Inc."
        is cut at its comma by the rule, not by the title) and of sure titles listed after it."""
        links = sorted(span for _, span in spans_in(t, ("link",)))
        for a, b in links:
            if start <= a < end < b:
                end = b
        for a, b in links:  # "like Heat, Fargo and Alien": titles listed on are compared too
            if a >= end and re.fullmatch(r"\s*(?:,|,?\s*(?:and|or|&))\s*", t[end:a]):
                end = b
        return t[start:end].strip()

    def _compared(self, phrase: str) -> list[str] | Plan:
        """What "like …" names: the titles it surely names; else, when its pieces are one
        title each spelt with a typo ("blade runer"), that title (asked about when not close);
        pieces that may be titles the catalog lacks go to the tool, which offers close matches."""
        like = [m.item.id for m in mentioned(phrase, "link")]  # "The Fast and the Furious" is one title
        rest = phrase
        for m in MENTIONS.get():
            if m.item.id in like:  # the title and the year written after it
                rest = re.sub(rf"(?<!\w){re.escape(m.text.lower())}(?!\w)(?:\W*\(?\d{{4}}\)?)?", " ,@ ", rest)
        pieces = [p.strip() for p in re.split(r",| and | & | or | with | plus ", rest) if re.search(r"\w", p)]
        for piece in pieces:
            qualifies = piece.startswith("@")  # "like Home Alone for the holidays": words said of the title
            piece = piece.lstrip("@ ")
            named = mentioned(piece, "link")
            if qualifies and not named:
                continue
            covered = sum(len(tokens(m.text)) for m in named)
            attempt = len(tokens(piece)) > covered and self._title_attempt(piece)
            close = self.linker.closest(piece) if attempt else None
            if close is not None and len(tokens(close[0].title)) > covered:
                item, score = close
                if score < 90:
                    return did_you_mean_item(item, piece)
                like.append(item.id)
            elif named:
                like += [m.item.id for m in named]
            elif unsure := mentioned(piece, "ask"):
                # A comparison is sure a title follows, and a seed writes nothing: the list goes
                # ahead on the likeliest film, and its explanations say which one ("Like Heat").
                like += [m.item.id for m in unsure]
            elif attempt:
                like.append(piece)
        return list(dict.fromkeys(like))

    def _title_attempt(self, phrase: str) -> bool:
        """Whether a phrase after "like" that names no catalog title may be one it lacks or one
        misspelt ("Hot Fuzz", "Blade Runer"), worth looking up: not a genre or attribute, and
        not only everyday words ("the one you said", "something fun")."""
        if self.lexicon.parse(phrase)[0] or self._mentions(phrase) or any(parse_era(phrase, self.latest_year)):
            return False  # "like from the 90s": an era, no title
        if re.match(r"(?:not|never) \w+ing\b", phrase):
            return False  # "I like not knowing who the killer is": a doing, no title
        words = [w for w, _, _ in tokens(phrase)]
        if any(w in cues.KINDS for w in words) or all(w in cues.NOT_FILMS or w in ("the", "a", "an", "that", "this") for w in words):
            return False  # "the Spy movies", "a superhero movie": a kind of film, no title; "the trailer": no film
        # A word the catalog has as a tag or genre ("scary") is a wish, however rare it is.
        return any(zipf_frequency(w, "en") < EVERYDAY_ZIPF and w not in self.tags and w not in self.linker.vocabulary for w in words)

    @staticmethod
    def _without_mentions(t: str, mentions: list[AttributeMention]) -> str:
        """The text less the attribute values it names and their cue words ("directed by",
        "…'s film"): they are filters, not a wish."""
        if not mentions:
            return t
        words = phrase_words(t).split()
        drop = {n for m in mentions for n in range(m.start, m.end)}
        for m in mentions:
            drop.update(takewhile(lambda n: words[n] in cues.CUE_BEFORE_WORDS, range(m.start - 1, -1, -1)))
            drop.update(takewhile(lambda n: words[n] in cues.CUE_AFTER_WORDS, range(m.end, len(words))))
        return " ".join(w for n, w in enumerate(words) if n not in drop)

    @staticmethod
    def _describing(t: str) -> str:
        """The clauses of `t` that may say what is wanted: not those that speak of a film it names
        ("I'm going to pass on Ride Along", "Moana is cute", "Aladin (2009) is a great idea") or of
        one just talked about ("we have seen it a ton of times"), unless they compare ("a funny
        one like 21 Jump Street"). A clause ends at a stop or a comma, never inside a title."""
        titles = [span for _, span in spans_in(t, ("link", "ask"))]
        cuts = [0, *(c.end() for c in CLAUSE.finditer(t) if not any(a <= c.start() < b for a, b in titles)), len(t)]
        kept = []
        for start, end in zip(cuts, cuts[1:]):
            clause = t[start:end]
            names = any(start <= a < end for a, _ in titles) or WRITTEN_YEAR.search(clause)
            clause = _UNSEEN_AFTER.sub(" ", clause)  # "a pixar movie we haven't seen": the rest describes it
            speaks_of = cues.SEEN.search(clause) and not cues.SEEN_ANY.search(clause)
            if (names or speaks_of) and not cues.LIKE.search(clause):
                continue
            kept.append(clause)
        return " ".join("".join(kept).split())

    def _wish(self, t: str, like: list[str]) -> str | None:
        """The descriptive part of a request ("mind-bending", "light and funny"), if any: its
        clauses that describe. A negated clause is no wish ("I don't really like scary movies"
        asks for nothing scary), nor one made of asking words ("hello", "any ideas?")."""
        clauses = [c for c in CLAUSE.split(t) if c.strip()]
        # "superhero movies that aren't Marvel", "a heist film but not too violent": the words
        # before a negation that only qualifies them still describe ("I dislike …" is no such).
        heads = [c if not unwanted else head.group(1) if unwanted == "own" and (m := NEGATION.search(c)) and
                 (head := _QUALIFIED.search(c[:m.start()])) else "" for c, unwanted in zip(clauses, against(clauses))]
        kept = [c for c in heads if c.strip() and self._describes(c, like)]
        # The wish is embedded and quoted back: drop the asking ("i want a …", "… please").
        wish = " ".join(_LEAD.sub("", cues.ASKING.sub("", c.strip(" ?.!"))) for c in kept)
        wish = re.sub(r"\s+(?:please|tonight|today|for me|thanks)$", "", wish).strip(" ,")
        return wish or (" ".join(kept).strip(" ?.!") or None)

    def _describes(self, clause: str, like: list[str]) -> bool:
        """Whether a clause has words that describe films: beyond asking words, genres, eras
        and comparison cues, or a tag the catalog has ("a heist film": genre and tag)."""
        if cues.GRATITUDE.search(clause) and cues.only_thanks(cues.GRATITUDE.sub(" ", clause)):
            return False  # "thank you so much, any comedies?": thanks describe no film
        text = cues.LIKE.sub(" ", clause) if like else clause
        text = cues.LIKE_THAT.sub(" ", text)
        # What is left of a comparison once its titles are gone ("something like …"), and taste
        # verbs ("i like comedies": the genre is the request).
        text = re.sub(cues.LIKE_CUE + r"(?=\s*(?:[,.;:!?…]|$))", " ", text)
        # Whoever's taste it is: "my wife wants a romcom", "he prefers westerns".
        text = re.sub(r"\bwhat else\b|\b(?:would|will|might) i (?:like|love|enjoy)\b|\b(?:i|we|he|she|they|(?:my|our|his|her) [a-z']+)"
                      r"(?:'m| am| are| is)? (?:really |absolutely |also |just )?(?:likes?|loves?|liked|loved|enjoys?|enjoyed|adores?|"
                      r"wants?|prefers?|a (?:big |huge )?fan of|hates?|hated|dislikes?|can'? ?t stand|cannot stand)\b", " ", text)
        content = cues.FILLER.sub(" ", text)
        content = re.sub(r"\b(a|an|the|to|watch|i|for|from|with|and|or|of|in|no|not|without|s|like|stuff|things?)\b", " ", content)
        content = re.sub(r"[^a-z' -]", " ", content)
        content = cues.ERA_WORDS.sub(" ", content)
        # "i've" less its "i" leaves "'ve": a contraction's rest is no word of its own.
        # A catalog's hyphened genre name is read whole ("sci-fi"), any other word by its parts ("mind-bending", "tear-jerker").
        words = [part for w in content.split() for part in ([w] if "-" in w and self.lexicon.present(w) else w.split("-"))]
        words = [w for w in words
                 if len(w) > 2 and not w.startswith("'") and w not in cues.ASKING_WORDS and lemma(w) not in cues.ASKING_WORDS
                 and (not any(self.lexicon.parse(w)) or self.lexicon.narrows(w))  # "biopics": Drama, and a wish
                 and not (self.attributes and self.attributes.field_named(w))]  # "…did he direct"
        return bool(words) or (text == clause and names_a_tag(text, self.tags))
