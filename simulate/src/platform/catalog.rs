//! What a seeded platform is made of: the permission vocabulary, the roles, the
//! companies, people, rules, templates, forms and campaigns the seed draws from. Every
//! domain is under `.example` (RFC 2606) except the disposable mail services a rule
//! names, so no seeded address can reach a real mailbox of a real company.

/// The global permission vocabulary, `(key, description)`, inserted when missing.
pub(super) const PERMISSIONS: &[(&str, &str)] = &[
    ("organization.read", "See the organization's settings"),
    (
        "organization.write",
        "Change the organization's name and domain",
    ),
    ("user.read", "See the organization's members"),
    ("user.write", "Invite, change and remove members"),
    ("role.read", "See roles and their permissions"),
    ("role.write", "Create roles and change their permissions"),
    ("contact.read", "See contacts"),
    ("contact.write", "Create, change and delete contacts"),
    ("contact.import", "Import contacts from CSV files"),
    ("list.read", "See contact lists"),
    ("list.write", "Create, change and delete contact lists"),
    ("campaign.read", "See campaigns and their results"),
    ("campaign.write", "Create, schedule and launch campaigns"),
    ("form.read", "See forms and their responses"),
    ("form.write", "Create and change forms"),
    ("template.read", "See email templates"),
    ("template.write", "Create new versions of email templates"),
    ("lead.read", "See leads"),
    ("lead.write", "Qualify, contact and convert leads"),
    ("gdpr.read", "See GDPR requests"),
    ("gdpr.write", "File and process GDPR requests"),
    ("audit.read", "Read the audit trail"),
];

/// A role every organization gets, with the permission keys it grants.
pub(super) struct RoleSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// Permission keys; `None` grants the whole vocabulary.
    pub permissions: Option<&'static [&'static str]>,
}

/// The roles, in the order users are given them (the first user is the admin).
pub(super) const ROLES: &[RoleSpec] = &[
    RoleSpec {
        name: "admin",
        description: "Full access to the organization, its members and its audit trail",
        permissions: None,
    },
    RoleSpec {
        name: "marketer",
        description: "Builds audiences, templates, forms and campaigns",
        permissions: Some(&[
            "organization.read",
            "contact.read",
            "contact.write",
            "contact.import",
            "list.read",
            "list.write",
            "campaign.read",
            "campaign.write",
            "form.read",
            "form.write",
            "template.read",
            "template.write",
            "lead.read",
        ]),
    },
    RoleSpec {
        name: "sales",
        description: "Works the leads campaigns bring in",
        permissions: Some(&[
            "organization.read",
            "contact.read",
            "contact.write",
            "list.read",
            "campaign.read",
            "form.read",
            "lead.read",
            "lead.write",
            "gdpr.read",
        ]),
    },
    RoleSpec {
        name: "viewer",
        description: "Read-only access to the organization's marketing data",
        permissions: Some(&[
            "organization.read",
            "user.read",
            "contact.read",
            "list.read",
            "campaign.read",
            "form.read",
            "template.read",
            "lead.read",
        ]),
    },
];

/// Tenant organizations, `(name, domain stem)`: organization `i` is the `i`-th (with a
/// number appended past the end), whatever the seed, so its domain identifies it.
pub(super) const COMPANIES: &[(&str, &str)] = &[
    ("Northwind Traders", "northwind"),
    ("Bluebird Analytics", "bluebird-analytics"),
    ("Copperleaf Health", "copperleaf"),
    ("Tidewater Logistics", "tidewater"),
    ("Lumen Robotics", "lumenrobotics"),
    ("Evergreen Outfitters", "evergreen-outfitters"),
    ("Quartz Financial", "quartzfinancial"),
    ("Summit Learning", "summitlearning"),
    ("Pioneer Solar", "pioneersolar"),
    ("Harborview Realty", "harborview"),
    ("Fennel & Thyme", "fennelandthyme"),
    ("Orbital Games", "orbitalgames"),
];

/// Contacts' and users' first names (ASCII, so addresses are plain).
#[rustfmt::skip]
pub(super) const FIRST_NAMES: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Sophia", "Elijah", "Isabella",
    "Lucas", "Mia", "Mateo", "Charlotte", "Ethan", "Ava", "Hiroshi", "Priya", "Arjun",
    "Fatima", "Omar", "Chen", "Mei", "Kwame", "Amara", "Sven", "Ingrid", "Luca", "Giulia",
    "Pierre", "Camille", "Jonas", "Lena", "Diego", "Valentina", "Tomasz", "Zofia", "Aisha",
    "Yusuf", "Nora", "Henrik", "Sofia", "Rafael", "Ana", "Kenji", "Yuki", "Daniel", "Grace",
    "Samuel", "Leah", "Marcus",
];

/// Last names; an address keeps only their letters (O'Brien: obrien).
#[rustfmt::skip]
pub(super) const LAST_NAMES: &[&str] = &[
    "Smith", "Johnson", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Walker", "Young", "Patel", "Kumar", "Nguyen", "Kim", "Tanaka",
    "Suzuki", "Mueller", "Schmidt", "Fischer", "Rossi", "Bianchi", "Dubois", "Laurent",
    "Novak", "Kowalski", "Okafor", "Mensah", "Haddad", "Lindqvist", "Johansson", "Silva",
    "Santos", "Costa", "Murphy", "O'Brien", "Kelly", "Cohen", "Rahman", "Ali",
];

/// The companies contacts work at, as their mail domains.
pub(super) const CONTACT_DOMAINS: &[&str] = &[
    "brightpath.example",
    "cedarworks.example",
    "ironclad-security.example",
    "meadowfarm.example",
    "novabank.example",
    "silverline.example",
    "brickhouse.example",
    "oakridge-clinic.example",
    "redfern.example",
    "bluepeak.example",
    "granite-systems.example",
    "willowtech.example",
    "example.com",
    "example.net",
    "example.org",
];

pub(super) const JOB_TITLES: &[&str] = &[
    "Marketing Manager",
    "Head of Growth",
    "CTO",
    "Operations Lead",
    "Procurement Specialist",
    "VP Sales",
    "Founder",
    "Product Manager",
    "IT Director",
    "HR Business Partner",
];

pub(super) const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "NL", "ES", "IN", "BR", "CA", "AU"];

/// The contact lists an organization may have, `(name, description)`.
pub(super) const LISTS: &[(&str, &str)] = &[
    (
        "Newsletter subscribers",
        "Opted in through the website footer",
    ),
    ("Webinar attendees", "Registered for at least one webinar"),
    ("Trade show leads", "Badge scans from the spring trade show"),
    ("Customers", "Accounts with an active subscription"),
    ("Free trial sign-ups", "Started a trial in the last 90 days"),
];

/// The `blocked_domain` rule's domains: a competitor and a known spam trap.
pub(super) const BLOCKED_DOMAINS: &[&str] = &["competitor.example", "spamtrap.example"];
/// The `disposable_domain` rule's domains; its first version had the first three.
pub(super) const DISPOSABLE_DOMAINS: &[&str] = &[
    "mailinator.com",
    "yopmail.com",
    "guerrillamail.com",
    "10minutemail.com",
    "trashmail.com",
];
/// How many of [`DISPOSABLE_DOMAINS`] the rule's first version named.
pub(super) const DISPOSABLE_DOMAINS_V1: usize = 3;
/// The `role_account` rule's local parts.
pub(super) const ROLE_LOCAL_PARTS: &[&str] = &[
    "info",
    "sales",
    "support",
    "admin",
    "contact",
    "marketing",
    "noreply",
];

/// The validation rules' names.
pub(super) const RULE_BLOCKED: &str = "Blocked domains";
pub(super) const RULE_DISPOSABLE: &str = "Disposable mail services";
pub(super) const RULE_ROLE: &str = "Role accounts";

/// An email template; `revised_subject` makes a second version.
pub(super) struct TemplateSpec {
    pub name: &'static str,
    pub subject: &'static str,
    pub revised_subject: Option<&'static str>,
    pub pitch: &'static str,
}

pub(super) const TEMPLATES: &[TemplateSpec] = &[
    TemplateSpec {
        name: "Monthly newsletter",
        subject: "What's new this month at {{organization}}",
        revised_subject: None,
        pitch: "Here is what shipped this month, and what our customers built with it.",
    },
    TemplateSpec {
        name: "Webinar invitation",
        subject: "Join our live webinar",
        revised_subject: Some("Last seats: join our live webinar on Thursday"),
        pitch: "Join our product team live for a 45-minute tour and an open Q&A.",
    },
    TemplateSpec {
        name: "Product launch",
        subject: "Meet the new {{organization}} platform",
        revised_subject: None,
        pitch: "Our biggest release yet is here: faster reports, smarter segments.",
    },
];

/// A form field: `(key, label, type, required, select options)`.
pub(super) type FieldSpec = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    Option<&'static [&'static str]>,
);

/// A form and its fields in display order.
pub(super) struct FormSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub fields: &'static [FieldSpec],
}

pub(super) const FORMS: &[FormSpec] = &[
    FormSpec {
        name: "Demo request",
        description: "Landing-page form: a prospect asks for a demo",
        fields: &[
            ("full_name", "Full name", "text", true, None),
            ("work_email", "Work email", "email", true, None),
            (
                "company_size",
                "Company size",
                "select",
                true,
                Some(&["1-10", "11-50", "51-200", "201-1000", "1000+"]),
            ),
            (
                "consent",
                "I agree to be contacted about my request",
                "checkbox",
                true,
                None,
            ),
        ],
    },
    FormSpec {
        name: "Webinar registration",
        description: "Sign-up for the live product webinars",
        fields: &[
            ("first_name", "First name", "text", true, None),
            ("email", "Email", "email", true, None),
            (
                "role",
                "Your role",
                "select",
                false,
                Some(&["Marketing", "Sales", "Engineering", "Operations", "Other"]),
            ),
            (
                "newsletter",
                "Send me the monthly newsletter",
                "checkbox",
                false,
                None,
            ),
        ],
    },
];

/// Which state a seeded campaign is moved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    Draft,
    Scheduled,
    Active,
    Completed,
}

/// A campaign: name, landing-page slug, template (index into [`TEMPLATES`], and whether
/// it uses the template's first version), form (index into [`FORMS`]), final stage.
pub(super) struct CampaignSpec {
    pub name: &'static str,
    pub slug: &'static str,
    pub template: usize,
    pub first_version: bool,
    pub form: Option<usize>,
    pub stage: Stage,
}

/// Every organization's campaigns: each state at least once, in the order they ran.
pub(super) const CAMPAIGNS: &[CampaignSpec] = &[
    CampaignSpec {
        name: "Spring product launch",
        slug: "spring-product-launch",
        template: 2,
        first_version: false,
        form: Some(0),
        stage: Stage::Completed,
    },
    CampaignSpec {
        name: "Q2 customer webinar",
        slug: "q2-customer-webinar",
        template: 1,
        first_version: true,
        form: Some(1),
        stage: Stage::Completed,
    },
    CampaignSpec {
        name: "Summer webinar series",
        slug: "summer-webinar-series",
        template: 1,
        first_version: false,
        form: Some(1),
        stage: Stage::Active,
    },
    CampaignSpec {
        name: "July newsletter",
        slug: "july-newsletter",
        template: 0,
        first_version: false,
        form: Some(0),
        stage: Stage::Scheduled,
    },
    CampaignSpec {
        name: "Autumn win-back",
        slug: "autumn-win-back",
        template: 0,
        first_version: false,
        form: None,
        stage: Stage::Draft,
    },
];

pub(super) const USER_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
];

/// A lead's notes by the state it ends in.
pub(super) const LEAD_NOTES: &[&str] = &[
    "Requested pricing for 50 seats",
    "Budget approved for Q3; wants a trial first",
    "Student project, no budget",
    "Call booked with the account executive",
    "Signed the annual plan",
];
