import { TARSPAY_STATES } from '../tarspay/codes.js';
import { findPaymentMethod } from '../tarspay/catalogs.js';
import type { SandboxOrder } from './store.js';

/** The hosted pages a payer lands on (CASHIER and e-wallet checkout): the order and buttons that settle it. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function formatRupiah(amount: bigint): string {
  return `Rp ${amount.toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')}`;
}

export function renderCheckoutPage(order: SandboxOrder, merchantName: string): string {
  const method = findPaymentMethod(order.wayCode)?.name ?? order.wayCode;
  const status = TARSPAY_STATES[order.state] ?? 'UNKNOWN';
  const open = order.state === 0 || order.state === 1;
  const settleUrl = `/sandbox/orders/${encodeURIComponent(order.payOrderId)}/settle`;
  const rows: Array<[string, string]> = [
    ['Merchant', merchantName],
    ['Order', order.mchOrderNo],
    ['Description', order.subject ?? order.body ?? ''],
    ['Amount', formatRupiah(order.amount)],
    ['Method', method],
    ['Status', status],
  ];
  if (order.expiresAt !== undefined && open) rows.push(['Pay before', new Date(order.expiresAt).toISOString()]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TarsPay sandbox checkout ${escapeHtml(order.payOrderId)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1f2937; }
  .note { background: #fef3c7; padding: .5rem .75rem; border-radius: .375rem; font-size: .875rem; }
  table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
  td { padding: .375rem 0; border-bottom: 1px solid #e5e7eb; } td:first-child { color: #6b7280; }
  button { font-size: 1rem; padding: .625rem 1.25rem; border: 0; border-radius: .375rem; cursor: pointer; margin-right: .5rem; }
  #pay { background: #2563eb; color: white; } #fail { background: #e5e7eb; }
</style>
</head>
<body>
<h1>Checkout</h1>
<p class="note">TarsPay sandbox: no real money moves. Paying settles the order and sends the signed callback.</p>
<table>${rows.map(([label, value]) => `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
${open ? '<p><button id="pay" data-outcome="SUCCEEDED">Pay</button><button id="fail" data-outcome="FAILED">Fail payment</button></p>' : ''}
<p id="result" role="status"></p>
${order.returnUrl && /^https?:\/\//i.test(order.returnUrl) ? `<p><a href="${escapeHtml(order.returnUrl)}">Back to the merchant</a></p>` : ''}
<script>
for (const button of document.querySelectorAll('button[data-outcome]')) {
  button.addEventListener('click', async () => {
    const answer = await fetch(${JSON.stringify(settleUrl)}, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ outcome: button.dataset.outcome }),
    });
    const order = await answer.json();
    document.getElementById('result').textContent = answer.ok ? 'Order is now ' + order.status : order.error;
    if (answer.ok) for (const other of document.querySelectorAll('button[data-outcome]')) other.remove();
  });
}
</script>
</body>
</html>
`;
}

/** A plain badge standing in for a payment method's logo (payWayLogo). */
export function renderLogo(code: string): string {
  const label = escapeHtml(code.replace(/^(BANK|EWALLET|MART)_/, ''));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" rx="6" fill="#1e3a8a"/><text x="60" y="25" font-family="sans-serif" font-size="13" fill="#fff" text-anchor="middle">${label}</text></svg>`;
}
