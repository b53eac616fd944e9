// How `credvend vend` hands a credential to the rest of the job: JSON, shell exports, the AWS
// `credential_process` shape, or GitHub Actions' $GITHUB_ENV (masked first). Secrets go to stdout
// or the env file only, never to stderr.
import { appendFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { CliError } from "./cli-error.js";

export const FORMATS = ["json", "env", "credential-process", "github-env", "github-output"] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** The 200 body of POST /v1/vend. */
export interface VendAnswer {
  readonly credentialId: string;
  readonly provider: string;
  readonly scopes: readonly string[];
  readonly expiresAt: string;
  readonly credential: Readonly<Record<string, string>>;
  readonly warnings?: readonly string[];
  readonly notes?: readonly string[];
}

// The names each tool reads by itself: the AWS SDKs and CLI, and gh.
const ENV_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  aws: { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY", sessionToken: "AWS_SESSION_TOKEN" },
  github: { token: "GH_TOKEN" },
};

/** Secret variables first, then the non-secret id and expiry. */
export function environmentOf(answer: VendAnswer): { secret: [string, string][]; plain: [string, string][] } {
  const names = ENV_NAMES[answer.provider] ?? {};
  const secret = Object.entries(answer.credential).map(([field, value]): [string, string] => [
    names[field] ?? `CREDVEND_${snake(field)}`,
    value,
  ]);
  const plain: [string, string][] = [
    ["CREDVEND_CREDENTIAL_ID", answer.credentialId],
    ["CREDVEND_EXPIRES_AT", answer.expiresAt],
  ];
  if (answer.provider === "aws") plain.push(["AWS_CREDENTIAL_EXPIRATION", answer.expiresAt]);
  return { secret, plain };
}

export interface OutputTarget {
  readonly stdout: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function writeCredential(answer: VendAnswer, format: OutputFormat, out: OutputTarget): void {
  switch (format) {
    case "json":
      out.stdout(`${JSON.stringify(answer, null, 2)}\n`);
      return;
    case "env": {
      const { secret, plain } = environmentOf(answer);
      out.stdout([...secret, ...plain].map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join(""));
      return;
    }
    case "credential-process":
      out.stdout(`${JSON.stringify(credentialProcess(answer))}\n`);
      return;
    case "github-env":
      writeGitHubEnv(answer, out);
      return;
    case "github-output":
      writeGitHubOutput(answer, out);
      return;
  }
}

/** The `credential_process` contract of the AWS SDKs and CLI. */
export function credentialProcess(answer: VendAnswer): Record<string, string | number> {
  const { accessKeyId, secretAccessKey, sessionToken } = answer.credential;
  if (answer.provider !== "aws" || !accessKeyId || !secretAccessKey || !sessionToken) {
    throw new CliError(`--format credential-process needs AWS credentials, but the credential is from "${answer.provider}"`, 2);
  }
  return {
    Version: 1,
    AccessKeyId: accessKeyId,
    SecretAccessKey: secretAccessKey,
    SessionToken: sessionToken,
    Expiration: answer.expiresAt,
  };
}

function writeGitHubEnv(answer: VendAnswer, out: OutputTarget): void {
  const envFile = out.env.GITHUB_ENV;
  if (!envFile) throw new CliError("--format github-env needs $GITHUB_ENV (it runs inside GitHub Actions)", 2);
  const { secret, plain } = environmentOf(answer);
  // Mask before anything could print them: the runner redacts these from every later log line.
  out.stdout(secret.map(([, value]) => `::add-mask::${value}\n`).join(""));
  appendFileSync(envFile, [...secret, ...plain].map(([name, value]) => fileEntry(name, value)).join(""));
  if (out.env.GITHUB_OUTPUT) {
    appendFileSync(out.env.GITHUB_OUTPUT, fileEntry("credential-id", answer.credentialId) + fileEntry("expires-at", answer.expiresAt));
  }
  out.stdout(
    `credvend: credential ${answer.credentialId} (${answer.provider}) until ${answer.expiresAt}; set ${[...secret, ...plain].map(([n]) => n).join(", ")}\n`,
  );
}

function writeGitHubOutput(answer: VendAnswer, out: OutputTarget): void {
  const outputFile = out.env.GITHUB_OUTPUT;
  if (!outputFile) throw new CliError("--format github-output needs $GITHUB_OUTPUT (it runs inside GitHub Actions)", 2);
  out.stdout(
    Object.values(answer.credential)
      .map((value) => `::add-mask::${value}\n`)
      .join(""),
  );
  appendFileSync(
    outputFile,
    fileEntry("credential", JSON.stringify(answer.credential)) +
      fileEntry("credential-id", answer.credentialId) +
      fileEntry("expires-at", answer.expiresAt) +
      fileEntry("provider", answer.provider),
  );
  out.stdout(`credvend: credential ${answer.credentialId} (${answer.provider}) until ${answer.expiresAt}; in the step's outputs\n`);
}

/**
 * Variables that are no secret (the container setup's) for the rest of the job: appended to
 * $GITHUB_ENV when in a job, and with `exports` also printed as `export` lines for `eval`.
 */
export function writeContainerVariables(
  variables: readonly (readonly [string, string])[],
  out: OutputTarget,
  options: { readonly exports: boolean },
): void {
  if (out.env.GITHUB_ENV) appendFileSync(out.env.GITHUB_ENV, variables.map(([name, value]) => fileEntry(name, value)).join(""));
  if (options.exports) out.stdout(variables.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join(""));
}

// GitHub's multi-line syntax with a random delimiter, so no value can end the entry early.
export function fileEntry(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

function snake(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}
