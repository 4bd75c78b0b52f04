CREATE TABLE core.geography (
    geo_code  VARCHAR PRIMARY KEY,  -- ISO 3166 alpha-2 (Eurostat usage) or NIS code
    level     VARCHAR NOT NULL,     -- country, region, province, arrondissement, municipality
    label_en  VARCHAR NOT NULL,
    label_fr  VARCHAR NOT NULL,
    label_nl  VARCHAR NOT NULL,
    iso2      VARCHAR,              -- ISO 3166-1 alpha-2 (GR/GB where Eurostat says EL/UK)
    nuts      VARCHAR,              -- NUTS code where one exists (BE, BE1, ...)
    nis       VARCHAR,              -- NIS/REFNIS code for Belgian units
    parent    VARCHAR,              -- enclosing unit's geo_code
    load_id   VARCHAR DEFAULT getvariable('load_id')  -- the step run that wrote the row
);

CREATE TABLE core.series (
    series                VARCHAR PRIMARY KEY,
    source_id             VARCHAR NOT NULL,
    dataset               VARCHAR NOT NULL,
    unit                  VARCHAR NOT NULL,
    title_fr              VARCHAR NOT NULL,
    title_nl              VARCHAR NOT NULL,
    title_en              VARCHAR NOT NULL,
    comparability_note_fr VARCHAR,
    comparability_note_nl VARCHAR,
    comparability_note_en VARCHAR,
    release               VARCHAR,   -- code of the one release (vintage) the values come from
    release_fr            VARCHAR,   -- that release described in each language
    release_nl            VARCHAR,
    release_en            VARCHAR,
    base_year             INTEGER,   -- price base year of real-terms series and indices
    breaks                VARCHAR,   -- periods where a break in series starts (space-separated)
    unit_label_fr         VARCHAR,   -- the unit in words, per language
    unit_label_nl         VARCHAR,
    unit_label_en         VARCHAR,
    derived_from          VARCHAR,   -- series the values are computed from (space-separated)
    load_id               VARCHAR DEFAULT getvariable('load_id')  -- the step run that wrote the row
);

CREATE TABLE core.statistic (
    load_id    VARCHAR NOT NULL,
    source_id  VARCHAR NOT NULL,
    dataset    VARCHAR NOT NULL,
    series     VARCHAR NOT NULL,
    geo_code   VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    sex        VARCHAR NOT NULL DEFAULT 'T',
    age        VARCHAR NOT NULL DEFAULT 'TOTAL',
    value      DOUBLE,
    value_low  DOUBLE,             -- bounds when the source gives a range
    value_high DOUBLE,
    unit       VARCHAR NOT NULL,
    flag       VARCHAR,
    note       VARCHAR
);
