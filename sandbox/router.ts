/** Minimal path router: literal segments match case-insensitively, `:name` segments capture. */
export interface Matched<R> {
  route: R;
  params: Record<string, string>;
}

export type MatchResult<R> = { kind: 'found'; match: Matched<R> } | { kind: 'wrongMethod' } | { kind: 'none' };

interface Compiled<R> {
  method: string;
  segments: string[];
  route: R;
}

export class Router<R> {
  private readonly routes: Compiled<R>[] = [];

  add(method: string, pattern: string, route: R): void {
    this.routes.push({ method, segments: split(pattern), route });
  }

  match(method: string, path: string): MatchResult<R> {
    let segments: string[];
    try {
      segments = split(path).map((segment) => decodeURIComponent(segment));
    } catch {
      return { kind: 'none' };
    }
    let pathMatched = false;
    for (const candidate of this.routes) {
      const params = matchSegments(candidate.segments, segments);
      if (!params) continue;
      if (candidate.method !== method) {
        pathMatched = true;
        continue;
      }
      return { kind: 'found', match: { route: candidate.route, params } };
    }
    return pathMatched ? { kind: 'wrongMethod' } : { kind: 'none' };
  }
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected.startsWith(':')) params[expected.slice(1)] = actual[i];
    else if (expected.toLowerCase() !== actual[i].toLowerCase()) return undefined;
  }
  return params;
}
