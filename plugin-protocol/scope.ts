// The scope grammar shared by every provider: `provider:action:resource`.
// The core only parses the shape; a provider's worker judges whether action and resource exist.

export interface Scope {
  readonly provider: string;
  readonly action: string;
  readonly resource: string;
}

export class ScopeSyntaxError extends Error {
  override readonly name = "ScopeSyntaxError";
  constructor(
    readonly scope: string,
    readonly reason: string,
  ) {
    super(`invalid scope "${truncate(scope)}": ${reason}`);
  }
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;
const MAX_SCOPE_LENGTH = 512;
// Printable ASCII without whitespace: resources are names, ARNs and paths, never free text.
const RESOURCE = /^[\x21-\x7e]+$/;

export function parseScope(text: string): Scope {
  if (typeof text !== "string") throw new ScopeSyntaxError(String(text), "a scope must be a string");
  if (text.length > MAX_SCOPE_LENGTH) throw new ScopeSyntaxError(text, `longer than ${MAX_SCOPE_LENGTH} characters`);
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  if (first < 0 || second < 0) throw new ScopeSyntaxError(text, "expected provider:action:resource");
  const provider = text.slice(0, first);
  const action = text.slice(first + 1, second);
  // The resource keeps any further colons: ARNs and `owner/repo:path` forms contain them.
  const resource = text.slice(second + 1);
  if (!NAME.test(provider)) throw new ScopeSyntaxError(text, "provider must be lower-case letters, digits and dashes");
  if (!NAME.test(action)) throw new ScopeSyntaxError(text, "action must be lower-case letters, digits and dashes");
  if (resource.length === 0) throw new ScopeSyntaxError(text, "resource is empty");
  if (!RESOURCE.test(resource)) throw new ScopeSyntaxError(text, "resource must be printable ASCII without spaces");
  return { provider, action, resource };
}

export function formatScope(scope: Scope): string {
  return `${scope.provider}:${scope.action}:${scope.resource}`;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
