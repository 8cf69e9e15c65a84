"""Discord benchmark: the real `chatrec serve discord` process against local stand-ins for
Discord's REST API and gateway (the ones the tests use), on the demo catalog.

Reports the time from launch to IDENTIFY on the gateway (start-up, index sync included),
and per mention the time from the MESSAGE_CREATE frame leaving the gateway to the bot's
POST of its answer: the whole path of a real deployment minus the internet.

    python benchmarks/discord_bench.py --messages 100
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.discord_gateway import GatewayStandIn  # noqa: E402
from tests.discord_mock import BOT_USER, MockDiscordAPI  # noqa: E402

MESSAGES = [
    "what should I watch tonight?", "why the second one?", "something older", "a mind-bending sci-fi from the 90s",
    "more like the first", "not those, others", "only comedies", "something like Star Wars and Fargo, no horror",
    "give me 3 westerns", "hated the third one", "what have I liked?", "a scary film from the 80s",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()

    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.bench"
    guild, channel = "555000000000000001", "555000000000000002"
    api, gateway = MockDiscordAPI(tokens=(token,)).start(), GatewayStandIn(guild, channel).start()
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "config.yaml").write_text(
            "catalog: {format: demo}\nstorage: {dir: state}\n"
            "discord: {token: '${DISCORD_TOKEN}', api_url: '${DISCORD_API_URL}', gateway_url: '${DISCORD_GATEWAY_URL}'}\n")
        env = {**os.environ, "DISCORD_TOKEN": token, "DISCORD_API_URL": api.url, "DISCORD_GATEWAY_URL": gateway.url}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "chatrec_agent.cli", "serve", "discord"], cwd=folder, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            gateway.wait_identified(timeout=300)
            ready_s = time.perf_counter() - started
            latencies, fields = [], []
            for n in range(args.messages):
                author = {"id": str(777000000000000000 + n % 7), "username": f"user{n % 7}", "discriminator": "0",
                          "global_name": None, "avatar": None}
                before = len(api.of("message"))
                sent_at = time.perf_counter()
                gateway.message(f"<@{BOT_USER['id']}> {MESSAGES[n % len(MESSAGES)]}", author,
                                str(888000000000000000 + n), mentions=[BOT_USER])
                while len(api.of("message")) == before:  # a fine poll: the stand-in's wait_for sleeps 50 ms
                    assert time.perf_counter() - sent_at < 60, "no answer"
                    time.sleep(0.001)
                latencies.append((time.perf_counter() - sent_at) * 1000)
                answer = api.of("message")[before]
                fields.append(sum(len(e.get("fields", [])) for e in answer.get("embeds", [])))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            gateway.stop()
            api.stop()
    ms = np.array(latencies)
    print(json.dumps({
        "catalog": "demo (330 films)", "messages": len(ms), "ready_s": round(ready_s, 2),
        "mention_to_answer_ms": {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1),
                                 "max": round(float(ms.max()), 1)},
        "answers_with_cards": sum(1 for f in fields if f), "mean_cards": round(float(np.mean(fields)), 2),
    }, indent=2))


if __name__ == "__main__":
    main()
