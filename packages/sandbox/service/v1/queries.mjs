// v1: items have a name.
export async function listItems(pool) {
  const { rows } = await pool.query('SELECT id, name, created_at FROM items ORDER BY id');
  return rows;
}

export async function addItem(pool, { name }) {
  const { rows } = await pool.query('INSERT INTO items (name) VALUES ($1) RETURNING id, name, created_at', [name]);
  return rows[0];
}
