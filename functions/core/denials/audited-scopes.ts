// How much of a denied request a deny event keeps. The caller chooses the scopes (up to 20 of up
// to 512 characters, stored once in `scopes` and again in `details.denied`) and a denial costs it
// nothing, so the event keeps a bounded part of them and says when it kept less.

export const MAX_AUDITED_SCOPES = 20;
export const MAX_AUDITED_SCOPE_LENGTH = 200;
/** Ends a scope cut short; never part of a scope, whose grammar is printable ASCII. */
export const CUT_MARK = "…";

export interface AuditedScopes {
  readonly scopes: string[];
  /** Present when something was left out, saying what: the event's `details.truncated`. */
  readonly truncated?: string;
}

/** At most MAX_AUDITED_SCOPES scopes of at most MAX_AUDITED_SCOPE_LENGTH characters each. */
export function auditedScopes(scopes: readonly string[]): AuditedScopes {
  const kept = scopes.slice(0, MAX_AUDITED_SCOPES);
  const long = kept.filter((scope) => scope.length > MAX_AUDITED_SCOPE_LENGTH).length;
  const notes: string[] = [];
  if (scopes.length > kept.length) notes.push(`${scopes.length - kept.length} of ${scopes.length} scopes left out`);
  if (long > 0) notes.push(`${long} cut to ${MAX_AUDITED_SCOPE_LENGTH} characters, ending in ${CUT_MARK}`);
  const capped = kept.map((scope) =>
    scope.length > MAX_AUDITED_SCOPE_LENGTH ? `${scope.slice(0, MAX_AUDITED_SCOPE_LENGTH - CUT_MARK.length)}${CUT_MARK}` : scope,
  );
  return notes.length > 0 ? { scopes: capped, truncated: notes.join("; ") } : { scopes: capped };
}
