/**
 * Expressive Code makes a code block that scrolls sideways a keyboard-focusable `role="region"` at run time,
 * with no name, so a page with several has duplicate unnamed regions (axe: landmark-unique). This inline
 * script (in every page's head) names each such region after its block's title and position as soon as the
 * role appears, and drops the name again when Expressive Code takes the role away.
 */
export const CODE_REGION_SCRIPT = `(() => {
  const name = (pre) => {
    const all = [...document.querySelectorAll('.expressive-code pre')];
    const title = pre.closest('figure')?.querySelector('figcaption .title')?.textContent?.trim();
    return 'Code block ' + (all.indexOf(pre) + 1) + (title ? ': ' + title : '');
  };
  new MutationObserver((changes) => {
    for (const { target: pre } of changes) {
      if (!(pre instanceof HTMLPreElement) || !pre.closest('.expressive-code')) continue;
      if (pre.getAttribute('role') === 'region') { if (!pre.hasAttribute('aria-label')) pre.setAttribute('aria-label', name(pre)); }
      else pre.removeAttribute('aria-label');
    }
  }).observe(document.documentElement, { subtree: true, attributeFilter: ['role'] });
})();`;
