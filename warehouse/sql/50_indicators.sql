-- Indicator engine outputs (written by indicators.compute.compute_all). Tables, not views,
-- so that the warehouse file is self-contained. Contract: docs/public-views.md.
-- Applied once per build with the other files; compute_all empties the tables and fills them.
CREATE SCHEMA IF NOT EXISTS public;
CREATE SCHEMA IF NOT EXISTS meta;

CREATE OR REPLACE TABLE public.indicators (
    indicator_id VARCHAR PRIMARY KEY,
    theme VARCHAR NOT NULL,
    family VARCHAR,
    unit VARCHAR NOT NULL,
    polarity VARCHAR NOT NULL,
    estimator VARCHAR NOT NULL,
    money BOOLEAN NOT NULL,
    title_fr VARCHAR NOT NULL, title_nl VARCHAR NOT NULL, title_en VARCHAR NOT NULL,
    summary_fr VARCHAR NOT NULL, summary_nl VARCHAR NOT NULL, summary_en VARCHAR NOT NULL,
    description_fr VARCHAR NOT NULL, description_nl VARCHAR NOT NULL, description_en VARCHAR NOT NULL,
    unit_label_fr VARCHAR NOT NULL, unit_label_nl VARCHAR NOT NULL, unit_label_en VARCHAR NOT NULL,
    caveats_fr VARCHAR, caveats_nl VARCHAR, caveats_en VARCHAR,
    questions VARCHAR,
    sources VARCHAR,
    recommendations VARCHAR,
    scope_geo VARCHAR,
    versions VARCHAR     -- questionnaire versions a survey indicator applies to (space-separated)
);

CREATE OR REPLACE TABLE public.indicator_values (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    estimate DOUBLE,
    se DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n BIGINT,
    flag VARCHAR NOT NULL CHECK (flag IN ('ok', 'low_reliability', 'suppressed')),
    synthetic BOOLEAN NOT NULL,
    value_low DOUBLE,   -- assumption-based range of combined indicators (not a CI)
    value_high DOUBLE,
    -- why a cell is flagged: min_n, money_min_n, dominance, secondary (suppressed);
    -- low_n, high_cv (low_reliability); NULL when ok
    flag_reason VARCHAR,
    CHECK (flag <> 'suppressed' OR (estimate IS NULL AND se IS NULL AND ci_low IS NULL
                                    AND ci_high IS NULL))
);

CREATE OR REPLACE TABLE public.indicator_trends (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    previous_period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    change DOUBLE,
    se DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    method VARCHAR NOT NULL,       -- independent | paired
    n_linked BIGINT NOT NULL,
    significant BOOLEAN,
    direction VARCHAR,             -- worse | better | up | down | stable (NULL if suppressed)
    flag VARCHAR NOT NULL,         -- ok | suppressed
    synthetic BOOLEAN NOT NULL,
    -- consecutive: period vs previous wave; first_last: last vs first wave; linear: slope of
    -- the wave estimates on the year over all waves (change = slope x years spanned)
    kind VARCHAR NOT NULL CHECK (kind IN ('consecutive', 'first_last', 'linear')),
    first_period VARCHAR NOT NULL, -- first wave covered (= previous_period)
    n_periods BIGINT NOT NULL,     -- waves covered: 2 for changes, all waves for linear
    slope DOUBLE,                  -- linear only: change per year, its SE and 95 % CI
    slope_se DOUBLE,
    slope_ci_low DOUBLE,
    slope_ci_high DOUBLE
);

CREATE OR REPLACE TABLE public.index_values (
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    index DOUBLE,
    index_low DOUBLE,
    index_high DOUBLE,
    coverage DOUBLE NOT NULL,
    n_components BIGINT NOT NULL,
    flag VARCHAR NOT NULL,
    synthetic BOOLEAN NOT NULL
);

CREATE OR REPLACE TABLE public.index_components (
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    value DOUBLE,
    normalised DOUBLE,
    weight DOUBLE,
    direction INTEGER NOT NULL,
    contribution DOUBLE
);

CREATE OR REPLACE TABLE public.recommendations (
    recommendation_id VARCHAR PRIMARY KEY,
    title_fr VARCHAR NOT NULL, title_nl VARCHAR NOT NULL, title_en VARCHAR NOT NULL,
    text_fr VARCHAR NOT NULL, text_nl VARCHAR NOT NULL, text_en VARCHAR NOT NULL,
    indicators VARCHAR NOT NULL,
    -- supported | mixed | not_supported | insufficient_evidence (counted rules only)
    evidence_status VARCHAR NOT NULL CHECK (evidence_status IN
        ('supported', 'mixed', 'not_supported', 'insufficient_evidence')),
    evidence_fr VARCHAR NOT NULL, evidence_nl VARCHAR NOT NULL, evidence_en VARCHAR NOT NULL,
    evidence_period VARCHAR,
    synthetic BOOLEAN NOT NULL,
    -- the status the illustration rules (survey rules on synthetic data) would give if they
    -- were counted; NULL when no illustration rule has data
    illustration_status VARCHAR,
    rules_supporting BIGINT,      -- counted rules per result
    rules_contradicting BIGINT,
    rules_inconclusive BIGINT,
    rules_illustration BIGINT     -- rules not counted: survey rules on synthetic data
);

CREATE OR REPLACE TABLE public.recommendation_evidence (
    recommendation_id VARCHAR NOT NULL,
    rule_no INTEGER NOT NULL,          -- order in recommendations.yaml
    indicator_id VARCHAR NOT NULL,
    rule VARCHAR NOT NULL CHECK (rule IN ('above', 'below', 'worsened', 'improved')),
    direction VARCHAR NOT NULL CHECK (direction IN ('supports', 'contradicts')),
    threshold DOUBLE,                  -- above/below rules
    meaning_fr VARCHAR, meaning_nl VARCHAR, meaning_en VARCHAR,  -- the rule in words
    period VARCHAR,                    -- latest published period of the indicator
    previous_period VARCHAR,           -- change rules: the period compared with
    value DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n BIGINT,
    change DOUBLE,
    scope_geo VARCHAR,
    sources VARCHAR,
    result VARCHAR NOT NULL CHECK (result IN ('supports', 'contradicts', 'inconclusive',
                                              'no_data')),
    illustration BOOLEAN NOT NULL,     -- survey rule on synthetic data: shown, never counted
    synthetic BOOLEAN NOT NULL,
    finding_fr VARCHAR NOT NULL, finding_nl VARCHAR NOT NULL, finding_en VARCHAR NOT NULL,
    PRIMARY KEY (recommendation_id, rule_no)
);

CREATE OR REPLACE TABLE meta.suppression_log (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    breakdown VARCHAR NOT NULL,
    breakdown_value VARCHAR NOT NULL,
    n BIGINT,
    rule VARCHAR NOT NULL  -- min_n | money_min_n | dominance | secondary
);

CREATE OR REPLACE TABLE meta.indicator_lineage (
    indicator_id VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    questions VARCHAR,
    series VARCHAR,
    waves VARCHAR,
    load_ids VARCHAR,
    weights_version VARCHAR,
    weighting_method VARCHAR,
    n_responses BIGINT,
    snapshots_sha256 VARCHAR,
    engine_version VARCHAR NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
