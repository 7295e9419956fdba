import { defineConfig } from 'astro/config';
import starlight from '@astrojs/starlight';
import { unified } from '@astrojs/markdown-remark';
import starlightLinksValidator from 'starlight-links-validator';
import { rehypeBaseLinks, rehypeRepoLinks, rehypeTableRegions, unifiedOptions } from './src/lib/markdown';
import { checklistLinks, decisionLinks, runbookLinks } from './src/lib/sidebar';
import { contentRoot, repoUrl } from './src/lib/paths';
import { linkExistsInBuild } from './src/lib/built-links';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { brokenLinks } from './src/lib/link-check';
import { CODE_REGION_SCRIPT } from './src/lib/code-regions';

// GitHub Pages serves a project site under /<repo>/: CI sets SITE_URL and BASE_PATH.
const site = process.env.SITE_URL ?? 'https://readybook.dev';
const base = process.env.BASE_PATH ?? '/';

/** Fails the build on any link of the written site to a page or #fragment that does not exist. */
const checkBuiltLinks: AstroIntegration = {
  name: 'readybook-built-links',
  hooks: {
    'astro:build:done': ({ dir, logger }) => {
      const broken = brokenLinks(fileURLToPath(dir), base);
      if (broken.length > 0) throw new Error(`${broken.length} broken link(s) in the built site:\n${broken.join('\n')}`);
      logger.info('every link into the site resolves');
    },
  },
};

export default defineConfig({
  site,
  base,
  trailingSlash: 'always',
  // The engine and schema are workspace packages, built to plain ESM in their dist/: Node loads them as they are
  // when the pages render. Vite would otherwise bundle them and everything they import (a linked package's own
  // dependencies cannot be resolved from apps/docs, so Vite does not externalize them): the checklist entry
  // reaches the whole engine (runner, zx, prompts, micromark, markdown-it), about 250 modules rolldown
  // processed for nothing — most of the build's extra time over plain Starlight (bench/docs-build.mjs, ADR 0020).
  // (Astro 7 renders static pages in Vite's `prerender` environment: the setting goes there, not in `ssr`.)
  vite: { environments: { prerender: { resolve: { external: ['@readybook/engine', '@readybook/schema'] } } } },
  markdown: {
    processor: unified({ ...unifiedOptions, rehypePlugins: [[rehypeRepoLinks, { contentRoot, repoUrl }], [rehypeBaseLinks, base], rehypeTableRegions] }),
  },
  integrations: [
    starlight({
      title: 'Readybook',
      description: 'Production readiness as code: runbooks, checklists and decisions that are both docs and verified steps.',
      social: [{ icon: 'github', label: 'GitHub', href: repoUrl }],
      plugins: [starlightLinksValidator({ exclude: linkExistsInBuild(fileURLToPath(new URL('./dist/', import.meta.url)), base) })],
      // Markdown pages link to their source and say when it last changed (from git); generated pages set their own editUrl.
      editLink: { baseUrl: `${repoUrl}/edit/main/apps/docs/` },
      lastUpdated: true,
      customCss: ['./src/styles/custom.css'],
      head: [{ tag: 'script', content: CODE_REGION_SCRIPT }],
      routeMiddleware: './src/route-middleware.ts',
      // src/pages/404.astro: links to the runbooks, the go/no-go status and search.
      disable404Route: true,
      sidebar: [
        {
          label: 'Start here',
          items: [
            { label: 'Introduction', link: '/' },
            { slug: 'start/quickstart' },
            { slug: 'guides/run-in-ci' },
          ],
        },
        {
          label: 'Runbooks',
          items: [{ label: 'All runbooks', link: '/runbooks/' }, { label: 'Alerts', link: '/alerts/' }, ...runbookLinks()],
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
    checkBuiltLinks,
  ],
});
