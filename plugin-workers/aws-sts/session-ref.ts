// What the aws-sts worker keeps of a vended session (the record's upstreamRef, as JSON): enough to
// deny exactly that session later. Private to this worker; the broker never parses it.
export interface AwsSessionRef {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly assumedRoleArn: string;
  readonly assumedRoleId: string;
}
