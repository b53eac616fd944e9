// Time as a worker sees it: injected, so tests can move it (token expiry, lease windows).
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
