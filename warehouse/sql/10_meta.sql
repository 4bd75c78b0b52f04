CREATE TABLE meta.build (
    build_id      VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    tool_version  VARCHAR NOT NULL,
    inputs_sha256 VARCHAR,           -- digest of every snapshot and landed file used
    previous_build VARCHAR,          -- build whose unchanged rows this one kept (NULL: full build)
    full_build    BOOLEAN NOT NULL DEFAULT TRUE, -- every step computed, nothing reused
    code_sha256   VARCHAR            -- the code that wrote the file (etl/reuse.py: all_code)
);

CREATE TABLE meta.sources (
    source_id    VARCHAR PRIMARY KEY,
    title        VARCHAR NOT NULL,
    producer     VARCHAR NOT NULL,
    url          VARCHAR,
    licence      VARCHAR NOT NULL,
    retrieved_on DATE,
    sha256       VARCHAR NOT NULL,
    citation     VARCHAR NOT NULL,
    note         VARCHAR,
    load_id      VARCHAR DEFAULT getvariable('load_id'),  -- the step run that wrote the row
    title_fr     VARCHAR NOT NULL,   -- title, producer and citation in each language
    title_nl     VARCHAR NOT NULL,
    title_en     VARCHAR NOT NULL,
    producer_fr  VARCHAR NOT NULL,
    producer_nl  VARCHAR NOT NULL,
    producer_en  VARCHAR NOT NULL,
    citation_fr  VARCHAR NOT NULL,
    citation_nl  VARCHAR NOT NULL,
    citation_en  VARCHAR NOT NULL
);

CREATE TABLE meta.snapshots (
    source_id    VARCHAR NOT NULL,
    path         VARCHAR NOT NULL,   -- relative to the snapshots folder
    sha256       VARCHAR NOT NULL,
    bytes        BIGINT NOT NULL,
    retrieved_on DATE,
    origin       VARCHAR,
    load_id      VARCHAR DEFAULT getvariable('load_id'),
    PRIMARY KEY (source_id, path)
);

CREATE TABLE meta.etl_runs (
    load_id     VARCHAR PRIMARY KEY,
    build_id    VARCHAR NOT NULL,
    step        VARCHAR NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    rows_in     BIGINT,
    rows_out    BIGINT,
    status      VARCHAR NOT NULL,    -- running, ok, failed, reused (rows copied, not computed)
    error       VARCHAR,
    input_key   VARCHAR,             -- sha256 of the step's code, inputs and upstream keys (etl/reuse.py)
    reused_from VARCHAR              -- reused: the previous build's load_id the rows were copied from
);

-- Rows that failed validation: where and why. Original values stay in the restricted landing
-- area (they may hold enterprise numbers or free text). One row per failed rule of a row;
-- detail is what its message may show (the computed sum of the budget shares), never an answer.
CREATE TABLE meta.quarantine_errors (
    load_id     VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    wave        INTEGER,
    line        INTEGER,
    field       VARCHAR,
    rule        VARCHAR NOT NULL,
    detail      VARCHAR
);

-- The message of each (field, rule) in three languages, built once: '{line}' and '{value}'
-- stand for the line and the detail of each error.
CREATE TABLE meta.quarantine_messages (
    field       VARCHAR,
    rule        VARCHAR NOT NULL,
    message_fr  VARCHAR NOT NULL,
    message_nl  VARCHAR NOT NULL,
    message_en  VARCHAR NOT NULL
);

-- Every error with its messages, rendered when read (shown or exported), not when stored; the
-- detail (a computed total) with the language's decimal mark (core.i18n.separators).
CREATE VIEW meta.quarantine AS
SELECT e.load_id, e.source_file, e.wave, e.line, e.field, e.rule,
       replace(replace(m.message_fr, '{line}', coalesce(e.line::VARCHAR, '')), '{value}', replace(coalesce(e.detail, ''), '.', ',')) AS message_fr,
       replace(replace(m.message_nl, '{line}', coalesce(e.line::VARCHAR, '')), '{value}', replace(coalesce(e.detail, ''), '.', ',')) AS message_nl,
       replace(replace(m.message_en, '{line}', coalesce(e.line::VARCHAR, '')), '{value}', coalesce(e.detail, '')) AS message_en
FROM meta.quarantine_errors e
JOIN meta.quarantine_messages m ON m.rule = e.rule AND m.field IS NOT DISTINCT FROM e.field;

-- The privacy guard's check of this build (warehouse/guard.py), written just before the swap:
-- a warehouse without this row was written before the guard existed.
CREATE TABLE meta.privacy_guard (
    guard_version     INTEGER NOT NULL,
    checked_at        TIMESTAMP NOT NULL,
    columns_scanned   INTEGER NOT NULL,   -- VARCHAR columns of every table
    values_scanned    BIGINT NOT NULL,    -- distinct values per column
    restricted_values BIGINT NOT NULL,    -- distinct org_id, names and free text of the landed rows
    seconds           DOUBLE NOT NULL
);
