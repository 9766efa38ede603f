import { z } from 'zod';
import { guidSchema } from '../services/domain/ids';

/**
 * Request-body vocabulary: zod schemas for what the sandbox's routes read, and small readers over them that answer
 * undefined for anything else, so each route keeps its own 400 (Partner Center's and Graph's error shapes differ).
 * The real APIs accept camelCase and PascalCase, so bodies are normalised to camelCase first.
 */

/** Keys that would set an object's prototype if assigned: never part of a Partner Center or Graph body. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function camelizeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelizeKeys);
  if (typeof value !== 'object' || value === null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (PROTOTYPE_KEYS.has(key)) continue;
    const camel = /^[A-Z][a-z]/.test(key) || /^[A-Z]+$/.test(key) ? key[0].toLowerCase() + key.slice(1) : key;
    result[camel] = camelizeKeys(inner);
  }
  return result;
}

/** A JSON object (not an array, not null). */
export const recordSchema = z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value));

/** A whole number; loosely typed clients send numbers as JSON strings, so a numeric string counts too. */
export const integerSchema = z.union([
  z.number().int(),
  z
    .string()
    .refine((text) => text.trim() !== '')
    .transform(Number)
    .pipe(z.number().int()),
]);

export { guidSchema };
/** A GUID as the sandbox stores it: lower-case. */
export const lowerGuid = guidSchema.transform((id) => id.toLowerCase());

/** The value if it matches the schema, else undefined: the route decides what a missing or wrong field means. */
export function read<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return read(recordSchema, value);
}

export function asString(value: unknown): string | undefined {
  return read(z.string(), value);
}

export function asInteger(value: unknown): number | undefined {
  return read(integerSchema, value);
}

export function isGuid(value: unknown): value is string {
  return guidSchema.safeParse(value).success;
}
