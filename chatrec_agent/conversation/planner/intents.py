"""From one message (and what the conversation recalls) to the tool calls a capable LLM would make."""

from __future__ import annotations

import re
from dataclasses import replace

from wordfreq import zipf_frequency

from chatrec_agent.catalog import Catalog, Item, genre_key, phrase_words
from chatrec_agent.catalog.attributes import AttributeVocabulary
from chatrec_agent.catalog.mentions import SEEN_CUES, Mention, MentionLinker
from chatrec_agent.catalog.titles import TitleLinker, normalise_title
from chatrec_agent.conversation.limits import EMPTY, MAX_MESSAGE_CHARS, TOO_LONG
from chatrec_agent.conversation.planner import cues
from chatrec_agent.conversation.planner.carry import within_search
from chatrec_agent.conversation.planner.eras import parse_era
from chatrec_agent.conversation.planner.feedback import FeedbackReading
from chatrec_agent.conversation.planner.followups import FollowUpReading
from chatrec_agent.conversation.planner.groups import GroupAsk, membership_call, personal, read_group, regroup
from chatrec_agent.conversation.planner.lexicon import GENERIC, UNTRIED, GenreLexicon, lemma
from chatrec_agent.conversation.planner.meaning import AFTER_THANKS, MIN_SIMILARITY, MeaningClassifier
from chatrec_agent.conversation.planner.memory import Recall
from chatrec_agent.conversation.planner.opinions import says_it_missed
from chatrec_agent.conversation.planner.plans import (MENTIONS, WRITTEN, WRITTEN_TITLE, Plan, also_meant, folded, last_search,
                                                      label_of, mentioned, merged, names_a_tag, past_shown, sentences_of, without_titles)
from chatrec_agent.conversation.planner.questions import QuestionReading, item_question
from chatrec_agent.conversation.planner.references import as_that_one, count_in, number, ordinal_in, ordinals_in, pick
from chatrec_agent.conversation.planner.replies import DECLINE_ADMIN, DECLINE_OTHERS, RESET, THANKS, Replies
from chatrec_agent.conversation.planner.requests import RequestReading
from chatrec_agent.conversation.planner.spelling import Speller, cue_words
from chatrec_agent.conversation.planner.watchlist import WatchlistReading
from chatrec_agent.conversation.tool_names import ToolName


class IntentParser(FeedbackReading, RequestReading, WatchlistReading, QuestionReading, FollowUpReading):
    def __init__(self, lexicon: GenreLexicon, titles: TitleLinker, linker: MentionLinker, latest_year: int,
                 tags: set[str] = frozenset(),
                 attributes: AttributeVocabulary | None = None, meaning: MeaningClassifier | None = None,
                 replies: Replies | None = None, verb: str = "watch"):
        """`verb`: what people do with the catalog's items (catalog.words.verb): "read" on a
        bookshop is said where a film catalog's people say "watched"."""
        self.lexicon = lexicon
        self.did = cues.did_verb(verb)
        self.had = cues.participle(verb)  # "you've seen" a film, "you've read" a book
        self.replies = replies if replies is not None else Replies.for_catalog(Catalog.from_items(titles.items))
        self.titles = titles
        self.linker = linker  # which titles a message names, and how surely
        self.count_nouns = frozenset(lexicon.words())  # "3 comedies" counts, "two daughters" doesn't
        self.latest_year = latest_year
        # The catalog's tags, as words: a wish naming one is worth passing on (not "good", "movies",
        # nor a tag that restates a genre of the catalog: "a comedy" asks for the genre, not the
        # films someone tagged "comedy").
        self.tags = {tag for tag in tags if lemma(tag) not in cues.ASKING_WORDS and tag not in cues.KINDS
                     and genre_key(tag) not in lexicon.by_key}
        # Tags a person may say they avoid ("violence", "zombies", "video games"): not the
        # lexicon's genre words nor everyday ones, which people's tags use for opinions ("good").
        self.avoidable = {" ".join(map(lemma, tag.split())): tag for tag in self.tags
                          if zipf_frequency(tag, "en") < 5.0 and not any(lexicon.parse(tag))}
        self.attributes = attributes
        self.meaning = meaning  # nearest labelled examples, for follow-ups the rules find no slot in
        self.items: dict[str, Item] = {item.id: item for item in titles.items}
        self.speller = Speller(lexicon.words() | GENERIC | cue_words() | SEEN_CUES,  # "rewatched" is no typo
                               keep={w for key in linker.by_key for w in key.split()} |
                                    {w for key in linker.attributes for w in key.split()})

    def plan(self, text: str, memory: Recall) -> Plan:
        text = text.replace("’", "'").replace("‘", "'")  # "don’t" is "don't"
        text = self.speller(text, titles=[(m.start, m.end) for m in self.linker.plausible(text)])  # cached
        if self.did is not None:
            text = self.did.sub(r"\g<by> watched", text)  # "I already read The Hobbit": read as seen
        text = cues.MORE_THAN_WANTED.sub(r"too \1for me", text)
        text = cues.AGE.sub(lambda m: "kid" if number(m["n"], 99) <= cues.CHILD_AGE else m[0], text)
        text = cues.CHILDHOOD.sub("back then", text)
        for pattern in cues.NOT_ENOUGH:
            # Only on a genre word: "isn't old enough for horror" keeps its negation.
            text = re.sub(r"  +", " ", pattern.sub(lambda m: f" more {m['w']}" if self.lexicon.parse(m["w"])[0] else m[0], text))
        pending, said = memory.pending, " ".join(text.lower().split())
        # A question put after a list ("Did you also mean …?") takes a bare yes only: "yes, something newer?" speaks of the list;
        # "Yes I loved that one... The French Connection is another": a yes that names another film answers something else.
        if pending and (cues.BARE_YES if pending.get("also") else cues.YES).match(said) and \
                not any(m.decision == "link" and m.item.id != pending["item"] for m in self.linker.find(text.strip())):
            # "yes" to "do you mean the film X?": the question's message, with X taken as meant; after "did you also
            # mean …?", the search that asked is this message's own answer, redone from the one before it.
            search = pending.get("search") if pending.get("also") else memory.last_recommend
            memory = replace(memory, pending=None, last_recommend=search)
            return self._read(pending["text"], memory, confirmed=(pending["span"], pending["item"]))
        if pending and pending.get("also") and cues.BARE_NO.match(said):
            return Plan(answer="OK, I'll leave it out.")  # a "no" to "did you also mean…?" is no verdict on the list
        return self._read(text, memory)

    def _read(self, text: str, memory: Recall, confirmed: tuple[str, str] | None = None) -> Plan:
        # A title the bot just showed is one the person may well mean: "not Heat, something newer".
        shown = set(memory.shown_ids)
        mentions = tuple(replace(m, decision="link") if m.decision == "ask" and m.item.id in shown else m
                         for m in self._outside_names(text, self.linker.find(text.strip())))
        if confirmed is not None and confirmed[1] in self.items:
            span, item = confirmed
            mentions = tuple(replace(m, decision="link", items=(self.items[item], *m.items)) if m.text == span else m
                             for m in mentions)
            # A typo the linker did not find: take the words (the planner reads lower case; the span is as written here).
            if not any(m.text == span for m in mentions) and (start := text.lower().find(span.lower())) >= 0:
                mentions += (Mention(start, start + len(span), text[start:start + len(span)], (self.items[item],), 1.0, "link"),)
        token, written = MENTIONS.set(mentions), WRITTEN.set(text)
        try:
            plan = self._plan(text, memory)
        finally:
            MENTIONS.reset(token)
            WRITTEN.reset(written)
        if plan.confirm is None and plan.steps():
            # "we loved Her and Past Lives": a title listed beside surely named ones but too unsure to act on
            # is asked about after the answer ("Did you also mean …?"); a "yes" re-reads the message with it
            # confirmed. Until then it is only kept out of the picks.
            acted = {i for step in plan.steps() for c in step for i in [c["args"].get("item"), *c["args"].get("like", [])]}
            plan.confirm = next((also_meant(m.item, m.text) for m in mentions
                                 if m.decision == "ask" and m.evidence.get("listed") and m.item.id not in acted), None)
        if plan.confirm is not None:
            plan.confirm = {**plan.confirm, "text": text}
            if plan.confirm.get("also"):  # a "yes" redoes this message's search from the one before it
                plan.confirm["search"] = memory.last_recommend
        t = " ".join(text.lower().split())
        self._go_on_past_what_they_know(plan, memory, t)
        if memory.last_recommend and not cues.CORRECTION.match(t):
            # "more comedy", or its comparative ("crime films", then "something funnier"): more of a kind, within the search.
            adds = any(not (m["w"].endswith("s") and lemma(m["w"]) != m["w"]) and self.lexicon.parse(m["w"])[0]
                       for m in cues.MORE_OF.finditer(t)) or \
                any(lemma(w) != w and self.lexicon.parse(lemma(w))[0] for w in re.findall(r"\b[a-z]+[^aeiou\W]er\b|\b[a-z]+ier\b", t))
            for call in (c for step in plan.steps() for c in step if c["name"] == ToolName.RECOMMEND):
                # "I want a feel-good movie" asks anew in its own words; "fun!" goes on with the search.
                if not (call["args"].get("wish") and cues.ASKS.search(t)):
                    within_search(call["args"], memory, self.items, self.lexicon.audiences, adds=adds, widens=bool(cues.ANY_ERA.search(t)),
                                  compares=bool(cues.LIKE.search(t) or cues.LIKE_THAT.search(t) or cues.MORE_LIKE.search(t)))
        self._keep_named_out(plan, [*memory.said, text])
        return plan

    def _outside_names(self, text: str, mentions: tuple[Mention, ...]) -> tuple[Mention, ...]:
        """Less the titles inside a longer name the catalog knows: "I like M. Night Shyamalan"
        names the director, not *M* (1931)."""
        if not self.attributes or not mentions:
            return mentions
        words = phrase_words(text.lower()).split()
        names = [f" {' '.join(words[x.start:x.end])} " for x in self.attributes.find(text.lower(), written=text)
                 if x.exact and x.end - x.start > 1]
        return tuple(m for m in mentions if not any(folded(m.text) in name and folded(m.text) != name for name in names))

    def _keep_named_out(self, plan: Plan, said: list[str]) -> None:
        """The films a person named in this conversation, even unsure ones (see
        MentionLinker.likely_known), are never their picks: they know them already (liked,
        disliked or "on my list")."""
        named: list[str] = []
        for text in said:
            named += [item.id for item in (*self.linker.likely_known(text.strip()), *self.linker.rare_words_of(text))]
            named += [m.item.id for m in self.linker.find(text.strip())]
            for m in self.linker.plausible(text.strip()):
                if m.evidence.get("kind_of") and (m.decision == "link" or m.names_a_kind and m.said_of):
                    head = normalise_title(m.text)  # "the Despicable Me movies", "seen all the alien films": the whole series
                    named += [i.id for i, key in zip(self.titles.items, self.titles.keys) if key == head or key.startswith(head + " ")]
            # "Aladin (2009)", "The Patriots (1994)": written as a title, spelt otherwise than the
            # catalog. Keeping a film out costs little, so the closest title is kept out too.
            named += [close[0].id for title in WRITTEN_TITLE.finditer(text) if (close := self.linker.closest(title["t"]))]
        named = list(dict.fromkeys(named))
        for args in (c["args"] for step in plan.steps() for c in step if c["name"] in (ToolName.RECOMMEND, ToolName.RECOMMEND_FOR_GROUP)):
            if out := [i for i in named if i not in args.get("like", []) and i not in args.get("exclude", [])]:
                args["exclude"] = [*args.get("exclude", []), *out]

    def _count(self, t: str) -> int:
        """How many picks the text asks for; a title's digits ("Paddington 2") are no count."""
        return count_in(without_titles(t), nouns=self.count_nouns)

    def _named(self, phrase: str) -> list[Item]:
        """The catalog items the phrase surely names (see catalog/mentions.py), each once
        ("loved Fargo, who directed Fargo?" names one film)."""
        return list({m.item.id: m.item for m in mentioned(phrase, "link")}.values())

    def _plan(self, text: str, memory: Recall) -> Plan:
        if not (raw := text.strip()):
            return Plan(answer=EMPTY)
        if len(raw) > MAX_MESSAGE_CHARS:
            return Plan(answer=TOO_LONG)
        t = " ".join(raw.lower().split())
        if cues.RESET.match(t):
            return Plan(answer=RESET, reset=True)
        if cues.ADMIN.search(t):
            return Plan(answer=DECLINE_ADMIN)
        if cues.OTHERS.search(raw.lower()):
            return Plan(answer=DECLINE_OTHERS)
        if not re.search(r"[^\W_]", raw):  # only emoji or marks ("👋", "👍", "🎈"): a reaction that asks for nothing
            return Plan(answer=self.replies.chat["acknowledge" if memory.last_shown else "smalltalk"])
        rest = t[m.end():].strip(" ,.!?…") if (m := cues.GREETING.match(t)) else None  # what follows a greeting
        if cues.HELP.match(t) or (rest is not None and cues.HELP.match(rest)):
            return Plan(answer=self.replies.help)  # "hey! what can you do?" too
        if rest is not None and len(t.split()) <= 4:
            # "Hi, seeking a drama." greets and asks: the request is answered.
            # "thank you, seen it" says something: it is read on ("seen it").
            said = cues.THANKS.match(t) and not cues.only_thanks(rest)
            if not rest or not (self._has_slots(rest) or cues.SEEKING.search(rest) or said):
                return Plan(answer=THANKS if cues.THANKS.match(t) else self.replies.greeting)
            t = rest
        # "Great, thanks so much for your help!": thanks that ask for nothing, however long;
        # "no thank you, that's all for today": with a goodbye, a goodbye.
        if cues.GRATITUDE.search(t) and "?" not in t and not (self._has_slots(t) or cues.SEEKING.search(t)):
            rest = cues.GRATITUDE.sub(" ", t)
            if cues.only_thanks(rest):
                return Plan(answer=THANKS)
            # "that's enough for today, thank you so much!": what is left of the thanks ("so much") goes too.
            rest = ",".join(c for c in re.split(r"[,;]", rest) if not cues.only_thanks(c))
            if (chat := self._chat(rest, AFTER_THANKS)) is not None and (
                    chat.answer == self.replies.chat["goodbye"] or self._feedback(rest, memory) is None):
                return chat  # else what follows the thanks is read as said ("no thanks, I've seen it")
        if cues.PAST_PICKS.search(t):
            if not memory.last_shown:
                return Plan(answer="I haven't suggested anything in this conversation yet: ask for some picks (“a comedy "
                                   "from the 90s”), or say “what have I liked so far?” for your history.")
            return Plan(answer="Last time I suggested:\n" + "\n".join(
                f"{n}. {label_of(self.items[c['id']])}" for n, c in enumerate(memory.last_shown, 1) if c["id"] in self.items))
        # "did I like Fargo?" asks the history; "my favourites are X, Y" is a taste.
        if cues.HISTORY.search(t) and not cues.REQUEST.search(t) and (not mentioned(t, "link") or cues.QUESTION.match(t) or cues.WH_QUESTION.match(t)):
            return self._call(ToolName.USER_HISTORY)
        if (alone := personal(t, memory)) is not None:  # "just for me": back from the group's list to the speaker's own
            rest, last = alone
            plan = (self._compound(rest, memory) or self._single(rest, memory)) if re.sub(r"[\W_]+", "", rest) else None
            # Nothing asked besides: the group's request, for the speaker alone.
            return self._call(ToolName.RECOMMEND, **last) if plan is None or self._bare(plan) else plan
        if (ask := read_group(t, memory)) is not None:
            return self._for_group(ask, memory)
        sentences = [x for x in sentences_of(t) if re.search(r"\w", x)]
        return self._sentences(sentences, memory) if len(sentences) > 1 else self._one(t, memory)

    def _one(self, t: str, memory: Recall) -> Plan:
        if (m := cues.GREETING.match(t)) and not t[m.end():].strip(" ,.!?…"):
            return Plan(answer=THANKS if cues.THANKS.match(t) else self.replies.greeting)  # a sentence of its own: "…. Thanks!"
        if (saving := self._watchlist(t, memory)) is not None:
            return saving  # "take it off my list" is no reaction to a pick
        if (chat := self._chat(t)) is not None:
            # "I've seen that one, too dry for me" reads like a reaction, and says something of a film.
            feedback = self._feedback(t, memory)
            return feedback if feedback is not None and feedback.tool_calls else chat
        return self._compound(t, memory) or self._single(t, memory)

    def _sentences(self, sentences: list[str], memory: Recall) -> Plan:
        """A message of several sentences ("I liked The Notebook. Any movies like that?"), read one
        by one: what it says of films is recorded first, in order; then the request it makes
        answers (the one with most to go on, the later on a tie). Small talk between is dropped."""
        feedback: list[dict] = []
        request: Plan | None = None
        weight = -1
        answer: Plan | None = None
        talk = 0  # sentences that were small talk
        for sentence in sentences:
            plan = self._one(sentence, memory)
            talk += plan.answer is not None and not plan.steps() and plan.confirm is None
            # "The 4th looks fun. Who directed it?": the 4th; "seen the first, the second looks fun": the second.
            pointed = pick(memory.last_shown, ordinals[-1][2]) if (ordinals := ordinals_in(sentence)) else None
            pointed = pointed or pick(memory.last_shown, ordinal_in(sentence))
            if pointed:
                memory = replace(memory, last_item=pointed)
            # "Have you seen Parasite? I thought it was brilliant": one film named is what "it" means
            # next (not one they have not seen: "I haven't seen Heat. I guess it's good").
            elif len(named := {m.item.id for m in mentioned(sentence, "link")}) == 1 and not UNTRIED.search(sentence) \
                    and not (plan.tool_calls and plan.tool_calls[0]["name"] == ToolName.WATCHLIST):
                film = named.pop()  # spoken of, so "it" is this film, not the message's last one named
                memory = replace(memory, last_item=self._card(film), spoken_of=[film])
            elif mentioned(sentence, "ask"):
                memory = replace(memory, last_item=None, spoken_of=[])  # "…And Heat. It's boring": unsure which
            if plan.answer is not None:
                if plan.confirm is not None or (answer is None and plan.answer not in self.replies.chat.values()):
                    answer = answer if answer is not None and answer.confirm is not None else plan
                continue
            calls, then = plan.tool_calls, plan.then
            if calls and calls[0]["name"] == ToolName.RECORD_FEEDBACK:
                # "I saw Parasite. It was brilliant": what they thought of it outranks that they saw it.
                judged = {c["args"]["item"] for c in calls if c["args"].get("kind") in ("liked", "disliked")}
                feedback = [c for c in feedback if not (c["args"].get("kind") == "seen" and c["args"]["item"] in judged)]
                feedback += [c for c in calls if c not in feedback]
                memory = self._told(memory, feedback, pointed)
                calls, then = (then[0].tool_calls, then[0].then) if then else ([], [])
            if not calls or (self._bare(Plan(calls)) and not cues.asks_something(sentence)):
                continue  # "That was a great movie, I agree!": said of a film, no request
            if request is not None and calls[0]["name"] == request.tool_calls[0]["name"] == ToolName.RECOMMEND and not then:
                # "Action... Something like The Rundown": one request, said in two sentences.
                request = Plan([{"name": ToolName.RECOMMEND, "args": merged(request.tool_calls[0]["args"], calls[0]["args"])}])
                continue
            args = calls[0]["args"]
            richness = len(set(args) - {"k", "wish"}) + bool(args.get("wish")) if calls[0]["name"] == ToolName.RECOMMEND else 5
            if richness >= weight:
                request, weight = Plan(calls, then=then), richness
        # "…Well, that is all for now. Have a good day!": a message that ends in goodbye, asking
        # nothing and naming no genre or era, closes the conversation ("I like comedies. Thanks!"
        # does not); what its other sentences said of films still counts.
        if plan.answer == self.replies.chat["goodbye"] and not any(
                cues.asks_something(s) or self.lexicon.parse(s)[0] or any(parse_era(s, self.latest_year)) for s in sentences):
            return Plan(feedback) if feedback else plan
        # "I didn't enjoy Her, way too slow. Something with more action?": a request answered, and
        # the film another sentence named unsurely asked about after it.
        later = also_meant(self.items[answer.confirm["item"]], answer.confirm["span"]) \
            if answer is not None and answer.confirm is not None and not answer.confirm.get("also") \
            and answer.confirm.get("said_of", True) else None
        if feedback:
            disliked = {c["args"]["item"] for c in feedback if c["args"].get("kind") == "disliked"}
            if request is not None and disliked & set(seeds := request.tool_calls[0]["args"].get("like") or []):
                # "I watched Alien. It's great. And Jaws. It's boring.": a film they disliked seeds nothing.
                request.tool_calls[0]["args"]["like"] = [s for s in seeds if s not in disliked] or None
                request.tool_calls[0]["args"] = {k: v for k, v in request.tool_calls[0]["args"].items() if v is not None}
            return Plan(feedback, then=[request] if request is not None else [], confirm=later)
        if request is not None:  # "Moonlight was beautiful. Anything similar?": which film first; a "yes" re-reads it all
            return answer if later is not None and self._bare(request) else replace(request, confirm=later)
        if answer is None and talk == len(sentences):
            return plan  # "You too. Thanks": small talk throughout, answered as its last sentence
        return answer if answer is not None else self._one(" ".join(sentences), memory)

    def _chat(self, t: str, min_similarity: float = MIN_SIMILARITY) -> Plan | None:
        """Small talk, goodbyes, reactions that ask for nothing and questions out of scope: by
        meaning, and only for messages with nothing a request could use (no title, genre, era,
        attribute, count or reference), so "what's a good comedy?" stays a request."""
        if self.meaning is None or self._has_slots(t, positions=False):
            return None
        # One the classifier can't place whole whose every clause is chat ("great suggestions,
        # I'll check that one out") is chat, as its last clause says.
        meaning = self.meaning.classify(said := as_that_one(t), min_similarity)
        parts = [part for part in re.split(r"[,;]", said) if part.strip()]
        if meaning is None and len(parts) > 1:
            meanings = [self.meaning.classify(part, min_similarity) for part in parts]
            if all(m is not None and m.intent in self.replies.chat for m in meanings):
                meaning = meanings[-1]
        if meaning is None or meaning.intent not in self.replies.chat:
            return None
        if ordinal_in(t) is not None and (meaning.intent != "acknowledge" or "?" in t or cues.REQUEST.search(t)
                                          or cues.OTHERS_AGAIN.search(t) or set(re.findall(r"[a-z]+", t)) & cues.SCORN):
            return None  # "I'll check out the first one" acknowledges a pick; other chat, or asking, names none
        if meaning.intent == "acknowledge" and cues.SEEN.search(t):
            return None  # "we watched it yesterday" says it was seen, not that they will
        if meaning.intent != "goodbye" and says_it_missed(t):
            return None  # "not really my thing", "too gory for me": the picks missed ("too bad, bye!" is a goodbye)
        return Plan(answer=self.replies.chat[meaning.intent])

    def _has_slots(self, t: str, positions: bool = True) -> bool:
        return bool(MENTIONS.get() or any(self.lexicon.parse(t)) or any(parse_era(t, self.latest_year))
                    or self._mentions(t) or (positions and ordinal_in(t) is not None) or cues.REQUEST.search(t)
                    or names_a_tag(t, self.tags, shortest=4))

    def _for_group(self, ask: GroupAsk, memory: Recall) -> Plan:
        """A group request: its words read by the usual rules, its calls made the group's."""
        if ask.membership_only and memory.last_group is not None:
            return Plan(tool_calls=[membership_call(ask, memory)])
        plan = (self._compound(ask.rest, memory) or self._single(ask.rest, memory)) if ask.rest else self._call(ToolName.RECOMMEND)
        return plan if plan.answer is not None else regroup(plan, ask, memory)

    def _single(self, t: str, memory: Recall) -> Plan:
        if (m := cues.CORRECTION.match(t)) and not cues.COUNT_ONLY.match(t):  # "make it three" only counts
            rest = t[m.end():].strip()
            if rest and not cues.ONLY.search(rest):  # "scratch that, a comedy": a new request; "never mind, I've seen the 3rd"
                return (re.search(r"[,.;!:-]", m.group(0)) and self._feedback(rest, memory)) or self._recommend(rest, memory)
            t = rest or t
        for planner in (self._watchlist, self._feedback, self._why, self._question, self._more_like,
                        self._follow_up, self._search):
            if (plan := planner(t, memory)) is not None:
                return plan
        plan = self._recommend(t, memory)
        if not self._bare(plan):
            return plan
        args = plan.tool_calls[0]["args"]
        if memory.last_recommend is not None and cues.TURN_AWAY.search(t) and not self._wish(cues.TURN_AWAY.sub(" ", t), []):
            # "something completely different", nothing else said: not the search's kinds, nor what it showed.
            turned = [g for g in memory.last_recommend.get("genres") or [] if g not in self.lexicon.audiences]
            return self._call(ToolName.RECOMMEND, **past_shown({"k": args.get("k", 5), **({"exclude_genres": turned} if turned else {})}, memory))
        if (memory.last_item or memory.last_shown) and len(t.split()) <= 10 and (by_meaning := self._by_meaning(t, memory)):
            return by_meaning
        if "wish" not in args and memory.last_recommend is not None and memory.last_shown:
            # "Any suggestion for me?", "what else would you suggest?": asking again in the middle
            # of a search goes on with it, past what was shown.
            return self._call(ToolName.RECOMMEND, **past_shown({**last_search(memory), "k": args.get("k", 5)}, memory))
        return plan

    @staticmethod
    def _bare(plan: Plan) -> bool:
        """A request the rules found no slot in: nothing but a wish and a count."""
        return len(plan.tool_calls) == 1 and plan.tool_calls[0]["name"] == ToolName.RECOMMEND and \
            set(plan.tool_calls[0]["args"]) <= {"wish", "k"}

    def _compound(self, t: str, memory: Recall) -> Plan | None:
        """Feedback and a request or a question in one message: "I hated the first one, show me
        others", "I've seen the third, what's the fourth about?". The request is the last part
        that asks: "I watched Jaws and loved it, anything like it?" records the liking, not a
        bare "seen" cut off at the "and"."""
        for m in reversed(list(cues.SPLIT.finditer(t))):
            head, tail = t[:m.start()].strip(), t[m.end():].strip()
            if not head or not tail:
                continue
            # A question that names the film it asks about, by position or title ("what's the fourth about?")
            # asks too; "who directed it?" after a reaction may mean another film.
            if not (cues.REQUEST.search(tail) or cues.OTHERS_AGAIN.search(tail) or cues.LIKE_THAT.search(tail)
                    or (q := item_question(tail, self.attributes, bool(mentioned(tail, "link")))) is not None and q.reference != "it"):
                continue
            if any(folded(tail).startswith(folded(film.text)) for film in mentioned(tail, "link")):
                continue  # "I loved Ratatouille and WALL-E, what else…": the "and" joins the films
            feedback = self._feedback(head, memory)
            if feedback is None or not feedback.tool_calls or feedback.tool_calls[0]["name"] != ToolName.RECORD_FEEDBACK:
                continue  # "I like comedies, anything new?" is one request, read whole below
            request = self._single(tail, self._told(memory, feedback.tool_calls))
            if feedback.then and self._bare(request):
                request = feedback.then[0]  # "I loved X and Y, what else?": picks like them, as a taste gets
            return Plan(feedback.tool_calls, then=[request])
        return None

    def _told(self, memory: Recall, feedback: list[dict], pointed: dict | None = None) -> Recall:
        """What the rest of a message points at after what it said of films: "that" is the last
        one it did not dislike ("I loved Heat but hated Fargo. More like that?": Heat), or the
        pick it `pointed` at ("seen the first, the second looks fun, who directed it?"); "those"
        are the films it spoke of, and the liked ones seed "something similar"."""
        spoken = [c["args"]["item"] for c in feedback if c["args"].get("kind") != "disliked"]
        disliked = {c["args"]["item"] for c in feedback if c["args"].get("kind") == "disliked"}
        last = self._card(spoken[-1] if spoken else feedback[-1]["args"]["item"])
        kept = pointed if pointed and pointed["id"] not in disliked else None  # "…but hated the second. More like that?": not it
        return replace(memory, last_item=kept or last or memory.last_item, spoken_of=spoken,
                       liked_of=[c["args"]["item"] for c in feedback if c["args"].get("kind") == "liked"])

    def _card(self, item_id: str) -> dict | None:
        item = self.items.get(item_id)
        return None if item is None else {"id": item.id, "title": item.title, "year": item.year, "genres": list(item.genres)}

    # --- pieces ------------------------------------------------------------------------

    @staticmethod
    def _call(name: ToolName, **args) -> Plan:
        return Plan(tool_calls=[{"name": name, "args": args}])
