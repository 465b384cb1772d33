import { getOperationAST } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from './context.js';

export interface RateLimitOptions {
  /** Mutations a token may send in a burst. */
  burst: number;
  /** Mutations per second a token regains. 0 disables the limit. */
  perSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_TRACKED_TOKENS = 10_000;

/**
 * A token bucket per API token for mutations (creates, refreshes, settles), in this instance's
 * memory: a retry storm from one frontend cannot crowd out the others. Queries and subscriptions
 * are not limited here.
 */
export function useMutationRateLimit(options: RateLimitOptions): Plugin<GraphQLContext> {
  const buckets = new Map<string, Bucket>();
  const take = (key: string, now: number): number => {
    const bucket = buckets.get(key) ?? { tokens: options.burst, updatedAt: now };
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * options.perSecond);
    bucket.updatedAt = now;
    buckets.delete(key);
    if (buckets.size >= MAX_TRACKED_TOKENS) buckets.delete(buckets.keys().next().value!);
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / options.perSecond);
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (options.perSecond <= 0) return;
      const tokenId = args.contextValue.auth?.tokenId;
      if (!tokenId) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== 'mutation') return;
      const retryAfterSeconds = take(tokenId, Date.now());
      if (retryAfterSeconds > 0) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(`Too many mutations with this token: at most ${options.burst} at once and ${options.perSecond} per second. Retry in ${retryAfterSeconds} s.`, {
              extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
            }),
          ],
        });
      }
    },
  };
}
