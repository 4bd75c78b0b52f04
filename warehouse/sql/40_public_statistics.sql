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

-- What the public objects and their columns mean: the data package's descriptions and
-- docs/public-views.md are generated from these comments (python -m warehouse.docs).
COMMENT ON VIEW public.sources IS 'One row per source snapshot shipped with (or refreshed into) the product.';
COMMENT ON COLUMN public.sources.source_id IS 'stable id, e.g. `eurostat_ilc_scp19`, `statbel_population`, `kbs_barometer`';
COMMENT ON COLUMN public.sources.title IS 'title of the dataset or publication';
COMMENT ON COLUMN public.sources.producer IS 'producing organisation (Eurostat, Statbel, King Baudouin Foundation, ...)';
COMMENT ON COLUMN public.sources.url IS 'where the data was obtained (API endpoint, page address)';
COMMENT ON COLUMN public.sources.licence IS 'licence or reuse terms, with the required attribution';
COMMENT ON COLUMN public.sources.retrieved_on IS 'date the snapshot was retrieved';
COMMENT ON COLUMN public.sources.sha256 IS 'SHA-256 of the snapshot file(s) the rows come from (`;`-joined when several)';
COMMENT ON COLUMN public.sources.citation IS 'suggested citation';
COMMENT ON COLUMN public.sources.title_fr IS 'the title in French, Dutch and English (the original title where the publication has one in that language)';
COMMENT ON COLUMN public.sources.title_nl IS 'the title in French, Dutch and English (the original title where the publication has one in that language)';
COMMENT ON COLUMN public.sources.title_en IS 'the title in French, Dutch and English (the original title where the publication has one in that language)';
COMMENT ON COLUMN public.sources.producer_fr IS 'the producer''s name in each language (Fondation Roi Baudouin / Koning Boudewijnstichting / King Baudouin Foundation)';
COMMENT ON COLUMN public.sources.producer_nl IS 'the producer''s name in each language (Fondation Roi Baudouin / Koning Boudewijnstichting / King Baudouin Foundation)';
COMMENT ON COLUMN public.sources.producer_en IS 'the producer''s name in each language (Fondation Roi Baudouin / Koning Boudewijnstichting / King Baudouin Foundation)';
COMMENT ON COLUMN public.sources.citation_fr IS 'the citation in each language: authors, year, title, pages or section; a report is cited as a report, never as an unopenable link';
COMMENT ON COLUMN public.sources.citation_nl IS 'the citation in each language: authors, year, title, pages or section; a report is cited as a report, never as an unopenable link';
COMMENT ON COLUMN public.sources.citation_en IS 'the citation in each language: authors, year, title, pages or section; a report is cited as a report, never as an unopenable link';
COMMENT ON VIEW public.series IS 'One row per statistical series (a set of comparable values), to chart and label them.';
COMMENT ON COLUMN public.series.series IS 'series id (key of `public.statistics.series`)';
COMMENT ON COLUMN public.series.source_id IS 'its source';
COMMENT ON COLUMN public.series.dataset IS 'dataset code (`ilc_scp19`, `demo_pjan`, `reference_figures`, ...)';
COMMENT ON COLUMN public.series.title_fr IS 'title in each language';
COMMENT ON COLUMN public.series.title_nl IS 'title in each language';
COMMENT ON COLUMN public.series.title_en IS 'title in each language';
COMMENT ON COLUMN public.series.unit IS 'unit code (`percent`, `persons`, `eur_million`, `thousand_jobs`, `units`, `hours`, `text`; public spending: `eur_million_2015` million EUR at 2015 prices, `eur_per_inhabitant`, `percent_gdp`, `per_mille_gdp`, `percent_total_expenditure`, `percent_change`, `index_2015`)';
COMMENT ON COLUMN public.series.comparability_note_fr IS 'caveats on comparing values of the series (NULL if none): release, non-consolidated subsectors, breaks, how real terms / per inhabitant were derived';
COMMENT ON COLUMN public.series.comparability_note_nl IS 'caveats on comparing values of the series (NULL if none): release, non-consolidated subsectors, breaks, how real terms / per inhabitant were derived';
COMMENT ON COLUMN public.series.comparability_note_en IS 'caveats on comparing values of the series (NULL if none): release, non-consolidated subsectors, breaks, how real terms / per inhabitant were derived';
COMMENT ON COLUMN public.series.release IS 'the one release (vintage) every value of the series comes from, e.g. `estat202608` (Eurostat gov_10a_exp extracted on 22 August 2026), `estat202501`, `estat202301`, `oecd201507`, `nbb201907`, `wb2025`; a series never mixes releases (NULL for series without a release code)';
COMMENT ON COLUMN public.series.release_fr IS 'that release described in each language';
COMMENT ON COLUMN public.series.release_nl IS 'that release described in each language';
COMMENT ON COLUMN public.series.release_en IS 'that release described in each language';
COMMENT ON COLUMN public.series.base_year IS 'price base year of real-terms series (`eur_million_2015`) and price indices (`index_2015`): 2015; NULL otherwise';
COMMENT ON COLUMN public.series.breaks IS 'periods where a break in series starts (space-separated, e.g. `2015` for the COCOM/GGC accounts: sixth state reform); the statistic of that period has flag `b`, and charts leave a gap before it; NULL if none';
COMMENT ON COLUMN public.series.unit_label_fr IS 'the unit in words (e.g. `millions d''euros aux prix de 2015`); NULL for the older series';
COMMENT ON COLUMN public.series.unit_label_nl IS 'the unit in words (e.g. `millions d''euros aux prix de 2015`); NULL for the older series';
COMMENT ON COLUMN public.series.unit_label_en IS 'the unit in words (e.g. `millions d''euros aux prix de 2015`); NULL for the older series';
COMMENT ON COLUMN public.series.derived_from IS 'the series the values were computed from (space-separated: the nominal series and `wb_cpi_index_2015` or the population series); NULL for values as published';
COMMENT ON VIEW public.statistics IS 'Every public statistic, one row per value.';
COMMENT ON COLUMN public.statistics.source_id IS 'key into `public.sources`';
COMMENT ON COLUMN public.statistics.dataset IS 'dataset code as published (`ilc_scp19`, `demo_pjan`, `statbel_population`, `reference_figures`, `gov_10a_exp`, `SNA_TABLE11`, `NFGOVCOFOG`, `NFGOV`, `WDI`)';
COMMENT ON COLUMN public.statistics.series IS 'key into `public.series`';
COMMENT ON COLUMN public.statistics.geo_code IS 'ISO 3166 alpha-2 as Eurostat uses it for countries (`BE`, `FR`, `EL`, `UK`), NIS code for Belgium, its regions and municipalities (`01000` Belgium, `04000` Brussels-Capital, `21004` Brussels city); `SCT` Scotland (ONS-like code not needed)';
COMMENT ON COLUMN public.statistics.geo_label IS 'English label of the geography';
COMMENT ON COLUMN public.statistics.period IS 'see conventions';
COMMENT ON COLUMN public.statistics.sex IS '`T` total, `M`, `F` (Eurostat codes)';
COMMENT ON COLUMN public.statistics.age IS 'Eurostat age code (`Y_GE16`, `TOTAL`) or `TOTAL`';
COMMENT ON COLUMN public.statistics.value IS 'the value (NULL when not available: see flag/note)';
COMMENT ON COLUMN public.statistics.unit IS 'unit code (see `public.series`)';
COMMENT ON COLUMN public.statistics.flag IS 'status flag as published (Eurostat `u` low reliability, `p` provisional, `b` break, ...), `~` approximate, `b` also on the first period after a break recorded in `public.series.breaks`, NULL otherwise';
COMMENT ON COLUMN public.statistics.note IS 'free note: range bounds, original wording, comparability';
COMMENT ON VIEW public.categories IS 'Labels of category codes (breakdown values, answer codes), so that no interface shows raw codes.';
COMMENT ON COLUMN public.categories.variable IS 'question code of the codebook (`subsector`, `region`, `volunteer_model`, ...) or `size_class`';
COMMENT ON COLUMN public.categories.code IS 'the category code';
COMMENT ON COLUMN public.categories.position IS 'order in the questionnaire';
COMMENT ON COLUMN public.categories.label_fr IS 'label in each language';
COMMENT ON COLUMN public.categories.label_nl IS 'label in each language';
COMMENT ON COLUMN public.categories.label_en IS 'label in each language';
COMMENT ON VIEW public.geography IS 'Conformed geography: `geo_code`, `level` (country, region, province, arrondissement, municipality;
`union` for `EU27_2020`, the European Union of 27 countries from 2020),
`label_en/fr/nl`, `iso2` (ISO 3166-1; Eurostat''s `EL`/`UK` map to `GR`/`GB`), `nuts`, `nis`, `parent`.';
