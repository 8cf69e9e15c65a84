"""Terminal chat loop.

Until the agent lands, the terminal answers by searching the catalog index: each line is a
wish, the reply is the closest items. The loop, limits and messages stay when the agent
replaces `answer`.
"""

from __future__ import annotations

from rich.console import Console

from chatrec_agent.index import ItemIndex

MAX_MESSAGE_CHARS = 2000
GREETING = "chatrec: tell me what you'd like to watch (e.g. 'a mind-bending sci-fi'). 'quit' leaves."


def answer(index: ItemIndex, text: str, k: int = 5) -> str:
    text = text.strip()
    if not text:
        return "Say what you are in the mood for, e.g. 'a light comedy from the 90s'."
    if len(text) > MAX_MESSAGE_CHARS:
        return f"That message is {len(text)} characters; please keep it under {MAX_MESSAGE_CHARS}."
    hits = index.search(text, k=k)
    if not hits:
        return "I found nothing in the catalog for that."
    lines = [f"{n}. {hit.label} — {', '.join(hit.genres)} (match {hit.score:.2f})" for n, hit in enumerate(hits, 1)]
    return "Closest in the catalog:\n" + "\n".join(lines)


def run_terminal(index: ItemIndex, console: Console) -> None:
    console.print(GREETING)
    while True:
        try:
            text = console.input("[bold]you>[/] ")
        except EOFError:
            break
        if text.strip().lower() in {"quit", "exit", ":q"}:
            break
        console.print(answer(index, text))
