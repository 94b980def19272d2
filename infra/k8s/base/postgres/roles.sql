-- Least privilege for the hub's subgraphs on PostgreSQL. Run once per database as a superuser
-- (CloudNativePG: the Cluster's bootstrap postInitApplicationSQLRefs; elsewhere `psql -f`). Safe to
-- run again.
--
-- One LOGIN role per subgraph, hub_<subgraph>, owning exactly one schema, <subgraph> (the schema a
-- subgraph uses unless HUB_SCHEMA says otherwise). A role can create, migrate and seed inside its
-- own schema and reach nothing else: no grants on other schemas, no CREATE on public, no CREATE on
-- the database. The gateway never connects to the database and has no role.
--
-- Passwords are deliberately absent: they come from secrets (CloudNativePG managed roles with a
-- passwordSecret, or ALTER ROLE ... PASSWORD by the operator), never from this file.
--
-- Format, kept plain on purpose: no psql variables. Role names always read hub_<subgraph> and
-- schema names <subgraph>, with <subgraph> from schema/subgraphs.json, so tools (and the tests in
-- packages/topology) can make throw-away copies by rewriting those two patterns.

-- Since PostgreSQL 15 this is the default; older servers let every role create tables in public.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- geography
DO $$ BEGIN CREATE ROLE hub_geography LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS geography AUTHORIZATION hub_geography;
ALTER SCHEMA geography OWNER TO hub_geography;
REVOKE ALL ON SCHEMA geography FROM PUBLIC;
ALTER ROLE hub_geography SET search_path = geography;

-- organisations
DO $$ BEGIN CREATE ROLE hub_organisations LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS organisations AUTHORIZATION hub_organisations;
ALTER SCHEMA organisations OWNER TO hub_organisations;
REVOKE ALL ON SCHEMA organisations FROM PUBLIC;
ALTER ROLE hub_organisations SET search_path = organisations;

-- programmes
DO $$ BEGIN CREATE ROLE hub_programmes LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS programmes AUTHORIZATION hub_programmes;
ALTER SCHEMA programmes OWNER TO hub_programmes;
REVOKE ALL ON SCHEMA programmes FROM PUBLIC;
ALTER ROLE hub_programmes SET search_path = programmes;

-- finance
DO $$ BEGIN CREATE ROLE hub_finance LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS finance AUTHORIZATION hub_finance;
ALTER SCHEMA finance OWNER TO hub_finance;
REVOKE ALL ON SCHEMA finance FROM PUBLIC;
ALTER ROLE hub_finance SET search_path = finance;

-- workforce
DO $$ BEGIN CREATE ROLE hub_workforce LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SCHEMA IF NOT EXISTS workforce AUTHORIZATION hub_workforce;
ALTER SCHEMA workforce OWNER TO hub_workforce;
REVOKE ALL ON SCHEMA workforce FROM PUBLIC;
ALTER ROLE hub_workforce SET search_path = workforce;
