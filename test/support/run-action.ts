// Runs the JavaScript Action (action.yml → action/dist/index.mjs) the way the runner does: `main`
// with INPUT_<NAME> variables (action.yml's defaults applied), GITHUB_ENV / GITHUB_OUTPUT /
// GITHUB_STATE files and the job's OIDC request variables; then `post` with STATE_<name> for
// every value main saved. Node runs the committed bundle, as the runner would.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";
import { parseGitHubFile } from "./github-files.js";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value?: string }>;
  runs: { using: string; main: string; post?: string; steps?: unknown };
}

export const actionMetadata = parse(readFileSync(join(REPO_ROOT, "action.yml"), "utf8")) as ActionMetadata;

export interface ActionJob {
  /** ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN. */
  readonly requestUrl: string;
  readonly requestToken: string;
}

export interface StepResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly env: Record<string, string>;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
}

/** One job: its runner files persist across its steps, as on a runner. */
export function actionJob(job: ActionJob) {
  const dir = mkdtempSync(join(tmpdir(), "credvend-action-"));
  const files = { env: join(dir, "env"), output: join(dir, "output"), state: join(dir, "state") };
  const read = (path: string) => (existsSync(path) ? parseGitHubFile(readFileSync(path, "utf8")) : {});

  async function step(entry: string, extraEnv: Record<string, string>): Promise<StepResult> {
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      GITHUB_ENV: files.env,
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      ACTIONS_ID_TOKEN_REQUEST_URL: job.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: job.requestToken,
      ...extraEnv,
    };
    const result = await promisify(execFile)(process.execPath, [join(REPO_ROOT, entry)], { env, cwd: dir }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
    );
    return { ...result, env: read(files.env), outputs: read(files.output), state: read(files.state) };
  }

  return {
    dir,
    /** `main`, with the inputs given (others at action.yml's defaults). */
    main(inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<StepResult> {
      const env: Record<string, string> = {};
      for (const [name, input] of Object.entries(actionMetadata.inputs)) {
        env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = inputs[name] ?? input.default ?? "";
      }
      return step(actionMetadata.runs.main, { ...env, ...extraEnv });
    },
    /** `post`, with STATE_<name> for what main saved (the runner gives post no inputs' files). */
    post(extraEnv: Record<string, string> = {}): Promise<StepResult> {
      const state = Object.fromEntries(Object.entries(read(files.state)).map(([name, value]) => [`STATE_${name}`, value]));
      return step(actionMetadata.runs.post!, { ...state, ...extraEnv });
    },
  };
}
