/** Every problem found in a policy file (central or target), each naming its field, e.g. `rules[0].maxTtl: ...`. */
export class PolicyLoadError extends Error {
  override readonly name = "PolicyLoadError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid policy:\n  - ${problems.join("\n  - ")}`);
  }
}
