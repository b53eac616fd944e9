"""template-worker: the skeleton `credvend plugin init --lang python` copies. Scopes
`tmpl:<read|write>:<name>`; vend hands out an opaque token. Replace the vend step with the call to
your credential service."""

import json
import re
import secrets
from datetime import datetime, timedelta, timezone

from credvend_worker import PluginError, Scope, ScopeAnalysis, ScopeValidation, SerializedScopes, VendResult, Worker

WORKER_NAME = "template-worker"
WORKER_VERSION = "0.1.0"
PROVIDER = "tmpl"
ACTIONS = ("read", "write")
RESOURCE = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def validate_scope(scope):
    if scope.provider != PROVIDER:
        return ScopeValidation.invalid(scope, "provider must be " + PROVIDER)
    if scope.action not in ACTIONS:
        return ScopeValidation.invalid(scope, 'unknown action "%s" (read, write)' % scope.action)
    resource = scope.resource.lower()
    if not RESOURCE.fullmatch(resource):
        return ScopeValidation.invalid(scope, "resource must be lower-case letters, digits and dashes")
    return ScopeValidation.ok(scope, Scope(scope.provider, scope.action, resource))


class TemplateWorker(Worker):
    name = WORKER_NAME
    version = WORKER_VERSION
    providers = (PROVIDER,)

    def validate(self, scopes):
        return [validate_scope(scope) for scope in scopes]

    def analyze(self, request):
        return [
            ScopeAnalysis(scope, "medium" if scope.action == "write" else "low", ["write access"] if scope.action == "write" else [])
            for scope in request.scopes
        ]

    def serialize(self, request):
        grants = sorted("%s:%s" % (s.action, s.resource) for s in request.scopes)
        return SerializedScopes(serialized=json.dumps(grants).encode(), media_type="application/json")

    def vend(self, request):
        if request.ttl_seconds <= 0:
            raise PluginError("invalid_argument", "ttl_seconds must be positive")
        return VendResult(
            credential={"token": "tmpl_" + secrets.token_urlsafe(24)},
            expires_at=datetime.now(timezone.utc) + timedelta(seconds=request.ttl_seconds),
            revocable=False,
            upstream_ref=request.credential_id,
            # Not revocable here, so a leak alert asks a human to revoke it by hand: give them the page
            # where that is done (your service's admin console), or leave it empty if there is none.
            # manual_revocation_url="https://tokens.example.internal/admin/credentials/" + request.credential_id,
        )

    # Revocable credentials: define revoke(self, request) -> RevokeResult("revoked" | "already_gone"
    # on a repeat | "manual_required"), and return revocable=True from vend.
