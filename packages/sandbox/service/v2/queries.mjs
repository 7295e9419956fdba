// v2: items also record who created them (POST body `created_by`, default 'anonymous').
export async function listItems(pool) {
  const { rows } = await pool.query('SELECT id, name, created_by, created_at FROM items ORDER BY id');
  return rows;
}

export async function addItem(pool, { name, created_by: createdBy }) {
  const { rows } = await pool.query(
    'INSERT INTO items (name, created_by) VALUES ($1, $2) RETURNING id, name, created_by, created_at',
    [name, typeof createdBy === 'string' && createdBy !== '' ? createdBy : 'anonymous'],
  );
  return rows[0];
}
