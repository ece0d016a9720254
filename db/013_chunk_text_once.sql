-- Chunk text stored once (issue 16). A chunk is the span documents.text[start:end]
-- (extractor/ingest/chunk.py writes exactly that), yet its text was stored a second time in
-- chunks.text: ~9.5 of ~62 kB per paper at 10k papers. chunks_fts already keeps no copy
-- (content='chunks'), so chunks becomes a view that cuts each chunk out of its document, over
-- the table chunk_rows holding the spans; the FTS index reads its content through the view, and
-- retrieval, audit and ingestion keep reading and writing `chunks` as before.
-- A stored chunk text that is NOT its span (none is written so) is kept in chunk_rows.own_text.
-- Columns added to chunks later must be added to the view and its triggers too.
DROP TRIGGER chunks_ai;
DROP TRIGGER chunks_ad;
ALTER TABLE chunks RENAME TO chunk_rows;
ALTER TABLE chunk_rows ADD COLUMN own_text TEXT;
UPDATE chunk_rows SET own_text = text
WHERE text IS NOT (SELECT substr(d.text, chunk_rows.start + 1, chunk_rows."end" - chunk_rows.start)
                   FROM documents d WHERE d.id = chunk_rows.doc_id);
ALTER TABLE chunk_rows DROP COLUMN text;

CREATE VIEW chunks AS
SELECT r.id, r.doc_id, r.ord, r.page, r.start, r."end",
       coalesce(r.own_text, substr(d.text, r.start + 1, r."end" - r.start)) AS text,
       r.is_reference, r.is_boilerplate, r.section
FROM chunk_rows r JOIN documents d ON d.id = r.doc_id;

-- Writes through the view. The FTS index gets the text as given, as the triggers of 001 did.
CREATE TRIGGER chunks_insert INSTEAD OF INSERT ON chunks BEGIN
    INSERT INTO chunk_rows (id, doc_id, ord, page, start, "end", is_reference, is_boilerplate,
                            section, own_text)
    VALUES (new.id, new.doc_id, new.ord, new.page, new.start, new."end",
            coalesce(new.is_reference, 0), coalesce(new.is_boilerplate, 0), new.section,
            CASE WHEN new.text IS (SELECT substr(text, new.start + 1, new."end" - new.start)
                                   FROM documents WHERE id = new.doc_id)
                 THEN NULL ELSE new.text END);
    INSERT INTO chunks_fts (rowid, text) VALUES (last_insert_rowid(), new.text);
END;

CREATE TRIGGER chunks_delete INSTEAD OF DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    DELETE FROM chunk_rows WHERE id = old.id;
END;

CREATE TRIGGER chunks_update INSTEAD OF UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
    UPDATE chunk_rows SET id = new.id, doc_id = new.doc_id, ord = new.ord, page = new.page,
        start = new.start, "end" = new."end", is_reference = new.is_reference,
        is_boilerplate = new.is_boilerplate, section = new.section,
        own_text = CASE WHEN new.text IS (SELECT substr(text, new.start + 1,
                                                        new."end" - new.start)
                                          FROM documents WHERE id = new.doc_id)
                        THEN NULL ELSE new.text END
    WHERE id = old.id;
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;

-- A document deleted (re-ingestion): its chunks leave the index while their text still exists;
-- the foreign-key cascade would come after the text is gone.
CREATE TRIGGER documents_chunks_delete BEFORE DELETE ON documents BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text)
    SELECT 'delete', id, text FROM chunks WHERE doc_id = old.id;
    DELETE FROM chunk_rows WHERE doc_id = old.id;
END;
