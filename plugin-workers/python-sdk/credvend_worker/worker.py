"""What a plugin author writes: the worker's steps in domain terms (as plugin-implementation.ts).

Subclass Worker; Describe's capabilities follow from which optional methods (analyze, revoke) the
subclass defines.
"""

PLUGIN_PROTOCOL = "credvend.plugin.v1"
# The major.minor the SDK serves (Prepare, and 1.2's Vend with the preparation inline), whatever the
# worker implements.
PROTOCOL_VERSION = "1.2"


class Worker:
    name = ""
    version = ""
    # Scope providers served, e.g. ["pyex"].
    providers = ()

    def validate(self, scopes):
        """One ScopeValidation per scope, in order. An invalid scope carries an error safe to show."""
        raise NotImplementedError

    # analyze(self, request: ScopeSetRequest) -> [ScopeAnalysis]: optional, one per scope, in order;
    # only called with valid, normalized scopes.
    analyze = None

    def serialize(self, request):
        """The provider's form of the whole set (SerializedScopes), handed back in VendRequest.serialized."""
        raise NotImplementedError

    def vend(self, request):
        """Issues the credential (VendResult). Never retried by the core."""
        raise NotImplementedError

    # revoke(self, request: RevokeRequest) -> RevokeResult: optional; a repeat answers already_gone.
    revoke = None


def capabilities_of(worker):
    capabilities = ["validate"]
    if worker.analyze is not None:
        capabilities.append("analyze")
    capabilities += ["serialize", "prepare", "vend"]
    if worker.revoke is not None:
        capabilities.append("revoke")
    return capabilities
