"""The protocol's methods over a Worker (as plugin-service.ts): Describe from the worker's shape,
Prepare as validate -> analyze -> serialize, and the single steps and Vend never handing an invalid
scope to the worker. Every method takes the request bytes and returns the response bytes."""

from dataclasses import replace

from credvend.plugin.v1 import plugin_pb2 as pb

from . import convert
from .errors import PluginError, ScopesNotCanonical
from .types import VendRequest
from .worker import PLUGIN_PROTOCOL, PROTOCOL_VERSION, capabilities_of


class PluginService:
    def __init__(self, worker):
        self.worker = worker
        self.methods = {
            "Describe": (pb.DescribeRequest, self.describe),
            "ValidateScope": (pb.ValidateScopeRequest, self.validate_scope),
            "SerializeScope": (pb.SerializeScopeRequest, self.serialize_scope),
            "Prepare": (pb.PrepareRequest, self.prepare),
            "Vend": (pb.VendRequest, self.vend),
        }
        if worker.analyze is not None:
            self.methods["AnalyzeScope"] = (pb.AnalyzeScopeRequest, self.analyze_scope)
        if worker.revoke is not None:
            self.methods["Revoke"] = (pb.RevokeRequest, self.revoke)

    def describe(self, _request):
        w = self.worker
        capabilities = [convert.CAPABILITIES[c] for c in capabilities_of(w)]
        return pb.DescribeResponse(
            name=w.name,
            version=w.version,
            protocol=PLUGIN_PROTOCOL,
            protocol_version=PROTOCOL_VERSION,
            providers=list(w.providers),
            capabilities=capabilities,
        )

    def validate_scope(self, request):
        validations = self._validate_all([convert.scope_from_proto(s) for s in request.scopes])
        return pb.ValidateScopeResponse(results=[convert.validation_to_proto(v) for v in validations])

    def analyze_scope(self, request):
        domain = self._require_valid(convert.scope_set_from_proto(request))
        return pb.AnalyzeScopeResponse(results=[convert.analysis_to_proto(a) for a in self._analyze_all(domain)])

    def serialize_scope(self, request):
        domain = self._require_valid(convert.scope_set_from_proto(request))
        return convert.serialized_to_proto(self.worker.serialize(domain))

    def prepare(self, request):
        return self._prepare(convert.scope_set_from_proto(request))[0]

    def _prepare(self, domain):
        """(PrepareResponse, validations, analyses, serialized): validate -> analyze -> serialize."""
        validations = self._validate_all(domain.scopes)
        response = pb.PrepareResponse(validations=[convert.validation_to_proto(v) for v in validations])
        if not all(v.valid for v in validations):
            return response, validations, [], None
        normalized = replace(domain, scopes=[v.normalized or v.scope for v in validations])
        analyses = self._analyze_all(normalized) if self.worker.analyze is not None else []
        response.analyses.extend(convert.analysis_to_proto(a) for a in analyses)
        serialized = self.worker.serialize(normalized)
        response.serialized.CopyFrom(convert.serialized_to_proto(serialized))
        return response, validations, analyses, serialized

    def vend(self, request):
        if request.HasField("prepare"):
            if request.scopes or request.serialized:
                raise PluginError("invalid_argument", "a Vend carries its scopes either in prepare or in scopes, not both")
            return self._vend_inline(request.credential_id, convert.scope_set_from_proto(request.prepare))
        domain = convert.vend_request_from_proto(request)
        if not domain.scopes:
            raise PluginError("invalid_argument", "no scopes requested")
        valid = self._require_valid(domain)
        return convert.vend_result_to_proto(self.worker.vend(valid))

    def _vend_inline(self, credential_id, domain):
        """Protocol 1.2: Prepare, then Vend in the same call, only when every scope is valid and
        already canonical (what the core's policy allowed is exactly what is granted); otherwise
        nothing is minted and the refusal carries the Prepare answer."""
        if not domain.scopes:
            raise PluginError("invalid_argument", "no scopes requested")
        prepared, validations, analyses, serialized = self._prepare(domain)
        canonical = all(v.valid and (v.normalized or v.scope) == v.scope for v in validations)
        if not canonical or serialized is None:
            raise ScopesNotCanonical(prepared, validations)
        vend = VendRequest(
            credential_id=credential_id,
            scopes=domain.scopes,
            subject=domain.subject,
            ttl_seconds=domain.ttl_seconds,
            serialized=bytes(serialized.serialized),
        )
        response = convert.vend_result_to_proto(self.worker.vend(vend))
        response.analyses.extend(convert.analysis_to_proto(a) for a in analyses)
        return response

    def revoke(self, request):
        return convert.revoke_result_to_proto(self.worker.revoke(convert.revoke_request_from_proto(request)))

    def _validate_all(self, scopes):
        results = list(self.worker.validate(list(scopes)))
        if len(results) != len(scopes):
            raise RuntimeError("validate returned %d results for %d scopes" % (len(results), len(scopes)))
        return results

    def _analyze_all(self, request):
        results = list(self.worker.analyze(request))
        if len(results) != len(request.scopes):
            raise RuntimeError("analyze returned %d results for %d scopes" % (len(results), len(request.scopes)))
        return results

    def _require_valid(self, request):
        validations = self._validate_all(request.scopes)
        invalid = [v for v in validations if not v.valid]
        if invalid:
            reasons = "; ".join("%s: %s" % (v.scope, v.error or "invalid scope") for v in invalid)
            raise PluginError("invalid_argument", "invalid scope " + reasons)
        return replace(request, scopes=[v.normalized or v.scope for v in validations])
