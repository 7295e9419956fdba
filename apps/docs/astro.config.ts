import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { unified } from '@astrojs/markdown-remark';
import starlightLinksValidator from 'starlight-links-validator';
import { rehypeBaseLinks, unifiedOptions } from './src/lib/markdown';
import { checklistLinks, decisionLinks, runbookLinks } from './src/lib/sidebar';
import { repoUrl } from './src/lib/paths';
import { linkExistsInBuild } from './src/lib/built-links';
import { fileURLToPath } from 'node:url';

// GitHub Pages serves a project site under /<repo>/: CI sets SITE_URL and BASE_PATH.
const site = process.env.SITE_URL ?? 'https://readybook.dev';
const base = process.env.BASE_PATH ?? '/';

export default defineConfig({
  site,
  base,
  trailingSlash: 'always',
  markdown: {
    processor: unified({ ...unifiedOptions, rehypePlugins: [[rehypeBaseLinks, base]] }),
  },
  integrations: [
    starlight({
      title: 'Readybook',
      description: 'Production readiness as code: runbooks, checklists and decisions that are both docs and verified steps.',
      social: [{ icon: 'github', label: 'GitHub', href: repoUrl }],
      plugins: [starlightLinksValidator({ exclude: linkExistsInBuild(fileURLToPath(new URL('./dist/', import.meta.url)), base) })],
      lastUpdated: false,
      routeMiddleware: './src/route-middleware.ts',
      sidebar: [
        {
          label: 'Start here',
          items: [
            { label: 'Introduction', link: '/' },
            { slug: 'start/quickstart' },
          ],
        },
        {
          label: 'Runbooks',
          items: [{ label: 'All runbooks', link: '/runbooks/' }, ...runbookLinks()],
        },
        {
          label: 'Checklists',
          items: [{ label: 'All checklists', link: '/checklists/' }, ...checklistLinks(), { slug: 'guides/writing-checklists' }],
        },
        {
          label: 'Decisions (ADRs)',
          items: [{ label: 'Decision log', link: '/decisions/' }, ...decisionLinks(), { slug: 'guides/writing-adrs' }],
        },
        {
          label: 'Reference',
          items: [
            { slug: 'reference/runbook-format' },
            { label: 'CLI', link: '/reference/cli/' },
            { slug: 'reference/reliability' },
            { slug: 'reference/contributing' },
          ],
        },
      ],
    }),
  ],
});
