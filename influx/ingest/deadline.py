"""A download's deadline, kept by shutting its sockets: the socket timeout bounds each read, not
the whole, so a server sending its headers or body a byte at a time would hold a read forever."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import urllib.request


class Watch:
    """Shuts the sockets of one download when its deadline (a time.monotonic()) passes."""

    def __init__(self, ends: float | None):
        self.sockets: list[socket.socket] = []
        self.expired = False
        self.lock = threading.Lock()
        self.timer = None
        if ends is not None:
            self.timer = threading.Timer(max(0.0, ends - time.monotonic()), self._expire)
            self.timer.daemon = True
            self.timer.start()

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.sockets:
                _shut(sock)

    def close(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # a blocked read in another thread returns at once


class Watched:
    """An HTTP(S) connection that hands its socket to a Watch."""

    def __init__(self, *args, watch: Watch, **kwargs):
        super().__init__(*args, **kwargs)
        self.watch = watch

    def connect(self):
        super().connect()
        self.watch.add(self.sock)


class WatchedHTTP(Watched, http.client.HTTPConnection):
    pass


class WatchedHTTPS(Watched, http.client.HTTPSConnection):
    pass


class _Handler(urllib.request.HTTPSHandler, urllib.request.HTTPHandler):
    """urllib's http and https handlers, opening watched connections."""

    def __init__(self, watch: Watch):
        super().__init__()
        self.watch = watch

    def http_open(self, req):
        return self.do_open(WatchedHTTP, req, watch=self.watch)

    def https_open(self, req):
        return self.do_open(WatchedHTTPS, req, context=self._context, watch=self.watch)


def opener(watch: Watch) -> urllib.request.OpenerDirector:
    """urllib's opener, with http and https connections that `watch` shuts at its deadline."""
    return urllib.request.build_opener(_Handler(watch))
