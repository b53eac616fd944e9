import { CredvendError } from "./errors.js";
import { IDENTITY_MESSAGE, isIdentity } from "../../plugin-protocol/identity.js";
import { parseScope, ScopeSyntaxError, type Scope } from "../../plugin-protocol/scope.js";

export const MAX_SCOPES_PER_REQUEST = 20;

/** What a caller asks for, as the HTTP layer decoded it. */
export interface VendInput {
  readonly scopes: readonly string[];
  readonly ttlSeconds?: number;
  /** Self-serve trust: names the target policy file that may grant the scopes (IDENTITY_PATTERN). */
  readonly identity?: string;
}

/**
 * Step "validate" on the core's side: the scope grammar, one provider per credential, no
 * duplicates. Returns the parsed scopes in request order.
 */
export function parseVendScopes(input: VendInput): { provider: string; scopes: Scope[] } {
  // The HTTP layer checks it too; the name becomes part of a path a worker reads, so check again here.
  if (input.identity !== undefined && !isIdentity(input.identity)) throw invalid("invalid_identity", IDENTITY_MESSAGE);
  if (input.scopes.length === 0) throw invalid("invalid_request", "scopes: at least one scope is required");
  if (input.scopes.length > MAX_SCOPES_PER_REQUEST)
    throw invalid("invalid_request", `scopes: at most ${MAX_SCOPES_PER_REQUEST} scopes per request`);
  const scopes: Scope[] = [];
  const seen = new Set<string>();
  for (const text of input.scopes) {
    try {
      if (!seen.has(text)) scopes.push(parseScope(text));
      seen.add(text);
    } catch (err) {
      if (err instanceof ScopeSyntaxError) throw invalid("invalid_scope", err.message);
      throw err;
    }
  }
  const providers = [...new Set(scopes.map((s) => s.provider))];
  if (providers.length > 1)
    throw invalid("mixed_providers", `one credential comes from one provider; request ${providers.join(" and ")} scopes separately`);
  return { provider: providers[0]!, scopes };
}

function invalid(code: string, message: string): CredvendError {
  return new CredvendError("invalid_request", code, message);
}
