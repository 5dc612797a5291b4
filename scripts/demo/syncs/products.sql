-- Custom object 'product' with one relationship per owning user.
SELECT
  p.id,
  p.name,
  p.sku,
  p.category,
  u.email,
  json_object('role', up.role, 'quantity', up.quantity, 'purchased_at', up.purchased_at) AS relationshipFields
FROM user_products up
JOIN products p ON up.product_id = p.id
JOIN users u ON up.user_id = u.id
WHERE up.updated_at > datetime({{last_sync_time}}, 'unixepoch')
