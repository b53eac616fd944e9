// The CLI writes to process.stdout/stderr: tests read what it wrote without printing it.
import { vi } from "vitest";
import { main } from "../../cli/main.js";

export interface CapturedOutput {
  out(): string;
  err(): string;
  reset(): void;
}

/** Captures stdout and stderr until vi.restoreAllMocks(). */
export function captureOutput(): CapturedOutput {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  return {
    out: () => out,
    err: () => err,
    reset: () => {
      out = "";
      err = "";
    },
  };
}

/** `credvend <argv>` in this process: its exit code and everything it wrote. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureOutput();
  try {
    const code = await main(argv);
    return { code, out: io.out(), err: io.err() };
  } finally {
    vi.restoreAllMocks();
  }
}
