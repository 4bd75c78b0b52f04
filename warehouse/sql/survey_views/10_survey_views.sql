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
