//! Prints the package schema (`make schema` writes it to schema/schema.json).

fn main() {
    let schema = awsbackup::schema::package_schema(
        &awsbackup::resources::all(),
        &awsbackup::functions::all(),
    );
    println!(
        "{}",
        serde_json::to_string_pretty(&schema).expect("schema serializes")
    );
}
