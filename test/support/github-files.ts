/** Parses GitHub Actions' $GITHUB_ENV / $GITHUB_OUTPUT `name<<delimiter` syntax, as the runner does. */
export function parseGitHubFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const end = lines.indexOf(match[2]!, i + 1);
    values[match[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return values;
}
