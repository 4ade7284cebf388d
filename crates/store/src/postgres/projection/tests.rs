//! The PostgreSQL projection against the SQLite one: the same journal, in the same batches,
//! gives the same rows in every table (the domain aside), across a reload of the projector,
//! with another domain's rows in the same tables.

use super::{SCHEMA, STATES_AT, reset};
use crate::Store;
use crate::projection::fixtures::{append_to_both, mixed_journal};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, NoTls};

/// A column's value, as both stores can give it (a PostgreSQL boolean as SQLite's 0 or 1).
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// Each projection table (and the view) with its key order.
const TABLES: [(&str, &str); 11] = [
    ("refusals", "seq"),
    ("agents", "id"),
    ("agent_states", "seq"),
    ("agent_state_marks", "seq, agent"),
    ("agent_intervals", "seq"),
    ("queues", "id"),
    ("dispositions", "queue, code"),
    ("closures", "seq"),
    ("callbacks", "contact"),
    ("callback_attempts", "contact, attempt"),
    ("callback_status", "seq"),
];

/// The table's rows in SQLite, with its column names.
fn sqlite_rows(store: &Store, table: &str, key: &str) -> (Vec<String>, Vec<Vec<Value>>) {
    let mut statement = store
        .connection()
        .prepare(&format!("SELECT * FROM {table} ORDER BY {key}"))
        .unwrap();
    let columns: Vec<String> = statement
        .column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let rows = statement
        .query_map([], |row| {
            (0..columns.len())
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => Value::Null,
                        rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                        rusqlite::types::ValueRef::Text(t) => {
                            Value::Text(String::from_utf8(t.to_vec()).unwrap())
                        }
                        other => panic!("{table}: unexpected {other:?}"),
                    })
                })
                .collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (columns, rows)
}

/// The same columns of the table's rows of `domain` in PostgreSQL.
async fn pg_rows(
    client: &Client,
    domain: &str,
    table: &str,
    key: &str,
    columns: &[String],
) -> Vec<Vec<Value>> {
    let sql = format!(
        "SELECT {} FROM {table} WHERE domain = $1 ORDER BY {key}",
        columns.join(", ")
    );
    let rows = client
        .query_typed(&sql, &[(&domain, Type::TEXT)])
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            (0..columns.len())
                .map(|i| match *row.columns()[i].type_() {
                    Type::INT8 => row.get::<_, Option<i64>>(i).map_or(Value::Null, Value::Int),
                    Type::BOOL => row
                        .get::<_, Option<bool>>(i)
                        .map_or(Value::Null, |b| Value::Int(b.into())),
                    Type::TEXT => row
                        .get::<_, Option<String>>(i)
                        .map_or(Value::Null, Value::Text),
                    ref other => panic!("{table}.{}: unexpected {other}", columns[i]),
                })
                .collect()
        })
        .collect()
}

/// Every table of `domain` equals the SQLite store's; returns the number of rows compared.
async fn assert_same_rows(store: &Store, client: &Client, domain: &str) -> usize {
    let mut compared = 0;
    for (table, key) in TABLES {
        let (columns, expected) = sqlite_rows(store, table, key);
        let found = pg_rows(client, domain, table, key, &columns).await;
        assert_eq!(found.len(), expected.len(), "{domain}: {table} row count");
        for (index, (found, expected)) in found.iter().zip(&expected).enumerate() {
            assert_eq!(
                found, expected,
                "{domain}: {table} row {index} ({columns:?})"
            );
        }
        compared += expected.len();
    }
    compared
}

async fn connect() -> Client {
    let url = switchboard_pgtest::shared().database();
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The same journal in the same batches gives the same rows in SQLite and in PostgreSQL, in
/// every table and the view, with the projector reloaded halfway (its marks continue as the
/// SQLite store's do), while another domain's different journal shares the tables; and
/// `reset` empties one domain only. The marks' query gives the same states at every entry.
#[tokio::test]
async fn postgres_projection_rows_equal_sqlite_rows_per_domain() {
    let mut client = connect().await;
    // Twice: the schema can be created over itself.
    client.batch_execute(SCHEMA).await.unwrap();
    client.batch_execute(SCHEMA).await.unwrap();

    let alpha = mixed_journal(1, 12_000, 1_700_000_000_000);
    let beta = mixed_journal(2, 3_000, 1_700_000_500_000);
    let (alpha_dir, beta_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sizes = [37, 1, 200, 5, 64];
    let alpha_batches = alpha.len().div_ceil(61);
    let alpha_store = append_to_both(
        alpha_dir.path(),
        &mut client,
        "alpha",
        &alpha,
        &sizes,
        alpha_batches / 2,
    )
    .await;
    let beta_store =
        append_to_both(beta_dir.path(), &mut client, "beta", &beta, &[50, 3], 20).await;

    let marks: i64 = alpha_store
        .connection()
        .query_row(
            "SELECT count(DISTINCT seq) FROM agent_state_marks",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(marks >= 3, "{marks} marks: too few to test them");
    for (table, _) in TABLES {
        let count: i64 = alpha_store
            .connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert!(count > 0, "the journal writes no {table} row");
    }
    let compared = assert_same_rows(&alpha_store, &client, "alpha").await;
    assert!(compared > 10_000, "{compared}");
    assert_same_rows(&beta_store, &client, "beta").await;

    // The states before every 97th entry, through the marks, as SQLite finds them.
    let mut statement = alpha_store
        .connection()
        .prepare(crate::projection::STATES_AT)
        .unwrap();
    for before in (1..=alpha.len() as i64 + 1).step_by(97) {
        let expected: Vec<(String, i64)> = statement
            .query_map([before], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let found: Vec<(String, i64)> = client
            .query_typed(STATES_AT, &[(&"alpha", Type::TEXT), (&before, Type::INT8)])
            .await
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        assert_eq!(found, expected, "before {before}");
    }

    reset(&client, "beta").await.unwrap();
    for (table, _) in TABLES {
        let left: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {table} WHERE domain = 'beta'"),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0, "{table}");
    }
    assert_same_rows(&alpha_store, &client, "alpha").await;
}
