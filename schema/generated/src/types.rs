// This file was generated with `clorinde`. Do not modify.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum AssignmentStatus {
    pending,
    sent,
    failed,
    skipped,
}
impl<'a> postgres_types::ToSql for AssignmentStatus {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            AssignmentStatus::pending => "pending",
            AssignmentStatus::sent => "sent",
            AssignmentStatus::failed => "failed",
            AssignmentStatus::skipped => "skipped",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "assignment_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "sent" => true,
                    "failed" => true,
                    "skipped" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for AssignmentStatus {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<AssignmentStatus, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "pending" => Ok(AssignmentStatus::pending),
            "sent" => Ok(AssignmentStatus::sent),
            "failed" => Ok(AssignmentStatus::failed),
            "skipped" => Ok(AssignmentStatus::skipped),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "assignment_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "sent" => true,
                    "failed" => true,
                    "skipped" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum CampaignStatus {
    draft,
    scheduled,
    active,
    completed,
}
impl<'a> postgres_types::ToSql for CampaignStatus {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            CampaignStatus::draft => "draft",
            CampaignStatus::scheduled => "scheduled",
            CampaignStatus::active => "active",
            CampaignStatus::completed => "completed",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "campaign_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "draft" => true,
                    "scheduled" => true,
                    "active" => true,
                    "completed" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for CampaignStatus {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<CampaignStatus, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "draft" => Ok(CampaignStatus::draft),
            "scheduled" => Ok(CampaignStatus::scheduled),
            "active" => Ok(CampaignStatus::active),
            "completed" => Ok(CampaignStatus::completed),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "campaign_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "draft" => true,
                    "scheduled" => true,
                    "active" => true,
                    "completed" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum ValidationStatus {
    pending,
    valid,
    invalid,
    risky,
    unknown,
}
impl<'a> postgres_types::ToSql for ValidationStatus {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            ValidationStatus::pending => "pending",
            ValidationStatus::valid => "valid",
            ValidationStatus::invalid => "invalid",
            ValidationStatus::risky => "risky",
            ValidationStatus::unknown => "unknown",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "validation_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 5 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "valid" => true,
                    "invalid" => true,
                    "risky" => true,
                    "unknown" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for ValidationStatus {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<ValidationStatus, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "pending" => Ok(ValidationStatus::pending),
            "valid" => Ok(ValidationStatus::valid),
            "invalid" => Ok(ValidationStatus::invalid),
            "risky" => Ok(ValidationStatus::risky),
            "unknown" => Ok(ValidationStatus::unknown),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "validation_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 5 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "valid" => true,
                    "invalid" => true,
                    "risky" => true,
                    "unknown" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum GdprRequestType {
    export,
    deletion,
}
impl<'a> postgres_types::ToSql for GdprRequestType {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            GdprRequestType::export => "export",
            GdprRequestType::deletion => "deletion",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "gdpr_request_type" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 2 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "export" => true,
                    "deletion" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for GdprRequestType {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<GdprRequestType, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "export" => Ok(GdprRequestType::export),
            "deletion" => Ok(GdprRequestType::deletion),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "gdpr_request_type" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 2 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "export" => true,
                    "deletion" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum GdprRequestStatus {
    pending,
    processing,
    completed,
    failed,
}
impl<'a> postgres_types::ToSql for GdprRequestStatus {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            GdprRequestStatus::pending => "pending",
            GdprRequestStatus::processing => "processing",
            GdprRequestStatus::completed => "completed",
            GdprRequestStatus::failed => "failed",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "gdpr_request_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "processing" => true,
                    "completed" => true,
                    "failed" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for GdprRequestStatus {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<GdprRequestStatus, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "pending" => Ok(GdprRequestStatus::pending),
            "processing" => Ok(GdprRequestStatus::processing),
            "completed" => Ok(GdprRequestStatus::completed),
            "failed" => Ok(GdprRequestStatus::failed),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "gdpr_request_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 4 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "pending" => true,
                    "processing" => true,
                    "completed" => true,
                    "failed" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(non_camel_case_types)]
pub enum LeadStatus {
    new,
    qualified,
    disqualified,
    contacted,
    converted,
}
impl<'a> postgres_types::ToSql for LeadStatus {
    fn to_sql(
        &self,
        ty: &postgres_types::Type,
        buf: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let s = match *self {
            LeadStatus::new => "new",
            LeadStatus::qualified => "qualified",
            LeadStatus::disqualified => "disqualified",
            LeadStatus::contacted => "contacted",
            LeadStatus::converted => "converted",
        };
        buf.extend_from_slice(s.as_bytes());
        std::result::Result::Ok(postgres_types::IsNull::No)
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "lead_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 5 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "new" => true,
                    "qualified" => true,
                    "disqualified" => true,
                    "contacted" => true,
                    "converted" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
    fn to_sql_checked(
        &self,
        ty: &postgres_types::Type,
        out: &mut postgres_types::private::BytesMut,
    ) -> Result<postgres_types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        postgres_types::__to_sql_checked(self, ty, out)
    }
}
impl<'a> postgres_types::FromSql<'a> for LeadStatus {
    fn from_sql(
        ty: &postgres_types::Type,
        buf: &'a [u8],
    ) -> Result<LeadStatus, Box<dyn std::error::Error + Sync + Send>> {
        match std::str::from_utf8(buf)? {
            "new" => Ok(LeadStatus::new),
            "qualified" => Ok(LeadStatus::qualified),
            "disqualified" => Ok(LeadStatus::disqualified),
            "contacted" => Ok(LeadStatus::contacted),
            "converted" => Ok(LeadStatus::converted),
            s => Result::Err(Into::into(format!("invalid variant `{}`", s))),
        }
    }
    fn accepts(ty: &postgres_types::Type) -> bool {
        if ty.name() != "lead_status" {
            return false;
        }
        match *ty.kind() {
            postgres_types::Kind::Enum(ref variants) => {
                if variants.len() != 5 {
                    return false;
                }
                variants.iter().all(|v| match &**v {
                    "new" => true,
                    "qualified" => true,
                    "disqualified" => true,
                    "contacted" => true,
                    "converted" => true,
                    _ => false,
                })
            }
            _ => false,
        }
    }
}
