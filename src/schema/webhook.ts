import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from './builder.js';
import { emOf, merchantOf } from './context.js';
import { encodeEventCursor, readCursor } from '../orders/event-stream.js';
import { CursorError } from '../orders/order-errors.js';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDelivery } from '../webhooks/webhook-delivery.entity.js';
import type { WebhookEndpoint } from '../webhooks/webhook-endpoint.entity.js';
import { WebhookError } from '../webhooks/webhook-errors.js';
import { UserErrorRef } from './user-error.js';
import type { UserErrorDetail } from './business-errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The local id a global ID of `typename` names, or null (another type, or not an id at all). */
function localId(globalId: string | number, typename: 'WebhookEndpoint' | 'WebhookDelivery'): string | null {
  try {
    const decoded = decodeGlobalID(String(globalId));
    return decoded.typename === typename && UUID.test(decoded.id) ? decoded.id : null;
  } catch {
    return null;
  }
}

export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: "Where the merchant's order events are POSTed, signed (Standard Webhooks), each body shaped by `query`.",
  fields: (t) => ({
    id: t.id({ resolve: (endpoint) => encodeGlobalID('WebhookEndpoint', endpoint.id) }),
    url: t.exposeString('url'),
    query: t.string({ description: 'The subscription document on orderEvents whose result is each body\'s "data"', resolve: (endpoint) => endpoint.query }),
    description: t.string({ nullable: true, resolve: (endpoint) => endpoint.description ?? null }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.string({
      nullable: true,
      description: 'Why it is disabled: DISABLED (by the merchant) or FAILING (deliveries failed for the whole retry period), with details',
      resolve: (endpoint) => (endpoint.enabled ? null : (endpoint.disabledReason ?? null)),
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (endpoint) => endpoint.createdAt }),
  }),
});

interface WebhookEndpointPayloadShape {
  endpoint: WebhookEndpoint | null;
  secret?: string | null;
  userErrors: UserErrorDetail[];
}

const WebhookEndpointPayloadRef = builder.objectRef<WebhookEndpointPayloadShape>('WebhookEndpointPayload').implement({
  description: 'A webhook mutation result: the endpoint, its new secret (on create and rotate only), and what went wrong.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, nullable: true, resolve: (payload) => payload.endpoint }),
    secret: t.string({
      nullable: true,
      description: 'The signing secret (whsec_…), shown once: on webhookEndpointCreate and webhookSecretRotate. Verify deliveries with it.',
      resolve: (payload) => payload.secret ?? null,
    }),
    userErrors: t.field({ type: [UserErrorRef], resolve: (payload) => payload.userErrors }),
  }),
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One attempt to deliver one event to one endpoint.',
  fields: (t) => ({
    id: t.id({ resolve: (delivery) => encodeGlobalID('WebhookDelivery', delivery.id) }),
    eventCursor: t.string({
      description: "The event's cursor (as OrderEvent.cursor): replay the endpoint from it, or read the event with events(after:)",
      resolve: (delivery) => encodeEventCursor({ seq: delivery.eventSeq, createdAt: delivery.eventCreatedAt }),
    }),
    webhookId: t.string({ description: 'The webhook-id header sent: the same on every attempt at this event', resolve: (delivery) => delivery.messageId }),
    attempt: t.exposeInt('attempt'),
    status: t.string({ description: 'SUCCEEDED (a 2xx answer) or FAILED', resolve: (delivery) => delivery.status }),
    httpStatus: t.int({ nullable: true, resolve: (delivery) => delivery.httpStatus ?? null }),
    durationMs: t.int({ nullable: true, resolve: (delivery) => delivery.durationMs ?? null }),
    responseSnippet: t.string({
      nullable: true,
      description: "At most 1 KB of the answer's body, or why there was no answer",
      resolve: (delivery) => delivery.responseSnippet ?? null,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (delivery) => delivery.createdAt }),
  }),
});

const WebhookDeliveryConnectionRef = builder.connectionObject({ type: WebhookDeliveryRef, name: 'WebhookDeliveryConnection' }, { name: 'WebhookDeliveryEdge' });

const WebhookDeliveryFilterInput = builder.inputType('WebhookDeliveryFilter', {
  fields: (t) => ({
    status: t.string({ description: `Only attempts with this status: ${WEBHOOK_DELIVERY_STATUSES.join(' or ')}` }),
  }),
});

const WebhookEndpointCreateInput = builder.inputType('WebhookEndpointCreateInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'https:// in production; never a private, loopback or link-local address there' }),
    query: t.string({ required: true, description: 'A subscription document on orderEvents: its result is each body\'s "data"' }),
    description: t.string(),
  }),
});

const WebhookEndpointUpdateInput = builder.inputType('WebhookEndpointUpdateInput', {
  fields: (t) => ({
    url: t.string(),
    query: t.string(),
    description: t.string(),
    enabled: t.boolean({ description: 'false stops deliveries; true resumes them where they stopped' }),
  }),
});

const PAGE_DEFAULT = 50;
const PAGE_MAX = 100;
const WRITE = { authScopes: { scope: 'webhooks:write' as const } };
const PAYLOAD = { userErrors: { subject: 'endpoint', input: 'input' } };

function endpointIdOf(globalId: string | number, field = 'id'): string {
  const id = localId(globalId, 'WebhookEndpoint');
  if (!id) throw new WebhookError('NOT_FOUND', 'No webhook endpoint with this id for this merchant', field);
  return id;
}

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [WebhookEndpointRef],
    description: "The merchant's webhook endpoints, oldest first",
    ...WRITE,
    resolve: (_root, _args, context) => context.services.webhooks.list(emOf(context), merchantOf(context).id),
  }),
  webhookDeliveries: t.field({
    type: WebhookDeliveryConnectionRef,
    description: "An endpoint's delivery attempts, newest first. Page on with `after` = the last edge's cursor.",
    ...WRITE,
    args: {
      endpointId: t.arg.id({ required: true }),
      first: t.arg.int({ description: `At most ${PAGE_MAX} (default ${PAGE_DEFAULT})`, validate: { min: 1, max: PAGE_MAX } }),
      after: t.arg.string(),
      filter: t.arg({ type: WebhookDeliveryFilterInput }),
    },
    resolve: async (_root, args, context) => {
      const after = args.after ? localId(args.after, 'WebhookDelivery') : null;
      if (args.after && !after) throw new WebhookError('INVALID_INPUT', 'after: not a cursor of webhookDeliveries', 'after');
      const status = args.filter?.status ?? null;
      if (status && !(WEBHOOK_DELIVERY_STATUSES as readonly string[]).includes(status)) {
        throw new WebhookError('INVALID_INPUT', `filter.status: one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}`, 'filter.status');
      }
      const page = await context.services.webhooks.deliveries(emOf(context), merchantOf(context).id, endpointIdOf(args.endpointId, 'endpointId'), {
        first: args.first ?? PAGE_DEFAULT,
        after,
        status: status as WebhookDelivery['status'] | null,
      });
      const edges = page.deliveries.map((node) => ({ cursor: encodeGlobalID('WebhookDelivery', node.id), node }));
      return {
        edges,
        pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }),
}));

builder.mutationFields((t) => ({
  webhookEndpointCreate: t.field({
    type: WebhookEndpointPayloadRef,
    description: 'Registers an endpoint: it gets every order event committed from now on. The payload carries its secret, once.',
    ...WRITE,
    extensions: PAYLOAD,
    args: { input: t.arg({ type: WebhookEndpointCreateInput, required: true }) },
    resolve: async (_root, args, context) => {
      const created = await context.services.webhooks.create(emOf(context), merchantOf(context).id, args.input);
      return { ...created, userErrors: [] };
    },
  }),
  webhookEndpointUpdate: t.field({
    type: WebhookEndpointPayloadRef,
    description: 'Changes an endpoint: its URL, document or description; disables it, or enables it again (deliveries resume where they stopped)',
    ...WRITE,
    extensions: PAYLOAD,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: WebhookEndpointUpdateInput, required: true }) },
    resolve: async (_root, args, context) => {
      const endpoint = await context.services.webhooks.update(emOf(context), merchantOf(context).id, endpointIdOf(args.id), args.input);
      return { endpoint, userErrors: [] };
    },
  }),
  webhookEndpointDelete: t.field({
    type: WebhookEndpointPayloadRef,
    description: 'Deletes an endpoint and its delivery log; the payload shows it as it was',
    ...WRITE,
    extensions: PAYLOAD,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const endpoint = await context.services.webhooks.delete(emOf(context), merchantOf(context).id, endpointIdOf(args.id));
      return { endpoint, userErrors: [] };
    },
  }),
  webhookSecretRotate: t.field({
    type: WebhookEndpointPayloadRef,
    description: 'A new signing secret (in the payload, once). For 24 h deliveries carry signatures by both the old and the new secret.',
    ...WRITE,
    extensions: PAYLOAD,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const rotated = await context.services.webhooks.rotateSecret(emOf(context), merchantOf(context).id, endpointIdOf(args.id));
      return { ...rotated, userErrors: [] };
    },
  }),
  webhookRedeliver: t.field({
    type: WebhookEndpointPayloadRef,
    description: "Sends a delivery's event again now, with the same webhook-id (logged as a new attempt); the endpoint's place in the stream does not move",
    ...WRITE,
    extensions: PAYLOAD,
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: async (_root, args, context) => {
      const merchantId = merchantOf(context).id;
      const deliveryId = localId(args.deliveryId, 'WebhookDelivery');
      if (!deliveryId) throw new WebhookError('NOT_FOUND', 'No webhook delivery with this id for this merchant', 'deliveryId');
      const { endpointId } = await context.services.webhookDelivery.redeliver(merchantId, deliveryId);
      return { endpoint: await context.services.webhooks.get(emOf(context), merchantId, endpointId), userErrors: [] };
    },
  }),
  webhookReplay: t.field({
    type: WebhookEndpointPayloadRef,
    description:
      "Delivers again, in order, every event committed after `after` (an OrderEvent's or a WebhookDelivery's eventCursor). A disabled endpoint gets them once enabled.",
    ...WRITE,
    extensions: PAYLOAD,
    args: { id: t.arg.id({ required: true }), after: t.arg.string({ required: true }) },
    resolve: async (_root, args, context) => {
      let seq: bigint;
      try {
        seq = readCursor(args.after, context.services.events.retentionDays).seq;
      } catch (error) {
        if (error instanceof CursorError) throw new WebhookError('INVALID_INPUT', error.message, 'after');
        throw error;
      }
      const endpoint = await context.services.webhooks.replay(emOf(context), merchantOf(context).id, endpointIdOf(args.id), seq);
      return { endpoint, userErrors: [] };
    },
  }),
}));
