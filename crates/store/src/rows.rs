//! Inserting a batch of rows with few statements: a multi-row `INSERT … VALUES (…), (…)`
//! binds and steps once per chunk instead of once per row, and its cursor stays at the right
//! edge of the table from one row to the next instead of seeking from the root each time.

use crate::Result;
use rusqlite::{Connection, Statement};

/// Rows per statement: as many statements of the largest size as fit, then at most one of
/// each smaller size for the rest.
const SIZES: [usize; 6] = [32, 16, 8, 4, 2, 1];

/// The INSERT statements of one table and column list, for each size of [`SIZES`].
#[derive(Debug)]
pub(crate) struct MultiInsert {
    columns: usize,
    sql: Vec<String>,
}

impl MultiInsert {
    /// `into` is `table (column, …)` with `columns` columns. The statements are `INSERT OR
    /// FAIL`: a failing row leaves the statement's earlier rows in place (the caller rolls
    /// the whole transaction back anyway), so SQLite keeps no statement journal for them (with
    /// the default `OR ABORT`, a statement of many rows copies every page it changes first).
    pub(crate) fn new(into: &str, columns: usize) -> Self {
        let head = format!("INSERT OR FAIL INTO {into}");
        // Anonymous parameters are numbered in order: row r's column c is r * columns + c.
        let row = format!("({})", vec!["?"; columns].join(","));
        let sql = SIZES
            .iter()
            .map(|&rows| format!("{head} VALUES {}", vec![row.as_str(); rows].join(",")))
            .collect();
        MultiInsert { columns, sql }
    }

    /// Inserts `rows`; `bind(statement, first, row)` binds the row's columns as parameters
    /// `first + 1 ..= first + columns`.
    pub(crate) fn run<T>(
        &self,
        conn: &Connection,
        rows: &[T],
        mut bind: impl FnMut(&mut Statement<'_>, usize, &T) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let mut rest = rows;
        for (size, sql) in SIZES.iter().zip(&self.sql) {
            if rest.len() < *size {
                continue;
            }
            let mut statement = conn.prepare_cached(sql)?;
            while rest.len() >= *size {
                for (n, row) in rest[..*size].iter().enumerate() {
                    bind(&mut statement, n * self.columns, row)?;
                }
                statement.raw_execute()?;
                rest = &rest[*size..];
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MultiInsert;
    use rusqlite::Connection;

    #[test]
    fn every_count_of_rows_is_inserted_once() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
            .unwrap();
        let insert = MultiInsert::new("t (a, b)", 2);
        let mut next = 0;
        for count in 0..100 {
            let rows: Vec<i64> = (next..next + count).collect();
            next += count;
            insert
                .run(&conn, &rows, |statement, first, &a| {
                    statement.raw_bind_parameter(first + 1, a)?;
                    statement.raw_bind_parameter(first + 2, format!("row {a}"))
                })
                .unwrap();
        }
        let (count, sum, last): (i64, i64, String) = conn
            .query_row("SELECT count(*), sum(a), max(b) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((count, sum), (next, next * (next - 1) / 2));
        assert_eq!(last, "row 999");
    }
}
