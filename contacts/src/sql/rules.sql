-- The organization's active validation rules (one version per name), by name.
SELECT id, name, version, rule_type, definition
  FROM validation_rules
 WHERE organization_id = $1 AND is_active
 ORDER BY name
