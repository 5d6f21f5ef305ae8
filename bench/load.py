"""Requests per second under concurrent load: gunicorn with 2 workers, load from wrk in a second process."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

USER_AGENT = "mou-bench/1"
ACCEPT_ENCODING = "Accept-Encoding: gzip, deflate, br"
PORT = 5181


def _wait(url: str) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  (loopback)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


def _session_cookie(base: str, login: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=form)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _wrk(url: str, cookie: str | None, seconds: int) -> float:
    # The headers a browser sends: it always accepts a compressed page.
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", f"User-Agent: {USER_AGENT}", "-H", ACCEPT_ENCODING, url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw error responses from {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def load_test(database_url: str, secret_key: str, login: str, password: str, pages: dict, seconds: int) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret_key, "MOU_RATELIMIT_STORAGE": "memory://"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}", "app:app"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        _wait(f"{base}/health")
        cookie = _session_cookie(base, login, password)
        result = {"health_rps": _wrk(f"{base}/health", None, seconds)}
        for name, path in pages.items():
            result[f"{name}_rps"] = _wrk(base + path, cookie, seconds)
        result["worker_peak_mib"] = max(_peak_mib(pid) for pid in _children(server.pid))
        return result
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
