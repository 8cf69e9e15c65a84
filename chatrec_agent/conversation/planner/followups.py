"""Follow-ups to a list just shown: "something older", "only comedies", "not those, more
like Forrest Gump", "more like the second one", and the short ones only their meaning places
("anything similar?", "and who made it?")."""

from __future__ import annotations

import re

from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.meaning import Meaning
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.plans import (MENTIONS, Plan, last_search, names_a_tag, past_shown, set_era, without_interjection,
                                                      without_titles)
from chatrec_agent.conversation.planner.questions import WHICH_ONE, item_question
from chatrec_agent.conversation.planner.references import count_in, ordinal_in, pick
from chatrec_agent.conversation.tool_names import ToolName


class FollowUpReading:
    """The follow-up rules of IntentParser (intents.py), which mixes them in; they use its
    readers (`_target`, `_named`, `_mentions`, `_count`, `_call`, the lexicon)."""

    def _by_meaning(self, t: str, memory: Recall) -> Plan | None:
        """"anything similar?", "and who made it?", "got other ones?": decided by the nearest
        labelled examples, about what the conversation just showed."""
        if self.meaning is None:
            return None
        meaning = self.meaning.classify(t)
        # "is the second one any good?", "the second one, is it any good?": of the film at the
        # position named; a question naming one with no nearer meaning asks about it.
        named = pick(memory.last_shown, ordinal_in(t))
        if meaning is None and named is not None and (t.rstrip().endswith("?") or cues.QUESTION.match(t)):
            meaning = Meaning("item_question")
        if meaning is None or meaning.intent == "request":
            return None
        # "are they good?" speaks of several films: not of the one in hand.
        target = None if re.match(r"^(?:(?:are|were|do|did|have) )?(?:they|those|these)\b", t) else \
            (named or {}).get("id") or (memory.last_item or {}).get("id") or \
            (memory.last_shown[0]["id"] if len(memory.last_shown) == 1 else None)
        intent = meaning.intent
        if intent == "like_last" and target is None and memory.last_recommend is not None:
            intent = "others"  # "some more?" after a list: more of that search
        if intent == "others" and memory.last_recommend is not None:
            return self._call(ToolName.RECOMMEND, **past_shown(last_search(memory), memory))
        if intent not in ("like_last", "item_question"):
            return None
        if target is None:
            # "give me 5 films" after someone's list: a request of its own, not "like which?"
            return Plan(answer=WHICH_ONE) if intent == "item_question" or cues.LIKE_THAT.search(t) else None
        if intent == "like_last":
            # "I loved Heat and Past Lives, anything similar?": both; "the second one, anything similar?": that one.
            return self._call(ToolName.RECOMMEND, like=memory.seeds_for(target) if named is None else [target], k=self._count(t))
        question = item_question(t, self.attributes, True)  # it reads past "and", "so", "ok"…
        return self._call(ToolName.ITEM_DETAILS, item=target, fields=list(question.fields) if question else [])

    def _more_like(self, t: str, memory: Recall) -> Plan | None:
        if not (m := cues.MORE_LIKE.search(t)):
            return None
        phrase = without_titles(m.group("t")).strip(" ?.!")  # "more like I Know What You Did Last Summer": no "last" one
        phrase = re.sub(r"\s+(?:please|too|again|then)$", "", phrase)
        if phrase in ("those", "them", "these") and len(memory.spoken_of) > 1:
            # "I loved Alien and Aliens. More like those?": picks like both, as "I like X and Y" gets.
            return self._call(ToolName.RECOMMEND, like=memory.spoken_of, k=self._count(t))
        if phrase in ("that", "those", "them", "these") and not memory.last_item and not memory.spoken_of \
                and len(memory.last_shown) > 1 and memory.last_recommend is not None:  # "more like that" after a list: like the list
            return self._call(ToolName.RECOMMEND, **past_shown({"like": [c["id"] for c in memory.last_shown], "k": self._count(t)}, memory))
        if phrase and (ordinal_in(phrase) is not None or cues.PRONOUN.match(phrase)) and (target := self._target(phrase, memory)):
            if memory.last_recommend is not None and memory.list_tool == ToolName.RECOMMEND:
                # "any others like that?" in the middle of a search: like it, within the search.
                return self._call(ToolName.RECOMMEND, **past_shown({"like": [target], "k": self._count(t)}, memory))
            if target in memory.spoken_of or any(m.item.id == target for m in MENTIONS.get()):
                # "…and loved it. More like that one", "Toy Story 3 made me cry. More like that?":
                # picks like the film the message speaks of, as "I loved X. Anything similar?"
                # gets (their taste and the seed), not bare neighbours; "I liked Heat and Fargo,
                # anything like that?": like both.
                return self._call(ToolName.RECOMMEND, like=memory.seeds_for(target), k=self._count(t))
            return self._call(ToolName.SIMILAR_ITEMS, items=[target], k=self._count(t))
        return None  # titles: a personal recommend with like=[...] (below)

    def _follow_up(self, t: str, memory: Recall) -> Plan | None:
        if memory.last_recommend is None:
            return None
        if cues.REJECTION.match(t):
            return self._rejected(t, memory)
        shown = set(memory.shown_ids)
        if any(m.decision == "link" and m.item.id not in shown for m in MENTIONS.get()):
            return None  # "something like Alien, no horror", "Die Hard is a classic": anchored on a new title
        args = last_search(memory)
        if cues.COUNT_ONLY.match(t):  # "just give me two": every other constraint stays
            args["k"] = self._count(t)
            if re.search(r"\b(more|other|others|else|different|new)\b", t):  # "give me 2 more": not those again
                args = past_shown(args, memory)
            return self._call(ToolName.RECOMMEND, **args)
        if cues.FEWER.match(t):  # "fewer" halves the list; "too many, just 3" says how many
            shown = min(int(args.get("k", 5)), len(memory.last_shown) or 5)
            said = count_in(without_titles(t), default=shown, nouns=self.count_nouns)
            args["k"] = said if said < shown else max(1, shown // 2)
            return self._call(ToolName.RECOMMEND, **args)
        changed = False
        only, opener, words = bool(cues.ONLY.search(t)), bool(cues.REFINE_OPENER.search(t)), len(t.split())
        mentions = self._mentions(t)
        if mentions and (words <= 8 or only or opener):
            # "only Kubrick", "nothing by Spielberg", "what about Hitchcock?": the list's other
            # constraints stay, this field's condition is replaced.
            _replace_conditions(args, mentions)
            if not only:
                args.pop("like", None)  # "what about Hitchcock?" is no longer "like Fargo"
            changed = True
        changed = self._than_shown(t, args, memory) or changed
        genres, excluded = self.lexicon.parse(without_interjection(t), args.get("genres", ()))
        years = parse_era(t, self.latest_year)
        era = years != (None, None)
        if era and (only or opener or not genres and words <= 6) and not changed:
            # "no, something from the 2010s" / "only comedies from the 80s": the same list, another era.
            set_era(args, *years)
            changed = True
        if only and genres:
            # "only comedies" narrows the current list: its genres and the new ones.
            args["genres"] = list(dict.fromkeys(list(args.get("genres", [])) + genres))
            changed = True
        elif era and changed and genres and opener:
            args["genres"] = genres  # "no, a comedy from the 80s": the genre is replaced too,
            args.pop("wish", None)  # and the old wish went with the old genre
        elif excluded and words <= 5:
            args["exclude_genres"] = sorted(set(args.get("exclude_genres", [])) | set(excluded))
            # "no comedies" after "a comedy": the exclusion wins over the old genre.
            if kept := [g for g in args.get("genres", []) if g not in excluded]:
                args["genres"] = kept
            else:
                args.pop("genres", None)
            changed = True
        if "any_genres" in args and (genres and not only or excluded):
            # "what about horror?" replaces the either-or, "no westerns" leaves the other ("only
            # ones with some romance" narrows it: kept)
            if left := [g for g in args.pop("any_genres") if g not in excluded and not (genres and not only)]:
                args["any_genres" if len(left) > 1 else "genres"] = left
        others = bool(cues.OTHERS_AGAIN.search(t))
        if not changed and (not others or not set(genres) <= set(args.get("genres", ()))):
            return None  # "something else for comedy fans" after horror: a request of its own
        if others:  # "not those": everything shown so far is out; a refinement keeps them eligible
            args = past_shown(args, memory)
        if cues.COUNTED.search(t):
            args["k"] = self._count(t)
        return self._call(ToolName.RECOMMEND, **args)

    def _than_shown(self, t: str, args: dict, memory: Recall) -> bool:
        """"something older" / "more recent" than the list shown: `args`' era, in place, past its
        years (a list that reaches the catalog's newest year: its last years). Whether it moved."""
        years = [c["year"] for c in memory.last_shown if c.get("year")]
        too = cues.TOO_AGED.search(t)  # "the first one is too old": newer than it
        if not years or not (too or cues.OLDER.search(t) or cues.NEWER.search(t)):
            return False
        pointed = pick(memory.last_shown, ordinal_in(t)) if too else None
        years = [pointed["year"]] if pointed and pointed.get("year") else years
        if too and too.group(1) in ("new", "newer", "recent", "modern") or not too and cues.OLDER.search(t):
            set_era(args, None, min(years) - 1)
        else:
            set_era(args, min(max(years) + 1, self.latest_year - 2), None)
        return True

    def _rejected(self, t: str, memory: Recall) -> Plan:
        """"no, not those — more like Forrest Gump", "nope, it's a sci-fi too", "close, but
        late 90s": still looking for the same thing. What was shown is out; what the message
        adds (genre, era, director, a title to be like, a tag) joins the constraints."""
        rest = t
        while m := cues.REJECTION.match(rest):
            rest = rest[m.end():].strip(" ,.;:!-–—")
        args = past_shown(last_search(memory), memory)
        if not rest or cues.OTHERS_AGAIN.fullmatch(rest):
            return self._call(ToolName.RECOMMEND, **args)
        additive = bool(re.search(r"\b(?:too|also|as well|both|plus|and)\b", rest))
        if mentions := self._mentions(rest):
            _replace_conditions(args, mentions)
        # Parsed with its opening: "not really into horror, what about thrillers?" rules horror out.
        genres, excluded = self.lexicon.parse(self._without_mentions(without_interjection(t), mentions), args.get("genres", ()))
        if genres:
            args["genres"] = list(dict.fromkeys([*args.get("genres", []), *genres])) if additive else genres
            if not additive:
                args.pop("wish", None)  # the old wish went with the old genre
        if excluded:
            args["exclude_genres"] = sorted(set(args.get("exclude_genres", [])) | set(excluded))
            args["genres"] = [g for g in args.get("genres", []) if g not in excluded]
        if (era := parse_era(rest, self.latest_year)) != (None, None):
            set_era(args, *era)
        else:
            self._than_shown(rest, args, memory)
        # "close, but more like Heat": the films after "like", else any the message names.
        m = cues.LIKE.search(rest)
        if like := [i.id for i in (self._named(m.group("t")) if m and not cues.ERA_WORDS.search(m.group("t")) else [])
                    or self._named(rest)]:
            args["like"] = list(dict.fromkeys([*args.get("like", []), *like]))
        if names_a_tag(rest, self.tags):
            args["wish"] = rest  # a catalog tag named: the new words are the wish now
        if cues.COUNTED.search(rest) and era == (None, None):
            args["k"] = self._count(rest)
        args = {k: v for k, v in args.items() if v not in (None, [], "")}
        return self._call(ToolName.RECOMMEND, **args)


def _replace_conditions(args: dict, mentions: list) -> None:
    """`args`' conditions on the fields the mentions name, replaced by theirs, in place."""
    fields = {m.condition.field for m in mentions}
    kept = [a for a in args.get("attributes", []) if a["field"] not in fields]
    args["attributes"] = kept + [m.condition.as_dict() for m in mentions]
