"""The `chatrec` command line: index, search, doctor, chat and run.

User errors (ChatrecError) are printed as one line without a traceback, exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from chatrec_agent.errors import ChatrecError
from chatrec_agent.settings import Settings, load_settings

app = typer.Typer(
    help="chatrec: personalised, explainable recommendations for Slack and Discord.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, os.environ)
        return self._settings


state = _State()


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            console.print(f"chatrec {version('chatrec')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            console.print("chatrec (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _main(
    config: Annotated[
        Optional[Path], typer.Option("--config", "-c", help="Settings file (default: ./config.yaml if present).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    state.config = config
    state._settings = None


def _open_index(settings: Settings):
    from chatrec_agent.search.embeddings import Embedder
    from chatrec_agent.search.index import ItemIndex

    return ItemIndex(settings, Embedder(settings.embeddings))


def _load_catalog(settings: Settings):
    from chatrec_agent.catalog.load import load_catalog

    with console.status("Loading catalog..."):
        catalog = load_catalog(settings.catalog)
    if catalog.skipped:
        err.print(f"[yellow]Skipped {len(catalog.skipped)} bad rows[/] (catalog.on_error: skip); first ones:")
        for line in catalog.skipped[:5]:
            err.print(f"  {escape(line)}")
    return catalog


def _sync(settings: Settings, full: bool) -> None:
    catalog = _load_catalog(settings)
    console.print(f"Catalog: {len(catalog)} items, {len(catalog.interactions)} interactions ({escape(catalog.source)}).")
    index = _open_index(settings)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=console, transient=True,
    ) as bar:
        task = bar.add_task("Embedding", total=None)

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=stage.capitalize())

        report = index.sync(catalog, full=full, progress=progress)
    if report.reason:
        console.print(f"Full rebuild because {escape(report.reason)}.")
    console.print(report.summary())
    with console.status("Fitting the recommender..."):
        started = time.perf_counter()
        recs = _recommendations(settings, catalog, index)
        refitted = recs.refresh()
    model = settings.recommender.model
    if refitted:
        console.print(f"Recommender '{model}' fitted on {len(catalog.interactions)} interactions in {time.perf_counter() - started:.1f}s.")
    else:
        console.print(f"Recommender '{model}' is up to date.")


def _recommendations(settings: Settings, catalog, index):
    from chatrec_agent.recommender.recommendations import Recommendations
    from chatrec_agent.store.backends import open_history, open_models

    return Recommendations(settings, catalog, open_history(settings.storage), index,
                           models=open_models(settings.storage))


@app.command()
def index(
    full: Annotated[bool, typer.Option("--full", help="Rebuild into a new collection, switch when complete.")] = False,
) -> None:
    """Embed new or changed catalog items into the Chroma index (incremental by content hash)."""
    _sync(state.settings, full)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in words.")],
    genre: Annotated[Optional[list[str]], typer.Option("--genre", "-g", help="Required genre (repeatable).")] = None,
    year_from: Annotated[Optional[int], typer.Option("--year-from", help="Earliest year.")] = None,
    year_to: Annotated[Optional[int], typer.Option("--year-to", help="Latest year.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many results.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search the index by meaning, with optional genre and year filters."""
    from chatrec_agent.catalog.filters import SearchFilter

    if not query.strip():
        raise ChatrecError("The query is empty; say what you are looking for, e.g. chatrec search \"space adventure\".")
    index = _open_index(state.settings)
    flt = SearchFilter(genres=tuple(genre or ()), year_from=year_from, year_to=year_to)
    index.embedder.load()  # load the model first so the timing below is the search alone
    started = time.perf_counter()
    hits = index.search(query, k=k, flt=flt)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if as_json:
        print(json.dumps([
            {"id": h.item_id, "title": h.title, "year": h.year, "genres": list(h.genres), "score": h.score}
            for h in hits
        ], ensure_ascii=False))
        return
    if not hits:
        console.print("No items match those filters.")
        return
    table = Table(title=f"{len(hits)} results for “{query}” ({elapsed_ms:.0f} ms)")
    table.add_column("score", justify="right")
    table.add_column("title")
    table.add_column("year", justify="right")
    table.add_column("genres")
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", escape(hit.title), str(hit.year or ""), escape(", ".join(hit.genres)))
    console.print(table)


@app.command()
def recommend(
    user: Annotated[str, typer.Option("--user", "-u", help="Catalog user id (e.g. demo-01).")],
    wish: Annotated[Optional[str], typer.Option("--wish", "-w", help="What they are in the mood for, in words.")] = None,
    genre: Annotated[Optional[list[str]], typer.Option("--genre", "-g", help="Required genre (repeatable).")] = None,
    year_from: Annotated[Optional[int], typer.Option("--year-from")] = None,
    year_to: Annotated[Optional[int], typer.Option("--year-to")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with the evidence.")] = False,
) -> None:
    """Personal recommendations for a catalog user, each with its explanation."""
    from chatrec_agent.catalog.filters import SearchFilter
    from chatrec_agent.catalog.load import load_catalog

    settings = state.settings
    catalog = load_catalog(settings.catalog)
    recs = _recommendations(settings, catalog, _open_index(settings))
    flt = SearchFilter(genres=tuple(genre or ()), year_from=year_from, year_to=year_to)
    users = catalog.users
    if user not in users and not recs.history.user_history(user):
        # Not an error (anyone new gets these), but likely a typo: say so, with close ids.
        from rapidfuzz import process

        close = [match for match, _, _ in process.extract(user, users, limit=3, score_cutoff=60)]
        err.print(f"No history for '{escape(user)}': these are picks for someone new (the popular and well liked)."
                  + (f" Did you mean {escape(', '.join(close))}?" if close else ""))
    results = recs.recommend(user, k=k, filters=flt, wish=wish)
    if as_json:
        print(json.dumps([r.as_dict() for r in results], ensure_ascii=False))
        return
    if not results:
        console.print("Nothing in the catalog matches those filters that this user has not seen.")
    from bot.terminal.app import styled

    for n, r in enumerate(results, 1):
        console.print(f"{n}. [bold]{escape(r.item.label)}[/] — {escape(', '.join(r.item.genres))}")
        console.print(Text("   ") + styled(r.explanation.text), highlight=False)


@app.command(name="eval")
def evaluate(
    dataset: Annotated[str, typer.Option("--dataset", help="movielens-100k, movielens-csv or demo.")] = "movielens-100k",
    path: Annotated[Optional[Path], typer.Option("--path", help="The dataset folder (MovieLens formats).")] = None,
    models: Annotated[str, typer.Option("--models", help="Comma-separated models.")] = "popularity,itemknn,ease,als,hybrid",
    k: Annotated[str, typer.Option("--k", help="Cut-offs, comma-separated.")] = "5,10",
    split: Annotated[str, typer.Option("--split", help="random (per-user, seeded) or u1 (ML-100K u1.base/u1.test).")] = "random",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    test_fraction: Annotated[float, typer.Option("--test-fraction", min=0.05, max=0.5)] = 0.2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Compare recommenders offline: precision, recall, NDCG, hit rate, coverage, RMSE/MAE."""
    from chatrec_agent.recommender.evaluate import run_evaluation

    report = run_evaluation(
        dataset, path, [m.strip() for m in models.split(",") if m.strip()],
        [int(x) for x in k.split(",") if x.strip()], split, seed, test_fraction,
        settings=state.settings, console=err if as_json else console,
    )
    if as_json:
        print(json.dumps(report, indent=2))
        return
    metrics = ("precision", "recall", "ndcg", "hit_rate", "coverage")
    for cut in report["k"]:
        table = Table(title=f"{report['dataset']} @{cut} — {report['split']}")
        table.add_column("model")
        for metric in metrics:
            table.add_column(f"{metric}@{cut}", justify="right")
        table.add_column("fit s", justify="right")
        table.add_column("ms p95", justify="right")
        for name, row in report["models"].items():
            table.add_row(name, *[f"{row[f'{m}@{cut}']:.4f}" for m in metrics],
                          f"{row['fit_s']:.2f}", f"{row['recommend_ms_p95']:.1f}")
        console.print(table)
    rating = report.get("rating")
    if rating:
        console.print(f"Rating prediction ({rating['model']}): RMSE {rating['rmse']:.4f}, MAE {rating['mae']:.4f} "
                      f"(user-mean baseline RMSE {rating['user_mean_rmse']:.4f}) on {rating['ratings']} held-out ratings.")


@app.command()
def serve(
    platform: Annotated[str, typer.Argument(help="slack, discord or all.")],
    port: Annotated[Optional[int], typer.Option("--port", help="HTTP port for Slack events (default: slack.port, 3000).")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on in Slack HTTP mode.")] = "0.0.0.0",
) -> None:
    """Run the bot in Slack (Socket Mode with SLACK_APP_TOKEN, else HTTP) and/or Discord."""
    import threading

    from bot.adapters import ADAPTERS, adapter
    from bot.core import ChatService
    from bot.http_server import start_ops_server
    from bot.ops_server import OpsState
    from chatrec_agent.logs import configure_logging
    from chatrec_agent.metrics import Metrics

    settings = state.settings
    if platform not in (*ADAPTERS, "all"):
        raise ChatrecError(f"Unknown platform '{platform}'; use {', '.join(ADAPTERS)} or all.")
    chosen = [adapter(name) for name in (ADAPTERS if platform == "all" else [platform])]
    if platform == "all":  # whichever are configured; none is the error
        ready = [a for a in chosen if a.missing(settings) is None]
        if not ready:
            raise ChatrecError("No chat platform is configured: " + " ".join(a.missing(settings) or "" for a in chosen))
        if len(ready) < len(chosen):
            err.print(f"Only {', '.join(a.title for a in ready)} is configured; serving it alone.")
        chosen = ready
    for a in chosen:
        if (problem := a.missing(settings)) is not None:
            raise ChatrecError(problem)
    configure_logging(settings.ops.json_logs)
    metrics = Metrics(settings.llm.provider)
    ops = OpsState(metrics)
    if settings.ops.port is not None:  # up before the runtime: a load balancer sees "starting"
        try:
            server = start_ops_server(ops, settings.ops.host, settings.ops.port, settings.http)
        except OSError as exc:
            raise ChatrecError(f"Cannot serve /healthz and /metrics on {settings.ops.host}:{settings.ops.port} ({exc}); "
                               "set ops.port to a free port, or null to turn them off.") from None
        console.print(f"Health and metrics on port {server.server_port} (/healthz, /metrics).")
    service = ChatService(_runtime(settings, sync=True), metrics=metrics)
    service.runtime.follow()  # on postgres: pick up other replicas' reindexes (storage.poll_s)
    ops.service = service
    # One adapter serves from the main thread (discord.py's client wants it); the others beside it.
    main = next((a for a in chosen if a.owns_main_thread), chosen[-1])
    for a in chosen:
        if a is not main:
            threading.Thread(target=a.serve, args=(service, settings, host, port, ops), name=a.name, daemon=True).start()
        console.print(f"Serving {a.title}" + a.note(settings, port))
    main.serve(service, settings, host, port, ops)


@app.command()
def doctor() -> None:
    """Check config, catalog, embedding model, index and chat tokens; say what to fix."""
    from chatrec_agent.doctor import run_checks

    checks = run_checks(state.config, os.environ)
    marks = {"ok": "[green]✓[/]", "warn": "[yellow]![/]", "fail": "[red]✗[/]"}
    for check in checks:
        console.print(f"{marks[check.level]} {check.name}: {escape(check.detail)}")
    discord_ok = any(c.name == "discord" and c.level == "ok" for c in checks)
    if discord_ok:  # the token's application gets an invite link with the permissions the bot needs
        from bot.discord.app import invite_url
        from chatrec_agent.doctor import discord_application_id

        app_id = discord_application_id(state.settings.discord.token.get_secret_value())
        console.print(f"  Invite the Discord bot: {invite_url(app_id)}")
    failed = [c for c in checks if c.level == "fail"]
    if failed:
        count = sum(len(c.detail.splitlines()) if c.name == "config" else 1 for c in failed)  # a line per config problem
        console.print(f"\n{count} problem{'s' if count != 1 else ''} to fix.")
        raise typer.Exit(1)
    console.print("\nAll checks passed.")


@app.command(name="slack-key")
def slack_key() -> None:
    """Print a new key for SLACK_TOKEN_KEY: installed in many Slack workspaces (SLACK_CLIENT_ID
    set), the bot keeps their tokens encrypted with it. Keep it secret; losing it means reinstalling."""
    from bot.slack.install import new_key

    typer.echo(new_key())


def _default_user(runtime) -> str:
    users = runtime.catalog.users
    return "demo-01" if "demo-01" in users else (users[0] if users else "terminal")


def _terminal(runtime, user: str | None) -> None:
    from bot.terminal.app import run_terminal
    from chatrec_agent.conversation.llm import describe_model

    run_terminal(runtime.agent, user or _default_user(runtime), console,
                 replies_from=describe_model(runtime.settings.llm))


def _runtime(settings: Settings, sync: bool):
    from chatrec_agent.runtime import Runtime

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("Starting", total=None)

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=stage.capitalize())

        runtime = Runtime.start(settings, sync=sync, progress=progress)
    if runtime.sync_report is not None and runtime.sync_report.changed:
        err.print(runtime.sync_report.summary())
    return runtime


@app.command()
def chat(
    user: Annotated[Optional[str], typer.Option("--user", "-u", help="Catalog user id (default: a demo user).")] = None,
    script: Annotated[Optional[Path], typer.Option("--script", help="JSONL turns {channel, user, text} to run without a prompt.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where --script writes its JSONL replies (default: stdout).")] = None,
) -> None:
    """Talk to chatrec in the terminal, or run a conversation script."""
    from bot.terminal.app import read_script, run_script

    if script is not None:
        list(read_script(script))  # a bad script fails before the model loads
    with closing(_runtime(state.settings, sync=True)) as runtime:
        if script is not None:
            if output is None:
                count = run_script(runtime.agent, script, sys.stdout)
            else:
                with output.open("w", encoding="utf-8") as handle:
                    count = run_script(runtime.agent, script, handle)
                err.print(f"{count} turns answered; replies in {output}.")
            return
        _terminal(runtime, user)


@app.command()
def run() -> None:
    """The main job: bring the index up to date, then chat (or serve when tokens are set)."""
    settings = state.settings
    if settings.slack.configured or settings.discord.token is not None:
        serve("all")  # whichever platforms are configured
        return
    with closing(_runtime(settings, sync=True)) as runtime:
        _terminal(runtime, None)


def main() -> None:
    try:
        app()
    except ChatrecError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("Interrupted.")
        sys.exit(130)


if __name__ == "__main__":
    main()
