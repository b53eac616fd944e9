// A cold process's CPU profile cut into the phases of its life: Node's own start, the bundle's
// import (Lambda's init) and the first invocation. Each phase's busy and idle time (idle: waiting
// on the network: the issuer, moto, the worker, DynamoDB Local) and its busiest groups (a package,
// a part of Node, the bundle itself, V8's compiler or collector). The phases' bounds are
// process.hrtime readings of the process itself: the same monotonic clock as the profile's.
import { groupOf } from "./cpu-profile-summary.js";

interface Profile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Microseconds, monotonic clock. */
  readonly startTime: number;
}

export interface Phase {
  readonly name: string;
  /** Monotonic microseconds; the first phase starts with the profile. */
  readonly endUs: number;
}

interface PhaseRow {
  readonly "wall ms": string;
  readonly "busy ms": string;
  readonly "idle ms": string;
  readonly "busiest (self ms)": string;
}

export function profilePhases(profile: Profile, phases: readonly Phase[], bundleUrl: string): Record<string, PhaseRow> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = phases.map(() => ({ busy: 0, idle: 0, groups: new Map<string, number>() }));
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const phase = phases.findIndex((p) => at < p.endUs);
    const frame = byId.get(profile.samples[i]!);
    if (phase < 0 || !frame) continue;
    const total = totals[phase]!;
    if (frame.functionName === "(idle)") {
      total.idle += us;
      continue;
    }
    total.busy += us;
    const group = frame.url === bundleUrl ? "the bundle's own code" : groupOf(frame.url, frame.functionName);
    total.groups.set(group, (total.groups.get(group) ?? 0) + us);
  }
  const ms = (us: number) => (us / 1000).toFixed(0);
  return Object.fromEntries(
    phases.map((phase, i) => {
      const { busy, idle, groups } = totals[i]!;
      const start = i === 0 ? profile.startTime : phases[i - 1]!.endUs;
      const busiest = [...groups]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([group, us]) => `${group} ${ms(us)}`)
        .join(", ");
      return [phase.name, { "wall ms": ms(phase.endUs - start), "busy ms": ms(busy), "idle ms": ms(idle), "busiest (self ms)": busiest }];
    }),
  );
}
