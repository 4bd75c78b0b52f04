-- What the estimates use: the current, consenting response of each association and wave.
CREATE OR REPLACE VIEW restricted.survey_current AS
SELECT * FROM restricted.survey_responses WHERE status = 'current' AND consent;

CREATE OR REPLACE VIEW public.survey_responses_summary AS
WITH responses AS (
    SELECT wave, subsector, count(*) AS n_responses FROM restricted.survey_current GROUP BY ALL
), quarantined AS (
    SELECT wave, subsector, count(*) AS n_quarantined FROM meta.quarantined_rows GROUP BY ALL
), waves AS (  -- a wave with one synthetic file is synthetic as a whole, as its estimates are
    SELECT wave, bool_or(synthetic) AS synthetic FROM meta.survey_loads GROUP BY wave
)
SELECT wave, subsector, coalesce(r.n_responses, 0) AS n_responses,
       coalesce(q.n_quarantined, 0) AS n_quarantined, w.synthetic
FROM responses r FULL OUTER JOIN quarantined q USING (wave, subsector) JOIN waves w USING (wave)
ORDER BY wave, subsector;

-- The sampling frame the survey weights rest on, each cell with the frame's provenance.
CREATE OR REPLACE VIEW public.sampling_frame AS
SELECT f.subsector, f.size_class, f.region, f.n_associations, f.n_employers,
       s.status, s.kind, s.source_fr, s.source_nl, s.source_en, s.source_date,
       s.definition_fr, s.definition_nl, s.definition_en, s.sha256, s.loaded_at
FROM core.survey_frame f CROSS JOIN core.survey_frame_source s
ORDER BY f.subsector, f.size_class NULLS FIRST, f.region;

-- Questionnaire versions and the waves loaded with each (a wave may mix versions).
CREATE OR REPLACE VIEW public.questionnaire_versions AS
SELECT q.*, (SELECT string_agg(DISTINCT r.wave::VARCHAR, ' ' ORDER BY r.wave::VARCHAR)
             FROM restricted.survey_current r WHERE r.questionnaire_version = q.version) AS waves
FROM core.questionnaire_versions q
ORDER BY q.version;

-- What the public objects and their columns mean: the data package's descriptions and
-- docs/public-views.md are generated from these comments (python -m warehouse.docs).
COMMENT ON VIEW public.survey_responses_summary IS 'Responses to the association survey by wave and subsector (current responses only).';
COMMENT ON COLUMN public.survey_responses_summary.wave IS 'survey wave (year)';
COMMENT ON COLUMN public.survey_responses_summary.subsector IS 'subsector code (codebook list `subsector`)';
COMMENT ON COLUMN public.survey_responses_summary.n_responses IS 'current, consenting responses loaded';
COMMENT ON COLUMN public.survey_responses_summary.n_quarantined IS 'rows of that wave (and subsector, when readable) sent to quarantine';
COMMENT ON COLUMN public.survey_responses_summary.synthetic IS 'TRUE when the wave holds synthetic data (the demo, or a file tagged or ingested as synthetic)';
COMMENT ON VIEW public.sampling_frame IS 'The sampling frame the survey weights of this build rest on: one row per cell, each with the
frame''s provenance. Loaded with `sector-monitor survey frame` (a CSV of counts with its source,
or a KBO/BCE open-data extract counted by `etl/survey/kbo.py` with the editable mapping
`etl/survey/kbo_frame.yaml`); without one, the shipped illustrative demo frame.';
COMMENT ON COLUMN public.sampling_frame.subsector IS 'subsector code (codebook list `subsector`)';
COMMENT ON COLUMN public.sampling_frame.size_class IS '`lt5`, `5to19`, `20to49`, `50plus` (paid staff FTE); NULL for a subsector margin (a register frame: KBO holds no headcounts, so responses are post-stratified on subsector only)';
COMMENT ON COLUMN public.sampling_frame.region IS 'region code, NULL when not given';
COMMENT ON COLUMN public.sampling_frame.n_associations IS 'associations in the cell';
COMMENT ON COLUMN public.sampling_frame.n_employers IS 'of which employ paid staff (KBO: an activity of group 006, declared to ONSS/RSZ); NULL when unknown';
COMMENT ON COLUMN public.sampling_frame.status IS '`illustrative` (invented cells: every weighted survey figure is illustrative) or `register` (counted from a register or a published count with its source)';
COMMENT ON COLUMN public.sampling_frame.kind IS '`demo`, `counts` (a CSV of counts) or `kbo` (an enterprise-register extract)';
COMMENT ON COLUMN public.sampling_frame.source_fr IS 'where the counts come from, in each language (for KBO: extract number, full/update, snapshot date)';
COMMENT ON COLUMN public.sampling_frame.source_nl IS 'where the counts come from, in each language (for KBO: extract number, full/update, snapshot date)';
COMMENT ON COLUMN public.sampling_frame.source_en IS 'where the counts come from, in each language (for KBO: extract number, full/update, snapshot date)';
COMMENT ON COLUMN public.sampling_frame.source_date IS 'date of the data (KBO: the extract''s snapshot date); NULL when not given';
COMMENT ON COLUMN public.sampling_frame.definition_fr IS 'who is counted, in each language';
COMMENT ON COLUMN public.sampling_frame.definition_nl IS 'who is counted, in each language';
COMMENT ON COLUMN public.sampling_frame.definition_en IS 'who is counted, in each language';
COMMENT ON COLUMN public.sampling_frame.sha256 IS 'checksum of the input (counts CSV, or the extract''s tables); NULL for the demo frame';
COMMENT ON COLUMN public.sampling_frame.loaded_at IS 'when the frame was loaded (UTC); NULL for the demo frame';
COMMENT ON VIEW public.questionnaire_versions IS 'The versions of the questionnaire (`docs/questionnaire-versions.md`, forms in
`etl/survey/instrument/` and `instrument/v2/`): one row per version.';
COMMENT ON COLUMN public.questionnaire_versions.version IS '`v1`, `v2`';
COMMENT ON COLUMN public.questionnaire_versions.previous_version IS 'the version it is compared with (NULL for v1)';
COMMENT ON COLUMN public.questionnaire_versions.released IS 'year it was first used';
COMMENT ON COLUMN public.questionnaire_versions.form_version IS 'the XLSForm''s `version` setting';
COMMENT ON COLUMN public.questionnaire_versions.n_questions IS 'questions asked';
COMMENT ON COLUMN public.questionnaire_versions.added IS 'question codes added / dropped against the previous version (space-separated; NULL if none)';
COMMENT ON COLUMN public.questionnaire_versions.removed IS 'question codes added / dropped against the previous version (space-separated; NULL if none)';
COMMENT ON COLUMN public.questionnaire_versions.changed IS 'questions asked differently (type, choices, range, required flag, relevance): waves of the two versions are not compared for the indicators using them';
COMMENT ON COLUMN public.questionnaire_versions.changelog_fr IS 'what changed, in words';
COMMENT ON COLUMN public.questionnaire_versions.changelog_nl IS 'what changed, in words';
COMMENT ON COLUMN public.questionnaire_versions.changelog_en IS 'what changed, in words';
COMMENT ON COLUMN public.questionnaire_versions.waves IS 'waves of this warehouse answered (at least partly) with this version';
