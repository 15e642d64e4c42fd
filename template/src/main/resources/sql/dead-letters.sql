-- The records that break a rule, as they were received, with the reason.
SELECT
    `raw`,
    `error`
FROM parsed_stock_prices
WHERE `error` IS NOT NULL
