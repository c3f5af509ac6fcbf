// A minimal cookie-keeping client over Fastify's inject: each instance is one browser.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export class TestBrowser {
  readonly jar = new Map<string, string>();
  constructor(private readonly app: FastifyInstance) {}

  private store(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const gone = c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now()) || c.value === '';
      if (gone) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
  }

  private headers(extra: Record<string, string> = {}) {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    return { ...(cookie ? { cookie } : {}), ...extra };
  }

  async get(url: string, headers: Record<string, string> = {}) {
    const res = await this.app.inject({ method: 'GET', url: path(url), headers: this.headers(headers) });
    this.store(res);
    return res;
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const res = await this.app.inject({
      method: 'POST',
      url: path(url),
      headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded', ...headers }),
      payload: new URLSearchParams(form).toString(),
    });
    this.store(res);
    return res;
  }

  /** GETs a page, then submits its form with the CSRF token it carried, like a person would. */
  async submit(pageUrl: string, form: Record<string, string>, action?: string) {
    const page = await this.get(pageUrl);
    const csrf = csrfOf(page.body);
    const target = action ?? /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    if (!target) throw new Error(`no form on ${pageUrl}`);
    return this.post(target, { ...form, _csrf: csrf });
  }

  cookie(suffix: string) {
    return [...this.jar].find(([k]) => k.endsWith(`sp_${suffix}`))?.[1];
  }
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('page has no CSRF field');
  return m[1]!;
}

const path = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
