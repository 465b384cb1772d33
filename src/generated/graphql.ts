/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type CollectionCreateInput = {
  /** Whole rupiah, e.g. "150000" */
  amount: string;
  customer?: CustomerInput | null | undefined;
  /** TarsPay's `body` */
  description: string;
  /** Idempotency key; generated when absent */
  merchantOrderNo?: string | null | undefined;
  /** TarsPay wayCode: CASHIER, BANK_*, EWALLET_*, QRIS, MART_* */
  method: PaymentMethodCode;
  /** Where the cashier sends the payer back */
  returnUrl?: string | null | undefined;
  subject: string;
};

/** Who pays (collections) or who is paid (payouts) */
export type CustomerInput = {
  accountNumber?: string | null | undefined;
  email?: string | null | undefined;
  name?: string | null | undefined;
  /** Indonesian number, e.g. 081234567890 */
  phone?: string | null | undefined;
};

export type OrderEventFilter = {
  /** Also reports recorded but not applied (e.g. late or replayed callbacks); default false */
  includeIgnored?: boolean | null | undefined;
  kind?: OrderKind | null | undefined;
  /** Only events of orders that need (true) or do not need (false) a person now */
  needsAttention?: boolean | null | undefined;
  /** Only this order */
  orderId?: string | number | null | undefined;
  /** Only changes to any of these statuses */
  status?: Array<OrderStatus> | null | undefined;
};

export type OrderFilter = {
  /** Inclusive */
  createdAfter?: string | null | undefined;
  /** Exclusive */
  createdBefore?: string | null | undefined;
  kind?: OrderKind | null | undefined;
  method?: string | null | undefined;
  /** Only orders that need (true) or do not need (false) a person */
  needsAttention?: boolean | null | undefined;
  /** Any of these statuses */
  status?: Array<OrderStatus> | null | undefined;
};

export type OrderKind =
  | 'COLLECTION'
  | 'PAYOUT';

/** TarsPay's state codes (0 CREATED … 9 PARTIALLY_PAID), plus SUBMITTING (stored, TarsPay not yet answered) and UNKNOWN (TarsPay's answer was lost; reconciliation will settle it). */
export type OrderStatus =
  | 'CANCELLED'
  | 'CREATED'
  | 'EXPIRED'
  | 'FAILED'
  | 'PARTIALLY_PAID'
  | 'PROCESSING'
  | 'QUEUED'
  | 'REFUNDED'
  | 'REJECTED'
  | 'SUBMITTING'
  | 'SUCCEEDED'
  | 'UNKNOWN';

/** A collection method (TarsPay wayCode): see the paymentMethods query for names and types */
export type PaymentMethodCode =
  /** BCA virtual account */
  | 'BANK_BCA'
  /** BNI virtual account */
  | 'BANK_BNI'
  /** BRI virtual account */
  | 'BANK_BRI'
  /** Bank Syariah Indonesia virtual account */
  | 'BANK_BSI'
  /** Bank Sahabat Sampoerna virtual account */
  | 'BANK_BSS'
  /** CIMB Niaga virtual account */
  | 'BANK_CIMB'
  /** Danamon virtual account */
  | 'BANK_DANAMON'
  /** Mandiri virtual account */
  | 'BANK_MANDIRI'
  /** Maybank virtual account */
  | 'BANK_MAY'
  /** Permata virtual account */
  | 'BANK_PERMATA'
  /** TarsPay hosted cashier */
  | 'CASHIER'
  /** DANA */
  | 'EWALLET_DANA'
  /** GoPay */
  | 'EWALLET_GOPAY'
  /** LinkAja */
  | 'EWALLET_LINKAJA'
  /** OVO */
  | 'EWALLET_OVO'
  /** ShopeePay */
  | 'EWALLET_SHOPEEPAY'
  /** Alfamart */
  | 'MART_ALFA'
  /** Indomaret */
  | 'MART_INDO'
  /** QRIS */
  | 'QRIS';

export type PaymentMethodType =
  | 'BANK_VA'
  | 'CASHIER'
  | 'EWALLET'
  | 'MART'
  | 'QRIS';

export type PayoutCreateInput = {
  accountName: string;
  accountNumber: string;
  address?: string | null | undefined;
  /** Whole rupiah, e.g. "250000" */
  amount: string;
  /** A payout bank code, e.g. BANK_BCA */
  bankCode: string;
  /** email and phone are required by TarsPay for payouts */
  customer: CustomerInput;
  /** Required: a payout is never created twice for one key */
  merchantOrderNo: string;
};

export type SandboxOutcome =
  | 'EXPIRED'
  | 'FAILED'
  | 'PARTIALLY_PAID'
  | 'REJECTED'
  | 'SUCCEEDED';

/** What went wrong: the codes of `userErrors` and of top-level errors (`extensions.code`) */
export type UserErrorCode =
  /** Top-level: the request has neither a query nor a persisted document */
  | 'BAD_REQUEST'
  /** Top-level: an argument or variable breaks a rule (a bad cursor, a list too long) */
  | 'BAD_USER_INPUT'
  /** Top-level: the `after` cursor is older than the events kept (EVENT_RETENTION_DAYS) */
  | 'CURSOR_EXPIRED'
  /** Top-level: the token lacks the scope this field needs */
  | 'FORBIDDEN'
  /** The merchantOrderNo is taken by an order with other details */
  | 'IDEMPOTENCY_CONFLICT'
  /** The balance does not cover the payout */
  | 'INSUFFICIENT_BALANCE'
  /** The order is not in a state that allows this */
  | 'INVALID_STATE'
  /** Top-level (WebSocket): too many operations on this connection */
  | 'LIMIT_REACHED'
  /** TarsPay does not offer this method (or not for this amount) */
  | 'METHOD_NOT_SUPPORTED'
  /** No such object for this merchant */
  | 'NOT_FOUND'
  /** Top-level: the request body is too large */
  | 'PAYLOAD_TOO_LARGE'
  /** Top-level: no trusted document with this hash */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** Top-level: too many requests; retry after `retryAfterSeconds` */
  | 'RATE_LIMITED'
  /** Only with the built-in sandbox */
  | 'SANDBOX_ONLY'
  /** Top-level: this token may only send trusted (persisted) documents */
  | 'TRUSTED_DOCUMENT_REQUIRED'
  /** Top-level: no valid token (missing, unknown, expired or revoked) */
  | 'UNAUTHENTICATED'
  /** TarsPay refused the request (`upstreamCode` says why) */
  | 'UPSTREAM_REJECTED'
  /** TarsPay could not be reached or did not answer in time: retry with the same merchantOrderNo */
  | 'UPSTREAM_UNAVAILABLE'
  /** An input field breaks a rule (`field` names it) */
  | 'VALIDATION';

export type GetBalanceQueryVariables = Exact<{ [key: string]: never; }>;


export type GetBalanceQuery = { balance: { availableAmount: string, frozenAmount: string, currency: string } };

export type CreateCollectionMutationVariables = Exact<{
  input: CollectionCreateInput;
}>;


export type CreateCollectionMutation = { collectionCreate: { clientSecret: string | null, order: { id: string, merchantOrderNo: string, platformOrderId: string | null, status: OrderStatus, amount: string, currency: string, method: string, payUrl: string | null, payData: string | null, vaNumber: string | null, expiresAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, code: UserErrorCode, message: string, upstreamCode: number | null }> } };

export type CreatePayoutMutationVariables = Exact<{
  input: PayoutCreateInput;
}>;


export type CreatePayoutMutation = { payoutCreate: { order: { id: string, merchantOrderNo: string, platformOrderId: string | null, status: OrderStatus, amount: string, fee: string | null, method: string } | null, userErrors: Array<{ field: Array<string> | null, code: UserErrorCode, message: string, upstreamCode: number | null }> } };

export type LatestEventCursorQueryVariables = Exact<{ [key: string]: never; }>;


export type LatestEventCursorQuery = { latestEventCursor: string };

export type OrderEventsSubscriptionVariables = Exact<{
  filter?: OrderEventFilter | null | undefined;
  after?: string | null | undefined;
}>;


export type OrderEventsSubscription = { orderEvents: { id: string, cursor: string, status: OrderStatus, previousStatus: OrderStatus | null, source: string, applied: boolean, createdAt: string, order: { id: string, kind: OrderKind, merchantOrderNo: string, status: OrderStatus, amount: string, paidAmount: string | null } } };

export type OrderUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type OrderUpdatedSubscription = { orderUpdated: { id: string, status: OrderStatus, paidAmount: string | null, fee: string | null, failureReason: string | null, updatedAt: string } };

export type GetOrderQueryVariables = Exact<{
  id: string | number;
}>;


export type GetOrderQuery = { order: { id: string, kind: OrderKind, merchantOrderNo: string, platformOrderId: string | null, status: OrderStatus, amount: string, paidAmount: string | null, fee: string | null, currency: string, method: string, payUrl: string | null, payData: string | null, vaNumber: string | null, failureReason: string | null, createdAt: string, updatedAt: string, events: Array<{ status: OrderStatus, previousStatus: OrderStatus | null, source: string, applied: boolean, createdAt: string }> } | null };

export type OrdersPageQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: OrderFilter | null | undefined;
}>;


export type OrdersPageQuery = { orders: { edges: Array<{ cursor: string, node: { id: string, kind: OrderKind, merchantOrderNo: string, status: OrderStatus, amount: string, method: string, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type PaymentMethodsQueryVariables = Exact<{
  type?: PaymentMethodType | null | undefined;
}>;


export type PaymentMethodsQuery = { paymentMethods: Array<{ code: PaymentMethodCode, name: string, type: PaymentMethodType }> };

export type SandboxSettleMutationVariables = Exact<{
  id: string | number;
  outcome: SandboxOutcome;
  paidAmount?: string | null | undefined;
}>;


export type SandboxSettleMutation = { sandboxOrderSettle: { order: { id: string, status: OrderStatus, paidAmount: string | null } | null, userErrors: Array<{ field: Array<string> | null, code: UserErrorCode, message: string }> } };

export type DemoCreateCollectionMutationVariables = Exact<{
  input: CollectionCreateInput;
}>;


export type DemoCreateCollectionMutation = { collectionCreate: { clientSecret: string | null, order: { id: string, merchantOrderNo: string, status: OrderStatus, amount: string, method: string, payUrl: string | null, payData: string | null, vaNumber: string | null, expiresAt: string | null } | null, userErrors: Array<{ field: Array<string> | null, code: UserErrorCode, message: string }> } };

export type DemoOrderUpdatedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type DemoOrderUpdatedSubscription = { orderUpdated: { id: string, status: OrderStatus, paidAmount: string | null, failureReason: string | null, updatedAt: string } };

export type DemoOrderQueryVariables = Exact<{
  id: string | number;
}>;


export type DemoOrderQuery = { order: { id: string, status: OrderStatus, amount: string, method: string, payUrl: string | null, payData: string | null, vaNumber: string | null, expiresAt: string | null } | null };

export type DemoPaymentMethodsQueryVariables = Exact<{ [key: string]: never; }>;


export type DemoPaymentMethodsQuery = { paymentMethods: Array<{ code: PaymentMethodCode, name: string, type: PaymentMethodType }> };

export type DemoSimulatePaymentMutationVariables = Exact<{
  id: string | number;
}>;


export type DemoSimulatePaymentMutation = { sandboxOrderSettle: { order: { id: string } | null, userErrors: Array<{ code: UserErrorCode, message: string }> } };


export const GetBalanceDocument = {"__meta__":{"hash":"sha256:61a6c8cb524f72cace142d67b5d6aff7a29618039aa8fffb016e22e137203d5a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetBalance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"balance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"availableAmount"}},{"kind":"Field","name":{"kind":"Name","value":"frozenAmount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}}]} as unknown as DocumentNode<GetBalanceQuery, GetBalanceQueryVariables>;
export const CreateCollectionDocument = {"__meta__":{"hash":"sha256:eb8ca6493a30c24430628508316fd6fb4d4f7ff7c17d827b3e5c68205f093c85"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateCollection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CollectionCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"collectionCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"platformOrderId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"payUrl"}},{"kind":"Field","name":{"kind":"Name","value":"payData"}},{"kind":"Field","name":{"kind":"Name","value":"vaNumber"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"clientSecret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamCode"}}]}}]}}]}}]} as unknown as DocumentNode<CreateCollectionMutation, CreateCollectionMutationVariables>;
export const CreatePayoutDocument = {"__meta__":{"hash":"sha256:1dd4977da105a4227fe06e33c78322d3ce3382e39f4850ef76c983f3824ce068"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreatePayout"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PayoutCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"payoutCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"platformOrderId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"fee"}},{"kind":"Field","name":{"kind":"Name","value":"method"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"upstreamCode"}}]}}]}}]}}]} as unknown as DocumentNode<CreatePayoutMutation, CreatePayoutMutationVariables>;
export const LatestEventCursorDocument = {"__meta__":{"hash":"sha256:d808b57e23194b93b2e95e58f0cbc8c9110b297db8b912da88ff94928bbf8e03"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LatestEventCursor"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"latestEventCursor"}}]}}]} as unknown as DocumentNode<LatestEventCursorQuery, LatestEventCursorQueryVariables>;
export const OrderEventsDocument = {"__meta__":{"hash":"sha256:24ec02a127404f754cd12de2151ee0d6fcff3d54565f39b2a8794b4eb6cc2ea0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"OrderEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"OrderEventFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"orderEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"previousStatus"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"applied"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}}]}}]}}]}}]} as unknown as DocumentNode<OrderEventsSubscription, OrderEventsSubscriptionVariables>;
export const OrderUpdatedDocument = {"__meta__":{"hash":"sha256:558e2b01dc6cb23b6e5278f6ec7dcef68108f1dc8034060b0a962d22a844f4f0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"OrderUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"orderUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"fee"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<OrderUpdatedSubscription, OrderUpdatedSubscriptionVariables>;
export const GetOrderDocument = {"__meta__":{"hash":"sha256:8ebea7be6ec5488b74ce4951dae86b55da818840035f0d64e848176049d1f647"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"GetOrder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"platformOrderId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"fee"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"payUrl"}},{"kind":"Field","name":{"kind":"Name","value":"payData"}},{"kind":"Field","name":{"kind":"Name","value":"vaNumber"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"previousStatus"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"applied"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]} as unknown as DocumentNode<GetOrderQuery, GetOrderQueryVariables>;
export const OrdersPageDocument = {"__meta__":{"hash":"sha256:d9bf942bf45b3b3a47612f81d9333ab539160bd33387d0fc003feac0918dac60"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"OrdersPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"OrderFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"orders"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<OrdersPageQuery, OrdersPageQueryVariables>;
export const PaymentMethodsDocument = {"__meta__":{"hash":"sha256:e4c1d60cbbfc2d5585dca063ca674fb417859228c21320f1a88493778edb5f5f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PaymentMethods"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"PaymentMethodType"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethods"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}}]} as unknown as DocumentNode<PaymentMethodsQuery, PaymentMethodsQueryVariables>;
export const SandboxSettleDocument = {"__meta__":{"hash":"sha256:9ee866896a8b04b37d1949fa0ff4161f0095defbdb9a26c5f130b4ce1eb6d4d2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SandboxSettle"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"outcome"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SandboxOutcome"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"paidAmount"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sandboxOrderSettle"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"outcome"},"value":{"kind":"Variable","name":{"kind":"Name","value":"outcome"}}},{"kind":"Argument","name":{"kind":"Name","value":"paidAmount"},"value":{"kind":"Variable","name":{"kind":"Name","value":"paidAmount"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SandboxSettleMutation, SandboxSettleMutationVariables>;
export const DemoCreateCollectionDocument = {"__meta__":{"hash":"sha256:041c180ecc582616ab1feb96f8f8b5a9bb0d56ea64688f4663a325f8f3209a53"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DemoCreateCollection"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CollectionCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"collectionCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"merchantOrderNo"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"payUrl"}},{"kind":"Field","name":{"kind":"Name","value":"payData"}},{"kind":"Field","name":{"kind":"Name","value":"vaNumber"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"clientSecret"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DemoCreateCollectionMutation, DemoCreateCollectionMutationVariables>;
export const DemoOrderUpdatedDocument = {"__meta__":{"hash":"sha256:37fafc9887af379ebe3021e3476ef8d30294e39a799efe8a66151c0c3bb36c73"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DemoOrderUpdated"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"orderUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"paidAmount"}},{"kind":"Field","name":{"kind":"Name","value":"failureReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<DemoOrderUpdatedSubscription, DemoOrderUpdatedSubscriptionVariables>;
export const DemoOrderDocument = {"__meta__":{"hash":"sha256:bc2ab6a4609b544a29a19994cb07fe3634a396a11b30f9d15ddf967abec79909"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DemoOrder"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"payUrl"}},{"kind":"Field","name":{"kind":"Name","value":"payData"}},{"kind":"Field","name":{"kind":"Name","value":"vaNumber"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<DemoOrderQuery, DemoOrderQueryVariables>;
export const DemoPaymentMethodsDocument = {"__meta__":{"hash":"sha256:d4d70449447143cb895c464d19687a2d8aa8f490c81cef5cc7e503b3270a5dcd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DemoPaymentMethods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"paymentMethods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}}]} as unknown as DocumentNode<DemoPaymentMethodsQuery, DemoPaymentMethodsQueryVariables>;
export const DemoSimulatePaymentDocument = {"__meta__":{"hash":"sha256:f638335e61a5cd38c4ae6917331727a31ac78f7abd9f58e00a2b272b691265ad"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DemoSimulatePayment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sandboxOrderSettle"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"outcome"},"value":{"kind":"EnumValue","value":"SUCCEEDED"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"order"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DemoSimulatePaymentMutation, DemoSimulatePaymentMutationVariables>;