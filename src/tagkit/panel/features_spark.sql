-- The features table (docs/features.md), in Spark SQL. GENERATED from features.sql by
-- `python -m tagkit.panel.sql` (sqlglot); do not edit: edit features.sql and generate it again.
--
-- Reads a table or view `orders` (customer_id STRING, order_date DATE, amount DOUBLE, discount DOUBLE,
-- product_line STRING; discount and product_line NULL where the data has none) and two named
-- parameters: :as_of (DATE, the last order date counted) and :quarter_end_days (BIGINT, 7 by default).
-- From PySpark: spark.sql(text, args={"as_of": datetime.date(2026, 9, 30), "quarter_end_days": 7}).
-- In a warehouse job, put the literals in their place: DATE '2026-09-30' and 7.
WITH lines AS (
  SELECT
    CAST(customer_id AS STRING) AS customer_id,
    order_date,
    CAST(YEAR(order_date) AS STRING) || 'Q' || CAST(QUARTER(order_date) AS STRING) AS quarter,
    CAST(BROUND(CAST(amount AS DOUBLE) * 100, 0) AS BIGINT) AS cents,
    CAST(BROUND(CAST(discount AS DOUBLE) * 10000, 0) AS BIGINT) AS discount_bp,
    amount > 0 AS purchase,
    CASE QUARTER(order_date) WHEN 1 THEN 90 WHEN 2 THEN 181 WHEN 3 THEN 273 ELSE 365 END + CASE
      WHEN YEAR(order_date) % 4 = 0
      AND (
        YEAR(order_date) % 100 <> 0 OR YEAR(order_date) % 400 = 0
      )
      THEN 1
      ELSE 0
    END - DAYOFYEAR(order_date) AS days_to_end,
    product_line
  FROM orders
  WHERE
    order_date <= :as_of
), flagged AS (
  SELECT
    *,
    days_to_end < :quarter_end_days AS at_end
  FROM lines
)
SELECT
  customer_id,
  quarter,
  CAST(SUM(cents) AS BIGINT) AS sales_cents,
  CAST(COUNT(DISTINCT order_date) AS BIGINT) AS order_days,
  MIN(order_date) AS first_order,
  MAX(order_date) AS last_order,
  MAX(CASE WHEN purchase THEN order_date END) AS last_purchase,
  ARRAY_SORT(ARRAY_DISTINCT(COLLECT_LIST(product_line))) AS product_lines,
  CAST(SUM(CASE WHEN purchase THEN cents ELSE 0 END) AS BIGINT) AS purchase_cents,
  CAST(SUM(CASE WHEN purchase AND at_end THEN cents ELSE 0 END) AS BIGINT) AS end_purchase_cents,
  CAST(SUM(CASE WHEN purchase AND at_end AND NOT discount_bp IS NULL THEN cents ELSE 0 END) AS BIGINT) AS end_discount_cents,
  CAST(SUM(
    CASE
      WHEN purchase AND at_end AND NOT discount_bp IS NULL
      THEN cents * discount_bp
      ELSE 0
    END
  ) AS BIGINT) AS end_discount_weighted,
  CAST(COUNT(DISTINCT CASE WHEN purchase AND NOT at_end THEN order_date END) AS BIGINT) AS other_purchase_days,
  CAST(:quarter_end_days AS BIGINT) AS quarter_end_days
FROM flagged
GROUP BY
  customer_id,
  quarter
ORDER BY
  customer_id NULLS LAST,
  quarter NULLS LAST
