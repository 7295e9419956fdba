/** A site path with the configured base in front: `href('/runbooks/')` → `/readybook/runbooks/`. */
export function href(path: string, base: string = import.meta.env.BASE_URL): string {
  const prefix = base.replace(/\/+$/, '');
  return `${prefix}${path.startsWith('/') ? path : `/${path}`}`;
}
