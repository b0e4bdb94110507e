/** verifyWebhook (the client package): Standard Webhooks signatures as the relay makes them (webhooks/signing.ts). */
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from '../../src/client/encrypt-card.js';
import { generateWebhookSecret, signatureHeaders } from '../../src/webhooks/signing.js';

const body = JSON.stringify({ specversion: '1.0', id: 'evt-1', type: 'merchant.token.created', subject: 'tok', data: { token_status: 'ACTIVE' } });
const now = Math.floor(Date.now() / 1000);

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();

  it('accepts a valid signature and answers the parsed event (plain object or Headers)', async () => {
    const headers = signatureHeaders([secret], 'evt-1', now, body);
    expect((await verifyWebhook(headers, body, secret)).type).toBe('merchant.token.created');
    expect((await verifyWebhook(new Headers(headers), body, secret)).id).toBe('evt-1');
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifyWebhook(upper, body, secret)).subject).toBe('tok');
  });

  it('refuses another secret, a changed body or id', async () => {
    const headers = signatureHeaders([secret], 'evt-1', now, body);
    await expect(verifyWebhook(headers, body, generateWebhookSecret())).rejects.toThrow(WebhookVerificationError);
    await expect(verifyWebhook(headers, body.replace('ACTIVE', 'DELETED'), secret)).rejects.toThrow(/no signature matches/);
    await expect(verifyWebhook({ ...headers, 'webhook-id': 'evt-2' }, body, secret)).rejects.toThrow(/no signature matches/);
  });

  it('refuses a stale or future timestamp, within a tolerance that can be set', async () => {
    const stale = signatureHeaders([secret], 'evt-1', now - 600, body);
    await expect(verifyWebhook(stale, body, secret)).rejects.toThrow(/too old/);
    await expect(verifyWebhook(signatureHeaders([secret], 'evt-1', now + 600, body), body, secret)).rejects.toThrow(/too old or too far/);
    expect((await verifyWebhook(stale, body, secret, { toleranceSeconds: 900 })).id).toBe('evt-1');
    await expect(verifyWebhook({ ...stale, 'webhook-timestamp': 'soon' }, body, secret)).rejects.toThrow(/not a number/);
  });

  it('accepts any one of several signatures (a rotation overlap), and only v1 ones', async () => {
    const previous = generateWebhookSecret();
    const both = signatureHeaders([secret, previous], 'evt-1', now, body);
    expect(both['webhook-signature']!.split(' ')).toHaveLength(2);
    expect((await verifyWebhook(both, body, secret)).id).toBe('evt-1');
    expect((await verifyWebhook(both, body, previous)).id).toBe('evt-1');
    await expect(verifyWebhook(both, body, generateWebhookSecret())).rejects.toThrow();
    const v2 = { ...both, 'webhook-signature': both['webhook-signature']!.replaceAll('v1,', 'v2,') };
    await expect(verifyWebhook(v2, body, secret)).rejects.toThrow(/no signature matches/);
  });

  it('refuses a request without the three headers', async () => {
    await expect(verifyWebhook({}, body, secret)).rejects.toThrow(/missing/);
  });
});
