// This file was generated with `clorinde`. Do not modify.

pub mod api_keys;
pub mod assignments;
pub mod audit;
pub mod campaigns;
pub mod contact_lists;
pub mod contacts;
pub mod dead_letters;
pub mod email_templates;
pub mod form_fields;
pub mod form_responses;
pub mod forms;
pub mod gdpr;
pub mod leads;
pub mod organizations;
pub mod roles;
pub mod users;
pub mod validation;
