/** Errors a handler throws; the pipeline renders each in its API's wire shape. */

/** Partner Center error: `{code, description, data, source: "PartnerFD"}`. */
export class PartnerCenterError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly description: string,
    readonly data: unknown[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  body(): { code: number; description: string; data: unknown[]; source: string } {
    return { code: this.code, description: this.description.slice(0, 1024), data: this.data, source: 'PartnerFD' };
  }
}

/** Graph error: `{error: {code, message, innerError}}`. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Admin API misuse (400/404 with a plain `{error}` body). */
export class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
  date: string,
): { error: { code: string; message: string; innerError: Record<string, string> } } {
  return {
    error: {
      code,
      message,
      innerError: { date, 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}
