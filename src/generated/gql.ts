/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query GetBalance {\n  balance {\n    availableAmount\n    frozenAmount\n    currency\n  }\n}": typeof types.GetBalanceDocument,
    "mutation CreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      currency\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}": typeof types.CreateCollectionDocument,
    "mutation CreatePayout($input: PayoutCreateInput!) {\n  payoutCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      fee\n      method\n    }\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}": typeof types.CreatePayoutDocument,
    "query LatestEventCursor {\n  latestEventCursor\n}": typeof types.LatestEventCursorDocument,
    "subscription OrderEvents($filter: OrderEventFilter, $after: String) {\n  orderEvents(filter: $filter, after: $after) {\n    id\n    cursor\n    status\n    previousStatus\n    source\n    applied\n    createdAt\n    order {\n      id\n      kind\n      merchantOrderNo\n      status\n      amount\n      paidAmount\n    }\n  }\n}": typeof types.OrderEventsDocument,
    "subscription OrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    fee\n    failureReason\n    updatedAt\n  }\n}": typeof types.OrderUpdatedDocument,
    "query GetOrder($id: ID!) {\n  order(id: $id) {\n    id\n    kind\n    merchantOrderNo\n    platformOrderId\n    status\n    amount\n    paidAmount\n    fee\n    currency\n    method\n    payUrl\n    payData\n    vaNumber\n    failureReason\n    createdAt\n    updatedAt\n    events {\n      status\n      previousStatus\n      source\n      applied\n      createdAt\n    }\n  }\n}": typeof types.GetOrderDocument,
    "query OrdersPage($first: Int, $after: String, $filter: OrderFilter) {\n  orders(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        kind\n        merchantOrderNo\n        status\n        amount\n        method\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.OrdersPageDocument,
    "query PaymentMethods($type: PaymentMethodType) {\n  paymentMethods(type: $type) {\n    code\n    name\n    type\n  }\n}": typeof types.PaymentMethodsDocument,
    "mutation SandboxSettle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) {\n  sandboxOrderSettle(id: $id, outcome: $outcome, paidAmount: $paidAmount) {\n    order {\n      id\n      status\n      paidAmount\n    }\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}": typeof types.SandboxSettleDocument,
    "mutation DemoCreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      status\n      amount\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}": typeof types.DemoCreateCollectionDocument,
    "subscription DemoOrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    failureReason\n    updatedAt\n  }\n}": typeof types.DemoOrderUpdatedDocument,
    "query DemoOrder($id: ID!) {\n  order(id: $id) {\n    id\n    status\n    amount\n    method\n    payUrl\n    payData\n    vaNumber\n    expiresAt\n  }\n}": typeof types.DemoOrderDocument,
    "query DemoPaymentMethods {\n  paymentMethods {\n    code\n    name\n    type\n  }\n}": typeof types.DemoPaymentMethodsDocument,
    "mutation DemoSimulatePayment($id: ID!) {\n  sandboxOrderSettle(id: $id, outcome: SUCCEEDED) {\n    order {\n      id\n    }\n    userErrors {\n      code\n      message\n    }\n  }\n}": typeof types.DemoSimulatePaymentDocument,
};
const documents: Documents = {
    "query GetBalance {\n  balance {\n    availableAmount\n    frozenAmount\n    currency\n  }\n}": types.GetBalanceDocument,
    "mutation CreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      currency\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}": types.CreateCollectionDocument,
    "mutation CreatePayout($input: PayoutCreateInput!) {\n  payoutCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      fee\n      method\n    }\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}": types.CreatePayoutDocument,
    "query LatestEventCursor {\n  latestEventCursor\n}": types.LatestEventCursorDocument,
    "subscription OrderEvents($filter: OrderEventFilter, $after: String) {\n  orderEvents(filter: $filter, after: $after) {\n    id\n    cursor\n    status\n    previousStatus\n    source\n    applied\n    createdAt\n    order {\n      id\n      kind\n      merchantOrderNo\n      status\n      amount\n      paidAmount\n    }\n  }\n}": types.OrderEventsDocument,
    "subscription OrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    fee\n    failureReason\n    updatedAt\n  }\n}": types.OrderUpdatedDocument,
    "query GetOrder($id: ID!) {\n  order(id: $id) {\n    id\n    kind\n    merchantOrderNo\n    platformOrderId\n    status\n    amount\n    paidAmount\n    fee\n    currency\n    method\n    payUrl\n    payData\n    vaNumber\n    failureReason\n    createdAt\n    updatedAt\n    events {\n      status\n      previousStatus\n      source\n      applied\n      createdAt\n    }\n  }\n}": types.GetOrderDocument,
    "query OrdersPage($first: Int, $after: String, $filter: OrderFilter) {\n  orders(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        kind\n        merchantOrderNo\n        status\n        amount\n        method\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.OrdersPageDocument,
    "query PaymentMethods($type: PaymentMethodType) {\n  paymentMethods(type: $type) {\n    code\n    name\n    type\n  }\n}": types.PaymentMethodsDocument,
    "mutation SandboxSettle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) {\n  sandboxOrderSettle(id: $id, outcome: $outcome, paidAmount: $paidAmount) {\n    order {\n      id\n      status\n      paidAmount\n    }\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}": types.SandboxSettleDocument,
    "mutation DemoCreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      status\n      amount\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}": types.DemoCreateCollectionDocument,
    "subscription DemoOrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    failureReason\n    updatedAt\n  }\n}": types.DemoOrderUpdatedDocument,
    "query DemoOrder($id: ID!) {\n  order(id: $id) {\n    id\n    status\n    amount\n    method\n    payUrl\n    payData\n    vaNumber\n    expiresAt\n  }\n}": types.DemoOrderDocument,
    "query DemoPaymentMethods {\n  paymentMethods {\n    code\n    name\n    type\n  }\n}": types.DemoPaymentMethodsDocument,
    "mutation DemoSimulatePayment($id: ID!) {\n  sandboxOrderSettle(id: $id, outcome: SUCCEEDED) {\n    order {\n      id\n    }\n    userErrors {\n      code\n      message\n    }\n  }\n}": types.DemoSimulatePaymentDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GetBalance {\n  balance {\n    availableAmount\n    frozenAmount\n    currency\n  }\n}"): (typeof documents)["query GetBalance {\n  balance {\n    availableAmount\n    frozenAmount\n    currency\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      currency\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}"): (typeof documents)["mutation CreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      currency\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreatePayout($input: PayoutCreateInput!) {\n  payoutCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      fee\n      method\n    }\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}"): (typeof documents)["mutation CreatePayout($input: PayoutCreateInput!) {\n  payoutCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      platformOrderId\n      status\n      amount\n      fee\n      method\n    }\n    userErrors {\n      field\n      code\n      message\n      upstreamCode\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LatestEventCursor {\n  latestEventCursor\n}"): (typeof documents)["query LatestEventCursor {\n  latestEventCursor\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription OrderEvents($filter: OrderEventFilter, $after: String) {\n  orderEvents(filter: $filter, after: $after) {\n    id\n    cursor\n    status\n    previousStatus\n    source\n    applied\n    createdAt\n    order {\n      id\n      kind\n      merchantOrderNo\n      status\n      amount\n      paidAmount\n    }\n  }\n}"): (typeof documents)["subscription OrderEvents($filter: OrderEventFilter, $after: String) {\n  orderEvents(filter: $filter, after: $after) {\n    id\n    cursor\n    status\n    previousStatus\n    source\n    applied\n    createdAt\n    order {\n      id\n      kind\n      merchantOrderNo\n      status\n      amount\n      paidAmount\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription OrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    fee\n    failureReason\n    updatedAt\n  }\n}"): (typeof documents)["subscription OrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    fee\n    failureReason\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query GetOrder($id: ID!) {\n  order(id: $id) {\n    id\n    kind\n    merchantOrderNo\n    platformOrderId\n    status\n    amount\n    paidAmount\n    fee\n    currency\n    method\n    payUrl\n    payData\n    vaNumber\n    failureReason\n    createdAt\n    updatedAt\n    events {\n      status\n      previousStatus\n      source\n      applied\n      createdAt\n    }\n  }\n}"): (typeof documents)["query GetOrder($id: ID!) {\n  order(id: $id) {\n    id\n    kind\n    merchantOrderNo\n    platformOrderId\n    status\n    amount\n    paidAmount\n    fee\n    currency\n    method\n    payUrl\n    payData\n    vaNumber\n    failureReason\n    createdAt\n    updatedAt\n    events {\n      status\n      previousStatus\n      source\n      applied\n      createdAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query OrdersPage($first: Int, $after: String, $filter: OrderFilter) {\n  orders(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        kind\n        merchantOrderNo\n        status\n        amount\n        method\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query OrdersPage($first: Int, $after: String, $filter: OrderFilter) {\n  orders(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        kind\n        merchantOrderNo\n        status\n        amount\n        method\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PaymentMethods($type: PaymentMethodType) {\n  paymentMethods(type: $type) {\n    code\n    name\n    type\n  }\n}"): (typeof documents)["query PaymentMethods($type: PaymentMethodType) {\n  paymentMethods(type: $type) {\n    code\n    name\n    type\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SandboxSettle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) {\n  sandboxOrderSettle(id: $id, outcome: $outcome, paidAmount: $paidAmount) {\n    order {\n      id\n      status\n      paidAmount\n    }\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation SandboxSettle($id: ID!, $outcome: SandboxOutcome!, $paidAmount: String) {\n  sandboxOrderSettle(id: $id, outcome: $outcome, paidAmount: $paidAmount) {\n    order {\n      id\n      status\n      paidAmount\n    }\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DemoCreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      status\n      amount\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation DemoCreateCollection($input: CollectionCreateInput!) {\n  collectionCreate(input: $input) {\n    order {\n      id\n      merchantOrderNo\n      status\n      amount\n      method\n      payUrl\n      payData\n      vaNumber\n      expiresAt\n    }\n    clientSecret\n    userErrors {\n      field\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription DemoOrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    failureReason\n    updatedAt\n  }\n}"): (typeof documents)["subscription DemoOrderUpdated($id: ID!) {\n  orderUpdated(id: $id) {\n    id\n    status\n    paidAmount\n    failureReason\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DemoOrder($id: ID!) {\n  order(id: $id) {\n    id\n    status\n    amount\n    method\n    payUrl\n    payData\n    vaNumber\n    expiresAt\n  }\n}"): (typeof documents)["query DemoOrder($id: ID!) {\n  order(id: $id) {\n    id\n    status\n    amount\n    method\n    payUrl\n    payData\n    vaNumber\n    expiresAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DemoPaymentMethods {\n  paymentMethods {\n    code\n    name\n    type\n  }\n}"): (typeof documents)["query DemoPaymentMethods {\n  paymentMethods {\n    code\n    name\n    type\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DemoSimulatePayment($id: ID!) {\n  sandboxOrderSettle(id: $id, outcome: SUCCEEDED) {\n    order {\n      id\n    }\n    userErrors {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation DemoSimulatePayment($id: ID!) {\n  sandboxOrderSettle(id: $id, outcome: SUCCEEDED) {\n    order {\n      id\n    }\n    userErrors {\n      code\n      message\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;