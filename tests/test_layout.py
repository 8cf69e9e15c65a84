"""The package layout: wings by concern, lower wings never import higher ones, and a built
wheel carries its data (demo catalog, explanation templates, Slack manifest, the schema's
revisions)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Rank of each wing: a module may import its own wing and lower ones only. `cli` is the
# composition root (it starts the platform front ends), so it alone sits above `bot`.
RANKS = {
    "chatrec_agent.errors": 0,
    "chatrec_agent.settings": 0,
    "chatrec_agent.metrics": 0,  # what a serving process counts, and how it logs
    "chatrec_agent.logs": 0,
    "chatrec_agent.heap": 0,  # freed memory back to the system after a fit or a sync
    "chatrec_agent.catalog": 1,
    "chatrec_agent.search": 2,
    "chatrec_agent.store": 2,
    "chatrec_agent.recommender": 3,
    "chatrec_agent.conversation": 4,
    "chatrec_agent.runtime": 5,
    "chatrec_agent.doctor": 5,
    "bot": 6,
    "chatrec_agent.cli": 7,
}


def _wing(module: str) -> str | None:
    best = None
    for wing in RANKS:
        if (module == wing or module.startswith(wing + ".")) and (best is None or len(wing) > len(best)):
            best = wing
    return best


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def _modules():
    for package in ("chatrec_agent", "bot"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(p for p in parts if p != "__init__"), path


def test_every_module_belongs_to_a_wing():
    homeless = [name for name, _ in _modules() if _wing(name) is None and name not in ("chatrec_agent",)]
    assert homeless == []


def test_lower_wings_never_import_higher_ones():
    breaches = []
    for name, path in _modules():
        own = _wing(name)
        if own is None:
            continue
        for target in _imports(path):
            other = _wing(target)
            if other is not None and RANKS[other] > RANKS[own]:
                breaches.append(f"{name} imports {target}")
    assert breaches == []


def test_only_bot_imports_the_platform_libraries():
    offenders = [
        name for name, path in _modules() if not name.startswith("bot")
        for target in _imports(path) if target.split(".")[0] in ("slack_bolt", "slack_sdk", "discord")
    ]
    assert offenders == []


def test_every_package_folder_is_a_regular_package():
    # A folder without __init__.py is left out of the wheel by setuptools' package finder.
    missing = [
        str(folder.relative_to(ROOT)) for package in ("chatrec_agent", "bot")
        for folder in [ROOT / package, *(ROOT / package).rglob("*")]
        if folder.is_dir() and any(folder.glob("*.py")) and not (folder / "__init__.py").exists()
    ]
    assert missing == []


def test_a_built_wheel_installs_into_a_fresh_venv_with_its_data(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(wheels), str(ROOT)],
        check=True, cwd=tmp_path,
    )
    (wheel,) = wheels.glob("chatrec-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "chatrec_agent/catalog/data/demo_catalog.jsonl" in names
    assert "chatrec_agent/recommender/templates/because_you_liked.j2" in names
    assert "bot/slack/manifest.yaml" in names
    assert "chatrec_agent/conversation/planner/model.py" in names
    assert {f"chatrec_agent/conversation/planner/data/{name}" for name in
            ("genre_words.yaml", "era_words.yaml", "word_forms.json")} <= names
    schema = ROOT / "chatrec_agent" / "store" / "schema"
    shipped = [p for p in schema.rglob("*") if p.is_file() and p.suffix in (".py", ".sql", ".mako", ".ini")
               and "__pycache__" not in p.parts]
    revisions = sorted(p for p in (schema / "versions").glob("*.py") if p.name != "__init__.py")
    assert revisions and {p.relative_to(ROOT).as_posix() for p in shipped} <= names

    venv = tmp_path / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--ignore-installed",
                    "--no-deps", "--no-index", str(wheel)], check=True, env=env)
    # The fresh venv takes the dependencies (not chatrec itself) from this environment.
    fresh_site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                check=True, capture_output=True, text=True).stdout.strip()
    Path(fresh_site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = textwrap.dedent("""
        import chatrec_agent, bot
        from chatrec_agent.catalog.load import load_catalog
        from chatrec_agent.settings import CatalogSettings
        from chatrec_agent.recommender.explain import Explainer
        from chatrec_agent.conversation.planner.model import OfflinePlanner
        from chatrec_agent.store.schema import revisions
        from importlib import resources
        catalog = load_catalog(CatalogSettings(format="demo"))
        manifest = (resources.files("bot.slack") / "manifest.yaml").read_text()
        print(chatrec_agent.__file__)
        print(len(catalog), len(Explainer().env.list_templates()), "slash_commands" in manifest)
        print(len(revisions()))
    """)
    run = subprocess.run([python, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    out = run.stdout.split("\n")
    assert out[0].startswith(fresh_site), out[0]
    templates = len(list((ROOT / "chatrec_agent" / "recommender" / "templates").glob("*.j2")))
    assert out[1] == f"330 {templates} True"
    assert out[2] == str(len(revisions))  # read from the installed package, as the stores do
    console = subprocess.run([venv / "bin" / "chatrec", "--help"], capture_output=True, text=True,
                             cwd=tmp_path, env=env)
    assert console.returncode == 0 and "index" in console.stdout
