"""A small worker for the SDK's tests, and gRPC-web request helpers."""

import struct
from datetime import datetime, timedelta, timezone

from credvend.plugin.v1 import plugin_pb2 as pb
from credvend_worker import PluginError, RevokeResult, Scope, ScopeAnalysis, ScopeValidation, SerializedScopes, VendResult, Worker

SECRET = "a-local-caller-secret-0123456789"


class DemoWorker(Worker):
    name = "demo"
    version = "1.2.3"
    providers = ("demo",)

    def __init__(self):
        self.revoked = set()
        self.vend_calls = []

    def validate(self, scopes):
        return [
            ScopeValidation.ok(s, Scope(s.provider, s.action, s.resource.lower()))
            if s.provider == "demo" and s.action in ("read", "write")
            else ScopeValidation.invalid(s, 'unknown action "%s"' % s.action)
            for s in scopes
        ]

    def analyze(self, request):
        return [ScopeAnalysis(s, "medium" if s.action == "write" else "low", ["write access"] if s.action == "write" else []) for s in request.scopes]

    def serialize(self, request):
        return SerializedScopes(",".join(sorted(str(s) for s in request.scopes)).encode(), "text/plain")

    def vend(self, request):
        self.vend_calls.append(request)
        if request.ttl_seconds > 3600:
            raise PluginError("invalid_argument", "ttl too long")
        if request.subject.get("repository") == "crash/me":
            raise RuntimeError("database password is hunter2")
        return VendResult(
            credential={"token": "demo_" + request.credential_id},
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=request.ttl_seconds),
            revocable=True,
            upstream_ref=request.credential_id,
        )

    def revoke(self, request):
        if request.credential_id in self.revoked:
            return RevokeResult("already_gone", "revoked before")
        self.revoked.add(request.credential_id)
        return RevokeResult("revoked", "revoked")


def framed(message):
    payload = message.SerializeToString()
    return struct.pack(">BI", 0, len(payload)) + payload


def read_answer(body, response_type):
    """(message or None, grpc-status, grpc-message) from a gRPC-web body."""
    message, status, text = None, None, ""
    offset = 0
    while offset + 5 <= len(body):
        flags, size = struct.unpack(">BI", body[offset : offset + 5])
        payload = body[offset + 5 : offset + 5 + size]
        offset += 5 + size
        if flags & 0x80:
            for line in payload.decode().split("\r\n"):
                if line.startswith("grpc-status:"):
                    status = int(line.split(":", 1)[1])
                if line.startswith("grpc-message:"):
                    text = line.split(":", 1)[1]
        else:
            message = response_type.FromString(payload)
    return message, status, text


def scope(action="read", resource="Reports"):
    return pb.Scope(provider="demo", action=action, resource=resource)
