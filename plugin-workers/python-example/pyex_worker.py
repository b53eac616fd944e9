"""python-example: a credvend plugin worker in Python, on the credvend_worker SDK.

Scopes `pyex:<read|write>:<name>`; Vend hands out an opaque `pyex_` token. The SDK does the rest:
gRPC-web, the caller check, Describe, Prepare, the Lambda handler and the loopback server.
"""

import json
import re
import secrets
from datetime import datetime, timedelta, timezone

from credvend_worker import PluginError, Scope, ScopeValidation, SerializedScopes, VendResult, Worker

PROVIDER = "pyex"
ACTIONS = ("read", "write")
RESOURCE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class PyexWorker(Worker):
    name = "python-example"
    version = "0.1.0"
    providers = (PROVIDER,)

    def validate(self, scopes):
        return [self._validate(scope) for scope in scopes]

    def serialize(self, request):
        grants = sorted("%s:%s" % (s.action, s.resource) for s in request.scopes)
        return SerializedScopes(serialized=json.dumps(grants).encode(), media_type="application/json")

    def vend(self, request):
        # The bytes come back from our own serialize step: they must still say what the scopes say.
        if request.serialized != self.serialize(request).serialized:
            raise PluginError("invalid_argument", "serialized scopes do not match the requested scopes")
        if request.ttl_seconds <= 0:
            raise PluginError("invalid_argument", "ttl_seconds must be positive")
        return VendResult(
            credential={"token": "pyex_" + secrets.token_urlsafe(24)},
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=request.ttl_seconds),
            revocable=False,
            upstream_ref=request.credential_id,
        )

    @staticmethod
    def _validate(scope):
        if scope.provider != PROVIDER:
            return ScopeValidation.invalid(scope, "provider must be " + PROVIDER)
        if scope.action not in ACTIONS:
            return ScopeValidation.invalid(scope, 'unknown action "%s" (read, write)' % scope.action)
        resource = scope.resource.lower()
        if not RESOURCE.fullmatch(resource):
            return ScopeValidation.invalid(scope, "resource must be lower-case letters, digits and dashes")
        return ScopeValidation.ok(scope, Scope(scope.provider, scope.action, resource))
