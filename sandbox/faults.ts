import type { FaultAction, FaultRule, Knobs, OperationName } from './knobs';
import { SeededRandom } from './rng';

/** What the faults decided for one call; the pipeline and the handlers act on it. */
export interface FaultDecision {
  throttle?: { retryAfterSeconds: number | null };
  serverError?: { status: number };
  timeout?: { holdMs: number };
  afterCommit?: 'drop' | 'gatewayTimeout';
  partialLicenses?: { mode: 'assignOnly' | 'removeOnly'; reply: 'success' | 'error' };
  staleEtag?: boolean;
  accepted202?: { polls: number };
  failOrder?: boolean;
  /** descriptions of what fired, for the request log. */
  fired: string[];
}

export interface FaultTarget {
  operation: OperationName;
  customerId: string | null;
  /** every key the user is known by (object id and UPN), lower case. */
  userKeys: string[];
}

export interface FaultRuleStats {
  index: number;
  rule: FaultRule;
  matched: number;
  fired: number;
}

/**
 * Decides, per call, which faults fire: the global rates (storms, 5xx, timeouts) and the targeted rules, all
 * drawn from one seeded generator so a run repeats exactly for the same sequence of calls.
 */
export class FaultEngine {
  private random: SeededRandom;
  private seed: number;
  private rules: FaultRule[] = [];
  private stats: FaultRuleStats[] = [];

  constructor(private readonly knobs: () => Knobs) {
    this.seed = knobs().randomSeed;
    this.random = new SeededRandom(this.seed);
    this.syncRules();
  }

  /** Call after the knobs change: a new seed restarts the generator, new rules restart their counters. */
  syncRules(): void {
    const knobs = this.knobs();
    if (knobs.randomSeed !== this.seed) {
      this.seed = knobs.randomSeed;
      this.random = new SeededRandom(this.seed);
    }
    if (knobs.faults !== this.rules) {
      this.rules = knobs.faults;
      this.stats = this.rules.map((rule, index) => ({ index, rule, matched: 0, fired: 0 }));
    }
  }

  ruleStats(): FaultRuleStats[] {
    return this.stats.map((entry) => ({ ...entry }));
  }

  /** A seeded draw in [0, 1), for callers that need the same determinism (batch shuffles). */
  draw(): number {
    return this.random.next();
  }

  decide(target: FaultTarget): FaultDecision {
    this.syncRules();
    const knobs = this.knobs();
    const decision: FaultDecision = { fired: [] };
    for (const entry of this.stats) {
      if (!this.matches(entry.rule, target)) continue;
      entry.matched += 1;
      if (!this.fires(entry)) continue;
      entry.fired += 1;
      this.apply(entry.rule, decision, knobs);
      decision.fired.push(`rule#${entry.index}:${entry.rule.action}`);
    }
    if (!decision.throttle && this.random.chance(knobs.throttleStormRate)) {
      decision.throttle = { retryAfterSeconds: knobs.throttleStormRetryAfterSeconds };
      decision.fired.push('throttleStorm');
    }
    if (!decision.serverError && this.random.chance(knobs.serverErrorRate)) {
      decision.serverError = { status: 503 };
      decision.fired.push('serverErrorRate');
    }
    if (!decision.timeout && this.random.chance(knobs.timeoutRate)) {
      decision.timeout = { holdMs: knobs.timeoutHoldMs };
      decision.fired.push('timeoutRate');
    }
    return decision;
  }

  private matches(rule: FaultRule, target: FaultTarget): boolean {
    if (rule.operation && rule.operation !== '*' && rule.operation !== target.operation) return false;
    if (rule.customerId && rule.customerId.toLowerCase() !== target.customerId) return false;
    if (rule.userId && !target.userKeys.includes(rule.userId.toLowerCase())) return false;
    return true;
  }

  private fires(entry: FaultRuleStats): boolean {
    const { rule } = entry;
    if (rule.times !== undefined && entry.fired >= rule.times) return false;
    if (rule.callNumbers && !rule.callNumbers.includes(entry.matched)) return false;
    if (rule.probability !== undefined && !this.random.chance(rule.probability)) return false;
    return true;
  }

  private apply(rule: FaultRule, decision: FaultDecision, knobs: Knobs): void {
    const action: FaultAction = rule.action;
    switch (action) {
      case 'throttle':
        decision.throttle = {
          retryAfterSeconds: rule.retryAfterSeconds === undefined ? knobs.throttleStormRetryAfterSeconds : rule.retryAfterSeconds,
        };
        return;
      case 'serverError':
        decision.serverError = { status: rule.status ?? 503 };
        return;
      case 'timeout':
        decision.timeout = { holdMs: rule.holdMs ?? knobs.timeoutHoldMs };
        return;
      case 'commitThenDrop':
        decision.afterCommit = 'drop';
        return;
      case 'commitThen504':
        decision.afterCommit = 'gatewayTimeout';
        return;
      case 'assignOnly':
      case 'removeOnly':
        decision.partialLicenses = { mode: action, reply: rule.reply ?? 'success' };
        return;
      case 'staleEtag':
        decision.staleEtag = true;
        return;
      case 'accepted202':
        decision.accepted202 = { polls: rule.polls ?? 1 };
        return;
      case 'failOrder':
        decision.failOrder = true;
        return;
    }
  }
}
