/** Recent API calls (in memory), so tests can see statuses, faults and 429 timestamps without scraping logs. */
export interface RequestLogEntry {
  seq: number;
  /** real time the request arrived. */
  at: string;
  sandboxTime: string;
  api: 'partnerCenter' | 'graph' | 'identity';
  method: string;
  path: string;
  operation: string | null;
  customerId: string | null;
  requestId: string | null;
  correlationId: string | null;
  status: number;
  delivery: string;
  retryAfterSeconds: number | null;
  faults: string[];
  replayed: boolean;
  /** Identity endpoint: the client library that asked (`x-client-SKU` and `x-client-VER`, e.g. "msal.js.node 3.8.10"). */
  client?: string | null;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly capacity = 5000) {}

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, ...entry });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  list(afterSeq = 0): RequestLogEntry[] {
    return this.entries.filter((entry) => entry.seq > afterSeq);
  }

  clear(): void {
    this.entries = [];
  }
}
