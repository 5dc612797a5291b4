-- Contacts: userId matches, email is stored, and columns named after Conversion's fields.
SELECT
  id AS userId,
  email,
  first_name,
  last_name,
  title AS job_title,
  phone AS phone_number,
  city,
  country,
  company AS company_name,
  company_domain AS domain,
  lead_score
FROM users
WHERE updated_at > datetime({{last_sync_time}}, 'unixepoch')
