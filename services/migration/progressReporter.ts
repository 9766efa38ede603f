import type { Logger } from '../logging';
import { toProgressView, type RunNotifier } from './notifier';
import { isFinished, type MigrationRun, type ProgressMessageRef } from './run';

interface RunChannel {
  lastSentAtMs: number;
  /** The newest state not yet shown. */
  pending: MigrationRun | undefined;
  timer: NodeJS.Timeout | undefined;
  sending: Promise<void>;
  message: ProgressMessageRef | undefined;
}

export interface ProgressReporterOptions {
  notifier: RunNotifier;
  logger: Logger;
  /** At most one update per run in this interval, except forced ones (step and status changes). */
  minIntervalMs: number;
  deadlineMarginDays: number;
  /** Persists where the card landed, the first time it is sent. */
  rememberMessage: (runId: string, message: ProgressMessageRef) => Promise<void>;
  now?: () => number;
}

/**
 * Keeps each run's progress card current without flooding Teams: sends are serialized per run, throttled to one
 * per `minIntervalMs`, and a trailing update always shows the latest state. Failures are logged, never thrown:
 * a card that cannot be updated must not stop a migration.
 */
export class ProgressReporter {
  private readonly channels = new Map<string, RunChannel>();
  private readonly now: () => number;

  constructor(private readonly options: ProgressReporterOptions) {
    this.now = options.now ?? Date.now;
  }

  report(run: MigrationRun, force = false): void {
    const channel = this.channel(run);
    channel.pending = run;
    if (!channel.message && run.progressMessage) channel.message = run.progressMessage;
    const dueInMs = force ? 0 : channel.lastSentAtMs + this.options.minIntervalMs - this.now();
    if (dueInMs <= 0) {
      this.sendNow(run.id, channel);
      return;
    }
    if (!channel.timer) {
      channel.timer = setTimeout(() => {
        channel.timer = undefined;
        this.sendNow(run.id, channel);
      }, dueInMs);
      channel.timer.unref();
    }
  }

  /** Sends anything still pending for the run and waits until its messages are out. */
  async flush(runId: string): Promise<void> {
    const channel = this.channels.get(runId);
    if (!channel) return;
    if (channel.timer) {
      clearTimeout(channel.timer);
      channel.timer = undefined;
      this.sendNow(runId, channel);
    }
    await channel.sending;
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.channels.keys()].map((runId) => this.flush(runId)));
  }

  private channel(run: MigrationRun): RunChannel {
    let channel = this.channels.get(run.id);
    if (!channel) {
      channel = { lastSentAtMs: 0, pending: undefined, timer: undefined, sending: Promise.resolve(), message: run.progressMessage };
      this.channels.set(run.id, channel);
    }
    return channel;
  }

  private sendNow(runId: string, channel: RunChannel): void {
    if (channel.timer) {
      clearTimeout(channel.timer);
      channel.timer = undefined;
    }
    const run = channel.pending;
    channel.pending = undefined;
    if (!run) return;
    channel.lastSentAtMs = this.now();
    channel.sending = channel.sending.then(() => this.send(runId, channel, run));
  }

  private async send(runId: string, channel: RunChannel, run: MigrationRun): Promise<void> {
    try {
      const view = toProgressView(run, this.now(), this.options.deadlineMarginDays);
      const landed = await this.options.notifier.progress(view, channel.message);
      if (landed && !channel.message) {
        channel.message = landed;
        await this.options.rememberMessage(runId, landed);
      }
    } catch (error) {
      this.options.logger.warn('Could not show migration progress', { runId, error });
    }
    // A finished run's card changes no more: forget its channel once nothing is left to send.
    if (isFinished(run) && !channel.pending && !channel.timer && this.channels.get(runId) === channel) this.channels.delete(runId);
  }
}
