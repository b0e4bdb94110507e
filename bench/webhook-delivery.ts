/**
 * Webhook delivery under the benchmark's load: a receiver on loopback subscribed (through the admin API) to the
 * merchant's token events before the scenarios run; afterwards, once deliveries stop arriving, it reports the
 * events delivered per second (first to last receipt) and the lag from commit (the CloudEvent `time`) to receipt,
 * p50 and p99. The server allows the loopback host through TESSERA_WEBHOOK_ALLOWED_HOSTS (bench/server.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http, type BenchContext } from './context.js';

export interface WebhookFigures {
  delivered: number;
  eventsPerSecond: number;
  p50LagMs: number;
  p99LagMs: number;
}

export interface WebhookProbe {
  /** Waits until no delivery arrived for `quietMs` (at most `guardMs`), then computes the figures. */
  report(quietMs?: number, guardMs?: number): Promise<WebhookFigures>;
  close(): Promise<void>;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0);

export async function startWebhookProbe(ctx: BenchContext): Promise<WebhookProbe> {
  const receipts: { at: number; committedAt: number; id: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = Date.now();
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; time: string };
        receipts.push({ at, committedAt: Date.parse(event.time), id: event.id });
      } catch {}
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const created = await http(ctx.baseUrl, 'POST', '/admin/v1/webhook-endpoints', {
    authorization: `Bearer ${ctx.adminToken}`,
    body: { merchant_id: ctx.merchant.merchantId, url: `http://127.0.0.1:${port}/hook`, event_types: ['merchant.token.created', 'merchant.token.updated'] },
  });
  if (created.status !== 201) throw new Error(`webhook endpoint not created: ${created.status} ${created.body}`);

  return {
    async report(quietMs = 2000, guardMs = 60_000) {
      const deadline = Date.now() + guardMs;
      let seen = -1;
      while (receipts.length !== seen && Date.now() < deadline) {
        seen = receipts.length;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
      }
      const unique = new Map(receipts.map((r) => [r.id, r]));
      const firsts = [...unique.values()];
      const lags = firsts.map((r) => r.at - r.committedAt).sort((a, b) => a - b);
      const times = firsts.map((r) => r.at);
      const span = times.length > 1 ? (Math.max(...times) - Math.min(...times)) / 1000 : 0;
      return {
        delivered: firsts.length,
        eventsPerSecond: span > 0 ? firsts.length / span : firsts.length,
        p50LagMs: percentile(lags, 0.5),
        p99LagMs: percentile(lags, 0.99),
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
