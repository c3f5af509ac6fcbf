// Prometheus metrics (prom-client), one registry per process. Login and delivery figures are
// counted from the audit stream — the same events the shop owner reads — so the two never differ.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditInput } from '../audit/audit.repo.ts';

export interface Backlogs {
  outbox(): Promise<{ count: number; oldestAgeMs: number }>;
  jobs(): Promise<{ count: number; oldestAgeMs: number }>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function createMetrics(o: { backlogs?: Backlogs; defaults?: boolean } = {}) {
  const registry = new Registry();
  if (o.defaults !== false) collectDefaultMetrics({ register: registry, prefix: 'servicio_' });
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name, help, labelNames, registers: [registry] });

  /**
   * A counter for what every request passes through: counted in a plain map, handed to prom-client
   * when /metrics is read (prom-client hashes the label set on every inc(), a few per cent of a
   * cached session check's CPU). The function it returns counts one under `key`, making the labels
   * only the first time the key is seen.
   */
  const countedAtScrape = <L extends Record<string, string>>(name: string, help: string, labelNames: (keyof L & string)[]) => {
    const counts = new Map<string, { labels: L; n: number }>();
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const e of counts.values()) if (e.n > 0) (this.inc(e.labels, e.n), (e.n = 0));
      },
    });
    return (key: string, labels: () => L) => {
      const e = counts.get(key);
      if (e) e.n++;
      else counts.set(key, { labels: labels(), n: 1 });
    };
  };
  const countRequest = countedAtScrape<{ route: string; method: string; status: string }>('servicio_http_requests_total', 'HTTP requests by route pattern, method and status', ['route', 'method', 'status']);
  const logins = counter('servicio_login_requests_total', 'Sign-in links asked for (before matching: known and unknown alike)');
  const links = counter('servicio_login_links_total', 'Sign-in links by outcome: issued, refused (with reason), consumed, failed redemption (with reason)', ['outcome', 'reason']);
  const messages = counter('servicio_messages_total', 'Messages by channel and outcome (sent, failed, expired, retried; delivered, bounced… as providers report)', ['channel', 'outcome']);
  const refusals = counter('servicio_rate_limit_refusals_total', 'Requests refused by a rate limit or budget', ['limit']);
  const countSessionCheck = countedAtScrape<{ result: string }>('servicio_session_checks_total', 'Portal session checks by result', ['result']);

  if (o.backlogs) {
    const backlogs = o.backlogs;
    new Gauge({
      name: 'servicio_queue_depth',
      help: 'Messages and jobs waiting (queued or in progress)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const [outbox, jobs] = await Promise.all([backlogs.outbox(), backlogs.jobs()]);
        this.set({ queue: 'outbox' }, outbox.count);
        this.set({ queue: 'jobs' }, jobs.count);
      },
    });
    new Gauge({
      name: 'servicio_queue_oldest_age_seconds',
      help: 'Age of the oldest waiting message or job (0 when none)',
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const [outbox, jobs] = await Promise.all([backlogs.outbox(), backlogs.jobs()]);
        this.set({ queue: 'outbox' }, outbox.oldestAgeMs / 1000);
        this.set({ queue: 'jobs' }, jobs.oldestAgeMs / 1000);
      },
    });
  }

  /** Turns one audit event into the counters it concerns. */
  function audited(e: AuditInput): void {
    const d = e.data ?? {};
    switch (e.action) {
      case 'login.requested':
        logins.inc();
        return;
      case 'login.link_issued':
        links.inc({ outcome: 'issued', reason: '' });
        return;
      case 'login.link_refused':
        links.inc({ outcome: 'refused', reason: str(d.reason) });
        return;
      case 'login.consumed':
        links.inc({ outcome: 'consumed', reason: str(d.via) });
        return;
      case 'login.redemption_failed':
        links.inc({ outcome: 'redemption_failed', reason: str(d.reason) });
        return;
    }
    if (e.action.startsWith('delivery.') && e.action !== 'delivery.queued') {
      messages.inc({ channel: str(d.channel) || 'none', outcome: e.action.slice('delivery.'.length) });
    }
  }

  return {
    registry,
    audited,
    request: (route: string, method: string, status: number) => countRequest(`${method} ${status} ${route}`, () => ({ route, method, status: String(status) })),
    refused: (limit: string) => refusals.inc({ limit }),
    sessionCheck: (result: 'valid' | 'invalid') => countSessionCheck(result, () => ({ result })),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
