"""The agent that Slack, Discord and the terminal share.

`Agent.respond(conversation, user, text)` runs one turn of a LangChain agent (create_agent on
LangGraph) over chatrec's tools and returns a neutral Reply: the text, the items shown with
their explanations, and the tool calls made. Memory is a LangGraph checkpointer in a
MemoryStore (SQLite under storage.dir, or the PostgreSQL database replicas share), one
thread per conversation id; the model sees a bounded window of it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from uuid import UUID

from langchain.agents import create_agent
from langchain.agents.middleware import (ModelRequest, ModelRetryMiddleware, SummarizationMiddleware, after_agent,
                                         wrap_model_call)
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, RemoveMessage, ToolMessage, trim_messages

from chatrec_agent.catalog import ItemWords
from chatrec_agent.conversation.limits import EMPTY, MAX_MESSAGE_CHARS, TOO_LONG
from chatrec_agent.conversation.memory_store import MemoryStore
from chatrec_agent.conversation.people import Audience, Person
from chatrec_agent.conversation.speakers import scoped, speaker_label
from chatrec_agent.conversation.sqlite_memory import SqliteMemory
from chatrec_agent.conversation.tool_names import LIST_TOOLS, ToolName
from chatrec_agent.conversation.tool_results import tool_result
from chatrec_agent.conversation.tools import ChatContext, Services, build_tools
from chatrec_agent.conversation.turns import TurnOrder

SYSTEM_PROMPT = """You are chatrec, a {item} recommender in a team chat.
Rules:
- Recommend only items returned by your tools in this conversation; never invent titles.
- Use `recommend` for personal suggestions (pass the user's wish, genres, years, titles to be
  like, and items to exclude), `similar_items` for "more like X", `search_catalog` to find a
  title, `explain` for "why", `item_details` for questions about one item (who directed it, what
  it is about, when it came out, is it a comedy, would I like it: predicted stars),
  `user_history` for the user's own history and `record_feedback` when they say they liked,
  disliked, rated or saw something.
- Put every constraint the user states into the tool call: genres, years, `attributes` for
  metadata such as a director (`{"field": "director", "values": ["Kubrick"]}`, negate for
  "nothing by …"), `like` for "like X" / "a mix of A and B". Keep the earlier constraints on
  follow-ups ("just two", "something older") unless the user replaces the request.
- Cite the evidence the tools return (the user's own ratings, shared genres); claim nothing else.
- Several people may share a conversation: each user message starts with its speaker's id.
  The current user is the speaker of the last message; only their request applies now, and
  the tools act for them alone. Earlier lists and wishes are shared context; other people's
  histories and explanations are withheld, so never guess at them.
- Group picks: when a message is for several people ("for @Ana, @Ben and me", "for all of
  us", a role), use `recommend_for_group`; the members come from the message's mentions or
  the conversation, never from ids you type: choose `group` ('mentioned', 'same' for the
  current group, 'everyone_here'), `add_mentioned` for "add @Cleo", `without` for "without
  Ben". Follow-ups on a group's list stay with the group (`group: 'same'`), and "why" about a
  group pick uses `explain_for_group`. Say who counts as neutral (no history). In a channel
  never state a member's own ratings beyond what the group explanation says.
- If nothing matches, say so plainly. You only know the current user's history; decline
  questions about other people and admin actions (reindex, forget, link).
- Keep answers short: a numbered list with one line of explanation per item."""


def system_prompt(words: ItemWords) -> str:
    """The prompt, naming the catalog's items as its config does (catalog.words)."""
    return SYSTEM_PROMPT.replace("{item}", words.item)


SWEEP_EVERY_TURNS = 500  # how often idle conversations past their retention are looked for

# C0 controls but tab and newline, DEL and C1 controls: nothing a person means to type.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain_text(text: str) -> str:
    """What a person typed, safe for every layer: a lone surrogate (which no encoder
    accepts) becomes U+FFFD, control characters go; emoji, joiners and RTL text stay."""
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROL.sub(" ", text.replace("\r\n", "\n"))


@dataclass
class ReplyItem:
    id: str
    title: str
    year: int | None
    genres: list[str]
    explanation: str
    image_url: str | None = None  # public https (catalog/images.py): the card's poster or cover


@dataclass
class Reply:
    text: str
    items: list[ReplyItem] = field(default_factory=list)
    tool_calls: list[dict] = field(default_factory=list)
    # When the items are a group's picks (recommend_for_group): who the group is, for votes.
    group: tuple[Person, ...] = ()
    latency_ms: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def _is_summary(message) -> bool:
    return isinstance(message, HumanMessage) and message.additional_kwargs.get("lc_source") == "summarization"


class PrivateSummary(SummarizationMiddleware):
    """LangChain's summarisation of older turns, in private conversations only (a DM, the
    terminal): in a shared one a summary would carry one person's results, which the model is
    shown only in their shared part (speakers.scoped), to everyone after; there older turns are
    dropped (Agent._compact_middleware)."""

    def before_model(self, state, runtime):
        audience = getattr(runtime.context, "audience", None)
        return super().before_model(state, runtime) if audience is not None and audience.private else None


class StreamDeadline(BaseCallbackHandler):
    """Stops a model call still streaming `seconds` after its first token: raised in the
    model's own token loop (so its HTTP stream is closed), a failure like a timeout."""

    raise_error = True  # LangChain passes the error on instead of logging it

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.began: dict[UUID, float] = {}

    def on_llm_new_token(self, token: str, *, run_id: UUID, **kwargs) -> None:
        if time.monotonic() - self.began.setdefault(run_id, time.monotonic()) > self.seconds:
            raise TimeoutError(f"the language model was still writing after {self.seconds:g} s (llm.timeout_s)")


class Agent:
    def __init__(self, services: Services, model, memory: MemoryStore | Path, window_messages: int = 40,
                 model_retries: int = 0, retention_days: float = 30.0, speaker_labels: bool = True,
                 window_tokens: int = 12_000, language_model: bool = False, stream_timeout_s: float | None = None):
        """`memory`: where conversations are kept; a folder means SQLite memory in it.
        `model_retries`: how often a failed or timed-out model call is tried again (with
        backoff) before the turn fails; 0 for the offline planner, which makes no calls.
        `retention_days`: a conversation nobody wrote in for this long is forgotten (0: never).
        `speaker_labels`: whether the model reads each message's speaker in its text
        (`llm.needs_speaker_labels`: a language model does, the offline planner does not).
        `window_messages`, `window_tokens`: the most of the conversation a model call sees.
        `language_model`: whether the model is one (not the offline planner): it writes its answer
        token by token, so a turn asked to show its text as it comes does, and it summarises a
        private conversation's older turns instead of dropping them.
        `stream_timeout_s`: the longest one streamed model message may take (`llm.timeout_s`):
        the provider's read timeout starts again with each token, so a model that trickles
        would otherwise hold the turn, and the message shown growing, for ever."""
        self.services = services
        self.stream_timeout_s = stream_timeout_s
        self.model = model
        self.memory: MemoryStore = SqliteMemory(Path(memory)) if isinstance(memory, (str, Path)) else memory
        self.window = window_messages
        self.window_tokens = window_tokens
        self.streams = language_model
        self.retention_s = retention_days * 86_400
        self._turns_since_sweep = 0
        # One turn at a time per conversation, in arrival order; conversations run side by side.
        # Across replicas, the memory store's exclusive() keeps one conversation's turns apart.
        self.turns = TurnOrder()
        if self.retention_s:
            self.forget_idle()  # what expired while the bot was down
        self.graph = create_agent(
            model, build_tools(services), system_prompt=system_prompt(services.catalog.words), checkpointer=self.memory.checkpointer,
            context_schema=ChatContext,
            middleware=[*([PrivateSummary(model, trigger=("messages", 2 * window_messages), keep=("messages", window_messages))]
                          if language_model else []),
                        self._trim_middleware(), self._compact_middleware(summarized=language_model),
                        self._speaker_middleware(speaker_labels),
                        *self._retry_middleware(model_retries)],
        )

    @staticmethod
    def _retry_middleware(retries: int) -> list:
        if retries <= 0:
            return []
        # on_failure="error": after the last try the turn fails (the adapters apologise) rather
        # than sending the person the client's error text as if it were an answer.
        return [ModelRetryMiddleware(max_retries=retries, on_failure="error", initial_delay=0.5,
                                     backoff_factor=2.0, max_delay=5.0, jitter=False)]

    def _trim_middleware(self):
        window, budget = self.window, self.window_tokens

        @wrap_model_call
        def trim_context(request: ModelRequest, handler):
            messages = list(request.messages)
            kept = messages[-window:] if len(messages) > window else messages
            # The latest messages within the token budget, starting at a human message so no tool
            # result loses its call (LangChain's trim_messages, counting ~4 characters a token).
            kept = trim_messages(kept, max_tokens=budget, token_counter="approximate", strategy="last",
                                 start_on="human", allow_partial=False)
            if not any(isinstance(m, HumanMessage) for m in kept):  # the turn alone is over budget: it still goes
                last = max((n for n, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
                kept = messages[last:]
            if messages and _is_summary(messages[0]) and messages[0] not in kept:
                kept = [messages[0], *kept]  # the summary of older turns stands for them all: it stays
            if len(kept) != len(messages):
                request = request.override(messages=kept)
            return handler(request)

        return trim_context

    def _compact_middleware(self, summarized: bool):
        """Memory keeps what the window can reach: once a conversation holds twice the window,
        the messages before the window's first human message are removed from its state (a
        private conversation with a language model is summarised instead: PrivateSummary)."""
        window = self.window

        @after_agent
        def compact_memory(state, runtime):
            messages = state["messages"]
            if len(messages) <= 2 * window or (summarized and runtime.context.audience.private):
                return None
            start = len(messages) - window
            while start < len(messages) and not isinstance(messages[start], HumanMessage):
                start += 1
            return {"messages": [RemoveMessage(id=m.id) for m in messages[:start] if m.id]}

        return compact_memory

    def _after_turn(self, conversation: str) -> None:
        """Keep only the conversation's latest checkpoint and note the turn; inside the turn
        and its lock, so no other turn of the conversation is writing meanwhile."""
        self.memory.keep_latest(conversation)
        self.memory.touch(conversation, time.time())

    def _sweep_now_and_then(self) -> None:
        """Every SWEEP_EVERY_TURNS turns, forget the conversations past their retention; outside
        any turn, so no conversation's lock is ever taken under another's."""
        self._turns_since_sweep += 1
        if self.retention_s and self._turns_since_sweep >= SWEEP_EVERY_TURNS:
            self._turns_since_sweep = 0
            self.forget_idle()

    def forget_idle(self) -> list[str]:
        """Forget every conversation with no turn for `retention_days`; returns their ids."""
        idle = self.memory.idle_since(time.time() - self.retention_s)
        for conversation in idle:
            self.forget(conversation)
        return idle

    @staticmethod
    def _speaker_middleware(label_messages: bool):
        """The model sees other speakers' tool results only in their shared part; a language
        model also reads each message's speaker in its text (not every provider passes the
        message name on); `label_messages` is False for a model that reads the words alone."""

        @wrap_model_call
        def scope_to_speaker(request: ModelRequest, handler):
            messages = scoped(list(request.messages), request.runtime.context.speaker)
            if label_messages:
                messages = [m.model_copy(update={"content": f"[{m.name or 'unknown'}] {m.content}"})
                            if isinstance(m, HumanMessage) and isinstance(m.content, str) and not _is_summary(m) else m
                            for m in messages]
            return handler(request.override(messages=messages))

        return scope_to_speaker

    def respond(self, conversation: str, user: str, text: str, source: str = "chat", speaker: str | None = None,
                audience: Audience | None = None, on_text: Callable[[str], None] | None = None) -> Reply:
        """One turn: `user` is the catalog user bound by the caller, never taken from `text`;
        `speaker` names who wrote it in a shared conversation (the platform's user id; the
        catalog user by default); `audience`, the speaker and the people the message
        mentions, bound by the adapter, from which group requests take their members. Without
        one, the caller is the person's own terminal or script: a private conversation.
        `on_text`: called, in this thread, with the answer's text so far each time the model
        writes more of it (a model that streams only); the Reply still carries the whole turn."""
        started = time.perf_counter()
        text = plain_text(text)
        if not text.strip():
            return Reply(EMPTY, latency_ms=(time.perf_counter() - started) * 1000)
        if len(text) > MAX_MESSAGE_CHARS:
            return Reply(TOO_LONG, latency_ms=(time.perf_counter() - started) * 1000)
        with self.turns.turn(conversation), self.memory.exclusive(conversation):
            audience = audience or Audience(Person(speaker or user, "you", user), private=True)
            # The speaker rides along with their message (providers send only its content and
            # name), so a later "for the three of us" finds who took part.
            said = HumanMessage(content=text, name=speaker_label(speaker or user),
                                additional_kwargs={"person": audience.me.as_dict(),
                                                   "mentioned": [p.name for p in audience.mentioned]})
            result = self._run(
                {"messages": [said]},
                {"configurable": {"thread_id": conversation}, "recursion_limit": 12},
                ChatContext(user_id=user, source=source, speaker=speaker or user, audience=audience),
                on_text if self.streams else None,
            )
            self._after_turn(conversation)
        self._sweep_now_and_then()
        reply = self._reply(result["messages"])
        reply.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        return reply

    def _run(self, inputs: dict, config: dict, context: ChatContext, on_text: Callable[[str], None] | None) -> dict:
        """The turn through the graph; with `on_text`, streamed: the model's text tokens as they
        come (a message that calls tools has none, or its own, superseded by the next), and the
        final state as `invoke` would return it."""
        if on_text is None:
            return self.graph.invoke(inputs, config, context=context)
        state: dict = {}
        written: dict[str, str] = {}  # per model message (a retried call starts a new one)
        if self.stream_timeout_s is not None:
            config = {**config, "callbacks": [StreamDeadline(self.stream_timeout_s)]}
        for mode, data in self.graph.stream(inputs, config, context=context, stream_mode=["messages", "values"]):
            if mode == "values":
                state = data
                continue
            chunk, meta = data
            if meta.get("langgraph_node") == "model" and isinstance(chunk, AIMessageChunk) and isinstance(chunk.content, str) \
                    and chunk.content and not chunk.tool_call_chunks:  # not a summary's tokens
                written[chunk.id or ""] = written.get(chunk.id or "", "") + chunk.content
                on_text(written[chunk.id or ""])
        return state

    def forget(self, conversation: str) -> bool:
        """Forget one conversation; False if there was nothing to forget."""
        # After a turn in progress (here or on another replica), never under it.
        with self.turns.turn(conversation), self.memory.exclusive(conversation):
            known = self.memory.conversations(conversation)
            self.memory.delete(conversation)
        return bool(known)

    def forget_all(self, conversation: str) -> list[str]:
        """Forget a conversation and every conversation under it (`<id>:<thread>`, a channel's
        threads); returns the ids forgotten."""
        ids = self.memory.conversations(conversation, threads=True)
        for conversation_id in ids:
            self.forget(conversation_id)
        return ids

    def close(self) -> None:
        self.memory.close()

    def history(self, conversation: str) -> list:
        state = self.graph.get_state({"configurable": {"thread_id": conversation}})
        return list(state.values.get("messages", [])) if state and state.values else []

    @staticmethod
    def _reply(messages: list) -> Reply:
        start = max((n for n, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
        turn = messages[start + 1 :]
        calls = [{"name": c["name"], "args": c["args"]} for m in turn if isinstance(m, AIMessage) for c in m.tool_calls]
        items: list[ReplyItem] = []
        group: tuple[Person, ...] = ()
        for message in turn:
            if not isinstance(message, ToolMessage):
                continue
            result = tool_result(message)
            tool = result.get("tool")
            cards = result.get("items", []) if tool in LIST_TOOLS else []
            if tool == ToolName.RECOMMEND_FOR_GROUP and cards:  # the picks a group votes on
                group = tuple(Person.from_dict(m) for m in result.get("members", []))
            if tool in (ToolName.EXPLAIN, ToolName.EXPLAIN_FOR_GROUP) and result.get("item"):
                cards = [{**result["item"], "explanation": result.get("text", "")}]
            if tool == ToolName.ITEM_DETAILS and result.get("item"):
                cards = [{**result["item"], "explanation": ""}]
            for card in cards:
                if card["id"] not in {i.id for i in items}:
                    items.append(ReplyItem(card["id"], card["title"], card.get("year"), list(card.get("genres", [])),
                                           card.get("explanation", ""), card.get("image_url")))
        final = next((m for m in reversed(turn) if isinstance(m, AIMessage) and not m.tool_calls), None)
        text = final.content if final is not None and isinstance(final.content, str) else ""
        return Reply(text or "I have nothing to add.", items, calls, group if items else ())
