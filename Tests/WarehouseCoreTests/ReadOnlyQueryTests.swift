import WarehouseCore
import XCTest

/// The single-SELECT check skips strings, quoted identifiers and comments, and finds a second
/// statement or a writing keyword anywhere else.
final class ReadOnlyQueryTests: XCTestCase {
    private func allowed(_ sql: String, _ dialect: ReadOnlyQuery.Dialect) -> Bool {
        do {
            try ReadOnlyQuery.check(sql, dialect: dialect)
            return true
        } catch { return false }
    }

    func testSelectsWithWordsInsideStringsIdentifiersAndCommentsPass() {
        for (sql, dialect) in [
            ("SELECT 'delete; drop' AS a, \"update\" FROM t -- insert\n;", ReadOnlyQuery.Dialect.snowflake),
            ("with x as (select 1 as a) select * from x", .databricks),
            ("SELECT $$ ; DELETE $$ AS body // merge\n", .snowflake),
            ("SELECT '''a ; delete''' AS s, `set` FROM `p.ds.t` # drop\n", .bigquery),
            ("SELECT 'it\\'s; delete' AS a", .databricks),
            ("  (SELECT 1) ", .snowflake),
            ("VALUES (1), (2);;", .databricks),
            ("SELECT REPLACE(name, 'a', 'b'), GET(v, 'k'), created_at FROM t", .snowflake),
        ] as [(String, ReadOnlyQuery.Dialect)] {
            XCTAssertTrue(allowed(sql, dialect), sql)
        }
    }

    func testWritesSecondStatementsAndUnclosedQuotesAreRefused() {
        for (sql, dialect) in [
            ("DELETE FROM t", ReadOnlyQuery.Dialect.snowflake),
            ("SELECT 1; SELECT 2", .databricks),
            ("SELECT 1 /* x */ ; DELETE FROM t", .bigquery),
            ("WITH d AS (SELECT 1) INSERT INTO t SELECT * FROM d", .databricks),
            ("SELECT 'unclosed", .snowflake),
            ("SELECT 1 # c\n; DROP TABLE t", .bigquery),
            ("SELECT * FROM t -- c\n; TRUNCATE TABLE t", .snowflake),
            ("CALL proc()", .snowflake),
            ("EXECUTE IMMEDIATE 'DELETE FROM t'", .bigquery),
            ("", .databricks),
            ("select 1 as a; merge into t using s on true when matched then delete", .databricks),
        ] as [(String, ReadOnlyQuery.Dialect)] {
            XCTAssertFalse(allowed(sql, dialect), sql)
        }
    }

    func testTheReasonIsNamed() {
        XCTAssertThrowsError(try ReadOnlyQuery.check("SELECT 1; DELETE FROM t", dialect: .snowflake)) { error in
            XCTAssertEqual(
                (error as? ExtractError)?.message,
                "refused: it holds 2 statements; a sync query must be one SELECT (or WITH … SELECT) for Snowflake")
        }
    }
}
