"""Protobuf messages to and from the domain types (as plugin-protocol/convert.ts)."""

from datetime import timezone

from credvend.plugin.v1 import plugin_pb2 as pb

from .types import RevokeRequest, Scope, ScopeSetRequest, VendRequest

SUBJECT_FIELDS = {
    "iss": "issuer",
    "sub": "subject",
    "repository": "repository",
    "repository_id": "repository_id",
    "repository_owner": "repository_owner",
    "ref": "ref",
    "sha": "sha",
    "workflow": "workflow",
    "job_workflow_ref": "job_workflow_ref",
    "run_id": "run_id",
    "run_attempt": "run_attempt",
    "actor": "actor",
    "environment": "environment",
}

CAPABILITIES = {
    "validate": pb.CAPABILITY_VALIDATE,
    "analyze": pb.CAPABILITY_ANALYZE,
    "serialize": pb.CAPABILITY_SERIALIZE,
    "prepare": pb.CAPABILITY_PREPARE,
    "vend": pb.CAPABILITY_VEND,
    "revoke": pb.CAPABILITY_REVOKE,
}
RISKS = {"low": pb.RISK_LOW, "medium": pb.RISK_MEDIUM, "high": pb.RISK_HIGH}
OUTCOMES = {
    "revoked": pb.REVOKE_OUTCOME_REVOKED,
    "already_gone": pb.REVOKE_OUTCOME_ALREADY_GONE,
    "manual_required": pb.REVOKE_OUTCOME_MANUAL_REQUIRED,
}


def scope_from_proto(scope):
    return Scope(provider=scope.provider, action=scope.action, resource=scope.resource)


def scope_to_proto(scope):
    return pb.Scope(provider=scope.provider, action=scope.action, resource=scope.resource)


def subject_from_proto(subject):
    """proto3 cannot tell "" from absent: empty fields are left out."""
    claims = {name: value for name, value in subject.extra_claims.items() if value and name not in SUBJECT_FIELDS}
    for claim, field in SUBJECT_FIELDS.items():
        value = getattr(subject, field)
        if value:
            claims[claim] = value
    return claims


def scope_set_from_proto(request):
    return ScopeSetRequest(
        scopes=[scope_from_proto(s) for s in request.scopes],
        subject=subject_from_proto(request.subject),
        ttl_seconds=request.ttl_seconds,
    )


def vend_request_from_proto(request):
    return VendRequest(
        credential_id=request.credential_id,
        scopes=[scope_from_proto(s) for s in request.scopes],
        subject=subject_from_proto(request.subject),
        ttl_seconds=request.ttl_seconds,
        serialized=bytes(request.serialized),
    )


def revoke_request_from_proto(request):
    return RevokeRequest(
        credential_id=request.credential_id,
        scopes=[scope_from_proto(s) for s in request.scopes],
        upstream_ref=request.upstream_ref,
        expires_at=request.expires_at.ToDatetime().replace(tzinfo=timezone.utc),
    )


def validation_to_proto(validation):
    message = pb.ScopeValidation(scope=scope_to_proto(validation.scope), valid=validation.valid, error=validation.error or "")
    if validation.valid:
        message.normalized.CopyFrom(scope_to_proto(validation.normalized or validation.scope))
    return message


def analysis_to_proto(analysis):
    if analysis.risk not in RISKS:
        raise ValueError("risk must be low, medium or high")
    return pb.ScopeAnalysis(scope=scope_to_proto(analysis.scope), risk=RISKS[analysis.risk], warnings=list(analysis.warnings))


def serialized_to_proto(serialized):
    return pb.SerializeScopeResponse(serialized=bytes(serialized.serialized), media_type=serialized.media_type)


def vend_result_to_proto(result):
    if not result.credential:
        raise ValueError("vend returned no credential")
    if result.expires_at.tzinfo is None:
        raise ValueError("vend's expires_at must be timezone-aware")
    message = pb.VendResponse(
        revocable=result.revocable,
        upstream_ref=result.upstream_ref,
        notes=list(result.notes),
        manual_revocation_url=result.manual_revocation_url or "",
    )
    for key, value in result.credential.items():
        message.credential[key] = value
    message.expires_at.FromDatetime(result.expires_at.astimezone(timezone.utc).replace(tzinfo=None))
    return message


def revoke_result_to_proto(result):
    if result.outcome not in OUTCOMES:
        raise ValueError("revoke outcome must be revoked, already_gone or manual_required")
    return pb.RevokeResponse(outcome=OUTCOMES[result.outcome], detail=result.detail)
