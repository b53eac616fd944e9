// Edits of the deployment config (infra/credvend.config.yaml) for installed workers, through the
// YAML document model so the operator's comments and layout stay as they were. Pure: text in,
// text out; the caller writes.
import { isMap, isScalar, isSeq, parseDocument, type Document, type YAMLSeq } from "yaml";
import type { TrustedKeyConfig } from "../../functions/core/plugin-trust/trust-store.js";

export interface ConfiguredWorker {
  readonly name: string;
  readonly providers: readonly string[];
}

export interface InstalledWorkerConfig {
  readonly name: string;
  readonly providers: readonly string[];
  /** The signed zip, relative to the config file. */
  readonly zip: string;
  readonly handler: string;
}

export class DeploymentConfigEditError extends Error {
  override readonly name = "DeploymentConfigEditError";
}

function load(text: string, source: string): Document {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0)
    throw new DeploymentConfigEditError(`${source}: not valid YAML: ${document.errors[0]!.message.split("\n")[0]}`);
  if (!isMap(document.contents)) throw new DeploymentConfigEditError(`${source}: not a deployment config (a YAML mapping)`);
  return document;
}

export function configuredWorkers(text: string, source: string): ConfiguredWorker[] {
  const workers = (load(text, source).toJS() as { workers?: unknown }).workers;
  if (!Array.isArray(workers)) return [];
  return workers.map((w: { name?: unknown; providers?: unknown }) => ({
    name: String(w.name),
    providers: Array.isArray(w.providers) ? w.providers.map(String) : [],
  }));
}

export function configuredTrustedKeys(text: string, source: string): TrustedKeyConfig[] {
  const keys = (load(text, source).toJS() as { trustedKeys?: unknown }).trustedKeys;
  return Array.isArray(keys) ? (keys as TrustedKeyConfig[]) : [];
}

/** Appends the worker (kind custom, deployed from its signed zip) and, if missing, its publisher's key. */
export function addInstalledWorker(
  text: string,
  source: string,
  worker: InstalledWorkerConfig,
  publisher: TrustedKeyConfig,
): { text: string; addedTrustedKey: boolean } {
  const document = load(text, source);
  const workers = document.get("workers", true);
  if (!isSeq(workers) || workers.flow || workers.items.length === 0)
    throw new DeploymentConfigEditError(`${source}: has no block list of workers to add ${worker.name} to`);
  const item = [
    `name: ${worker.name}`,
    "kind: custom",
    `providers: [${worker.providers.join(", ")}]`,
    "package:",
    `  zip: ${worker.zip}`,
    `  handler: ${worker.handler}`,
  ];
  return withTrustedKey(insertItem(text, workers, item), source, publisher);
}

/** Adds the publisher's key to trustedKeys unless it is there. */
export function withTrustedKey(text: string, source: string, publisher: TrustedKeyConfig): { text: string; addedTrustedKey: boolean } {
  if (configuredTrustedKeys(text, source).some((key) => key.keyId === publisher.keyId)) return { text, addedTrustedKey: false };
  const keyItem = [`keyId: ${publisher.keyId}`, `publicKey: ${publisher.publicKey}`];
  const keys = load(text, source).get("trustedKeys", true);
  let edited: string;
  if (isSeq(keys) && !keys.flow && keys.items.length > 0) edited = insertItem(text, keys, keyItem);
  else if (isSeq(keys) && keys.flow && keys.items.length === 0)
    edited = `${text.slice(0, keys.range![0]).replace(/[ \t]+$/, "")}\n${blockItem("  - ", keyItem)}${text.slice(keys.range![1]).replace(/^[ \t]*\n/, "")}`;
  else if (keys === undefined) edited = `${text.replace(/\n?$/, "\n")}trustedKeys:\n${blockItem("  - ", keyItem)}`;
  else throw new DeploymentConfigEditError(`${source}: trustedKeys is not a list this tool can add to; add key ${publisher.keyId} by hand`);
  return { text: edited, addedTrustedKey: true };
}

/**
 * Points an installed worker at another version's zip and handler, in place: the operator's other
 * settings for it (environment, settings, invokers) and every other line stay as they were.
 */
export function updateInstalledWorker(text: string, source: string, name: string, update: { zip: string; handler: string }): string {
  const workers = load(text, source).get("workers", true);
  const worker = isSeq(workers) ? workers.items.find((node) => isMap(node) && node.get("name") === name) : undefined;
  const pkg = isMap(worker) ? worker.get("package", true) : undefined;
  const zip = isMap(pkg) ? pkg.get("zip", true) : undefined;
  const handler = isMap(pkg) ? pkg.get("handler", true) : undefined;
  if (!isScalar(zip) || !isScalar(handler) || !zip.range || !handler.range)
    throw new DeploymentConfigEditError(`${source}: worker ${name} has no package.zip and package.handler to update; reinstall it`);
  // Later offset first, so the earlier range stays valid.
  const edits = [
    { range: zip.range, value: update.zip },
    { range: handler.range, value: update.handler },
  ].sort((a, b) => b.range[0] - a.range[0]);
  return edits.reduce((edited, { range, value }) => `${edited.slice(0, range[0])}${value}${edited.slice(range[1])}`, text);
}

/** Takes out the worker named `name` and, when given, the trusted key with that id (`[]` when it was the last). */
export function removeInstalledWorker(text: string, source: string, name: string, trustedKeyId?: string): string {
  let edited = removeItem(text, load(text, source).get("workers", true), (item) => item.name === name);
  if (trustedKeyId !== undefined)
    edited = removeItem(edited, load(edited, source).get("trustedKeys", true), (item) => item.keyId === trustedKeyId);
  return edited;
}

// Text is spliced, never re-printed, so every other line — comments, flow lists, spacing — stays
// byte for byte; removing what install added gives back the file as it was.

type Ranged = { range?: [number, number, number] | null | undefined };

function insertItem(text: string, list: YAMLSeq, lines: readonly string[]): string {
  const first = list.items[0] as Ranged;
  const dash = text.slice(lineStart(text, first.range![0]), first.range![0]);
  const at = list.range![1];
  const before = text.slice(0, at);
  return `${before}${before.endsWith("\n") ? "" : "\n"}${blockItem(dash, lines)}${text.slice(at)}`;
}

function blockItem(dash: string, lines: readonly string[]): string {
  const indent = " ".repeat(dash.length);
  return lines.map((line, i) => `${i === 0 ? dash : indent}${line}\n`).join("");
}

function removeItem(text: string, list: unknown, match: (item: Record<string, unknown>) => boolean): string {
  if (!isSeq(list) || list.flow) return text;
  const index = list.items.findIndex((node) => isMap(node) && match(node.toJSON() as Record<string, unknown>));
  if (index < 0) return text;
  const start = lineStart(text, (list.items[index] as Ranged).range![0]);
  const next = list.items[index + 1] as Ranged | undefined;
  const end = next ? lineStart(text, next.range![0]) : list.range![1];
  if (list.items.length > 1) return text.slice(0, start) + text.slice(end);
  // The last item: the key keeps an empty list rather than becoming null.
  return `${text.slice(0, start - 1).replace(/[ \t]+$/, "")} []\n${text.slice(end)}`;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}
