"""Terminal chat (interactive) and scripted chat (JSONL in, JSONL out) over the shared agent."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.control import strip_control_codes
from rich.markup import escape
from rich.text import Text

from chatrec_agent.conversation.agent import Agent, Reply
from chatrec_agent.errors import ChatrecError

log = logging.getLogger(__name__)

GREETING = "chatrec: tell me what you'd like to {verb}. 'help' explains, '/reset' starts over, 'quit' leaves."
QUIT_COMMANDS = {"quit", "exit", ":q"}
RESET_COMMANDS = {"/reset", "/new"}
HELP_WORDS = {"help", "?"}  # answered by the model; the terminal adds its own commands below
TERMINAL_HELP = "In this terminal: /reset (or /new) starts a new conversation, quit leaves."
RESET_DONE = "New conversation: I've forgotten what we said so far (your ratings and feedback stay)."


# Marks at a word's edges only: "*M*A*S*H* (1970)" is one title, "M*A*S*H" no emphasis;
# "**Heat**" (a language model's Markdown) is bold.
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*?)(\S(?:[^\n]*?\S)?)\1(?![\w*])")


def styled(text: str) -> Text:
    """Chat-style *emphasis* ("*Fargo* (1996)") shown in italics and **strong** in bold, the
    marks gone; everything else printed as written (a Text, so "[bold]" from a person or a
    title is no markup)."""
    out, last = Text(), 0
    for match in _EMPHASIS.finditer(text):
        out.append(text[last:match.start()])
        out.append(match.group(2), style="bold" if len(match.group(1)) == 2 else "italic")
        last = match.end()
    out.append(text[last:])
    return out


def render(reply: Reply) -> Text:
    """The reply's text (it lists the items itself), as the terminal shows it."""
    # A text of nothing but the control codes rich drops (backspace, bell…) would print as nothing.
    return styled(reply.text if strip_control_codes(reply.text).strip() else "…")


def run_terminal(agent: Agent, user: str, console: Console, conversation: str = "terminal:local",
                 replies_from: str | None = None) -> None:
    """The chat at a prompt. `replies_from` says which model answers (llm.describe_model)."""
    console.print(GREETING.format(verb=agent.services.catalog.words.verb))
    console.print(f"[dim]You are catalog user {user}; conversation memory: {conversation}.[/]")
    if replies_from:
        console.print(f"[dim]Replies come from {escape(replies_from)}.[/]")
    while True:
        try:
            text = console.input("[bold]you>[/] ")
        except EOFError:
            break
        command = text.strip().lower()
        if command in QUIT_COMMANDS:
            break
        try:
            if command in RESET_COMMANDS:
                agent.forget(conversation)
                console.print(RESET_DONE)
                continue
            reply = agent.respond(conversation, user, text, source="terminal")
        except ChatrecError as exc:
            console.print(f"[yellow]{escape(str(exc))}[/]")
            continue
        except Exception:  # one failing turn must not end the chat
            log.exception("turn failed")
            console.print("[red]Sorry, something went wrong on my side; please try again (details in the log).[/]")
            continue
        console.print(render(reply), highlight=False)  # a Text: user text is quoted back verbatim
        if command in HELP_WORDS:
            console.print(f"[dim]{TERMINAL_HELP}[/]")


def read_script(path: Path) -> Iterator[tuple[int, dict]]:
    """Lines of {"channel": str, "user": str, "text": str}; a bad line names file and line."""
    if not path.is_file():
        raise ChatrecError(f"{path}: script file not found.")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                turn = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ChatrecError(f"{path}:{number}: invalid JSON ({exc.msg}).") from None
            missing = [k for k in ("channel", "user", "text") if not isinstance(turn, dict) or not isinstance(turn.get(k), str)]
            if missing:
                raise ChatrecError(f"{path}:{number}: each line needs string fields channel, user and text (missing {', '.join(missing)}).")
            yield number, turn


def run_script(agent: Agent, script: Path, output: IO[str]) -> int:
    """Runs every turn in order; channels are separate conversations. Returns the turn count."""
    turns = list(read_script(script))  # validate the whole script before answering anything
    for _, turn in turns:
        reply = agent.respond(f"script:{turn['channel']}", turn["user"], turn["text"], source="script")
        record = {
            **turn,
            "reply": reply.text,
            "items": [{"id": i.id, "title": i.title, "year": i.year, "genres": i.genres, "explanation": i.explanation}
                      for i in reply.items],
            "tool_calls": reply.tool_calls,
            "latency_ms": reply.latency_ms,
        }
        output.write(json.dumps(record, ensure_ascii=False) + "\n")
        output.flush()
    return len(turns)
