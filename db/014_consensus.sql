-- Consensus runs (extractor/consensus.py): a run of backend `consensus` combines several input
-- runs. Its values, extractions and evidence are ordinary rows; these tables say how much the
-- input runs agreed. Rows of any other run have no entry here.

-- One row per value of a consensus run (accepted: agreed by >= K runs; rejected: fewer).
CREATE TABLE consensus_values (
    value_id      INTEGER PRIMARY KEY REFERENCES field_values(id) ON DELETE CASCADE,
    agree         INTEGER NOT NULL,   -- input runs with a matching value
    runs_total    INTEGER NOT NULL,   -- input runs with a result for this paper x field
    score         REAL NOT NULL,      -- agree / runs_total
    runs          TEXT NOT NULL,      -- JSON list of the agreeing run ids
    source_values TEXT NOT NULL       -- JSON list of the input field_values ids merged
);

-- One row per field of a consensus unit. status: 'reported' (a value agreed by >= K runs),
-- 'unknown', or 'conflicting': at least two runs report values for the field and no value
-- is shared by any two of them (then, for K >= 2, extractions.status is 'unknown').
CREATE TABLE consensus_fields (
    extraction_id  INTEGER PRIMARY KEY REFERENCES extractions(id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('reported', 'unknown', 'conflicting')),
    min_agree      INTEGER NOT NULL,
    runs_reporting INTEGER NOT NULL,
    runs_total     INTEGER NOT NULL,
    max_agree      INTEGER NOT NULL
);
CREATE INDEX consensus_fields_status ON consensus_fields(status);
