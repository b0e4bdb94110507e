// The example page's script (kept out of the HTML so the page's CSP can forbid inline scripts).
import { encryptCard } from '../dist/tessera-client.browser.mjs';

const form = document.getElementById('capture');
const result = document.getElementById('result');
const value = (id) => document.getElementById(id).value.trim();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  result.className = '';
  result.textContent = 'encrypting…';
  try {
    const cvv = value('cvv');
    const name = value('cardholder-name');
    const encryptedCard = await encryptCard(
      {
        cardNumber: value('card-number').replace(/\s+/g, ''),
        expiryMonth: Number(value('expiry-month')),
        expiryYear: Number(value('expiry-year')),
        ...(cvv ? { cvv } : {}),
        ...(name ? { cardholderName: name } : {}),
      },
      value('public-key'),
    );
    // Clear the card fields at once: only the ciphertext leaves this page.
    for (const id of ['card-number', 'expiry-month', 'expiry-year', 'cvv']) document.getElementById(id).value = '';
    result.textContent = `encrypted_card (send this to your server, which calls PUT /api/v2/card):\n${encryptedCard}`;
    // In a real page: await fetch('/checkout/card', { method: 'POST', headers: { 'content-type': 'application/json' },
    //   body: JSON.stringify({ encrypted_card: encryptedCard }) });
  } catch (error) {
    result.className = 'error';
    // Messages of encryptCard name the field, never its value.
    result.textContent = error instanceof Error ? error.message : String(error);
  }
});
