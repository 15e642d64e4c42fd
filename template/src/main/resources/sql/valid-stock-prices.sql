-- The valid records, normalised: the ticker trimmed and upper-cased, the price rounded to cents.
SELECT
    event_time,
    UPPER(TRIM(ticker)) AS ticker,
    ROUND(price, 2) AS price
FROM parsed_stock_prices
WHERE `error` IS NULL
