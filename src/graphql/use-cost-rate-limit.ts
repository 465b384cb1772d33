import type { ExecutionArgs, ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { BucketSpec, TokenBuckets } from '../limits/token-buckets.js';
import type { GraphQLContext } from '../schema/context.js';
import { operationCost } from './operation-cost.js';

export interface BucketLimit {
  /** Cost units the bucket holds when full. */
  burst: number;
  /** Units regained per second; 0 turns this bucket off. */
  perSecond: number;
}

export interface RateLimitOptions {
  buckets: TokenBuckets;
  perToken: BucketLimit;
  perMerchant: BucketLimit;
}

const OWNER = ['this token', "this token's merchant"] as const;

function refusal(cost: number, owner: string, limit: BucketLimit, retryAfterMs: number | null): ExecutionResult {
  const budget = `${owner} may spend ${limit.burst} at once and regains ${limit.perSecond} per second`;
  if (retryAfterMs === null) {
    return {
      errors: [
        createGraphQLError(
          `Rate limit: this operation costs ${cost}, more than ${budget}. Split it into smaller operations; retrying it as it is will never pass.`,
          {
            extensions: { code: 'RATE_LIMITED', cost, retryAfterSeconds: null },
          },
        ),
      ],
    };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return {
    errors: [
      createGraphQLError(`Rate limit: this operation costs ${cost} and ${budget}. Retry in ${retryAfterSeconds} s.`, {
        extensions: { code: 'RATE_LIMITED', cost, retryAfterSeconds, http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } } },
      }),
    ],
  };
}

/**
 * Charges every authenticated operation its cost (see operation-cost.ts) before it runs, over HTTP
 * and WebSocket, from two token buckets: the token's and its merchant's. The operation runs only if
 * both hold the whole cost; otherwise nothing of it runs and it gets RATE_LIMITED with
 * `retryAfterSeconds`. Anonymous operations are refused by scope-auth and cost nothing here.
 */
export function useCostRateLimit(options: RateLimitOptions): Plugin<GraphQLContext> {
  const limits = [options.perToken, options.perMerchant];
  const charge = async (args: ExecutionArgs, stop: (result: ExecutionResult) => void): Promise<void> => {
    const auth = (args.contextValue as GraphQLContext | undefined)?.auth;
    if (!auth) return;
    const merchantId = auth.merchant.id;
    // One hash tag per merchant: both keys live on one Redis Cluster slot, as the script needs.
    const keys = [`tarspay:rate:{${merchantId}}:token:${auth.tokenId}`, `tarspay:rate:{${merchantId}}:merchant`];
    const specs: Array<BucketSpec & { owner: number }> = [];
    limits.forEach((limit, index) => {
      if (limit.perSecond > 0) specs.push({ key: keys[index]!, burst: limit.burst, perSecond: limit.perSecond, owner: index });
    });
    if (specs.length === 0) return;
    const cost = operationCost(args.schema, args.document, args.operationName);
    if (cost <= 0) return;
    const result = await options.buckets.take(specs, cost);
    if (result.taken) return;
    const owner = specs[result.bucket]!.owner;
    stop(refusal(cost, OWNER[owner]!, limits[owner]!, result.retryAfterMs));
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => charge(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => charge(args, setResultAndStopExecution),
  };
}
