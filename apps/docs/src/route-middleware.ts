import { defineRouteMiddleware } from '@astrojs/starlight/route-data';
import { href } from './lib/url';

/**
 * Starlight does not put the base path in front of frontmatter links (hero actions), while Markdown links
 * get it from rehypeBaseLinks: add it here so the home page works under a GitHub Pages project path too.
 */
export const onRequest = defineRouteMiddleware((context) => {
  const base = import.meta.env.BASE_URL.replace(/\/+$/, '');
  for (const action of context.locals.starlightRoute.entry.data.hero?.actions ?? []) {
    if (base !== '' && action.link.startsWith('/') && !action.link.startsWith(`${base}/`)) action.link = href(action.link);
  }
});
