CREATE TABLE meta.build (
    build_id      VARCHAR PRIMARY KEY,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    tool_version  VARCHAR NOT NULL,
    inputs_sha256 VARCHAR            -- digest of every snapshot and landed file used
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
    status      VARCHAR NOT NULL,    -- running, ok, failed
    error       VARCHAR
);

-- Rows that failed validation: where and why, in three languages. Original values stay in
-- the restricted landing area (they may hold enterprise numbers or free text).
CREATE TABLE meta.quarantine (
    load_id     VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    line        INTEGER,
    field       VARCHAR,
    rule        VARCHAR NOT NULL,
    message_fr  VARCHAR NOT NULL,
    message_nl  VARCHAR NOT NULL,
    message_en  VARCHAR NOT NULL
);

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
