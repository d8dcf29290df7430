//! Backup Audit Manager report plans, as the provider and AWS Backup exchange them.

/// Where and how reports are delivered. An empty `formats` is not sent (AWS's default: CSV).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportDeliveryChannel {
    pub s3_bucket_name: String,
    pub s3_key_prefix: Option<String>,
    pub formats: Vec<String>,
}

/// What a report covers. Empty lists are not sent; `number_of_frameworks` `None` is not sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportSetting {
    pub report_template: String,
    pub framework_arns: Vec<String>,
    pub number_of_frameworks: Option<i64>,
    pub accounts: Vec<String>,
    pub organization_units: Vec<String>,
    pub regions: Vec<String>,
}

/// What CreateReportPlan and UpdateReportPlan take (the name cannot change).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportPlanDocument {
    pub name: String,
    pub description: Option<String>,
    pub delivery_channel: ReportDeliveryChannel,
    pub setting: ReportSetting,
}

/// A report plan as DescribeReportPlan reports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportPlan {
    pub arn: String,
    /// RFC 3339.
    pub creation_time: Option<String>,
    /// `CREATE_IN_PROGRESS`, `UPDATE_IN_PROGRESS`, `DELETE_IN_PROGRESS` or `COMPLETED`.
    pub deployment_status: Option<String>,
    pub document: ReportPlanDocument,
}

/// What CreateReportPlan answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportPlanCreated {
    pub arn: String,
    /// RFC 3339.
    pub creation_time: Option<String>,
}
