import type { RequestLine } from '../domain/request';
import type { CustomerFacts, KaizalaUser } from './facts';
import { skuForUser, type PlanDefinition, type PlanSku } from './plans';
import { maxSeatsFor } from './recommend';

/** The seats a request for `plan` may buy: at least one per user who moves, at most what the plan's cap leaves. */
export interface SeatLimits {
  min: number;
  max: number;
}

export function seatLimits(plan: PlanDefinition, facts: CustomerFacts, usersToMove: number): SeatLimits {
  return { min: Math.max(1, usersToMove), max: maxSeatsFor(plan, facts) };
}

/** What to buy of each of the plan's SKUs, before it becomes a request line. */
export interface PlannedLine {
  sku: PlanSku;
  quantity: number;
  userIds: string[];
}

/**
 * Splits a purchase into one line per SKU: each user gets the SKU of their kind (education), and the spare seats
 * (quantity beyond the users who move) go to the faculty or all-users SKU. SKUs nobody needs are left out. A suite
 * without Teams adds its Teams standalone as one more line in the same purchase: every user who moves and does not
 * hold a Teams standalone yet, plus the spare seats (whoever takes them later needs Teams too).
 */
export function planLines(plan: PlanDefinition, users: readonly KaizalaUser[], quantity: number): PlannedLine[] {
  const spareSku = skuForUser(plan, 'faculty');
  const lines = new Map<string, PlannedLine>();
  const lineFor = (sku: PlanSku) => {
    const existing = lines.get(sku.skuId);
    if (existing) return existing;
    const created: PlannedLine = { sku, quantity: 0, userIds: [] };
    lines.set(sku.skuId, created);
    return created;
  };
  for (const user of users) {
    const line = lineFor(skuForUser(plan, user.kind));
    line.userIds.push(user.id);
    line.quantity++;
  }
  const spare = quantity - users.length;
  if (spare > 0) lineFor(spareSku).quantity += spare;
  const suiteLines = plan.skus.map((sku) => lines.get(sku.skuId)).filter((line): line is PlannedLine => line !== undefined);
  if (!plan.teams) return suiteLines;
  const needTeams = users.filter((user) => !user.hasTeams).map((user) => user.id);
  const teamsSeats = needTeams.length + Math.max(0, spare);
  return teamsSeats > 0 ? [...suiteLines, { sku: plan.teams, quantity: teamsSeats, userIds: needTeams }] : suiteLines;
}

/**
 * The lines of `quantity` seats before the users are picked, for prices on the plan card: students on the student
 * SKU, everyone else and the spare seats on the other one.
 */
export function estimatedLines(plan: PlanDefinition, quantity: number, studentUsers: number): PlannedLine[] {
  const studentSku = skuForUser(plan, 'student');
  const otherSku = skuForUser(plan, 'faculty');
  if (plan.teams) {
    const teamsSeats = Math.max(0, quantity - (plan.usersWithTeams ?? 0));
    return [{ sku: otherSku, quantity, userIds: [] }, { sku: plan.teams, quantity: teamsSeats, userIds: [] }].filter((line) => line.quantity > 0);
  }
  if (studentSku.skuId === otherSku.skuId) return [{ sku: otherSku, quantity, userIds: [] }];
  const students = Math.min(studentUsers, quantity);
  return [
    { sku: otherSku, quantity: quantity - students, userIds: [] },
    { sku: studentSku, quantity: students, userIds: [] },
  ].filter((line) => line.quantity > 0);
}

export function toRequestLine(line: PlannedLine): RequestLine {
  return { skuId: line.sku.skuId, skuPartNumber: line.sku.skuPartNumber, title: line.sku.title, quantity: line.quantity, userIds: line.userIds };
}
