// GitHub API failures → the PluginError the caller sees. A request GitHub refuses (404 no
// installation, 422 repository outside it or permission the App lacks) is the caller's to fix: 400.
// Rate limits and 5xx are "unavailable" (503, retry). Bad App credentials are the broker's: 502.
import { PluginError } from "../sdk/plugin-error.js";

const MAX_GITHUB_MESSAGE = 200;

export function gitHubFailure(error: unknown, step: "installation" | "token", subject: string): PluginError {
  const status = (error as { status?: unknown }).status;
  if (typeof status !== "number" || status === 500 || status >= 502) {
    return new PluginError("unavailable", "GitHub is unavailable; retry shortly", { cause: error });
  }
  if (status === 401) {
    return new PluginError("permission_denied", "GitHub rejected the App's credentials: check the app id and private key", {
      cause: error,
    });
  }
  if (status === 429 || (status === 403 && isRateLimited(error))) {
    return new PluginError("unavailable", "GitHub's rate limit for the App is exhausted; retry later", { cause: error });
  }
  if (step === "installation" && status === 404) {
    return new PluginError("invalid_argument", `the GitHub App is not installed on ${subject} (or the repository does not exist)`, {
      cause: error,
    });
  }
  if (status === 404 || status === 422 || status === 403) {
    return new PluginError(
      "invalid_argument",
      `GitHub refused a token for ${subject} (${status}): a repository is outside the App's installation or the App lacks a requested permission${githubMessage(error)}`,
      { cause: error },
    );
  }
  return new PluginError("permission_denied", `GitHub refused the request (${status})`, { cause: error });
}

function isRateLimited(error: unknown): boolean {
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {};
  return headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined;
}

// GitHub's own message says which repository or permission; it never holds a secret.
function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } }).response?.data;
  const message = typeof data?.message === "string" ? data.message.replace(/\s+/g, " ").trim() : "";
  return message ? `: "${message.slice(0, MAX_GITHUB_MESSAGE)}"` : "";
}
