// The schema, as a list of migrations: MIGRATIONS[n] takes the database from version n to n + 1 (PRAGMA
// user_version). Never edit a released step; add a new one, and keep a fixture of the old schema under
// test/store/fixtures so the upgrade path stays tested.
//
// Times are milliseconds since the epoch (UTC). User ids are keyed hashes (see users.ts), never raw ids.

const EMOTION_CHECK = `('angry','disgust','fear','happy','sad','surprise','neutral')`;
const CHANNEL_CHECK = `('web','api','messenger','cli')`;

const V1 = `
CREATE TABLE users (
  id           TEXT PRIMARY KEY,
  channel      TEXT NOT NULL CHECK (channel IN ${CHANNEL_CHECK}),
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX users_last_seen ON users (last_seen_at);

CREATE TABLE flags (
  id          INTEGER PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel     TEXT NOT NULL CHECK (channel IN ${CHANNEL_CHECK}),
  analysis_id TEXT,
  face_number INTEGER NOT NULL CHECK (face_number >= 1),
  predicted   TEXT NOT NULL CHECK (predicted IN ${EMOTION_CHECK}),
  scores_json TEXT NOT NULL,
  label       TEXT NOT NULL CHECK (label IN ${EMOTION_CHECK}),
  comment     TEXT,
  crop_png    BLOB NOT NULL,
  status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','accepted','rejected')),
  reviewed_at INTEGER,
  created_at  INTEGER NOT NULL
);
-- One flag per user, analysis and face: flagging the same face again replaces the label.
CREATE UNIQUE INDEX flags_user_face ON flags (user_id, analysis_id, face_number);
CREATE INDEX flags_status ON flags (status, id);
CREATE INDEX flags_created ON flags (created_at);

CREATE TABLE practice_rounds (
  id          INTEGER PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  channel     TEXT NOT NULL CHECK (channel IN ${CHANNEL_CHECK}),
  item_id     TEXT NOT NULL,
  expected    TEXT NOT NULL CHECK (expected IN ${EMOTION_CHECK}),
  answer      TEXT CHECK (answer IN ${EMOTION_CHECK}),
  asked_at    INTEGER NOT NULL,
  answered_at INTEGER
);
CREATE INDEX practice_user_asked ON practice_rounds (user_id, asked_at);
CREATE INDEX practice_asked ON practice_rounds (asked_at);

CREATE TABLE seen_messages (
  mid     TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_messages_at ON seen_messages (seen_at);
`;

export const MIGRATIONS: readonly string[] = Object.freeze([V1]);
