"""Turns of different conversations run at the same time; turns of one conversation run one
after another, in arrival order."""

from __future__ import annotations

import threading
import time

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from chatrec_agent.conversation.agent import Agent
from chatrec_agent.conversation.turns import TurnOrder

from .test_agent_llm import runtime  # noqa: F401 - the shared module fixture


class SlowModel(BaseChatModel):
    """Answers after `delay` seconds, recording when each call ran and for which message."""

    delay: float = 0.4
    calls: list = []

    @property
    def _llm_type(self) -> str:
        return "slow"

    def bind_tools(self, tools, **kwargs):
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        started = time.monotonic()
        time.sleep(self.delay)
        self.calls.append((messages[-1].content, started, time.monotonic()))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content="ok"))])


def _overlap(a, b) -> bool:
    return a[1] < b[2] and b[1] < a[2]


def test_different_conversations_overlap_and_one_conversation_never_does(runtime, tmp_path):  # noqa: F811
    model = SlowModel(calls=[])
    agent = Agent(runtime.agent.services, model, tmp_path)
    threads = [threading.Thread(target=agent.respond, args=(f"chan-{n}", "u", f"hello {n}")) for n in range(4)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started < 4 * model.delay  # not one after another
    calls = {text: call for text, *call in model.calls}
    assert _overlap((0, *calls["[u] hello 0"]), (0, *calls["[u] hello 3"]))

    model.calls.clear()
    same = []
    for n in range(3):  # one conversation: arrival order, strictly one at a time
        same.append(threading.Thread(target=agent.respond, args=("chan-x", "u", f"turn {n}")))
        same[-1].start()
        time.sleep(0.05)
    for t in same:
        t.join()
    texts = [text for text, *_ in model.calls]
    assert texts == ["[u] turn 0", "[u] turn 1", "[u] turn 2"]
    spans = [(text, s, e) for text, s, e in model.calls]
    assert not any(_overlap(a, b) for a in spans for b in spans if a is not b)
    assert agent.turns.busy() == 0  # nothing left behind


def test_turn_order_serves_waiters_first_come_first_served():
    order, lock = [], TurnOrder()
    gate = threading.Event()

    def first():
        with lock.turn("c"):
            gate.wait(5)
            order.append(0)

    def later(n):
        with lock.turn("c"):
            order.append(n)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    time.sleep(0.05)
    for n in range(1, 8):
        threads.append(threading.Thread(target=later, args=(n,)))
        threads[-1].start()
        time.sleep(0.02)  # arrive in a known order
    with lock.turn("other"):  # another conversation is not held up
        pass
    gate.set()
    for t in threads:
        t.join()
    assert order == list(range(8)) and lock.busy() == 0
