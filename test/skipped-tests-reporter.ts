// A vitest reporter beside the default one: after a run it lists every skipped test by its full
// title, so the reason a test names in its title (e.g. "— skipped: java is not on PATH") shows
// in `npm test`'s output, not only a count. The default reporter's closing summary stays last.
import type { Reporter, TestModule, Vitest } from "vitest/node";

export class SkippedTestsReporter implements Reporter {
  private log: (text: string) => void = (text) => void process.stdout.write(`${text}\n`);

  onInit(vitest: Vitest): void {
    this.log = (text) => vitest.logger.log(text);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped = testModules.flatMap((module) =>
      [...module.children.allTests()]
        .filter((test) => test.result().state === "skipped")
        .map((test) => `${module.relativeModuleId} > ${test.fullName}`),
    );
    if (skipped.length === 0) return;
    this.log(`\nSkipped tests (${skipped.length}), each with its reason in its title:`);
    for (const title of skipped) this.log(`  ↓ ${title}`);
  }
}
