-- The features table (docs/features.md): one row per customer and quarter, from the order lines.
-- The one definition every engine runs. Kept in DuckDB's dialect; features_spark.sql is generated
-- from it with sqlglot (tagkit.panel.sql; a golden-file test keeps it current). Never edit that one.
--
-- Reads a table or view named `orders` with the columns
--   customer_id VARCHAR, order_date DATE, amount DOUBLE, discount DOUBLE, product_line VARCHAR
-- (discount and product_line NULL where the data has no such column), and two named parameters:
--   $as_of             DATE    the last order date counted (the last day of the latest quarter to score)
--   $quarter_end_days  BIGINT  "the quarter's last days" of the prescription's speculator (7 by default)
--
-- Written to give the same numbers on every engine:
-- - money in integer cents, each line rounded half to even first (polars' round, DuckDB's ROUND_EVEN,
--   Spark's BROUND): an integer sum does not depend on the order or the partitions the rows come in;
-- - the days to the quarter's last day from the day of the year, not from date arithmetic (adding
--   intervals and differencing dates is spelled differently on each engine);
-- - product lines as a sorted list of distinct names, empty when the quarter has none;
-- - every count and sum cast to BIGINT (DuckDB sums BIGINTs into HUGEINT).
WITH lines AS (
    SELECT
        CAST(customer_id AS VARCHAR) AS customer_id,
        order_date,
        CAST(YEAR(order_date) AS VARCHAR) || 'Q' || CAST(QUARTER(order_date) AS VARCHAR) AS quarter,
        CAST(ROUND_EVEN(CAST(amount AS DOUBLE) * 100, 0) AS BIGINT) AS cents,
        CAST(ROUND_EVEN(CAST(discount AS DOUBLE) * 10000, 0) AS BIGINT) AS discount_bp,
        amount > 0 AS purchase,
        -- the quarter's last day as a day of the year (Mar 31 = 90, Jun 30 = 181, Sep 30 = 273,
        -- Dec 31 = 365, one more in a leap year) less the line's: 0 on the quarter's last day
        CASE QUARTER(order_date) WHEN 1 THEN 90 WHEN 2 THEN 181 WHEN 3 THEN 273 ELSE 365 END
            + CASE WHEN YEAR(order_date) % 4 = 0 AND (YEAR(order_date) % 100 <> 0 OR YEAR(order_date) % 400 = 0)
                   THEN 1 ELSE 0 END
            - DAYOFYEAR(order_date) AS days_to_end,
        product_line
    FROM orders
    WHERE order_date <= $as_of
), flagged AS (
    SELECT *, days_to_end < $quarter_end_days AS at_end FROM lines
)
SELECT
    customer_id,
    quarter,
    CAST(SUM(cents) AS BIGINT) AS sales_cents,
    CAST(COUNT(DISTINCT order_date) AS BIGINT) AS order_days,
    MIN(order_date) AS first_order,
    MAX(order_date) AS last_order,
    MAX(CASE WHEN purchase THEN order_date END) AS last_purchase,
    -- the aggregate skips NULL lines (Spark's COLLECT_LIST) or the distinct drops them (DuckDB's LIST_DISTINCT)
    ARRAY_SORT(ARRAY_DISTINCT(ARRAY_AGG(product_line))) AS product_lines,
    -- the prescription's quarter-end speculator
    CAST(SUM(CASE WHEN purchase THEN cents ELSE 0 END) AS BIGINT) AS purchase_cents,
    CAST(SUM(CASE WHEN purchase AND at_end THEN cents ELSE 0 END) AS BIGINT) AS end_purchase_cents,
    CAST(SUM(CASE WHEN purchase AND at_end AND discount_bp IS NOT NULL THEN cents ELSE 0 END) AS BIGINT)
        AS end_discount_cents,
    CAST(SUM(CASE WHEN purchase AND at_end AND discount_bp IS NOT NULL THEN cents * discount_bp ELSE 0 END) AS BIGINT)
        AS end_discount_weighted,
    CAST(COUNT(DISTINCT CASE WHEN purchase AND NOT at_end THEN order_date END) AS BIGINT) AS other_purchase_days,
    CAST($quarter_end_days AS BIGINT) AS quarter_end_days
FROM flagged
GROUP BY customer_id, quarter
ORDER BY customer_id, quarter
