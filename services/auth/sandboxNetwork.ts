/**
 * Sandbox mode's only difference from live mode in how tokens are had: msal-node refuses authorities that are not
 * `https://` (`authorityUriInsecure`), and the sandbox serves plain http on localhost. So msal-node keeps an https
 * authority (`AUTHORITY_HOST`, e.g. https://login.sandbox.localhost) and gets this network client, which carries its
 * requests for that host to the sandbox's http URL — everything above the transport (authority metadata, cache,
 * refresh-token handling, response parsing) stays msal-node's own. msal-node's first request for an authority it does
 * not know is Entra's cloud discovery at Microsoft's host (`https://login.microsoftonline.com/common/discovery/instance`);
 * in sandbox mode the sandbox is the cloud, so that one goes to the sandbox too. Requests for anything else are
 * refused: sandbox mode never talks to Microsoft.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Where msal-node asks Entra's cloud discovery (msal-common's default instance-discovery endpoint). */
const INSTANCE_DISCOVERY = 'https://login.microsoftonline.com/common/discovery/instance';

/** msal-node gives up on a request after this long without an answer. */
const REQUEST_TIMEOUT_MS = 10_000;

export class SandboxNetworkClient implements INetworkModule {
  private readonly authority: URL;
  private readonly sandbox: URL;

  constructor(authorityHost: string, sandboxUrl: string) {
    this.authority = new URL(authorityHost);
    this.sandbox = new URL(sandboxUrl);
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** The sandbox URL a request for the authority host goes to. */
  rewrite(url: string): string {
    const target = new URL(url);
    if (`${target.origin}${target.pathname}` === INSTANCE_DISCOVERY) return new URL(`${target.pathname}${target.search}`, this.sandbox).toString();
    if (target.protocol !== this.authority.protocol || target.host !== this.authority.host) {
      throw new Error(`sandbox mode: refusing a token request for ${target.origin} (only ${this.authority.origin} is served, by the sandbox)`);
    }
    const rewritten = new URL(`${target.pathname}${target.search}`, this.sandbox);
    return rewritten.toString();
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout?: number): Promise<NetworkResponse<T>> {
    const response = await fetch(this.rewrite(url), {
      method,
      // The sandbox renders its metadata for the host msal-node asked for, as a reverse proxy would tell it.
      headers: { ...options?.headers, 'X-Forwarded-Host': this.authority.host, 'X-Forwarded-Proto': this.authority.protocol.replace(':', '') },
      body: method === 'POST' ? options?.body : undefined,
      signal: AbortSignal.timeout(timeout ?? REQUEST_TIMEOUT_MS),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text ? (JSON.parse(text) as unknown) : {};
    } catch {
      body = { error: 'invalid_response', error_description: `the sandbox answered ${response.status} without JSON` };
    }
    return { status: response.status, headers, body: body as T };
  }
}
