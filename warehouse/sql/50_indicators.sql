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
    contribution DOUBLE,
    synthetic BOOLEAN NOT NULL
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

-- What the public objects and their columns mean: the data package's descriptions and
-- docs/public-views.md are generated from these comments (python -m warehouse.docs).
COMMENT ON TABLE public.indicators IS 'The indicator catalogue (one row per indicator).';
COMMENT ON COLUMN public.indicators.indicator_id IS 'stable id';
COMMENT ON COLUMN public.indicators.theme IS '`funding`, `task_transfer`, `support`, `accessibility`, `framework`, `recognition`, `group_life`, `public_statistics`, `combined`';
COMMENT ON COLUMN public.indicators.unit IS '`percent`, `mean`, `ratio`, `net_balance`, `count`, `fte`, `eur`, ...';
COMMENT ON COLUMN public.indicators.polarity IS '`higher_is_worse`, `higher_is_better`, `neutral`';
COMMENT ON COLUMN public.indicators.estimator IS '`proportion`, `mean`, `ratio`, `total`, `net_balance`, `public_series`, `combined`';
COMMENT ON COLUMN public.indicators.title_fr IS 'short title';
COMMENT ON COLUMN public.indicators.title_nl IS 'short title';
COMMENT ON COLUMN public.indicators.title_en IS 'short title';
COMMENT ON COLUMN public.indicators.description_fr IS 'what it measures, how';
COMMENT ON COLUMN public.indicators.description_nl IS 'what it measures, how';
COMMENT ON COLUMN public.indicators.description_en IS 'what it measures, how';
COMMENT ON COLUMN public.indicators.caveats_fr IS 'caveats (may be NULL)';
COMMENT ON COLUMN public.indicators.caveats_nl IS 'caveats (may be NULL)';
COMMENT ON COLUMN public.indicators.caveats_en IS 'caveats (may be NULL)';
COMMENT ON COLUMN public.indicators.questions IS 'question codes used (space-separated) or public series';
COMMENT ON COLUMN public.indicators.sources IS 'source ids (space-separated)';
COMMENT ON COLUMN public.indicators.recommendations IS 'linked recommendation ids (`R1 R4`)';
COMMENT ON COLUMN public.indicators.scope_geo IS 'for a public series, the geography of its headline value (key into `public.geography`, e.g. `01000` Belgium); NULL for survey indicators, whose scope is the surveyed Brussels social-sector associations';
COMMENT ON TABLE public.indicator_values IS 'One row per indicator x period x breakdown cell.';
COMMENT ON COLUMN public.indicator_values.indicator_id IS 'key into `public.indicators`';
COMMENT ON COLUMN public.indicator_values.period IS 'survey wave (`2024`) or the public statistic''s period';
COMMENT ON COLUMN public.indicator_values.breakdown IS '`all`, `subsector`, `size_class`, `volunteer_model`, `region`; `geo` for public series; `group_phase` (life phase of the volunteer group) only for the warning-light indicators (`gl_light_*`, `gl_warning_lights_mean`: `extra_breakdowns` of `indicators/engine.yaml`)';
COMMENT ON COLUMN public.indicator_values.breakdown_value IS 'category code; `all` when breakdown = `all`';
COMMENT ON COLUMN public.indicator_values.estimate IS 'point estimate (NULL when suppressed)';
COMMENT ON COLUMN public.indicator_values.se IS 'standard error (NULL for public series and suppressed cells)';
COMMENT ON COLUMN public.indicator_values.ci_low IS '95 % confidence interval';
COMMENT ON COLUMN public.indicator_values.ci_high IS '95 % confidence interval';
COMMENT ON COLUMN public.indicator_values.n IS 'responding associations in the cell (NULL for public series)';
COMMENT ON COLUMN public.indicator_values.flag IS '`ok`, `low_reliability` (n < 30 or CV > 16.5 %), `suppressed`';
COMMENT ON COLUMN public.indicator_values.synthetic IS 'TRUE when computed from synthetic data (the demo, or a survey file tagged or ingested as synthetic)';
COMMENT ON COLUMN public.indicator_values.flag_reason IS 'why a cell is flagged: `min_n` (< 5 associations), `money_min_n` (money amount, < 10), `dominance` (one association > 50 % of a money total), `secondary` (withheld so that another suppressed cell cannot be recovered); `low_n` (< 30) or `high_cv` (CV > 16.5 %) for low reliability; NULL when ok';
COMMENT ON TABLE public.indicator_trends IS 'Trends of each survey cell (every survey indicator x breakdown x category) across the waves, in
three kinds of rows (`kind`); `indicators/trends.py` has the formulas.';
COMMENT ON COLUMN public.indicator_trends.indicator_id IS 'the cell (period = the later / last wave)';
COMMENT ON COLUMN public.indicator_trends.period IS 'the cell (period = the later / last wave)';
COMMENT ON COLUMN public.indicator_trends.breakdown IS 'the cell (period = the later / last wave)';
COMMENT ON COLUMN public.indicator_trends.breakdown_value IS 'the cell (period = the later / last wave)';
COMMENT ON COLUMN public.indicator_trends.previous_period IS 'the wave compared with (`linear`: the first wave)';
COMMENT ON COLUMN public.indicator_trends.kind IS '`consecutive`, `first_last` or `linear` (above)';
COMMENT ON COLUMN public.indicator_trends.first_period IS 'first wave covered (= `previous_period`)';
COMMENT ON COLUMN public.indicator_trends.n_periods IS 'waves covered: 2 for a change, every wave for `linear`';
COMMENT ON COLUMN public.indicator_trends.change IS 'estimate(period) - estimate(previous_period); `linear`: the fitted change over the period, slope x (last - first year); NULL when a wave it uses is suppressed';
COMMENT ON COLUMN public.indicator_trends.se IS 'SE and 95 % CI of the change';
COMMENT ON COLUMN public.indicator_trends.ci_low IS 'SE and 95 % CI of the change';
COMMENT ON COLUMN public.indicator_trends.ci_high IS 'SE and 95 % CI of the change';
COMMENT ON COLUMN public.indicator_trends.slope IS '`linear` only: change per year, its SE and 95 % CI (NULL for the other kinds)';
COMMENT ON COLUMN public.indicator_trends.slope_se IS '`linear` only: change per year, its SE and 95 % CI (NULL for the other kinds)';
COMMENT ON COLUMN public.indicator_trends.slope_ci_low IS '`linear` only: change per year, its SE and 95 % CI (NULL for the other kinds)';
COMMENT ON COLUMN public.indicator_trends.slope_ci_high IS '`linear` only: change per year, its SE and 95 % CI (NULL for the other kinds)';
COMMENT ON COLUMN public.indicator_trends.method IS '`independent` (no covariance: se² + se²) or `paired` (covariance from associations linked by `org_pseudo` subtracted; used when >= 5 are linked in the cell)';
COMMENT ON COLUMN public.indicator_trends.n_linked IS 'associations answering both waves in the cell (`linear`: the largest n_linked of the cell''s `consecutive` and `first_last` rows)';
COMMENT ON COLUMN public.indicator_trends.significant IS 'the CI excludes 0 (5 % level; for `linear`, the slope''s CI)';
COMMENT ON COLUMN public.indicator_trends.direction IS '`worse` / `better` (by polarity), `up` / `down` (neutral polarity), `stable` (not significant)';
COMMENT ON COLUMN public.indicator_trends.flag IS '`ok` or `suppressed` (a wave used is suppressed: no number, so that a suppressed value cannot be recovered)';
COMMENT ON COLUMN public.indicator_trends.synthetic IS 'a wave used is synthetic';
COMMENT ON TABLE public.index_values IS 'The disinvestment pressure index (`indicators/pressure_index.yaml`: OECD/JRC Handbook method,
8 components, goalpost normalisation 0-100, equal weights, arithmetic mean, published when
components with >= 75 % of the weight are available).';
COMMENT ON COLUMN public.index_values.period IS 'the cell';
COMMENT ON COLUMN public.index_values.breakdown IS 'the cell';
COMMENT ON COLUMN public.index_values.breakdown_value IS 'the cell';
COMMENT ON COLUMN public.index_values.index IS '0 (no pressure) - 100 (maximum pressure); NULL below the coverage rule';
COMMENT ON COLUMN public.index_values.index_low IS '5th-95th percentiles of 1,000 Monte Carlo draws (Dirichlet weights, normalisation goalposts/min-max/z-score, component sampling error), fixed seed';
COMMENT ON COLUMN public.index_values.index_high IS '5th-95th percentiles of 1,000 Monte Carlo draws (Dirichlet weights, normalisation goalposts/min-max/z-score, component sampling error), fixed seed';
COMMENT ON COLUMN public.index_values.coverage IS 'share of the weight carried by available components';
COMMENT ON COLUMN public.index_values.n_components IS 'components available (not suppressed)';
COMMENT ON COLUMN public.index_values.flag IS '`ok`, `low_reliability` (a component is), `suppressed` (coverage rule)';
COMMENT ON COLUMN public.index_values.synthetic IS 'from synthetic data';
COMMENT ON TABLE public.index_components IS 'One row per index cell x component: `indicator_id`, `value` (published estimate), `normalised`
(0-100 pressure score), `weight` (rescaled over available components), `direction` (+1/-1),
`contribution` (= weight x normalised; they sum to `index`), `synthetic` (from synthetic data). `indicators.pressure_index.
compute_index(values, weights, normalisation)` recomputes the index for other weights.';
COMMENT ON TABLE public.recommendations IS 'R1-R8 (`indicators/recommendations.yaml`), each with a verdict computed both ways from its
evidence rules (one row per rule in `public.recommendation_evidence`). A rule says what would
support the recommendation (`supports_if`) or contradict it (`contradicts_if`) over a survey
indicator or a public series; survey rules on synthetic demo data are *illustrations*, published
but never counted.';
COMMENT ON COLUMN public.recommendations.recommendation_id IS '`R1` ... `R8`';
COMMENT ON COLUMN public.recommendations.title_fr IS 'short title';
COMMENT ON COLUMN public.recommendations.title_nl IS 'short title';
COMMENT ON COLUMN public.recommendations.title_en IS 'short title';
COMMENT ON COLUMN public.recommendations.text_fr IS 'the recommendation';
COMMENT ON COLUMN public.recommendations.text_nl IS 'the recommendation';
COMMENT ON COLUMN public.recommendations.text_en IS 'the recommendation';
COMMENT ON COLUMN public.recommendations.indicators IS 'linked indicator ids, space-separated (those of its rules)';
COMMENT ON COLUMN public.recommendations.evidence_status IS 'from the counted rules: `supported` (at least one supports it, none contradicts it), `mixed` (both), `not_supported` (at least one contradicts it, none supports it), `insufficient_evidence` (none holds either way, or no data)';
COMMENT ON COLUMN public.recommendations.evidence_fr IS 'the rules that hold, in words (what the threshold means, value, unit, period, geography, CI, n; never a bare threshold): counted evidence for, against, then illustrations';
COMMENT ON COLUMN public.recommendations.evidence_nl IS 'the rules that hold, in words (what the threshold means, value, unit, period, geography, CI, n; never a bare threshold): counted evidence for, against, then illustrations';
COMMENT ON COLUMN public.recommendations.evidence_en IS 'the rules that hold, in words (what the threshold means, value, unit, period, geography, CI, n; never a bare threshold): counted evidence for, against, then illustrations';
COMMENT ON COLUMN public.recommendations.evidence_period IS 'latest period among the rules'' values';
COMMENT ON COLUMN public.recommendations.synthetic IS 'a linked indicator has synthetic values';
COMMENT ON COLUMN public.recommendations.illustration_status IS 'the status the rules would give if the illustrations were counted (same four values); NULL when no illustration rule has data';
COMMENT ON COLUMN public.recommendations.rules_supporting IS 'counted rules by result';
COMMENT ON COLUMN public.recommendations.rules_contradicting IS 'counted rules by result';
COMMENT ON COLUMN public.recommendations.rules_inconclusive IS 'counted rules by result';
COMMENT ON COLUMN public.recommendations.rules_illustration IS 'rules not counted (survey rules on synthetic data)';
COMMENT ON TABLE public.recommendation_evidence IS 'One row per evidence rule of a recommendation: what it tests and what it found.';
COMMENT ON COLUMN public.recommendation_evidence.recommendation_id IS 'key into `public.recommendations`';
COMMENT ON COLUMN public.recommendation_evidence.rule_no IS 'order of the rule in `indicators/recommendations.yaml`';
COMMENT ON COLUMN public.recommendation_evidence.indicator_id IS 'key into `public.indicators`';
COMMENT ON COLUMN public.recommendation_evidence.rule IS '`above` / `below` (the 95 % CI lies entirely above / below `threshold`; a public series'' value does), `worsened` / `improved` (significant change since the previous wave in the direction of the indicator''s polarity; public series: change between its last two values)';
COMMENT ON COLUMN public.recommendation_evidence.direction IS '`supports` or `contradicts`: what the rule shows about the recommendation when it holds';
COMMENT ON COLUMN public.recommendation_evidence.threshold IS 'threshold of `above` / `below` rules (NULL for change rules)';
COMMENT ON COLUMN public.recommendation_evidence.meaning_fr IS 'what the rule means in words (`more than half`, `less than a quarter`, `a significant worsening since the previous wave`)';
COMMENT ON COLUMN public.recommendation_evidence.meaning_nl IS 'what the rule means in words (`more than half`, `less than a quarter`, `a significant worsening since the previous wave`)';
COMMENT ON COLUMN public.recommendation_evidence.meaning_en IS 'what the rule means in words (`more than half`, `less than a quarter`, `a significant worsening since the previous wave`)';
COMMENT ON COLUMN public.recommendation_evidence.period IS 'latest published period of the indicator (NULL without data)';
COMMENT ON COLUMN public.recommendation_evidence.previous_period IS 'change rules: the period compared with';
COMMENT ON COLUMN public.recommendation_evidence.value IS 'the latest published value';
COMMENT ON COLUMN public.recommendation_evidence.ci_low IS 'its 95 % CI (NULL for public series)';
COMMENT ON COLUMN public.recommendation_evidence.ci_high IS 'its 95 % CI (NULL for public series)';
COMMENT ON COLUMN public.recommendation_evidence.n IS 'responding associations (NULL for public series)';
COMMENT ON COLUMN public.recommendation_evidence.change IS 'change rules: the change since `previous_period`';
COMMENT ON COLUMN public.recommendation_evidence.scope_geo IS 'public series: geography of the value (`01000` Belgium...); NULL for the survey';
COMMENT ON COLUMN public.recommendation_evidence.sources IS 'source ids, space-separated: for a public series the snapshot of that period''s value (e.g. the barometer edition `kbs_barometer_associations_2020`), for the survey its catalogue source (`association_survey`)';
COMMENT ON COLUMN public.recommendation_evidence.result IS '`supports` / `contradicts` (the rule holds), `inconclusive` (it does not), `no_data` (no value, or no earlier value for a change rule)';
COMMENT ON COLUMN public.recommendation_evidence.illustration IS 'survey rule on synthetic data: shown, not counted in the status';
COMMENT ON COLUMN public.recommendation_evidence.synthetic IS 'the value comes from synthetic data';
COMMENT ON COLUMN public.recommendation_evidence.finding_fr IS 'the rule''s finding in words, whether it holds or not';
COMMENT ON COLUMN public.recommendation_evidence.finding_nl IS 'the rule''s finding in words, whether it holds or not';
COMMENT ON COLUMN public.recommendation_evidence.finding_en IS 'the rule''s finding in words, whether it holds or not';
