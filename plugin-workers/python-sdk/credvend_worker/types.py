"""The protocol in domain terms, as plugin-protocol/types.ts: what a worker's methods take and return."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional


@dataclass(frozen=True)
class Scope:
    provider: str
    action: str
    resource: str

    def __str__(self):
        return "%s:%s:%s" % (self.provider, self.action, self.resource)


@dataclass(frozen=True)
class ScopeValidation:
    scope: Scope
    valid: bool
    # Canonical form, when valid.
    normalized: Optional[Scope] = None
    # Why it is invalid: safe to show the caller.
    error: str = ""

    @staticmethod
    def ok(scope, normalized=None):
        return ScopeValidation(scope=scope, valid=True, normalized=normalized or scope)

    @staticmethod
    def invalid(scope, error):
        return ScopeValidation(scope=scope, valid=False, error=error)


@dataclass(frozen=True)
class ScopeAnalysis:
    scope: Scope
    # "low", "medium" or "high".
    risk: str
    warnings: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class SerializedScopes:
    serialized: bytes
    media_type: str


@dataclass(frozen=True)
class ScopeSetRequest:
    scopes: List[Scope]
    # The CI job's verified OIDC claims, by GitHub's names (repository, ref, actor, ...).
    subject: Dict[str, str]
    ttl_seconds: int


@dataclass(frozen=True)
class VendRequest:
    credential_id: str
    scopes: List[Scope]
    subject: Dict[str, str]
    ttl_seconds: int
    serialized: bytes


@dataclass(frozen=True)
class VendResult:
    # Every value is a leakable part: the core stores only its SHA-256.
    credential: Dict[str, str]
    expires_at: datetime
    revocable: bool
    # A non-secret reference for revocation and forensics.
    upstream_ref: str
    notes: List[str] = field(default_factory=list)
    manual_revocation_url: str = ""


@dataclass(frozen=True)
class RevokeRequest:
    credential_id: str
    scopes: List[Scope]
    upstream_ref: str
    expires_at: datetime


@dataclass(frozen=True)
class RevokeResult:
    # "revoked", "already_gone" or "manual_required".
    outcome: str
    detail: str = ""
