"""Helpers the benchmark scripts share: timing a command with its process tree, and identity scores."""

from __future__ import annotations

import os
import subprocess
import threading
import time


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def measure(cmd: list[str] | str) -> dict:
    """Run a command; wall time, CPU time of it and its children, peak summed RSS."""
    before = os.times()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=isinstance(cmd, str), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0].decode(errors="replace")
    done.set()
    sampler.join()
    wall = time.perf_counter() - started
    after = os.times()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed:\n{output[-3000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak / 2**20, "output": output}


def _filled(pred: list) -> list:
    """A video without a predicted person is a cluster of its own."""
    return [p if p is not None else f"none-{i}" for i, p in enumerate(pred)]


def bcubed(truth: list, pred: list) -> dict:
    """BCubed precision, recall and F1 over items (Amigó et al. 2009)."""
    pred = _filled(pred)
    precision = recall = 0.0
    for i in range(len(truth)):
        same_pred = [j for j in range(len(truth)) if pred[j] == pred[i]]
        same_true = [j for j in range(len(truth)) if truth[j] == truth[i]]
        both = len([j for j in same_pred if truth[j] == truth[i]])
        precision += both / len(same_pred)
        recall += both / len(same_true)
    precision, recall = precision / len(truth), recall / len(truth)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def bcubed_f1(truth: list, pred: list) -> float:
    return bcubed(truth, pred)["f1"]


def accuracy(truth: list, pred: list) -> dict:
    from sklearn.metrics import adjusted_rand_score

    b = bcubed(truth, pred)
    return {"ari": adjusted_rand_score(truth, _filled(pred)), "bcubed_f1": b["f1"],
            "bcubed_precision": b["precision"], "bcubed_recall": b["recall"]}  # fmt: skip


class FileServer:
    """Serve `files` (name -> path) at http://127.0.0.1:PORT/blob/<name>, without extensions, as the
    real blob storage does; `with FileServer(files) as s: s.url`."""

    def __init__(self, files: dict):
        import http.server

        files = {name: str(path) for name, path in files.items()}

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path = files.get(self.path.removeprefix("/blob/"))
                if path is None:
                    self.send_error(404)
                    return
                with open(path, "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
