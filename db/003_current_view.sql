-- The current result for each document x field: the extraction from the latest successful
-- document x group result (a newer run with another backend supersedes an older one).
CREATE VIEW current_extractions AS
SELECT e.*
FROM extractions e
WHERE e.id = (
    SELECT e2.id FROM extractions e2
    JOIN group_results g2 ON g2.id = e2.group_result_id
    WHERE e2.doc_id = e.doc_id AND e2.field = e.field AND g2.status = 'done'
    ORDER BY g2.id DESC LIMIT 1
);
