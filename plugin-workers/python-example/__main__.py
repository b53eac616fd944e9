"""python-example: a credvend plugin worker in Python, without the credvend SDK.

It proves the protocol is language-neutral: protoc-generated messages (python3-protobuf) and the
gRPC-web wire format written by hand over the standard library's http.server. Scopes
`pyex:<read|write>:<name>`; Vend hands out an opaque `pyex_` token.

Run it from its signed zip, so the code the core verifies is the code that runs:
    python3 code.zip --port 0        # prints "listening on http://127.0.0.1:<port>"
"""

import argparse
import json
import re
import secrets
import struct
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from credvend.plugin.v1 import plugin_pb2 as pb

NAME = "python-example"
VERSION = "0.1.0"
PROTOCOL = "credvend.plugin.v1"
PROTOCOL_VERSION = "1.1"  # major.minor: 1.1 has Prepare, which this worker serves
PROVIDER = "pyex"
SERVICE = "/credvend.plugin.v1.PluginService/"
CONTENT_TYPE = "application/grpc-web+proto"
MAX_BODY = 1024 * 1024
RESOURCE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

# gRPC status codes used here.
OK, INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNIMPLEMENTED, INTERNAL = 0, 3, 8, 12, 13


class PluginFailure(Exception):
    """A failure whose message is written for the caller."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def validate(scope):
    result = pb.ScopeValidation(scope=scope)
    if scope.provider != PROVIDER:
        result.error = "provider must be " + PROVIDER
    elif scope.action not in ("read", "write"):
        result.error = 'unknown action "%s" (read, write)' % scope.action
    elif not RESOURCE.match(scope.resource.lower()):
        result.error = "resource must be lower-case letters, digits and dashes"
    else:
        result.valid = True
        result.normalized.CopyFrom(pb.Scope(provider=scope.provider, action=scope.action, resource=scope.resource.lower()))
    return result


def serialize(scopes):
    grants = sorted("%s:%s" % (s.action, s.resource) for s in scopes)
    return pb.SerializeScopeResponse(serialized=json.dumps(grants).encode(), media_type="application/json")


def describe(_request):
    caps = [pb.CAPABILITY_VALIDATE, pb.CAPABILITY_SERIALIZE, pb.CAPABILITY_PREPARE, pb.CAPABILITY_VEND]
    return pb.DescribeResponse(
        name=NAME, version=VERSION, protocol=PROTOCOL, protocol_version=PROTOCOL_VERSION, providers=[PROVIDER], capabilities=caps
    )


def validate_scope(request):
    return pb.ValidateScopeResponse(results=[validate(s) for s in request.scopes])


def serialize_scope(request):
    if not all(validate(s).valid for s in request.scopes):
        raise PluginFailure(INVALID_ARGUMENT, "invalid scope")
    return serialize([validate(s).normalized for s in request.scopes])


def prepare(request):
    validations = [validate(s) for s in request.scopes]
    response = pb.PrepareResponse(validations=validations)
    if all(v.valid for v in validations):
        response.serialized.CopyFrom(serialize([v.normalized for v in validations]))
    return response


def vend(request):
    if not request.scopes or not all(validate(s).valid for s in request.scopes):
        raise PluginFailure(INVALID_ARGUMENT, "invalid scope")
    # The bytes come back from our own serialize step: they must still say what the scopes say.
    if request.serialized != serialize([validate(s).normalized for s in request.scopes]).serialized:
        raise PluginFailure(INVALID_ARGUMENT, "serialized scopes do not match the requested scopes")
    if request.ttl_seconds <= 0:
        raise PluginFailure(INVALID_ARGUMENT, "ttl_seconds must be positive")
    response = pb.VendResponse(revocable=False, upstream_ref=request.credential_id)
    response.credential["token"] = "pyex_" + secrets.token_urlsafe(24)
    response.expires_at.FromSeconds(int(time.time()) + request.ttl_seconds)
    return response


METHODS = {
    "Describe": (pb.DescribeRequest, describe),
    "ValidateScope": (pb.ValidateScopeRequest, validate_scope),
    "SerializeScope": (pb.SerializeScopeRequest, serialize_scope),
    "Prepare": (pb.PrepareRequest, prepare),
    "Vend": (pb.VendRequest, vend),
}


def frame(flags, payload):
    """A gRPC-web frame: 1 flag byte (0 = message, 0x80 = trailers), 4-byte big-endian length."""
    return struct.pack(">BI", flags, len(payload)) + payload


def trailers(code, message=""):
    text = "grpc-status:%d\r\ngrpc-message:%s\r\n" % (code, urllib.parse.quote(message, safe=""))
    return frame(0x80, text.encode("ascii"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        method = self.path[len(SERVICE):] if self.path.startswith(SERVICE) else None
        if method is None or self.headers.get("content-type", "").split(";")[0] not in (CONTENT_TYPE, "application/grpc-web"):
            return self.send_plain(404 if method is None else 415)
        length = int(self.headers.get("content-length", "0"))
        if length > MAX_BODY:
            return self.send_grpc(trailers(RESOURCE_EXHAUSTED, "request body too large"), drain=False)
        body = self.rfile.read(length)
        if method not in METHODS:
            return self.send_grpc(trailers(UNIMPLEMENTED, "%s is not implemented" % method))
        request_type, run = METHODS[method]
        try:
            flags, size = struct.unpack(">BI", body[:5])
            if flags != 0 or size != len(body) - 5:
                raise PluginFailure(INVALID_ARGUMENT, "expected one uncompressed gRPC-web message")
            response = run(request_type.FromString(body[5:]))
            self.send_grpc(frame(0, response.SerializeToString()) + trailers(OK))
        except PluginFailure as failure:
            self.send_grpc(trailers(failure.code, str(failure)))
        except Exception as error:  # internals stay here, the caller gets a generic message
            print("python-example: %s failed: %r" % (method, error), file=sys.stderr)
            self.send_grpc(trailers(INTERNAL, "internal error in the worker"))

    def do_GET(self):
        if self.path != "/healthz":
            return self.send_plain(404)
        body = json.dumps({"status": "ok", "name": NAME, "version": VERSION}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_grpc(self, payload, drain=True):
        self.send_response(200)
        self.send_header("content-type", CONTENT_TYPE)
        self.send_header("content-length", str(len(payload)))
        if not drain:
            self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def send_plain(self, status):
        # The request body was not read: close, so it is not taken for the next request.
        self.send_response(status)
        self.send_header("content-length", "0")
        self.send_header("connection", "close")
        self.end_headers()

    def log_message(self, *_args):
        pass  # no access log: request lines carry nothing useful and nothing secret, keep stderr quiet


def main():
    parser = argparse.ArgumentParser(description="credvend python-example worker (gRPC-web over http.server)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
