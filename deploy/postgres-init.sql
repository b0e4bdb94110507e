-- Run once by the postgres image on an empty data volume (compose.yaml mounts it into /docker-entrypoint-initdb.d):
-- the network simulator keeps its state in a database of its own, apart from Tessera's.
CREATE DATABASE network OWNER tessera;
