// The demo checkout: plain browser JavaScript, no build step. As a merchant's checkout page should,
// it never holds a merchant token: POST /demo/orders (the gateway's demo route, standing in for the
// merchant's server) creates the order and answers with its id and client secret, which the page
// keeps in memory only. With it the page reads the order (how to pay), follows it over graphql-ws
// (the graphql-transport-ws protocol, by hand) and, against the sandbox, simulates its payment.
// It sends trusted documents only: each operation's SHA-256 hash, never its text. The operations
// are src/demo/operations/*.graphql; the gateway serves their hashes in /demo/operations.js
// (window.TRUSTED_DOCUMENTS), with the payment methods (window.PAYMENT_METHODS).
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const sandbox = document.body.dataset.sandbox === 'true';
  const FINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'REFUNDED', 'EXPIRED', 'REJECTED'];
  const STATUS_TEXT = {
    SUBMITTING: 'sending to TarsPay…',
    CREATED: 'waiting for payment',
    PROCESSING: 'payment processing',
    QUEUED: 'payment processing',
    SUCCEEDED: 'paid',
    PARTIALLY_PAID: 'partially paid',
    UNKNOWN: 'checking with TarsPay…',
  };
  const methods = window.PAYMENT_METHODS || [];
  let subscription = null;
  /** The current order's client secret: in memory only, never in the URL or storage. */
  let clientSecret = '';

  const ORDER = 'DemoOrder';
  const ORDER_UPDATED = 'DemoOrderUpdated';
  const SETTLE = 'DemoSimulatePayment';

  /** The request body's fields that name a trusted document (Apollo's persisted-query extension). */
  function persisted(operationName, variables) {
    const sha256Hash = window.TRUSTED_DOCUMENTS && window.TRUSTED_DOCUMENTS[operationName];
    if (!sha256Hash) throw new Error('The gateway does not trust the operation ' + operationName + ': run npm run codegen and restart it.');
    return { operationName, variables, extensions: { persistedQuery: { version: 1, sha256Hash } } };
  }

  function showError(message) {
    $('error').textContent = message || '';
  }

  async function graphql(operationName, variables) {
    const response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: 'Bearer ' + clientSecret },
      body: JSON.stringify(persisted(operationName, variables)),
    });
    const body = await response.json().catch(() => ({ errors: [{ message: 'HTTP ' + response.status }] }));
    if (body.errors && body.errors.length) {
      throw new Error(body.errors.map((e) => ((e.extensions && e.extensions.code) || 'ERROR') + ': ' + e.message).join('\n'));
    }
    return body.data;
  }

  /**
   * graphql-transport-ws: connection_init with the client secret, subscribe, then next… until complete.
   * The page pings every PING_EVERY_MS: a socket that stays silent for PONG_WITHIN_MS is taken as
   * dead (a phone that lost the network rarely sees its socket close) and `handlers.lost` is called.
   */
  const PING_EVERY_MS = 5000;
  const PONG_WITHIN_MS = 4000;

  function subscribe(operationName, variables, handlers) {
    // graphql-ws wants a string `query`: an empty one, and the hash in extensions.
    const payload = Object.assign({ query: '' }, persisted(operationName, variables));
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/graphql';
    const socket = new WebSocket(url, 'graphql-transport-ws');
    const id = String(Date.now());
    let done = false;
    let heardAt = Date.now();
    const heartbeat = setInterval(() => {
      if (Date.now() - heardAt > PING_EVERY_MS + PONG_WITHIN_MS)
        return lose('no answer from the gateway for ' + Math.round((Date.now() - heardAt) / 1000) + ' s');
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: 'ping' }));
    }, PING_EVERY_MS);

    function finish() {
      done = true;
      clearInterval(heartbeat);
    }
    function lose(reason) {
      if (done) return;
      finish();
      socket.close();
      handlers.lost(reason);
    }

    socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer ' + clientSecret } }));
    socket.onmessage = (event) => {
      heardAt = Date.now();
      const message = JSON.parse(event.data);
      switch (message.type) {
        case 'connection_ack':
          socket.send(JSON.stringify({ id, type: 'subscribe', payload }));
          break;
        case 'ping':
          socket.send(JSON.stringify({ type: 'pong' }));
          break;
        case 'next':
          if (message.payload.errors) handlers.error(new Error(message.payload.errors.map((e) => e.message).join('\n')));
          else handlers.next(message.payload.data);
          break;
        case 'error':
          finish();
          handlers.error(new Error(message.payload.map((e) => e.message).join('\n')));
          socket.close(1000);
          break;
        case 'complete':
          finish();
          handlers.complete();
          socket.close(1000);
          break;
      }
    };
    socket.onclose = (event) => {
      // 4400-4499: the gateway refused (bad or revoked secret, forbidden, …): trying again would not help.
      if (event.code >= 4400 && event.code < 4500 && !done) {
        finish();
        return handlers.error(new Error('live connection refused (' + event.code + (event.reason ? ': ' + event.reason : '') + ')'));
      }
      lose('connection closed (' + event.code + ')');
    };
    return {
      close() {
        if (done) return;
        finish();
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id, type: 'complete' }));
        socket.close(1000);
      },
    };
  }

  /**
   * Follows one order until it is final, across network drops: orderUpdated answers with the
   * order's current state first, so a reconnect shows at once whatever happened while away.
   * Reconnects with exponential back-off (1 s doubling to 15 s, with jitter), and at once when the
   * browser says it is back online.
   */
  function followOrder(orderId) {
    let current = null;
    let attempt = 0;
    let retryTimer = null;
    let stopped = false;

    function connect() {
      retryTimer = null;
      if (stopped) return;
      current = subscribe(
        ORDER_UPDATED,
        { id: orderId },
        {
          next: (data) => {
            if (attempt > 0) logLine('reconnected: current state from the gateway');
            attempt = 0;
            setConnection('live');
            showStatus(data.orderUpdated, 'subscription');
          },
          error: (error) => {
            setConnection('stopped');
            showError('Live status: ' + error.message);
          },
          complete: () => setConnection('done'),
          lost: (reason) => {
            if (stopped) return;
            attempt += 1;
            const delay = Math.min(15000, 1000 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
            setConnection('reconnecting');
            logLine('live status lost (' + reason + '); reconnecting in ' + (delay / 1000).toFixed(1) + ' s');
            retryTimer = setTimeout(connect, delay);
          },
        },
      );
    }

    function reconnectNow() {
      if (retryTimer === null) return;
      clearTimeout(retryTimer);
      connect();
    }

    window.addEventListener('online', reconnectNow);
    connect();
    return {
      close() {
        stopped = true;
        window.removeEventListener('online', reconnectNow);
        if (retryTimer !== null) clearTimeout(retryTimer);
        if (current) current.close();
      },
    };
  }

  function setConnection(state) {
    $('status').dataset.connection = state;
    $('connection').textContent = state === 'reconnecting' ? '(offline: reconnecting…)' : '';
  }

  function logLine(text) {
    $('log').append(element('li', {}, new Date().toLocaleTimeString() + ' ' + text));
  }

  function showMethods() {
    const select = $('method');
    select.replaceChildren(
      ...methods.map((method) => {
        const option = document.createElement('option');
        option.value = method.code;
        option.textContent = method.name + ' (' + method.code + ')';
        return option;
      }),
    );
    select.value = methods.some((method) => method.code === 'QRIS') ? 'QRIS' : (methods[0] || {}).code;
  }

  /** The merchant's server's part (here the gateway's demo route): create the order, answer with its client secret only. */
  async function createOrder(amount, method) {
    const response = await fetch('/demo/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount, method }),
    });
    const body = await response.json().catch(() => ({ error: 'HTTP ' + response.status }));
    if (body.userErrors && body.userErrors.length) throw new Error(body.userErrors.map((e) => e.code + ': ' + e.message).join('\n'));
    if (!response.ok) throw new Error(body.error || (body.errors || []).map((e) => e.message).join('\n') || 'HTTP ' + response.status);
    return body;
  }

  function qrSvg(text) {
    /* global qrcode: the qrcode-generator library, served at /demo/qrcode.js */
    const qr = qrcode(0, 'M');
    qr.addData(text, 'Byte');
    qr.make();
    const count = qr.getModuleCount();
    const quiet = 4;
    let path = '';
    for (let row = 0; row < count; row += 1) {
      for (let col = 0; col < count; col += 1) if (qr.isDark(row, col)) path += 'M' + (col + quiet) + ' ' + (row + quiet) + 'h1v1h-1z';
    }
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 ' + (count + 2 * quiet) + ' ' + (count + 2 * quiet));
    svg.setAttribute('shape-rendering', 'crispEdges');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'QRIS code');
    svg.dataset.modules = String(count);
    const background = document.createElementNS(svg.namespaceURI, 'rect');
    background.setAttribute('width', '100%');
    background.setAttribute('height', '100%');
    background.setAttribute('fill', '#fff');
    const modules = document.createElementNS(svg.namespaceURI, 'path');
    modules.setAttribute('d', path);
    modules.setAttribute('fill', '#000');
    svg.append(background, modules);
    return svg;
  }

  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  function link(href, text) {
    return element('a', { href, target: '_blank', rel: 'noopener noreferrer', id: 'pay-link' }, text);
  }

  /** What the payer does, per method: VA number, QR code, mart code or a link. */
  /** Whole rupiah, written one way everywhere: IDR 150.000 (grouped as Indonesians write it; the amount stays a string). */
  function idr(amount) {
    return 'IDR ' + String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  }

  function instructionsFor(order) {
    const method = methods.find((candidate) => candidate.code === order.method) || { code: order.method, name: order.method, type: '' };
    const box = $('instructions');
    box.replaceChildren();
    box.dataset.method = order.method;
    if (order.method === 'QRIS' || (method.type === 'QRIS' && order.payData)) {
      box.append(
        element('p', {}, 'Scan with any QRIS app (GoPay, OVO, DANA, ShopeePay, mobile banking):'),
        element('div', { class: 'qr', id: 'qr' }, qrSvg(order.payData || order.payUrl)),
        element('p', { class: 'muted' }, 'QRIS payload: ' + (order.payData || order.payUrl).length + ' characters'),
      );
    } else if (order.method.startsWith('BANK_')) {
      box.append(
        element('p', { id: 'transfer-note' }, 'Transfer exactly ' + idr(order.amount) + ' to this ' + method.name + ':'),
        element('p', {}, element('span', { class: 'code', id: 'va-number' }, order.vaNumber || order.payUrl)),
        element('p', { class: 'muted' }, 'From any bank app: Transfer → Virtual Account.'),
      );
    } else if (order.method.startsWith('MART_')) {
      box.append(
        element('p', {}, 'Show this payment code at the cashier of any ' + method.name + ' store:'),
        element('p', {}, element('span', { class: 'code', id: 'mart-code' }, order.payUrl)),
      );
    } else if (order.method.startsWith('EWALLET_')) {
      box.append(element('p', {}, 'Pay in ' + method.name + ': '), element('p', {}, link(order.payUrl, 'Open ' + method.name)));
      if (order.payData) box.append(element('p', { class: 'muted' }, 'or scan:'), element('div', { class: 'qr', id: 'qr' }, qrSvg(order.payData)));
    } else {
      box.append(element('p', {}, 'Choose how to pay on the TarsPay cashier page: '), element('p', {}, link(order.payUrl, 'Open the cashier')));
    }
    if (order.expiresAt) box.append(element('p', { class: 'muted' }, 'Pay before ' + new Date(order.expiresAt).toLocaleString()));
  }

  function showStatus(order, via) {
    const status = $('status');
    status.textContent = STATUS_TEXT[order.status] || order.status.toLowerCase().replace(/_/g, ' ');
    status.dataset.status = order.status;
    status.dataset.final = String(FINAL.includes(order.status));
    status.dataset.via = via;
    $('paid-banner').hidden = order.status !== 'SUCCEEDED';
    if (FINAL.includes(order.status)) $('simulate').hidden = true;
    logLine(order.status + (order.paidAmount ? ' (paid ' + idr(order.paidAmount) + ')' : '') + ' via ' + via);
  }

  async function createPayment(event) {
    event.preventDefault();
    showError('');
    const button = $('create');
    button.disabled = true;
    try {
      if (subscription) subscription.close();
      const created = await createOrder($('amount').value.trim(), $('method').value);
      clientSecret = created.clientSecret;
      const { order } = await graphql(ORDER, { id: created.orderId });
      const method = methods.find((candidate) => candidate.code === order.method);
      $('payment-title').textContent = 'Pay ' + idr(order.amount) + ' with ' + (method ? method.name : order.method);
      $('payment').hidden = false;
      $('payment').dataset.orderId = order.id;
      $('log').replaceChildren();
      $('status').textContent = 'connecting…';
      $('status').dataset.status = '';
      $('paid-banner').hidden = true;
      instructionsFor(order);
      $('simulate').hidden = !sandbox;
      $('simulate').disabled = false;
      subscription = followOrder(order.id);
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  }

  async function simulatePayment() {
    const button = $('simulate');
    button.disabled = true;
    showError('');
    try {
      const data = await graphql(SETTLE, { id: $('payment').dataset.orderId });
      const { userErrors } = data.sandboxOrderSettle;
      if (userErrors.length) throw new Error(userErrors.map((e) => e.code + ': ' + e.message).join('\n'));
    } catch (error) {
      showError(error.message);
      button.disabled = false;
    }
  }

  $('sandbox-badge').hidden = !sandbox;
  showMethods();
  $('create-form').addEventListener('submit', createPayment);
  $('simulate').addEventListener('click', simulatePayment);
})();
