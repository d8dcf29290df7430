//! StartBackupJob and the recovery point operations.

use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

const DAY: f64 = 86_400.0;

#[tokio::test]
async fn start_backup_job_records_a_completed_recovery_point() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    let vault_arn = make_vault(&c, "v1").await;
    let job = c
        .start_backup_job()
        .backup_vault_name("v1")
        .resource_arn(EBS)
        .iam_role_arn(ROLE)
        .lifecycle(lifecycle(Some(10), Some(100)))
        .send()
        .await
        .unwrap();
    let rp = job.recovery_point_arn().unwrap();
    assert!(rp.starts_with("arn:aws:backup:us-east-1:123456789012:recovery-point:"));
    assert!(job.backup_job_id().is_some());
    assert!(!job.is_parent());

    let d = c
        .describe_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.number_of_recovery_points(), 1);

    let rpd = c
        .describe_recovery_point()
        .backup_vault_name("v1")
        .recovery_point_arn(rp)
        .send()
        .await
        .unwrap();
    assert_eq!(rpd.status().map(|s| s.as_str()), Some("COMPLETED"));
    assert_eq!(rpd.resource_type(), Some("EBS"));
    assert_eq!(rpd.resource_arn(), Some(EBS));
    assert_eq!(rpd.backup_vault_arn(), Some(vault_arn.as_str()));
    assert_eq!(rpd.iam_role_arn(), Some(ROLE));
    assert_eq!(rpd.storage_class().map(|s| s.as_str()), Some("WARM"));
    let created = rpd.creation_date().unwrap().as_secs_f64();
    let calc = rpd.calculated_lifecycle().unwrap();
    assert!((calc.delete_at().unwrap().as_secs_f64() - created - 100.0 * DAY).abs() < 1.0);
    assert!(
        (calc.move_to_cold_storage_at().unwrap().as_secs_f64() - created - 10.0 * DAY).abs() < 1.0
    );

    // The endpoint's clock drives the storage class.
    ep.advance_clock(11.0 * DAY);
    let rpd = c
        .describe_recovery_point()
        .backup_vault_name("v1")
        .recovery_point_arn(rp)
        .send()
        .await
        .unwrap();
    assert_eq!(rpd.storage_class().map(|s| s.as_str()), Some("COLD"));

    let list = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(list.recovery_points().len(), 1);
    assert_eq!(list.recovery_points()[0].recovery_point_arn(), Some(rp));

    c.delete_recovery_point()
        .backup_vault_name("v1")
        .recovery_point_arn(rp)
        .send()
        .await
        .unwrap();
    assert_fails(
        c.describe_recovery_point()
            .backup_vault_name("v1")
            .recovery_point_arn(rp)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        rp,
    );
    assert_fails(
        c.delete_recovery_point()
            .backup_vault_name("v1")
            .recovery_point_arn(rp)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        rp,
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.number_of_recovery_points(), 0);
}

#[tokio::test]
async fn start_backup_job_validation_and_idempotency() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let job = || {
        c.start_backup_job()
            .backup_vault_name("v1")
            .resource_arn(EBS)
            .iam_role_arn(ROLE)
    };
    assert_fails(
        c.start_backup_job()
            .backup_vault_name("missing")
            .resource_arn(EBS)
            .iam_role_arn(ROLE)
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
    assert_invalid(
        c.start_backup_job()
            .backup_vault_name("v1")
            .resource_arn(EBS)
            .iam_role_arn("role")
            .send()
            .await,
        "IAM role",
    );
    assert_invalid(
        c.start_backup_job()
            .backup_vault_name("v1")
            .resource_arn("vol-1")
            .iam_role_arn(ROLE)
            .send()
            .await,
        "ResourceArn",
    );
    assert_invalid(
        job().lifecycle(lifecycle(Some(10), Some(20))).send().await,
        "90 days",
    );
    assert_invalid(
        job().start_window_minutes(30).send().await,
        "StartWindowMinutes",
    );
    assert_invalid(
        job().backup_options("WindowsVSS", "sometimes").send().await,
        "backup option",
    );
    assert_fails(
        c.start_backup_job()
            .backup_vault_name("v1")
            .iam_role_arn(ROLE)
            .send()
            .await,
        400,
        "MissingParameterValueException",
        "ResourceArn",
    );

    let a = job().idempotency_token("tok").send().await.unwrap();
    let b = job().idempotency_token("tok").send().await.unwrap();
    assert_eq!(a.recovery_point_arn(), b.recovery_point_arn());
    assert_eq!(a.backup_job_id(), b.backup_job_id());
    let d = c
        .describe_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.number_of_recovery_points(), 1);
}

#[tokio::test]
async fn list_recovery_points_filters_and_paginates() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    for _ in 0..3 {
        make_recovery_point(&c, "v1", Some(30)).await;
    }
    let db = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";
    c.start_backup_job()
        .backup_vault_name("v1")
        .resource_arn(db)
        .iam_role_arn(ROLE)
        .send()
        .await
        .unwrap();

    let p1 = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .max_results(3)
        .send()
        .await
        .unwrap();
    assert_eq!(p1.recovery_points().len(), 3);
    let p2 = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .max_results(3)
        .next_token(p1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p2.recovery_points().len(), 1);
    assert_eq!(p2.recovery_points()[0].resource_type(), Some("DynamoDB"));

    let by_arn = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .by_resource_arn(db)
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.recovery_points().len(), 1);
    let by_type = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .by_resource_type("EBS")
        .send()
        .await
        .unwrap();
    assert_eq!(by_type.recovery_points().len(), 3);
    let by_plan = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .by_backup_plan_id("p")
        .send()
        .await
        .unwrap();
    assert!(by_plan.recovery_points().is_empty());
    let past = aws_smithy_types::DateTime::from_secs(1_000_000_000);
    let before = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .by_created_before(past)
        .send()
        .await
        .unwrap();
    assert!(before.recovery_points().is_empty());
    let after = c
        .list_recovery_points_by_backup_vault()
        .backup_vault_name("v1")
        .by_created_after(past)
        .send()
        .await
        .unwrap();
    assert_eq!(after.recovery_points().len(), 4);

    assert_fails(
        c.list_recovery_points_by_backup_vault()
            .backup_vault_name("missing")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
}
