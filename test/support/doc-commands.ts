// The commands the docs show: every line of a fenced sh/bash/shell/console block of README.md and
// docs/*.md, with backslash continuations joined and trailing comments dropped, so a test can
// require each one to be run by some test (test/e2e/docs-commands.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface DocCommand {
  /** The command as a reader would type it: continuations joined, comments and `$ ` dropped. */
  readonly command: string;
  readonly file: string;
  readonly line: number;
}

const SHELL_FENCES = new Set(["sh", "bash", "shell", "zsh", "console"]);

/** README.md and every page of docs/, relative to the repository root. */
export function documentationFiles(root: string): string[] {
  const pages = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort();
  return ["README.md", ...pages.map((name) => `docs/${name}`)];
}

/** Every command of every shell block of the given files, in document order. */
export function documentedCommands(root: string, files = documentationFiles(root)): DocCommand[] {
  return files.flatMap((file) => commandsOf(readFileSync(join(root, file), "utf8"), file));
}

/** The commands of one Markdown text's shell blocks. */
export function commandsOf(markdown: string, file: string): DocCommand[] {
  const commands: DocCommand[] = [];
  let fence: string | undefined;
  let pending: { text: string; line: number } | undefined;
  markdown.split("\n").forEach((raw, index) => {
    const opening = /^\s*```\s*([\w-]*)/.exec(raw);
    if (opening) {
      fence = fence === undefined ? (opening[1] ?? "").toLowerCase() : undefined;
      pending = undefined;
      return;
    }
    if (fence === undefined || !SHELL_FENCES.has(fence)) return;
    let line = raw;
    if (fence === "console" && pending === undefined) {
      if (!line.startsWith("$ ")) return; // output, not a command
      line = line.slice(2);
    }
    const text = stripComment(line).trimEnd();
    const joined = pending ? `${pending.text} ${text.trim()}` : text.trim();
    const start = pending?.line ?? index + 1;
    if (joined.endsWith("\\")) {
      pending = { text: joined.slice(0, -1).trimEnd(), line: start };
      return;
    }
    pending = undefined;
    if (joined !== "") commands.push({ command: joined.replace(/\s+/g, " "), file, line: start });
  });
  return commands;
}

/** The line without a shell comment: a `#` at the start or after a blank, outside quotes. */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"') i++;
    } else if (char === "'" || char === '"') quote = char;
    else if (char === "\\") i++;
    else if (char === "#" && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}
