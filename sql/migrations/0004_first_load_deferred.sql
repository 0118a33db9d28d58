-- A first load into an empty target builds the foreign keys and non-unique indexes of the
-- tables `migrate` writes after the load, as a bulk loader does (docs/performance.md).
-- Each deferred object's definition waits here with the run that deferred it: a run killed
-- mid-load leaves what to rebuild, and the next writing command rebuilds it.
CREATE TABLE migration.deferred_ddl (
    name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('index', 'foreign_key')),
    create_ddl text NOT NULL,
    run_id bigint NOT NULL REFERENCES migration.runs (id),
    deferred_at timestamptz NOT NULL DEFAULT now()
);
