"""The agent loop with real language-model clients: a scripted tool-calling chat model, and
the OpenAI-compatible path over real HTTP against a local stand-in server."""

from __future__ import annotations

import json
import time

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.llm import make_chat_model
from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import LLMSettings, settings_from_dict

from .recording_api import RecordingAPI


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder) -> Runtime:
    folder = tmp_path_factory.mktemp("llm")
    return Runtime.start(settings_from_dict({"storage": {"dir": str(folder)}}, environ={}), embedder=embedder)


class ScriptedModel(BaseChatModel):
    """Plays back AIMessages in order, like an LLM that always makes the same decisions."""

    script: list
    seen: list = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.script.pop(0))])


def test_agent_loop_runs_the_model_tool_calls_for_the_bound_user(runtime, tmp_path):
    model = ScriptedModel(script=[
        # The model even tries to name another user; tools take the user from the context only.
        AIMessage(content="", tool_calls=[{"name": "record_feedback", "id": "t1",
                                           "args": {"item": "Fargo", "kind": "liked", "user_id": "demo-05"}}]),
        AIMessage(content="", tool_calls=[{"name": "recommend", "id": "t2", "args": {"genres": ["Crime"], "k": 2}}]),
        AIMessage(content="Two crime films for you."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    reply = agent.respond("chan", "llm-user", "I loved Fargo, now two crime films")
    assert [c["name"] for c in reply.tool_calls] == ["record_feedback", "recommend"]
    assert reply.text == "Two crime films for you."
    assert len(reply.items) == 2 and all("Crime" in runtime.catalog[i.id].genres for i in reply.items)
    assert "fargo-1996" in runtime.history.seen("llm-user")
    assert "fargo-1996" not in {e.item_id for e in runtime.history.user_history("demo-05") if e.source != "catalog"}
    # The model saw the system prompt and the tool results of its own calls.
    last = model.seen[-1]
    assert "Recommend only items returned by your tools" in last[0].content
    assert sum(isinstance(m, ToolMessage) for m in last) == 2


def test_a_tool_result_is_text_for_the_model_and_data_for_our_code_after_a_restart(runtime, tmp_path):
    """A tool result reaches memory twice: the JSON text the model reads, and the same result as
    plain data (the message's artifact) that our code reads; both come back from SQLite after a
    restart, and the planner recalls the list shown from the data."""
    from chatrec_agent.conversation.planner.memory import recall
    from chatrec_agent.conversation.sqlite_memory import SqliteMemory

    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "recommend", "id": "w1", "args": {"genres": ["Western"], "k": 3}}]),
        AIMessage(content="Three westerns."),
    ], seen=[])
    memory = SqliteMemory(tmp_path)
    # Write-ahead logging from the start: saving a turn never blocks another conversation's read.
    assert memory._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    agent = Agent(runtime.agent.services, model, memory)
    shown = [i.id for i in agent.respond("kept", "demo-01", "three westerns").items]
    agent.close()
    restarted = Agent(runtime.agent.services, ScriptedModel(script=[], seen=[]), SqliteMemory(tmp_path))
    stored = restarted.history("kept")
    restarted.close()
    (result,) = [m for m in stored if isinstance(m, ToolMessage)]
    assert len(shown) == 3 and [card["id"] for card in result.artifact["items"]] == shown
    assert result.artifact["tool"] == "recommend" and type(result.artifact["tool"]) is str  # plain data
    assert json.loads(result.content) == result.artifact  # the model reads what our code reads
    assert recall(stored).last_shown == result.artifact["items"]


def test_a_tool_result_is_stored_as_plain_data_whatever_the_recommender_computed_it_with():
    """The checkpointer refuses numpy numbers and turns tuples into lists: a tool's result is
    made plain first, so what is stored reads the same as the JSON text the model got."""
    import numpy as np
    from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

    from chatrec_agent.conversation.tool_names import ToolName
    from chatrec_agent.conversation.tool_results import tool_output

    content, artifact = tool_output({"tool": ToolName.EXPLAIN, "score": np.float64(0.25), "count": np.int64(3),
                                     "genres": ("Crime", "Drama"), "share": {1: np.float32(0.5)}})
    assert artifact == {"tool": "explain", "score": 0.25, "count": 3, "genres": ["Crime", "Drama"], "share": {"1": 0.5}}
    assert json.loads(content) == artifact
    serde = JsonPlusSerializer()
    assert serde.loads_typed(serde.dumps_typed(artifact)) == artifact
    with pytest.raises(TypeError):
        tool_output({"item": object()})


class MockOpenAI(RecordingAPI):
    """Just enough of POST /v1/chat/completions: a tool call first, then an answer from the tool result."""

    def answer(self, verb, path, body, headers):
        self.record("chat", {"path": path, "auth": headers.get("Authorization"), "body": body})
        last = body["messages"][-1]
        if not body.get("tools"):  # no tools offered: the summary of older turns is asked for
            message, finish = {"role": "assistant", "content": f"SUMMARY of {len(body['messages'])} message(s)"}, "stop"
        elif last["role"] == "user":
            message = {"role": "assistant", "content": None, "tool_calls": [{
                "id": "call_1", "type": "function",
                "function": {"name": "recommend", "arguments": json.dumps({"genres": ["Western"], "k": 3})},
            }]}
            finish = "tool_calls"
        else:
            titles = [item["title"] for item in json.loads(last["content"])["items"]]
            message = {"role": "assistant", "content": "Westerns: " + "; ".join(titles)}
            finish = "stop"
        if body.get("stream"):
            return "", streamed(body["model"], message, finish), 200, "text/event-stream"
        return "", {"id": "cmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def streamed(model: str, message: dict, finish: str) -> str:
    """The answer as OpenAI streams it (server-sent events): a tool call in one delta, text a
    few characters at a time."""
    def event(delta: dict, finish_reason: str | None = None) -> str:
        chunk = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}
        return f"data: {json.dumps(chunk)}\n\n"

    if message.get("tool_calls"):
        calls = [{"index": n, **call} for n, call in enumerate(message["tool_calls"])]
        events = [event({"role": "assistant", "content": None, "tool_calls": calls})]
    else:
        text = message["content"]
        events = [event({"role": "assistant", "content": ""})] + [event({"content": text[n:n + 7]}) for n in range(0, len(text), 7)]
    return "".join(events) + event({}, finish) + "data: [DONE]\n\n"


@pytest.fixture
def openai_server():
    server = MockOpenAI().start()
    yield server
    server.stop()


def test_openai_compatible_endpoint_over_http(runtime, openai_server, tmp_path):
    settings = LLMSettings(provider="openai", model="local-model", base_url=f"{openai_server.root}/v1", api_key="sk-test")
    agent = Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path)
    reply = agent.respond("chan", "demo-01", "three westerns please")
    assert [c["name"] for c in reply.tool_calls] == ["recommend"]
    assert len(reply.items) == 3 and all("Western" in runtime.catalog[i.id].genres for i in reply.items)
    assert reply.text == "Westerns: " + "; ".join(i.title for i in reply.items)
    first, second = openai_server.of("chat")
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer sk-test"
    tools = {t["function"]["name"]: t["function"] for t in first["body"]["tools"]}
    assert set(tools) == {"recommend", "search_catalog", "similar_items", "user_history", "explain", "item_details",
                          "record_feedback", "watchlist", "recommend_for_group", "explain_for_group"}
    assert "runtime" not in json.dumps(tools["recommend"]["parameters"])  # the user is not a model argument
    group = tools["recommend_for_group"]["parameters"]["properties"]
    # Who is in a group is chosen among what the adapter bound, never typed in as ids.
    assert group["group"]["enum"] == ["mentioned", "same", "everyone_here"]
    assert not {"runtime", "members", "user", "user_id", "users"} & set(group)
    assert first["body"]["messages"][0]["role"] == "system"
    assert second["body"]["messages"][-1]["role"] == "tool"


def test_a_model_that_streams_shows_its_answer_as_it_writes(runtime, openai_server, tmp_path):
    settings = LLMSettings(provider="openai", model="local-model", base_url=f"{openai_server.root}/v1", api_key="sk-test")
    agent = Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path, language_model=True)
    shown: list[str] = []
    reply = agent.respond("chan", "demo-01", "three westerns please", on_text=shown.append)
    assert all(call["body"].get("stream") for call in openai_server.of("chat"))
    assert len(shown) > 3 and shown[-1] == reply.text and reply.text.startswith("Westerns: ")
    assert all(later.startswith(earlier) for earlier, later in zip(shown, shown[1:]))  # it only grows
    assert len(reply.items) == 3 and [c["name"] for c in reply.tool_calls] == ["recommend"]
    # Not streaming: one call each, answered whole, the same turn.
    quiet = Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path / "quiet", language_model=False)
    calls = len(openai_server.of("chat"))
    again = quiet.respond("chan", "demo-01", "three westerns please", on_text=shown.append)
    assert not any(call["body"].get("stream") for call in openai_server.of("chat")[calls:]) and again.text.startswith("Westerns: ")


def test_a_private_conversations_older_turns_are_summarised_a_shared_ones_dropped(runtime, openai_server, tmp_path):
    from chatrec_agent.conversation.people import Audience, Person

    settings = LLMSettings(provider="openai", model="local-model", base_url=f"{openai_server.root}/v1", api_key="sk-test")
    agent = Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path, window_messages=4,
                  language_model=True)
    shared = Audience(Person("U1", "Ana", "demo-01"), private=False)
    for n in range(4):  # each turn: question, tool call, tool result, answer
        agent.respond("dm", "demo-01", f"westerns please, take {n}")
        agent.respond("channel", "demo-01", f"westerns please, take {n}", speaker="U1", audience=shared)
    summaries = [c for c in openai_server.of("chat") if not c["body"].get("tools")]
    assert summaries, "a private conversation past twice the window gets a summary"
    kept = agent.history("dm")
    assert "SUMMARY of" in str(kept[0].content) and len(kept) <= 2 * 4 + 1
    last_dm = [c for c in openai_server.of("chat") if c["body"].get("tools") and "take 3" in json.dumps(c["body"]["messages"])][0]
    assert any("SUMMARY of" in str(m.get("content")) for m in last_dm["body"]["messages"])  # the model reads it
    # The shared conversation was never summarised (a summary would carry one person's results
    # to everyone); its older turns were dropped instead.
    assert not any("take 0" in json.dumps(c["body"]["messages"]) and "[U1]" in json.dumps(c["body"]["messages"]) for c in summaries)
    assert not any("SUMMARY" in str(m.content) for m in agent.history("channel")) and len(agent.history("channel")) <= 2 * 4


def test_llm_settings_need_a_model_name(runtime):
    from chatrec_agent.errors import ChatrecError

    with pytest.raises(ChatrecError, match="set llm.model"):
        make_chat_model(LLMSettings(provider="openai"), runtime.catalog)


class MockOllama(RecordingAPI):
    """Just enough of Ollama's POST /api/chat (streamed NDJSON or one JSON object)."""

    def answer(self, verb, path, body, headers):
        self.record("chat", {"path": path, "body": body})
        last = body["messages"][-1]
        if last["role"] == "user":
            message = {"role": "assistant", "content": "", "tool_calls": [
                {"function": {"name": "search_catalog", "arguments": {"query": "Casablanca"}}}]}
        else:
            found = json.loads(last["content"])["items"][0]
            message = {"role": "assistant", "content": f"Found {found['title']} ({found['year']})."}
        chunks = [{"model": body["model"], "created_at": "2026-01-01T00:00:00Z", "message": message, "done": False},
                  {"model": body["model"], "created_at": "2026-01-01T00:00:00Z", "message": {"role": "assistant", "content": ""},
                   "done": True, "done_reason": "stop"}]
        if not body.get("stream", True):
            return "", {**chunks[0], "done": True, "done_reason": "stop"}
        return "", "".join(json.dumps(c) + "\n" for c in chunks), 200, "application/x-ndjson"


def test_ollama_endpoint_over_http(runtime, tmp_path):
    server = MockOllama().start()
    try:
        settings = LLMSettings(provider="ollama", model="llama3.1", base_url=server.root)
        agent = Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path)
        reply = agent.respond("chan", "demo-01", "do you have Casablanca?")
    finally:
        server.stop()
    assert [c["name"] for c in reply.tool_calls] == ["search_catalog"]
    assert [i.id for i in reply.items] == ["casablanca-1942"]
    assert reply.text == "Found Casablanca (1942)."
    first = server.of("chat")[0]
    assert first["path"] == "/api/chat"
    assert {t["function"]["name"] for t in first["body"]["tools"]} >= {"recommend", "explain"}


def test_the_model_sees_a_bounded_window_of_the_conversation(runtime, tmp_path):
    answers = [AIMessage(content=f"answer {n}") for n in range(6)]
    model = ScriptedModel(script=answers, seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path, window_messages=4)
    sizes = []
    for n in range(6):
        agent.respond("long", "demo-01", f"message {n}")
        sizes.append(len(agent.history("long")))
    # Memory keeps what the window can reach: past twice the window it drops back to the window.
    assert sizes == [2, 4, 6, 8, 4, 6]
    assert [m.content for m in agent.history("long")][:2] == ["message 3", "answer 3"]
    last = model.seen[-1]
    assert len(last) <= 5  # the model gets the system prompt and at most 4 messages
    assert last[-1].content == "[demo-01] message 5"  # labelled with its speaker


def test_memory_keeps_one_checkpoint_per_conversation_and_forgets_idle_ones(runtime, tmp_path, monkeypatch):
    import sqlite3

    model = ScriptedModel(script=[AIMessage(content=f"answer {n}") for n in range(5)], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path, retention_days=1)
    for n in range(3):
        agent.respond("busy", "demo-01", f"message {n}")
    agent.respond("quiet", "demo-01", "hello")
    db = sqlite3.connect(tmp_path / "memory.sqlite3")
    counts = dict(db.execute("SELECT thread_id, COUNT(*) FROM checkpoints GROUP BY thread_id").fetchall())
    assert counts == {"busy": 1, "quiet": 1}  # not one per step of every turn
    assert len(agent.history("busy")) == 6  # and the conversation is whole
    later = time.time() + 2 * 86_400  # two days on, "busy" speaks again and "quiet" has expired
    monkeypatch.setattr(time, "time", lambda: later)
    agent.respond("busy", "demo-01", "still here")
    assert agent.forget_idle() == ["quiet"]
    assert agent.history("quiet") == [] and len(agent.history("busy")) == 8


def test_an_agent_starting_forgets_what_expired_while_it_was_down(runtime, tmp_path, monkeypatch):
    model = ScriptedModel(script=[AIMessage(content="hello")], seen=[])
    Agent(runtime.agent.services, model, tmp_path, retention_days=1).respond("old", "demo-01", "hi")
    later = time.time() + 2 * 86_400
    monkeypatch.setattr(time, "time", lambda: later)
    restarted = Agent(runtime.agent.services, model, tmp_path, retention_days=1)
    assert restarted.history("old") == [] and restarted.forget_idle() == []


@pytest.fixture
def tiny_local_model(tmp_path):
    """A 1-layer GPT-2 with a byte-level tokenizer, saved to a folder: a real (if silly) local model."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(["a tiny model for chatrec tests"] * 5, vocab_size=300, min_frequency=1,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>",
                                        bos_token="<|endoftext|>", unk_token="<|endoftext|>")
    tokenizer.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    folder = tmp_path / "tiny-gpt2"
    tokenizer.save_pretrained(str(folder))
    eos = tokenizer.eos_token_id
    config = GPT2Config(vocab_size=len(tokenizer), n_layer=1, n_head=2, n_embd=16, n_positions=8192,
                        bos_token_id=eos, eos_token_id=eos)
    GPT2LMHeadModel(config).save_pretrained(str(folder))
    return folder


def test_local_huggingface_model_by_path(runtime, tiny_local_model, tmp_path):
    model = make_chat_model(LLMSettings(provider="huggingface", model=str(tiny_local_model)), runtime.catalog)
    assert model.llm.pipeline.model.config.n_layer == 1  # loaded from the folder, nothing downloaded
    agent = Agent(runtime.agent.services, model, tmp_path / "memory")
    reply = agent.respond("chan", "demo-01", "recommend a film")
    # Random weights make no tool calls; the reply is the model's own (generated, not echoed) text.
    assert reply.tool_calls == [] and reply.items == []
    assert "You are chatrec" not in reply.text


class SlowOllama(MockOllama):
    """Ollama that hangs on its first `slow` calls (longer than the client's timeout)."""

    def __init__(self, slow: int):
        super().__init__()
        self.slow = slow

    def answer(self, verb, path, body, headers):
        self.record("attempt", {})
        if len(self.of("attempt")) <= self.slow:
            time.sleep(3)
        return super().answer(verb, path, body, headers)


def _impatient_agent(runtime, server, tmp_path) -> Agent:
    """An agent over the stand-in with a 0.5 s timeout and one retry."""
    settings = LLMSettings(provider="ollama", model="llama3.1", base_url=server.root, timeout_s=0.5, max_retries=1)
    return Agent(runtime.agent.services, make_chat_model(settings, runtime.catalog), tmp_path, model_retries=1)


def test_a_hung_model_call_times_out_and_is_retried(runtime, tmp_path):
    server = SlowOllama(slow=1).start()
    try:
        agent = _impatient_agent(runtime, server, tmp_path)
        started = time.monotonic()
        reply = agent.respond("chan", "demo-01", "do you have Casablanca?")
    finally:
        server.stop()
    assert reply.text == "Found Casablanca (1942)." and time.monotonic() - started < 10
    assert len(server.of("attempt")) >= 2  # the first call timed out and was tried again


def test_a_model_that_never_answers_fails_the_turn_in_bounded_time(runtime, tmp_path):
    server = SlowOllama(slow=100).start()
    try:
        agent = _impatient_agent(runtime, server, tmp_path)
        started = time.monotonic()
        with pytest.raises(Exception):
            agent.respond("chan", "demo-01", "do you have Casablanca?")
        assert time.monotonic() - started < 5  # two tries of 0.5 s and a 0.5 s pause, not a hang
    finally:
        server.stop()
    assert len(server.of("attempt")) == 2


def test_in_a_shared_conversation_the_model_sees_only_the_speakers_personal_results(runtime, tmp_path):
    """Ann and Ben share a channel. In Ben's turn the model sees Ann's list and wish, but not
    her history or the explanations built from her ratings; Ben's "why" and "I loved" are his."""
    from chatrec_agent.conversation.speakers import WITHHELD

    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "user_history", "id": "a1", "args": {}},
                                          {"name": "recommend", "id": "a2", "args": {"wish": "a tense western", "genres": ["Western"], "k": 2}}]),
        AIMessage(content="Two westerns for you."),
        AIMessage(content="", tool_calls=[{"name": "explain", "id": "b1", "args": {"item": "<second>"}}]),
        AIMessage(content="Because of what you rated."),
        AIMessage(content="", tool_calls=[{"name": "record_feedback", "id": "b2", "args": {"item": "<first>", "kind": "liked"}}]),
        AIMessage(content="Noted."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    shown = agent.respond("team", "demo-01", "what do I like? then two tense westerns", speaker="UANN").items
    first, second = shown[0].id, shown[1].id
    model.script[0].tool_calls[0]["args"]["item"] = second
    model.script[2].tool_calls[0]["args"]["item"] = first
    before = len(model.seen)
    agent.respond("team", "demo-02", "why the second one?", speaker="UBEN")
    system, *seen = model.seen[before]
    assert [type(m).__name__ for m in seen] == ["HumanMessage", "AIMessage", "ToolMessage", "ToolMessage", "AIMessage", "HumanMessage"]
    assert seen[0].content == "[UANN] what do I like? then two tense westerns" and seen[-1].content == "[UBEN] why the second one?"
    assert json.loads(seen[2].content) == {"tool": "user_history", "withheld": WITHHELD}
    # Our own code (the offline planner reads artifacts) sees no more of Ann's turn than the model.
    assert all(m.artifact == json.loads(m.content) for m in seen if isinstance(m, ToolMessage))
    listed = json.loads(seen[3].content)
    assert listed["items"] == [{"id": i.id, "title": i.title, "year": i.year, "genres": i.genres} for i in shown]
    assert listed["filters"]["wish"] == "a tense western" and listed["withheld"] == WITHHELD  # the wish is shared
    ann_titles = {runtime.catalog[e.item_id].title for e in runtime.history.user_history("demo-01")} - {i.title for i in shown}
    assert not any(title in m.content for m in seen for title in ann_titles)  # nothing of Ann's history
    # Ben's own explanation, from his history, as the tool returned it in his turn.
    explained = json.loads(model.seen[before + 1][-1].content)
    assert explained["text"] == runtime.recommendations.explain("demo-02", second).text
    assert explained["text"] != runtime.recommendations.explain("demo-01", second).text
    agent.respond("team", "demo-02", "I loved the first one", speaker="UBEN")
    assert runtime.history.entry("demo-02", first).signal == "liked"
    assert first not in {e.item_id for e in runtime.history.user_history("demo-01") if e.source != "catalog"}
    # In her own next turn Ann sees her results whole again; Ben's now hold only their shared part.
    model.script = [AIMessage(content="ok")]
    agent.respond("team", "demo-01", "thanks", speaker="UANN")
    own = [json.loads(m.content) for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert "top_rated" in own[0] and "explanation" in own[1]["items"][0]
    card = {"id": shown[1].id, "title": shown[1].title, "year": shown[1].year, "genres": shown[1].genres}
    assert own[2] == {"tool": "explain", "item": card, "withheld": WITHHELD}  # no text, no evidence
    assert set(own[3]) == {"tool", "item", "withheld"}  # which film Ben talked about, not what he felt


def test_films_offered_for_an_unknown_title_are_not_also_its_picks(runtime, tmp_path):
    """"something like Heat Wave": the catalog has no such title, so the answer offers close
    matches (*Heat*, …) to confirm; those are films the person likely knows, not picks."""
    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "recommend", "id": "u1", "args": {"like": ["Heat Wave"], "k": 10}}]),
        AIMessage(content="Here you go."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    plain = {r.item.id for r in runtime.recommendations.recommend("newcomer", k=10)}
    reply = agent.respond("offered", "newcomer", "something like Heat Wave")
    (result,) = [m for m in agent.history("offered") if isinstance(m, ToolMessage)]
    offered = {card["id"] for entry in result.artifact["unknown"] for card in entry["suggestions"]}
    assert offered & plain  # one of them would have been a pick (so the test can fail) ...
    assert reply.items and not offered & {i.id for i in reply.items}  # ... and is not one
    agent.close()


def test_the_model_sees_what_fits_a_token_budget_and_always_the_latest_message(runtime, tmp_path):
    """Trimming counts tokens, not only messages: long messages leave fewer in the window,
    and a message over the whole budget still reaches the model (alone)."""
    model = ScriptedModel(script=[AIMessage(content="ok " * 50) for _ in range(6)], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path, window_messages=100, window_tokens=500)
    for n in range(4):
        agent.respond("wordy", "demo-01", f"message {n} " + "blah " * 120)  # ~150 tokens, ~40 back
    seen = model.seen[-1]
    assert count_tokens_approximately([m for m in seen if not isinstance(m, SystemMessage)]) <= 500 + 20  # + speaker labels
    assert 2 <= sum(isinstance(m, HumanMessage) for m in seen) < 4 and seen[-1].content.startswith("[demo-01] message 3")
    assert isinstance(next(m for m in seen if not isinstance(m, SystemMessage)), HumanMessage)  # starts on a turn
    agent.respond("wordy", "demo-01", "huge " * 398)  # just under the 2,000 characters a message may have: over 500 tokens
    assert [m.content[:20] for m in model.seen[-1] if isinstance(m, HumanMessage)] == ["[demo-01] huge huge "]


class TricklingModel(ScriptedModel):
    """Streams its one answer a word every `pause` seconds, for ever (as a stalled provider
    can: each token restarts its HTTP read timeout)."""

    pause: float = 0.05
    streamed: list = []

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        for n in range(10_000):
            time.sleep(self.pause)
            self.streamed.append(n)
            yield ChatGenerationChunk(message=AIMessageChunk(content=f"word{n} "))


def test_a_streamed_answer_that_never_ends_is_cut_off_at_the_models_timeout(runtime, tmp_path):
    model = TricklingModel(script=[], seen=[], streamed=[])
    agent = Agent(runtime.agent.services, model, tmp_path, language_model=True, stream_timeout_s=0.5)
    shown: list[str] = []
    started = time.monotonic()
    with pytest.raises(TimeoutError, match=r"still writing after 0.5 s \(llm.timeout_s\)"):
        agent.respond("chan", "demo-01", "three westerns please", on_text=shown.append)
    assert time.monotonic() - started < 5 and shown  # it showed text, then stopped
    written = len(model.streamed)
    time.sleep(0.3)
    assert len(model.streamed) <= written + 1  # the model's stream was closed, not left running


def test_a_description_search_keeps_only_what_the_words_describe(runtime, tmp_path):
    """The search tool's description hits: "a shark attacking a beach town" finds Jaws; a
    title the catalog lacks ("Hot Fuzz") finds nothing its words describe, so nothing."""
    model = ScriptedModel(script=[
        AIMessage(content="", tool_calls=[{"name": "search_catalog", "id": "s1", "args": {"query": "a shark attacking a beach town"}},
                                          {"name": "search_catalog", "id": "s2", "args": {"query": "Hot Fuzz"}}]),
        AIMessage(content="Here you go."),
    ], seen=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    agent.respond("described", "newcomer", "the shark one, and Hot Fuzz")
    shark, fuzz = [m.artifact for m in agent.history("described") if isinstance(m, ToolMessage)]
    assert shark["items"][0]["id"] == "jaws-1975" and fuzz["items"] == []
    agent.close()
