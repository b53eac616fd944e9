"""credvend_worker: write a credvend plugin worker in Python.

Subclass Worker (validate, serialize, vend; analyze and revoke when you have them), then serve it:
serve_lambda(worker) is the Lambda handler for a Function URL, run_loopback(worker) the local
server `credvend dev` starts. Raise PluginError for failures the caller may read.
"""

from .caller_check import (
    ALLOWED_CALLERS_VARIABLE,
    CALLER_SECRET_HEADER,
    CALLER_SECRET_VARIABLE,
    CallerCheck,
    CallerRefusal,
    parse_allowed_callers,
)
from .errors import GENERIC_INTERNAL_MESSAGE, ConfigError, PluginError
from .grpc_web import DEFAULT_MAX_BODY_BYTES, GrpcWebApp
from .lambda_handler import serve_lambda
from .loopback import run_loopback, serve_loopback
from .types import (
    RevokeRequest,
    RevokeResult,
    Scope,
    ScopeAnalysis,
    ScopeSetRequest,
    ScopeValidation,
    SerializedScopes,
    VendRequest,
    VendResult,
)
from .worker import PLUGIN_PROTOCOL, PROTOCOL_VERSION, Worker, capabilities_of

__all__ = [
    "ALLOWED_CALLERS_VARIABLE",
    "CALLER_SECRET_HEADER",
    "CALLER_SECRET_VARIABLE",
    "DEFAULT_MAX_BODY_BYTES",
    "GENERIC_INTERNAL_MESSAGE",
    "PLUGIN_PROTOCOL",
    "PROTOCOL_VERSION",
    "CallerCheck",
    "CallerRefusal",
    "ConfigError",
    "GrpcWebApp",
    "PluginError",
    "RevokeRequest",
    "RevokeResult",
    "Scope",
    "ScopeAnalysis",
    "ScopeSetRequest",
    "ScopeValidation",
    "SerializedScopes",
    "VendRequest",
    "VendResult",
    "Worker",
    "capabilities_of",
    "parse_allowed_callers",
    "run_loopback",
    "serve_lambda",
    "serve_loopback",
]
