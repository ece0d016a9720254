-- Batch files (extractor/batch.py): answers imported from OpenAI Batch / `vllm run-batch`
-- results, kept so a unit whose re-ask is still out can be replayed up to it by the next
-- --batch-out, and the lines of a results file that could not be used, with the reason.

-- One row per successful (HTTP 200) answer, keyed by the sha256 of its request body
-- (canonical JSON): a replayed request finds its answer whatever the order of the file.
CREATE TABLE batch_answers (
    body_sha     TEXT PRIMARY KEY,
    custom_id    TEXT NOT NULL,
    response     TEXT NOT NULL,     -- the chat completion body, JSON
    imported_at  TEXT NOT NULL
);

-- A results line that is not JSON, has no or an unknown custom_id, or (known custom_id) no
-- usable answer; the latter also fails its unit as a live error would.
CREATE TABLE batch_problems (
    id           INTEGER PRIMARY KEY,
    source       TEXT NOT NULL,     -- the results file as given
    line         INTEGER NOT NULL,
    custom_id    TEXT,
    reason       TEXT NOT NULL,
    imported_at  TEXT NOT NULL
);
-- the same problem of the same line is stored once: a second import adds nothing
CREATE UNIQUE INDEX batch_problems_once
    ON batch_problems(source, line, coalesce(custom_id, ''), reason);
