"""The explorer in a real browser: JupyterLab served on 127.0.0.1, driven in Debian's Chromium.

The test starts JupyterLab headless (random free port, random token, a throw-away copy of
``notebooks/05_explorer.ipynb`` so autosave never touches the repository), opens the notebook in
Chromium through Playwright (``executable_path=/usr/bin/chromium``: no browser download, ever),
runs all cells from the Run menu, then changes the municipality and the question through the
widgets and checks that the chart image and the table text changed. Screenshots go to
``tests/artifacts/`` (git-ignored). Every wait is on a condition (a selector, the kernel's
status, the explorer's render counter), with generous limits for a busy 2-core CI machine.

Enable it on your machine with ``apt-get install chromium`` and ``pip install playwright``
(never ``playwright install``: the test uses the system Chromium).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kommunanalys import paths

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOTEBOOK = "05_explorer.ipynb"
HOW_TO_ENABLE = ("enable the browser test with `apt-get install chromium` (Debian's Chromium at "
                 "/usr/bin/chromium) and `pip install playwright`; never run `playwright install`")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]

SERVER_START_S = 180
FIRST_RENDER_S = 240
UPDATE_S = 90


def _require_browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: {HOW_TO_ENABLE}")
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        pytest.skip(f"the Python package playwright is not installed: {HOW_TO_ENABLE}")
    try:
        import jupyterlab  # noqa: F401
    except ImportError:  # pragma: no cover - a dependency of the package
        pytest.skip("jupyterlab is not installed: pip install -e '.[test]'")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Lab:
    """A JupyterLab server on 127.0.0.1 with its own config, runtime, settings and workspace dirs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.notebooks = root / "notebooks"
        self.notebooks.mkdir()
        shutil.copy(paths.NOTEBOOKS_DIR / NOTEBOOK, self.notebooks / NOTEBOOK)
        settings = root / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        # No news or update checks (the CI machine has no internet access).
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
        self.token = secrets.token_hex(16)
        self.log_path = root / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:] if self.log_path.exists() else ""

    def start(self) -> None:
        env = dict(os.environ)
        env.update({
            "JUPYTER_CONFIG_DIR": str(self.root / "config"),
            "JUPYTER_RUNTIME_DIR": str(self.root / "runtime"),
            "JUPYTER_DATA_DIR": str(self.root / "data"),
            "PYTHONPATH": os.pathsep.join(p for p in [str(paths.PROJECT_ROOT), env.get("PYTHONPATH", "")] if p),
            "MPLBACKEND": "agg",
        })
        for attempt in range(3):  # the free port may be taken between finding and binding it
            self.port = _free_port()
            cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.notebooks}",
                   "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   f"--LabApp.user_settings_dir={self.root / 'settings'}",
                   f"--LabApp.workspaces_dir={self.root / 'workspaces'}",
                   "--NotebookNotary.db_file=:memory:"]
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.root)
            deadline = time.monotonic() + SERVER_START_S
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=5) as r:
                        if r.status == 200:
                            return
                except OSError:
                    time.sleep(0.25)
            else:
                self.stop()
                raise AssertionError(f"JupyterLab did not answer within {SERVER_START_S} s:\n{self.log()}")
            if "already in use" not in self.log():
                raise AssertionError(f"JupyterLab exited with code {self.proc.returncode}:\n{self.log()}")
        raise AssertionError(f"JupyterLab found no free port in 3 attempts:\n{self.log()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # JupyterLab shuts its kernels down on SIGTERM
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def lab(tmp_path):
    _require_browser()
    server = _Lab(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _renders(page) -> int:
    text = page.locator(".ka-status .ka-renders").first.inner_text()
    return int(text)


def _snapshot(page) -> dict:
    chart = page.locator("img.ka-chart").first
    return {
        "src": chart.get_attribute("src"),
        "pixels": chart.screenshot(),
        "table": page.locator(".ka-table").first.inner_text(),
        "title": page.locator(".ka-title").first.inner_text(),
        "renders": _renders(page),
    }


def _choose(page, css: str, pattern: str) -> None:
    """Select the option of a Dropdown widget whose text matches ``pattern``."""
    select = page.locator(f"{css} select").first
    texts = select.locator("option").all_inner_texts()
    index = next((i for i, t in enumerate(texts) if re.search(pattern, t.replace("\xa0", " "))), None)
    assert index is not None, f"no option matching {pattern!r} in {texts}"
    select.select_option(index=index)


def _wait_for_render(page, after: int) -> None:
    page.wait_for_function(
        "n => { const e = document.querySelector('.ka-status .ka-renders'); return e && +e.textContent > n; }",
        arg=after, timeout=UPDATE_S * 1000)


def test_explorer_updates_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    started = time.monotonic()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(lab.root / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 2000})
        page = context.pages[0] if context.pages else context.new_page()
        try:
            page.goto(f"{lab.base}/lab/tree/{NOTEBOOK}?token={lab.token}", timeout=SERVER_START_S * 1000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=SERVER_START_S * 1000)
            # The kernel is up and idle before anything runs.
            page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\| Idle$")).wait_for(
                timeout=SERVER_START_S * 1000)
            page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").first.click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            page.wait_for_selector("img.ka-chart", timeout=FIRST_RENDER_S * 1000)
            page.wait_for_function("() => document.querySelector('.ka-status .ka-renders')",
                                   timeout=FIRST_RENDER_S * 1000)
            page.locator(".ka-explorer").first.scroll_into_view_if_needed()
            first = _snapshot(page)
            assert "Hammarö" in first["title"] and "6." in first["title"]
            page.screenshot(path=str(ARTIFACTS / "explorer_1_start.png"), full_page=True)

            _choose(page, ".ka-municipality", r"\(1780\)")
            _wait_for_render(page, first["renders"])
            page.wait_for_function("() => document.querySelector('.ka-title').innerText.includes('Karlstad')",
                                   timeout=UPDATE_S * 1000)
            second = _snapshot(page)
            assert second["src"] != first["src"], "the chart image was not replaced"
            assert second["pixels"] != first["pixels"], "the chart looks the same after changing the municipality"
            assert second["table"] != first["table"], "the table did not change with the municipality"
            page.screenshot(path=str(ARTIFACTS / "explorer_2_municipality.png"), full_page=True)

            _choose(page, ".ka-question", r"^14\.")
            _wait_for_render(page, second["renders"])
            page.wait_for_function("() => document.querySelector('.ka-title').innerText.includes('14.')",
                                   timeout=UPDATE_S * 1000)
            third = _snapshot(page)
            assert third["src"] != second["src"], "the chart image was not replaced"
            assert third["pixels"] != second["pixels"], "the chart looks the same after changing the question"
            assert third["table"] != second["table"], "the table did not change with the question"
            assert "Karlstad" in third["title"]
            assert "Fel:" not in page.locator(".ka-status").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "explorer_3_question.png"), full_page=True)
            page.locator("img.ka-chart").first.screenshot(path=str(ARTIFACTS / "explorer_3_chart.png"))
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "explorer_failure.png"), full_page=True)
            (ARTIFACTS / "jupyterlab_failure.log").write_text(lab.log(), encoding="utf-8")
            raise
        finally:
            context.close()
    print(f"browser test: {time.monotonic() - started:.1f} s after the server answered")
