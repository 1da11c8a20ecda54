/**
 * A generated sqlite3 workload (real.ts and test/trace/trace-sqlite.test.ts both run it): one INSERT per row in one
 * transaction (the parser and the B-tree both allocate), values of varying length, an index, three
 * queries, deleting half the rows, VACUUM, and a count that says the work was done.
 */
export function sqliteWorkload(rows: number): string {
  const lines = ['CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, note TEXT);', 'BEGIN;'];
  for (let i = 1; i <= rows; i++) lines.push(`INSERT INTO t VALUES(${i}, 'name-${(i * 7919) % rows}', ${(i % 997) / 7}, '${'n'.repeat(8 + ((i * 31) % 180))}');`);
  lines.push(
    'COMMIT;',
    'CREATE INDEX t_name ON t(name);',
    "SELECT count(*) FROM t WHERE name LIKE 'name-1%';",
    'SELECT name, sum(score) FROM t GROUP BY name % 100 ORDER BY 2 DESC LIMIT 5;',
    'SELECT count(*), max(length(note)) FROM t;',
    'DELETE FROM t WHERE id % 2 = 0;',
    'VACUUM;',
    'SELECT count(*) FROM t;',
  );
  return `${lines.join('\n')}\n`;
}
