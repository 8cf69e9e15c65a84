"""What a message says of films: a rating, a liking, a dislike or "seen", each film by its
own clause (opinions.py), recorded only from a sure link; and when what was said uses up the
list just shown, the search goes on past it."""

from __future__ import annotations

import re
from dataclasses import replace

from wordfreq import zipf_frequency

from chatrec_agent.catalog import Item
from chatrec_agent.catalog.mentions import TYPO_ZIPF, Mention, title_end
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.lexicon import UNTRIED, negated_here, taste_scope
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.opinions import opinions, says_it_missed, someone_elses
from chatrec_agent.conversation.planner.plans import (MENTIONS, WRITTEN, Plan, also_meant, did_you_mean, folded, last_search, mentioned,
                                                      past_shown, spans_in, without_titles)
from chatrec_agent.conversation.planner.replies import ACKNOWLEDGE, OTHERS_SEEN
from chatrec_agent.conversation.planner.references import NUMBERS, ORDINALS, number, ordinal_in, pick, picks_named
from chatrec_agent.conversation.tool_names import ToolName

# "loved watching heat": what was watched follows.
_WATCHING = re.compile(r"^\s*(?:watching|seeing|rewatching|re-watching)\s+")
# "anything similar from the 2000s?", "more of that kind of thing": a request that needs the film.
_SAME_KIND = re.compile(r"\b(?:similar|(?:that|this|the same) (?:kind|sort|type))\b")
# "seen all the Marvel movies", "seen most of the dramas": a kind of film, no one film to record.
_KIND_SEEN = re.compile(r"\b(?:all|every|most|many|any|each) (?:of )?(?:the |those |these )?(?:[\w'-]+ ){0,4}"
                        r"(?:movies|films|series|franchise|trilogy|sequels)\b")



class FeedbackReading:
    """The feedback rules of IntentParser (intents.py), which mixes them in; they use its
    readers (`_recommend`, `_named`, `_call`, the lexicon)."""

    def _go_on_past_what_they_know(self, plan: Plan, memory: Recall, t: str) -> None:
        """"One adventure film" … "seen it": when every pick of the last list is one they have
        seen or disliked, the list is used up, and the search goes on past it, as a person who
        recommends would offer the next one. (While picks are left, feedback is only recorded.)
        So it does after a dislike of films that were not picks ("I didn't care for The
        Campaign"), and after a pick seen or disliked for a reason that says it missed ("seen
        it, too dry for me", "more of a teen movie than I'm after"): the search goes on."""
        shown = {card["id"] for card in memory.last_shown}
        if plan.then or not plan.tool_calls or memory.last_recommend is None or memory.list_tool != ToolName.RECOMMEND or \
                not all(c["name"] == ToolName.RECORD_FEEDBACK for c in plan.tool_calls):
            return
        said = {c["args"]["item"]: c["args"].get("kind") for c in plan.tool_calls}
        used_up = all(kind in ("seen", "disliked") and item in shown for item, kind in said.items()) and shown <= said.keys()
        missed = all(kind in ("seen", "disliked") and item in shown | {(memory.last_item or {}).get("id")} for item, kind in said.items()) \
            and says_it_missed(t)
        if used_up or missed or all(kind == "disliked" and item not in shown for item, kind in said.items()):
            search = last_search(memory)
            if missed and search.get("like"):  # a seed that missed seeds no more
                search["like"] = [i for i in search["like"] if i not in said] or None
            plan.then = [self._call(ToolName.RECOMMEND, **past_shown({k: v for k, v in search.items() if v}, memory))]

    def _unsure(self, unsure: list, phrase: str, t: str, memory: Recall) -> Plan:
        """What is said (in `phrase`, of sentence `t`) of a film named too unsurely to write:
        asked about first ("Do you mean …?"), unless the message asks for something of its own
        ("we watched heat last night, any good comedies?"): that is answered, and the film asked
        about after it if it is what the verdict was said of ("…, ones where you don't know who
        the killer is" says nothing of *The Killer*)."""
        said_of = [m for m in unsure if folded(_WATCHING.sub("", phrase)).startswith(folded(m.text))]
        compares = cues.LIKE_THAT.search(t) or cues.MORE_LIKE.search(t) or _SAME_KIND.search(t)
        asks = cues.asks_something(t) or re.search(r"\b(?:please|more)\b", t)
        if asks and not compares:  # "moonlight was beautiful, more dramas please"; not "…again today, so cute"
            plan = self._recommend(t, memory)
            args = plan.tool_calls[0]["args"] if plan.tool_calls else {}
            if set(args) & {"genres", "year_from", "year_to", "attributes"} and not args.get("like"):
                return replace(plan, confirm=also_meant(said_of[0].item, said_of[0].text) if said_of else None)
        asked = did_you_mean(unsure)
        asked.confirm["said_of"] = bool(said_of)  # another sentence's request may go first: asked after it only if so
        return asked

    def _target(self, phrase: str, memory: Recall, write: bool = False) -> str | None:
        """An item named by position ("the third one"), pronoun ("it") or title; None if unclear.
        `write`: for feedback, where only a sure title counts; a question may take the likeliest
        film, since the answer names it."""
        phrase = phrase.strip(" .!?")
        if (position := ordinal_in(phrase)) is not None:
            return (pick(memory.last_shown, position) or {}).get("id")
        if not phrase or cues.PRONOUN.match(phrase):
            # "Jaws is a classic, anything like it?": a film the message names comes first (for a
            # write, only a sure one); after sentences that spoke of films, the one in hand is the
            # last they did not dislike ("I loved Heat but hated Fargo. More like that?": Heat).
            named = [m.item.id for m in MENTIONS.get()
                     if m.decision == "link" or (m.decision == "ask" and not write and not m.evidence.get("year_clash"))]
            # Not for a write where the film nearest before is unsure ("…And Heat? It's boring"), or
            # one they have not seen ("I haven't seen Heat. I think it's good": what they heard).
            if write and (UNTRIED.search(WRITTEN.get().lower()) or
                          max(MENTIONS.get(), key=lambda m: m.start, default=None) not in (None, *[m for m in MENTIONS.get() if m.decision == "link"])):
                named = []
            if phrase and named and not (memory.spoken_of and memory.last_item):
                return named[-1]
            if memory.last_item:
                return memory.last_item["id"]
            # "seen it" after a list of five: a question may take the first, a write never guesses.
            if (len(memory.last_shown) == 1 or (memory.last_shown and not write)) and phrase:
                return memory.last_shown[0]["id"]
            return None
        if named := (self._named(phrase) or ([] if write else [m.item for m in mentioned(phrase, "ask")])):
            return named[0].id  # "toy story a lot": the title inside the phrase
        if cues.POINTING.match(phrase):
            return self._target("it", memory, write)  # "it a lot", "that one too", "it's great"
        if mentioned(phrase, "ask"):
            return None  # unsure: the caller asks
        # Maybe a title the linker could not weigh, or one with a typo: the tool takes an exact
        # title only, and offers close matches for anything else.
        # "Yea any year is great": an interjection opens the sentence, not the title.
        attempt = re.sub(r"^(?:yes|yeah|yea|yep|yup|ok|okay|oh|wow|well|hmm+|sure)\b[\s,.!]*", "", phrase)
        attempt = attempt[:title_end(attempt)]  # "zorblax returns last night": the title is the phrase's start
        return attempt if attempt and len(attempt.split()) <= 8 and self._title_attempt(attempt) else None

    def _misspelt(self, target: str, t: str, memory: Recall) -> Plan | None:
        """"intersteller was amazing": words taken as a title the catalog lacks that spell one of
        its titles but for a typo are asked about as an unsure film is ("Do you mean
        *Interstellar*?", after the answer where the message asks for something of its own); not
        written as typed, to be refused. The title may end before the words do ("the godfathr
        yesterday"), but a shorter span must keep a word the language does not know: "I loved
        Lara Croft" is no *Laura*, "the heater in this cinema" no *Heat*."""
        if target in self.items:
            return None
        words = target.split()
        typos = [n for n, w in enumerate(words) if zipf_frequency(w.strip("\"'*_“”‘’!?.,"), "en") < TYPO_ZIPF]
        for n in range(len(words), typos[-1] if typos else len(words) - 1, -1):
            span = " ".join(words[:n])
            if close := self.linker.closest(span):
                start = t.find(span)
                return self._unsure([Mention(start, start + len(span), span, (close[0],), close[1] / 100, "ask")], target, t, memory)
        return None

    def _feedback(self, t: str, memory: Recall) -> Plan | None:
        if cues.WHY.search(t) or cues.QUESTION.match(t) or cues.WH_QUESTION.match(t) or cues.HYPOTHETICAL.search(t):
            return None  # "why would I like it?", "what else would I like?" are questions, not feedback
        for pattern, framed in cues.RATE if not t.endswith("?") else ():  # "Heat got 5 stars, is it good?" asks
            if m := pattern.search(t):
                unsure = mentioned(m.group("t"), "ask")
                # "rate Fargo 5", "rate Heat 4": the slot holds only a title (however everyday its
                # words), so the title is meant; "rate it 4" names none (*It* is no "it").
                slot = m.group("t").strip()
                # what the slot names, read up to its end ("rate the first two 4"), after what was said before it
                if self._several(named := [p for p in self._picks(t[:m.end("t")], memory) if p[0] >= m.start("t")], t):
                    return self._said_of_picks(t, named, "rated", memory, rating=_stars(m))  # "rate the others 2", "rate them all 4"
                whole = [c for c in unsure or ([] if cues.PRONOUN.match(slot) else self.linker.plausible(slot))
                         if folded(c.text) == folded(slot)]
                if not (whole or cues.PRONOUN.match(slot) or ordinal_in(slot) is not None or framed and self._title_attempt(slot)):
                    continue  # "I gave up on Heat after 10", "the soundtrack was a 10": no film rated
                if unsure and not whole:
                    return did_you_mean(unsure)
                if target := (whole[0].item.id if whole else self._target(m.group("t"), memory, write=True)):
                    return self._call(ToolName.RECORD_FEEDBACK, item=target, kind="rated", rating=_stars(m))
                if cues.PRONOUN.match(slot):  # "rate it 4" with nothing in hand
                    return Plan(answer="Which one should I rate? Name it, e.g. “rate Heat 4”, or ask for picks first.")
        for pattern, kind in ((cues.DISLIKED, "disliked"), (cues.DISLIKED_REF, "disliked"), (cues.LIKED, "liked"), (cues.LIKED_REF, "liked")):
            if not (m := pattern.search(t)):
                continue
            phrase = m.group("t")
            if self._several(named := self._picks(t, memory), t):
                return self._said_of_picks(t, named, kind, memory)  # "loved the first, not so much the third"
            if kind == "liked" and re.match(r"(something|anything|a |an |some |films?|movies?|to )", phrase):
                return None  # "I'd like something funny" is a request, not feedback
            # Every film the sentence names: "not into Saw but I did like Alien"; "I saw Alien and
            # I loved it" speaks of the film it names.
            if self._named(phrase) or (cues.PRONOUN.match(phrase.strip(" .!?…")) and not memory.spoken_of and self._named(t)):
                return self._taste(t, self._named(t), kind, memory)
            if unsure := mentioned(phrase, "ask"):
                return self._unsure(unsure, phrase, t, memory)  # never recorded from an unsure link
            # "I don't like horror at all, what about comedies?": the taste ends where it turns.
            genres = self.lexicon.parse(without_titles(taste_scope(phrase)))[0]
            # "I loved the second one" points into the last list; "I like comedies" is a taste, so a request.
            points = ordinal_in(phrase) is not None and bool(memory.last_shown)
            # "Have you seen Parasite? I thought it was brilliant": "it" is the film in hand, though
            # another sentence of the message names a film (which makes slots of any words).
            in_hand = cues.PRONOUN.match(phrase.strip(" .!?…")) and memory.last_item and not mentioned(t, "link")
            if not points and (genres or self._has_slots(phrase) and not in_hand):
                plan = self._recommend(t, memory)
                args = plan.tool_calls[0]["args"] if plan.tool_calls else None
                if args is not None and kind == "disliked":
                    args["genres"] = [g for g in args.get("genres", []) if g not in genres]
                    args["exclude_genres"] = list(dict.fromkeys([*args.get("exclude_genres", []), *genres]))
                    plan.tool_calls[0]["args"] = {k: v for k, v in args.items() if v not in (None, [], "")}
                # "My favourite film is Casablanca, I love old romances": what the other clauses say of the films they name counts too.
                named = self._named(t)
                said = self._recorded(named, opinions(t, [self._span(t, i) for i in named], None))
                return Plan(said, then=[plan]) if said and plan.tool_calls else plan
            if target := self._target(phrase, memory, write=True):
                return self._misspelt(target, t, memory) or self._call(ToolName.RECORD_FEEDBACK, item=target, kind=kind)
        # "I haven't seen Heat" records nothing; what else it says of films is read below.
        if (m := cues.SEEN.search(t)) and not cues.SEEN_ANY.search(t) and \
                not re.search(r"\bhaven'?t\b", t) and not negated_here(t[:m.start()]) and not UNTRIED.search(t):
            phrase = m.group("t") or ""
            if self._several(named := self._picks(t, memory), t):
                return self._said_of_picks(t, named, "seen", memory)  # "seen the 1st and the 3rd", "seen em all"
            if unsure := mentioned(phrase, "ask"):
                return self._unsure(unsure, phrase, t, memory)
            if self._named(phrase):  # "I just saw Heat and loved it": each film as its clauses say
                return self._taste(t, self._named(t), "seen", memory)
            if _KIND_SEEN.search(phrase) or \
                    any(c.names_a_kind and folded(c.text) in folded(phrase) for c in self.linker.plausible(WRITTEN.get().strip())):
                # "I've watched it and all the other movies by that director": it is seen, and the rest asked on.
                if re.match(r"(?:seen|watched|saw) (?:it|that|this)\b", m.group(0)) and \
                        (target := self._target("it", memory, write=True)):
                    return replace(self._call(ToolName.RECORD_FEEDBACK, item=target, kind="seen"), then=[self._recommend(t, memory)])
                return None  # "seen all the star wars movies": a series, kept out of the picks; what else it asks is read on
            if re.match(r"(?:ones?)?\s*(?:[,.;!?…]|$)", phrase) or re.match(r"(?:seen|watched|saw) it ", m.group(0)) and not MENTIONS.get():
                phrase = ""  # "seen that one, too dry for me", "watched it yesterday": the film just talked about
            if not phrase and len(pointed := self._picks(t, memory, pointed=True)) == 1:
                phrase = t[pointed[0][0]:pointed[0][1]]  # "the second one I already saw": the pick named first
            if target := self._target(phrase or "it", memory, write=True):
                # "seen the first one, loved it": what a later clause thinks of it outranks "seen".
                said = opinions(t, [(m.start(), m.start())], "seen")[0]
                if said is None:  # "has she seen it?", "my kids watched it twice": someone else saw it
                    return Plan(answer=OTHERS_SEEN) if someone_elses(t[:m.start()]) else None
                return self._misspelt(target, t, memory) or self._call(ToolName.RECORD_FEEDBACK, item=target, kind=said if said in ("liked", "disliked") else "seen")
            if says_it_missed(t):
                return None  # "seen that one, too gory for me" among several: why it missed refines the search
            if not memory.last_shown:
                return None  # "we watched the game last night": no film of ours to ask about
            return Plan(answer="Which one have you seen? Say e.g. “seen the second one”.")
        # No cue phrase matched, yet the films named may have opinion words of their own ("we
        # loved Heat", "they didn't care for Fargo"): each is read by its clause.
        if named := self._named(t):
            said = opinions(t, [self._span(t, i) for i in named], None)
            if any(opinion in ("liked", "disliked", "seen") for opinion in said):
                return self._taste(t, named, None, memory)
            return None
        # "the first one was way too gory for me": a pick pointed at, with a verdict of its own
        # (not "the first time I saw…", "my second favourite", nor a title's word: "50 First Dates").
        named = self._picks(t, memory, pointed=True)
        if named and (plan := self._said_of_picks(t, named, None, memory)):
            return plan
        if named and _IMPRESSED.fullmatch(_POSITION_WORDS.sub(" ", t).strip(" .!,")):
            return Plan(answer=ACKNOWLEDGE)  # "the first two sound good": an impression of picks, nothing to record
        return None

    def _taste(self, t: str, titles: list[Item], kind: str, memory: Recall) -> Plan:
        """"I like Ghostbusters II (1989) and Saw (2004)": each film recorded as its clause says
        ("…but not Alien" is a dislike, see opinions.py), and picks like the liked ones in the
        same turn, as a person who recommends would answer."""
        verdicts = opinions(t, [self._span(t, i) for i in titles], kind)
        said = dict(zip((i.id for i in titles), verdicts))
        feedback = self._recorded(titles, verdicts)
        if not (liked := [item for item, opinion in said.items() if opinion in ("liked", "seed")]):
            # "I recently watched John Wick 2": films like it, as a person who recommends would
            # offer (recorded as seen, never as liked); a film of the list just shown only records.
            liked = [item for item, opinion in said.items() if opinion == "seen" and item not in memory.shown_ids]
            if not liked or said.keys() - set(liked):
                own = self._recommend(t, memory)
                if not feedback:
                    return own
                # "I didn't like Home Alone, any horror films?": what else it asks is answered too.
                # So is a kind they say they like: "I love comedies, but I hated Fargo".
                asks = own.tool_calls and set(own.tool_calls[0]["args"]) - {"k", "wish", "exclude", "like"} and \
                    (cues.asks_something(t) or cues.LIKED.search(t))
                return Plan(feedback, then=[own]) if asks else Plan(feedback)
        picks = self._recommend(t, memory)
        if picks.tool_calls and cues.TURN_FROM.search(t):
            picks.tool_calls[0]["args"].pop("like", None)  # "Fargo was great but I'd rather have a romance": not like Fargo
        elif picks.tool_calls:
            args = picks.tool_calls[0]["args"]
            args["like"] = [i for i in dict.fromkeys([*args.get("like", []), *liked]) if i in liked or said.get(i, "liked") in ("liked", "seed")]
        return Plan(feedback, then=[picks]) if feedback else picks

    @staticmethod
    def _recorded(titles: list[Item], verdicts: list) -> list[dict]:
        """The feedback calls for what the message says of each film (opinions.py); a series is no one film."""
        series = {m.item.id for m in MENTIONS.get() if m.names_a_series}
        return [{"name": ToolName.RECORD_FEEDBACK, "args": {"item": item.id, "kind": opinion}}
                for item, opinion in zip(titles, verdicts) if opinion in ("liked", "disliked", "seen") and item.id not in series]

    @staticmethod
    def _picks(t: str, memory: Recall, pointed: bool = False) -> list[tuple[int, int, int | None]]:
        """The picks of the last list the message names (references.picks_named) outside its titles:
        "50 First Dates" names none, and "I loved The Others" is a film, not the rest."""
        if not (shown := memory.last_shown):
            return []
        if re.search(r"\b[Tt]he (?:Others|Rest)\b", WRITTEN.get()):
            t = re.sub(r"\bthe (?:others|rest)\b", lambda m: "_" * len(m.group()), t)
        titles = [span for _, span in spans_in(t, ("link",))]  # "seen the others" asks of no film *The Others*
        told = [n for n, card in enumerate(shown, 1) if card["id"] in memory.told]
        return [p for p in picks_named(t, len(shown), told, pointed) if not any(a <= p[0] < b for a, b in titles)]

    @staticmethod
    def _several(named: list[tuple[int, int, int | None]], t: str) -> bool:
        """Whether the picks named are more than one, or one named by no position of its own
        ("loved the rest" with one left); one position ("the second one") is read as any one film is."""
        return len(named) > 1 or bool(named) and ordinal_in(t[named[0][0]:named[0][1]]) is None

    @staticmethod
    def _said_of_picks(t: str, named: list[tuple[int, int, int | None]], kind: str | None, memory: Recall,
                       **rating: float) -> Plan | None:
        """"loved the first, not so much the third", "seen em all but the last one": each pick
        named, as its clause says (with no cue phrase, `kind` None: only as its own clause says);
        "rate the others 2": each the rating. "The others" where none was spoken of are asked
        about ("seen the others"), or with no cue phrase left to the request ("the others were great")."""
        if any(n is None for _, _, n in named):
            return Plan(answer="Which ones do you mean? Say them by position, e.g. “the second and third”.") if kind else None
        said = [kind] * len(named) if rating else opinions(t, [(a, b) for a, b, _ in named], kind, carry=kind is not None)
        feedback = [{"name": ToolName.RECORD_FEEDBACK, "args": {"item": memory.last_shown[n - 1]["id"], "kind": opinion, **rating}}
                    for (_, _, n), opinion in zip(named, said) if opinion in ("liked", "disliked", "seen") or rating]
        return Plan(feedback) if feedback else None

    @staticmethod
    def _span(t: str, item: Item) -> tuple[int, int]:
        """Where the message names the item (as the linker found it written); (-1, -1) if nowhere."""
        return next((span for m, span in spans_in(t) if m.item.id == item.id), (-1, -1))


# An impression of picks and nothing else ("ooh, the first two sound good, thanks"): no "too",
# "but", question or second clause ("the third looks ok, but newer please", "…, who directed it").
_POSITION_WORDS = re.compile(rf"\b(?:the|both|all|and|ones?|of them|last|{'|'.join([*ORDINALS, *NUMBERS])})\b")
_IMPRESSED = re.compile(r"(?:(?:ooh|oh|wow|ok|okay|hmm|yes|yeah)\W+)*(?:sounds?|looks?|seems?)\s+(?:really |pretty |very |so )?"
                        r"(?:good|great|interesting|fun|promising|nice|cool|amazing|awesome|perfect|intriguing)"
                        r"(?:\W+(?:thanks|thank you|thx)?)?")


def _stars(score: re.Match) -> float:
    """"4", "4.5", "four", "7/10", "a 9 out of 10" as stars out of 5, to the half star; a bare
    number over 5 is out of 10 ("Heat was a 7")."""
    n = score["n"]
    value = float(n) if n[0].isdigit() else float(number(n))
    scale = int(score["of"] or score["of2"] or (10 if value > 5 else 5))
    return max(0.5, min(5.0, round(value * 5 / scale * 2) / 2))
