package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// migrations bring the schema from one version to the next: migrations[i]
// makes version i+1. Add to the end, never change one that shipped. The
// version the database is at is kept in meta, under "schema".
//
// Every table keeps the document (BSON, as the MongoDB store stores it) in
// its last column, doc, so that reading the columns before it does not
// touch the document's overflow pages. Times in columns are Unix
// milliseconds. Optional unique keys are NULL when empty (NULLs never
// clash). Tables of small rows are WITHOUT ROWID; those of documents that
// run to kilobytes (requests, offers, users, messages) keep their rowid.
var migrations = []string{
	// 1: everything.
	`
CREATE TABLE requests (
	id                TEXT PRIMARY KEY,
	ref               TEXT NOT NULL UNIQUE,
	token_hash        TEXT NOT NULL,
	idempotency_key   TEXT UNIQUE,
	revision          INTEGER NOT NULL,
	status            TEXT NOT NULL,
	phone             TEXT NOT NULL,
	proposal_deadline INTEGER,
	pending_messages  INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	doc               BLOB NOT NULL
) STRICT;
-- Unique: a status link opens one request. Requests made without a link
-- (imports) have none.
CREATE UNIQUE INDEX requests_token ON requests (token_hash) WHERE token_hash <> '';
CREATE INDEX requests_revision ON requests (revision);
CREATE INDEX requests_status ON requests (status, id);
CREATE INDEX requests_phone ON requests (phone, id);
CREATE INDEX requests_deadline ON requests (proposal_deadline, id) WHERE proposal_deadline IS NOT NULL;
CREATE INDEX requests_pending ON requests (revision) WHERE pending_messages > 0;

-- Which requests have a match to which offer, kept in step with the
-- requests' matches in the same transaction.
CREATE TABLE request_offers (
	offer_id   TEXT NOT NULL,
	request_id TEXT NOT NULL REFERENCES requests (id),
	PRIMARY KEY (offer_id, request_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE offers (
	id         TEXT PRIMARY KEY,
	revision   INTEGER NOT NULL,
	phone      TEXT NOT NULL,
	user_id    TEXT,
	import_key TEXT UNIQUE,
	name_lower TEXT NOT NULL,
	doc        BLOB NOT NULL
) STRICT;
CREATE INDEX offers_revision ON offers (revision);
CREATE INDEX offers_phone ON offers (phone, id);
CREATE INDEX offers_user ON offers (user_id, id) WHERE user_id IS NOT NULL;
-- Searching names reads this index in ID order, not the documents.
CREATE INDEX offers_name ON offers (id, name_lower);

CREATE TABLE users (
	id       TEXT PRIMARY KEY,
	email    TEXT NOT NULL UNIQUE,
	revision INTEGER NOT NULL,
	doc      BLOB NOT NULL
) STRICT;
CREATE INDEX users_revision ON users (revision);

CREATE TABLE tokens (
	id   TEXT PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,
	doc  BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE sessions (
	id         TEXT PRIMARY KEY,
	expires_at INTEGER NOT NULL,
	doc        BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- id is "<key>@<window start in Unix ms>".
CREATE TABLE ratelimits (
	id         TEXT PRIMARY KEY,
	count      INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX ratelimits_expires ON ratelimits (expires_at);

CREATE TABLE audit (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- id is the address key.
CREATE TABLE geocache (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE messages (
	id          TEXT PRIMARY KEY,
	state       TEXT NOT NULL,
	due_at      INTEGER NOT NULL,
	lease_until INTEGER NOT NULL,
	epoch       INTEGER NOT NULL,
	sid         TEXT,
	request_id  TEXT,
	to_phone    TEXT NOT NULL,
	channel     TEXT NOT NULL,
	template    TEXT NOT NULL,
	doc         BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX messages_sid ON messages (sid) WHERE sid IS NOT NULL;
-- The dispatch queue: open messages by due time (store.OpenDeliveryStates).
CREATE INDEX messages_due ON messages (due_at, id, lease_until)
	WHERE state IN ('pending', 'sending', 'retry', 'unsure');
CREATE INDEX messages_order ON messages (due_at, id);
CREATE INDEX messages_state ON messages (state, due_at, id);
CREATE INDEX messages_request ON messages (request_id, due_at, id) WHERE request_id IS NOT NULL;
CREATE INDEX messages_to ON messages (to_phone, due_at, id);
CREATE INDEX messages_channel ON messages (channel, due_at, id);
CREATE INDEX messages_template ON messages (template, due_at, id);

-- id is "<sid>/<status>" (store.StatusID).
CREATE TABLE message_status (
	id     TEXT PRIMARY KEY,
	sid    TEXT NOT NULL,
	status TEXT NOT NULL,
	doc    BLOB NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX message_status_sid ON message_status (sid, status);

-- id is the phone number (E.164).
CREATE TABLE optouts (
	id        TEXT PRIMARY KEY,
	opted_out INTEGER NOT NULL,
	doc       BLOB NOT NULL
) STRICT, WITHOUT ROWID;

-- id is Twilio's message SID of an inbound SMS. Never dumped: no document.
CREATE TABLE inbound (
	id          TEXT PRIMARY KEY,
	done        INTEGER NOT NULL,
	owner       TEXT NOT NULL,
	lease_until INTEGER NOT NULL,
	epoch       INTEGER NOT NULL,
	at          INTEGER NOT NULL,
	done_at     INTEGER
) STRICT, WITHOUT ROWID;
CREATE INDEX inbound_done ON inbound (done_at) WHERE done = 1;

INSERT INTO meta (key, value) VALUES ('revision', 0);
`,
}

// migrate creates the meta table and runs the migrations the database has
// not had, each in a transaction of its own. A database from newer code is
// refused rather than misread.
func migrate(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT, WITHOUT ROWID`)
	if err != nil {
		return fmt.Errorf("create meta: %w", err)
	}
	var version int
	err = conn.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'schema'`).Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program's %d", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		if err := runMigration(ctx, conn, v+1, migrations[v]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", v+1, err)
		}
	}
	return nil
}

func runMigration(ctx context.Context, conn *sql.Conn, version int, script string) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if _, err := conn.ExecContext(ctx, script); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('schema', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, version)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// topRevision is where the revision counter starts: at the counter kept in
// meta, or above the highest revision stored if that is higher (a table
// restored from a later backup than meta).
func topRevision(ctx context.Context, conn *sql.Conn) (int64, error) {
	var top int64
	err := conn.QueryRowContext(ctx, `SELECT max(
		(SELECT value FROM meta WHERE key = 'revision'),
		coalesce((SELECT max(revision) FROM requests), 0),
		coalesce((SELECT max(revision) FROM offers), 0),
		coalesce((SELECT max(revision) FROM users), 0))`).Scan(&top)
	if err != nil {
		return 0, fmt.Errorf("read revision counter: %w", err)
	}
	return top, nil
}
