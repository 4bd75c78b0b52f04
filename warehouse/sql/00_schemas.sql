-- Layers of the warehouse. raw: as extracted (with load id); core: cleaned and conformed;
-- meta: sources, snapshots, runs, quarantine, lineage; restricted: pseudonymised survey
-- microdata (no names, no free text); public: the documented views researchers query.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE SCHEMA IF NOT EXISTS restricted;
CREATE SCHEMA IF NOT EXISTS public;
