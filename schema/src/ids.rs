use postgres_types::{FromSql, ToSql};

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ToSql, FromSql,
            serde::Serialize, serde::Deserialize,
        )]
        #[postgres(transparent)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// An organization: the tenant key carried by every tenant table.
    OrganizationId
);
id!(
    /// A campaign within an organization.
    CampaignId
);
id!(
    /// A contact within an organization.
    ContactId
);
