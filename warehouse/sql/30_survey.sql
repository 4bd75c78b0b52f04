-- Survey microdata (restricted: pseudonymised, no names, no free text). The survey step
-- adds one typed column per published question code of the codebook
-- (integer -> BIGINT, decimal -> DOUBLE, date -> DATE, select_one -> VARCHAR code,
-- select_multiple -> VARCHAR of space-joined option codes), then creates the views of
-- survey_views/ that depend on those columns.
CREATE TABLE restricted.survey_responses (
    response_id  VARCHAR PRIMARY KEY,  -- hash of the wave, file name, file checksum and line
    load_id      VARCHAR NOT NULL,
    wave         INTEGER NOT NULL,
    org_pseudo   VARCHAR NOT NULL,     -- HMAC-SHA256 of the enterprise number (keyed)
    submitted_at TIMESTAMP,
    source_file  VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,     -- current | superseded (an earlier answer of the same wave)
    source_line  INTEGER NOT NULL,
    consent      BOOLEAN NOT NULL,     -- consent_aggregates = yes; others never enter estimates
    synthetic    BOOLEAN NOT NULL,
    size_class   VARCHAR,              -- lt5, 5to19, 20to49, 50plus (paid staff FTE)
    questionnaire_version VARCHAR NOT NULL DEFAULT 'v1'  -- v1, v2... (columns a version does not ask are NULL)
);

CREATE TABLE core.survey_frame (
    subsector      VARCHAR NOT NULL,
    size_class     VARCHAR,             -- NULL: a subsector margin (a register frame has no sizes)
    region         VARCHAR,
    n_associations BIGINT NOT NULL,
    illustrative   BOOLEAN NOT NULL,
    n_employers    BIGINT               -- of which employ paid staff (NULL: not known)
);

-- Where the frame of this build comes from (one row): see etl/survey/frame.py.
CREATE TABLE core.survey_frame_source (
    status          VARCHAR NOT NULL,   -- illustrative | register
    kind            VARCHAR NOT NULL,   -- demo | counts | kbo
    source_fr       VARCHAR NOT NULL,
    source_nl       VARCHAR NOT NULL,
    source_en       VARCHAR NOT NULL,
    source_date     DATE,
    definition_fr   VARCHAR NOT NULL,
    definition_nl   VARCHAR NOT NULL,
    definition_en   VARCHAR NOT NULL,
    sha256          VARCHAR,
    loaded_at       TIMESTAMP
);

CREATE TABLE meta.survey_loads (
    load_id          VARCHAR NOT NULL,
    file             VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    format           VARCHAR NOT NULL,
    wave             INTEGER NOT NULL,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    rows_superseded  BIGINT NOT NULL,
    rows_incomplete  BIGINT NOT NULL,
    synthetic        BOOLEAN NOT NULL,
    rows_corrected   BIGINT NOT NULL DEFAULT 0, -- quarantined rows sent again, corrected, in a later file
    version          VARCHAR NOT NULL DEFAULT 'v1', -- questionnaire version of the file
    input_key        VARCHAR,   -- sha256 of the wave's files, the survey code and the key's fingerprint
    reused_from      VARCHAR    -- the previous build's load_id the wave's rows were copied from
);

-- One row per quarantined record (its errors are in meta.quarantine).
CREATE TABLE meta.quarantined_rows (
    load_id     VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    wave        INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    subsector   VARCHAR NOT NULL   -- the row's subsector code when valid, else 'unknown'
);


-- Labels of every category code a public figure may be broken down by or refer to:
-- the choice lists of the survey's select questions (keyed by question code) and the
-- size classes. Lets every interface show "Sans-abrisme" instead of "homelessness".
CREATE TABLE core.category (
    variable VARCHAR NOT NULL,   -- question code (subsector, region, ...) or size_class
    code     VARCHAR NOT NULL,
    position INTEGER NOT NULL,   -- order in the questionnaire
    label_fr VARCHAR NOT NULL,
    label_nl VARCHAR NOT NULL,
    label_en VARCHAR NOT NULL,
    PRIMARY KEY (variable, code)
);

-- The questionnaire's versions (etl/survey/instrument/, versions.yaml): what each adds, removes
-- or changes against the previous one, and the waves this warehouse holds in each.
CREATE TABLE core.questionnaire_versions (
    version          VARCHAR PRIMARY KEY,
    previous_version VARCHAR,
    released         VARCHAR,
    form_version     VARCHAR,   -- the XLSForm settings' version
    n_questions      INTEGER NOT NULL,
    added            VARCHAR,   -- question codes, space-separated
    removed          VARCHAR,
    changed          VARCHAR,   -- asked differently (type, choices, range, relevance): incomparable
    changelog_fr     VARCHAR NOT NULL,
    changelog_nl     VARCHAR NOT NULL,
    changelog_en     VARCHAR NOT NULL
);
