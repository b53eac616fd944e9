"""The one error type a worker raises on purpose.

Its message reaches the caller; anything else a worker raises becomes a generic internal error,
so internals and secrets stay in the worker (as plugin-workers/sdk/plugin-error.ts).
"""

# gRPC status codes of the protocol's documented set.
OK = 0
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14

CODES = {
    "invalid_argument": INVALID_ARGUMENT,
    "not_found": NOT_FOUND,
    "unavailable": UNAVAILABLE,
    "internal": INTERNAL,
    "permission_denied": PERMISSION_DENIED,
}

GENERIC_INTERNAL_MESSAGE = "internal error in the worker"


class PluginError(Exception):
    """A failure whose message is written for the caller. code: one of CODES' keys."""

    def __init__(self, code, message):
        if code not in CODES:
            raise ValueError("PluginError code must be one of %s" % ", ".join(sorted(CODES)))
        super().__init__(message)
        self.code = code
        self.message = message


SCOPES_NOT_CANONICAL = "scopes_not_canonical"


class ScopesNotCanonical(Exception):
    """The SDK's refusal of an inline Vend (protocol 1.2) whose scopes are not all valid and already
    canonical: nothing was minted. FAILED_PRECONDITION, with the Prepare answer (a PrepareResponse)
    as the status's one detail; not a failure of the worker, so never reported as one."""

    def __init__(self, prepared, validations):
        changed = [v for v in validations if not v.valid or (v.normalized or v.scope) != v.scope]
        reasons = ["%s -> %s" % (v.scope, v.normalized) if v.valid else "%s is invalid" % v.scope for v in changed]
        super().__init__("%s: %s" % (SCOPES_NOT_CANONICAL, "; ".join(reasons)))
        self.message = str(self)
        self.prepared = prepared


class ConfigError(Exception):
    """The worker's configuration is wrong; the message names the setting at fault, never its value."""
