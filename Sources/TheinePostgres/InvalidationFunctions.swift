#if Postgres
import Foundation
/// The SQL functions that invalidate a near cache's keys, shared by every near cache of a
/// database and created with the tables: the near cache calls them itself, and an app attaches
/// the trigger (``trigger(on:cache:keyExpression:)``) to its own tables so that writes by any program invalidate.
///
/// - `theine_invalidate(cache, origin, keys, tombstone_lifetime)`: leaves a tombstone for each
///   key (the value goes, the new version stays), logs each change, and announces them all in one
///   message; returns each key's version.
/// - `theine_invalidate_all(cache, origin)`: deletes every row of the cache, moves its
///   `removeAll` version on, logs it and announces it; returns that version.
/// - `theine_invalidate_trigger()`: a trigger function whose arguments are the cache's name and
///   an SQL expression over the row giving the key's text. After `INSERT`, `UPDATE` or `DELETE`
///   (for each row) it invalidates the old and the new row's key; after `TRUNCATE` (for each
///   statement; the expression is not needed) it invalidates everything.
///
/// The table names come from the cache's name through `format('%I', …)`, and values through
/// `USING`: nothing from a row is ever spliced into SQL text but the trigger's own expression,
/// which the app's schema owner writes.
enum InvalidationFunctions {
    static let statements = [
        """
        CREATE OR REPLACE FUNCTION theine_invalidate(
            cache text, origin text, keys bytea[], tombstone_lifetime interval DEFAULT interval '30 seconds')
        RETURNS TABLE (version bigint, key bytea) LANGUAGE plpgsql AS $function$
        BEGIN
            IF cardinality(keys) = 0 THEN RETURN; END IF;
            RETURN QUERY EXECUTE format($query$
                WITH written AS (
                    INSERT INTO %1$I AS e (digest, key, value, version, expires_at)
                    SELECT sha256(k), k, NULL, nextval(%2$L), now() + $2 FROM unnest($1) AS k
                    ON CONFLICT (digest) DO UPDATE SET value = NULL, version = nextval(%2$L),
                        expires_at = EXCLUDED.expires_at
                    RETURNING e.version, e.key
                ), logged AS (
                    INSERT INTO %3$I (version, key) SELECT w.version, w.key FROM written w
                ), announced AS (
                    SELECT pg_notify(%4$L, $3 || ' ' || pg_snapshot_xmin(pg_current_snapshot())::text
                        || string_agg(E'\\n' || w.version || ' ' || encode(w.key, 'hex'), '')) FROM written w
                )
                SELECT w.version, w.key FROM written w, announced
                $query$, 'theine_' || cache, 'theine_' || cache || '_version', 'theine_' || cache || '_log',
                'theine_' || cache)
            USING keys, tombstone_lifetime, origin;
        END
        $function$
        """,
        """
        CREATE OR REPLACE FUNCTION theine_invalidate_all(cache text, origin text)
        RETURNS bigint LANGUAGE plpgsql AS $function$
        DECLARE
            cleared bigint;
        BEGIN
            UPDATE theine_schema SET cleared_version = nextval(format('%I', 'theine_' || cache || '_version'))
            WHERE name = cache RETURNING cleared_version INTO cleared;
            IF cleared IS NULL THEN
                RAISE EXCEPTION 'no near cache is named %', cache;
            END IF;
            EXECUTE format('DELETE FROM %I', 'theine_' || cache);
            EXECUTE format('INSERT INTO %I (version, key) VALUES ($1, NULL)', 'theine_' || cache || '_log')
                USING cleared;
            PERFORM pg_notify('theine_' || cache,
                origin || ' ' || pg_snapshot_xmin(pg_current_snapshot())::text || E'\\n' || cleared || ' *');
            RETURN cleared;
        END
        $function$
        """,
        """
        CREATE OR REPLACE FUNCTION theine_invalidate_trigger()
        RETURNS trigger LANGUAGE plpgsql AS $function$
        DECLARE
            keys bytea[] := '{}';
            key_text text;
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM theine_invalidate_all(TG_ARGV[0], 'trigger');
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                EXECUTE format('SELECT (%s)::text FROM (SELECT ($1).*) AS r', TG_ARGV[1]) INTO key_text USING OLD;
                IF key_text IS NOT NULL THEN keys := keys || convert_to(key_text, 'UTF8'); END IF;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                EXECUTE format('SELECT (%s)::text FROM (SELECT ($1).*) AS r', TG_ARGV[1]) INTO key_text USING NEW;
                IF key_text IS NOT NULL AND NOT convert_to(key_text, 'UTF8') = ANY (keys) THEN
                    keys := keys || convert_to(key_text, 'UTF8');
                END IF;
            END IF;
            PERFORM theine_invalidate(TG_ARGV[0], 'trigger', keys);
            RETURN NULL;
        END
        $function$
        """,
    ]

    /// How an app attaches the trigger to its table `table` for the near cache `cache`, whose keys
    /// are the text of `keyExpression` over a row (for an `Int` key in column `id`: `id::text`, or
    /// just `id`, which the function casts to text).
    static func trigger(on table: String, cache: String, keyExpression: String) -> [String] {
        [
            """
            CREATE TRIGGER theine_\(cache)_rows AFTER INSERT OR UPDATE OR DELETE ON \(table)
            FOR EACH ROW EXECUTE FUNCTION theine_invalidate_trigger('\(cache)', '\(keyExpression.replacingOccurrences(of: "'", with: "''"))')
            """,
            """
            CREATE TRIGGER theine_\(cache)_truncate AFTER TRUNCATE ON \(table)
            FOR EACH STATEMENT EXECUTE FUNCTION theine_invalidate_trigger('\(cache)')
            """,
        ]
    }
}
#endif
