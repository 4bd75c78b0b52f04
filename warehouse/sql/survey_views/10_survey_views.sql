-- What the estimates use: the current, consenting response of each association and wave.
CREATE VIEW restricted.survey_current AS
SELECT * FROM restricted.survey_responses WHERE status = 'current' AND consent;

CREATE VIEW public.survey_responses_summary AS
WITH responses AS (
    SELECT wave, subsector, count(*) AS n_responses, bool_or(synthetic) AS synthetic
    FROM restricted.survey_current GROUP BY ALL
), quarantined AS (
    SELECT q.wave, q.subsector, count(*) AS n_quarantined, bool_or(l.synthetic) AS synthetic
    FROM meta.quarantined_rows q
    JOIN (SELECT DISTINCT load_id, file, synthetic FROM meta.survey_loads) l
      ON l.load_id = q.load_id AND l.file = q.source_file
    GROUP BY ALL
)
SELECT wave, subsector, coalesce(r.n_responses, 0) AS n_responses,
       coalesce(q.n_quarantined, 0) AS n_quarantined,
       coalesce(r.synthetic, q.synthetic) AS synthetic
FROM responses r FULL OUTER JOIN quarantined q USING (wave, subsector)
ORDER BY wave, subsector;

-- The sampling frame the survey weights rest on, each cell with the frame's provenance.
CREATE VIEW public.sampling_frame AS
SELECT f.subsector, f.size_class, f.region, f.n_associations, f.n_employers,
       s.status, s.kind, s.source_fr, s.source_nl, s.source_en, s.source_date,
       s.definition_fr, s.definition_nl, s.definition_en, s.sha256, s.loaded_at
FROM core.survey_frame f CROSS JOIN core.survey_frame_source s
ORDER BY f.subsector, f.size_class NULLS FIRST, f.region;

-- Questionnaire versions and the waves loaded with each (a wave may mix versions).
CREATE VIEW public.questionnaire_versions AS
SELECT q.*, (SELECT string_agg(DISTINCT r.wave::VARCHAR, ' ' ORDER BY r.wave::VARCHAR)
             FROM restricted.survey_current r WHERE r.questionnaire_version = q.version) AS waves
FROM core.questionnaire_versions q
ORDER BY q.version;
