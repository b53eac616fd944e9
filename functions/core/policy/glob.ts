// Policy globs: `*` matches any run of characters (`/` included); everything else is literal.
// Patterns are compiled once, anchored at both ends, so `acme/*` never matches `evil/acme/x`.
// A glob for one segment of a larger string (the action of a scope) names its separator, which
// its `*` then never matches.
// Other glob syntax (`?`, `[...]`, `{a,b}`, `**`) is refused at load time rather than read
// differently from what its author meant.

export interface Glob {
  readonly source: string;
  matches(value: string): boolean;
}

const UNSUPPORTED = /[?[\]{}\\]/;

export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return "empty pattern";
  if (pattern.includes("**")) return "'**' is not supported: a single '*' already matches across '/'";
  const bad = UNSUPPORTED.exec(pattern);
  if (bad) return `unsupported glob character '${bad[0]}': only '*' is special`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (/[\s\x00-\x1f\x7f]/.test(pattern)) return "whitespace and control characters are not allowed";
  return undefined;
}

export function compileGlob(pattern: string, options: { readonly separator?: string } = {}): Glob {
  const problem = globProblem(pattern);
  if (problem) throw new Error(problem);
  if (!pattern.includes("*")) return { source: pattern, matches: (value) => value === pattern };
  const escaped = pattern.split("*").map(escapeRegex);
  const star = options.separator === undefined ? ".*" : `[^${escapeRegex(options.separator)}]*`;
  const regex = new RegExp(`^${escaped.join(star)}$`, "s");
  return { source: pattern, matches: (value) => regex.test(value) };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}
