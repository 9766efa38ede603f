/**
 * One correlation id per unit of work — a Teams activity, a scan, a migration run — carried through async calls
 * without threading it through every signature: log lines carry it, and Partner Center and Graph calls send it as
 * `MS-CorrelationId`, so one id finds a person's click in our logs and in Microsoft's support tickets.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface CorrelationScope {
  readonly correlationId: string;
}

const scopes = new AsyncLocalStorage<CorrelationScope>();

/** Runs `work` (and everything it awaits or schedules) under `correlationId`. */
export function withCorrelation<T>(correlationId: string, work: () => T): T {
  return scopes.run({ correlationId }, work);
}

/** The id of the unit of work the caller runs in; undefined outside any. */
export function currentCorrelationId(): string | undefined {
  return scopes.getStore()?.correlationId;
}

/** A fresh id in the GUID form Partner Center documents for `MS-CorrelationId`. */
export function newCorrelationId(): string {
  return randomUUID();
}
