"""Memory benchmark: how big the conversation memory grows over many turns.

Runs N turns (offline planner, demo catalog unless --movielens) spread over a number of
conversations, then reports the memory database's size, checkpoints and messages kept, so
the pruning (latest checkpoint only, state compacted to the window, idle conversations
forgotten after memory.retention_days) can be checked against unbounded growth.

    python benchmarks/memory_bench.py --turns 10000 --conversations 200
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from chatrec_agent.runtime import Runtime
from chatrec_agent.settings import settings_from_dict

from chat_bench import CONVERSATION  # noqa: E402 - the same mix of requests and follow-ups


def measure(storage: Path, runtime: Runtime, conversations: int) -> dict:
    memory = storage / "memory.sqlite3"
    db = sqlite3.connect(memory)
    checkpoints = db.execute("SELECT COUNT(*) FROM checkpoints").fetchone()[0]
    writes = db.execute("SELECT COUNT(*) FROM writes").fetchone()[0]
    db.close()
    sizes = [len(runtime.agent.history(f"bench:{c}")) for c in range(conversations)]
    wal = memory.with_name(memory.name + "-wal")
    return {"memory_bytes": memory.stat().st_size + (wal.stat().st_size if wal.exists() else 0),
            "checkpoints": checkpoints, "pending_writes": writes, "max_messages_kept": max(sizes),
            "mean_messages_kept": round(sum(sizes) / len(sizes), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--window", type=int, default=40, help="memory.window_messages")
    parser.add_argument("--movielens", type=Path, help="an ml-100k folder (default: the demo catalog)")
    parser.add_argument("--every", type=int, default=2_000, help="report the size after every this many turns")
    args = parser.parse_args()
    catalog = {"format": "movielens-100k", "path": str(args.movielens)} if args.movielens else {"format": "demo"}
    with tempfile.TemporaryDirectory(prefix="chatrec-memory-") as folder:
        storage = Path(folder)
        settings = settings_from_dict({"catalog": catalog, "storage": {"dir": folder},
                                       "memory": {"window_messages": args.window}}, environ={})
        runtime = Runtime.start(settings)
        users = sorted(runtime.history.users())[:50] or ["bench"]
        growth, started = [], time.perf_counter()
        for n in range(args.turns):
            conversation = n % args.conversations
            text = CONVERSATION[(n // args.conversations) % len(CONVERSATION)]
            runtime.agent.respond(f"bench:{conversation}", users[conversation % len(users)], text)
            if (n + 1) % args.every == 0 or n + 1 == args.turns:
                growth.append({"turns": n + 1, **measure(storage, runtime, args.conversations)})
                print(f"{n + 1} turns: {growth[-1]['memory_bytes'] / 1e6:.1f} MB", file=sys.stderr)
        print(json.dumps({"turns": args.turns, "conversations": args.conversations, "window_messages": args.window,
                          "seconds": round(time.perf_counter() - started, 1), "growth": growth}, indent=2))


if __name__ == "__main__":
    main()
