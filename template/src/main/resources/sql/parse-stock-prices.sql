-- Reads the fields of each raw record and names the first rule it breaks (error), or none (NULL).
-- The rules: a JSON object; a ticker of 1 to 10 letters, digits or dots starting with a letter; a
-- positive price; an event_time that is an ISO-8601 instant such as 2026-01-01T12:00:00Z.
SELECT
    `raw`,
    event_time,
    ticker,
    price,
    CASE
        WHEN `raw` IS NULL OR CHAR_LENGTH(TRIM(`raw`)) = 0
            THEN 'empty record'
        WHEN NOT (`raw` IS JSON OBJECT)
            THEN 'not a stock price JSON object'
        WHEN ticker IS NULL OR NOT REGEXP(TRIM(ticker), '^[A-Za-z][A-Za-z0-9.]{0,9}$')
            THEN 'ticker must be 1 to 10 letters, digits or dots starting with a letter'
        WHEN price IS NULL OR price <= 0
            THEN 'price must be a positive number'
        WHEN event_time IS NULL
            THEN 'event_time is missing'
        WHEN NOT REGEXP(event_time, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?Z$')
            THEN 'event_time must be an ISO-8601 instant such as 2026-01-01T12:00:00Z'
    END AS `error`
FROM (
    SELECT
        `raw`,
        JSON_VALUE(`raw`, '$.event_time') AS event_time,
        JSON_VALUE(`raw`, '$.ticker') AS ticker,
        -- JSON_VALUE(... RETURNING DOUBLE) fails on whole numbers such as 410; TRY_CAST does not.
        TRY_CAST(JSON_VALUE(`raw`, '$.price') AS DOUBLE) AS price
    FROM raw_records
)
