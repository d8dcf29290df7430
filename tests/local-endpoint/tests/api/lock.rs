//! Vault Lock: ranges, governance vs compliance mode, the grace period, and
//! what a lock forbids (lock changes, vault and recovery point deletion).

use awsbackup_local_endpoint::LocalEndpoint;

use crate::common::*;

const DAY: f64 = 86_400.0;

#[tokio::test]
async fn lock_values_are_range_checked() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "v1").await;
    let put = || {
        c.put_backup_vault_lock_configuration()
            .backup_vault_name("v1")
    };
    assert_invalid(
        put().changeable_for_days(2).send().await,
        "ChangeableForDays",
    );
    assert_invalid(
        put().changeable_for_days(36_501).send().await,
        "ChangeableForDays",
    );
    assert_invalid(put().min_retention_days(0).send().await, "MinRetentionDays");
    assert_invalid(
        put().max_retention_days(36_501).send().await,
        "MaxRetentionDays",
    );
    assert_invalid(put().max_retention_days(0).send().await, "MaxRetentionDays");
    assert_invalid(
        put()
            .min_retention_days(40)
            .max_retention_days(30)
            .send()
            .await,
        "MinRetentionDays must not be greater than MaxRetentionDays",
    );
    // Nothing was stored by the refused calls.
    let d = c
        .describe_backup_vault()
        .backup_vault_name("v1")
        .send()
        .await
        .unwrap();
    assert_eq!(d.locked(), Some(false));
    // Boundaries are accepted.
    put()
        .min_retention_days(1)
        .max_retention_days(36_500)
        .changeable_for_days(3)
        .send()
        .await
        .unwrap();
    put().changeable_for_days(36_500).send().await.unwrap();

    assert_fails(
        c.put_backup_vault_lock_configuration()
            .backup_vault_name("missing")
            .send()
            .await,
        400,
        "ResourceNotFoundException",
        "missing",
    );
    assert_invalid(
        c.put_backup_vault_lock_configuration()
            .backup_vault_name("bad.name")
            .send()
            .await,
        "Invalid backup vault name",
    );
    assert_invalid(
        c.delete_backup_vault_lock_configuration()
            .backup_vault_name("b")
            .send()
            .await,
        "Invalid backup vault name",
    );
}

#[tokio::test]
async fn governance_lock_can_change_at_any_time() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "gov").await;
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("gov")
        .min_retention_days(7)
        .max_retention_days(30)
        .send()
        .await
        .unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
    assert_eq!(d.locked(), Some(true));
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(7), Some(30))
    );
    assert_eq!(d.lock_date(), None, "governance mode has no lock date");

    ep.advance_clock(1000.0 * DAY);
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("gov")
        .min_retention_days(1)
        .send()
        .await
        .unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (d.min_retention_days(), d.max_retention_days()),
        (Some(1), None)
    );
    c.delete_backup_vault_lock_configuration()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
    assert_eq!(d.locked(), Some(false));
    assert_eq!(d.min_retention_days(), None);
    c.delete_backup_vault()
        .backup_vault_name("gov")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn compliance_lock_grace_period_then_immutable() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "comp").await;
    let put = || {
        c.put_backup_vault_lock_configuration()
            .backup_vault_name("comp")
            .min_retention_days(7)
            .max_retention_days(30)
            .changeable_for_days(3)
    };
    put().send().await.unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("comp")
        .send()
        .await
        .unwrap();
    let created = d.creation_date().unwrap().as_secs_f64();
    let lock_date = d
        .lock_date()
        .expect("compliance mode sets LockDate")
        .as_secs_f64();
    assert!(
        (lock_date - created - 3.0 * DAY).abs() < 60.0,
        "LockDate = put time + 3 days"
    );

    // Within the grace time the lock can be changed and removed.
    ep.advance_clock(2.0 * DAY);
    c.delete_backup_vault_lock_configuration()
        .backup_vault_name("comp")
        .send()
        .await
        .unwrap();
    put().send().await.unwrap();
    let d = c
        .describe_backup_vault()
        .backup_vault_name("comp")
        .send()
        .await
        .unwrap();
    let new_lock_date = d.lock_date().unwrap().as_secs_f64();
    assert!(
        new_lock_date > lock_date + DAY,
        "a new put restarts the grace period"
    );

    // On and after the lock date: immutable.
    ep.advance_clock(3.0 * DAY + 1.0);
    assert_fails(
        put().send().await,
        400,
        "InvalidRequestException",
        "lock date",
    );
    assert_fails(
        c.delete_backup_vault_lock_configuration()
            .backup_vault_name("comp")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "lock date",
    );
    // And the vault cannot be deleted any more (the endpoint's rule; see README).
    assert_fails(
        c.delete_backup_vault()
            .backup_vault_name("comp")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "compliance",
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("comp")
        .send()
        .await
        .unwrap();
    assert_eq!(d.locked(), Some(true));
}

#[tokio::test]
async fn empty_vault_with_compliance_lock_in_grace_can_be_deleted() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "grace").await;
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("grace")
        .changeable_for_days(3)
        .send()
        .await
        .unwrap();
    c.delete_backup_vault()
        .backup_vault_name("grace")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn locked_vault_refuses_recovery_point_deletes_until_retention_ends() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "locked").await;
    let week = make_recovery_point(&c, "locked", Some(7)).await;
    let forever = make_recovery_point(&c, "locked", None).await;
    // Compliance lock, still inside its grace time: deletes already fail.
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("locked")
        .changeable_for_days(30)
        .send()
        .await
        .unwrap();
    let delete = |arn: &str| {
        c.delete_recovery_point()
            .backup_vault_name("locked")
            .recovery_point_arn(arn)
    };
    assert_fails(
        delete(&week).send().await,
        400,
        "InvalidRequestException",
        "locked",
    );
    ep.advance_clock(6.0 * DAY);
    assert_fails(
        delete(&week).send().await,
        400,
        "InvalidRequestException",
        "retention",
    );
    ep.advance_clock(1.0 * DAY + 1.0);
    delete(&week).send().await.unwrap();
    // No DeleteAfterDays: retention never ends.
    ep.advance_clock(3650.0 * DAY);
    assert_fails(
        delete(&forever).send().await,
        400,
        "InvalidRequestException",
        "locked",
    );
    let d = c
        .describe_backup_vault()
        .backup_vault_name("locked")
        .send()
        .await
        .unwrap();
    assert_eq!(d.number_of_recovery_points(), 1);
    assert_fails(
        c.delete_backup_vault()
            .backup_vault_name("locked")
            .send()
            .await,
        400,
        "InvalidRequestException",
        "contains recovery points",
    );
}

#[tokio::test]
async fn governance_lock_removal_allows_recovery_point_delete() {
    let ep = LocalEndpoint::start().await.unwrap();
    let c = client(&ep.url());
    make_vault(&c, "g1").await;
    let rp = make_recovery_point(&c, "g1", None).await;
    c.put_backup_vault_lock_configuration()
        .backup_vault_name("g1")
        .min_retention_days(1)
        .send()
        .await
        .unwrap();
    assert_fails(
        c.delete_recovery_point()
            .backup_vault_name("g1")
            .recovery_point_arn(&rp)
            .send()
            .await,
        400,
        "InvalidRequestException",
        "locked",
    );
    c.delete_backup_vault_lock_configuration()
        .backup_vault_name("g1")
        .send()
        .await
        .unwrap();
    c.delete_recovery_point()
        .backup_vault_name("g1")
        .recovery_point_arn(&rp)
        .send()
        .await
        .unwrap();
}
