import { randomUUID } from "node:crypto";

/** Identifiers the core mints. Injected so tests can predict them. */
export interface IdSource {
  credentialId(): string;
  eventId(): string;
}

export const randomIds: IdSource = {
  credentialId: () => randomUUID(),
  eventId: () => randomUUID(),
};
