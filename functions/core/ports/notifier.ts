// Where alerts go: console lines locally, SNS on AWS.
export type Urgency = "low" | "high";

export interface Notification {
  readonly urgency: Urgency;
  /** A stable, machine-readable kind, e.g. `worker_refused`, `manual_revoke_required`. */
  readonly kind: string;
  readonly title: string;
  /** Everything a human needs to act; never a secret. */
  readonly details: Readonly<Record<string, string>>;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
