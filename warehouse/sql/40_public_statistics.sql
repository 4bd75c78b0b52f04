CREATE OR REPLACE VIEW public.sources AS
SELECT source_id, title, producer, url, licence, retrieved_on, sha256, citation,
       title_fr, title_nl, title_en, producer_fr, producer_nl, producer_en,
       citation_fr, citation_nl, citation_en
FROM meta.sources;

CREATE OR REPLACE VIEW public.series AS
SELECT series, source_id, dataset, title_fr, title_nl, title_en, unit,
       comparability_note_fr, comparability_note_nl, comparability_note_en,
       release, release_fr, release_nl, release_en, base_year, breaks,
       unit_label_fr, unit_label_nl, unit_label_en, derived_from
FROM core.series;

CREATE OR REPLACE VIEW public.statistics AS
SELECT s.source_id, s.dataset, s.series, s.geo_code, g.label_en AS geo_label, s.period,
       s.sex, s.age, s.value, s.unit, s.flag, s.note
FROM core.statistic s
LEFT JOIN core.geography g USING (geo_code);

CREATE OR REPLACE VIEW public.geography AS
SELECT geo_code, level, label_en, label_fr, label_nl, iso2, nuts, nis, parent
FROM core.geography;

CREATE OR REPLACE VIEW public.categories AS
SELECT variable, code, position, label_fr, label_nl, label_en FROM core.category;
