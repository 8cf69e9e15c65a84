"""The terminal chat: its banner, and it keeps going when a turn fails."""

from __future__ import annotations

import io

from rich.console import Console

from bot.terminal.app import RESET_DONE, TERMINAL_HELP, run_terminal
from chatrec_agent.conversation.llm import describe_model
from chatrec_agent.settings import LLMSettings

from .test_dialogues import runtime  # noqa: F401 - the shared module fixture


def chat(runtime, monkeypatch, *lines: str, conversation: str = "terminal:test", **options) -> list[str]:
    """What the terminal prints for these typed lines (then quit), line by line."""
    typed = iter([*lines, "quit"])
    out = io.StringIO()
    console = Console(file=out, width=200)
    monkeypatch.setattr(console, "input", lambda prompt="": next(typed))
    run_terminal(runtime.agent, "demo-02", console, conversation=conversation, **options)
    return out.getvalue().splitlines()


def test_the_banner_says_whether_replies_come_from_the_offline_planner_or_a_model(runtime, monkeypatch):  # noqa: F811
    offline = chat(runtime, monkeypatch, replies_from=describe_model(runtime.settings.llm))
    assert offline[0].startswith("chatrec: tell me what you'd like to watch")
    assert offline[2] == "Replies come from the offline planner (no language model configured: llm.provider offline)."
    configured = LLMSettings(provider="openai", model="gpt-4o-mini", base_url="http://127.0.0.1:8000/v1")
    model = chat(runtime, monkeypatch, replies_from=describe_model(configured))
    assert model[2] == "Replies come from openai gpt-4o-mini at http://127.0.0.1:8000/v1."


def test_a_failing_turn_is_reported_and_the_chat_goes_on(runtime, monkeypatch):  # noqa: F811
    agent = runtime.agent
    real = agent.respond
    calls = []

    def respond(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("tool crashed")
        return real(*args, **kwargs)

    monkeypatch.setattr(agent, "respond", respond)
    lines = iter(["give me 2 westerns", "give me 2 westerns", "quit"])
    out = io.StringIO()
    console = Console(file=out, width=200)
    monkeypatch.setattr(console, "input", lambda prompt="": next(lines))
    run_terminal(agent, "demo-02", console, conversation="terminal:test")
    text = out.getvalue()
    assert "Sorry, something went wrong on my side" in text
    assert "Here are 2 picks" in text and len(calls) == 2


def test_rich_markup_in_what_people_type_is_printed_not_interpreted(runtime, monkeypatch):  # noqa: F811
    lines = iter(["something like [/] and [bold]dark[/bold]", "[red]a western[/red]", "quit"])
    out = io.StringIO()
    console = Console(file=out, width=200)
    monkeypatch.setattr(console, "input", lambda prompt="": next(lines))
    run_terminal(runtime.agent, "demo-02", console, conversation="terminal:markup")
    text = out.getvalue()
    assert "went wrong" not in text and "Here are" in text  # no MarkupError ended the chat


def test_reset_starts_a_new_conversation_that_no_longer_sees_the_earlier_list(runtime, monkeypatch):  # noqa: F811
    kept = chat(runtime, monkeypatch, "give me 2 westerns", "why the second one?", conversation="terminal:kept")
    title = next(line[3:] for line in kept if line.startswith("2. ")).split(" (")[0]
    assert kept[-1].startswith(title)  # without a reset, "the second one" is the second western
    for command in ("/reset", "/NEW "):
        lines = chat(runtime, monkeypatch, "give me 2 westerns", command, "why the second one?",
                     conversation=f"terminal:{command.strip()}")
        assert RESET_DONE in lines
        after = lines[lines.index(RESET_DONE) + 1:]
        assert title not in "\n".join(after) and "Ask for recommendations first" in after[-1]
    assert [m.content for m in runtime.agent.history("terminal:/NEW")][0] == "why the second one?"


def test_help_lists_the_terminal_commands(runtime, monkeypatch):  # noqa: F811
    lines = chat(runtime, monkeypatch, "help", conversation="terminal:help")
    assert "'/reset' starts over" in lines[0]
    assert "I recommend films from this catalog" in "\n".join(lines) and lines[-1] == TERMINAL_HELP


def test_titles_show_in_italics_without_their_marks(runtime, monkeypatch):  # noqa: F811
    typed = iter(["a western", "quit"])
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=True, color_system="standard")
    monkeypatch.setattr(console, "input", lambda prompt="": next(typed))
    run_terminal(runtime.agent, "demo-02", console, conversation="terminal:italics")
    shown = out.getvalue()
    first = next(line for line in shown.splitlines() if "1. " in line)
    assert "*" not in first and "\x1b[3m" in first, first  # ANSI italic where the marks were


def test_emphasis_marks_only_at_a_words_edges():
    from bot.terminal.app import styled

    assert styled("*M*A*S*H* (1970), and M*A*S*H").plain == "M*A*S*H (1970), and M*A*S*H"
    text = styled("[bold]x[/] and *Heat* 4*")
    assert text.plain == "[bold]x[/] and Heat 4*" and [(s.start, s.end) for s in text.spans] == [(15, 19)]
    strong = styled("**Heat** is *great*")
    assert strong.plain == "Heat is great" and [(s.start, s.end, s.style) for s in strong.spans] == [(0, 4, "bold"), (8, 13, "italic")]
