-- Events: one purchase_completed per order, and eventId de-duplicates re-sent rows.
SELECT
  u.id AS userId,
  u.email,
  'purchase_completed' AS event_name,
  o.created_at AS timestamp,
  o.id AS eventId,
  o.total_amount,
  o.product_name,
  o.currency
FROM orders o
JOIN users u ON o.user_id = u.id
WHERE o.created_at > datetime({{last_sync_time}} - 300, 'unixepoch')
