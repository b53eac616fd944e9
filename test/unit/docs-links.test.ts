// The README is a path through docs/: every relative link of README.md and docs/*.md must lead
// somewhere — the file exists and, for a #fragment into a Markdown file, a heading of that name
// (GitHub's anchors: lower case, punctuation dropped, spaces to dashes).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { documentationFiles } from "../support/doc-commands.js";

const ROOT = new URL("../..", import.meta.url).pathname;

/** GitHub's anchor for a heading's text. */
function anchorOf(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/[`*_]/g, (c) => (c === "_" ? "_" : ""))
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers, its code blocks left out. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1]) anchors.add(anchorOf(heading[1].trim()));
  }
  return anchors;
}

/** The relative links of a Markdown text, outside code blocks. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe("links in README.md and docs/", () => {
  it("GitHub's anchors, as this test computes them", () => {
    expect(anchorOf("Publish → install → deploy")).toBe("publish--install--deploy");
    expect(anchorOf("Ask the ledger: `credvend audit`")).toBe("ask-the-ledger-credvend-audit");
    expect(anchorOf("Configuration (webhooks function)")).toBe("configuration-webhooks-function");
  });

  it.each(documentationFiles(ROOT))("%s: every relative link leads to a file and heading that exist", (file) => {
    const broken: string[] = [];
    for (const link of linksOf(readFileSync(join(ROOT, file), "utf8"))) {
      const [path = "", fragment] = link.split("#");
      const target = path === "" ? join(ROOT, file) : join(ROOT, dirname(file), path);
      if (!existsSync(target)) broken.push(`${link}: no ${relative(ROOT, target)}`);
      else if (fragment !== undefined && target.endsWith(".md") && !anchorsOf(readFileSync(target, "utf8")).has(fragment))
        broken.push(`${link}: no heading #${fragment} in ${relative(ROOT, target)}`);
    }
    expect(broken).toEqual([]);
  });

  it("docs/README.md lists every page of docs/", () => {
    const contents = readFileSync(join(ROOT, "docs/README.md"), "utf8");
    const pages = documentationFiles(ROOT).filter((f) => f.startsWith("docs/") && f !== "docs/README.md");
    expect(pages.filter((page) => !contents.includes(`](${page.slice("docs/".length)})`))).toEqual([]);
  });
});
