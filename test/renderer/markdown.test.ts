// @vitest-environment jsdom
/// <reference lib="dom" />
/**
 * The sanitiser for Markdown from credentials (criteria), and the card data pulled out of
 * untrusted credential JSON. The browser test (test/e2e) shows the same end to end.
 */
import { describe, expect, it } from 'vitest';
import { cardFromCredential } from '../../renderer/src/lib/credential.ts';
import { renderMarkdown } from '../../renderer/src/lib/markdown.ts';

const dom = (html: string) => {
  const el = document.createElement('div');
  el.innerHTML = html;
  return el;
};

describe('renderMarkdown', () => {
  it('keeps formatting and safe links', () => {
    const el = dom(renderMarkdown('Passed the **final quiz**.\n\n- one\n- two\n\n[criteria](https://example.org/c) and [mail](mailto:a@example.org)'));
    expect(el.querySelector('strong')?.textContent).toBe('final quiz');
    expect(el.querySelectorAll('li')).toHaveLength(2);
    const link = el.querySelector('a[href="https://example.org/c"]')!;
    expect(link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(el.querySelector('a[href^="mailto:"]')).not.toBeNull();
  });

  it('shows raw HTML as text, so no author-written element or attribute is ever parsed', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(2)> <b onclick="x()">b</b>\n\n<style>body{display:none}</style>');
    expect(html).not.toMatch(/<script|<img|<style|<b /);
    expect(dom(html).textContent).toContain('<script>alert(1)</script>');
  });

  it('drops javascript:, data: and other links, and images that are not data: URIs', () => {
    const el = dom(renderMarkdown('[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,<script>alert(1)</script>) [d](vbscript:x) [e](file:///etc/passwd)\n\n![remote](https://evil.example/t.png) ![ok](data:image/png;base64,iVBORw0KGgo=)'));
    expect([...el.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([null, null, null, null, null]);
    expect([...el.querySelectorAll('img')].map((i) => i.getAttribute('src'))).toEqual(['data:image/png;base64,iVBORw0KGgo=']);
  });
});

describe('cardFromCredential', () => {
  it('takes strings only, and images only as data: URIs', () => {
    const card = cardFromCredential({
      issuer: { id: 'did:key:z6Mk', name: { toString: 'evil' }, image: 'https://evil.example/logo.png' },
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: {
        name: 'Jane',
        identifier: [{ identityType: 'emailAddress', hashed: true, identifier: 'sha256$abc' }],
        achievement: { name: ['not', 'a', 'string'], description: 'Did it.', criteria: { narrative: '**yes**' }, image: { id: 'javascript:alert(1)' }, achievementType: 'ext:MicroCredential' },
      },
    });
    expect(card).toMatchObject({ name: 'Untitled achievement', description: 'Did it.', criteria: '**yes**', issuerId: 'did:key:z6Mk', recipientName: 'Jane', recipient: 'emailAddress (hashed)', achievementType: 'Micro Credential', validFrom: '2026-01-01T00:00:00Z' });
    expect(card.issuerName).toBeUndefined();
    expect(card.image).toBeUndefined();
    expect(card.imageElsewhere).toBeUndefined();
    expect(cardFromCredential({ credentialSubject: { achievement: { image: 'https://cdn.example/b.png' } } }).imageElsewhere).toBe('cdn.example');
  });
});
