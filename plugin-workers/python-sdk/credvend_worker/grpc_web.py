"""The worker as a gRPC-web endpoint, whatever carries the HTTP (the Lambda handler, the loopback
server): /healthz, and POST /credvend.plugin.v1.PluginService/<Method> checked in this order as
serve-plugin.ts does: the caller, the method, the body's size (before a byte of it is read), the
content type, the deadline (grpc-timeout), the frame, the message. Errors become gRPC statuses;
only a PluginError's message reaches the caller."""

import base64
import json
import struct
import sys
import urllib.parse
from collections import namedtuple

from google.protobuf.any_pb2 import Any
from google.protobuf.message import DecodeError

from .deadline import DeadlineExceeded, deadline_of, run_until
from .errors import (
    CODES,
    DEADLINE_EXCEEDED,
    FAILED_PRECONDITION,
    GENERIC_INTERNAL_MESSAGE,
    INTERNAL,
    INVALID_ARGUMENT,
    OK,
    PERMISSION_DENIED,
    RESOURCE_EXHAUSTED,
    PluginError,
    ScopesNotCanonical,
)
from .service import PluginService

SERVICE_PREFIX = "/credvend.plugin.v1.PluginService/"
CONTENT_TYPE = "application/grpc-web+proto"
ACCEPTED_CONTENT_TYPES = (CONTENT_TYPE, "application/grpc-web")
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
REFUSED_MESSAGE = "this worker accepts calls from the credvend core only"

# status: HTTP status; headers: dict; body: bytes.
Answer = namedtuple("Answer", "status headers body")


def frame(flags, payload):
    """A gRPC-web frame: 1 flag byte (0 = message, 0x80 = trailers), 4-byte big-endian length."""
    return struct.pack(">BI", flags, len(payload)) + payload


def trailers(code, message="", details=()):
    """The trailer frame; details (protobuf messages) go in grpc-status-details-bin, a google.rpc.Status."""
    text = "grpc-status:%d\r\ngrpc-message:%s\r\n" % (code, urllib.parse.quote(message, safe=""))
    if details:
        status = base64.b64encode(status_bytes(code, message, details)).decode("ascii").rstrip("=")
        text += "grpc-status-details-bin:%s\r\n" % status
    return frame(0x80, text.encode("ascii"))


def status_bytes(code, message, details):
    """google.rpc.Status {code = 1, message = 2, details = 3 (Any)}, written by hand: protobuf's own
    package does not carry google.rpc."""
    out = b""
    if code:
        out += b"\x08" + _varint(code)
    text = message.encode("utf-8")
    if text:
        out += b"\x12" + _varint(len(text)) + text
    for detail in details:
        packed = Any()
        packed.Pack(detail)
        data = packed.SerializeToString()
        out += b"\x1a" + _varint(len(data)) + data
    return out


def _varint(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def default_error_reporter(error, method):
    print("credvend plugin: %s failed: %r" % (method, error), file=sys.stderr)


def default_refusal_log(refusal, method):
    print("credvend plugin: refused %s from %s: %s" % (method, refusal.caller, refusal.reason), file=sys.stderr)


class GrpcWebApp:
    def __init__(self, worker, max_body_bytes=DEFAULT_MAX_BODY_BYTES, on_error=None, on_refused=None):
        self.worker = worker
        self.service = PluginService(worker)
        self.max_body_bytes = max_body_bytes
        self.on_error = on_error or default_error_reporter
        self.on_refused = on_refused or default_refusal_log

    def handle(self, method, path, headers, refusal, read_body):
        """headers: lower-case names. refusal: the caller check's verdict (None = may call).
        read_body(limit): the body, or None when it is longer than limit."""
        path = path.split("?", 1)[0]
        if method == "GET" and path == "/healthz":
            return self._json(200, {"status": "ok", "name": self.worker.name, "version": self.worker.version})
        if method != "POST" or not path.startswith(SERVICE_PREFIX):
            return Answer(404, {"content-type": "text/plain"}, b"404 Not Found")
        name = path[len(SERVICE_PREFIX):]
        if refusal is not None:
            self.on_refused(refusal, name)
            # HTTP 403 with the gRPC status too: a gRPC-web client reads PERMISSION_DENIED, anyone else the JSON.
            answer = self._json(403, {"error": {"code": "permission_denied", "message": REFUSED_MESSAGE}})
            answer.headers.update({"grpc-status": str(PERMISSION_DENIED), "grpc-message": urllib.parse.quote(REFUSED_MESSAGE, safe="")})
            return answer
        if name not in self.service.methods:
            return Answer(404, {"content-type": "text/plain"}, b"404 Not Found")
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            return self._too_large()
        if headers.get("content-type", "").split(";")[0].strip().lower() not in ACCEPTED_CONTENT_TYPES:
            return Answer(415, {"content-type": "text/plain"}, b"415 Unsupported Media Type")
        try:
            # From the request's arrival: reading the body counts against it too.
            deadline = deadline_of(headers)
        except ValueError as bad:
            return self._grpc(trailers(INVALID_ARGUMENT, str(bad)))
        body = read_body(self.max_body_bytes)
        if body is None:
            return self._too_large()
        return self._call(name, body, deadline)

    def _call(self, name, body, deadline=None):
        request_type, run = self.service.methods[name]
        try:
            if len(body) < 5:
                raise PluginError("invalid_argument", "expected one uncompressed gRPC-web message")
            flags, size = struct.unpack(">BI", body[:5])
            if flags != 0 or size != len(body) - 5:
                raise PluginError("invalid_argument", "expected one uncompressed gRPC-web message")
            try:
                request = request_type.FromString(body[5:])
            except DecodeError:
                raise PluginError("invalid_argument", "the request is not a valid %s" % request_type.DESCRIPTOR.name) from None
            response = run_until(deadline, lambda: run(request), lambda late: self.on_error(late, name))
            return self._grpc(frame(0, response.SerializeToString()) + trailers(OK))
        except DeadlineExceeded as passed:
            return self._grpc(trailers(DEADLINE_EXCEEDED, str(passed)))
        except ScopesNotCanonical as refusal:
            return self._grpc(trailers(FAILED_PRECONDITION, refusal.message, [refusal.prepared]))
        except PluginError as failure:
            if failure.code == "internal":
                self.on_error(failure, name)
            return self._grpc(trailers(CODES[failure.code], failure.message))
        except Exception as error:  # internals stay here: the caller gets a generic message
            self.on_error(error, name)
            return self._grpc(trailers(INTERNAL, GENERIC_INTERNAL_MESSAGE))

    def _too_large(self):
        # A gRPC-web "trailers-only" answer, so clients read a status rather than a bare HTTP 413.
        message = urllib.parse.quote("request body larger than %d bytes" % self.max_body_bytes, safe="")
        return Answer(200, {"content-type": CONTENT_TYPE, "grpc-status": str(RESOURCE_EXHAUSTED), "grpc-message": message}, b"")

    @staticmethod
    def _grpc(body):
        return Answer(200, {"content-type": CONTENT_TYPE}, body)

    @staticmethod
    def _json(status, value):
        return Answer(status, {"content-type": "application/json"}, json.dumps(value).encode())

