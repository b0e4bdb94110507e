/** The body of every webhook and NATS message: a CloudEvents 1.0 JSON envelope (structured mode). */

export interface OutboxEvent {
  id: string;
  type: string;
  owner: string;
  subject: string;
  seq: number;
  created_at: string;
  /** JSON of the data. */
  payload: string;
}

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  /** `/tessera/merchant/<id>` or `/tessera/account/<id>`: who the event belongs to. */
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** Extension attribute: the event's place in its subject's commit order. */
  sequence: string;
  data: Record<string, unknown>;
}

export const sourceOf = (owner: string) => `/tessera/${owner.replace(':', '/')}`;

export function toCloudEvent(event: OutboxEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source: sourceOf(event.owner),
    type: event.type,
    subject: event.subject,
    time: event.created_at,
    datacontenttype: 'application/json',
    sequence: String(event.seq),
    data: JSON.parse(event.payload) as Record<string, unknown>,
  };
}
