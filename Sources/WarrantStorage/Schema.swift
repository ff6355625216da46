import GRDB

/// The tables, meant to be read by people with the `sqlite3` shell as much as by code:
/// keys and hashes are lowercase hex text, lists are JSON arrays, times are ms since the
/// epoch. docs/STORAGE.md describes each table and gives example queries.
enum Schema {
    static let version = 2

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                CREATE TABLE blocks (
                    height INTEGER PRIMARY KEY NOT NULL,
                    time_ms INTEGER NOT NULL,
                    hash TEXT NOT NULL,
                    request_count INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    certificate BLOB
                );
                CREATE TABLE applied (
                    height INTEGER PRIMARY KEY NOT NULL REFERENCES blocks(height),
                    state_hash TEXT NOT NULL,
                    ordinal INTEGER NOT NULL,
                    accepted INTEGER NOT NULL,
                    rejected INTEGER NOT NULL
                );
                CREATE TABLE outcomes (
                    height INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    request TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    signer TEXT NOT NULL,
                    accepted INTEGER NOT NULL,
                    reason TEXT,
                    PRIMARY KEY (height, position)
                );
                CREATE INDEX outcomes_by_request ON outcomes(request);
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    principal TEXT NOT NULL,
                    granted_by TEXT NOT NULL,
                    nonce INTEGER NOT NULL,
                    session_key TEXT NOT NULL,
                    operations TEXT NOT NULL,
                    resources TEXT NOT NULL,
                    max_amount INTEGER,
                    not_before INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    budget INTEGER NOT NULL,
                    max_uses INTEGER,
                    rate_count INTEGER,
                    rate_window_ms INTEGER,
                    parent TEXT,
                    depth INTEGER NOT NULL,
                    grant_height INTEGER NOT NULL,
                    grant_ordinal INTEGER NOT NULL,
                    spent INTEGER NOT NULL,
                    uses INTEGER NOT NULL,
                    carved_budget INTEGER NOT NULL,
                    carved_uses INTEGER NOT NULL,
                    last_sequence INTEGER,
                    recent_act_times TEXT NOT NULL,
                    revoked_height INTEGER
                );
                CREATE INDEX sessions_by_key ON sessions(session_key);
                CREATE INDEX sessions_by_parent ON sessions(parent);
                CREATE INDEX sessions_by_expiry ON sessions(expires_at);
                CREATE TABLE spends (
                    height INTEGER NOT NULL,
                    position INTEGER NOT NULL,
                    session TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    operation TEXT NOT NULL,
                    resource TEXT NOT NULL,
                    amount INTEGER NOT NULL,
                    PRIMARY KEY (height, position)
                );
                CREATE INDEX spends_by_session ON spends(session);
                CREATE TABLE nonces (
                    signer TEXT NOT NULL,
                    nonce INTEGER NOT NULL,
                    retain_until INTEGER,
                    PRIMARY KEY (signer, nonce)
                );
                CREATE TABLE revoke_alls (
                    principal TEXT PRIMARY KEY NOT NULL,
                    ordinal INTEGER NOT NULL,
                    height INTEGER NOT NULL
                );
                CREATE VIEW tombstones AS
                    SELECT id, granted_by, nonce, expires_at, revoked_height FROM sessions
                    WHERE revoked_height IS NOT NULL;
                CREATE VIEW delegation_chains AS
                    WITH RECURSIVE chain(session, ancestor, distance) AS (
                        SELECT id, parent, 1 FROM sessions WHERE parent IS NOT NULL
                        UNION ALL
                        SELECT chain.session, s.parent, chain.distance + 1
                        FROM chain JOIN sessions s ON s.id = chain.ancestor
                        WHERE s.parent IS NOT NULL
                    )
                    SELECT session, ancestor, distance FROM chain;
                """)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: """
                CREATE TABLE evidence (
                    validator TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    height INTEGER NOT NULL,
                    round INTEGER NOT NULL,
                    first_block TEXT,
                    second_block TEXT,
                    committed_height INTEGER NOT NULL,
                    PRIMARY KEY (validator, kind, height, round)
                );
                CREATE TABLE consensus (
                    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
                    height INTEGER NOT NULL,
                    round INTEGER NOT NULL,
                    step TEXT NOT NULL,
                    locked_round INTEGER NOT NULL,
                    valid_round INTEGER NOT NULL,
                    own_votes INTEGER NOT NULL,
                    record BLOB NOT NULL
                );
                """)
        }
        return migrator
    }
}
