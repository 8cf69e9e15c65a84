"""The Slack app installed in many workspaces: Bolt's OAuth flow over real HTTP against the Web
API stand-in, signed events answered with each workspace's own token, tokens encrypted in the
bot's database, and a workspace's data gone when the app is uninstalled there."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from bot.slack.install import EncryptedInstallationStore, new_key
from chatrec_agent.store.polls import PollStore
from chatrec_agent.errors import ChatrecError

from .test_slack_app import SECRET, item_buttons, slack_app

CLIENT_SECRET = "client-secret-for-tests"


def get(url: str, cookie: str = "") -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def install(client, api, team: str, code: str, grant: bool = True) -> tuple[int, str]:
    """What an admin of `team` does: open the install page, approve (Slack sends them back with
    a code), the bot trades the code for the workspace's token."""
    root = client.url.removesuffix("/slack/events")
    status, page, headers = get(f"{root}/slack/install")
    assert status == 200, page
    state = re.search(r"state=([^&\"']+)", page).group(1)
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie.split("=", 1)[1] == state  # the state rides in a cookie too: another browser can't finish it
    if grant:
        api.installs[code] = {"app_id": "A1", "access_token": f"xoxb-{team}-secret", "token_type": "bot",
                              "bot_user_id": f"UB{team}",
                              "scope": "chat:write,app_mentions:read", "team": {"id": team, "name": f"Team {team}"},
                              "enterprise": None, "is_enterprise_install": False, "authed_user": {"id": f"UADMIN{team}"}}
    status, page, _ = get(f"{root}/slack/oauth_redirect?code={code}&state={urllib.parse.quote(state)}", cookie)
    return status, page


@pytest.fixture
def installable(tmp_path, embedder):
    key = new_key()
    slack = {"signing_secret": SECRET, "client_id": "111.222", "client_secret": CLIENT_SECRET, "token_key": key,
             "admin_user_ids": ["UCONFIGADMIN"]}
    with slack_app(tmp_path, embedder, slack=slack) as app:
        yield (*app, key)


def test_two_workspaces_install_the_app_and_each_is_answered_with_its_own_token(installable):
    client, api, runtime, key = installable
    for team in ("T2", "T3"):
        status, page = install(client, api, team, code=f"code-{team}")
        assert status == 200 and "Thank you" in page, page
    # At rest the tokens are encrypted; with the key they read back.
    raw = runtime.history.installation("slack", "T2")
    assert raw and "xoxb-T2-secret" not in raw
    found = EncryptedInstallationStore(runtime.history, key).find_bot(enterprise_id=None, team_id="T2")
    assert found.bot_token == "xoxb-T2-secret" and found.bot_user_id == "UBT2"
    assert EncryptedInstallationStore(runtime.history, new_key()).find_bot(enterprise_id=None, team_id="T2") is None  # another key

    assert client.mention("give me 3 westerns", channel="C2", team="T2") == 200
    assert client.mention("two comedies please", channel="C3", team="T3") == 200
    (two,) = api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C2")
    (three,) = api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C3")
    assert len(item_buttons(two)) == 3 and len(item_buttons(three)) == 2
    posted_with = {token for method, token in api.tokens if method == "chat.postMessage"}
    assert posted_with == {"xoxb-T2-secret", "xoxb-T3-secret"}

    # A code is good once; a state that no install page gave out is refused.
    status, page = install(client, api, "T4", code="code-T2", grant=False)  # Slack's codes are single-use
    assert "Thank you" not in page and runtime.history.installation("slack", "T4") is None
    root = client.url.removesuffix("/slack/events")
    status, _, _ = get(f"{root}/slack/oauth_redirect?code=x&state=forged", "slack-app-oauth-state=forged")
    assert status != 200 and runtime.history.installation("slack", "T4") is None


def test_an_org_wide_install_is_refused_and_nothing_is_stored(installable):
    client, api, runtime, _ = installable
    root = client.url.removesuffix("/slack/events")
    status, page, headers = get(f"{root}/slack/install")
    state = re.search(r"state=([^&\"']+)", page).group(1)
    api.installs["org"] = {"app_id": "A1", "access_token": "xoxb-E1-secret", "token_type": "bot", "bot_user_id": "UBE1",
                           "scope": "chat:write", "team": None, "enterprise": {"id": "E1", "name": "Org"},
                           "is_enterprise_install": True, "authed_user": {"id": "UADMINE1"}}
    status, page, _ = get(f"{root}/slack/oauth_redirect?code=org&state={urllib.parse.quote(state)}",
                          headers["set-cookie"].split(";")[0])
    assert status != 200 and "Thank you" not in page
    assert runtime.history.installation("slack", "E1") is None and runtime.history.installation("slack", "") is None
    status, page = install(client, api, "T2", code="code-T2")  # a workspace's own install still works
    assert status == 200 and "Thank you" in page


def test_a_slack_connect_channel_is_answered_as_the_installation_that_received_it(installable):
    """In a channel shared with another organisation the body's team_id is that organisation's;
    the installation that received the event (Bolt's context) answers, and what is said there is
    kept under its workspace, so uninstalling it forgets that too."""
    client, api, runtime, _ = installable
    install(client, api, "T2", code="code-T2")
    assert client.mention("give me 3 westerns", channel="CSHARED", team="TOTHERORG", authorized="T2") == 200
    (answer,) = api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "CSHARED")
    assert len(item_buttons(answer)) == 3
    assert [token for method, token in api.tokens if method == "chat.postMessage"] == ["xoxb-T2-secret"]
    assert runtime.agent.memory.conversations("slack:T2:CSHARED", threads=True)
    assert not runtime.agent.memory.conversations("slack:TOTHERORG:CSHARED", threads=True)


def test_a_reinstall_with_a_new_token_is_answered_with_the_new_one(installable):
    client, api, runtime, _ = installable
    install(client, api, "T2", code="first")
    assert client.mention("a western", channel="C2", team="T2") == 200
    api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C2")
    root = client.url.removesuffix("/slack/events")
    status, page, headers = get(f"{root}/slack/install")
    state = re.search(r"state=([^&\"']+)", page).group(1)
    api.installs["second"] = {"app_id": "A1", "access_token": "xoxb-T2-rotated", "token_type": "bot", "bot_user_id": "UBT2",
                              "scope": "chat:write", "team": {"id": "T2", "name": "Team T2"}, "enterprise": None,
                              "is_enterprise_install": False, "authed_user": {"id": "UADMINT2"}}
    assert get(f"{root}/slack/oauth_redirect?code=second&state={urllib.parse.quote(state)}",
               headers["set-cookie"].split(";")[0])[0] == 200
    assert client.mention("a comedy", channel="C9", team="T2") == 200
    api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C9")
    assert [token for method, token in api.tokens if method == "chat.postMessage"][-1] == "xoxb-T2-rotated"


def test_uninstalling_forgets_the_workspace_and_its_events_go_unanswered(installable):
    client, api, runtime, _ = installable
    install(client, api, "T2", code="c2")
    install(client, api, "T3", code="c3")
    assert client.mention("give me 3 westerns", channel="C2", team="T2") == 200
    (answer,) = api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C2")
    assert client.click("chatrec_like", item_buttons(answer)[0], user="U1", channel="C2", team="T2") == 200
    assert client.mention("a comedy", channel="C3", team="T3") == 200
    api.wait_for("chat.postMessage", where=lambda a: a["channel"] == "C3")
    assert runtime.history.user_history("slack:T2:U1") and runtime.agent.memory.conversations("slack:T2", threads=True)
    polls = PollStore(runtime.history)
    members, items = [{"id": "U1", "name": "Ana"}], [{"id": item_buttons(answer)[0]}]
    two, three = (polls.open("slack", team, f"slack:{team}:C", members, items) for team in ("T2", "T3"))

    assert client.event({"type": "app_uninstalled"}, team="T2") == 200
    deadline = time.monotonic() + 10
    while runtime.history.installation("slack", "T2") is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert runtime.history.installation("slack", "T2") is None
    assert not runtime.history.user_history("slack:T2:U1") and not runtime.agent.memory.conversations("slack:T2", threads=True)
    assert runtime.history.installation("slack", "T3") and runtime.agent.memory.conversations("slack:T3", threads=True)
    assert polls.get("slack", "T2", two) is None and polls.get("slack", "T3", three) is not None  # names and votes go too

    posts = len(api.of("chat.postMessage"))
    assert client.mention("more westerns", channel="C2", team="T2") == 200  # no installation: nobody to answer as
    time.sleep(1.0)
    assert len(api.of("chat.postMessage")) == posts


def test_installing_in_many_workspaces_needs_its_secret_and_a_valid_key(tmp_path, embedder):
    with pytest.raises(ChatrecError, match="SLACK_TOKEN_KEY"):
        with slack_app(tmp_path / "a", embedder, slack={"signing_secret": SECRET, "client_id": "1.2", "client_secret": "s"}):
            pass
    with pytest.raises(ChatrecError, match="not a valid key"):
        with slack_app(tmp_path / "b", embedder, slack={"signing_secret": SECRET, "client_id": "1.2", "client_secret": "s",
                                                        "token_key": "not-a-key"}):
            pass
