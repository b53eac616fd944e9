"""The worker on a loopback port over http.server, for `credvend dev` and tests. Every gRPC call
must carry the local stack's caller secret (CREDVEND_CALLER_SECRET for a run by hand; on stdin
when `credvend dev` starts it with --caller-secret-stdin; never on its command line); without a
configured secret every call is refused."""

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .caller_check import CALLER_SECRET_HEADER, CALLER_SECRET_VARIABLE, CallerCheck
from .grpc_web import GrpcWebApp

# A body past the cap is read and dropped up to this size (the connection stays usable); larger
# ones close the connection instead of being read.
DRAIN_LIMIT = 8 * 1024 * 1024
CHUNK = 64 * 1024


def serve_loopback(worker, caller_secret=None, port=0, environ=None, **options):
    """A ThreadingHTTPServer on 127.0.0.1 (not yet serving: call serve_forever()). caller_secret:
    default CREDVEND_CALLER_SECRET. options: max_body_bytes, on_error, on_refused."""
    if caller_secret is None:
        caller_secret = (os.environ if environ is None else environ).get(CALLER_SECRET_VARIABLE) or None
    check = CallerCheck(caller_secret=caller_secret)
    app = GrpcWebApp(worker, **options)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

        def _serve(self, method):
            headers = {k.lower(): v for k, v in self.headers.items()}
            if "transfer-encoding" in headers:
                return self._send(411, {"content-type": "text/plain"}, b"411 Length Required", close=True)
            declared = headers.get("content-length", "0")
            length = int(declared) if declared.isdigit() else -1
            state = {"read": False}

            def read_body(limit):
                if length < 0 or length > limit:
                    return None
                state["read"] = True
                return self.rfile.read(length)

            refusal = check.check_secret(headers.get(CALLER_SECRET_HEADER)) if method == "POST" else None
            answer = app.handle(method, self.path, headers, refusal, read_body)
            close = False
            if not state["read"] and length != 0:
                # The body was not wanted: drop it so it is not taken for the next request, or close.
                close = not 0 < length <= DRAIN_LIMIT or not self._drain(length)
            self._send(answer.status, answer.headers, answer.body, close=close)

        def _drain(self, length):
            while length > 0:
                chunk = self.rfile.read(min(CHUNK, length))
                if not chunk:
                    return False
                length -= len(chunk)
            return True

        def _send(self, status, headers, body, close=False):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            if close:
                self.send_header("connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass  # no access log: request lines say nothing useful, and stderr stays for failures

    return LoopbackServer(("127.0.0.1", port), Handler)


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up (the core stopping, a closed keep-alive socket) is not a failure.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def run_loopback(worker, argv=None, **options):
    """The command line of a worker's __main__: `python3 code.zip [--port N]`; prints its URL first.
    With --caller-secret-stdin (how `credvend dev` starts an installed worker): the secret is the
    first line of stdin, the ready line is {"credvendHost":{"port":N}}, the end of stdin (the host
    gone, even after kill -9) ends the process, and Ctrl-C is left to the host, which stops its
    workers itself."""
    parser = argparse.ArgumentParser(description="credvend worker %s on a loopback port (gRPC-web)" % worker.name)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--caller-secret-stdin", action="store_true", help="read the caller secret from stdin (credvend dev)")
    args = parser.parse_args(argv)
    if args.caller_secret_stdin:
        return _run_hosted(worker, args.port, options)
    server = serve_loopback(worker, port=args.port, **options)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _run_hosted(worker, port, options):
    def report(message):
        sys.stdout.write(json.dumps({"credvendHost": message}) + "\n")
        sys.stdout.flush()

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        secret = sys.stdin.buffer.readline()
        if not secret.endswith(b"\n"):
            raise ValueError("no caller secret on stdin")
        server = serve_loopback(worker, caller_secret=secret[:-1].decode("utf-8"), port=port, **options)
    except Exception as error:  # noqa: BLE001 - the host shows why the worker did not start
        report({"error": str(error)})
        sys.exit(1)
    threading.Thread(target=_exit_at_end_of_stdin, daemon=True).start()
    report({"port": server.server_address[1]})
    server.serve_forever()


def _exit_at_end_of_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)
