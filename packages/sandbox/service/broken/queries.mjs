// A deliberately broken release, built by `sandbox.sh build-release broken`: v2 with a typo in a column
// name. The service starts and /health answers 200, but GET /items fails with 500, so the smoke test fails.
export { addItem } from './queries.base.mjs'; // v2's queries.mjs, kept by build-release.sh

export async function listItems(pool) {
  const { rows } = await pool.query('SELECT id, name, created_by, creatd_at FROM items ORDER BY id');
  return rows;
}
