//! Compiles the pulumirpc protocol files in ../proto with a vendored protoc.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    // SAFETY: build scripts are single-threaded.
    unsafe { std::env::set_var("PROTOC", protoc) };

    let protos = [
        "../proto/pulumi/provider.proto",
        "../proto/pulumi/engine.proto",
        "../proto/google/rpc/status.proto",
    ];
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .generate_default_stubs(true)
        .compile_protos(
            &protos,
            &["../proto", include.to_str().ok_or("protoc include path")?],
        )?;
    println!("cargo:rerun-if-changed=../proto");
    Ok(())
}
