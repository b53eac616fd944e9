// `credvend audit …`: forensics over the ledger (see audit-queries.ts), on the deployed table or
// the local stack's, with the same reader.
import { parseArgs } from "node:util";
import type { AnomalyThresholds } from "../../functions/core/anomalies/thresholds.js";
import type { AuditEventType, TimeRange } from "../../functions/core/records.js";
import { CliError } from "../cli-error.js";
import { auditAnomalies, thresholdsFromConfig } from "./audit-anomalies.js";
import { createPrinter, type OutputFormat } from "./audit-output.js";
import { auditCredential, auditEvents, auditRepository, auditToken, type QueryContext } from "./audit-queries.js";
import { openLedgerSource } from "./ledger-source.js";
import { progressLine } from "./query-progress.js";
import { explainReadError } from "./read-errors.js";
import { tokenQuery } from "./read-secret.js";
import { timeWindow } from "./time-window.js";

export const AUDIT_USAGE = `credvend audit — ask the ledger: was this ours, who got it, what else happened

Usage:
  ... | credvend audit token -            a leaked secret on stdin (or its SHA-256 as the argument)
  credvend audit credential <id>          one credential: its record and every event about it
  credvend audit repo <owner/name> [--since 24h] [--until T] [--type vend,deny]
  credvend audit events [--since 24h] [--until T] [--type deny]
  credvend audit anomalies [--since 7d] [--until T] [--config infra/credvend.config.yaml]

token and credential print the credential (repository, workflow, ref, run, actor, scopes, expiry,
state, leak outcome) and its events; repo and events print a timeline. Events are newest first,
read page by page through the ledger's indexes (never a table scan). anomalies runs the anomaly
rules of the deployed stream consumer over the window (thresholds from the config's \`anomalies\`
section, else the defaults). Exit status: 0 found (anomalies: none found), 1 not found (token,
credential; anomalies: some found), 2 usage, 5 the ledger cannot be read.

Which ledger:
  --table NAME      the deployed ledger table (default $CREDVEND_LEDGER_TABLE); AWS credentials
                    and region come from the shell, as for the AWS CLI
  --outputs FILE    take the table from \`cdk deploy --outputs-file FILE\` (output LedgerTableName)
  --region R        AWS region (default: AWS_REGION or your profile's)
  --data-dir DIR    the local stack's ledger (npm start's .credvend), running or not

Options:
  --since T         start of the window: 30m, 24h, 7d, 2w ago, or an ISO 8601 time (default 24h)
  --until T         end of the window, exclusive (default now)
  --type LIST       only these event types, comma-separated: vend, deny, deny_flood, detect,
                    revoke, manual, failure, worker_unsigned, worker_refused
  --limit N         stop after N events (the newest)
  --config FILE     anomalies: the deployment config whose \`anomalies\` thresholds apply
  --json            one JSON document;  --ndjson  one JSON object per line
  -q, --quiet       no progress line on stderr
  -h, --help        show this help
`;

/** The questions `credvend audit` answers, for the CLI's help. */
export const AUDIT_QUESTIONS = [
  { question: "token", summary: "Was this leaked secret ours? (`-` reads it from stdin, or give its SHA-256)" },
  { question: "credential", summary: "One credential: its record and every event about it" },
  { question: "repo", summary: "One repository's events over a window" },
  { question: "events", summary: "Every event over a window (--type deny, …)" },
  { question: "anomalies", summary: "Run the anomaly rules over a window" },
] as const;

const EVENT_TYPES: readonly AuditEventType[] = [
  "vend",
  "deny",
  "deny_flood",
  "detect",
  "revoke",
  "manual",
  "failure",
  "worker_unsigned",
  "worker_refused",
];

export interface AuditIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdin: AsyncIterable<Buffer | string>;
  readonly stderrIsTerminal: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => Date;
}

const processIo: AuditIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: process.stdin,
  stderrIsTerminal: process.stderr.isTTY === true,
  env: process.env,
  now: () => new Date(),
};

export async function runAudit(argv: readonly string[], io: AuditIo = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      table: { type: "string" },
      outputs: { type: "string" },
      region: { type: "string" },
      "data-dir": { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      type: { type: "string" },
      limit: { type: "string" },
      config: { type: "string" },
      json: { type: "boolean" },
      ndjson: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  const [subcommand, argument, ...extra] = positionals;
  if (values.help || subcommand === undefined) {
    io.stdout(AUDIT_USAGE);
    return values.help ? 0 : 2;
  }
  if (values.json && values.ndjson) throw new CliError("--json and --ndjson: choose one", 2);
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}"`, 2);
  const format: OutputFormat = values.json ? "json" : values.ndjson ? "ndjson" : "table";
  const now = io.now();
  const timeline = {
    range: timeWindow(values, subcommand === "anomalies" ? "7d" : "24h", now),
    ...(values.type === undefined ? {} : { types: parseTypes(values.type) }),
    ...(values.limit === undefined ? {} : { limit: parseLimit(values.limit) }),
  };
  const run =
    subcommand === "anomalies"
      ? planAnomalies(argument, timeline.range, thresholdsFromConfig(values.config), format, io)
      : plan(subcommand, argument, timeline, io);

  const source = await openLedgerSource({
    table: values.table,
    outputs: values.outputs,
    region: values.region,
    dataDir: values["data-dir"],
    env: io.env,
  });
  const progress = progressLine({ write: io.stderr, interactive: io.stderrIsTerminal && !values.quiet });
  const context: QueryContext = { source, printer: createPrinter(format, io.stdout, now), onPage: (p) => progress.update(p) };
  try {
    return await run(context);
  } catch (error) {
    throw explainReadError(error, source.description);
  } finally {
    progress.done();
    await source.close();
  }
}

/** Checks the subcommand and its argument before any connection is made. */
function plan(
  subcommand: string,
  argument: string | undefined,
  timeline: Parameters<typeof auditEvents>[1],
  io: AuditIo,
): (context: QueryContext) => Promise<number> {
  const need = (what: string) => {
    if (argument === undefined) throw new CliError(`audit ${subcommand}: missing ${what}`, 2);
    return argument;
  };
  switch (subcommand) {
    case "token": {
      const given = need("the secret (`-` reads it from stdin) or its SHA-256");
      return async (context) => ((await auditToken(context, await tokenQuery(given, io.stdin, (line) => io.stderr(`${line}\n`)))) ? 0 : 1);
    }
    case "credential": {
      const id = need("the credential id");
      return async (context) => ((await auditCredential(context, id)) ? 0 : 1);
    }
    case "repo": {
      const repository = need("the repository, owner/name");
      if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) throw new CliError(`audit repo: "${repository}" is not owner/name`, 2);
      return async (context) => {
        await auditRepository(context, repository, timeline);
        return 0;
      };
    }
    case "events":
      if (argument !== undefined) throw new CliError(`audit events takes no argument (got "${argument}")`, 2);
      return async (context) => {
        await auditEvents(context, timeline);
        return 0;
      };
    default:
      throw new CliError(`audit: unknown question "${subcommand}" (token, credential, repo, events, anomalies)`, 2);
  }
}

function planAnomalies(
  argument: string | undefined,
  range: TimeRange,
  thresholds: AnomalyThresholds,
  format: OutputFormat,
  io: AuditIo,
): (context: QueryContext) => Promise<number> {
  if (argument !== undefined) throw new CliError(`audit anomalies takes no argument (got "${argument}")`, 2);
  return async (context) => ((await auditAnomalies(context, range, thresholds, { format, write: io.stdout })).length > 0 ? 1 : 0);
}

function parseTypes(text: string): AuditEventType[] {
  const types = text.split(",").map((type) => type.trim());
  const unknown = types.filter((type) => !EVENT_TYPES.includes(type as AuditEventType));
  if (unknown.length > 0) throw new CliError(`--type: unknown event type "${unknown[0]}" (one of ${EVENT_TYPES.join(", ")})`, 2);
  return types as AuditEventType[];
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit: "${text}" is not a positive whole number`, 2);
  return limit;
}
