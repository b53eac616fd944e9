import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { SkippedTestsReporter } from "./skipped-tests-reporter.js";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["test/**/*.test.ts", "plugin-workers/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Skipped tests by title (their reason) first, then the default output and its closing summary.
    reporters: [new SkippedTestsReporter(), "default"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
