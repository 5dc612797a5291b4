-- The embedded demo warehouse: users, products, which user owns which product, and orders.
-- Timestamps are UTC text, as most SQLite schemas keep them.
CREATE TABLE users (
  id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, last_name TEXT, title TEXT, phone TEXT,
  city TEXT, country TEXT, company TEXT, company_domain TEXT, lead_score INTEGER, updated_at TIMESTAMP);
CREATE TABLE products (id TEXT PRIMARY KEY, name TEXT, sku TEXT, category TEXT, price NUMERIC, updated_at TIMESTAMP);
CREATE TABLE user_products (
  user_id INTEGER, product_id TEXT, role TEXT, quantity INTEGER, purchased_at TIMESTAMP, updated_at TIMESTAMP);
CREATE TABLE orders (
  id TEXT PRIMARY KEY, user_id INTEGER, total_amount NUMERIC, product_name TEXT, currency TEXT, created_at TIMESTAMP);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO users
SELECT i,
       slug || i || '@' || domain,
       first, last,
       CASE i % 5 WHEN 0 THEN 'Head of Growth' WHEN 1 THEN 'Data Engineer' WHEN 2 THEN 'Marketing Manager'
                  WHEN 3 THEN 'CTO' ELSE 'Analyst' END,
       '+1-555-' || printf('%04d', i),
       CASE i % 6 WHEN 0 THEN 'Lisbon' WHEN 1 THEN 'Austin' WHEN 2 THEN 'Berlin' WHEN 3 THEN 'Osaka'
                  WHEN 4 THEN 'Toronto' ELSE 'Nairobi' END,
       CASE i % 6 WHEN 0 THEN 'PT' WHEN 1 THEN 'US' WHEN 2 THEN 'DE' WHEN 3 THEN 'JP' WHEN 4 THEN 'CA' ELSE 'KE' END,
       company, domain,
       (i * 37) % 100,
       datetime('2026-01-01', '+' || i || ' hours')
FROM (SELECT i,
             CASE i % 8 WHEN 0 THEN 'Ana' WHEN 1 THEN 'Ben' WHEN 2 THEN 'Chloé' WHEN 3 THEN 'Dev'
                        WHEN 4 THEN 'Eun-ji' WHEN 5 THEN 'Femi' WHEN 6 THEN 'Grace' ELSE 'Hiro' END AS first,
             CASE i % 7 WHEN 0 THEN 'Silva' WHEN 1 THEN 'Okafor' WHEN 2 THEN 'Müller' WHEN 3 THEN 'Tanaka'
                        WHEN 4 THEN 'Nguyen' WHEN 5 THEN 'Smith' ELSE 'García' END AS last,
             lower(replace(replace(replace(CASE i % 8 WHEN 0 THEN 'Ana' WHEN 1 THEN 'Ben' WHEN 2 THEN 'Chloe' WHEN 3 THEN 'Dev'
                        WHEN 4 THEN 'Eun-ji' WHEN 5 THEN 'Femi' WHEN 6 THEN 'Grace' ELSE 'Hiro' END
                   || '.' || CASE i % 7 WHEN 0 THEN 'Silva' WHEN 1 THEN 'Okafor' WHEN 2 THEN 'Mueller' WHEN 3 THEN 'Tanaka'
                        WHEN 4 THEN 'Nguyen' WHEN 5 THEN 'Smith' ELSE 'Garcia' END, ' ', ''), 'é', 'e'), 'ü', 'ue')) AS slug,
             CASE i % 4 WHEN 0 THEN 'Acme' WHEN 1 THEN 'Globex' WHEN 2 THEN 'Initech' ELSE 'Umbrella' END AS company,
             CASE i % 4 WHEN 0 THEN 'acme.test' WHEN 1 THEN 'globex.test' WHEN 2 THEN 'initech.test' ELSE 'umbrella.test' END AS domain
      FROM n);

INSERT INTO products VALUES
  ('p-starter', 'Starter', 'SKU-100', 'plan', 29.00, '2026-01-01 00:00:00'),
  ('p-growth', 'Growth', 'SKU-200', 'plan', 99.00, '2026-01-01 00:00:00'),
  ('p-scale', 'Scale', 'SKU-300', 'plan', 499.00, '2026-01-01 00:00:00'),
  ('p-addon-sso', 'SSO add-on', 'SKU-910', 'addon', 15.50, '2026-01-01 00:00:00');

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO user_products
SELECT i, CASE i % 3 WHEN 0 THEN 'p-starter' WHEN 1 THEN 'p-growth' ELSE 'p-scale' END,
       CASE WHEN i % 10 = 0 THEN 'owner' ELSE 'member' END, 1 + i % 3,
       datetime('2026-01-01', '+' || i || ' hours'), datetime('2026-01-02', '+' || i || ' hours')
FROM n WHERE i % 2 = 0;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
INSERT INTO orders
SELECT 'o-' || i, 1 + (i * 7) % 200, round(10 + (i * 13) % 490 + 0.99, 2),
       CASE i % 3 WHEN 0 THEN 'Starter' WHEN 1 THEN 'Growth' ELSE 'Scale' END, 'USD',
       datetime('2026-02-01', '+' || i || ' minutes')
FROM n;
