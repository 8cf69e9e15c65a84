"""Intent by meaning: the nearest labelled example decides, with a margin.

The planner's rules read slots (titles, genres, eras, attributes) well, but a follow-up with
no slot at all ("anything similar?", "and who made it?", "got other ones?") is only a
meaning. The embedding model is already loaded, so such a message is compared with many
paraphrases per intent; the best intent wins only if it is close enough and clearly ahead
of the runner-up, otherwise the rules' reading stands.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chatrec_agent.catalog.mentions import EMOJI

EXAMPLES: dict[str, tuple[str, ...]] = {
    # More like the item the conversation is about.
    "like_last": (
        "more like that", "anything similar?", "something similar please", "got anything like it?",
        "more in that vein", "along those lines", "same kind of thing", "more of the same", "similar ones?",
        "what else is like that one", "other films like it", "more like this one", "something close to it",
        "films that feel like that", "that but different", "recommend me similar films", "in the same spirit",
        "another one like that", "anything comparable?", "more movies of that sort",
    ),
    # A question about the item the conversation is about.
    "item_question": (
        "who made it?", "who directed it?", "what is it about?", "when did it come out?", "who is in it?",
        "who wrote it?", "what year is it from?", "what's the story?", "tell me more about it",
        "and who made that one?", "what kind of film is it?", "is it any good?", "how old is it?",
        "what's the plot?", "give me the details", "who's behind it?", "describe it", "what genre is that?",
    ),
    # Not those: another list for the same request.
    "others": (
        "other ones please", "show me different ones", "what else?", "anything else?", "more options",
        "none of those", "not those", "different suggestions", "give me others", "next ones",
        "something else", "other picks?", "got more?", "another batch", "not these, others",
    ),
    # Chat with no request in it: a short answer, no list.
    "smalltalk": (
        "hi, how are you?", "how's your day going?", "I am well, thanks", "nice chatting with you", "you're funny",
        "lol", "ok cool", "no problem", "I'm good, and you?", "what's your name?", "are you a bot?",
        "that's great, thank you", "you too!", "haha nice", "good to know", "I'm doing fine",
    ),
    "goodbye": (
        "thanks, bye", "bye!", "have a good day!", "see you later", "good night", "that's all, thanks",
        "thanks for the help, bye", "talk to you later", "take care", "bye now", "I'm done for today",
        "that's it for now", "no, I'm all set",
    ),
    # Reactions to a suggestion that ask for nothing: acknowledged, not answered with a list.
    "acknowledge": (
        "sounds good, I'll check it out", "I'll watch it tonight", "I haven't seen that one", "great suggestion",
        "that sounds interesting", "I'll add it to my list", "maybe I'll try that", "ok I'll give it a go",
        "I've heard good things about it", "perfect, thanks", "that looks fun", "I will look into it",
        "let me think about it", "I'll think it over", "hmm, maybe", "I'll consider it", "nice picks", "good list",
    ),
    "out_of_scope": (
        "what's the weather tomorrow?", "what time is it?", "tell me a joke", "who won the game last night?",
        "how do I cook pasta?", "what's the capital of France?", "can you book a table for two?",
        "translate this into Spanish", "set a reminder for 5pm", "play some music", "what's in the news today?",
        "how tall is Mount Everest?", "order me a pizza", "what's the stock price of Apple?", "solve 2+2",
    ),
    # A fresh request.
    "request": (
        "what should I watch tonight?", "recommend me a movie", "something fun", "I need a film for tonight",
        "any suggestions?", "surprise me", "pick something for me", "what's good?", "something to watch",
        "I'm bored, what should I see?", "give me a recommendation", "find me a good movie",
        "something new to watch", "a film for a rainy evening", "what do you suggest?",
    ),
}

_EMOJI = re.compile(EMOJI + "+")
MIN_SIMILARITY = 0.55
# After thanks that ask for nothing, a closing is what people mostly mean: a lower bar for the
# rest ("that's plenty for tonight, thanks so much!"), still clearly ahead of a request.
AFTER_THANKS = 0.45
MIN_MARGIN = 0.04
# Intents answered alike (a short reply, no list): telling them apart needs no margin, only
# telling them from a request does ("great, thanks so much for your help!" is as near "that's
# great, thank you" as "thanks for the help, bye").
KINDRED = frozenset({"smalltalk", "goodbye", "acknowledge", "out_of_scope"})


@dataclass(frozen=True)
class Meaning:
    intent: str


class MeaningClassifier:
    """Nearest labelled example by cosine similarity of the sentence embeddings."""

    def __init__(self, encode: Callable[[list[str]], np.ndarray], examples: dict[str, tuple[str, ...]] = EXAMPLES):
        self.encode = encode
        self.labels = [intent for intent, phrases in examples.items() for _ in phrases]
        self.phrases = [phrase for phrases in examples.values() for phrase in phrases]
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def vectors(self) -> np.ndarray:
        with self._lock:
            if self._vectors is None:  # encoded on first use, once
                self._vectors = np.asarray(self.encode(self.phrases), dtype=np.float32)
            return self._vectors

    def classify(self, text: str, min_similarity: float = MIN_SIMILARITY) -> Meaning | None:
        """The intent whose nearest example is close enough and clearly ahead, or None."""
        # A clause cut at its comma is the clause; emoji are unknown to the model's vocabulary and
        # only pull the sentence off its meaning ("that's all for today, see you 👋").
        text = " ".join(_EMOJI.sub(" ", text).split()).strip(" ,;:-–—")
        vector = np.asarray(self.encode([text])[0], dtype=np.float32)
        sims = self.vectors @ vector
        best: dict[str, float] = {}
        for label, sim in zip(self.labels, sims.tolist()):
            best[label] = max(best.get(label, -1.0), sim)
        top = best[intent := max(best, key=best.get)]  # the first of equals, in the examples' order
        kin = KINDRED if intent in KINDRED else {intent}
        second = max((sim for label, sim in best.items() if label not in kin), default=-1.0)
        if top < min_similarity or top - second < MIN_MARGIN:
            return None
        return Meaning(intent)
