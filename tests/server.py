"""A local HTTP server (127.0.0.1) serving test videos without file extensions, and hostile routes."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit


class Server:
    def __init__(self, files: dict[str, Path]):
        self.files = files
        self.hits: Counter = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.hits[self.path] += 1
                route = urlsplit(self.path).path.strip("/").split("/")
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    getattr(self, "route_" + route[0])(*route[1:])

            def send(self, code, body=b"", kind="application/octet-stream", length=None):
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                self.wfile.write(body)

            def route_blob(self, name):  # like the real data: no file extension
                path = server.files.get(name)
                if path is None:
                    return self.send(404, b"not found", "text/plain")
                self.send(200, path.read_bytes())

            def route_mislabelled(self, name):  # a video served as text/html
                self.send(200, server.files[name].read_bytes(), "text/html")

            def route_status(self, code):
                self.send(int(code), b"error", "text/plain")

            def route_html(self):
                self.send(200, b"<html><body>a web page</body></html>", "text/html; charset=utf-8")

            def route_embedslow(self):  # a web page whose video (found by yt-dlp) is /slowdrip
                page = b'<html><body><video src="/slowdrip" type="video/mp4"></video></body></html>'
                self.send(200, page, "text/html; charset=utf-8")

            def route_endlesshtml(self):  # a web page that never ends, as fast as it can
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(1000):
                    self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")

            def route_empty(self):
                self.send(200, b"")

            def route_big(self):
                self.send(200, b"\0" * 300_000)

            def route_bignolength(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                for _ in range(30):
                    self.wfile.write(b"\0" * 10_000)

            def route_stall(self):
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"\0" * 1000)
                self.wfile.flush()
                time.sleep(3)

            def route_trickle(self):  # never silent for a whole timeout, yet never finishes
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(b"\0")
                    self.wfile.flush()
                    time.sleep(0.05)

            def route_slowdrip(self):  # 1.2 KB/s: above the 1 KB/s floor, never finishing in time
                self.send_response(200)
                self.send_header("Content-Length", "10000000")
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(b"\0" * 120)
                    self.wfile.flush()
                    time.sleep(0.1)

            def route_slowheaders(self):  # its headers a byte at a time: each within the socket timeout
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(600):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.1)

            def route_reset(self):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

            def route_tofile(self):
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def route_loop(self):
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
