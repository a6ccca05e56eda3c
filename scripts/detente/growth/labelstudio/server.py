"""A local Label Studio for review: start it on loopback, wait for it, create the project, import the tasks.

Label Studio (pinned to LABEL_STUDIO_VERSION) lives in its own virtualenv, `.venv-label`, created by
scripts/label_studio.sh: it is an optional tool of about 1 GB, not part of the pipeline's install.
Its data (SQLite database, login) stay in a local folder (default `.label-studio/`), never in a release.
Only the standard library talks to its REST API.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import DetenteError
from detente.growth.labelstudio.config import PROJECT_TITLE, labelling_config
from detente.growth.labelstudio.tasks import export_tasks, pending_documents
from detente.paths import REPO_ROOT

LABEL_STUDIO_VERSION = "1.23.2"
VENV = REPO_ROOT / ".venv-label"
DATA_DIR = REPO_ROOT / ".label-studio"
EXECUTABLE_ENV = "DETENTE_LABEL_STUDIO"  # path of a label-studio executable, overriding .venv-label


class LabelStudioError(DetenteError):
    """Label Studio is missing, did not start, or refused a request."""


def executable() -> Path | None:
    """The label-studio executable: $DETENTE_LABEL_STUDIO, else .venv-label/bin/label-studio; None if neither exists."""
    configured = os.environ.get(EXECUTABLE_ENV)
    candidate = Path(configured) if configured else VENV / "bin" / "label-studio"
    return candidate if candidate.is_file() else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    token: str

    @staticmethod
    def for_data_dir(data_dir: Path) -> Login:
        """The login stored in the data folder, made on first use (the user is created with it on first start)."""
        path = data_dir / "detente-login.json"
        if path.exists():
            return Login(**json.loads(path.read_text(encoding="utf-8")))
        login = Login("reviewer@detente.local", secrets.token_urlsafe(12), secrets.token_hex(20))
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(login.__dict__, indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)
        return login


class Client:
    """The few REST calls the round trip needs (legacy token authentication)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url.rstrip("/"), token

    def call(self, method: str, path: str, body: Any = None, timeout: float = 60) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as err:
            raise LabelStudioError(f"Label Studio refused {method} {path}: HTTP {err.code}: {err.read()[:1000].decode('utf-8', 'replace')}") from None
        return json.loads(payload) if payload else None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def project_by_title(self, title: str) -> dict[str, Any] | None:
        listing = self.call("GET", "/api/projects?page_size=1000")
        projects = listing["results"] if isinstance(listing, dict) else listing
        return next((p for p in projects if p.get("title") == title), None)

    def create_project(self, title: str, label_config: str) -> dict[str, Any]:
        return self.call("POST", "/api/projects", {"title": title, "label_config": label_config})

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> dict[str, Any]:
        return self.call("POST", f"/api/projects/{project_id}/import", tasks)

    def tasks(self, project_id: int) -> list[dict[str, Any]]:
        listing = self.call("GET", f"/api/tasks?project={project_id}&page_size=10000")
        return listing["tasks"] if isinstance(listing, dict) else listing

    def annotate(self, task_id: int, result: list[dict[str, Any]]) -> dict[str, Any]:
        """Submit an annotation as a reviewer does in the editor."""
        return self.call("POST", f"/api/tasks/{task_id}/annotations", {"result": result, "was_cancelled": False, "ground_truth": False})

    def export(self, project_id: int) -> list[dict[str, Any]]:
        return self.call("GET", f"/api/projects/{project_id}/export?exportType=JSON", timeout=300)


@dataclass
class Server:
    process: subprocess.Popen
    client: Client
    login: Login
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return self.client.url

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(data_dir: Path = DATA_DIR, port: int | None = None, wait_seconds: float = 180) -> Server:
    """Start Label Studio on 127.0.0.1 with its data in `data_dir` and wait until /health answers."""
    binary = executable()
    if binary is None:
        raise LabelStudioError(f"Label Studio is not installed: run scripts/label_studio.sh (creates {VENV}) or set {EXECUTABLE_ENV}")
    port = port or free_port()
    login = Login.for_data_dir(data_dir)
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir.resolve()),
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LATEST_VERSION_CHECK": "false",  # it would ask the internet for a newer version
        "COLLECT_ANALYTICS": "false",
    }
    log_path = data_dir / "label-studio.log"
    log = log_path.open("ab")
    command = [str(binary), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
               # "--option=value": a random password may start with "-", which argparse would take for an option
               f"--username={login.username}", f"--password={login.password}", f"--user-token={login.token}"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=data_dir)
    log.close()
    server = Server(process, Client(f"http://127.0.0.1:{port}", login.token), login, port, log_path)
    deadline = time.monotonic() + wait_seconds
    while not server.client.healthy():
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise LabelStudioError(f"Label Studio did not answer on port {port} within {wait_seconds:.0f} s; log {log_path}:\n{tail}")
        time.sleep(0.5)
    return server


def open_project(client: Client, label_config: str, tasks: list[dict[str, Any]], title: str) -> tuple[int, int]:
    """Create (or reuse) the review project and import the tasks of documents it does not hold yet."""
    project = client.project_by_title(title)
    if project is None:
        project = client.create_project(title, label_config)
    present = {t["data"].get("doc_id") for t in client.tasks(project["id"])}
    new = [t for t in tasks if t["data"]["doc_id"] not in present]
    if new:
        client.import_tasks(project["id"], new)
    return project["id"], len(new)


def main_serve(raw_dir: Path, source_dir: Path, data_dir: Path, port: int, doc_ids: list[str], include_all: bool) -> int:
    """`detente labelstudio serve`: Label Studio on loopback with the review project; runs until interrupted."""
    if not doc_ids:
        doc_ids = sorted(p.stem for p in raw_dir.glob("dtn-*.txt")) if include_all else pending_documents(raw_dir, source_dir)
    tasks = export_tasks(raw_dir, source_dir, doc_ids)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # `kill` stops Label Studio too, like Ctrl-C
    started = time.monotonic()
    server = start(data_dir, port)
    try:
        project_id, imported = open_project(server.client, labelling_config(), tasks, PROJECT_TITLE)
        print(f"Label Studio {LABEL_STUDIO_VERSION} is up after {time.monotonic() - started:.0f} s: {server.url}/projects/{project_id}")
        print(f"login: {server.login.username} / {server.login.password}   (stored in {data_dir / 'detente-login.json'})")
        print(f"{imported} new task(s) imported, {len(tasks) - imported} already in the project ({' '.join(doc_ids) or 'no document pending review'})")
        print("when the review is done, export and import it back:")
        print(f"  curl -s -H 'Authorization: Token {server.login.token}' '{server.url}/api/projects/{project_id}/export?exportType=JSON' -o review.json")
        print("  detente labelstudio import review.json")
        print("Ctrl-C stops the server.")
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
