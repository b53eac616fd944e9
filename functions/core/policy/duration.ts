// Durations in policy files: `900s`, `15m`, `1h`, `1h30m`. Plain numbers are refused on purpose:
// "900" could be seconds or minutes, and a TTL is not a place for guessing.

const PART = /(\d+)(h|m|s)/g;
const WHOLE = /^(\d+[hms])+$/;
const UNIT_SECONDS = { h: 3600, m: 60, s: 1 } as const;

export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let seconds = 0;
  const seen = new Set<string>();
  for (const match of text.matchAll(PART)) {
    const unit = match[2] as keyof typeof UNIT_SECONDS;
    if (seen.has(unit)) return undefined;
    seen.add(unit);
    seconds += Number(match[1]) * UNIT_SECONDS[unit];
  }
  return seconds;
}

export function formatDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : "", m ? `${m}m` : "", s || seconds === 0 ? `${s}s` : ""].join("");
}
