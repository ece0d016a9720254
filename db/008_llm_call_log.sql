-- The call log: what each LLM request asked and what the model answered, so anyone can see
-- why a value came out (`methex audit DOC --calls`). Rows written before this migration keep
-- NULLs. No credential is ever stored here: API keys live only inside the HTTP client.
ALTER TABLE llm_calls ADD COLUMN field TEXT;       -- the field asked about (NULL: whole group)
ALTER TABLE llm_calls ADD COLUMN messages TEXT;    -- the request's chat messages, JSON
ALTER TABLE llm_calls ADD COLUMN output TEXT;      -- the model's raw output text
CREATE INDEX IF NOT EXISTS llm_calls_doc ON llm_calls(doc_id, field);
